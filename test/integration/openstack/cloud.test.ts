import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeWithOpenStack, startTestCloud, type CloudEntry, type TestCloud } from './cloud.js';

/** A Keystone token and the endpoints of its catalog (public interface), by service type. */
interface Session {
  token: string;
  endpoints: Map<string, string>;
}

async function login(c: CloudEntry): Promise<Session> {
  const a = c.auth;
  const res = await fetch(`${a.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain_name }, password: a.password } } },
        scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${a.username}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const endpoints = new Map(
    body.token.catalog.map((s) => [s.type, s.endpoints.find((e) => e.interface === 'public')?.url ?? '']),
  );
  return { token: res.headers.get('x-subject-token') ?? '', endpoints };
}

/** One API call; returns the parsed body (undefined when empty), throws on an unexpected status. */
async function api<T = Record<string, unknown>>(
  s: Session,
  service: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`${s.endpoints.get(service)}${path}`, {
    method,
    headers: { 'x-auth-token': s.token, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${service} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describeWithOpenStack('the OpenStack test cloud', () => {
  let cloud: TestCloud;
  let member: Session;
  let admin: Session;

  beforeAll(async () => {
    cloud = await startTestCloud();
    member = await login(cloud.cloud);
    admin = await login(cloud.adminCloud);
  }, 25 * 60_000);

  afterAll(async () => {
    await cloud?.stop();
  }, 120_000);

  it('gives its member user a token whose catalog has identity, image, network, compute and placement', () => {
    expect(member.token).not.toBe('');
    for (const type of ['identity', 'image', 'network', 'compute', 'placement']) {
      expect(member.endpoints.get(type)).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
  });

  it('does not make the member an admin', async () => {
    await expect(api(member, 'compute', 'GET', '/os-hypervisors')).rejects.toThrow(/HTTP 403/);
  });

  it('boots a server on a tagged port with allowed address pairs, keeps its user data, and deletes everything', async () => {
    const tag = `nkd-smoke-${process.pid}`;
    const { network } = await api<{ network: { id: string } }>(member, 'network', 'POST', '/v2.0/networks', { network: { name: tag } });
    await api(member, 'network', 'PUT', `/v2.0/networks/${network.id}/tags/${tag}`);
    await api(member, 'network', 'POST', '/v2.0/subnets', {
      subnet: { network_id: network.id, ip_version: 4, cidr: '10.231.50.0/24', name: tag },
    });
    const { port } = await api<{ port: { id: string } }>(member, 'network', 'POST', '/v2.0/ports', {
      port: { network_id: network.id, name: tag, allowed_address_pairs: [{ ip_address: '10.231.50.250' }] },
    });
    await api(member, 'network', 'PUT', `/v2.0/ports/${port.id}/tags/${tag}`);
    const { ports: tagged } = await api<{ ports: { id: string; allowed_address_pairs: { ip_address: string }[] }[] }>(
      member, 'network', 'GET', `/v2.0/ports?tags=${tag}`);
    expect(tagged.map((p) => [p.id, p.allowed_address_pairs[0]?.ip_address])).toEqual([[port.id, '10.231.50.250']]);

    const { images } = await api<{ images: { id: string }[] }>(member, 'image', 'GET', '/v2/images?name=nkd-test-image');
    const image = images[0];
    if (!image) throw new Error('image nkd-test-image is missing from the test cloud');
    const { flavors } = await api<{ flavors: { id: string; name: string }[] }>(member, 'compute', 'GET', '/flavors');
    const userData = Buffer.from('#!/bin/sh\necho nkd smoke\n').toString('base64');
    const started = Date.now();
    const { server } = await api<{ server: { id: string } }>(member, 'compute', 'POST', '/servers', {
      server: {
        name: tag,
        imageRef: image.id,
        flavorRef: flavors.find((f) => f.name === 'm1.small')?.id,
        networks: [{ port: port.id }],
        user_data: userData,
        config_drive: true,
        tags: [tag],
      },
    }, { 'openstack-api-version': 'compute 2.52' });
    const active = await until('server ACTIVE', 180, async () => {
      const { server: s } = await api<{ server: { status: string; fault?: unknown } }>(member, 'compute', 'GET', `/servers/${server.id}`);
      if (s.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
      return s.status === 'ACTIVE' ? s : undefined;
    });
    console.log(`server ACTIVE in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(active.status).toBe('ACTIVE');

    const { server: seen } = await api<{ server: Record<string, unknown> }>(admin, 'compute', 'GET', `/servers/${server.id}`,
      undefined, { 'openstack-api-version': 'compute 2.26' });
    expect(seen['OS-EXT-SRV-ATTR:user_data']).toBe(userData);
    expect(seen.config_drive).toBe('True');
    expect(seen.tags).toEqual([tag]);
    const { port: bound } = await api<{ port: Record<string, unknown> }>(admin, 'network', 'GET', `/v2.0/ports/${port.id}`);
    expect([bound['binding:vif_type'], bound['binding:host_id'], bound.device_id]).toEqual(['bridge', 'nkd-compute', server.id]);

    await api(member, 'compute', 'DELETE', `/servers/${server.id}`);
    await until('server gone', 120, async () => {
      const { servers } = await api<{ servers: unknown[] }>(member, 'compute', 'GET', `/servers?tags=${tag}`,
        undefined, { 'openstack-api-version': 'compute 2.26' });
      return servers.length === 0 ? true : undefined;
    });
    await api(member, 'network', 'DELETE', `/v2.0/ports/${port.id}`);
    await api(member, 'network', 'DELETE', `/v2.0/networks/${network.id}`);
    const { ports } = await api<{ ports: unknown[] }>(member, 'network', 'GET', `/v2.0/ports?tags=${tag}`);
    const { networks } = await api<{ networks: unknown[] }>(member, 'network', 'GET', `/v2.0/networks?tags=${tag}`);
    expect([ports, networks]).toEqual([[], []]);
  });
});
