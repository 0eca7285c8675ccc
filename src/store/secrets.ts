// Random credentials and their salted scrypt hashes, compared in constant time.
import { randomBytes, scrypt, scryptSync, timingSafeEqual, createHash } from 'node:crypto';

const N = 4096; // secrets are 192-bit random strings: the hash guards against a stolen DB, not guessing.

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N, r: 8, p: 1 });
  return `scrypt$${N}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [alg, n, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: 8, p: 1 });
  return timingSafeEqual(actual, expected);
}

/** A fast fingerprint for in-memory caches of already verified credentials (never stored). */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Like verifySecret, on libuv's thread pool so the event loop keeps serving (MQTT CONNECT storms). */
export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const [alg, n, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return Promise.resolve(false);
  const expected = Buffer.from(key, 'base64url');
  return new Promise((resolve) => {
    scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: 8, p: 1 }, (err, actual) => {
      resolve(!err && timingSafeEqual(actual, expected));
    });
  });
}
