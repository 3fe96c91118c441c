#!/usr/bin/env bash
# Test environment for the Ignition checks (test/integration/ignition, docs/ignition.md):
#  - Debian's ignition 2.14: `ignition-validate` (specs 3.2.0, 3.3.0) and the real `ignition`
#    binary at /usr/lib/dracut/modules.d/30ignition/ignition (applied to a scratch root);
#  - shellcheck (rendered scripts), keepalived (--config-test of keepalived.conf), python3
#    (tomllib parses the rendered TOML), unshare/chroot (first boot on a fake host);
#  - libnm with its Python bindings (gir1.2-nm-1.0, python3-gi for /usr/bin/python3): the real
#    NetworkManager keyfile parser reads the rendered static profiles;
#  - the Go module github.com/coreos/ignition/v2 at IGNITION_GO_VERSION from the Go module
#    proxy: its published JSON schema config/v3_4/schema/ignition.json, and its `validate`
#    command built into ${NKD_CACHE_DIR:-$HOME/.cache/nkd}/ignition/<version>/ (validates 3.4.0;
#    cold about 80 s, cached: instant).
set -euo pipefail
IGNITION_GO_VERSION=v2.20.0

need=()
if ! command -v ignition-validate >/dev/null || [ ! -x /usr/lib/dracut/modules.d/30ignition/ignition ]; then need+=(ignition); fi
command -v useradd >/dev/null || need+=(passwd)
command -v systemctl >/dev/null || need+=(systemd)
command -v unshare >/dev/null || need+=(util-linux)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v keepalived >/dev/null || need+=(keepalived)
command -v python3 >/dev/null || need+=(python3)
/usr/bin/python3 -c "import gi; gi.require_version('NM', '1.0')" 2>/dev/null || need+=(gir1.2-nm-1.0 python3-gi)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${need[@]}"
fi

command -v go >/dev/null || { echo "20-ignition.sh: Go is required (the 3.4.0 validator is built from the Go module); none on PATH" >&2; exit 1; }
cache="${NKD_CACHE_DIR:-$HOME/.cache/nkd}/ignition/$IGNITION_GO_VERSION"
if [ ! -x "$cache/validate" ] || [ ! -f "$cache/ignition-3.4.0.schema.json" ]; then
  mkdir -p "$cache"
  dir=$(go mod download -json "github.com/coreos/ignition/v2@$IGNITION_GO_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -f "$dir/config/v3_4/schema/ignition.json" ]; then
    echo "20-ignition.sh: ignition module $IGNITION_GO_VERSION has no v3_4 schema" >&2
    exit 1
  fi
  cp "$dir/config/v3_4/schema/ignition.json" "$cache/ignition-3.4.0.schema.json.tmp"
  mv "$cache/ignition-3.4.0.schema.json.tmp" "$cache/ignition-3.4.0.schema.json"
  GOBIN="$cache/bin.tmp" nice -n 10 go install "github.com/coreos/ignition/v2/validate@$IGNITION_GO_VERSION"
  mv "$cache/bin.tmp/validate" "$cache/validate"
  rmdir "$cache/bin.tmp"
fi
