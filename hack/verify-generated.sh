#!/usr/bin/env bash
# Fails when a generated file (config types, config reference, CRDs) is not what its
# generator writes now. Regenerate with: npm run build && node dist/hack/generate.js
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/hack/generate.js ]; then echo "no generator yet"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
node dist/hack/generate.js --out "$tmp"
status=0
while IFS= read -r f; do
  if ! cmp -s "$tmp/$f" "$f"; then echo "stale generated file: $f (run: node dist/hack/generate.js)" >&2; status=1; fi
done < <(cd "$tmp" && find . -type f | sed 's|^\./||')
exit $status
