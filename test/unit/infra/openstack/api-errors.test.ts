import { OpenStackApi, OpenStackApiError, serviceMessage } from '../../../../pkg/infra/openstack/api.js';
import type { HttpAnswer } from '../../../../pkg/infra/http.js';
import type { KeystoneSession } from '../../../../pkg/infra/openstack/keystone.js';

const answer = (status: number, body: string, headers: Record<string, string> = {}): HttpAnswer => ({ status, body, headers });

/** Canned answers in order (this tests nkd's retry policy, not OpenStack: no fake of a service). */
function canned(answers: HttpAnswer[]) {
  const seen: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
  const session = { request: (_t: string, method: string, path: string, _b: unknown, headers: Record<string, string>) => { seen.push({ method, path, headers }); return Promise.resolve(answers.shift()!); } } as unknown as KeystoneSession;
  const waits: number[] = [];
  return { api: new OpenStackApi(session, { attempts: 4, baseMs: 100, sleep: (ms) => { waits.push(ms); return Promise.resolve(); } }), seen, waits };
}

describe('OpenStack API errors and retries', () => {
  test('the service\'s own message: NeutronError, a Nova fault body, a Glance HTML page', () => {
    expect(serviceMessage(answer(409, '{"NeutronError": {"type": "IpAddressAlreadyAllocated", "message": "IP address 10.0.0.5 already allocated in subnet abc", "detail": ""}}'))).toBe('IP address 10.0.0.5 already allocated in subnet abc');
    expect(serviceMessage(answer(403, '{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}'))).toBe('Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    expect(serviceMessage(answer(409, '<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  Image storage media is full<br /><br />\n\n\n\n </body>\n</html>'))).toBe('Image storage media is full');
  });

  test('a refusal names the service, what nkd was doing and the message; 403 is a usage error', async () => {
    const { api } = canned([answer(403, '{"forbidden": {"code": 403, "message": "Policy does not allow os_compute_api:os-flavor-manage:create to be performed."}}')]);
    const e = (await api.post('compute', '/flavors', 'create flavor x', {}).catch((x: unknown) => x)) as OpenStackApiError;
    expect(e.message).toBe('Nova refused to create flavor x: Policy does not allow os_compute_api:os-flavor-manage:create to be performed. (HTTP 403)');
    expect(e.code).toBe(2);
  });

  test('429 and 503 are retried with backoff (Retry-After honoured); 409 only where asked', async () => {
    const { api, waits } = canned([answer(429, '', { 'retry-after': '3' }), answer(503, 'busy'), answer(200, '{"ok": true}')]);
    expect((await api.get('network', '/v2.0/ports', 'list ports'))).toEqual({ ok: true });
    expect(waits).toEqual([3000, 200]);
    const c2 = canned([answer(409, '{"NeutronError": {"message": "port in use"}}')]);
    await expect(c2.api.post('network', '/v2.0/ports', 'create port p', {})).rejects.toThrow('Neutron refused to create port p: port in use (HTTP 409)');
    const c3 = canned([answer(409, '{"NeutronError": {"message": "in use"}}'), answer(204, '')]);
    expect(await c3.api.delete('network', '/v2.0/security-groups/x', 'delete security-group g')).toBe(true);
  });

  test('a retried error gives up after the bound with the last message', async () => {
    const { api, seen } = canned([answer(503, 'a'), answer(503, 'b'), answer(503, 'c'), answer(503, 'Service Unavailable')]);
    await expect(api.get('image', '/v2/images', 'list images')).rejects.toThrow('Glance refused to list images: Service Unavailable (HTTP 503)');
    expect(seen).toHaveLength(4);
  });

  test('compute requests carry the microversion nkd needs (2.64)', async () => {
    const { api, seen } = canned([answer(200, '{}')]);
    await api.get('compute', '/servers/detail', 'list servers');
    expect(seen[0]!.headers['openstack-api-version']).toBe('compute 2.64');
  });
});
