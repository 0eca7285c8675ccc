// Tenants, devices and certificates: the state database is the owner; the hot path reads the in-memory cache.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';
import type { CertificatesTable, DevicesTable } from './schema.ts';
import type { Selectable } from 'kysely';
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

type DeviceRow = Selectable<DevicesTable>;
type CertRow = Selectable<CertificatesTable>;

const Q = {
  tenants: query('tenants.all', (db) => db.selectFrom('tenants').select(['id', 'name', 'region', 'time_zone', 'created_at'])),
  devices: query('devices.all', (db) => db.selectFrom('devices').selectAll()),
  certificates: query('certificates.all', (db) => db.selectFrom('certificates').selectAll().orderBy('id')),
  insertTenant: query('tenants.insert', (db, arg: Arg<{ id: string; name: string; region: string; timeZone: string | null; createdAt: string }>) =>
    db.insertInto('tenants').values({ id: arg('id'), name: arg('name'), region: arg('region'), time_zone: arg('timeZone'), created_at: arg('createdAt') }),
  ),
  setTenantTimeZone: query('tenants.set-time-zone', (db, arg: Arg<{ id: string; timeZone: string | null }>) =>
    db.updateTable('tenants').set({ time_zone: arg('timeZone') }).where('id', '=', arg('id')),
  ),
  insertDevice: query('devices.insert', (db, arg: Arg<{ id: string; tenant: string; type: string; serial: string; spec: string; secretHash: string; createdAt: string }>) =>
    db.insertInto('devices').values({ id: arg('id'), tenant: arg('tenant'), type: arg('type'), serial: arg('serial'), spec: arg('spec'), secret_hash: arg('secretHash'), created_at: arg('createdAt') }),
  ),
  setSecret: query('devices.set-secret', (db, arg: Arg<{ id: string; secretHash: string }>) => db.updateTable('devices').set({ secret_hash: arg('secretHash') }).where('id', '=', arg('id'))),
  setLastSeen: query('devices.set-last-seen', (db, arg: Arg<{ id: string; at: string }>) => db.updateTable('devices').set({ last_seen_at: arg('at') }).where('id', '=', arg('id'))),
  insertCertificate: query('certificates.insert', (db, arg: Arg<Omit<CertRow, 'id'>>) =>
    db
      .insertInto('certificates')
      .values({
        device: arg('device'),
        kind: arg('kind'),
        number: arg('number'),
        issued_by: arg('issued_by'),
        issued_at: arg('issued_at'),
        valid_until: arg('valid_until'),
        correction: arg('correction'),
        uncertainty: arg('uncertainty'),
        created_at: arg('created_at'),
        created_by: arg('created_by'),
      })
      .returning('id'),
  ),
};

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

  private readonly sql: Statements<typeof Q>;

  constructor(private readonly db: Db) {
    this.sql = db.prepareAll(Q);
    this.load();
  }

  private load(): void {
    this.dataVersion = this.db.dataVersion();
    const tenants = new Map<string, Tenant>();
    for (const t of this.sql.tenants.all()) {
      tenants.set(t.id, { id: t.id, name: t.name, region: t.region, ...(t.time_zone ? { timeZone: t.time_zone } : {}), createdAt: t.created_at });
    }
    const devices = new Map<string, Device>();
    const secretHashes = new Map<string, string>();
    for (const r of this.sql.devices.all()) {
      devices.set(r.id, deviceFromRow(r));
      secretHashes.set(r.id, r.secret_hash);
    }
    const certificates = new Map<string, StoredCertificate[]>();
    for (const r of this.sql.certificates.all()) {
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
    const version = this.db.dataVersion();
    if (version === this.dataVersion) return false;
    this.load();
    return true;
  }

  // ── tenants ──
  createTenant(t: { id: string; name: string; region: string; timeZone?: string }, now: Date): Tenant {
    if (this.tenants.has(t.id)) throw new ConflictError(`tenant ${t.id} already exists`);
    const tenant: Tenant = { id: t.id, name: t.name, region: t.region, ...(t.timeZone ? { timeZone: t.timeZone } : {}), createdAt: now.toISOString() };
    this.sql.insertTenant.run({ id: t.id, name: t.name, region: t.region, timeZone: t.timeZone ?? null, createdAt: tenant.createdAt });
    this.tenants.set(t.id, tenant);
    return tenant;
  }
  /** Sets (or with null, clears) the tenant's time zone; undefined when there is no such tenant. */
  setTenantTimeZone(id: string, timeZone: string | null): Tenant | undefined {
    const t = this.tenants.get(id);
    if (!t) return undefined;
    this.sql.setTenantTimeZone.run({ id, timeZone });
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
    this.checkNewDevice(d);
    const secret = newSecret();
    return { device: this.createDeviceWithSecretHash(d, hashSecret(secret), now), secret };
  }
  /** Registers a device whose secret's hash is already made (a benchmark fleet sharing one secret). */
  createDeviceWithSecretHash(d: NewDevice, secretHash: string, now: Date): Device {
    this.checkNewDevice(d);
    const { id, tenant, type, serial, ...spec } = d;
    const createdAt = now.toISOString();
    this.sql.insertDevice.run({ id, tenant, type, serial, spec: JSON.stringify(spec), secretHash, createdAt });
    const device: Device = { ...d, createdAt };
    this.devices.set(id, device);
    this.secretHashes.set(id, secretHash);
    return device;
  }
  private checkNewDevice(d: NewDevice): void {
    if (this.devices.has(d.id)) throw new ConflictError(`device ${d.id} already exists`);
    if (!this.tenants.has(d.tenant)) throw new ConflictError(`tenant ${d.tenant} does not exist`);
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
    this.sql.setSecret.run({ id, secretHash: hash });
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
    this.db.transaction(() => {
      for (const [id, at] of this.seen) this.sql.setLastSeen.run({ id, at: new Date(at).toISOString() });
    });
    for (const [id, at] of this.seen) {
      const d = this.devices.get(id);
      if (d) d.lastSeenAt = new Date(at).toISOString();
    }
    this.seen.clear();
  }

  // ── certificates ──
  addCertificate(device: string, c: Certificate, actor: string, now: Date): StoredCertificate {
    const createdAt = now.toISOString();
    const row = this.sql.insertCertificate.get({
      device,
      kind: c.kind,
      number: c.number,
      issued_by: c.issuedBy,
      issued_at: c.issuedAt,
      valid_until: c.validUntil,
      correction: c.correction ? JSON.stringify(c.correction) : null,
      uncertainty: c.uncertainty ?? null,
      created_at: createdAt,
      created_by: actor,
    })!;
    const stored: StoredCertificate = { ...c, id: Number(row.id), device, createdAt };
    const list = this.certificates.get(device) ?? [];
    list.push(stored);
    this.certificates.set(device, list);
    return stored;
  }
  certificatesOf(device: string): readonly StoredCertificate[] {
    return this.certificates.get(device) ?? [];
  }
}
