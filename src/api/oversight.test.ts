// The inspector's overview, readiness ranking, periodic report and checks list through the API
// alone (real stores in a temp directory, no broker): what each token sees, that every figure's
// link lists exactly what it counts, and the same figures as JSON, XLSX and PDF.
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { readPdf } from '../../test/support/pdf-text.ts';
import { CheckStore } from '../store/checks.ts';
import type { CheckResult } from '../metrology/types.ts';
import type { FleetFigures } from '../oversight/figures.ts';

const NOW = new Date('2026-03-15T05:00:00Z'); // noon in Hà Nội
/** A printed report's lines from its cover's period line on (below the letterhead). */
/** A query string of `fields`, each encoded. */
const query = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
const fromCover = (lines: string[]) => lines.slice(lines.findIndex((l) => /^(Kỳ báo cáo|Period):/.test(l)));
/** The instruments are registered a year earlier, before any certificate below is due or issued (no verification alert of the registration's own). */
const REGISTERED = new Date('2025-03-01T00:00:00Z');
let now = REGISTERED;
let api: ApiUnderTest;
let tok: { hanoi: string; saigon: string; north: string };

beforeEach(async () => {
  now = REGISTERED;
  api = apiUnderTest({ now: () => now });
  for (const t of [
    { id: 'north', name: 'North Fuel', region: 'VN-HN' },
    { id: 'hill', name: '=SUM(A1) Market', region: 'VN-HN' }, // a name a spreadsheet would run
    { id: 'south', name: 'South Airport', region: 'VN-SG' },
  ])
    expect((await api.call('POST', '/api/v1/tenants', { body: t })).status).toBe(201);
  const device = async (id: string, tenant: string, type: string, cert?: [string, string]) => {
    expect((await api.call('POST', '/api/v1/devices', { body: { id, tenant, type, serial: `SN-${id}` } })).status).toBe(201);
    // a certificate is posted once issued (one issued ahead of the clock is refused): on its day, at noon in Hà Nội
    if (cert) now = new Date(Math.max(REGISTERED.getTime(), Date.parse(`${cert[0]}T05:00:00Z`)));
    if (cert)
      expect(
        (
          await api.call('POST', `/api/v1/devices/${id}/certificates`, {
            body: { kind: 'verification', number: `V-${id}`, issuedBy: 'QUATEST 1', issuedAt: cert[0], validUntil: cert[1] },
          })
        ).status,
      ).toBe(201);
    now = REGISTERED;
  };
  await device('n1', 'north', 'barometer', ['2026-01-15', '2027-01-15']); // valid
  await device('n2', 'north', 'gas-detector', ['2025-10-01', '2026-04-01']); // due soon (17 days)
  await device('h1', 'hill', 'barometer', ['2025-01-01', '2026-01-01']); // expired
  await device('s1', 'south', 'barometer'); // none
  // all four send telemetry (readiness scores checks on schedule only of instruments the gateway has heard from)
  for (const id of ['n1', 'n2', 'h1', 's1']) api.deps.registry.markSeen(id, Date.parse('2026-03-01T00:00:00Z'));
  const checks = new CheckStore(api.db);
  let seq = 0;
  const check = (device: string, iso: string, decision: CheckResult['decision']) =>
    checks.insert(
      device,
      '',
      {
        seq: ++seq,
        ts: Date.parse(iso),
        decision,
        legal: decision.endsWith('fail') ? 'fail' : 'pass',
        error: 0,
        mpe: 0.3,
        uncertainty: 0.05,
        unit: 'hPa',
      } as CheckResult,
      NOW.toISOString(),
    );
  check('n1', '2026-02-03T02:00:00Z', 'pass');
  check('n1', '2026-02-10T02:00:00Z', 'fail');
  check('n1', '2026-02-17T02:00:00Z', 'pass');
  check('n1', '2026-03-03T02:00:00Z', 'pass');
  check('n1', '2026-03-10T02:00:00Z', 'conditional-pass');
  check('h1', '2026-03-02T02:00:00Z', 'fail');
  check('h1', '2026-03-05T02:00:00Z', 'conditional-fail');
  check('h1', '2026-03-08T02:00:00Z', 'pass');
  check('h1', '2026-03-11T02:00:00Z', 'pass');
  check('s1', '2025-04-20T02:00:00Z', 'pass');
  const alerts = api.deps.alerts;
  const raise = (tenant: string, device: string, kind: 'offline' | 'verification-overdue' | 'drift' | 'out-of-tolerance', at: string, resolvedAt?: string) => {
    const a = alerts.raise({ tenant, device, kind, severity: 'warning', summary: kind, details: {}, at: new Date(at) })!.alert;
    if (resolvedAt) alerts.resolve(a.id, 'operator:test', { reason: 'adjusted' }, new Date(resolvedAt));
  };
  raise('south', 's1', 'offline', '2025-12-01T00:00:00Z', '2025-12-11T00:00:00Z');
  raise('hill', 'h1', 'verification-overdue', '2026-01-01T00:00:00Z');
  raise('north', 'n2', 'drift', '2026-02-01T00:00:00Z', '2026-02-25T00:00:00Z');
  raise('north', 'n1', 'out-of-tolerance', '2026-02-20T00:00:00Z', '2026-02-23T00:00:00Z');
  raise('hill', 'h1', 'out-of-tolerance', '2026-03-10T00:00:00Z');
  raise('north', 'n1', 'drift', '2026-03-15T00:00:00Z');
  // the inspector's own work: two inspections (one in each province), findings of each state, a campaign per province
  const inspection = async (tenant: string, startedAt: string) => {
    now = new Date(Date.parse(startedAt) + 3_600_000); // opened once started (a start ahead of the clock is refused)
    const r = await api.call('POST', '/api/v1/inspections', { body: { tenant, startedAt, inspectors: ['Nguyễn Văn A'] } });
    now = REGISTERED;
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const finding = async (record: string) => {
    const r = await api.call('POST', `/api/v1/inspections/${record}/findings`, { body: { kind: 'observation', description: 'niêm phong mờ' } });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const northRecord = await inspection('north', '2026-02-05T02:00:00Z');
  await finding(northRecord);
  expect((await api.call('POST', `/api/v1/findings/${await finding(northRecord)}/answer`, { body: { text: 'đã thay niêm phong' } })).status).toBe(200);
  await finding(await inspection('south', '2026-02-06T02:00:00Z'));
  for (const [id, region] of [
    ['hn-2026', 'VN-HN'],
    ['sg-2026', 'VN-SG'],
  ]) {
    expect(
      (
        await api.call('POST', '/api/v1/campaigns', {
          body: { id, name: `Kiểm định cân ${region}`, region, markets: [{ name: 'Chợ Hôm' }], from: '2026-02-01', to: '2026-02-28', team: ['A'] },
        })
      ).status,
    ).toBe(201);
  }
  now = NOW;
  tok = {
    hanoi: api.token('inspector', { regions: ['VN-HN'] }),
    saigon: api.token('inspector', { regions: ['VN-SG'] }),
    north: api.token('operator', { tenant: 'north' }),
  };
});
afterEach(() => api.close());

const figure = (f: FleetFigures, section: string, id: string) => f.sections.find((s) => s.id === section)!.figures.find((x) => x.id === id)!;
const values = (f: FleetFigures) => f.sections.map((s) => [s.id, s.figures.map((x) => [x.id, x.value]), s.tables.map((t) => t.rows.map((r) => r.values))]);

describe('GET /api/v1/overview', () => {
  it("counts the inspector's province only", async () => {
    const r = await api.call('GET', '/api/v1/overview', { token: tok.hanoi });
    expect(r.status).toBe(200);
    const f = r.body as FleetFigures;
    expect(f.sections.find((s) => s.id === 'enterprises')!.tables[0].rows.map((x) => x.values.tenant)).toEqual(['hill', 'north']);
    // n1 valid, n2 due soon, h1 expired; s1 (Sài Gòn) is not this inspector's
    expect(['total', 'valid', 'due-soon', 'expired', 'none'].map((id) => figure(f, 'instruments', id).value)).toEqual([3, 1, 1, 1, 0]);
    // 5 checks of n1, 4 of h1; failed: n1's fail, h1's fail and conditional fail
    expect([figure(f, 'checks', 'checks').value, figure(f, 'checks', 'failed').value]).toEqual([9, 3]);
    // open: h1 overdue (73 d) and out-of-tolerance (5 d), n1 drift (5 h)
    expect(['open', 'age-under1d', 'age-1to7d', 'age-7to30d', 'age-over30d'].map((id) => figure(f, 'alerts', id).value)).toEqual([3, 1, 1, 0, 1]);
    expect(figure(f, 'due', 'due30').value).toBe(1);
    const saigon = (await api.call('GET', '/api/v1/overview', { token: tok.saigon })).body as FleetFigures;
    expect(figure(saigon, 'instruments', 'total').value).toBe(1);
    expect(figure(saigon, 'alerts', 'opened').value).toBe(1);
    const operator = (await api.call('GET', '/api/v1/overview', { token: tok.north })).body as FleetFigures;
    expect(figure(operator, 'enterprises', 'total').value).toBe(1);
    // one inspection in Hà Nội with one finding open and one answered; the Hà Nội campaign only
    expect(['inspections', 'findings', 'openFindings', 'answeredFindings'].map((id) => figure(f, 'inspections', id).value)).toEqual([1, 2, 1, 1]);
    expect(figure(f, 'campaigns', 'campaigns').value).toBe(1);
    expect(figure(saigon, 'inspections', 'findings').value).toBe(1);
    // an operator sees its own inspections, and no campaigns (the authority's work, 403 on their routes)
    expect(figure(operator, 'inspections', 'inspections').value).toBe(1);
    expect(operator.sections.map((s) => s.id)).not.toContain('campaigns');
  });

  it('links each count to a list of exactly what it counts, for the same token', async () => {
    for (const [token, region] of [
      [tok.hanoi, ''],
      [api.token('admin'), 'VN-HN'],
      [api.token('admin'), ''],
    ] as const) {
      const f = (await api.call('GET', `/api/v1/overview${region ? `?region=${region}` : ''}`, { token })).body as FleetFigures;
      const links: [string, number, string][] = [];
      for (const s of f.sections) {
        for (const x of s.figures) if (x.unit === 'count') links.push([`${s.id}.${x.id}`, x.value!, x.href!]);
        for (const t of s.tables) {
          for (const row of t.rows) {
            for (const [col, href] of Object.entries(row.links ?? {}))
              if (typeof row.values[col] === 'number' && col !== 'score') links.push([`${s.id}.${t.id}.${col}`, row.values[col] as number, href]);
          }
        }
      }
      expect(links.length).toBeGreaterThan(40);
      for (const [what, value, href] of links) {
        expect(href, what).toMatch(/^\/api\/v1\//);
        const list = await api.call('GET', href, { token });
        expect(list.status, `${what}: ${href}`).toBe(200);
        expect(list.body.items.length, `${what}: ${href}`).toBe(value);
      }
    }
  });

  it('answers 404 for a region the inspector does not cover, 400 for one that is not a region', async () => {
    expect((await api.call('GET', '/api/v1/overview?region=VN-SG', { token: tok.hanoi })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/overview?region=Hanoi', { token: tok.hanoi })).status).toBe(400);
    // a code of the right form that is no province: refused naming the field, not a report of zeros titled "VN-XX"
    const typo = await api.call('GET', '/api/v1/reports/periodic?region=VN-XX', { token: api.token('admin') });
    expect(typo.status).toBe(400);
    expect(typo.body.error.details).toEqual([
      { path: 'region', message: expect.stringMatching(/^region VN-XX is neither a province .* nor the region of a registered enterprise$/) },
    ]);
  });
});

describe('GET /api/v1/readiness', () => {
  it('ranks the enterprises in scope with their parts, and exports them as CSV with formulas defused', async () => {
    const r = await api.call('GET', '/api/v1/readiness', { token: tok.hanoi });
    expect(r.status).toBe(200);
    expect(r.body.rules.weights).toEqual({ verification: 40, checksOnSchedule: 30, alertsHandled: 20, lotsPassed: 10 });
    // north: verified 2/2, checked 1/2 (n1), alerts in time 1/2 (n1 out-of-tolerance in 3 d; n2 drift in 24 d, late):
    //   (40·100 + 30·50 + 20·50) / 90 = 72.2 → 72
    // hill: verified 0/1, checked 1/1, its out-of-tolerance open 5 days (not yet late): (40·0 + 30·100) / 70 = 42.9 → 43
    expect(r.body.items.map((i: { tenant: string; rank: number; score: number }) => [i.tenant, i.rank, i.score])).toEqual([
      ['north', 1, 72],
      ['hill', 2, 43],
    ]);
    const csv = await api.call('GET', '/api/v1/readiness?format=csv&lang=vi', { token: tok.hanoi });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^Địa bàn,Mã địa bàn,Hạng,Mã doanh nghiệp,Doanh nghiệp,Điểm,/);
    expect(lines[1]).toMatch(/^Hà Nội,VN-HN,1,north,North Fuel,72,Sắp hết hạn,2,100,2\/2,50,1\/2,50,1\/2,,$/);
    expect(lines[2]).toContain(",'=SUM(A1) Market,");
    // the file starts with UTF-8's byte-order mark, so Excel reads the Vietnamese as UTF-8 (a Response's
    // text() drops it: the bytes are read)
    const raw = new Uint8Array(
      await (await api.app.request('/api/v1/readiness?format=csv&lang=vi', { headers: { authorization: `Bearer ${tok.hanoi}` } })).arrayBuffer(),
    );
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw).startsWith('\uFEFFĐịa bàn,')).toBe(true);

    // as a workbook: the shares numbers, "2/2" a text (a CSV's "2/2" opens in Excel as 2 February)
    const xlsx = await api.app.request('/api/v1/readiness?format=xlsx&lang=vi', { headers: { authorization: `Bearer ${tok.hanoi}` } });
    expect(xlsx.headers.get('content-disposition')).toBe('attachment; filename="readiness-all.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const sheet = wb.worksheets[0]!;
    expect((sheet.getRow(1).values as unknown[]).slice(1, 6)).toEqual(['Địa bàn', 'Mã địa bàn', 'Hạng', 'Mã doanh nghiệp', 'Doanh nghiệp']);
    expect((sheet.getRow(2).values as unknown[]).slice(1, 13)).toEqual([
      'Hà Nội',
      'VN-HN',
      1,
      'north',
      'North Fuel',
      72,
      'Sắp hết hạn',
      2,
      100,
      '2/2',
      50,
      '1/2',
    ]);
  });
});

describe('one readiness score wherever it is shown', () => {
  it('scores an instrument never heard from (a market scale) alike on GET /readiness, the overview and the periodic report', async () => {
    // hill gets a barometer with no certificate that has never sent anything: checks on schedule count h1 alone
    expect((await api.call('POST', '/api/v1/devices', { body: { id: 'h2', tenant: 'hill', type: 'barometer', serial: 'SN-h2' } })).status).toBe(201);
    // hill: verified 0/2, checked 1/1 (h2 is not expected to send checks): (40·0 + 30·100) / 70 = 42.9 → 43
    // (scored as if h2 had to send checks: (40·0 + 30·50) / 70 = 21.4 → 21)
    const readiness = (await api.call('GET', '/api/v1/readiness', { token: tok.hanoi })).body;
    const scores = Object.fromEntries(readiness.items.map((i: { tenant: string; score: number }) => [i.tenant, i.score]));
    expect(scores).toEqual({ north: 72, hill: 43 });
    const tableScores = (figures: FleetFigures) =>
      Object.fromEntries(figures.sections.find((x) => x.id === 'enterprises')!.tables[0]!.rows.map((r) => [r.values.tenant, r.values.score]));
    const overview = (await api.call('GET', '/api/v1/overview', { token: tok.hanoi })).body as FleetFigures;
    expect(tableScores(overview)).toEqual(scores);
    const report = (await api.call('GET', `/api/v1/reports/periodic?from=${overview.from}&to=${overview.to}`, { token: tok.hanoi })).body as FleetFigures;
    expect(tableScores(report)).toEqual(scores);
  });
});

describe('GET /api/v1/reports/periodic', () => {
  it("gives the overview's figures for the overview's period", async () => {
    const overview = (await api.call('GET', '/api/v1/overview', { token: tok.hanoi })).body as FleetFigures;
    const report = await api.call('GET', `/api/v1/reports/periodic?from=${overview.from}&to=${overview.to}`, { token: tok.hanoi });
    expect(report.status).toBe(200);
    // and the places of business judged on the period's checks: the report's alone (the landing page would
    // read every check of its twelve months at each visit; the console shows GET /places there)
    expect(values(report.body).filter(([id]) => id !== 'places')).toEqual(values(overview));
    expect(report.body.sections.map((s: { id: string }) => s.id)).toContain('places');
    expect(overview.sections.map((s) => s.id)).not.toContain('places');
  });

  it("reports the last full quarter by default, its standing as of the quarter's end", async () => {
    const r = await api.call('GET', '/api/v1/reports/periodic', { token: tok.hanoi });
    expect(r.body.period).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    expect(r.body.asOf).toBe('2025-12-31T17:00:00.000Z');
    // on 1 January 2026: n1's certificate not yet issued (none), n2 valid to April, h1 due that day (due soon)
    expect(['valid', 'due-soon', 'expired', 'none'].map((id) => figure(r.body, 'instruments', id).value)).toEqual([1, 1, 0, 1]);
    expect(figure(r.body, 'instruments', 'valid').href).toBeNull(); // no list says "valid on 1 January"
    expect(r.body.sections.find((s: { id: string }) => s.id === 'trends').tables[0].rows.map((x: { values: { month: string } }) => x.values.month)).toEqual([
      '2025-10',
      '2025-11',
      '2025-12',
    ]);
  });

  it("leaves out of a past quarter's report the instruments and enterprises registered after it, unless their checks reach back into it", async () => {
    now = NOW; // 15 March 2026: registered now, after the fourth quarter of 2025
    expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'late', name: 'Late Market', region: 'VN-HN' } })).status).toBe(201);
    for (const id of ['late-1', 'late-2', 'n-late']) {
      const tenant = id === 'n-late' ? 'north' : 'late';
      expect((await api.call('POST', '/api/v1/devices', { body: { id, tenant, type: 'barometer', serial: `SN-${id}` } })).status).toBe(201);
    }
    const q4 = async () => (await api.call('GET', '/api/v1/reports/periodic?from=2025-10-01&to=2025-12-31', { token: tok.hanoi })).body;
    // as before they were registered: n1 none, n2 valid, h1 due soon (the quarter's end, 1 January)
    const before = await q4();
    expect(['valid', 'due-soon', 'expired', 'none'].map((id) => figure(before, 'instruments', id).value)).toEqual([1, 1, 0, 1]);
    // a device that backfilled a check of November is in the quarter, with its enterprise
    new CheckStore(api.db).insert(
      'late-2',
      '',
      { seq: 1, ts: Date.parse('2025-11-20T02:00:00Z'), decision: 'pass', legal: 'pass', error: 0, mpe: 0.3, uncertainty: 0.05, unit: 'hPa' } as CheckResult,
      NOW.toISOString(),
    );
    const withBackfill = await q4();
    expect(['valid', 'due-soon', 'expired', 'none'].map((id) => figure(withBackfill, 'instruments', id).value)).toEqual([1, 1, 0, 2]);
    const table = withBackfill.sections
      .find((s: { id: string }) => s.id === 'enterprises')
      .tables[0].rows.map((x: { values: { tenant: string } }) => x.values.tenant);
    expect(table).toContain('late');
  });

  it('writes an XLSX with a sheet per section, headers in the chosen language, and the same figures', async () => {
    const json = (await api.call('GET', '/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&lang=vi', { token: tok.hanoi })).body as FleetFigures;
    const res = await api.app.request('/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&lang=vi&format=xlsx', {
      headers: { authorization: `Bearer ${tok.hanoi}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="bao-cao-dinh-ky-all-2026-01-01-2026-03-15.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Báo cáo định kỳ',
      'Doanh nghiệp',
      'Phương tiện đo',
      'Kiểm tra bằng chuẩn',
      'Cảnh báo',
      'Sai số có lợi cho người sử dụng',
      'Đến hạn kiểm định',
      'Xu hướng',
      'Kiểm tra tại cơ sở',
      'Kiểm định lưu động',
      'Lô hàng đóng gói sẵn',
    ]);
    // the cover's instants as Hà Nội's date and time: the quarter so far ends now (noon on 15 March), not raw UTC
    const cover = new Map<string, unknown>();
    wb.getWorksheet('Báo cáo định kỳ')!.eachRow((row) => cover.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(cover.get('Kỳ báo cáo')).toBe('01/01/2026 – 15/03/2026');
    expect(cover.get('Địa bàn')).toBe('Tất cả địa bàn');
    expect(cover.get('Số liệu tính đến')).toBe('12:00 ngày 15/03/2026 (giờ Việt Nam, UTC+7)');
    for (const s of json.sections) {
      const ws = wb.getWorksheet(s.label)!;
      const rows = new Map<string, unknown>();
      ws.eachRow((row) => rows.set(String(row.getCell(1).value), row.getCell(2).value));
      for (const x of s.figures) expect(rows.get(x.label), `${s.id}.${x.id}`).toBe(x.value);
    }
    const names: string[] = [];
    const regions: string[] = [];
    wb.getWorksheet('Doanh nghiệp')!.eachRow((row) => {
      names.push(String(row.getCell(2).value));
      regions.push(`${row.getCell(3).value} ${row.getCell(4).value}`);
    });
    expect(names).toContain("'=SUM(A1) Market");
    // the province by name, its code in a column of its own
    expect(regions.slice(-3)).toEqual(['Địa bàn Mã địa bàn', 'Hà Nội VN-HN', 'Hà Nội VN-HN']);
  });

  it('names the province of a quarter that has ended and gives its figures as of the end of its last day, in both languages', async () => {
    now = new Date('2026-04-15T03:00:00Z'); // 10:00 on 15 April in Hà Nội
    const q1 = async (format: string, lang: string, token = tok.hanoi) =>
      api.app.request(`/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&region=VN-HN&lang=${lang}&format=${format}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const json = (await (await q1('json', 'vi')).json()) as FleetFigures;
    expect([json.region, json.regionName, json.asOf]).toEqual(['VN-HN', 'Hà Nội', '2026-03-31T17:00:00.000Z']);
    const vi = readPdf(Buffer.from(await (await q1('pdf', 'vi')).arrayBuffer()));
    expect(fromCover(vi.lines).slice(0, 3)).toEqual([
      'Kỳ báo cáo: 01/01/2026 – 31/03/2026',
      'Địa bàn: Hà Nội',
      'Số liệu tính đến hết ngày 31/03/2026 · Thời điểm lập: 10:00 ngày 15/04/2026 (giờ Việt Nam, UTC+7)',
    ]);
    // the code only in the campaign's name, as it was given (beforeEach)
    expect(vi.lines.filter((l) => l.includes('VN-HN'))).toEqual(['Kiểm định cân VN-HN']);
    const en = readPdf(Buffer.from(await (await q1('pdf', 'en')).arrayBuffer()));
    expect(fromCover(en.lines).slice(0, 3)).toEqual([
      'Period: 01/01/2026 – 31/03/2026',
      'Region: Ha Noi',
      'Figures as of the end of 31/03/2026 · Generated: 10:00 on 15/04/2026 (Vietnam time, UTC+7)',
    ]);
    // Bắc Giang, asked for by an admin (the project's VN-BG: ISO 3166-2:VN's VN-54)
    const bg = readPdf(
      Buffer.from(
        await (
          await api.app.request('/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&region=VN-BG&lang=vi&format=pdf', {
            headers: { authorization: `Bearer ${api.token('admin')}` },
          })
        ).arrayBuffer(),
      ),
    );
    // dated where Bắc Giang's authority sits on the day the report was made: Bắc Ninh since 1 July 2025
    expect(bg.lines[4]).toBe('Bắc Ninh, ngày 15 tháng 4 năm 2026');
    expect(fromCover(bg.lines).slice(1, 3)).toEqual([
      'Địa bàn: Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)',
      'Số liệu tính đến hết ngày 31/03/2026 · Thời điểm lập: 10:00 ngày 15/04/2026 (giờ Việt Nam, UTC+7)',
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await (await q1('xlsx', 'en')).arrayBuffer());
    const cover: unknown[][] = [];
    wb.worksheets[0].eachRow((row) => cover.push((row.values as unknown[]).slice(1)));
    expect(cover.slice(1, 5)).toEqual([
      ['Period', '01/01/2026 – 31/03/2026'],
      ['Region', 'Ha Noi', 'VN-HN'],
      ['Figures as of', 'the end of 31/03/2026 (Vietnam time, UTC+7)'],
      ['Generated', '10:00 on 15/04/2026 (Vietnam time, UTC+7)'],
    ]);
  });

  it('writes a PDF with the DejaVu font embedded and the Vietnamese text readable from it', async () => {
    const res = await api.app.request('/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&lang=vi&format=pdf', {
      headers: { authorization: `Bearer ${tok.hanoi}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = readPdf(Buffer.from(await res.arrayBuffer()));
    expect(pdf.pages).toBeGreaterThanOrEqual(1);
    // the oblique for the place-and-date line and the hint under the signature
    expect(pdf.fonts.map((f) => f.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSans-Oblique']);
    // nothing asked for: the issuer, the number and, for all regions, the place left to fill in by hand; the day the report was made
    const dots = '…'.repeat(14);
    expect(pdf.lines.slice(0, 7)).toEqual([
      dots,
      'Số: ……/BC-……',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      `${dots}, ngày 15 tháng 3 năm 2026`,
      'BÁO CÁO',
      'Tình hình phương tiện đo từ ngày 01/01/2026 đến ngày 15/03/2026',
    ]);
    expect(pdf.lines.slice(pdf.lines.indexOf('Nơi nhận:'), -1)).toEqual([
      'Nơi nhận:',
      `- ${dots};`,
      `- ${dots};`,
      `- ${dots}.`,
      dots,
      '(Ký, ghi rõ họ tên)',
      dots,
    ]);
    expect(pdf.text).toContain('Kỳ báo cáo: 01/01/2026 – 15/03/2026'); // the quarter so far: it ends now
    expect(pdf.text).toContain('Số liệu tính đến 12:00 ngày 15/03/2026'); // now, in Hà Nội
    expect(pdf.text).toContain('Khí áp kế');
    expect(pdf.text).toContain('Cảnh báo chưa xử lý');
    expect(pdf.text).toMatch(/Trang 1\/\d+/);
    const en = readPdf(
      Buffer.from(
        await (
          await api.app.request('/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&format=pdf', { headers: { authorization: `Bearer ${tok.hanoi}` } })
        ).arrayBuffer(),
      ),
    );
    expect(en.lines.slice(5, 7)).toEqual(['REPORT', 'On measuring instruments from 01/01/2026 to 15/03/2026']);
    expect(en.text).toContain('Open alerts');
  });

  it("prints the issuer, number, recipients and signer asked for, dated in the report's province on the day it was made (PDF and XLSX cover)", async () => {
    now = new Date('2026-04-15T03:00:00Z'); // 10:00 on 15 April in Hà Nội
    const letterhead = query({
      parentAuthority: 'UBND thành phố Hà Nội',
      authority: 'Sở Khoa học và Công nghệ',
      number: '15/BC-SKHCN',
      signer: 'Trần Thị Lan',
      signerTitle: 'KT. Giám đốc\nPhó Giám đốc',
      recipients: 'Bộ Khoa học và Công nghệ; UBND thành phố Hà Nội; Lưu: VT',
    });
    const q1 = async (format: string) =>
      api.app.request(`/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&region=VN-HN&lang=vi&format=${format}&${letterhead}`, {
        headers: { authorization: `Bearer ${tok.hanoi}` },
      });
    const pdf = readPdf(Buffer.from(await (await q1('pdf')).arrayBuffer()));
    expect(pdf.lines.slice(0, 9)).toEqual([
      'UBND THÀNH PHỐ HÀ NỘI',
      'SỞ KHOA HỌC VÀ CÔNG NGHỆ',
      'Số: 15/BC-SKHCN',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'Hà Nội, ngày 15 tháng 4 năm 2026',
      'BÁO CÁO',
      'Tình hình phương tiện đo từ ngày 01/01/2026 đến ngày 31/03/2026',
      'Kỳ báo cáo: 01/01/2026 – 31/03/2026',
    ]);
    expect(pdf.lines.slice(pdf.lines.indexOf('Nơi nhận:'), -1)).toEqual([
      'Nơi nhận:',
      '- Bộ Khoa học và Công nghệ;',
      '- UBND thành phố Hà Nội;',
      '- Lưu: VT.',
      'KT. GIÁM ĐỐC',
      'PHÓ GIÁM ĐỐC',
      'Trần Thị Lan',
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await (await q1('xlsx')).arrayBuffer());
    const cover = new Map<string, unknown>();
    wb.worksheets[0].eachRow((row) => cover.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(
      ['Cơ quan chủ quản', 'Cơ quan ban hành', 'Số', 'Địa danh, ngày ban hành', 'Nơi nhận', 'Chức vụ người ký', 'Người ký'].map((k) => cover.get(k)),
    ).toEqual([
      'UBND THÀNH PHỐ HÀ NỘI',
      'SỞ KHOA HỌC VÀ CÔNG NGHỆ',
      '15/BC-SKHCN',
      'Hà Nội, ngày 15 tháng 4 năm 2026',
      'Bộ Khoa học và Công nghệ',
      'KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC',
      'Trần Thị Lan',
    ]);
    // the place given instead of the province
    const placed = readPdf(Buffer.from(await (await q1(`pdf&place=${encodeURIComponent('Thành phố Hà Nội')}`)).arrayBuffer()));
    expect(placed.lines[5]).toBe('Thành phố Hà Nội, ngày 15 tháng 4 năm 2026');
  });

  it('refuses a letterhead field too long, with a control character, or with too many lines or recipients, naming it', async () => {
    const refused = async (fields: Record<string, string>) => {
      const r = await api.call('GET', `/api/v1/reports/periodic?format=pdf&${query(fields)}`, { token: tok.hanoi });
      expect(r.status).toBe(400);
      return r.body.error.details as { path: string; message: string }[];
    };
    expect(await refused({ authority: 'A'.repeat(121) })).toEqual([
      { path: 'authority', message: `authority must be at most 120 characters long; received "${'A'.repeat(59)}… (123 characters)` },
    ]);
    expect(await refused({ number: '12/BC-SKHCN'.padEnd(61, '-') })).toEqual([
      { path: 'number', message: `number must be at most 60 characters long; received "12/BC-SKHCN${'-'.repeat(48)}… (63 characters)` },
    ]);
    const controls =
      'must not hold control characters (a tab, a line break: U+0000–U+001F, U+007F–U+009F, U+2028, U+2029): the printed report would misplace them';
    expect(await refused({ signer: 'Nguyễn\tVăn Hùng' })).toEqual([{ path: 'signer', message: `signer ${controls}; received "Nguyễn\\tVăn Hùng"` }]);
    expect(await refused({ place: 'Hà Nội\u0000' })).toEqual([{ path: 'place', message: `place ${controls}; received "Hà Nội\\u0000"` }]);
    // the signer's title may break into lines, at most 3, with a line feed and nothing else
    expect((await refused({ signerTitle: 'KT. GIÁM ĐỐC\r\nPHÓ GIÁM ĐỐC' }))[0].path).toBe('signerTitle');
    expect(await refused({ signerTitle: 'A\nB\nC\nD' })).toEqual([
      { path: 'signerTitle', message: 'signerTitle must be at most 3 lines, as "KT. GIÁM ĐỐC%0APHÓ GIÁM ĐỐC" is 2; received "A\\nB\\nC\\nD"' },
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `Nơi ${i + 1}`).join(';');
    expect((await refused({ recipients: eleven }))[0]).toMatchObject({
      path: 'recipients',
      message: expect.stringMatching(/^recipients must name at most 10 recipients, separated by ";"; received /),
    });
    expect((await refused({ recipients: `Bộ Khoa học và Công nghệ;${'x'.repeat(151)}` }))[0]).toMatchObject({
      path: 'recipients.1',
      message: expect.stringMatching(/^recipients\.1 must be at most 150 characters long; received "x{59}… \(153 characters\)$/),
    });
    expect(await refused({ recipients: ' ; ' })).toEqual([
      { path: 'recipients', message: 'recipients must name at least one recipient, separated by ";"; received []' },
    ]);
  });

  it('refuses a period that ends before it starts', async () => {
    const r = await api.call('GET', '/api/v1/reports/periodic?from=2026-03-01&to=2026-01-01', { token: tok.hanoi });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ path: 'from', message: 'from must not be after to; received from=2026-03-01, to=2026-01-01' }]);
  });
});

describe('list filters behind the figures', () => {
  it('lists checks by period, type and decision, of visible instruments only', async () => {
    const ids = async (q: string, token = tok.hanoi) =>
      ((await api.call('GET', `/api/v1/checks?${q}`, { token })).body.items as { device: string; ts: string }[]).map((c) => `${c.device}@${c.ts.slice(5, 10)}`);
    expect(await ids('from=2026-03-01&to=2026-03-31')).toEqual(['h1@03-11', 'n1@03-10', 'h1@03-08', 'h1@03-05', 'n1@03-03', 'h1@03-02']);
    expect(await ids('from=2026-03-01&to=2026-03-31&decision=failed')).toEqual(['h1@03-05', 'h1@03-02']);
    expect(await ids('from=2026-02-01&to=2026-02-28&tenant=north&decision=passed')).toEqual(['n1@02-17', 'n1@02-03']);
    expect(await ids('from=2025-01-01&to=2026-03-31&type=barometer', tok.saigon)).toEqual(['s1@04-20']);
  });

  it('filters devices by verification, region and due date, and enterprises by their standing', async () => {
    const admin = api.token('admin');
    const devices = async (q: string) => ((await api.call('GET', `/api/v1/devices?${q}`, { token: admin })).body.items as { id: string }[]).map((d) => d.id);
    expect(await devices('region=VN-HN')).toEqual(['h1', 'n1', 'n2']);
    expect(await devices('verification=expired')).toEqual(['h1']);
    expect(await devices('status=none')).toEqual(['s1']);
    expect(await devices('dueWithinDays=30')).toEqual(['n2']);
    expect(await devices('dueWithinDays=400')).toEqual(['n1', 'n2']);
    const tenants = async (q: string) => ((await api.call('GET', `/api/v1/tenants?${q}`, { token: admin })).body.items as { id: string }[]).map((d) => d.id);
    expect(await tenants('verification=due-soon')).toEqual(['north']);
    expect(await tenants('region=VN-SG&verification=none')).toEqual(['south']);
  });

  it('filters alerts by unresolved state, opening and resolution times and region', async () => {
    const kinds = async (q: string) =>
      ((await api.call('GET', `/api/v1/alerts?${q}`, { token: api.token('admin') })).body.items as { device: string; kind: string }[])
        .map((a) => `${a.device}:${a.kind}`)
        .sort();
    expect(await kinds('state=unresolved')).toEqual(['h1:out-of-tolerance', 'h1:verification-overdue', 'n1:drift']);
    expect(await kinds('openedFrom=2026-02-01&openedTo=2026-03-01')).toEqual(['n1:out-of-tolerance', 'n2:drift']);
    expect(await kinds('state=resolved&resolvedFrom=2026-02-24T00:00:00Z')).toEqual(['n2:drift']);
    expect(await kinds('region=VN-SG')).toEqual(['s1:offline']);
    expect((await api.call('GET', '/api/v1/alerts?openedFrom=yesterday')).status).toBe(400);
  });
});

describe('places of business whose errors lean one way (GET /places; NIST HB44 G-UR.4.1)', () => {
  /** Fuel dispensers registered at their enterprise's sites. */
  const stations = async (list: [id: string, tenant: string, site: string][]) => {
    for (const [id, tenant, site] of list)
      expect((await api.call('POST', '/api/v1/devices', { body: { id, tenant, type: 'fuel-dispenser', serial: `SN-${id}`, site } })).status).toBe(201);
  };
  /** A dispenser's passing check at 20 L in trade (MPE 0.09 L) with `error`, stored at the instant `time` names; seq from `seq0` + 1. */
  const checkAt20L = (seq0: number, time: (at: string) => string) => {
    const checks = new CheckStore(api.db);
    let seq = seq0;
    return (device: string, at: string, error: number) =>
      checks.insert(
        device,
        '',
        {
          seq: ++seq,
          ts: Date.parse(time(at)),
          decision: 'pass',
          legal: 'pass',
          error,
          mpe: 0.09,
          uncertainty: 0.0115,
          unit: 'L',
          reference: 20,
        } as CheckResult,
        NOW.toISOString(),
      );
  };

  it("judges a station on all its nozzles' checks of the period, lists findings first, as JSON and CSV, within the token's regions", async () => {
    now = NOW;
    // North Fuel's station 3 (VN-HN): three nozzles, five checks in all, each +0.05 L at 20 L in trade (MPE 0.09 L):
    // 5 of 5 in the seller's favour, p = 1/32, mean 0.05/0.09 = 0.5556 MPE: a finding. Its station 7: +0.05 and −0.05
    // (1 of 2, p = 3/4). South's station (VN-SG), the same five checks: not the Hà Nội inspector's to see.
    await stations([
      ['fd-31', 'north', 'Cửa hàng số 3'],
      ['fd-32', 'north', 'Cửa hàng số 3'],
      ['fd-33', 'north', 'Cửa hàng số 3'],
      ['fd-71', 'north', 'Cửa hàng số 7'],
      ['fd-s1', 'south', 'Trạm sân bay'],
    ]);
    const dispenserCheck = checkAt20L(100, (day) => `2026-${day}T02:00:00Z`);
    for (const [device, day] of [
      ['fd-31', '02-02'],
      ['fd-32', '02-03'],
      ['fd-33', '02-04'],
      ['fd-31', '03-02'],
      ['fd-32', '03-03'],
    ])
      dispenserCheck(device, day, 0.05);
    dispenserCheck('fd-71', '02-05', 0.05);
    dispenserCheck('fd-71', '03-05', -0.05);
    for (const day of ['02-02', '02-03', '02-04', '03-02', '03-03']) dispenserCheck('fd-s1', day, 0.05);

    const r = await api.call('GET', '/api/v1/places', { token: tok.hanoi });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // the last 90 days to now; the barometers' checks have no rule and make no place
    expect(r.body).toMatchObject({ from: '2025-12-15T05:00:00.000Z', to: '2026-03-15T05:00:00.001Z' });
    expect(r.body.items.map((i: { tenant: string; site: string; finding: boolean }) => [i.tenant, i.site, i.finding])).toEqual([
      ['north', 'Cửa hàng số 3', true],
      ['north', 'Cửa hàng số 7', false],
    ]);
    expect(r.body.items[0]).toMatchObject({
      type: 'fuel-dispenser',
      favoured: 'seller',
      instruments: 3,
      checks: 5,
      onSellerSide: 5,
      onBuyerSide: 0,
      pValue: 1 / 32,
    });
    expect(r.body.items[0].meanErrorMpe).toBeCloseTo(0.05 / 0.09, 12);
    expect(r.body.items[1]).toMatchObject({ checks: 2, onSellerSide: 1, onBuyerSide: 1, pValue: 0.75 });
    // findings only; a period that leaves out February: station 3's two March checks alone (2 < 5)
    expect((await api.call('GET', '/api/v1/places?findings=true', { token: tok.hanoi })).body.items).toHaveLength(1);
    const march = await api.call('GET', '/api/v1/places?from=2026-03-01&to=2026-03-15', { token: tok.hanoi });
    expect(march.body.items.find((i: { site: string }) => i.site === 'Cửa hàng số 3')).toMatchObject({ checks: 2, finding: false });
    // the Sài Gòn inspector sees South's station only
    const saigon = await api.call('GET', '/api/v1/places', { token: tok.saigon });
    expect(saigon.body.items.map((i: { tenant: string; finding: boolean }) => [i.tenant, i.finding])).toEqual([['south', true]]);
    // a spreadsheet in Vietnamese
    const csv = await api.call('GET', '/api/v1/places?format=csv&lang=vi&findings=true', { token: tok.hanoi });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'Mã doanh nghiệp,Địa điểm,Loại phương tiện đo,Bên được lợi,Số phương tiện đo,Số phép kiểm tra,Lợi cho người bán,Lợi cho người mua,Sai số trung bình / MPE,p,Phát hiện',
    );
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^north,Cửa hàng số 3,Cột đo xăng dầu,người bán,3,5,5,0,0\.555\d*,0\.03125,có$/)]);
    // a period that ends before it starts
    const reversed = await api.call('GET', '/api/v1/places?from=2026-03-01&to=2026-02-01', { token: tok.hanoi });
    expect(reversed.status).toBe(400);
  });

  it("carries the places with a finding into the periodic report, judged as GET /places judges them, within the token's scope", async () => {
    now = NOW;
    // North Fuel's station 5 (VN-HN): two nozzles, each +0.06 L three times at 20 L in trade (MPE 0.09 L): 6 of 6 in the
    // seller's favour, p = 1/64 = 0.015625, mean 0.06/0.09 = 0.667 of the MPE: a finding. Its station 8: +0.06 and −0.06
    // in turn, 3 of 6, p = (20 + 15 + 6 + 1)/64 = 0.65625: judged, not listed. South's station (VN-SG): 6 of 6 as well.
    await stations([
      ['fd-51', 'north', 'Cửa hàng số 5'],
      ['fd-52', 'north', 'Cửa hàng số 5'],
      ['fd-81', 'north', 'Cửa hàng số 8'],
      ['fd-s1', 'south', 'Trạm sân bay'],
    ]);
    const dispenserCheck = checkAt20L(200, (at) => `2026-${at}Z`);
    for (let day = 2; day <= 7; day++) {
      dispenserCheck(day % 2 ? 'fd-52' : 'fd-51', `02-0${day}T02:00:00`, 0.06);
      dispenserCheck('fd-81', `02-0${day}T03:00:00`, day % 2 ? -0.06 : 0.06);
      dispenserCheck('fd-s1', `02-0${day}T02:00:00`, 0.06);
    }
    type Places = { figures: { id: string; value: number; href: string | null }[]; tables: { rows: { values: Record<string, unknown> }[] }[]; notes: string[] };
    const report = async (token: string, lang = 'en') =>
      (await api.call('GET', `/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&lang=${lang}`, { token })).body as FleetFigures;
    const placesOf = (f: FleetFigures) => f.sections.find((s) => s.id === 'places') as unknown as Places;
    const hanoi = await report(tok.hanoi);
    // after the alerts
    expect(hanoi.sections.map((s) => s.id).slice(3, 6)).toEqual(['alerts', 'places', 'due']);
    const places = placesOf(hanoi);
    // checks read: the 12 of North's dispensers and the barometers' 9 of the quarter so far (no rule: no place)
    expect(places.figures.map((x) => [x.id, x.value])).toEqual([
      ['places', 2],
      ['findings', 1],
      ['checks', 21],
    ]);
    expect(places.tables[0].rows.map((r) => r.values)).toEqual([
      {
        tenant: 'north',
        name: 'North Fuel',
        site: 'Cửa hàng số 5',
        typeId: 'fuel-dispenser',
        type: 'Fuel dispenser',
        favouredId: 'seller',
        favoured: 'seller',
        k: 6,
        m: 6,
        pValue: 0.015625,
        meanErrorMpe: expect.closeTo(0.06 / 0.09, 12),
      },
    ]);
    expect(places.notes).toHaveLength(1); // fewer than 100,000 checks: nothing left out
    // its counts link to GET /places of the report's period, which judges alike for the same token
    for (const x of places.figures.filter((f) => f.href !== null)) {
      const list = await api.call('GET', x.href!, { token: tok.hanoi });
      expect(list.status, x.href!).toBe(200);
      expect(list.body.items.length, x.id).toBe(x.value);
      expect(list.body.items[0]).toMatchObject({ tenant: 'north', site: 'Cửa hàng số 5', onSellerSide: 6, checksCounted: 6, pValue: 1 / 64, finding: true });
    }
    // the Sài Gòn inspector's report: South's station only; North's places are not his to see
    const saigon = placesOf(await report(tok.saigon));
    expect(saigon.figures.map((x) => [x.id, x.value]).slice(0, 2)).toEqual([
      ['places', 1],
      ['findings', 1],
    ]);
    expect(saigon.tables[0].rows.map((r) => [r.values.name, r.values.site, r.values.k, r.values.m])).toEqual([['South Airport', 'Trạm sân bay', 6, 6]]);
    // North's operator: its own two places
    expect(placesOf(await report(tok.north)).figures[0].value).toBe(2);

    // printed: the section's sheet in the workbook, its row in the PDF with p as the record prints it
    const file = async (format: string) =>
      Buffer.from(
        await (
          await api.app.request(`/api/v1/reports/periodic?from=2026-01-01&to=2026-03-31&lang=vi&format=${format}`, {
            headers: { authorization: `Bearer ${tok.hanoi}` },
          })
        ).arrayBuffer(),
      );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Uint8Array.from(await file('xlsx')).buffer);
    const rows: unknown[][] = [];
    wb.getWorksheet('Sai số có lợi cho người sử dụng')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'North Fuel')!.slice(0, 7)).toEqual(['North Fuel', 'Cửa hàng số 5', 'Cột đo xăng dầu', 'người bán', 6, 6, 0.015625]);
    expect(rows.some((r) => r[0] === 'South Airport')).toBe(false);
    const pdf = readPdf(await file('pdf'));
    const row = pdf.lines.indexOf('North Fuel', pdf.lines.indexOf('Sai số có lợi cho người sử dụng'));
    expect(pdf.lines.slice(row, row + 8)).toEqual(['North Fuel', 'Cửa hàng số 5', 'Cột đo xăng dầu', 'người bán', '6', '6', '0,016', '+0,67']);
    expect(pdf.lines).not.toContain('Cửa hàng số 8');
  });
});
