#!/bin/busybox sh
# init (PID 1) of the STAND-IN NestOS live installer (live-installer-tftp.sh): does what the e2e test
# needs to see of nestos-installer, nothing more. It reads the kernel arguments the iPXE machine
# script gave it, configures dracut's static ip=<ip>::<gateway>:<netmask>:<hostname>:<iface>:none,
# fetches nestos.live.rootfs_url and nestos.inst.ignition_url with busybox wget, reports them on
# the serial console (the Ignition bytes base64 between markers), and powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
for m in /lib/modules/*.ko; do [ -e "$m" ] && insmod "$m" 2>/dev/null; done
exec >/dev/ttyS0 2>&1
echo "NKD-LIVE-BOOTED"
arg() {
  for w in $(cat /proc/cmdline); do
    case "$w" in "$1="*) echo "${w#*=}"; return ;; esac
  done
}
dev="$(arg nestos.inst.install_dev)"
url="$(arg nestos.inst.ignition_url)"
rootfs="$(arg nestos.live.rootfs_url)"
ipspec="$(arg ip)"
echo "NKD-LIVE-ARG nestos.inst.install_dev=$dev"
echo "NKD-LIVE-ARG nestos.inst.ignition_url=$url"
echo "NKD-LIVE-ARG nestos.live.rootfs_url=$rootfs"
echo "NKD-LIVE-ARG ip=$ipspec"
IFS=: read -r addr _ gw mask host iface _ <<EOT
$ipspec
EOT
n=0
while [ -z "$iface" ] && [ $n -lt 50 ]; do
  iface="$(ls /sys/class/net | grep -v '^lo$' | head -1)"
  [ -n "$iface" ] || { sleep 0.1; n=$((n + 1)); }
done
echo "NKD-LIVE-NET $iface $(cat "/sys/class/net/$iface/address" 2>/dev/null) $addr/$mask gw $gw host $host"
ifconfig "$iface" "$addr" netmask "$mask" up
route add default gw "$gw" 2>/dev/null
hostname "$host"
if wget -q -O /tmp/rootfs "$rootfs"; then echo "NKD-LIVE-ROOTFS-BYTES $(wc -c </tmp/rootfs)"; else echo "NKD-LIVE-ROOTFS-FAILED"; fi
if wget -q -O /tmp/ignition "$url"; then
  echo "NKD-IGNITION-BEGIN"
  base64 /tmp/ignition
  echo "NKD-IGNITION-END"
else
  echo "NKD-IGNITION-FAILED"
fi
echo "NKD-LIVE-DONE"
sync
poweroff -f
