// The inspection store across a restart: record numbers, the inspection seq series of each
// instrument and the seals placed are read back from the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from './db.ts';
import { InspectionStore } from './inspections.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteState, queryBuilder } from './sql.ts';
import type { CheckResult } from '../metrology/types.ts';
import { sqliteStateTarget } from '../../test/support/state-targets.ts';
import { inspectionPartiesContract } from '../../test/support/inspection-parties-contract.ts';

// the record's parties (migration 0010) and the hash of a record closed before it: the contract
// kept on either database (the PostgreSQL run is test/integration/inspection-parties-postgres.test.ts)
inspectionPartiesContract('SQLite', async () => {
  const target = sqliteStateTarget('inspection-parties');
  const legacyDirs: string[] = [];
  const legacyDbs: { close(): void }[] = [];
  return {
    open: target.open,
    upgraded: async (rows) => {
      const legacyDir = mkdtempSync(join(tmpdir(), 'mag-inspections-0009-'));
      legacyDirs.push(legacyDir);
      const connection = new Database(join(legacyDir, 'mag.db'));
      const before = new SqliteState(connection);
      const schema = queryBuilder('sqlite').schema;
      const upTo = MIGRATIONS.findIndex((m) => m.name.startsWith('0010-'));
      for (const m of MIGRATIONS.slice(0, upTo)) for (const statement of m.up(schema, 'sqlite')) before.execute(statement.compile());
      connection.pragma(`user_version = ${upTo}`);
      for (const [table, list] of Object.entries(rows))
        for (const row of list)
          connection
            .prepare(
              `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
                .map(() => '?')
                .join(', ')})`,
            )
            .run(...Object.values(row));
      connection.close();
      const db = openStateDb(legacyDir);
      legacyDbs.push(db);
      return db;
    },
    close: async () => {
      for (const db of legacyDbs) db.close();
      for (const d of legacyDirs) rmSync(d, { recursive: true, force: true });
      await target.close();
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mag-inspections-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const AT = new Date('2026-03-15T02:30:00Z');
const facts = { sealsIntact: true, verificationMarkValid: true, certificateValid: true, verification: { state: 'valid' as const, validUntil: null } };
const check = {
  ts: AT.getTime(),
  unit: 'L',
  indicated: 20.12,
  corrected: 20.12,
  reference: 20,
  error: 0.12,
  relativeError: 0.006,
  mpe: 0.09,
  uncertainty: 0.007,
  en: 17,
  legal: 'fail',
  decision: 'fail',
  regime: 'inService',
  standardId: 'PM-20L-07',
} satisfies Omit<CheckResult, 'seq'>;
const opening = { tenant: 'cxd', region: 'VN-BG', startedAt: AT.toISOString(), inspectors: ['Hùng'], openedBy: 'inspector:Hùng:t' };

describe('InspectionStore', () => {
  it('numbers records per year and inspection checks per instrument downwards, across a restart', () => {
    let db = openStateDb(dir);
    let store = new InspectionStore(db);
    const a = store.open(opening, AT);
    expect(a.id).toBe('BBKT-2026-0001');
    expect(
      store
        .addItem({ inspection: a.id, device: 'fd-1', facts, verdict: 'fail', reasons: ['check-fail'], recordedBy: 'x' }, [check, check], AT)
        .checks.map((c) => c.seq),
    ).toEqual([-1, -2]);
    db.close();
    db = openStateDb(dir);
    store = new InspectionStore(db);
    expect(store.open(opening, AT).id).toBe('BBKT-2026-0002');
    expect(store.open({ ...opening, startedAt: '2027-01-02T00:00:00.000Z' }, AT).id).toBe('BBKT-2027-0001');
    expect(store.addItem({ inspection: a.id, device: 'fd-1', facts, verdict: 'fail', reasons: [], recordedBy: 'x' }, [check], AT).checks[0].seq).toBe(-3);
    expect(store.addItem({ inspection: a.id, device: 'fd-2', facts, verdict: 'fail', reasons: [], recordedBy: 'x' }, [check], AT).checks[0].seq).toBe(-1);
    expect(store.items(a.id).map((i) => i.checks.map((c) => c.seq))).toEqual([[-1, -2], [-3], [-1]]);
    db.close();
  });

  it('keeps an instrument sealed off across a restart until its finding is closed', () => {
    let db = openStateDb(dir);
    let store = new InspectionStore(db);
    const a = store.open(opening, AT);
    const f = store.addFinding({ inspection: a.id, tenant: 'cxd', device: 'fd-1', kind: 'sealed-off', description: 'x', openedBy: 'y' }, AT);
    store.addFinding({ inspection: a.id, tenant: 'cxd', device: 'fd-2', kind: 'violation', description: 'not a seal', openedBy: 'y' }, AT);
    db.close();
    db = openStateDb(dir);
    store = new InspectionStore(db);
    expect(store.sealOf('fd-1')).toEqual({ finding: `${a.id}-F1`, inspection: a.id, since: AT.toISOString() });
    expect(store.sealOf('fd-2')).toBeUndefined();
    expect(store.answer(f.id, 'đã sửa', 'op', AT)?.state).toBe('answered');
    expect(store.sealOf('fd-1')).toBeDefined(); // an answer does not lift it
    expect(store.closeFinding(f.id, 'kiểm định lại đạt', 'insp', AT)?.state).toBe('closed');
    expect(store.sealOf('fd-1')).toBeUndefined();
    expect(store.closeFinding(f.id, 'again', 'insp', AT)).toBeUndefined();
    db.close();
    expect(new InspectionStore((db = openStateDb(dir))).sealOf('fd-1')).toBeUndefined();
    db.close();
  });
});
