// Issue 4, reports: the measurement-assurance report of an enterprise (JSON and CSV, with spreadsheet
// formula injection neutralised) and the out-of-tolerance impact look-back (ISO/IEC 17025).
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EVIL_SERIAL = '=HYPERLINK("http://evil.example/x","click")';

/** RFC 4180 parser, enough for the report. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('assurance report and out-of-tolerance impact', () => {
  let t: TestGateway;
  let c: MqttClient;
  const T0 = Math.floor((Date.now() - 2 * DAY) / HOUR) * HOUR; // on the hour, two days ago
  const checkTimes = { lastPass: T0, fail: T0 + 6 * HOUR };

  beforeAll(async () => {
    t = await startTestGateway();
    c = await t.connect('bar-r1', await t.device({ id: 'bar-r1', tenant: 'rpt', type: 'barometer', serial: EVIL_SERIAL }));
    await t.device({ id: 'bar-r2', tenant: 'rpt', type: 'barometer', certificate: false });
    await t.device({ id: 'bar-x', tenant: 'elsewhere', type: 'barometer' });

    const check = (seq: number, ts: number, error: number) =>
      c.publishAsync(
        'instruments/bar-r1/checks',
        JSON.stringify({
          seq,
          ts: new Date(ts).toISOString(),
          indicated: 1000 + error,
          reference: 1000,
          referenceUncertainty: 0.02,
          unit: 'hPa',
          standardId: 'REF-1',
        }),
        { qos: 1 },
      );
    const reading = (seq: number, ts: number, value: number) =>
      c.publishAsync('instruments/bar-r1/readings', JSON.stringify({ seq, ts: new Date(ts).toISOString(), quantity: 'pressure', value, unit: 'hPa' }), {
        qos: 1,
      });
    // A drifting series of passing checks, then a failure six hours after the last pass.
    // (barometer TL = 0.3 hPa, U = 0.0208: pass up to 0.279, fail beyond 0.3208)
    // (Six passing checks, so that the slope is significant at the gateway's 99.9 % and a date is predicted.)
    await check(1, T0 - 150 * DAY, 0.0);
    await check(2, T0 - 120 * DAY, 0.05);
    await check(3, T0 - 90 * DAY, 0.1); // errors in the barometer's 0.01 hPa display steps
    await check(4, T0 - 60 * DAY, 0.15);
    await check(5, T0 - 30 * DAY, 0.2);
    await reading(1, T0 - 12 * HOUR, 1012.0); // before the last passing check: not impacted
    await check(6, checkTimes.lastPass, 0.27);
    for (let h = 1; h <= 5; h++) await reading(1 + h, T0 + h * HOUR, 1012 + h / 10);
    await check(7, checkTimes.fail, 0.33);
    await reading(7, T0 + 7 * HOUR, 1013.0); // after the finding: not in the look-back
    // in a hook, where expect.poll is not available
    await vi.waitFor(async () => expect((await t.call('GET', '/api/v1/devices/bar-r1/checks')).body.items.length, 'waiting for 7 checks').toBe(7), 30_000);
    await t.drained();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('lists each instrument with verification, check decisions, drift rate, predicted date and alerts (JSON)', async () => {
    const oot = (await t.call('GET', '/api/v1/alerts?device=bar-r1&kind=out-of-tolerance')).body.items[0];
    expect((await t.call('POST', `/api/v1/alerts/${oot.id}/resolve`, { reason: 'repaired', note: 'sensor replaced' })).status).toBe(200);

    const r = await t.call('GET', '/api/v1/reports/assurance?tenant=rpt&format=json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const items = r.body.items as any[];
    expect(items.map((x) => x.device).sort()).toEqual(['bar-r1', 'bar-r2']);
    const r1 = items.find((x) => x.device === 'bar-r1');
    const drift = (await t.call('GET', '/api/v1/devices/bar-r1/drift')).body;
    const alerts = (await t.call('GET', '/api/v1/alerts?device=bar-r1')).body.items as any[];
    expect(r1).toMatchObject({
      tenant: 'rpt',
      type: 'barometer',
      serial: EVIL_SERIAL,
      verificationState: 'valid',
      checks: 7,
      decisions: { pass: 6, 'conditional-pass': 0, 'conditional-fail': 0, fail: 1 },
      lastCheckAt: new Date(checkTimes.fail).toISOString(),
      driftPerDay: drift.slopePerDay,
      predictedOutOfToleranceAt: drift.predictedOutOfToleranceAt,
      alertsOpened: alerts.length,
      alertsResolved: alerts.filter((a) => a.state === 'resolved').length,
      alertsOpen: alerts.filter((a) => a.state !== 'resolved').length,
    });
    // The fixture's verification: valid for the barometer's legal 12 months (test/support/certificates.ts).
    const [cert] = (await t.call('GET', '/api/v1/devices/bar-r1/certificates')).body.items;
    expect(r1.verificationDue).toBe(new Date(cert.validUntil).toISOString());
    expect(r1.driftPerDay).toBeGreaterThan(0);
    expect(r1.predictedOutOfToleranceAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r1.alertsResolved).toBeGreaterThanOrEqual(1);
    const r2 = items.find((x) => x.device === 'bar-r2');
    expect(r2).toMatchObject({ verificationState: 'none', checks: 0, driftPerDay: null, predictedOutOfToleranceAt: null });

    // Another enterprise's operator cannot read this report.
    const other = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'elsewhere', name: 'elsewhere ops' })).body.token;
    expect((await t.call('GET', '/api/v1/reports/assurance?tenant=rpt', undefined, other)).status).toBe(404);
    const own = await t.call('GET', '/api/v1/reports/assurance', undefined, other);
    expect(own.body.items.map((x: any) => x.device)).toEqual(['bar-x']);
  });

  it('exports CSV with formula injection neutralised', async () => {
    const r = await t.call('GET', '/api/v1/reports/assurance?tenant=rpt&format=csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(r.body as string);
    const header = rows[0];
    expect(header).toEqual(
      expect.arrayContaining([
        'device',
        'serial',
        'verificationState',
        'checks',
        'pass',
        'fail',
        'driftPerDay',
        'predictedOutOfToleranceAt',
        'alertsOpened',
        'alertsResolved',
      ]),
    );
    const col = (name: string) => header.indexOf(name);
    const r1 = rows.find((x) => x[col('device')] === 'bar-r1')!;
    expect(r1[col('serial')]).toBe(`'${EVIL_SERIAL}`);
    expect(r1[col('checks')]).toBe('7');
    expect(r1[col('pass')]).toBe('6');
    expect(r1[col('fail')]).toBe('1');
    expect(r1[col('predictedOutOfToleranceAt')]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(r1[col('verificationState')]).toBe('valid');
    for (const row of rows) for (const cell of row) expect(cell, 'no cell starts a formula').not.toMatch(/^[=+@]/);
  });

  it('oot-impact returns the readings between the last passing check and the failing one', async () => {
    const r = await t.call('GET', '/api/v1/devices/bar-r1/oot-impact');
    expect(r.status).toBe(200);
    expect(r.body.finding).toMatchObject({ seq: 7, decision: 'fail', ts: new Date(checkTimes.fail).toISOString() });
    expect(r.body.lastPassingCheck).toMatchObject({ seq: 6, decision: 'pass', ts: new Date(checkTimes.lastPass).toISOString() });
    expect(r.body.from).toBe(new Date(checkTimes.lastPass).toISOString());
    expect(r.body.to).toBe(new Date(checkTimes.fail).toISOString());
    expect(r.body.items.map((x: any) => x.seq).sort()).toEqual([2, 3, 4, 5, 6]);
    for (const x of r.body.items) {
      expect(Date.parse(x.ts)).toBeGreaterThan(checkTimes.lastPass);
      expect(Date.parse(x.ts)).toBeLessThan(checkTimes.fail);
    }

    const csv = await t.call('GET', '/api/v1/devices/bar-r1/oot-impact?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(csv.body as string);
    expect(rows[0]).toEqual(expect.arrayContaining(['ts', 'seq', 'value', 'status']));
    expect(
      rows
        .slice(1)
        .map((x) => x[rows[0].indexOf('seq')])
        .sort(),
    ).toEqual(['2', '3', '4', '5', '6']);

    // The same readings as a workbook, as read back from InfluxDB: numbers typed, times on the enterprise's clock
    const res = await fetch(`${t.api}/api/v1/devices/bar-r1/oot-impact?format=xlsx`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="oot-impact-bar-r1.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const sheet = wb.worksheets[0]!;
    const head = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(head.slice(0, 6)).toEqual(['ts (Asia/Ho_Chi_Minh)', 'seq', 'quantity', 'value', 'raw', 'status']);
    const body = Array.from({ length: sheet.rowCount - 1 }, (_, i) => (sheet.getRow(i + 2).values as unknown[]).slice(1));
    expect(body.map((x) => x[1]).sort()).toEqual([2, 3, 4, 5, 6]);
    for (const x of body) {
      const item = r.body.items.find((i: { seq: number }) => i.seq === x[1]);
      expect(x[0]).toEqual(new Date(Date.parse(item.ts) + 7 * 3_600_000)); // UTC+7, the wall clock Excel shows
      expect(x[3]).toBe(item.value);
    }

    // No finding yet: nothing impacted.
    const clean = await t.call('GET', '/api/v1/devices/bar-r2/oot-impact');
    expect(clean.body).toMatchObject({ finding: null, items: [] });
  });

  it("oot-impact of a gas detector's CO finding looks back to its last CO pass, not a later O2 pass, over its CO readings only", async () => {
    const gd = await t.connect('gd-r1', await t.device({ id: 'gd-r1', tenant: 'rpt', type: 'gas-detector' }));
    const base = Date.now() - 10 * DAY;
    const send = (kind: 'readings' | 'checks', body: Record<string, unknown>) =>
      gd.publishAsync(`instruments/gd-r1/${kind}`, JSON.stringify({ ...body, ts: new Date(body.ts as number).toISOString() }), { qos: 1 });
    // CO: MPE max(5 ppm, 10 %) = 5 ppm at 50 ppm, so 51 passes and 60 fails; O2: 0.5 %vol, 20.9 passes.
    const co = (seq: number, ts: number, indicated: number) =>
      send('checks', { seq, ts, indicated, reference: 50, referenceUncertainty: 0.5, unit: 'ppm', gas: 'CO', point: 'span', standardId: 'CYL-CO-50' });
    await co(11, base, 51);
    await send('readings', { seq: 1, ts: base + DAY, quantity: 'concentration', gas: 'CO', value: 12, unit: 'ppm' });
    await send('readings', { seq: 2, ts: base + 2 * DAY, quantity: 'concentration', gas: 'O2', value: 20.9, unit: '%' });
    await send('checks', {
      seq: 12,
      ts: base + 8 * DAY,
      indicated: 20.9,
      reference: 20.9,
      referenceUncertainty: 0.05,
      unit: '%',
      gas: 'O2',
      point: 'span',
      standardId: 'CYL-O2-21',
    });
    await send('readings', { seq: 3, ts: base + 8.5 * DAY, quantity: 'concentration', gas: 'CO', value: 14, unit: 'ppm' });
    await send('readings', { seq: 4, ts: base + 8.6 * DAY, quantity: 'concentration', gas: 'O2', value: 20.8, unit: '%' });
    await co(13, base + 9 * DAY, 60);
    await vi.waitFor(async () => expect((await t.call('GET', '/api/v1/devices/gd-r1/checks')).body.items).toHaveLength(3), 10_000);
    await t.drained();
    const r = await t.call('GET', '/api/v1/devices/gd-r1/oot-impact');
    expect(r.body.finding).toMatchObject({ seq: 13, gas: 'CO', decision: 'fail' });
    expect(r.body.lastPassingCheck).toMatchObject({ seq: 11, gas: 'CO' });
    expect([r.body.from, r.body.to]).toEqual([new Date(base).toISOString(), new Date(base + 9 * DAY).toISOString()]);
    expect(r.body.items.map((x: { seq: number; tags: { gas: string } }) => [x.seq, x.tags.gas])).toEqual([
      [3, 'CO'],
      [1, 'CO'],
    ]);
  });
});
