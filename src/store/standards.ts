// Reference standards and their own calibration certificates: the state database is the owner; the
// check path reads the in-memory cache (one lookup per check), kept current by this module's writes.
import type { Db } from './db.ts';
import { query, type Arg, type Statements } from './sql.ts';
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

export class StandardStore {
  private standards = new Map<string, StoredStandard>();
  private certificates = new Map<string, StoredStandardCertificate[]>();
  private readonly sql: Statements<typeof Q>;

  constructor(db: Db) {
    this.sql = db.prepareAll(Q);
    for (const r of this.sql.standards.all()) this.standards.set(r.id, standardFromRow(r));
    for (const r of this.sql.certificates.all()) this.listOf(r.standard).push(certFromRow(r));
  }

  private listOf(standard: string): StoredStandardCertificate[] {
    let list = this.certificates.get(standard);
    if (!list) this.certificates.set(standard, (list = []));
    return list;
  }

  create(s: ReferenceStandard, actor: string, now: Date): StoredStandard {
    if (this.standards.has(s.id)) throw new ConflictError(`standard ${s.id} already exists`);
    const createdAt = now.toISOString();
    this.sql.insert.run({
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
    });
    const stored: StoredStandard = { ...s, createdAt };
    this.standards.set(s.id, stored);
    return stored;
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

  addCertificate(standard: string, c: StandardCertificate, actor: string, now: Date): StoredStandardCertificate {
    const createdAt = now.toISOString();
    const row = this.sql.insertCertificate.get({
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
    })!;
    const stored: StoredStandardCertificate = { ...c, id: Number(row.id), standard, createdAt };
    this.listOf(standard).push(stored);
    return stored;
  }

  /** The standard's certificates in the order they were added. */
  certificatesOf(standard: string): readonly StoredStandardCertificate[] {
    return this.certificates.get(standard) ?? [];
  }
}
