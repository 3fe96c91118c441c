#!/bin/busybox sh
# The test guest's init (PID 1 in the initramfs): reads the Ignition config QEMU passes through
# fw_cfg (opt/com.coreos/config), reports it on the serial console between markers (base64,
# so the test compares bytes), reports the MAC of its NIC, then powers off (or, with nkd.stay on
# the kernel command line, stays up like a real node: tests that count provisioning steps).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in /lib/modules/*.ko; do [ -e "$m" ] && insmod "$m" 2>/dev/null; done
cfg=/sys/firmware/qemu_fw_cfg/by_name/opt/com.coreos/config/raw
exec >/dev/ttyS0 2>&1
echo "NKD-GUEST-BOOTED"
n=0
while [ "$(ls /sys/class/net | grep -vc '^lo$')" = 0 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
for nic in /sys/class/net/*; do
  [ "$(basename "$nic")" = lo ] || echo "NKD-GUEST-MAC $(cat "$nic/address")"
done
if [ -r "$cfg" ]; then
  echo "NKD-IGNITION-BEGIN"
  base64 "$cfg"
  echo "NKD-IGNITION-END"
else
  echo "NKD-IGNITION-MISSING"
fi
sync
if grep -qw nkd.stay /proc/cmdline; then while :; do sleep 3600; done; fi
poweroff -f
