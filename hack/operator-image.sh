#!/usr/bin/env bash
# The offline build of nkd's operator/agent image (no daemon, nothing downloaded but npm
# packages from the npm registry): the host's Node.js (/usr/bin/node) with its shared libraries,
# nsenter (util-linux; the agent runs host commands with nsenter --target 1 ...) with its
# libraries, and /app = this repository's dist/ (npm run build), production node_modules
# (npm ci --omit=dev --ignore-scripts in a staging copy, cached by package-lock.json), package.json,
# templates/ and crds/. Entrypoints (pkg/upgrade/install/manifests.ts): the operator runs
# `node /app/dist/cmd/operator/main.js`, the agent `node /app/dist/cmd/agent/main.js`.
# The image is tagged localhost/nkd-operator:<package.json version> in the OCI layout
# ${NKD_CACHE_DIR:-$HOME/.cache/nkd}/images/nkd-operator/<version> (skopeo/podman/buildah name it
# oci:<that dir>:localhost/nkd-operator:<version>; the host's containers-storage is left alone:
# `skopeo copy oci:<dir>:<ref> containers-storage:<ref>` puts it there). Reproducible: unchanged
# inputs give the same digest.
# Where a registry is reachable, hack/operator-image/Containerfile is the recipe for podman/buildah.
#
# Usage: hack/operator-image.sh [--push REGISTRY]   (prints the image reference(s) and digest)
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "operator-image.sh: $*" >&2; exit 1; }
reg=""
case "${1:-}" in
  --push) [ $# -eq 2 ] || die "usage: $0 [--push REGISTRY]"; reg="$2" ;;
  "") ;;
  *) die "usage: $0 [--push REGISTRY]" ;;
esac
. hack/cluster/oci.sh
command -v npm >/dev/null || die "npm is missing (Node.js 20 with npm is needed to build dist/)"
[ -x /usr/bin/node ] || die "/usr/bin/node is missing: the image carries the host's Node.js (apt-get install -y nodejs, or the NodeSource package)"
command -v nsenter >/dev/null || die "nsenter is missing: apt-get install -y util-linux"

version="$(node -p 'require("./package.json").version')"
ref="localhost/nkd-operator:$version"
cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}"
work="$cache/operator-image"
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9

start=$(date +%s)
# dist/: the repository's own build.
[ -d node_modules ] || die "node_modules is missing: npm ci"
# Rebuilt when a source is newer than the last build (tsc takes half a minute here).
stamp=dist/.nkd-operator-image-build
if [ ! -f "$stamp" ] || [ ! -f dist/cmd/operator/main.js ] || [ ! -f dist/cmd/agent/main.js ] \
   || [ -n "$(find cmd pkg hack test templates crds package.json package-lock.json tsconfig.json -newer "$stamp" -type f \( -name '*.ts' -o -name '*.json' -o -name '*.hbs' -o -name '*.yaml' \) -print -quit 2>/dev/null)" ]; then
  npm run --silent build >&2 || die "npm run build failed"
  touch "$stamp"
fi

# Production dependencies, cached by the lock file.
lockhash="$(cat package.json package-lock.json | sha256sum | cut -c1-16)"
prod="$work/node_modules-$lockhash"
if [ ! -d "$prod/node_modules" ]; then
  t="$work/.prod.$$"; rm -rf "$t"; mkdir -p "$t"
  cp package.json package-lock.json "$t/"
  (cd "$t" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || { rm -rf "$t"; die "npm ci --omit=dev failed in $t"; }
  rm -f "$t/package.json" "$t/package-lock.json"
  rm -rf "$prod"; mv "$t" "$prod"
  for old in "$work"/node_modules-*; do [ "$old" = "$prod" ] || rm -rf "$old"; done
fi

# The inputs' hash, computed before anything is staged: an unchanged image costs seconds.
key="$( { cat hack/operator-image.sh hack/cluster/oci.sh; sha256sum /usr/bin/node "$(command -v nsenter)"; echo "$lockhash $version";
  find dist templates crds package.json -type f ! -path 'dist/test/*' ! -name "${stamp##*/}" -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-32)"
layout="$cache/images/nkd-operator/$version"
if [ ! -f "$layout/index.json" ] || [ "$(cat "$layout.key" 2>/dev/null)" != "$key" ]; then
  stage="$work/.stage.$$"
  rm -rf "$stage"; trap 'rm -rf "$stage"' EXIT
  rt="$stage/runtime"; app="$stage/app"
  mkdir -p "$rt/usr/bin" "$rt/usr/lib" "$rt/usr/lib64" "$rt/usr/sbin" "$rt/etc" "$rt/tmp"
  ln -s usr/bin "$rt/bin"; ln -s usr/sbin "$rt/sbin"; ln -s usr/lib "$rt/lib"; ln -s usr/lib64 "$rt/lib64"
  chmod 1777 "$rt/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$rt/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n' > "$rt/etc/group"
  printf 'hosts: files dns\n' > "$rt/etc/nsswitch.conf"
  copy_with_libs / /usr/bin/node "$(command -v nsenter)" "$rt"
  [ "$(command -v nsenter)" = /usr/bin/nsenter ] || ln -sfn "$(command -v nsenter)" "$rt/usr/bin/nsenter"
  [ -d /etc/ssl/certs ] && mkdir -p "$rt/etc/ssl/certs" && cp -L /etc/ssl/certs/ca-certificates.crt "$rt/etc/ssl/certs/" 2>/dev/null || true

  mkdir -p "$app/app"
  cp -a dist package.json "$app/app/"
  rm -f "$app/app/$stamp"
  cp -a templates crds "$app/app/" 2>/dev/null || true
  cp -a "$prod/node_modules" "$app/app/node_modules"
  rm -rf "$app/app/dist/test"
  chmod -R a+rX,go-w "$app/app"
  mkdir -p "$(dirname "$layout")"
  config='{"Env":["PATH=/usr/bin:/usr/sbin","NODE_ENV=production"],"WorkingDir":"/app","Entrypoint":["node"],"Cmd":["/app/dist/cmd/operator/main.js"],"User":"65532:65532","Labels":{"org.opencontainers.image.title":"nkd-operator","org.opencontainers.image.version":"'"$version"'"}}'
  oci_build "$layout" "$ref" "$config" "$rt" "$app" >/dev/null
  echo "$key" > "$layout.key"
fi
digest="$(jq -r '.manifests[0].digest' "$layout/index.json")"
echo "image $ref: oci:$layout:$ref ($digest) built in $(( $(date +%s) - start ))s" >&2
echo "image $ref: for podman/buildah on this host: skopeo copy oci:$layout:$ref containers-storage:$ref" >&2
if [ -n "$reg" ]; then
  oci_push "$layout" "$ref" "$reg/nkd-operator:$version"
fi
echo "$ref $digest"
