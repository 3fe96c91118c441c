#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the STAND-IN for the NestOS live installer (hack/guest/live-installer.sh): what the
# live system and nestos-installer do on the network, and nothing else. It brings up the NIC
# (DHCP with busybox udhcpc, or dracut's static `ip=<ip>::<gw>:<netmask>:<host>:<iface>:none`
# when present), fetches nestos.live.rootfs_url and nestos.inst.ignition_url with busybox wget
# and reports, between markers on the serial console, the kernel command line, its address, the
# wget results and the Ignition bytes (base64, so the test compares bytes). It installs nothing
# to nestos.inst.install_dev (it only reports it), then powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in /lib/modules/*.ko; do [ -e "$m" ] && insmod "$m" 2>/dev/null; done
exec >/dev/ttyS0 2>&1
echo "NKD-LIVE-STANDIN-BOOTED"
echo "NKD-LIVE-CMDLINE $(cat /proc/cmdline)"
# the command line is words, not lines
# shellcheck disable=SC2013
karg() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "${w#*=}" ;; esac; done; }
dev="$(karg nestos.inst.install_dev)"
url="$(karg nestos.inst.ignition_url)"
rootfs="$(karg nestos.live.rootfs_url)"
static="$(karg ip)"
echo "NKD-LIVE-INSTALL-DEV ${dev:-none}"

n=0
nic=""
while [ -z "$nic" ] && [ $n -lt 100 ]; do
  for d in /sys/class/net/*; do [ "${d##*/}" = lo ] || [ ! -e "$d" ] || { nic="${d##*/}"; break; }; done
  [ -n "$nic" ] || sleep 0.1
  n=$((n + 1))
done
ip link set lo up
if [ -z "$nic" ]; then
  echo "NKD-LIVE-NO-NIC"
else
  echo "NKD-LIVE-MAC $(cat /sys/class/net/"$nic"/address)"
  ip link set "$nic" up
  if [ -n "$static" ]; then
    IFS=: read -r addr _ gw mask _ iface _ <<EOT
$static
EOT
    [ -n "$iface" ] && nic="$iface"
    ifconfig "$nic" "$addr" netmask "$mask" up
    [ -n "$gw" ] && route add default gw "$gw"
  else
    cat >/tmp/udhcpc.sh <<'EOT'
#!/bin/sh
case "$1" in
  bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    for r in $router; do route add default gw "$r" dev "$interface"; break; done
    ;;
esac
EOT
    chmod 755 /tmp/udhcpc.sh
    udhcpc -i "$nic" -n -q -t 15 -T 2 -s /tmp/udhcpc.sh >/dev/null 2>&1 || echo "NKD-LIVE-DHCP-FAILED"
  fi
  echo "NKD-LIVE-ADDR $(ip -4 addr show dev "$nic" | awk '/inet /{print $2; exit}')"
fi

# The live system fetches its rootfs first (nestos-livepxe-rootfs.sh), then the installer the Ignition.
if [ -n "$rootfs" ]; then
  wget -q -O /tmp/rootfs.img "$rootfs"
  echo "NKD-LIVE-ROOTFS rc=$? bytes=$(wc -c </tmp/rootfs.img 2>/dev/null || echo 0)"
fi
if [ -n "$url" ]; then
  wget -q -O /tmp/config.ign "$url"
  echo "NKD-LIVE-IGNITION rc=$?"
  echo "NKD-LIVE-IGNITION-BEGIN"
  [ -s /tmp/config.ign ] && base64 /tmp/config.ign
  echo "NKD-LIVE-IGNITION-END"
else
  echo "NKD-LIVE-IGNITION-MISSING"
fi
echo "NKD-LIVE-STANDIN-DONE (installed nothing to ${dev:-no device})"
sync
poweroff -f
