import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { tableXlsx, wallClockDate } from './table-file.ts';

describe('wallClockDate', () => {
  it('gives the wall clock of the zone to the second as the UTC fields Excel keeps', () => {
    // 23:30:05.250Z on 31 March is 06:30:05 on 1 April in Vietnam (UTC+7, no daylight saving)
    expect(wallClockDate('2026-03-31T23:30:05.250Z', 'Asia/Ho_Chi_Minh')).toEqual(new Date(Date.UTC(2026, 3, 1, 6, 30, 5)));
    // valid through 31 March there: 23:59:59, not 23:59:59.999, which Excel shows as 01/04/2026 00:00:00
    expect(wallClockDate('2026-03-31T16:59:59.999Z', 'Asia/Ho_Chi_Minh')).toEqual(new Date(Date.UTC(2026, 2, 31, 23, 59, 59)));
    // Berlin in summer is UTC+2, in winter UTC+1
    expect(wallClockDate('2026-07-01T10:00:00Z', 'Europe/Berlin')).toEqual(new Date(Date.UTC(2026, 6, 1, 12)));
    expect(wallClockDate('2026-01-01T10:00:00Z', 'Europe/Berlin')).toEqual(new Date(Date.UTC(2026, 0, 1, 11)));
    expect(wallClockDate('not a time', 'UTC')).toBeNull();
  });
});

describe('tableXlsx', () => {
  it('writes typed cells: numbers, text that looks like a date or a number, booleans, empty cells, times', async () => {
    const buf = await tableXlsx({
      name: 'readiness',
      header: ['Doanh nghiệp', 'Đạt', 'serial', 'value', 'ok', 'note', 'at'],
      rows: [['Xăng dầu Bắc Giang', '2/2', '00123', 0.0012, true, null, '2026-04-01T01:00:00Z']],
      instants: ['at'],
      timeZone: 'Asia/Ho_Chi_Minh',
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Uint8Array.from(buf).buffer);
    const ws = wb.getWorksheet('readiness')!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['Doanh nghiệp', 'Đạt', 'serial', 'value', 'ok', 'note', 'at (Asia/Ho_Chi_Minh)']);
    const r = ws.getRow(2);
    expect(r.getCell(1).value).toBe('Xăng dầu Bắc Giang');
    expect(r.getCell(2).type).toBe(ExcelJS.ValueType.String); // "2/2" stays a text, not the 2nd of February
    expect(r.getCell(3).value).toBe('00123'); // a serial keeps its zeros
    expect(r.getCell(4).value).toBe(0.0012);
    expect(r.getCell(4).type).toBe(ExcelJS.ValueType.Number);
    expect(r.getCell(5).value).toBe(true);
    expect(r.getCell(6).type).toBe(ExcelJS.ValueType.Null);
    expect(r.getCell(7).value).toEqual(new Date(Date.UTC(2026, 3, 1, 8)));
    expect(r.getCell(7).numFmt).toBe('dd/mm/yyyy hh:mm:ss');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it("writes each row's times on its own enterprise's clock, the zones in a column when they differ; defuses formula-like text", async () => {
    const zones: Record<string, string> = { hn: 'Asia/Ho_Chi_Minh', be: 'Europe/Berlin' };
    const buf = await tableXlsx({
      name: 'assurance-all',
      header: ['tenant', 'due', 'point'],
      rows: [
        ['hn', '2026-03-31T16:59:59.999Z', '=HYPERLINK("http://x")'],
        ['be', '2026-03-31T21:59:59.999Z', 'Qmax'],
      ],
      instants: ['due'],
      zoneOfRow: (r) => zones[r[0] as string]!,
      timeZone: 'Asia/Ho_Chi_Minh',
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Uint8Array.from(buf).buffer);
    const ws = wb.worksheets[0]!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['tenant', 'due', 'point', 'timeZone']);
    // both valid through 31 March on their own clocks (Berlin in summer time: UTC+2)
    expect((ws.getRow(2).values as unknown[]).slice(1)).toEqual([
      'hn',
      new Date(Date.UTC(2026, 2, 31, 23, 59, 59)),
      `'=HYPERLINK("http://x")`,
      'Asia/Ho_Chi_Minh',
    ]);
    expect((ws.getRow(3).values as unknown[]).slice(1)).toEqual(['be', new Date(Date.UTC(2026, 2, 31, 23, 59, 59)), 'Qmax', 'Europe/Berlin']);
  });
});
