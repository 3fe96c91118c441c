import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files a test control plane uses, all in one folder. */
export interface TestPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const reqConfig = (cn: string, org?: string): string =>
  [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    ...(org ? [`O = ${org}`] : []),
    `CN = ${cn}`,
    '[v3_ca]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed in ${dir}: ${err.stderr || err.message}`);
  }
}

async function leaf(dir: string, name: string, cn: string, org: string | undefined, ext: string[]): Promise<void> {
  await writeFile(join(dir, `${name}.cnf`), reqConfig(cn, org));
  await writeFile(join(dir, `${name}.ext`), ext.join('\n') + '\n');
  await openssl(dir, ['req', '-new', '-nodes', '-config', `${name}.cnf`, '-newkey', 'ec', '-pkeyopt',
    'ec_paramgen_curve:prime256v1', '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial',
    '0x' + Date.now().toString(16) + Math.floor(Math.random() * 1e6).toString(16), '-days', '7',
    '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  await chmod(join(dir, `${name}.key`), 0o600);
}

/**
 * Generates, with the openssl CLI, a throw-away CA, a kube-apiserver serving certificate for
 * 127.0.0.1/localhost, an admin client certificate (O=system:masters) and a service-account
 * key pair into `dir`. Private keys are written 0600.
 */
export async function generateTestPki(dir: string): Promise<TestPki> {
  await writeFile(join(dir, 'ca.cnf'), reqConfig('nkd-test-ca'));
  await openssl(dir, ['req', '-x509', '-new', '-nodes', '-config', 'ca.cnf', '-extensions', 'v3_ca', '-newkey', 'ec',
    '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '7']);
  await chmod(join(dir, 'ca.key'), 0o600);
  const common = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment'];
  await leaf(dir, 'apiserver', 'kube-apiserver', undefined, [...common, 'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,' +
      'DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1']);
  await leaf(dir, 'admin', 'nkd-test-admin', 'system:masters', [...common, 'extendedKeyUsage = clientAuth']);
  await openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key']);
  await chmod(join(dir, 'sa.key'), 0o600);
  await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

/** Writes an admin kubeconfig (0600) with the certificates embedded, for `server`. */
export async function writeAdminKubeconfig(path: string, server: string, pki: TestPki): Promise<void> {
  const b64 = async (f: string): Promise<string> => (await readFile(f)).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'nkd-test', cluster: { server, 'certificate-authority-data': await b64(pki.caCert) } }],
    users: [
      {
        name: 'nkd-test-admin',
        user: { 'client-certificate-data': await b64(pki.adminCert), 'client-key-data': await b64(pki.adminKey) },
      },
    ],
    contexts: [{ name: 'nkd-test', context: { cluster: 'nkd-test', user: 'nkd-test-admin' } }],
    'current-context': 'nkd-test',
  };
  // JSON is valid YAML: kubectl, client-go and @kubernetes/client-node all read it.
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(path, 0o600);
}
