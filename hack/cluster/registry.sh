#!/usr/bin/env bash
# A real local OCI registry for the real-cluster test: Debian's docker-registry (distribution
# v2), plain HTTP, filesystem storage, no auth, started in the background.
#   hack/cluster/registry.sh start DATA_DIR LISTEN_ADDR   e.g. start /tmp/reg 10.231.40.1:5000
#       writes DATA_DIR/config.yml, logs to DATA_DIR/registry.log, waits until /v2/ answers
#       (at most 20 s) and prints the registry's PID on stdout.
#   hack/cluster/registry.sh stop PID
# The images pushed by hack/cluster/images.sh live in DATA_DIR/storage: reuse the same DATA_DIR
# to keep them (images.sh skips what the registry already has).
set -euo pipefail
die() { echo "registry.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DATA_DIR LISTEN_ADDR | $0 stop PID" >&2; exit 2; }

case "${1:-}" in
  start)
    [ $# -eq 3 ] || usage
    data="$2"; addr="$3"
    [[ "$addr" == *:* ]] || die "LISTEN_ADDR must be HOST:PORT, got '$addr'"
    command -v docker-registry >/dev/null || die "docker-registry is missing: apt-get install -y docker-registry"
    command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"
    mkdir -p "$data/storage"
    data="$(cd "$data" && pwd)"
    cat > "$data/config.yml" <<EOF
# Written by hack/cluster/registry.sh
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
  fields:
    service: nkd-test-registry
storage:
  filesystem:
    rootdirectory: $data/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    host="${addr%:*}"; port="${addr##*:}"
    [ -n "$host" ] && [ "$host" != 0.0.0.0 ] || host=127.0.0.1
    if curl -fsS -o /dev/null --max-time 2 "http://$host:$port/v2/" 2>/dev/null; then
      die "something already answers on http://$host:$port/v2/"
    fi
    # setsid: the registry outlives this script, in its own session (stop it by PID).
    setsid docker-registry serve "$data/config.yml" >>"$data/registry.log" 2>&1 < /dev/null &
    pid=$!
    for _ in $(seq 1 200); do
      if curl -fsS -o /dev/null --max-time 1 "http://$host:$port/v2/" 2>/dev/null; then
        # setsid execs docker-registry in place here (no job control); if it forked, take the child.
        grep -q docker-registry "/proc/$pid/cmdline" 2>/dev/null || pid="$(pgrep -P "$pid" -x docker-registry || echo "$pid")"
        echo "$pid" > "$data/registry.pid"
        echo "$pid"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || { tail -5 "$data/registry.log" >&2; die "docker-registry exited (log: $data/registry.log)"; }
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    die "docker-registry did not answer on http://$host:$port/v2/ within 20 s (log: $data/registry.log)"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    pid="$2"
    [[ "$pid" =~ ^[0-9]+$ ]] || die "PID must be a number, got '$pid'"
    kill -0 "$pid" 2>/dev/null || exit 0
    grep -q docker-registry "/proc/$pid/cmdline" 2>/dev/null || die "PID $pid is not a docker-registry"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  *) usage ;;
esac
