#!/usr/bin/env bash
# Builds the node root of nkd's real-cluster test: a Debian 12 root that STANDS IN FOR A NestOS
# image, booted as a systemd-nspawn system container (docs/testing.md, "A real cluster").
#
#   base  debootstrap --variant=minbase bookworm (the mirror of /etc/apt/sources.list.d/
#         debian.sources) with systemd, containerd, runc, the CNI plugins (linked into
#         /opt/cni/bin), iptables, conntrack, ..., a wheel group (NestOS has one), NestOS's base
#         kubelet.service, sshd disabled (host keys made at its first start), an empty
#         machine-id, and the STAND-INs from hack/cluster/standin/: rpm-ostree, ostree, the
#         staged-deployment finalizer and the host setup unit (writable cgroups, NM keyfile).
#         Cached as $cache/cluster/root-base-<hash of this script and standin/>; cold ~70-100 s.
#   node  a copy of base plus the "OS images" the stand-in rpm-ostree can rebase to: one tree per
#         Kubernetes version, /usr/share/nkd-standin/os/<checksum>/usr/bin/{kubelet,kubeadm}
#         (1.37.1, and the 1.37.2 STAND-IN relinked by hack/kube/build.sh --stand-in), an index of
#         image digests, and the flannel CNI plugin in /opt/cni/bin. The booted deployment is the
#         base one: no kubelet/kubeadm in /usr/bin, like a plain NestOS base image, until nkd's
#         pivot rebases to a Kubernetes image by digest and reboots.
#         Cached as $cache/cluster/node-root-<hash>; $cache/cluster/node-root links to it;
#         the digests go to $cache/cluster/os-images.json ({"1.37.1": "sha256:...", ...}).
#
# Usage: hack/cluster/node-root.sh [--base-only]     prints the root's path on stdout.
# Needs root, debootstrap (apt-get install -y debootstrap), jq, and for the node stage the
# binaries of hack/kube/build.sh and hack/cluster/go-tools.sh flannel-cni.
set -euo pipefail
cd "$(dirname "$0")/../.."

KUBE_VERSIONS=(1.37.1 1.37.2)              # OS images; a version built as "<v>-standin" is a stand-in
OS_BINARIES=(kubelet kubeadm)
PACKAGES=(systemd systemd-sysv dbus iproute2 iptables ebtables containerd runc
  containernetworking-plugins conntrack ethtool socat util-linux mount procps kmod
  ca-certificates openssh-server jq less)

cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}"
out="$cache/cluster"
log() { echo "node-root: $*" >&2; }
die() { echo "node-root.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and file ownership)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
command -v jq >/dev/null || die "jq is missing: apt-get install -y jq"

base_only=0
[ "${1:-}" != --base-only ] || base_only=1

mkdir -p "$out"
exec 9>"$out/.node-root.lock"
flock 9

# ---- base -------------------------------------------------------------------------------------
# Keyed by the text of this base section and the package list, so a change to the node stage
# or to the stand-ins does not redo debootstrap.
base_key="$(sed -n '/^PACKAGES=/,/)$/p; /^# ---- base/,/^# ---- node/p' hack/cluster/node-root.sh | sha256sum | cut -c1-16)"
base="$out/root-base-$base_key"
if [ ! -f "$base/.nkd-complete" ]; then
  mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $0 ~ /bookworm/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources"
  tmp="$out/.root-base-$base_key.tmp"
  rm -rf "$tmp"
  log "debootstrap bookworm from $mirror into $tmp (about 70-100 s)"
  start=$(date +%s)
  include="$(IFS=,; echo "${PACKAGES[*]}")"
  debootstrap --variant=minbase --include="$include" bookworm "$tmp" "$mirror" > "$out/.debootstrap.log" 2>&1 \
    || { tail -20 "$out/.debootstrap.log" >&2; die "debootstrap failed (log: $out/.debootstrap.log)"; }
  log "debootstrap done in $(( $(date +%s) - start ))s"

  # The CNI plugins where kubelet, containerd and flannel look for them.
  mkdir -p "$tmp/opt/cni/bin" "$tmp/etc/cni/net.d"
  for p in "$tmp"/usr/lib/cni/*; do ln -sfn "/usr/lib/cni/${p##*/}" "$tmp/opt/cni/bin/${p##*/}"; done
  for p in bridge host-local loopback portmap; do [ -e "$tmp/opt/cni/bin/$p" ] || die "CNI plugin $p missing from containernetworking-plugins"; done

  # NestOS has a wheel group (nkd's users join it); Debian has none.
  getent group wheel >/dev/null 2>&1 || true
  grep -q '^wheel:' "$tmp/etc/group" || groupadd --root "$tmp" --system wheel

  # Ignition's files stage expects SELinux configuration (NestOS ships it; disabled here).
  mkdir -p "$tmp/etc/selinux"
  printf 'SELINUX=disabled\nSELINUXTYPE=targeted\n' > "$tmp/etc/selinux/config"
  mkdir -p "$tmp/etc/NetworkManager/system-connections" "$tmp/etc/sysconfig" "$tmp/etc/kubernetes/manifests"

  # sshd: disabled by default; no host keys shared between nodes (made at its first start).
  systemctl --root="$tmp" disable ssh.service ssh.socket >/dev/null 2>&1 || true
  rm -f "$tmp"/etc/ssh/ssh_host_*
  mkdir -p "$tmp/etc/systemd/system/ssh.service.d"
  printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
    > "$tmp/etc/systemd/system/ssh.service.d/nkd-hostkeys.conf"
  # containerd is enabled by its package; kubelet stays disabled (kubeadm starts it).
  systemctl --root="$tmp" enable containerd.service >/dev/null 2>&1
  # Each node its own identity: empty machine-id (systemd takes nspawn's UUID), no hostname.
  : > "$tmp/etc/machine-id"
  rm -f "$tmp/var/lib/dbus/machine-id" "$tmp/etc/hostname"
  ln -sfn /etc/machine-id "$tmp/var/lib/dbus/machine-id"
  # Nothing of the build host's network configuration.
  rm -f "$tmp/etc/resolv.conf"; : > "$tmp/etc/resolv.conf"
  # No package caches (and apt would not reach a mirror from a node anyway).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* "$tmp"/var/log/*.log

  touch "$tmp/.nkd-complete"
  rm -rf "$base"
  mv "$tmp" "$base"
  log "base root built in $(( $(date +%s) - start ))s: $base"
  # Older base roots of this script are garbage.
  for old in "$out"/root-base-*; do [ "$old" = "$base" ] || rm -rf "$old"; done
fi
if [ $base_only = 1 ]; then echo "$base"; exit 0; fi

# ---- node: base + OS image trees + flannel CNI plugin ------------------------------------------
kube="$cache/kube"
flannel_cni="$(ls "$cache"/tools/flannel-cni/*/flannel 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$flannel_cni" ] || die "the flannel CNI plugin is not built: bash hack/cluster/go-tools.sh flannel-cni"
dirs=()
for v in "${KUBE_VERSIONS[@]}"; do
  d="$kube/$v"
  [ -x "$d/kubelet" ] || d="$kube/$v-standin"
  for b in "${OS_BINARIES[@]}"; do
    [ -x "$d/$b" ] || die "no $b for Kubernetes $v in $kube/$v or $kube/$v-standin: bash hack/kube/build.sh $v ${OS_BINARIES[*]} (or: bash hack/kube/build.sh --stand-in $v <source version> ${OS_BINARIES[*]})"
  done
  dirs+=("$d")
done
node_key="$( { echo "$base_key"; sed -n '/^# ---- node/,$p' hack/cluster/node-root.sh; cat hack/cluster/standin/*; for d in "${dirs[@]}"; do (cd "$d" && sha256sum "${OS_BINARIES[@]}"); done; sha256sum < "$flannel_cni"; } | sha256sum | cut -c1-16)"
node="$out/node-root-$node_key"
if [ ! -f "$node/.nkd-complete" ]; then
  start=$(date +%s)
  tmp="$out/.node-root-$node_key.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp" && cp -a --reflink=auto "$base/." "$tmp/"
  rm -f "$tmp/.nkd-complete"
  # Stand-ins (named so in their headers and in docs/testing.md).
  install -D -m 0755 hack/cluster/standin/rpm-ostree "$tmp/usr/bin/rpm-ostree"
  install -D -m 0755 hack/cluster/standin/ostree "$tmp/usr/bin/ostree"
  install -D -m 0755 hack/cluster/standin/finalize "$tmp/usr/libexec/nkd-standin/finalize"
  install -D -m 0755 hack/cluster/standin/host-setup "$tmp/usr/libexec/nkd-standin/host-setup"
  install -D -m 0644 hack/cluster/standin/nkd-standin-finalize.service "$tmp/usr/lib/systemd/system/nkd-standin-finalize.service"
  install -D -m 0644 hack/cluster/standin/nkd-standin-host.service "$tmp/usr/lib/systemd/system/nkd-standin-host.service"
  install -D -m 0644 hack/cluster/standin/kubelet.service "$tmp/usr/lib/systemd/system/kubelet.service"
  systemctl --root="$tmp" enable nkd-standin-finalize.service nkd-standin-host.service >/dev/null 2>&1
  # STAND-IN setting: in a system container systemd cannot signal the processes of a container
  # scope ("Failed to kill control group ...: Input/output error"), so a reboot waited the full
  # 90 s stop timeout for each; systemd-shutdown's final kill ends them anyway.
  mkdir -p "$tmp/etc/systemd/system.conf.d"
  printf '[Manager]\nDefaultTimeoutStopSec=10s\n' > "$tmp/etc/systemd/system.conf.d/nkd-standin.conf"
  install -m 0755 "$flannel_cni" "$tmp/opt/cni/bin/flannel"

  osdir="$tmp/usr/share/nkd-standin/os"
  mkdir -p "$osdir"
  # checksum: sha256 of the tree's listing (a label, then mode, content hash and path of each
  # file); digest: sha256 of "nkd-standin-image <checksum>". Both deterministic.
  tree_checksum() { # label dir
    { echo "nkd-standin-os $1"; (cd "$2" && find . -type f -printf '%m %p\n' | sort | while read -r m p; do echo "$m $(sha256sum < "$p" | cut -c1-64) $p"; done); } | sha256sum | cut -c1-64
  }
  image_digest() { echo "sha256:$(echo "nkd-standin-image $1" | sha256sum | cut -c1-64)"; }

  empty="$(mktemp -d)"
  base_sum="$(tree_checksum base "$empty")"; rmdir "$empty"
  mkdir -p "$osdir/$base_sum"
  base_digest="$(image_digest "$base_sum")"
  index="$(jq -n --arg d "$base_digest" --arg c "$base_sum" '{($d): {checksum: $c, version: "nestos-base (nkd stand-in, no Kubernetes)"}}')"
  images='{}'
  for i in "${!KUBE_VERSIONS[@]}"; do
    v="${KUBE_VERSIONS[$i]}"; d="${dirs[$i]}"
    label="kubernetes-$v"; [[ "$d" != *-standin ]] || label="kubernetes-$v-standin"
    t="$osdir/.tree"; rm -rf "$t"; mkdir -p "$t/usr/bin"
    for b in "${OS_BINARIES[@]}"; do install -m 0755 "$d/$b" "$t/usr/bin/$b"; done
    sum="$(tree_checksum "$label" "$t")"
    rm -rf "${osdir:?}/$sum"; mv "$t" "$osdir/$sum"
    digest="$(image_digest "$sum")"
    index="$(jq --arg d "$digest" --arg c "$sum" --arg v "$label" '. + {($d): {checksum: $c, version: $v}}' <<<"$index")"
    images="$(jq --arg v "$v" --arg d "$digest" '. + {($v): $d}' <<<"$images")"
  done
  echo "$index" > "$osdir/index.json"
  jq -n --arg c "$base_sum" --arg r "ostree-unverified-registry:localhost/nestos-base@$base_digest" \
    '{booted: {checksum: $c, ref: $r, version: "nestos-base (nkd stand-in, no Kubernetes)"}, staged: null, rollback: null}' \
    > "$tmp/usr/share/nkd-standin/initial-state.json"
  echo "$images" > "$tmp/usr/share/nkd-standin/os-images.json"
  touch "$tmp/.nkd-complete"
  rm -rf "$node"
  mv "$tmp" "$node"
  # Keep the new root and the one node-root pointed to until now (a test may still copy it).
  prev="$(readlink "$out/node-root" 2>/dev/null || true)"
  for old in "$out"/node-root-*; do
    [ "$old" = "$node" ] || [ "${old##*/}" = "$prev" ] || rm -rf "$old"
  done
  log "node root built in $(( $(date +%s) - start ))s: $node"
fi
ln -sfn "node-root-$node_key" "$out/node-root.tmp" && mv -Tf "$out/node-root.tmp" "$out/node-root"
cp "$node/usr/share/nkd-standin/os-images.json" "$out/os-images.json.tmp" && mv -f "$out/os-images.json.tmp" "$out/os-images.json"
echo "$node"
