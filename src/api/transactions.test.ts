// A fuel dispenser's transactions through the API alone (real stores, the embedded sink, no broker):
// written as the gateway journals them (Ingest's line protocol), read back newest first by period,
// nozzle and limit; refused for a type whose readings are not transactions; another enterprise's
// dispenser is not found; CSV and workbook in the reader's language.
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiUnderTest, type ApiUnderTest } from '../../test/support/api.ts';
import { gatewayLinesOf, type Sale } from '../../test/support/sink-contract.ts';
import type { Sink } from '../sinks/sink.ts';

const NOW = new Date('2026-11-22T00:00:00Z');
const E5 = 'Xăng E5 RON 92-II';
const DO = 'Dầu DO 0,05S-II';
// seq n at T0 + n minutes: 15:0n on 21/11/2026 in Vietnam
const SALES: Sale[] = [
  { seq: 1, nozzle: 1, product: E5, volume: 20.06, unitPrice: 20570, amount: 412634, totalizerStart: 104230.5, totalizerEnd: 104250.56 },
  { seq: 2, nozzle: 2, product: DO, volume: 45.5, unitPrice: 18960, amount: 862680, totalizerStart: 88000, totalizerEnd: 88045.5 },
  // the totalizer jumped 10 L before it: the audit's tamper alert; stored as sent
  { seq: 3, nozzle: 1, product: E5, volume: 10, unitPrice: 20570, amount: 205700, totalizerStart: 104260.56, totalizerEnd: 104270.56 },
];

let api: ApiUnderTest;
let op: { north: string; south: string };
let insp: { hanoi: string; saigon: string };

beforeEach(async () => {
  api = apiUnderTest({ now: () => NOW });
  for (const [id, region] of [
    ['north', 'VN-HN'],
    ['south', 'VN-SG'],
  ])
    expect((await api.call('POST', '/api/v1/tenants', { body: { id, name: id, region } })).status).toBe(201);
  for (const [id, tenant, type] of [
    ['fuel-n1', 'north', 'fuel-dispenser'],
    ['fuel-s1', 'south', 'fuel-dispenser'],
    ['baro-n1', 'north', 'barometer'],
  ])
    expect((await api.call('POST', '/api/v1/devices', { body: { id, tenant, type, serial: `SN-${id}` } })).status).toBe(201);
  const sink = api.deps.readings as unknown as Sink;
  for (const [device, tenant] of [
    ['fuel-n1', 'north'],
    ['fuel-s1', 'south'],
  ]) {
    const { lines, count } = gatewayLinesOf(device, SALES, tenant);
    await sink.writeLines(lines, count);
  }
  op = { north: api.token('operator', { tenant: 'north' }), south: api.token('operator', { tenant: 'south' }) };
  insp = { hanoi: api.token('inspector', { regions: ['VN-HN'] }), saigon: api.token('inspector', { regions: ['VN-SG'] }) };
});
afterEach(() => api.close());

const get = (path: string, token?: string) => api.call('GET', path, { token });
const seqs = async (q: string, token?: string) =>
  ((await get(`/api/v1/devices/fuel-n1/transactions${q}`, token)).body.items as { seq: number }[]).map((x) => x.seq);

describe('GET /api/v1/devices/{id}/transactions', () => {
  it("answers the dispenser's transactions newest first, with their stored fields", async () => {
    const r = await get('/api/v1/devices/fuel-n1/transactions', op.north);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(3);
    expect(r.body.items[0]).toEqual({
      ts: '2026-11-21T08:03:00.000Z',
      seq: 3,
      nozzle: '1',
      product: E5,
      volume: 10,
      unitPrice: 20570,
      amount: 205700,
      totalizerStart: 104260.56,
      totalizerEnd: 104270.56,
    });
    expect(r.body.items[2]).toEqual({
      ts: '2026-11-21T08:01:00.000Z',
      seq: 1,
      nozzle: '1',
      product: E5,
      volume: 20.06,
      unitPrice: 20570,
      amount: 412634,
      totalizerStart: 104230.5,
      totalizerEnd: 104250.56,
    });
    expect(await seqs('', insp.hanoi)).toEqual([3, 2, 1]);
  });

  it('takes from/to as the readings do (days of the enterprise, to included), a nozzle, a limit', async () => {
    expect(await seqs('?from=2026-11-21&to=2026-11-21')).toEqual([3, 2, 1]);
    expect(await seqs('?to=2026-11-20')).toEqual([]);
    // a date-time without a zone is Vietnam's wall clock: 15:02 there is seq 2's instant, included
    expect(await seqs('?from=2026-11-21T15:02&to=2026-11-21T15:02')).toEqual([2]);
    expect(await seqs('?nozzle=1')).toEqual([3, 1]);
    expect(await seqs('?nozzle=2')).toEqual([2]);
    expect(await seqs('?nozzle=9')).toEqual([]);
    expect(await seqs('?limit=2')).toEqual([3, 2]);
    const reversed = await get('/api/v1/devices/fuel-n1/transactions?from=2026-11-22&to=2026-11-21');
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details).toEqual([{ path: 'from', message: 'from must not be after to; received from=2026-11-22, to=2026-11-21' }]);
    expect((await get('/api/v1/devices/fuel-n1/transactions?limit=0')).status).toBe(400);
  });

  it('is a 400 for an instrument whose readings are not transactions (a barometer), saying where its readings are', async () => {
    const r = await get('/api/v1/devices/baro-n1/transactions', op.north);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.message).toBe(
      'instrument baro-n1 is a barometer, whose readings are not transactions: only fuel-dispenser record them; read its readings at /api/v1/devices/baro-n1/readings',
    );
    expect(r.body.error.details).toEqual([{ path: 'id', message: r.body.error.message }]);
  });

  it("is a 404 for another enterprise's dispenser, as for one that does not exist", async () => {
    const other = await get('/api/v1/devices/fuel-s1/transactions', op.north);
    expect(other.status).toBe(404);
    expect((await get('/api/v1/devices/fuel-n1/transactions', op.south)).status).toBe(404);
    expect((await get('/api/v1/devices/fuel-n1/transactions', insp.saigon)).status).toBe(404);
    // the same answer as a dispenser that does not exist, and no 400 that would tell a barometer is there
    expect(other.body.error.message.replace('fuel-s1', 'X')).toBe(
      (await get('/api/v1/devices/ghost/transactions', op.north)).body.error.message.replace('ghost', 'X'),
    );
    expect((await get('/api/v1/devices/baro-n1/transactions', op.south)).status).toBe(404);
  });

  it('comes as CSV with Vietnamese headers, UTC instants and the product as sent', async () => {
    const r = await get('/api/v1/devices/fuel-n1/transactions?format=csv&lang=vi&nozzle=2', op.north);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="transactions-fuel-n1.csv"');
    expect(r.text.trim().split('\r\n')).toEqual([
      'Thời điểm,Số thứ tự,Vòi bơm,Nhiên liệu,Thể tích (L),Đơn giá,Thành tiền,Số tổng đầu (L),Số tổng cuối (L)',
      '2026-11-21T08:02:00.000Z,2,2,"Dầu DO 0,05S-II",45.5,18960,862680,88000,88045.5',
    ]);
    const en = await get('/api/v1/devices/fuel-n1/transactions?format=csv&limit=1', op.north);
    expect(en.text.split('\r\n')[0]).toBe('Time,Seq,Nozzle,Product,Volume (L),Unit price,Amount,Totalizer at start (L),Totalizer at end (L)');
  });

  it("comes as a workbook: typed numbers, times on the enterprise's clock", async () => {
    const res = await api.app.request('/api/v1/devices/fuel-n1/transactions?format=xlsx&lang=vi', { headers: { authorization: `Bearer ${op.north}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="transactions-fuel-n1.xlsx"');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('Thời điểm (Asia/Ho_Chi_Minh)');
    // 15:03 on 21/11/2026 in Vietnam, Excel's zone-less date
    expect((ws.getRow(2).getCell(1).value as Date).toISOString()).toBe('2026-11-21T15:03:00.000Z');
    expect(ws.getRow(2).getCell(5).value).toBe(10);
    expect(ws.getRow(2).getCell(4).value).toBe(E5);
  });
});
