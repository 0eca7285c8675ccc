// Over 400 lines: tenants, devices and certificates are one aggregate with one cache kept current
// across processes; the queries are the bulk of the file.
// Tenants, devices and certificates: the state database is the owner; the hot path reads the
// in-memory caches, which every process keeps current with the others' changes (`follow`).
// Runs on SQLite or PostgreSQL (executor.ts): on SQLite a write and its cache update are done
// when the method returns; on PostgreSQL when its Promise settles.
import { query, type Arg } from './sql.ts';
import {
  after,
  answer,
  isConstraintViolation,
  isPending,
  isUniqueViolation,
  recovered,
  refusedAs,
  settleAll,
  type AnyStatements,
  type Answer,
  type Awaitable,
  type Settled,
  type StateExecutor,
  type Watching,
} from './executor.ts';
import type { CertificatesTable, DevicesTable, TenantsTable } from './schema.ts';
import type { Selectable } from 'kysely';
import type { Certificate, DeviceMetrology } from '../metrology/types.ts';
import { fingerprint, hashSecret, isLegacyHash, newSecret, verifySecretAsync } from './secrets.ts';
import { isDateOnly, validFrom, validThrough } from '../oversight/period.ts';

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
  /**
   * Where and for what the instrument was in service before its present site and use, oldest first
   * (each move recorded with PATCH /devices/{id} and `movedAt`); absent when it never moved. Its checks
   * of those times belong to those places (GET /places), not to where it is now.
   */
  placements?: Placement[];
  createdAt: string;
  lastSeenAt?: string;
}

/** An instrument's earlier placement: the site and use it was in service at until `until` (an ISO instant). */
export interface Placement {
  until: string;
  site?: string;
  use?: string;
}

/** Where and for what an instrument is in service: the registry's device, or one of its earlier placements. */
export interface Placed {
  site?: string;
  use?: string;
}

/** The site and use an instrument was in service at, at `ts` (ms): its placement then, or the present one (pure). */
export function placementAt(d: Placed & { placements?: readonly Placement[] }, ts: number): Placed {
  for (const p of d.placements ?? []) if (ts < Date.parse(p.until)) return p;
  return d;
}

/**
 * What PATCH /devices/{id} may change: where and for what the instrument is used, its model's name and how
 * often it reports; `null` removes an optional field. Its identity (id, enterprise, type, serial) and its
 * metrological characteristics (class, range, e, MPE…) are those of the instrument its certificates name,
 * and are not changed: another instrument is registered as one. `movedAt`: the site or use changed at that
 * instant (the earlier ones become a placement); without it a change corrects the record as it was all along.
 */
export interface DeviceChange {
  site?: string | null;
  use?: string | null;
  model?: string | null;
  expectedIntervalSeconds?: number | null;
  movedAt?: string;
}

/** The device as `change` leaves it (pure; the route has validated the change). */
export function changedDevice(d: Device, change: DeviceChange): Device {
  const next: Device = { ...d };
  for (const key of ['site', 'use', 'model', 'expectedIntervalSeconds'] as const) {
    const v = change[key];
    if (v === undefined) continue;
    if (v === null) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = v;
  }
  if (change.movedAt !== undefined) {
    const earlier: Placement = { until: change.movedAt, ...(d.site !== undefined ? { site: d.site } : {}), ...(d.use !== undefined ? { use: d.use } : {}) };
    next.placements = [...(d.placements ?? []), earlier];
  }
  return next;
}

export interface StoredCertificate extends Certificate {
  id: number;
  device: string;
  createdAt: string;
}

export type NewDevice = Omit<Device, 'createdAt' | 'lastSeenAt'>;

/** What the registry announces its changes under (executor.ts `announce` / `watch`). */
const TOPIC = 'registry';

const noop = () => {};

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

type DeviceRow = Selectable<DevicesTable>;
type TenantRow = Pick<Selectable<TenantsTable>, 'id' | 'name' | 'region' | 'time_zone' | 'created_at'>;
type CertRow = Selectable<CertificatesTable>;

const Q = {
  tenants: query('tenants.all', (db) => db.selectFrom('tenants').select(['id', 'name', 'region', 'time_zone', 'created_at'])),
  devices: query('devices.all', (db) => db.selectFrom('devices').selectAll()),
  deviceSecret: query('devices.secret-hash', (db, arg: Arg<{ id: string }>) => db.selectFrom('devices').select('secret_hash').where('id', '=', arg('id'))),
  certificates: query('certificates.all', (db) => db.selectFrom('certificates').selectAll().orderBy('id')),
  /** The certificate on record under a number: the first (a number taken twice before migration 0011 has later ones too). */
  certificateByNumber: query('certificates.by-number', (db, arg: Arg<{ device: string; number: string }>) =>
    db.selectFrom('certificates').selectAll().where('device', '=', arg('device')).where('number', '=', arg('number')).orderBy('id').limit(1),
  ),
  insertTenant: query('tenants.insert', (db, arg: Arg<{ id: string; name: string; region: string; timeZone: string | null; createdAt: string }>) =>
    db.insertInto('tenants').values({ id: arg('id'), name: arg('name'), region: arg('region'), time_zone: arg('timeZone'), created_at: arg('createdAt') }),
  ),
  setTenantTimeZone: query('tenants.set-time-zone', (db, arg: Arg<{ id: string; timeZone: string | null }>) =>
    db
      .updateTable('tenants')
      .set({ time_zone: arg('timeZone') })
      .where('id', '=', arg('id')),
  ),
  insertDevice: query(
    'devices.insert',
    (db, arg: Arg<{ id: string; tenant: string; type: string; serial: string; spec: string; secretHash: string; createdAt: string }>) =>
      db.insertInto('devices').values({
        id: arg('id'),
        tenant: arg('tenant'),
        type: arg('type'),
        serial: arg('serial'),
        spec: arg('spec'),
        secret_hash: arg('secretHash'),
        created_at: arg('createdAt'),
      }),
  ),
  /** A legacy hash replaced by a new one of the same secret, unless the secret changed meanwhile. */
  upgradeSecret: query('devices.upgrade-secret', (db, arg: Arg<{ id: string; from: string; to: string }>) =>
    db
      .updateTable('devices')
      .set({ secret_hash: arg('to') })
      .where('id', '=', arg('id'))
      .where('secret_hash', '=', arg('from')),
  ),
  /** A device's registration data replaced, unless another process changed it since `from` was read. */
  setSpec: query('devices.set-spec', (db, arg: Arg<{ id: string; spec: string; from: string }>) =>
    db
      .updateTable('devices')
      .set({ spec: arg('spec') })
      .where('id', '=', arg('id'))
      .where('spec', '=', arg('from')),
  ),
  setSecret: query('devices.set-secret', (db, arg: Arg<{ id: string; secretHash: string }>) =>
    db
      .updateTable('devices')
      .set({ secret_hash: arg('secretHash') })
      .where('id', '=', arg('id')),
  ),
  // Never moves back: on a cluster each node flushes the devices it heard, and a device that
  // moved to another node may have been heard there later (ISO-8601 UTC strings sort by time).
  setLastSeen: query('devices.set-last-seen', (db, arg: Arg<{ id: string; at: string }>) =>
    db
      .updateTable('devices')
      .set({ last_seen_at: arg('at') })
      .where('id', '=', arg('id'))
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', arg('at'))])),
  ),
  lastSeen: query('devices.last-seen', (db) => db.selectFrom('devices').select(['id', 'last_seen_at']).where('last_seen_at', 'is not', null)),
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

/**
 * Dates stored as a date alone (given so before the API read them in the enterprise's zone), or an
 * issuedAt stored as a UTC instant, are read as the API now stores them: issued from that day's
 * start (or at that instant, at the zone's offset, which names its day there), valid through its end.
 */
function readInZone(c: StoredCertificate, zone: () => string): StoredCertificate {
  if (isDateOnly(c.issuedAt) || isDateOnly(c.validUntil) || /Z$/i.test(c.issuedAt)) {
    c.issuedAt = validFrom(c.issuedAt, zone());
    c.validUntil = validThrough(c.validUntil, zone());
  }
  return c;
}

/** Does a certificate on record say what a new one says (dates as instants: validFrom, validThrough)? */
function sameCertificate(a: Certificate, b: Certificate): boolean {
  const instant = (x: string) => Date.parse(x);
  return (
    a.kind === b.kind &&
    a.issuedBy === b.issuedBy &&
    instant(a.issuedAt) === instant(b.issuedAt) &&
    instant(a.validUntil) === instant(b.validUntil) &&
    (a.correction?.offset ?? 0) === (b.correction?.offset ?? 0) &&
    (a.correction?.gain ?? 0) === (b.correction?.gain ?? 0) &&
    a.uncertainty === b.uncertainty
  );
}

/**
 * A certificate whose number is on record for the device already (a number is the issuer's, once
 * per instrument): `sameContent`, a retry of the one on record (`certificate`); else other content
 * under that number, refused (a certificate on record is never replaced).
 */
export class CertificateOnRecord extends ConflictError {
  readonly sameContent: boolean;
  constructor(
    device: string,
    readonly certificate: StoredCertificate,
    c: Certificate,
  ) {
    const same = sameCertificate(certificate, c);
    super(
      `certificate ${certificate.number} of ${device} is on record already (${certificate.kind}, issued by ${certificate.issuedBy} ${certificate.issuedAt}, valid until ${certificate.validUntil}) ` +
        (same ? 'with the same content' : 'with other content; a certificate is never replaced: a new one has its own number'),
    );
    this.name = 'CertificateOnRecord';
    this.sameContent = same;
  }
}

/** The registry on the state database `S` (SqliteState: its writes answer at once; PostgresState: with Promises). */
export class Registry<S extends StateExecutor = StateExecutor> {
  private tenants = new Map<string, Tenant>();
  private devices = new Map<string, Device>();
  private secretHashes = new Map<string, string>();
  /** device id → its `spec` column as stored (an update names it, so that it replaces only what it read). */
  private specs = new Map<string, string>();
  /** device id → fingerprint of the secret last verified (cheap re-connects). */
  private verified = new Map<string, string>();
  private certificates = new Map<string, StoredCertificate[]>();
  private seen = new Map<string, number>();

  /** `db.version(TOPIC)` when the caches were last loaded: another process changed the registry when it moves. */
  private loadedVersion = -1;
  /** The registry's database work in flight (PostgreSQL only; on SQLite nothing is ever in flight). */
  private inFlight: Promise<void> | undefined;
  private readonly loaded: Awaitable<void>;

  private readonly sql: AnyStatements<typeof Q>;

  /**
   * On SQLite the caches are loaded when this returns. On PostgreSQL they load meanwhile: use
   * `await Registry.open(db)`, which works on both.
   */
  /**
   * `defaultTimeZone`: the zone of enterprises without their own (MAG_DEFAULT_TIME_ZONE), in which a
   * certificate date stored as a date alone is read (see storedDay).
   */
  constructor(
    private readonly db: S,
    private readonly defaultTimeZone = 'Asia/Ho_Chi_Minh',
  ) {
    this.sql = db.statements(Q);
    this.loaded = this.inTurn(() => this.load());
  }

  /** A registry with its caches loaded. */
  static async open<S extends StateExecutor>(db: S, defaultTimeZone?: string): Promise<Registry<S>> {
    const r = new Registry(db, defaultTimeZone);
    await r.loaded;
    return r;
  }

  private load(): Awaitable<void> {
    const version = this.db.version(TOPIC);
    return after(settleAll([this.sql.tenants.all(), this.sql.devices.all(), this.sql.certificates.all()] as const), ([tenants, devices, certificates]) => {
      this.loadedVersion = version;
      this.replace(tenants, devices, certificates);
    });
  }

  private replace(tenantRows: TenantRow[], deviceRows: DeviceRow[], certRows: CertRow[]): void {
    const tenants = new Map<string, Tenant>();
    for (const t of tenantRows) {
      tenants.set(t.id, { id: t.id, name: t.name, region: t.region, ...(t.time_zone ? { timeZone: t.time_zone } : {}), createdAt: t.created_at });
    }
    const devices = new Map<string, Device>();
    const secretHashes = new Map<string, string>();
    const specs = new Map<string, string>();
    for (const r of deviceRows) {
      devices.set(r.id, deviceFromRow(r));
      secretHashes.set(r.id, r.secret_hash);
      specs.set(r.id, r.spec);
    }
    const certificates = new Map<string, StoredCertificate[]>();
    for (const r of certRows) {
      const list = certificates.get(r.device) ?? [];
      list.push(readInZone(certFromRow(r), () => tenants.get(devices.get(r.device)?.tenant ?? '')?.timeZone ?? this.defaultTimeZone));
      certificates.set(r.device, list);
    }
    for (const id of this.verified.keys()) if (secretHashes.get(id) !== this.secretHashes.get(id)) this.verified.delete(id);
    this.tenants = tenants;
    this.devices = devices;
    this.secretHashes = secretHashes;
    this.specs = specs;
    this.certificates = certificates;
  }

  /**
   * Runs `work` after the registry's database work in flight, so that a reload never replaces
   * the caches with rows read before a write of this process landed, nor a write's cache update
   * with an older reload. On SQLite nothing is in flight: `work` runs now, synchronously.
   */
  private inTurn<T>(work: () => Awaitable<T>): Awaitable<T> {
    const result = this.inFlight ? this.inFlight.then(work) : work();
    if (isPending(result)) {
      const settled = result.then(noop, noop);
      this.inFlight = settled;
      void settled.then(() => {
        if (this.inFlight === settled) this.inFlight = undefined;
      });
    }
    return result;
  }

  /**
   * Reloads the caches when another process changed the registry since they were loaded (the
   * `mag` CLI on the same SQLite file, another node on PostgreSQL); true when it reloaded.
   * Cheap when nothing changed: SQLite's data_version, or a counter of PostgreSQL notifications.
   */
  catchUp(): Answer<S, boolean> {
    return this.answer(() => this.inTurn(() => (this.db.version(TOPIC) === this.loadedVersion ? false : after(this.load(), () => true))));
  }

  private answer<T>(work: () => Awaitable<T>): Answer<S, T> {
    return answer(this.db, work);
  }

  /**
   * Keeps the caches current with other processes' changes: reloads soon after one (PostgreSQL:
   * as its NOTIFY arrives; SQLite: within seconds, by data_version) and then calls `onChange`.
   */
  follow(onChange: () => void, onError: (err: Error) => void): Watching {
    const check = () => {
      try {
        const changed = this.catchUp() as Awaitable<boolean>;
        if (isPending(changed)) changed.then((c) => c && onChange(), onError);
        else if (changed) onChange();
      } catch (e) {
        onError(e as Error);
      }
    };
    const watching = this.db.watch(TOPIC, check);
    check(); // what changed between the load and now
    return watching;
  }

  /** Writes with `statements`, announced to the other processes in the same transaction, then updates the caches with `cached`. */
  private write<W extends readonly unknown[], T>(statements: () => W, conflict: string, cached: (results: Settled<W>) => T): Awaitable<T> {
    const written = () =>
      refusedAs(
        () => this.db.atomically(() => [...statements(), this.db.announce(TOPIC)] as const),
        () => new ConflictError(conflict),
      );
    return this.inTurn(() => after(written(), (results) => cached(results as unknown as Settled<W>)));
  }

  // ── tenants ──
  createTenant(t: { id: string; name: string; region: string; timeZone?: string }, now: Date): Answer<S, Tenant> {
    return this.answer(() => {
      if (this.tenants.has(t.id)) throw new ConflictError(`tenant ${t.id} already exists`);
      const tenant: Tenant = { id: t.id, name: t.name, region: t.region, ...(t.timeZone ? { timeZone: t.timeZone } : {}), createdAt: now.toISOString() };
      return this.write(
        () => [this.sql.insertTenant.run({ id: t.id, name: t.name, region: t.region, timeZone: t.timeZone ?? null, createdAt: tenant.createdAt })],
        `tenant ${t.id} already exists`,
        () => {
          this.tenants.set(t.id, tenant);
          return tenant;
        },
      );
    });
  }
  /** Sets (or with null, clears) the tenant's time zone; undefined when there is no such tenant. */
  setTenantTimeZone(id: string, timeZone: string | null): Answer<S, Tenant | undefined> {
    return this.answer(() => {
      if (!this.tenants.has(id)) return undefined;
      return this.write(
        () => [this.sql.setTenantTimeZone.run({ id, timeZone })],
        `tenant ${id} changed meanwhile`,
        () => {
          const t = this.tenants.get(id);
          if (!t) return undefined;
          const { timeZone: _old, ...rest } = t;
          const updated: Tenant = timeZone ? { ...rest, timeZone } : rest;
          this.tenants.set(id, updated);
          return updated;
        },
      );
    });
  }
  tenant(id: string): Tenant | undefined {
    return this.tenants.get(id);
  }
  /** The zone the tenant's days are counted in: its own, else MAG_DEFAULT_TIME_ZONE (`zoneInEffect` of GET /tenants). */
  zoneInEffect(tenant: string): string {
    return this.tenants.get(tenant)?.timeZone ?? this.defaultTimeZone;
  }
  listTenants(): Tenant[] {
    return [...this.tenants.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  // ── devices ──
  createDevice(d: NewDevice, now: Date): Answer<S, { device: Device; secret: string }> {
    return this.answer(() => {
      this.checkNewDevice(d);
      const secret = newSecret();
      return after(this.insertDevice(d, hashSecret(secret), now), (device) => ({ device, secret }));
    });
  }
  /** Registers a device whose secret's hash is already made (a benchmark fleet sharing one secret). */
  createDeviceWithSecretHash(d: NewDevice, secretHash: string, now: Date): Answer<S, Device> {
    return this.answer(() => {
      this.checkNewDevice(d);
      return this.insertDevice(d, secretHash, now);
    });
  }
  private insertDevice(d: NewDevice, secretHash: string, now: Date): Awaitable<Device> {
    const { id, tenant, type, serial, ...rest } = d;
    const spec = JSON.stringify(rest);
    const createdAt = now.toISOString();
    // refused by the database too when another node registered the id, or removed the tenant, first
    return this.write(
      () => [this.sql.insertDevice.run({ id, tenant, type, serial, spec, secretHash, createdAt })],
      `device ${id} already exists, or tenant ${tenant} does not`,
      () => {
        const device: Device = { ...d, createdAt };
        this.devices.set(id, device);
        this.secretHashes.set(id, secretHash);
        this.specs.set(id, spec);
        return device;
      },
    );
  }
  /**
   * Changes a device's site, use, model or reporting interval (`changedDevice`); undefined when there is
   * no such device. Refused (ConflictError) when another process changed the device since this one's cache
   * read it: the change was made against a record that is no longer the registry's.
   */
  updateDevice(id: string, change: DeviceChange): Answer<S, Device | undefined> {
    return this.answer(() => {
      const before = this.devices.get(id);
      const from = this.specs.get(id);
      if (!before || from === undefined) return undefined;
      const next = changedDevice(before, change);
      const { id: _id, tenant: _t, type: _ty, serial: _s, createdAt: _c, lastSeenAt, ...rest } = next;
      const spec = JSON.stringify(rest);
      const stale = `device ${id} was changed by another process meanwhile; read it again and retry`;
      return this.write(
        () => [this.sql.setSpec.run({ id, spec, from })] as const,
        stale,
        ([changed]) => {
          if (changed === 0) throw new ConflictError(stale);
          const updated: Device = { ...next, ...(lastSeenAt !== undefined ? { lastSeenAt } : {}) };
          this.devices.set(id, updated);
          this.specs.set(id, spec);
          return updated;
        },
      );
    });
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
  /**
   * When each device last spoke as the database has it, merged with this process's own newer
   * times: on a cluster the nodes flush what they heard (LastSeenFlush), and the node judging
   * silence must see what every node heard, not its cache.
   */
  lastSeenTimes(): Answer<S, Map<string, number>> {
    return this.answer(() =>
      after(this.sql.lastSeen.all(), (rows) => {
        const times = new Map<string, number>();
        for (const r of rows) if (r.last_seen_at) times.set(r.id, Date.parse(r.last_seen_at));
        for (const [id, at] of this.seen) if (!(at <= (times.get(id) ?? -1))) times.set(id, at);
        return times;
      }),
    );
  }
  listDevices(): Device[] {
    return [...this.devices.keys()].sort().map((id) => this.device(id)!);
  }
  rotateSecret(id: string): Answer<S, string> {
    const secret = newSecret();
    const hash = hashSecret(secret);
    return this.answer(() =>
      this.write(
        () => [this.sql.setSecret.run({ id, secretHash: hash })],
        `device ${id} changed meanwhile`,
        () => {
          this.secretHashes.set(id, hash);
          this.verified.delete(id);
          return secret;
        },
      ),
    );
  }
  /** True when `secret` is the device's current secret. */
  async verifyDeviceSecret(id: string, secret: string): Promise<boolean> {
    // registered (or rotated) by another process, and not cached yet: one lookup by key
    if (!this.secretHashes.has(id) && (await this.sql.deviceSecret.get({ id }))) await this.inTurn(() => this.load());
    const hash = this.secretHashes.get(id);
    if (!hash) return false;
    const fp = fingerprint(secret);
    if (this.verified.get(id) === fp) return true;
    if (!(await verifySecretAsync(secret, hash))) return false;
    if (this.secretHashes.get(id) !== hash) return false; // rotated meanwhile
    this.verified.set(id, fp);
    if (isLegacyHash(hash)) await this.upgradeHash(id, secret, hash);
    return true;
  }

  /**
   * Replaces a device's scrypt hash (an earlier version's) by a fast one of the same secret
   * (secrets.ts says why), so that its next connection after a restart costs microseconds, not
   * ~10 ms of CPU. Another process holding the old hash still verifies the same secret with it;
   * a rotation meanwhile wins (the update matches the old hash only). A failed write only leaves
   * the old hash, still valid: it is tried again at the next verification in another process.
   */
  private async upgradeHash(id: string, secret: string, legacy: string): Promise<void> {
    const upgraded = hashSecret(secret);
    let changed: number;
    try {
      changed = await this.sql.upgradeSecret.run({ id, from: legacy, to: upgraded });
    } catch {
      return;
    }
    if (changed > 0 && this.secretHashes.get(id) === legacy) this.secretHashes.set(id, upgraded);
  }
  /** Records a message from the device (to the second: the hot path skips the Map write within one). */
  markSeen(id: string, at: number): void {
    const last = this.seen.get(id);
    if (last === undefined || at - last >= 1000 || at < last) this.seen.set(id, at);
  }
  /**
   * Writes the last-seen times kept in memory, in one transaction. Not announced: other
   * processes read a device's last-seen time from the database when they reload, not at once.
   */
  flushLastSeen(): Answer<S, void> {
    const batch = [...this.seen];
    return this.answer(() =>
      batch.length === 0
        ? undefined
        : after(
            this.db.atomically(() => batch.map(([id, at]) => this.sql.setLastSeen.run({ id, at: new Date(at).toISOString() }))),
            () => {
              for (const [id, at] of batch) {
                const d = this.devices.get(id);
                if (d) d.lastSeenAt = new Date(at).toISOString();
                if (this.seen.get(id) === at) this.seen.delete(id); // a newer one came meanwhile (PostgreSQL): kept for the next flush
              }
            },
          ),
    );
  }

  // ── certificates ──
  /**
   * Adds a certificate of the device unless its number is on record for it (a number is the
   * issuer's, once per instrument): then CertificateOnRecord, with the one on record and whether it
   * says the same (a retry) or not (refused: a certificate on record is never replaced). Decided
   * from the cache, and by the database (the unique index of migration 0011) when another process
   * added the number since the cache was loaded: of two nodes adding one number at once, one adds
   * it and the other is told as if it had it cached.
   */
  addCertificate(device: string, c: Certificate, actor: string, now: Date): Answer<S, StoredCertificate> {
    const createdAt = now.toISOString();
    const row = {
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
    };
    return this.answer(() => {
      const cached = this.certificates.get(device)?.find((x) => x.number === c.number);
      if (cached) throw new CertificateOnRecord(device, cached, c);
      return this.inTurn(() =>
        recovered(
          () =>
            after(
              this.db.atomically(() => [this.sql.insertCertificate.get(row), this.db.announce(TOPIC)] as const),
              ([inserted]) => {
                const stored: StoredCertificate = { ...c, id: Number(inserted!.id), device, createdAt };
                const list = this.certificates.get(device) ?? [];
                list.push(stored);
                this.certificates.set(device, list);
                return stored;
              },
            ),
          (e) => this.certificateRefused(e, device, c),
        ),
      );
    });
  }
  /** A certificate the database refused: its number added by another process meanwhile (the one on record told), or its device unknown. */
  private certificateRefused(e: unknown, device: string, c: Certificate): Awaitable<never> {
    if (!isConstraintViolation(e)) throw e;
    if (!isUniqueViolation(e)) throw new ConflictError(`device ${device} does not exist`);
    return after(this.sql.certificateByNumber.get({ device, number: c.number }), (r) => {
      if (!r) throw new ConflictError(`certificate ${c.number} of ${device} was refused as a number on record, and none is`);
      throw new CertificateOnRecord(
        device,
        readInZone(certFromRow(r), () => this.zoneInEffect(this.devices.get(device)?.tenant ?? '')),
        c,
      );
    });
  }
  certificatesOf(device: string): readonly StoredCertificate[] {
    return this.certificates.get(device) ?? [];
  }
}
