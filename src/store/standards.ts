// Reference standards and their own calibration certificates: the state database is the owner; the
// check path reads the in-memory cache (one lookup per check), kept current by this module's writes
// and, on PostgreSQL, reloaded when another node announces a change of its own ('standards').
// Runs on SQLite (answers at once, as before) or PostgreSQL (Promises): executor.ts.
import { query, type Arg } from './sql.ts';
import {
  after,
  answer,
  isConstraintViolation,
  isUniqueViolation,
  recovered,
  refusedAs,
  settleAll,
  type AnyStatements,
  type Answer,
  type Awaitable,
  type StateExecutor,
  type Watching,
} from './executor.ts';
import type { StandardCertificatesTable, StandardsTable } from './schema.ts';
import type { Selectable } from 'kysely';
import type { ReferenceStandard, StandardCertificate, StandardKind } from '../metrology/traceability.ts';
import { ConflictError } from './registry.ts';

export interface StoredStandard extends ReferenceStandard {
  createdAt: string;
}

export interface StoredStandardCertificate extends StandardCertificate {
  id: number;
  standard: string;
  createdAt: string;
}

type StandardRow = Selectable<StandardsTable>;
type CertRow = Selectable<StandardCertificatesTable>;

const Q = {
  standards: query('standards.all', (db) => db.selectFrom('standards').selectAll()),
  certificates: query('standard-certificates.all', (db) => db.selectFrom('standard_certificates').selectAll().orderBy('id')),
  insert: query('standards.insert', (db, arg: Arg<StandardRow>) =>
    db.insertInto('standards').values({
      id: arg('id'),
      tenant: arg('tenant'),
      name: arg('name'),
      quantity: arg('quantity'),
      unit: arg('unit'),
      kind: arg('kind'),
      class: arg('class'),
      serial: arg('serial'),
      gas: arg('gas'),
      created_at: arg('created_at'),
      created_by: arg('created_by'),
    }),
  ),
  insertCertificate: query('standard-certificates.insert', (db, arg: Arg<Omit<CertRow, 'id'>>) =>
    db
      .insertInto('standard_certificates')
      .values({
        standard: arg('standard'),
        number: arg('number'),
        issued_by: arg('issued_by'),
        issued_at: arg('issued_at'),
        valid_until: arg('valid_until'),
        uncertainty: arg('uncertainty'),
        traceable_to: arg('traceable_to'),
        as_found: arg('as_found'),
        created_at: arg('created_at'),
        created_by: arg('created_by'),
      })
      .returning('id'),
  ),
  certificateByNumber: query('standard-certificates.by-number', (db, arg: Arg<{ standard: string; number: string }>) =>
    db.selectFrom('standard_certificates').selectAll().where('standard', '=', arg('standard')).where('number', '=', arg('number')).orderBy('id').limit(1),
  ),
};

function standardFromRow(r: StandardRow): StoredStandard {
  const s: StoredStandard = { id: r.id, name: r.name, quantity: r.quantity, unit: r.unit, createdAt: r.created_at };
  if (r.tenant !== null) s.tenant = r.tenant;
  if (r.kind !== null) s.kind = r.kind as StandardKind;
  if (r.class !== null) s.class = r.class;
  if (r.serial !== null) s.serial = r.serial;
  if (r.gas !== null) s.gas = r.gas;
  return s;
}

function certFromRow(r: CertRow): StoredStandardCertificate {
  const c: StoredStandardCertificate = {
    id: Number(r.id),
    standard: r.standard,
    number: r.number,
    issuedBy: r.issued_by,
    issuedAt: r.issued_at,
    validUntil: r.valid_until,
    uncertainty: r.uncertainty,
    createdAt: r.created_at,
  };
  if (r.traceable_to !== null) c.traceableTo = r.traceable_to;
  if (r.as_found !== null) c.asFound = JSON.parse(r.as_found);
  return c;
}

/** Whether two calibration certificates of a standard say the same (instants compared as instants). */
export function sameStandardCertificate(a: StandardCertificate, b: StandardCertificate): boolean {
  const instant = (x: string) => Date.parse(x);
  return (
    a.number === b.number &&
    a.issuedBy === b.issuedBy &&
    instant(a.issuedAt) === instant(b.issuedAt) &&
    instant(a.validUntil) === instant(b.validUntil) &&
    a.uncertainty === b.uncertainty &&
    (a.traceableTo ?? null) === (b.traceableTo ?? null) &&
    JSON.stringify(a.asFound ?? null) === JSON.stringify(b.asFound ?? null)
  );
}

/**
 * A calibration certificate whose number is on record for the standard already (once per
 * standard, as for an instrument): `sameContent`, a retry of the one on record; else refused.
 */
export class StandardCertificateOnRecord extends ConflictError {
  readonly sameContent: boolean;
  constructor(
    readonly certificate: StoredStandardCertificate,
    c: StandardCertificate,
  ) {
    const same = sameStandardCertificate(certificate, c);
    super(
      `certificate ${certificate.number} of standard ${certificate.standard} is on record already (issued by ${certificate.issuedBy} ${certificate.issuedAt}, valid until ${certificate.validUntil}) ` +
        (same ? 'with the same content' : 'with other content; a certificate is never replaced: a new calibration has its own number'),
    );
    this.name = 'StandardCertificateOnRecord';
    this.sameContent = same;
  }
}

/** What the standards' writes are announced under (executor.ts `announce` / `watch`). */
export const STANDARDS_TOPIC = 'standards';

export class StandardStore<S extends StateExecutor = StateExecutor> {
  private standards = new Map<string, StoredStandard>();
  private certificates = new Map<string, StoredStandardCertificate[]>();
  private readonly sql: AnyStatements<typeof Q>;
  /** `db.version(STANDARDS_TOPIC)` when the cache was loaded. */
  private loadedVersion = -1;
  /** Writes and reloads in flight (PostgreSQL): one after another, so an older read never overwrites a newer write. */
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly watching: Watching | undefined;
  /** Settles when the cache is first loaded (at once on SQLite). */
  readonly loaded: Awaitable<void>;

  /**
   * On SQLite the cache is loaded when this returns. On PostgreSQL it loads meanwhile (await
   * `loaded`), and reloads whenever another node announces a change: the check path of every
   * node sees a standard or a certificate registered on any node within a notification's time.
   */
  constructor(private readonly db: S) {
    this.sql = db.statements(Q);
    this.loaded = this.inTurn(() => this.load());
    if (db.dialect === 'postgres') this.watching = db.watch(STANDARDS_TOPIC, () => void this.catchUp());
  }

  /** Stops following other nodes' changes. */
  stop(): void {
    this.watching?.stop();
  }

  private load(): Awaitable<void> {
    const version = this.db.version(STANDARDS_TOPIC);
    return after(settleAll([this.sql.standards.all(), this.sql.certificates.all()] as const), ([standards, certificates]) => {
      const s = new Map<string, StoredStandard>();
      for (const r of standards) s.set(r.id, standardFromRow(r));
      const c = new Map<string, StoredStandardCertificate[]>();
      for (const r of certificates) {
        const list = c.get(r.standard);
        if (list) list.push(certFromRow(r));
        else c.set(r.standard, [certFromRow(r)]);
      }
      this.standards = s;
      this.certificates = c;
      this.loadedVersion = version;
    });
  }

  /** Reloads the cache when another process announced a change since it was loaded; true when it did. */
  catchUp(): Answer<S, boolean> {
    return answer(this.db, () => this.inTurn(() => (this.db.version(STANDARDS_TOPIC) === this.loadedVersion ? false : after(this.load(), () => true))));
  }

  /** `work` after the work in flight (PostgreSQL); at once on SQLite, where nothing is ever in flight. */
  private inTurn<T>(work: () => Awaitable<T>): Awaitable<T> {
    if (this.db.dialect === 'sqlite') return work();
    const result = this.inFlight.then(work);
    this.inFlight = result.catch(() => {});
    return result;
  }

  private listOf(standard: string): StoredStandardCertificate[] {
    let list = this.certificates.get(standard);
    if (!list) this.certificates.set(standard, (list = []));
    return list;
  }

  create(s: ReferenceStandard, actor: string, now: Date): Answer<S, StoredStandard> {
    return answer(this.db, () => {
      if (this.standards.has(s.id)) throw new ConflictError(`standard ${s.id} already exists`);
      const createdAt = now.toISOString();
      const row = {
        id: s.id,
        tenant: s.tenant ?? null,
        name: s.name,
        quantity: s.quantity,
        unit: s.unit,
        kind: s.kind ?? null,
        class: s.class ?? null,
        serial: s.serial ?? null,
        gas: s.gas ?? null,
        created_at: createdAt,
        created_by: actor,
      };
      // refused by the database too when another node registered the id first
      const written = refusedAs(
        () => this.db.atomically(() => [this.sql.insert.run(row), this.db.announce(STANDARDS_TOPIC)] as const),
        () => new ConflictError(`standard ${s.id} already exists`),
      );
      return this.inTurn(() =>
        after(written, () => {
          const stored: StoredStandard = { ...s, createdAt };
          this.standards.set(s.id, stored);
          return stored;
        }),
      );
    });
  }

  get(id: string): StoredStandard | undefined {
    return this.standards.get(id);
  }

  /** The standard `id` if an instrument of `tenant` may use it: the tenant's own, or the authority's. */
  usableBy(id: string, tenant: string): StoredStandard | undefined {
    const s = this.standards.get(id);
    return s && (s.tenant === undefined || s.tenant === tenant) ? s : undefined;
  }

  list(): StoredStandard[] {
    return [...this.standards.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  addCertificate(standard: string, c: StandardCertificate, actor: string, now: Date): Answer<S, StoredStandardCertificate> {
    const createdAt = now.toISOString();
    const row = {
      standard,
      number: c.number,
      issued_by: c.issuedBy,
      issued_at: c.issuedAt,
      valid_until: c.validUntil,
      uncertainty: c.uncertainty,
      traceable_to: c.traceableTo ?? null,
      as_found: c.asFound ? JSON.stringify(c.asFound) : null,
      created_at: createdAt,
      created_by: actor,
    };
    return answer(this.db, () => {
      const cached = this.certificatesOf(standard).find((x) => x.number === c.number);
      if (cached) throw new StandardCertificateOnRecord(cached, c);
      // of two nodes adding one number at once, the unique index (migration 0011) lets one add it;
      // the other is told as if it had it cached
      return this.inTurn(() =>
        recovered(
          () =>
            after(
              this.db.atomically(() => [this.sql.insertCertificate.get(row), this.db.announce(STANDARDS_TOPIC)] as const),
              ([inserted]) => {
                const stored: StoredStandardCertificate = { ...c, id: Number(inserted!.id), standard, createdAt };
                // a reload that ran meanwhile may have brought it already
                const list = this.listOf(standard);
                if (!list.some((x) => x.id === stored.id)) list.push(stored);
                return stored;
              },
            ),
          (e) => {
            if (!isConstraintViolation(e) || !isUniqueViolation(e)) throw e;
            return after(this.sql.certificateByNumber.get({ standard, number: c.number }), (r) => {
              if (!r) throw e;
              throw new StandardCertificateOnRecord(certFromRow(r), c);
            });
          },
        ),
      );
    });
  }

  /** The standard's certificates in the order they were added. */
  certificatesOf(standard: string): readonly StoredStandardCertificate[] {
    return this.certificates.get(standard) ?? [];
  }
}
