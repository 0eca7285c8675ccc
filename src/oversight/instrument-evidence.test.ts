// The instrument's measurement-assurance file from hand-made facts: the strings an inspector reads,
// worked out by hand (days and times on the enterprise's clock, Vietnamese numbers), the empty
// sections, and which certificates and alerts belong to the period.
import { describe, expect, it } from 'vitest';
import type { SeriesDriftView } from '../metrology/drift.ts';
import type { CheckResult } from '../metrology/types.ts';
import { checkRow, instrumentEvidence, type InstrumentEvidence } from './instrument-evidence.ts';
import { CHECK, evidenceFacts } from './evidence-fixtures.ts';

const facts = evidenceFacts;

const section = (e: InstrumentEvidence, id: string) => e.sections.find((s) => s.id === id)!;
const table = (e: InstrumentEvidence, id: string) => {
  const b = section(e, id).blocks.find((x) => 'table' in x);
  return b && 'table' in b ? b.table : undefined;
};

describe('instrumentEvidence', () => {
  it('dates the period and the file on the enterprise clock, in its own name', () => {
    const e = instrumentEvidence(facts());
    expect(e.head).toEqual({ issuer: 'CÔNG TY XĂNG DẦU BẮC', number: 'Số: ……/……', dated: 'Hà Nội, ngày 15 tháng 3 năm 2026' });
    expect(e.title).toBe('HỒ SƠ ĐẢM BẢO ĐO LƯỜNG CỦA PHƯƠNG TIỆN ĐO');
    expect(e.subject).toBe('Phương tiện đo fd-1 (Cột đo xăng dầu, số sê-ri SN-0042) từ ngày 01/04/2025 đến ngày 31/03/2026');
    expect(e.period).toBe('Thời kỳ: từ ngày 01/04/2025 đến ngày 31/03/2026 (giờ Việt Nam, UTC+7).');
    expect(e.generated).toBe('Lập bằng MAG lúc 12:00 ngày 15/03/2026');
    // the same instants read in UTC start a day earlier: the zone is the enterprise's, not the server's
    expect(instrumentEvidence(facts({ zone: 'UTC' })).subject).toBe(
      'Phương tiện đo fd-1 (Cột đo xăng dầu, số sê-ri SN-0042) từ ngày 31/03/2025 đến ngày 31/03/2026',
    );
  });

  it('describes the instrument and its standing at both ends of the period', () => {
    expect(section(instrumentEvidence(facts()), 'instrument').blocks.map((b) => ('line' in b ? b.line : ''))).toEqual([
      'Mã phương tiện đo: fd-1',
      'Loại: Cột đo xăng dầu',
      'Số sê-ri: SN-0042',
      'Vị trí sử dụng: Cửa hàng số 5',
      'Cấp chính xác: 0.5',
      'Phạm vi đo: 0 – 9.999,99 L',
      'Doanh nghiệp sử dụng: Công ty Xăng dầu Bắc (north), địa bàn Hà Nội',
      'Tình trạng kiểm định theo hồ sơ MAG đầu kỳ (01/04/2025): còn hiệu lực đến hết ngày 30/04/2025',
      'Tình trạng kiểm định theo hồ sơ MAG cuối kỳ (31/03/2026): chưa có giấy chứng nhận',
    ]);
  });

  it('lists the certificate in force at the start and those issued in the period, not one that ended the day before', () => {
    expect(table(instrumentEvidence(facts()), 'certificates')!.rows).toEqual([
      ['Kiểm định', 'KĐ-2024-01', 'QUATEST 1', '01/04/2024', '30/04/2025', 'có hiệu lực tại đầu kỳ'],
      ['Hiệu chuẩn', 'HC-2025-9', 'VMI', '01/04/2025', '31/03/2026', 'cấp trong kỳ; U = 0,01 L (k = 2)'],
    ]);
  });

  it('writes a check with its unit, relative error, both decisions and its standard', () => {
    expect(checkRow(CHECK, 'vi', 'Asia/Ho_Chi_Minh')).toEqual([
      '01/04/2025\n00:30',
      'Qmax',
      '20,146 L',
      '20 L',
      '+0,146 L (+0,73 %)',
      '±0,15 L',
      '0,007 L',
      'Đạt',
      'Đạt có điều kiện',
      'PM-1\nGCN hiệu chuẩn HC-1\nbảo đảm liên kết chuẩn',
    ]);
    expect(checkRow(CHECK, 'en', 'UTC')).toEqual([
      '31/03/2025\n17:30',
      'Qmax',
      '20.146 L',
      '20 L',
      '+0.146 L (+0.73 %)',
      '±0.15 L',
      '0.007 L',
      'Pass',
      'Conditional pass',
      'PM-1\ncalibration cert. HC-1\ntraceable',
    ]);
    // a zero gas: no relative error, the absolute one alone; a standard not traceable, and why under the table
    const zero: CheckResult = {
      ...CHECK,
      unit: '[ppm]',
      indicated: 3,
      reference: 0,
      error: 3,
      relativeError: null,
      mpe: 5,
      uncertainty: 1,
      legal: 'pass',
      decision: 'pass',
      gas: 'CO',
      point: 'zero',
      traceable: false,
      traceabilityKind: 'expired',
      traceabilityIssue: 'the calibration of standard GAS-1 expired on 2025-03-01 (certificate G-1), before this check of 2025-04-01',
      standardId: 'GAS-1',
      standardCertificate: undefined,
    };
    expect(checkRow(zero, 'vi', 'Asia/Ho_Chi_Minh').slice(1, 10)).toEqual([
      'CO · zero',
      '3 ppm',
      '0 ppm',
      '+3 ppm',
      '±5 ppm',
      '1 ppm',
      'Đạt',
      'Đạt',
      'GAS-1\nkhông bảo đảm liên kết chuẩn',
    ]);
    const checks = section(
      instrumentEvidence(facts({ checks: [zero, { ...CHECK, seq: 8, ts: CHECK.ts + 60_000, legal: 'fail', decision: 'fail' }] })),
      'checks',
    );
    expect(checks.blocks.filter((b) => 'line' in b)).toEqual([
      { line: 'Số phép kiểm tra: 2; không đạt theo kết luận pháp định: 1.' },
      {
        line: 'Phép kiểm tra lúc 00:30 01/04/2025: chuẩn GAS-1 không bảo đảm liên kết chuẩn (giấy chứng nhận hiệu chuẩn của chuẩn đã hết hiệu lực tại thời điểm kiểm tra).',
        warning: true,
      },
    ]);
    // in English, MAG's own sentence
    const en = section(instrumentEvidence(facts({ lang: 'en', checks: [zero] })), 'checks').blocks.at(-1);
    expect(en).toEqual({
      line: 'Check of 01/04/2025 00:30: standard GAS-1 was not traceable (the calibration of standard GAS-1 expired on 2025-03-01 (certificate G-1), before this check of 2025-04-01).',
      warning: true,
    });
  });

  it('names the standards used with their calibrations in force, and one the register does not hold', () => {
    const e = instrumentEvidence(facts({ standards: [...facts().standards, { id: 'PM-9', certificates: [] }] }));
    expect(section(e, 'standards').blocks).toEqual([
      { line: 'PM-1 — Bình chuẩn 20 L (Bình chuẩn dung tích; cấp chính xác II; chuẩn của doanh nghiệp)', bold: true },
      {
        table: {
          id: 'standard-certificates',
          headers: ['Số GCN hiệu chuẩn', 'Phòng thí nghiệm', 'U (k = 2)', 'Ngày cấp', 'Hiệu lực đến hết ngày', 'Liên kết đến'],
          rows: [['HC-1', 'VMI', '0,004 L', '10/01/2025', '09/01/2026', 'VMI']],
        },
      },
      { line: 'PM-9 — không có trong sổ chuẩn của doanh nghiệp hoặc của cơ quan quản lý trên MAG', bold: true, warning: true },
    ]);
  });

  it('lists the alerts open in the period with who acknowledged and resolved them', () => {
    expect(table(instrumentEvidence(facts()), 'alerts')!.rows).toEqual([
      [
        'Đạt có điều kiện',
        'Qmax',
        'cảnh báo',
        '00:30 01/04/2025',
        'đã xử lý',
        'Nguyễn Văn An (doanh nghiệp)\n09:15 01/04/2025\nghi chú: đã kiểm tra lại vòi 2',
        // MAG's clearing note is English: the Vietnamese file gives the reason alone
        'MAG (tự động)\n10:00 02/04/2025\nTự hết',
      ],
    ]);
    expect(table(instrumentEvidence(facts({ lang: 'en' })), 'alerts')!.rows[0]!.at(-1)).toBe(
      'MAG (automatic)\n02/04/2025 10:00\nCleared by itself: a later check passed',
    );
  });

  it('says "Không có" for each section with nothing of the period', () => {
    const e = instrumentEvidence(facts({ certificates: [], checks: [], standards: [], alerts: [] }));
    for (const id of ['certificates', 'checks', 'standards', 'drift', 'alerts']) expect(section(e, id).blocks, id).toEqual([{ line: 'Không có.' }]);
    expect(section(instrumentEvidence(facts({ lang: 'en', checks: [] })), 'checks').blocks).toEqual([{ line: 'None.' }]);
  });

  it("writes each drift series with its fitted drift per day in the channel's unit, 3 significant digits", () => {
    const series = (over: Partial<SeriesDriftView>): SeriesDriftView =>
      ({
        series: 'point=Qmax,regime=inService',
        points: 9,
        ewma: { value: 0.01, upperLimit: 0.05, lowerLimit: -0.05, signal: false },
        cusum: { high: 0, low: 0, threshold: 0.25, signal: false },
        slopePerDay: 0.000123456,
        predictedOutOfToleranceAt: null,
        alarm: false,
        ...over,
      }) as SeriesDriftView;
    const drift = { bySeries: [series({}), series({ series: 'point=MMQ,regime=inService', points: 1, slopePerDay: null })] };
    const vi = table(instrumentEvidence(facts({ drift })), 'drift')!;
    expect(vi.headers.slice(0, 3)).toEqual(['Chuỗi kiểm tra', 'Số điểm', 'Độ trôi']);
    // 0.000123456 L/day to 3 significant digits, the Vietnamese decimal comma
    expect(vi.rows.map((r) => r[2])).toEqual(['+0,000123 L/ngày', 'chưa đủ điểm']);
    const en = table(instrumentEvidence(facts({ lang: 'en', drift: { bySeries: [series({ slopePerDay: -0.0456 })] } })), 'drift')!;
    expect(en.rows[0]![2]).toBe('-0.0456 L/day');
    // a multi-gas detector: each series in its gas's unit
    const gas = facts({
      lang: 'en',
      ranges: [
        { gas: 'CO', min: 0, max: 500, unit: 'ppm' },
        { gas: 'O2', min: 0, max: 25, unit: '%' },
      ],
      drift: { bySeries: [series({ series: 'gas=O2,regime=inService', slopePerDay: 0.002 })] },
    });
    expect(table(instrumentEvidence(gas), 'drift')!.rows[0]![2]).toBe('+0.002 %/day');
  });

  it('ends with a signature block for the enterprise, to fill in by hand', () => {
    expect(instrumentEvidence(facts()).signature).toEqual({
      title: 'ĐẠI DIỆN DOANH NGHIỆP',
      hint: '(Ký, ghi rõ họ tên, đóng dấu)',
      lines: ['Họ và tên: ……………………………………', 'Chức vụ: ……………………………………'],
    });
  });
});
