// Tenants, devices and certificates: SQLite is the owner; the hot path reads the in-memory cache.
import type { Db } from './db.ts';
import type { Certificate, DeviceMetrology } from '../metrology/types.ts';
import { fingerprint, hashSecret, newSecret, verifySecretAsync } from './secrets.ts';

export interface Tenant {
  id: string;
  name: string;
  region: string;
  /** IANA time zone of the tenant's devices' times without a zone; absent: MAG_DEFAULT_TIME_ZONE. */
  timeZone?: string;
  createdAt: string;
}

export interface Device extends DeviceMetrology {
  serial: string;
  model?: string;
  site?: string;
  expectedIntervalSeconds?: number;
  createdAt: string;
  lastSeenAt?: string;
}

export interface StoredCertificate extends Certificate {
  id: number;
  device: string;
  createdAt: string;
}

export type NewDevice = Omit<Device, 'createdAt' | 'lastSeenAt'>;

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

interface DeviceRow {
  id: string;
  tenant: string;
  type: string;
  serial: string;
  spec: string;
  secret_hash: string;
  created_at: string;
  last_seen_at: string | null;
}

interface CertRow {
  id: number;
  device: string;
  kind: 'verification' | 'calibration';
  number: string;
  issued_by: string;
  issued_at: string;
  valid_until: string;
  correction: string | null;
  uncertainty: number | null;
  created_at: string;
}

function deviceFromRow(r: DeviceRow): Device {
  const spec = JSON.parse(r.spec) as Partial<Device>;
  return {
    ...spec,
    id: r.id,
    tenant: r.tenant,
    type: r.type,
    serial: r.serial,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at ?? undefined,
  };
}

function certFromRow(r: CertRow): StoredCertificate {
  return {
    id: r.id,
    device: r.device,
    kind: r.kind,
    number: r.number,
    issuedBy: r.issued_by,
    issuedAt: r.issued_at,
    validUntil: r.valid_until,
    correction: r.correction ? JSON.parse(r.correction) : undefined,
    uncertainty: r.uncertainty ?? undefined,
    createdAt: r.created_at,
  };
}

export class Registry {
  private tenants = new Map<string, Tenant>();
  private devices = new Map<string, Device>();
  private secretHashes = new Map<string, string>();
  /** device id → fingerprint of the secret last verified (cheap re-connects). */
  private verified = new Map<string, string>();
  private certificates = new Map<string, StoredCertificate[]>();
  private seen = new Map<string, number>();

  /** SQLite's data_version when the cache was last loaded: it changes when another connection commits. */
  private dataVersion = -1;

  constructor(private readonly db: Db) {
    this.load();
  }

  private load(): void {
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    const tenants = new Map<string, Tenant>();
    for (const t of this.db.prepare('SELECT id, name, region, time_zone, created_at FROM tenants').all() as {
      id: string;
      name: string;
      region: string;
      time_zone: string | null;
      created_at: string;
    }[]) {
      tenants.set(t.id, { id: t.id, name: t.name, region: t.region, ...(t.time_zone ? { timeZone: t.time_zone } : {}), createdAt: t.created_at });
    }
    const devices = new Map<string, Device>();
    const secretHashes = new Map<string, string>();
    for (const r of this.db.prepare('SELECT * FROM devices').all() as DeviceRow[]) {
      devices.set(r.id, deviceFromRow(r));
      secretHashes.set(r.id, r.secret_hash);
    }
    const certificates = new Map<string, StoredCertificate[]>();
    for (const r of this.db.prepare('SELECT * FROM certificates ORDER BY id').all() as CertRow[]) {
      const list = certificates.get(r.device) ?? [];
      list.push(certFromRow(r));
      certificates.set(r.device, list);
    }
    for (const id of this.verified.keys()) if (secretHashes.get(id) !== this.secretHashes.get(id)) this.verified.delete(id);
    this.tenants = tenants;
    this.devices = devices;
    this.secretHashes = secretHashes;
    this.certificates = certificates;
  }

  /**
   * Picks up what another process (the `mag` CLI on the same data directory) committed to the
   * state database since the cache was loaded; true when something changed. Cheap: one pragma.
   */
  syncWithDisk(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return false;
    this.load();
    return true;
  }

  // ── tenants ──
  createTenant(t: { id: string; name: string; region: string; timeZone?: string }, now: Date): Tenant {
    if (this.tenants.has(t.id)) throw new ConflictError(`tenant ${t.id} already exists`);
    const tenant: Tenant = { id: t.id, name: t.name, region: t.region, ...(t.timeZone ? { timeZone: t.timeZone } : {}), createdAt: now.toISOString() };
    this.db
      .prepare('INSERT INTO tenants (id, name, region, time_zone, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.region, t.timeZone ?? null, tenant.createdAt);
    this.tenants.set(t.id, tenant);
    return tenant;
  }
  /** Sets (or with null, clears) the tenant's time zone; undefined when there is no such tenant. */
  setTenantTimeZone(id: string, timeZone: string | null): Tenant | undefined {
    const t = this.tenants.get(id);
    if (!t) return undefined;
    this.db.prepare('UPDATE tenants SET time_zone = ? WHERE id = ?').run(timeZone, id);
    const { timeZone: _old, ...rest } = t;
    const updated: Tenant = timeZone ? { ...rest, timeZone } : rest;
    this.tenants.set(id, updated);
    return updated;
  }
  tenant(id: string): Tenant | undefined {
    return this.tenants.get(id);
  }
  listTenants(): Tenant[] {
    return [...this.tenants.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  // ── devices ──
  createDevice(d: NewDevice, now: Date): { device: Device; secret: string } {
    if (this.devices.has(d.id)) throw new ConflictError(`device ${d.id} already exists`);
    if (!this.tenants.has(d.tenant)) throw new ConflictError(`tenant ${d.tenant} does not exist`);
    const secret = newSecret();
    const hash = hashSecret(secret);
    const { id, tenant, type, serial, ...spec } = d;
    const createdAt = now.toISOString();
    this.db
      .prepare('INSERT INTO devices (id, tenant, type, serial, spec, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, tenant, type, serial, JSON.stringify(spec), hash, createdAt);
    const device: Device = { ...d, createdAt };
    this.devices.set(id, device);
    this.secretHashes.set(id, hash);
    return { device, secret };
  }
  device(id: string): Device | undefined {
    const d = this.devices.get(id);
    if (!d) return undefined;
    const seen = this.seen.get(id);
    return seen ? { ...d, lastSeenAt: new Date(seen).toISOString() } : d;
  }
  /**
   * The cached device as registered, without copying it to attach the in-memory last-seen time:
   * for the per-message hot path, which does not read `lastSeenAt`. Do not modify the result.
   */
  registeredDevice(id: string): Device | undefined {
    return this.devices.get(id);
  }
  listDevices(): Device[] {
    return [...this.devices.keys()].sort().map((id) => this.device(id)!);
  }
  rotateSecret(id: string): string {
    const secret = newSecret();
    const hash = hashSecret(secret);
    this.db.prepare('UPDATE devices SET secret_hash = ? WHERE id = ?').run(hash, id);
    this.secretHashes.set(id, hash);
    this.verified.delete(id);
    return secret;
  }
  /** True when `secret` is the device's current secret. */
  async verifyDeviceSecret(id: string, secret: string): Promise<boolean> {
    // a device registered (or rotated) by the CLI in another process may not be cached yet
    if (!this.secretHashes.has(id)) this.syncWithDisk();
    const hash = this.secretHashes.get(id);
    if (!hash) return false;
    const fp = fingerprint(secret);
    if (this.verified.get(id) === fp) return true;
    if (!(await verifySecretAsync(secret, hash))) return false;
    if (this.secretHashes.get(id) !== hash) return false; // rotated meanwhile
    this.verified.set(id, fp);
    return true;
  }
  /** Records that a device spoke (kept in memory, flushed by `flushLastSeen`). */
  /** Records a message from the device (to the second: the hot path skips the Map write within one). */
  markSeen(id: string, at: number): void {
    const last = this.seen.get(id);
    if (last === undefined || at - last >= 1000 || at < last) this.seen.set(id, at);
  }
  flushLastSeen(): void {
    if (this.seen.size === 0) return;
    const stmt = this.db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, at] of this.seen) stmt.run(new Date(at).toISOString(), id);
    })();
    for (const [id, at] of this.seen) {
      const d = this.devices.get(id);
      if (d) d.lastSeenAt = new Date(at).toISOString();
    }
    this.seen.clear();
  }

  // ── certificates ──
  addCertificate(device: string, c: Certificate, actor: string, now: Date): StoredCertificate {
    const createdAt = now.toISOString();
    const info = this.db
      .prepare(
        'INSERT INTO certificates (device, kind, number, issued_by, issued_at, valid_until, correction, uncertainty, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(device, c.kind, c.number, c.issuedBy, c.issuedAt, c.validUntil, c.correction ? JSON.stringify(c.correction) : null, c.uncertainty ?? null, createdAt, actor);
    const stored: StoredCertificate = { ...c, id: Number(info.lastInsertRowid), device, createdAt };
    const list = this.certificates.get(device) ?? [];
    list.push(stored);
    this.certificates.set(device, list);
    return stored;
  }
  certificatesOf(device: string): readonly StoredCertificate[] {
    return this.certificates.get(device) ?? [];
  }
}
