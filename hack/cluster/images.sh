#!/usr/bin/env bash
# Builds the container images of nkd's real-cluster test from locally built binaries and Debian
# files (no image is downloaded) and pushes them to REGISTRY (plain HTTP), under the names and
# tags kubeadm uses with `imageRepository: REGISTRY`:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy   v1.37.1, and v1.37.2 (the
#       STAND-IN patch release of hack/kube/build.sh --stand-in: the 1.37.1 code relinked)
#   etcd:3.7.0-0, pause:3.10.2, coredns:v1.14.6   (exactly `kubeadm config images list` of 1.37.1)
#   flannel:v0.28.10 (flanneld), flannel-cni-plugin:v0.9.1 (see hack/cluster/go-tools.sh)
#   nkd-operator:<package.json version>   (hack/operator-image.sh)
# Each image is a reproducible OCI layout cached in $cache/images/<name>/<tag> (rebuilt only
# when its inputs change); a push is skipped when the registry has the same digest.
# kube-proxy and flannel carry iptables/ip6tables/conntrack (nf_tables backend, as on the node)
# and their libraries, taken from the node root's Debian packages (hack/cluster/node-root.sh).
#
# Usage: hack/cluster/images.sh REGISTRY [--no-operator]   e.g. 10.231.40.1:5000
#        hack/cluster/images.sh --build-only [--no-operator]   builds the cached layouts, pushes nothing
#        NKD_IMAGES="pause etcd" hack/cluster/images.sh REGISTRY   only the images named
# Needs: hack/cluster/build.sh done (binaries, node root); skopeo, jq (apt-get install -y skopeo jq).
# Prints one line per image: "image REF: pushed|already in the registry (DIGEST)".
set -euo pipefail
cd "$(dirname "$0")/../.."
die() { echo "images.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 REGISTRY|--build-only [--no-operator]" >&2; exit 2; }
reg="$1"; operator=1; push=1
[ "${2:-}" != --no-operator ] || operator=0
if [ "$reg" = --build-only ]; then push=0; reg=registry.invalid:5000; fi
[[ "$reg" == *:* ]] || [[ "$reg" == */* ]] || die "REGISTRY must be HOST:PORT, got '$reg'"
if [ $push = 1 ]; then
  curl -fsS -o /dev/null --max-time 5 "http://$reg/v2/" || die "no registry answers at http://$reg/v2/ (start one: hack/cluster/registry.sh start DATA_DIR $reg)"
fi
. hack/cluster/oci.sh

cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}"
KUBE_VERSION=1.37.1
STANDIN_VERSION=1.37.2
kube="$cache/kube/$KUBE_VERSION"
standin="$cache/kube/$STANDIN_VERSION-standin"
tools="$cache/tools"
# Versions of go-tools.sh (one place: read them from the script).
toolver() { sed -n "s/^$1=\([0-9.]*\).*/\1/p" hack/cluster/go-tools.sh; }
ETCD_VERSION="$(toolver ETCD_VERSION)"; COREDNS_VERSION="$(toolver COREDNS_VERSION)"
PAUSE_VERSION="$(toolver PAUSE_VERSION)"; FLANNEL_VERSION="$(toolver FLANNEL_VERSION)"
FLANNEL_CNI_VERSION="$(toolver FLANNEL_CNI_VERSION)"

need() { [ -x "$1" ] || die "$1 is not built: $2"; }
need "$kube/kubeadm" "bash hack/kube/build.sh $KUBE_VERSION kubeadm"

# The tags kubeadm itself expects (issue 16: never a table of our own).
mapfile -t expected < <("$kube/kubeadm" config images list --kubernetes-version "v$KUBE_VERSION" --image-repository "$reg" 2>/dev/null)
[ ${#expected[@]} -ge 7 ] || die "kubeadm config images list printed ${#expected[@]} images"
tag_of() { local i; for i in "${expected[@]}"; do [ "${i%:*}" != "$reg/$1" ] || { echo "${i##*:}"; return; }; done; die "kubeadm lists no $1 image"; }
[ "$(tag_of etcd)" = "$ETCD_VERSION-0" ] || die "kubeadm $KUBE_VERSION expects etcd $(tag_of etcd), go-tools.sh builds $ETCD_VERSION"
[ "$(tag_of coredns)" = "v$COREDNS_VERSION" ] || die "kubeadm $KUBE_VERSION expects coredns $(tag_of coredns), go-tools.sh builds $COREDNS_VERSION"
[ "$(tag_of pause)" = "$PAUSE_VERSION" ] || die "kubeadm $KUBE_VERSION expects pause $(tag_of pause), go-tools.sh builds $PAUSE_VERSION"

base="$(bash hack/cluster/node-root.sh --base-only)"
stage="$cache/images/.stage.$$"
rm -rf "$stage"; mkdir -p "$stage"
trap 'rm -rf "$stage"' EXIT

# skeleton DIR: merged-/usr links, /tmp, passwd/group, nsswitch (Go's resolver reads it).
skeleton() {
  local d="$1"
  mkdir -p "$d/usr/bin" "$d/usr/sbin" "$d/usr/lib" "$d/usr/lib64" "$d/usr/local/bin" "$d/etc" "$d/tmp" "$d/var/run"
  ln -s usr/bin "$d/bin"; ln -s usr/sbin "$d/sbin"; ln -s usr/lib "$d/lib"; ln -s usr/lib64 "$d/lib64"
  chmod 1777 "$d/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$d/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$d/etc/group"
  printf 'hosts: files dns\n' > "$d/etc/nsswitch.conf"
}
# iptables (nf_tables backend, like the node's Debian), ip6tables, conntrack and their libs.
netfilter_layer() {
  local d="$1" b
  skeleton "$d"
  copy_with_libs "$base" /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/conntrack "$d"
  cp -a "$base/usr/lib/x86_64-linux-gnu/xtables" "$d/usr/lib/x86_64-linux-gnu/"
  # the match and target plugins are dlopen()ed, so ldd of the binaries misses what they load
  # (libxt_statistic.so needs libm: kube-proxy uses it once a Service has two endpoints)
  local plugins=()
  for b in "$base"/usr/lib/x86_64-linux-gnu/xtables/*.so; do plugins+=("${b#"$base"}"); done
  copy_with_libs "$base" "${plugins[@]}" "$d"
  for b in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sfn xtables-nft-multi "$d/usr/sbin/$b"
    ln -sfn xtables-nft-multi "$d/usr/sbin/${b/tables/tables-nft}"
    ln -sfn xtables-legacy-multi "$d/usr/sbin/${b/tables/tables-legacy}"
  done
  mkdir -p "$d/etc"; [ ! -f "$base/etc/ethertypes" ] || cp "$base/etc/ethertypes" "$d/etc/"
  [ ! -f "$base/etc/protocols" ] || cp "$base/etc/protocols" "$d/etc/"
  mkdir -p "$d/run" "$d/var/lib"
}

# image NAME TAG CONFIG_JSON KEY_INPUTS... -- builds into $cache/images/NAME/TAG unless the
# inputs' hash is unchanged, then pushes. The layer is made by the function "layer_NAME DIR".
image() {
  local name="$1" tag="$2" config="$3"; shift 3
  local layout="$cache/images/$name/$tag" key
  key="$( { cat hack/cluster/images.sh hack/cluster/oci.sh; echo "$config"; for f in "$@"; do sha256sum < "$f"; done; } | sha256sum | cut -c1-32)"
  if [ ! -f "$layout/index.json" ] || [ "$(cat "$layout.key" 2>/dev/null)" != "$key" ]; then
    local d="$stage/$name-$tag"
    rm -rf "$d"; mkdir -p "$d"
    "layer_$name" "$d"
    mkdir -p "$(dirname "$layout")"
    oci_build "$layout" "$name:$tag" "$config" "$d" >/dev/null
    echo "$key" > "$layout.key"
    rm -rf "$d"
  fi
  if [ $push = 1 ]; then oci_push "$layout" "$name:$tag" "$reg/$name:$tag"; else echo "image $name:$tag: built $layout"; fi
}

want() { [ -z "${NKD_IMAGES:-}" ] || [[ " $NKD_IMAGES " == *" $1 "* ]]; }
PATHENV='"PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin"'
static_layer() { skeleton "$1"; install -m 0755 "$2" "$1/usr/local/bin/$3"; }

for v in "$KUBE_VERSION" "$STANDIN_VERSION"; do
  want kube-apiserver || want kube-controller-manager || want kube-scheduler || want kube-proxy || continue
  dir="$kube"; [ "$v" = "$KUBE_VERSION" ] || dir="$standin"
  for b in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    if [ "$v" = "$KUBE_VERSION" ]; then need "$dir/$b" "bash hack/kube/build.sh $v $b"
    else need "$dir/$b" "bash hack/kube/build.sh --stand-in $v $KUBE_VERSION $b"; fi
  done
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    want "$b" || continue
    eval "layer_$b() { static_layer \"\$1\" '$dir/$b' $b; }"
    image "$b" "v$v" "{\"Env\":[$PATHENV],\"Entrypoint\":[\"/usr/local/bin/$b\"]}" "$dir/$b"
  done
  want kube-proxy || continue
  eval "layer_kube-proxy() { netfilter_layer \"\$1\"; install -m 0755 '$dir/kube-proxy' \"\$1/usr/local/bin/kube-proxy\"; }"
  image kube-proxy "v$v" "{\"Env\":[$PATHENV],\"Entrypoint\":[\"/usr/local/bin/kube-proxy\"]}" "$dir/kube-proxy" "$base/usr/sbin/xtables-nft-multi"
done

if want etcd; then
need "$tools/etcd/$ETCD_VERSION/etcd" "bash hack/cluster/go-tools.sh etcd"
layer_etcd() { static_layer "$1" "$tools/etcd/$ETCD_VERSION/etcd" etcd; mkdir -p "$1/var/lib/etcd"; }
image etcd "$ETCD_VERSION-0" "{\"Env\":[$PATHENV],\"Entrypoint\":[\"/usr/local/bin/etcd\"]}" "$tools/etcd/$ETCD_VERSION/etcd"
fi

if want pause; then
need "$tools/pause/$PAUSE_VERSION/pause" "bash hack/cluster/go-tools.sh pause"
layer_pause() { mkdir -p "$1"; install -m 0755 "$tools/pause/$PAUSE_VERSION/pause" "$1/pause"; }
image pause "$PAUSE_VERSION" '{"Entrypoint":["/pause"],"User":"65535:65535"}' "$tools/pause/$PAUSE_VERSION/pause"
fi

if want coredns; then
need "$tools/coredns/$COREDNS_VERSION/coredns" "bash hack/cluster/go-tools.sh coredns"
layer_coredns() { skeleton "$1"; install -m 0755 "$tools/coredns/$COREDNS_VERSION/coredns" "$1/coredns"; }
image coredns "v$COREDNS_VERSION" '{"Entrypoint":["/coredns"],"ExposedPorts":{"53/tcp":{},"53/udp":{}}}' "$tools/coredns/$COREDNS_VERSION/coredns"
fi

if want flannel; then
need "$tools/flanneld/$FLANNEL_VERSION/flanneld" "bash hack/cluster/go-tools.sh flanneld"
layer_flannel() {
  netfilter_layer "$1"
  mkdir -p "$1/opt/bin"
  install -m 0755 "$tools/flanneld/$FLANNEL_VERSION/flanneld" "$1/opt/bin/flanneld"
}
image flannel "v$FLANNEL_VERSION" "{\"Env\":[$PATHENV],\"Entrypoint\":[\"/opt/bin/flanneld\"]}" "$tools/flanneld/$FLANNEL_VERSION/flanneld" "$base/usr/sbin/xtables-nft-multi"
fi

if want flannel-cni-plugin; then
need "$tools/flannel-cni/$FLANNEL_CNI_VERSION/flannel" "bash hack/cluster/go-tools.sh flannel-cni"
# The init container of kube-flannel copies /flannel to the host's /opt/cni/bin with cp.
layer_flannel-cni-plugin() { skeleton "$1"; install -m 0755 "$tools/flannel-cni/$FLANNEL_CNI_VERSION/flannel" "$1/flannel"; copy_with_libs "$base" /usr/bin/cp "$1"; }
image flannel-cni-plugin "v$FLANNEL_CNI_VERSION" '{"Env":["PATH=/usr/bin:/usr/sbin"],"Entrypoint":["/usr/bin/cp"]}' "$tools/flannel-cni/$FLANNEL_CNI_VERSION/flannel"
fi

if [ $operator = 1 ] && want nkd-operator; then
  if [ $push = 1 ]; then bash hack/operator-image.sh --push "$reg"; else bash hack/operator-image.sh; fi
fi
