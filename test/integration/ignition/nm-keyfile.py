"""Reads NetworkManager keyfiles with the real libnm (the parser NetworkManager itself uses),
normalizes and verifies each connection, and prints what NetworkManager would configure, one
JSON object per file on stdout: {"file", "error"} or the connection's type, interface, MAC,
VLAN and IPv4 settings. Usage: /usr/bin/python3 nm-keyfile.py FILE..."""
import json
import sys

import gi

gi.require_version('NM', '1.0')
from gi.repository import GLib, NM  # noqa: E402

for path in sys.argv[1:]:
    kf = GLib.KeyFile()
    kf.load_from_file(path, GLib.KeyFileFlags.NONE)
    try:
        c = NM.keyfile_read(kf, '/etc/NetworkManager/system-connections', NM.KeyfileHandlerFlags.NONE, None, None)
        c.normalize()
        c.verify()
    except GLib.Error as e:
        print(json.dumps({'file': path, 'error': e.message}))
        continue
    s = c.get_setting_connection()
    ip4 = c.get_setting_ip4_config()
    wired = c.get_setting_wired()
    vlan = c.get_setting_vlan()
    addr = ip4.get_address(0)
    print(json.dumps({
        'file': path,
        'type': s.get_connection_type(),
        'interfaceName': s.get_interface_name(),
        'autoconnect': s.get_autoconnect(),
        'mac': wired.get_mac_address() if wired else None,
        'vlan': {'id': vlan.get_id(), 'parent': vlan.get_parent()} if vlan else None,
        'method': ip4.get_method(),
        'address': f'{addr.get_address()}/{addr.get_prefix()}',
        'gateway': ip4.get_gateway(),
        'dns': [ip4.get_dns(i) for i in range(ip4.get_num_dns())],
        'ipv6': c.get_setting_ip6_config().get_method(),
    }))
