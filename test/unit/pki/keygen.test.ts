import { KeyPool } from '../../../pkg/pki/keygen.js';
import { defaultKeyType, type KeyPair, type KeySource, type KeyType } from '../../../pkg/pki/keys.js';
import { ExitCode, NkdError } from '../../../pkg/ui/errors.js';

/** A key source whose generations finish only when the test says so. */
function manualSource(): { source: KeySource; started: string[]; finish: (name: string) => void } {
  const started: string[] = [];
  const pending = new Map<string, (k: KeyPair) => void>();
  const source: KeySource = (name) => {
    started.push(name);
    return new Promise<KeyPair>((resolve) => pending.set(name, resolve));
  };
  const finish = (name: string): void => {
    pending.get(name)!({ algorithm: 'ec', privatePem: `key of ${name}` } as unknown as KeyPair);
    pending.delete(name);
  };
  return { source, started, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('key type by Kubernetes version', () => {
  test.each<[string, KeyType]>([
    ['1.29.0', 'rsa-2048'],
    ['1.30.14', 'rsa-2048'],
    ['1.31.0', 'ecdsa-p256'],
    ['1.37.1', 'ecdsa-p256'],
  ])('Kubernetes %s defaults to %s (kubeadm makes ECDSA keys from v1beta4, 1.31)', (v, t) => {
    expect(defaultKeyType(v)).toBe(t);
  });
});

describe('KeyPool', () => {
  test('runs at most `concurrency` generations at once and starts the next as one finishes', async () => {
    const m = manualSource();
    const pool = new KeyPool(m.source, { concurrency: 2 });
    const all = ['a', 'b', 'c', 'd'].map((n) => pool.keys(n, 'ecdsa-p256'));
    await tick();
    expect(m.started).toEqual(['a', 'b']);
    m.finish('b');
    await tick();
    expect(m.started).toEqual(['a', 'b', 'c']);
    m.finish('a');
    m.finish('c');
    await tick();
    m.finish('d');
    expect((await Promise.all(all)).map((k) => k.privatePem)).toEqual(['key of a', 'key of b', 'key of c', 'key of d']);
    expect(pool.generated).toBe(4);
  });

  test('a prefetched key is the one a later request gets: each name is generated once', async () => {
    const m = manualSource();
    const pool = new KeyPool(m.source, { concurrency: 4 });
    pool.prefetch(['pki/ca', 'pki/sa'], 'ecdsa-p256');
    await tick();
    expect(m.started).toEqual(['pki/ca', 'pki/sa']);
    m.finish('pki/ca');
    m.finish('pki/sa');
    expect((await pool.keys('pki/sa', 'ecdsa-p256')).privatePem).toBe('key of pki/sa');
    expect(m.started).toEqual(['pki/ca', 'pki/sa']);
    expect(pool.generated).toBe(2);
  });

  test('an abort rejects every waiting request at once with exit code 130 and never starts a queued key', async () => {
    const m = manualSource();
    const abort = new AbortController();
    const pool = new KeyPool(m.source, { concurrency: 1, signal: abort.signal });
    const running = pool.keys('a', 'rsa-2048');
    const queued = pool.keys('b', 'rsa-2048');
    await tick();
    abort.abort();
    await expect(running).rejects.toMatchObject({ code: ExitCode.Interrupted, message: 'render interrupted during key generation: the cluster directory is unchanged' });
    await expect(queued).rejects.toBeInstanceOf(NkdError);
    m.finish('a');
    await tick();
    expect(m.started).toEqual(['a']);
    await expect(pool.keys('c', 'rsa-2048')).rejects.toBeInstanceOf(NkdError);
    expect(m.started).toEqual(['a']);
  });

  test("an abort whose reason is an NkdError passes that error on (the CLI's own interrupt)", async () => {
    const m = manualSource();
    const abort = new AbortController();
    const pool = new KeyPool(m.source, { signal: abort.signal });
    const p = pool.keys('a', 'rsa-2048');
    const reason = new NkdError('interrupted by SIGINT', { code: ExitCode.Interrupted });
    abort.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  test('a failing generation rejects only its own request', async () => {
    const pool = new KeyPool((name) => (name === 'bad' ? Promise.reject(new Error('no entropy')) : Promise.resolve({ privatePem: name } as unknown as KeyPair)), { concurrency: 1 });
    await expect(pool.keys('bad', 'rsa-2048')).rejects.toThrow('no entropy');
    expect((await pool.keys('good', 'rsa-2048')).privatePem).toBe('good');
  });
});
