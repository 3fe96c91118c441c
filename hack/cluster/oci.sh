#!/usr/bin/env bash
# Sourced by hack/cluster/images.sh and hack/operator-image.sh: builds OCI images without a
# daemon, as an OCI image layout on disk, and pushes them with skopeo (plain HTTP).
# Images are reproducible: layers are tar files with sorted names, mtime 0, uid/gid 0, gzip -n;
# config "created" is the epoch. The same inputs give the same manifest digest, so a push is
# skipped when the registry already has that digest under the tag.
#
#   oci_build LAYOUT REF CONFIG_JSON LAYER_DIR...   LAYOUT: a directory (replaced), REF: the
#       tag name in the layout (e.g. localhost/nkd-operator:0.1.0), CONFIG_JSON: the image
#       "config" object (Env, Entrypoint, Cmd, User, WorkingDir); one layer per LAYER_DIR.
#       Prints the manifest digest.
#   oci_push LAYOUT REF DEST    DEST like 10.231.40.1:5000/kube-apiserver:v1.37.1
#   oci_registry_digest DEST    the manifest digest the registry has for DEST (empty if none)
#   copy_with_libs ROOT BIN... DEST_DIR   copies each ROOT/BIN and the shared libraries it loads
#       (ldd run inside ROOT via chroot, or on the host when ROOT is /) into DEST_DIR.

for c in jq skopeo tar gzip sha256sum curl; do
  command -v "$c" >/dev/null || { echo "oci.sh: '$c' is missing: apt-get install -y ${c/sha256sum/coreutils}" >&2; exit 1; }
done

_blob() { # file -> moves it into LAYOUT/blobs/sha256/<digest>, prints digest and size
  local layout="$1" f="$2" d s
  d="$(sha256sum "$f" | cut -c1-64)"; s="$(stat -c %s "$f")"
  mv -f "$f" "$layout/blobs/sha256/$d"
  echo "sha256:$d $s"
}

oci_build() {
  local layout="$1" ref="$2" config="$3"; shift 3
  local tmp="$layout.tmp.$$" dir layers='[]' diffids='[]' history='[]' t d s diffid
  rm -rf "$tmp"; mkdir -p "$tmp/blobs/sha256"
  for dir in "$@"; do
    t="$tmp/layer.tar"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$dir" -cf "$t" .
    diffid="sha256:$(sha256sum "$t" | cut -c1-64)"
    gzip -n -3 "$t"
    read -r d s < <(_blob "$tmp" "$t.gz")
    layers="$(jq -c --arg d "$d" --argjson s "$s" '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' <<<"$layers")"
    diffids="$(jq -c --arg d "$diffid" '. + [$d]' <<<"$diffids")"
    history="$(jq -c --arg c "nkd hack/cluster: $(basename "$dir")" '. + [{created: "1970-01-01T00:00:00Z", created_by: $c}]' <<<"$history")"
  done
  jq -cn --argjson c "$config" --argjson ids "$diffids" --argjson h "$history" \
    '{created: "1970-01-01T00:00:00Z", architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: $ids}, history: $h}' \
    > "$tmp/config.json"
  read -r d s < <(_blob "$tmp" "$tmp/config.json")
  jq -cn --arg d "$d" --argjson s "$s" --argjson l "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s}, layers: $l}' \
    > "$tmp/manifest.json"
  read -r d s < <(_blob "$tmp" "$tmp/manifest.json")
  jq -cn --arg d "$d" --argjson s "$s" --arg r "$ref" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $r}}]}' \
    > "$tmp/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$tmp/oci-layout"
  rm -rf "$layout"; mv "$tmp" "$layout"
  echo "$d"
}

oci_registry_digest() {
  local dest="$1" reg rest name tag
  reg="${dest%%/*}"; rest="${dest#*/}"; name="${rest%:*}"; tag="${rest##*:}"
  curl -fsSI --max-time 10 \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$reg/v2/$name/manifests/$tag" 2>/dev/null \
    | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }' || true
}

oci_push() {
  local layout="$1" ref="$2" dest="$3" want have
  want="$(jq -r '.manifests[0].digest' "$layout/index.json")"
  have="$(oci_registry_digest "$dest")"
  if [ "$have" = "$want" ]; then
    echo "image $dest: already in the registry ($want)"
    return 0
  fi
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:$ref" "docker://$dest" >&2 \
    || { echo "oci.sh: skopeo copy oci:$layout:$ref docker://$dest failed" >&2; return 1; }
  have="$(oci_registry_digest "$dest")"
  [ "$have" = "$want" ] || echo "oci.sh: warning: $dest has digest '$have' after the push, the layout has $want" >&2
  echo "image $dest: pushed ($want)"
}

copy_with_libs() {
  local root="$1"; shift
  local dest="${*: -1}" bins=("${@:1:$#-1}") b lib
  for b in "${bins[@]}"; do
    [ -e "$root$b" ] || { echo "oci.sh: $root$b does not exist" >&2; return 1; }
    mkdir -p "$dest$(dirname "$b")"
    cp -a "$root$b" "$dest$b"
    # A symlink (alternatives) is followed to its target, which is copied too.
    while [ -L "$root$b" ]; do
      local t; t="$(readlink "$root$b")"
      [[ "$t" == /* ]] || t="$(dirname "$b")/$t"
      b="$t"; mkdir -p "$dest$(dirname "$b")"; cp -a "$root$b" "$dest$b"
    done
    local lddout
    if [ "$root" = / ] || [ -z "$root" ]; then lddout="$(ldd "$b" 2>/dev/null || true)"; else lddout="$(chroot "$root" ldd "$b" 2>/dev/null || true)"; fi
    for lib in $(awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' <<<"$lddout"); do
      mkdir -p "$dest$(dirname "$lib")"
      cp -L "$root$lib" "$dest$lib"
    done
  done
}
