#!/usr/bin/env bash
# Regenerates test/golden/keys.json: the fixed RSA-2048 keys golden files and render
# tests use (one per key name of the 3 control-plane fixture), so their output is byte-stable.
# Only needed when a new key name appears; hack/update-golden.sh does not call it.
set -euo pipefail
cd "$(dirname "$0")/.."
names=(pki/ca pki/etcd/ca pki/front-proxy-ca pki/sa
  pki/apiserver-kubelet-client pki/apiserver-etcd-client pki/front-proxy-client pki/etcd/healthcheck-client
  auth/admin.conf auth/super-admin.conf)
for n in 1 2 3; do
  names+=(pki/nodes/master-$n/apiserver pki/nodes/master-$n/etcd/server pki/nodes/master-$n/etcd/peer
    auth/nodes/master-$n/controller-manager.conf auth/nodes/master-$n/scheduler.conf auth/nodes/master-$n/kubelet.conf)
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
i=0
for n in "${names[@]}"; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/$i.pem" 2>/dev/null &
  i=$((i+1))
done
wait
i=0
{ echo '{'
  for n in "${names[@]}"; do
    sep=','; [ $i -eq $((${#names[@]}-1)) ] && sep=''
    printf '  "%s": %s%s\n' "$n" "$(node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(process.argv[1],"utf8")))' "$tmp/$i.pem")" "$sep"
    i=$((i+1))
  done
  echo '}'; } > test/golden/keys.json
echo "wrote test/golden/keys.json (${#names[@]} keys)"
