#!/usr/bin/env bash
# A real OpenStack cloud on loopback for nkd's tests, from Debian 12's packages (Zed; installed by
# hack/env/60-openstack.sh, nothing here installs anything). docs/testing.md, ADR 0311.
#   RabbitMQ (own node name, epmd, ports and dirs), Keystone, Glance (file store), Placement, Neutron server
#   (ML2: linuxbridge mechanism driver, `local` tenant networks, a flat external network) with the real
#   linuxbridge agent so ports bind, Nova api/conductor/scheduler/compute (compute_driver = fake.FakeDriver:
#   servers go ACTIVE, no guest runs). The databases live in the cloud's own MariaDB (unix socket only; ADR 0311
#   says why not sqlite).
#
#   cloud.sh up DIR [PORT_BASE]  start everything, wait until the cloud can boot a server, write
#                                DIR/clouds.yaml (clouds nkd-test: member of project nkd; nkd-admin),
#                                DIR/env (OS_CLIENT_CONFIG_FILE, OS_CLOUD, ports), DIR/pids; logs in DIR/log
#   cloud.sh down DIR            stop every process group in DIR/pids (TERM, then KILL after 20 s)
#
# Ports on 127.0.0.1, PORT_BASE (default 25000) plus: 0 keystone, 1 glance, 2 placement, 3 neutron,
# 4 nova, 5 rabbitmq, 6 erlang distribution, 7 epmd. They lie below the kernel's ephemeral range (32768+),
# where the integration harness's etcd and kube-apiserver get their ports, and away from OpenStack's own.
#
# The first `up` on a machine runs every db_sync and creates the cloud's objects (minutes), stops MariaDB
# cleanly and saves its data directory (with the Fernet keys and image files) as a template in
# ${NKD_CACHE_DIR:-$HOME/.cache/nkd}/openstack/<key> (key: the packages' versions and these scripts); every
# `up` then copies the template and only starts the services.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/openstack/configs.sh
. "$HERE/configs.sh"

SERVICE_PASSWORD=nkd-service-secret
ADMIN_PASSWORD=nkd-admin-secret
MEMBER_PASSWORD=nkd-member-secret
COMPUTE_HOST=nkd-compute
PY=/usr/bin/python3

usage() { echo "usage: cloud.sh up DIR [PORT_BASE] | cloud.sh down DIR" >&2; exit 2; }
log() { echo "cloud.sh: $(date +%T) $*" >&2; }

set_ports() {
  P_KEYSTONE=$(($1)) P_GLANCE=$(($1 + 1)) P_PLACEMENT=$(($1 + 2)) P_NEUTRON=$(($1 + 3)) P_NOVA=$(($1 + 4))
  P_RABBIT=$(($1 + 5)) P_DIST=$(($1 + 6)) P_EPMD=$(($1 + 7))
  TRANSPORT_URL="rabbit://nkd:$SERVICE_PASSWORD@127.0.0.1:$P_RABBIT/"
}

# Starts "$@" as its own session and process group (setsid keeps the PID: a background job of a
# script is not a group leader), output to DIR/log/NAME.log, recorded in DIR/pids for `down`.
start() {
  local name=$1; shift
  setsid "$@" >"$D/log/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$D/pids"
}

fail() { # service message
  echo "cloud.sh: $1 failed: $2" >&2
  if [ -f "$D/log/$1.log" ]; then echo "--- last lines of $D/log/$1.log:" >&2; tail -n 25 "$D/log/$1.log" >&2; fi
  exit 1
}

alive() { kill -0 "$(awk -v n="$1" '$1 == n { print $2 }' "$D/pids")" 2>/dev/null; }

# Waits until URL gives any HTTP answer (401 counts: the API is serving), or fails the service.
wait_http() { # service url seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    if curl -s -o /dev/null -m 2 "$2"; then return 0; fi
    alive "$1" || fail "$1" "exited before answering $2"
    sleep 0.5
  done
  fail "$1" "no answer from $2 within $3 s"
}

wait_tcp() { # service port seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    alive "$1" || fail "$1" "exited before listening on $2"
    sleep 0.5
  done
  fail "$1" "not listening on 127.0.0.1:$2 within $3 s"
}

write_clouds() {
  cat >"$D/clouds.yaml" <<EOS
# The test cloud of hack/openstack/cloud.sh (passwords are fixed test values; loopback only).
clouds:
  nkd-test:   # what nkd uses: a member of project nkd, no admin role
    auth:
      auth_url: http://127.0.0.1:$P_KEYSTONE/v3
      username: nkd
      password: $MEMBER_PASSWORD
      project_name: nkd
      user_domain_name: Default
      project_domain_name: Default
    auth_type: password
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  nkd-admin:  # for the tests' own checks (e.g. a server's user_data)
    auth:
      auth_url: http://127.0.0.1:$P_KEYSTONE/v3
      username: admin
      password: $ADMIN_PASSWORD
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    auth_type: password
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOS
  cat >"$D/env" <<EOS
export OS_CLIENT_CONFIG_FILE=$D/clouds.yaml
export OS_CLOUD=nkd-test
export NKD_OS_KEYSTONE_URL=http://127.0.0.1:$P_KEYSTONE/v3
export NKD_OS_PORT_BASE=$PORT_BASE
EOS
}

setup_py() {
  OS_CLIENT_CONFIG_FILE=$D/clouds.yaml NKD_OS_SERVICE_PASSWORD=$SERVICE_PASSWORD NKD_OS_MEMBER_PASSWORD=$MEMBER_PASSWORD \
    NKD_OS_IMAGE=$D/state/nkd-test-image.qcow2 \
    NKD_OS_PORTS="glance=$P_GLANCE,placement=$P_PLACEMENT,neutron=$P_NEUTRON,nova=$P_NOVA" \
    "$PY" "$HERE/setup.py" "$@"
}

m() { "$@" --config-file "$CONF"; }

# Every schema, cold. Run in parallel: they touch different databases.
db_syncs() {
  local pids=() p db
  for db in $DBS; do
    mariadb -S "$D/mysql/sock" -e "CREATE DATABASE $db CHARACTER SET utf8; GRANT ALL ON $db.* TO 'nkd'@'localhost';"
  done
  (
    CONF=$D/etc/keystone/keystone.conf
    keystone-manage --config-file "$CONF" db_sync
    keystone-manage --config-file "$CONF" fernet_setup --keystone-user root --keystone-group root
    keystone-manage --config-file "$CONF" credential_setup --keystone-user root --keystone-group root
    keystone-manage --config-file "$CONF" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
      --bootstrap-admin-url "http://127.0.0.1:$P_KEYSTONE/v3" --bootstrap-public-url "http://127.0.0.1:$P_KEYSTONE/v3" \
      --bootstrap-internal-url "http://127.0.0.1:$P_KEYSTONE/v3" --bootstrap-region-id RegionOne
  ) >"$D/log/db-keystone.log" 2>&1 &
  pids+=("keystone:$!")
  glance-manage --config-file "$D/etc/glance/glance-api.conf" db_sync >"$D/log/db-glance.log" 2>&1 &
  pids+=("glance:$!")
  placement-manage --config-file "$D/etc/placement/placement.conf" db sync >"$D/log/db-placement.log" 2>&1 &
  pids+=("placement:$!")
  neutron-db-manage --config-file "$D/etc/neutron/neutron.conf" upgrade heads >"$D/log/db-neutron.log" 2>&1 &
  pids+=("neutron:$!")
  (
    c=(--config-file "$D/etc/nova/nova.conf")
    nova-manage "${c[@]}" api_db sync
    nova-manage "${c[@]}" cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)"
    nova-manage "${c[@]}" cell_v2 create_cell --name cell1
    nova-manage "${c[@]}" db sync
  ) >"$D/log/db-nova.log" 2>&1 &
  pids+=("nova:$!")
  for p in "${pids[@]}"; do
    wait "${p#*:}" || fail "db-${p%%:*}" "schema setup failed"
  done
}

# The cloud's own MariaDB: data, socket and pid under DIR/mysql, no TCP listener. Tuned for tests
# (no doublewrite, no fsync per commit): its data is thrown away with DIR.
start_mariadb() {
  local m=$D/mysql i
  if [ ! -d "$m/data/mysql" ]; then
    mkdir -p "$m/data"
    mariadb-install-db --no-defaults --user=root --datadir="$m/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$D/log/mariadb-install.log" 2>&1 || fail mariadb-install "mariadb-install-db"
  fi
  start mariadb mariadbd --no-defaults --user=root --datadir="$m/data" --socket="$m/sock" --pid-file="$m/pid" \
    --skip-networking --skip-log-bin --innodb-buffer-pool-size=256M --innodb-log-file-size=32M \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --max-connections=1000 --character-set-server=utf8 \
    --log-error="$D/log/mariadb.err"
  for ((i = 0; i < 240; i++)); do
    if mariadb -S "$m/sock" -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    alive mariadb || fail mariadb "exited before answering on $m/sock ($(tail -n 3 "$D/log/mariadb.err" 2>/dev/null))"
    sleep 0.5
  done
  mariadb -S "$m/sock" -e "CREATE USER IF NOT EXISTS 'nkd'@'localhost' IDENTIFIED BY '$SERVICE_PASSWORD';"
}

start_rabbit() {
  start epmd env ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$P_EPMD"
  start rabbitmq env HOME="$D/rabbit" ERL_EPMD_PORT="$P_EPMD" RABBITMQ_NODENAME=nkd@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$P_RABBIT" RABBITMQ_DIST_PORT="$P_DIST" \
    RABBITMQ_MNESIA_BASE="$D/rabbit/mnesia" RABBITMQ_LOG_BASE="$D/log" RABBITMQ_CONFIG_FILE="$D/rabbit/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$D/rabbit/enabled_plugins" RABBITMQ_PID_FILE="$D/rabbit/pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
    /usr/lib/rabbitmq/bin/rabbitmq-server
}

# One thread per uwsgi worker: with several threads, sqlite connections are closed from threads that did
# not open them ("SQLite objects created in a thread can only be used in that same thread") and the
# worker aborts. Each worker loads the application itself (--lazy-apps) instead of inheriting it.
# uwsgi's plain http-socket closes the connection after each answer: say so ("Connection: close"), or
# HTTP/1.1 clients reuse it and their next request fails with "Remote end closed connection".
uwsgi_app() { # name port wsgi-file processes env...
  local name=$1 port=$2 file=$3 procs=$4; shift 4
  local envs=() kv
  for kv in "$@"; do envs+=(--env "$kv"); done
  start "$name" uwsgi --plugin python3 --http-socket "127.0.0.1:$port" --wsgi-file "$file" --master \
    --processes "$procs" --lazy-apps --die-on-term --need-app --buffer-size 65535 \
    --add-header 'Connection: close' "${envs[@]}"
}

start_keystone() {
  uwsgi_app keystone "$P_KEYSTONE" /usr/bin/keystone-wsgi-public 3 \
    "OS_KEYSTONE_CONFIG_DIR=$D/etc/keystone"
}

start_services() {
  local n=$D/etc/neutron
  start glance glance-api --config-file "$D/etc/glance/glance-api.conf"
  # One placement worker: at start each worker syncs the trait table, and two doing it at once fail on
  # sqlite ("database is locked", the worker exits).
  uwsgi_app placement "$P_PLACEMENT" /usr/bin/placement-api 1 "OS_PLACEMENT_CONFIG_DIR=$D/etc/placement"
  start neutron-server neutron-server --config-file "$n/neutron.conf"
  start neutron-linuxbridge-agent neutron-linuxbridge-agent --config-file "$n/linuxbridge_agent.ini"
  uwsgi_app nova-api "$P_NOVA" /usr/bin/nova-api-wsgi 2 "OS_NOVA_CONFIG_DIR=$D/etc/nova"
  start nova-conductor nova-conductor --config-file "$D/etc/nova/nova.conf"
  start nova-scheduler nova-scheduler --config-file "$D/etc/nova/nova.conf"
  # Debian ships nova-compute only in a package that pulls in libvirt and QEMU; the fake driver needs
  # neither, so run the same entry point the /usr/bin/nova-compute script would, from python3-nova.
  start nova-compute "$PY" -c 'import sys; from nova.cmd.compute import main; sys.exit(main())' \
    --config-file "$D/etc/nova/nova.conf"
}

wait_apis() {
  wait_http keystone "http://127.0.0.1:$P_KEYSTONE/v3" 120
  wait_http glance "http://127.0.0.1:$P_GLANCE/" 120
  wait_http placement "http://127.0.0.1:$P_PLACEMENT/" 120
  wait_http neutron-server "http://127.0.0.1:$P_NEUTRON/" 120
  wait_http nova-api "http://127.0.0.1:$P_NOVA/" 120
}

# Maps the compute host into cell1 once nova-compute has registered its service (cold path only: the
# template keeps the mapping).
discover_hosts() {
  local i
  for ((i = 0; i < 120; i++)); do
    nova-manage --config-file "$D/etc/nova/nova.conf" cell_v2 discover_hosts --verbose >>"$D/log/discover.log" 2>&1 || true
    if mariadb -S "$D/mysql/sock" -N -e "SELECT host FROM nova_api.host_mappings" | grep -qx "$COMPUTE_HOST"; then
      return 0
    fi
    alive nova-compute || fail nova-compute "exited before registering"
    sleep 1
  done
  fail nova-compute "host $COMPUTE_HOST not discovered within 120 s"
}

cache_key() {
  { dpkg-query -W keystone glance-api placement-api neutron-server python3-neutron nova-api python3-nova \
      rabbitmq-server python3-openstacksdk mariadb-server 2>/dev/null
    cat "$HERE/cloud.sh" "$HERE/configs.sh" "$HERE/setup.py"; } | sha256sum | cut -c1-16
}

DBS="keystone glance placement neutron nova_api nova nova_cell0"

# Stops MariaDB alone (cleanly: the copied data directory needs no recovery) and saves the template.
save_template() { # dir
  local t=$1.tmp.$$ pid
  pid=$(awk '$1 == "mariadb" { print $2 }' "$D/pids")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -rf "$t"; mkdir -p "$t"
  cp -a "$D/mysql/data" "$D/state/fernet-keys" "$D/state/credential-keys" "$D/state/images" "$t/"
  printf 'dir=%s\nport_base=%s\n' "$D" "$PORT_BASE" >"$t/meta"
  rm -rf "$1"; mkdir -p "$(dirname "$1")"; mv "$t" "$1"
}

# Copies the template (before MariaDB starts).
restore_template() { # dir
  mkdir -p "$D/mysql"
  cp -a "$1/data" "$D/mysql/"
  cp -a "$1/fernet-keys" "$1/credential-keys" "$D/state/"
  cp -a "$1/images/." "$D/state/images/"
}

# Points what the template's databases recorded (the directory it was built in, its ports) at this
# run's directory and ports.
retarget_template() { # dir
  local old_dir old_base i sql
  old_dir=$(sed -n 's/^dir=//p' "$1/meta"); old_base=$(sed -n 's/^port_base=//p' "$1/meta")
  sql="UPDATE nova_api.cell_mappings SET database_connection = replace(database_connection, '$old_dir/', '$D/'),
         transport_url = replace(transport_url, ':$((old_base + 5))/', ':$P_RABBIT/');
       UPDATE glance.image_locations SET value = replace(value, '$old_dir/', '$D/');"
  for i in 0 1 2 3 4; do
    sql+="UPDATE keystone.endpoint SET url = replace(url, '127.0.0.1:$((old_base + i))/', '127.0.0.1:$((PORT_BASE + i))/');"
  done
  mariadb -S "$D/mysql/sock" -e "$sql"
}

os_up() {
  D=$(mkdir -p "$1" && cd "$1" && pwd); PORT_BASE=$2
  set_ports "$PORT_BASE"
  if [ -s "$D/pids" ]; then echo "cloud.sh: $D/pids exists: run 'cloud.sh down $D' first" >&2; exit 1; fi
  local p
  command -v mariadbd >/dev/null || { echo "cloud.sh: the OpenStack test environment is not installed: run hack/env/60-openstack.sh" >&2; exit 1; }
  for p in $P_KEYSTONE $P_GLANCE $P_PLACEMENT $P_NEUTRON $P_NOVA $P_RABBIT $P_DIST $P_EPMD; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "cloud.sh: 127.0.0.1:$p is in use (another cloud? choose another PORT_BASE)" >&2; exit 1; fi
  done
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed, stopping what started (logs stay in $D/log)"; os_down "$D" || true; fi' EXIT
  trap 'exit 130' INT TERM
  local t0=$SECONDS template
  template=${NKD_CACHE_DIR:-$HOME/.cache/nkd}/openstack/$(cache_key)
  : >"$D/pids"
  os_write_configs
  write_clouds
  if [ ! -f "$template/meta" ]; then
    log "no template in $template: preparing every database (cold, minutes)"
    start_rabbit
    start_mariadb
    qemu-img create -q -f qcow2 "$D/state/nkd-test-image.qcow2" 64M
    db_syncs
    log "schemas ready ($((SECONDS - t0)) s)"
    start_keystone
    wait_http keystone "http://127.0.0.1:$P_KEYSTONE/v3" 180
    setup_py identity >"$D/log/setup-identity.log" 2>&1 || fail setup-identity "creating users and the catalog"
    wait_tcp rabbitmq "$P_RABBIT" 120
    start_services
    wait_apis
    discover_hosts
    setup_py ready 300 >"$D/log/ready.log" 2>&1 || fail ready "$(tail -n 1 "$D/log/ready.log")"
    setup_py resources >"$D/log/setup-resources.log" 2>&1 || fail setup-resources "creating image, flavors, network, quotas"
    save_template "$template"
    log "saved the prepared cloud in $template ($((SECONDS - t0)) s); restarting from it"
    os_down "$D"
    rm -rf "$D/mysql" "$D/rabbit/mnesia"
    : >"$D/pids"
  fi
  log "starting from the prepared cloud in $template"
  restore_template "$template"
  start_rabbit
  start_mariadb
  retarget_template "$template"
  start_keystone
  wait_tcp rabbitmq "$P_RABBIT" 120
  start_services
  wait_apis
  log "APIs answering ($((SECONDS - t0)) s)"
  setup_py ready 240 >"$D/log/ready.log" 2>&1 || fail ready "$(tail -n 1 "$D/log/ready.log")"
  trap - EXIT INT TERM
  log "up: the cloud is ready in $((SECONDS - t0)) s: . $D/env (clouds nkd-test, nkd-admin)"
}

os_down() {
  D=$(cd "$1" && pwd)
  [ -f "$D/pids" ] || { log "nothing to stop in $D"; return 0; }
  local name pid live i
  while read -r name pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done <"$D/pids"
  for ((i = 0; i < 40; i++)); do
    live=0
    while read -r name pid; do
      if kill -0 -- "-$pid" 2>/dev/null; then live=1; fi
    done <"$D/pids"
    [ $live = 1 ] || break
    sleep 0.5
  done
  while read -r name pid; do
    if kill -0 -- "-$pid" 2>/dev/null; then log "$name (group $pid) ignored TERM for 20 s: KILL"; kill -KILL -- "-$pid" 2>/dev/null || true; fi
  done <"$D/pids"
  rm -f "$D/pids"
  log "down: stopped everything in $D"
}

case "${1:-}" in
  up) [ $# -ge 2 ] || usage; os_up "$2" "${3:-25000}" ;;
  down) [ $# -ge 2 ] || usage; os_down "$2" ;;
  *) usage ;;
esac
