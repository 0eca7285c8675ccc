// A throw-away PKI for TLS tests, made with the openssl CLI: a CA, a server certificate for
// 127.0.0.1/localhost, and client certificates whose CN is a device id.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string; // paths
  serverCert: string;
  serverKey: string;
  /** Issues a client certificate signed by this CA (or by `otherCa`), CN = `cn` (omitted when null). */
  client(name: string, cn: string | null, opts?: { otherCa?: boolean }): { cert: Buffer; key: Buffer };
  ca(): Buffer;
  destroy(): void;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

function issue(dir: string, ca: string, name: string, subject: string, ext: string): void {
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

export function createPki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'mag-pki-'));
  newCa(dir, 'ca');
  newCa(dir, 'rogue-ca');
  issue(dir, 'ca', 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    client(name, cn, opts = {}) {
      issue(dir, opts.otherCa ? 'rogue-ca' : 'ca', name, cn === null ? '/O=MAG test/OU=no common name' : `/CN=${cn}`, 'extendedKeyUsage=clientAuth\n');
      return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
    },
    ca: () => readFileSync(join(dir, 'ca.crt')),
    destroy: () => rmSync(dir, { recursive: true, force: true }),
  };
}
