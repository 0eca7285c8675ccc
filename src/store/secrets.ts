// Random credentials and their salted hashes, compared in constant time.
//
// Every device secret and API token is 192 random bits made here (newSecret), never chosen by a
// person: a stolen hash cannot be reversed by guessing (2^192 tries), so a deliberately slow
// hash buys nothing against database theft. It did cost: scrypt (N = 4096) took ~10 ms of CPU per
// verification, once per device and process, so after a restart 10,000 devices reconnecting
// cost ~100 s of CPU in the minutes the gateway most needs it (their backlogs). New hashes are
// SHA-256 of a random salt and the secret (`sha256$salt$key`); the scrypt hashes of earlier
// versions (`scrypt$N$salt$key`) still verify, and a device's is replaced at its first
// verification (Registry.verifyDeviceSecret).
import { randomBytes, scrypt, scryptSync, timingSafeEqual, createHash } from 'node:crypto';

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function sha256Key(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  return `sha256$${salt.toString('base64url')}$${sha256Key(secret, salt).toString('base64url')}`;
}

/** True when `stored` is a hash of an earlier version's kind (scrypt): to be replaced by hashSecret's once the secret is verified. */
export function isLegacyHash(stored: string): boolean {
  return stored.startsWith('scrypt$');
}

export function verifySecret(secret: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts[0] === 'sha256') return sha256Matches(secret, parts);
  const [alg, n, salt, key] = parts;
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: 8, p: 1 });
  return timingSafeEqual(actual, expected);
}

function sha256Matches(secret: string, [, salt, key]: string[]): boolean {
  if (!salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = sha256Key(secret, Buffer.from(salt, 'base64url'));
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** A fast fingerprint for in-memory caches of already verified credentials (never stored). */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Like verifySecret; a legacy scrypt hash on libuv's thread pool so the event loop keeps serving (MQTT CONNECT storms). */
export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === 'sha256') return Promise.resolve(sha256Matches(secret, parts));
  const [alg, n, salt, key] = parts;
  if (alg !== 'scrypt' || !salt || !key) return Promise.resolve(false);
  const expected = Buffer.from(key, 'base64url');
  return new Promise((resolve) => {
    scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: 8, p: 1 }, (err, actual) => {
      resolve(!err && timingSafeEqual(actual, expected));
    });
  });
}
