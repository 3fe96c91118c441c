# Writes every service's configuration under $D/etc (sourced by cloud.sh; needs D, P, PASS).
# Service users authenticate to Keystone with keystonemiddleware as in a real deployment; the passwords
# are fixed test values (this cloud only listens on loopback and lives for one test run).

os_auth_section() { # section user
  cat <<EOS
[$1]
auth_type = password
auth_url = http://127.0.0.1:$P_KEYSTONE/v3
www_authenticate_uri = http://127.0.0.1:$P_KEYSTONE/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASSWORD
region_name = RegionOne
EOS
}

# Every database lives in the cloud's own MariaDB, reached by its unix socket (no TCP). ADR 0311 says
# why not sqlite.
db_url() { echo "mysql+pymysql://nkd:$SERVICE_PASSWORD@localhost/$1?unix_socket=$D/mysql/sock&charset=utf8"; }

os_write_configs() {
  local s=$D/state e=$D/etc
  mkdir -p "$e/keystone" "$e/glance" "$e/placement" "$e/neutron" "$e/nova" "$D/rabbit" \
    "$s/images" "$s/glance-staging" "$s/glance-tasks" "$s/lock" "$s/nova/instances" "$D/log"

  cat >"$e/keystone/keystone.conf" <<EOS
[DEFAULT]
use_stderr = true
[database]
connection = $(db_url keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $s/fernet-keys
[credential]
key_repository = $s/credential-keys
EOS

  { cat <<EOS
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $P_GLANCE
workers = 1
use_stderr = true
enabled_backends = file:file
[database]
connection = $(db_url glance)
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $s/images/
[os_glance_staging_store]
filesystem_store_datadir = $s/glance-staging/
[os_glance_tasks_store]
filesystem_store_datadir = $s/glance-tasks/
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $s/lock
EOS
    os_auth_section keystone_authtoken glance; } >"$e/glance/glance-api.conf"

  { cat <<EOS
[DEFAULT]
use_stderr = true
[placement_database]
connection = $(db_url placement)
[api]
auth_strategy = keystone
EOS
    os_auth_section keystone_authtoken placement; } >"$e/placement/placement.conf"

  # Neutron: ML2 with the linuxbridge mechanism driver (experimental in Zed, hence [experimental]).
  # Tenant networks are of type `local` (no physical network needed); the external network is flat.
  { cat <<EOS
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $P_NEUTRON
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $TRANSPORT_URL
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
use_stderr = true
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[database]
connection = $(db_url neutron)
[oslo_concurrency]
lock_path = $s/lock
[experimental]
linuxbridge = true
[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers = linuxbridge
extension_drivers = port_security
[ml2_type_flat]
flat_networks = external
[securitygroup]
enable_security_group = true
firewall_driver = noop
[quotas]
quota_network = 100
quota_subnet = 100
quota_port = 500
quota_router = 20
quota_floatingip = 50
quota_security_group = 100
quota_security_group_rule = 1000
EOS
    os_auth_section keystone_authtoken neutron
    os_auth_section nova nova; } >"$e/neutron/neutron.conf"

  # The linuxbridge agent: the real agent that reports its state over RPC, so ML2 binds ports on this
  # host. No interface mappings, no VXLAN, the noop firewall: it only acts on tap devices named after
  # Neutron ports, and the fake virt driver creates none, so it changes nothing on this machine.
  cat >"$e/neutron/linuxbridge_agent.ini" <<EOS
[DEFAULT]
host = $COMPUTE_HOST
transport_url = $TRANSPORT_URL
use_stderr = true
[agent]
polling_interval = 2
root_helper =
root_helper_daemon =
report_interval = 10
[linux_bridge]
physical_interface_mappings =
[vxlan]
enable_vxlan = false
[securitygroup]
enable_security_group = true
firewall_driver = noop
[oslo_concurrency]
lock_path = $s/lock
EOS

  # nova-api-wsgi loads its paste pipeline from the first of OS_NOVA_CONFIG_FILES (api-paste.ini).
  cp /etc/nova/api-paste.ini "$e/nova/api-paste.ini"
  { cat <<EOS
[DEFAULT]
host = $COMPUTE_HOST
my_ip = 127.0.0.1
transport_url = $TRANSPORT_URL
compute_driver = fake.FakeDriver
state_path = $s/nova
instances_path = $s/nova/instances
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $P_NOVA
osapi_compute_workers = 1
use_stderr = true
# The fake driver plugs nothing and no agent wires a tap device, so Neutron never reports the
# port ACTIVE: do not wait for network-vif-plugged.
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $e/nova/api-paste.ini
[api_database]
connection = $(db_url nova_api)
[database]
connection = $(db_url nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[oslo_concurrency]
lock_path = $s/lock
[glance]
region_name = RegionOne
[cinder]
os_region_name = RegionOne
[quota]
instances = 50
cores = 200
ram = 409600
EOS
    os_auth_section keystone_authtoken nova
    os_auth_section placement placement
    os_auth_section neutron neutron; } >"$e/nova/nova.conf"

  cat >"$D/rabbit/rabbitmq.conf" <<EOS
listeners.tcp.default = 127.0.0.1:$P_RABBIT
default_user = nkd
default_pass = $SERVICE_PASSWORD
loopback_users = none
log.console = true
log.file = false
EOS
  echo '[].' >"$D/rabbit/enabled_plugins"
}
