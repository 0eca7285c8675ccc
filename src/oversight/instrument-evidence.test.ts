// The instrument's measurement-assurance file from hand-made facts: the strings an inspector reads,
// worked out by hand (days and times on the enterprise's clock, Vietnamese numbers), the empty
// sections, and which certificates and alerts belong to the period.
import { describe, expect, it } from 'vitest';
import { readPdf } from '../../test/support/pdf-text.ts';
import type { SellerFavourView } from '../metrology/drift.ts';
import type { CheckResult } from '../metrology/types.ts';
import { checkRow, instrumentEvidence, type InstrumentEvidence } from './instrument-evidence.ts';
import { renderInstrumentEvidencePdf } from './instrument-evidence-pdf.ts';
import { CHECK, driftSeries, evidenceFacts, SELLER_FAVOURED } from './evidence-fixtures.ts';

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

  it('says each site the instrument had in the period, with the day it left it and the day it came to the present one', () => {
    // period 01/04/2025–31/03/2026 (Vietnam). Moved on 10/02/2024 (before the period: not said), on 01/08/2025 at
    // 00:00 there (its last day at Cửa hàng số 2 is 31/07), and on 15/01/2026 at 14:00 (it left Kho Đông Anh that day).
    const device = {
      ...facts().device,
      placements: [
        { until: '2024-02-09T17:00:00.000Z', site: 'Cửa hàng số 1' },
        { until: '2025-07-31T17:00:00.000Z', site: 'Cửa hàng số 2' },
        { until: '2026-01-15T07:00:00.000Z' },
      ],
    };
    const lines = (over: Parameters<typeof facts>[0]) => section(instrumentEvidence(facts(over)), 'instrument').blocks.map((b) => ('line' in b ? b.line : ''));
    expect(lines({ device }).slice(3, 6)).toEqual([
      'Vị trí sử dụng đến ngày 31/07/2025: Cửa hàng số 2',
      'Vị trí sử dụng đến ngày 15/01/2026: không ghi nhận',
      'Vị trí sử dụng từ ngày 15/01/2026: Cửa hàng số 5',
    ]);
    // a period that ended before the last move: the sites of the period only, not the present one
    expect(lines({ device, period: { from: Date.parse('2025-08-31T17:00:00.000Z'), to: Date.parse('2025-12-31T16:59:59.999Z') } }).slice(3, 5)).toEqual([
      'Vị trí sử dụng đến ngày 15/01/2026: không ghi nhận',
      'Cấp chính xác: 0.5',
    ]);
    // all moves before the period: the site alone, as for an instrument that never moved
    expect(lines({ device: { ...device, placements: device.placements.slice(0, 1) }, lang: 'en' })[3]).toBe('Site: Cửa hàng số 5');
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
      'lưu lượng lớn nhất Qmax',
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
      'CO · điểm không',
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
        'lưu lượng lớn nhất Qmax',
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
    const series = driftSeries;
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

  describe('the direction of the errors (docs/metrology.md §6)', () => {
    const QMIN = {
      series: 'point=Qmin,regime=inService',
      sellerFavour: {
        ...SELLER_FAVOURED,
        onSellerSide: 4,
        onBuyerSide: 3,
        checksCounted: 7,
        pValue: 0.5,
        meanErrorMpe: 0.048,
        meanError: 0.0072,
        finding: false,
        persists: false,
      },
    };
    const dispenser = (lang: 'vi' | 'en') =>
      instrumentEvidence(facts({ lang, drift: { bySeries: [driftSeries({ sellerFavour: SELLER_FAVOURED }), driftSeries(QMIN)] } }));

    it("adds a column to a dispenser's drift table, a legend under it and a line in red for the series leaning the seller's way", () => {
      const e = dispenser('vi');
      expect(section(e, 'drift').blocks.slice(1)).toEqual([
        {
          table: {
            id: 'drift-favour',
            headers: [
              'Chuỗi kiểm tra',
              'Số điểm',
              'Độ trôi',
              'Tín hiệu EWMA / CUSUM',
              'Cảnh báo trôi',
              'Ngày dự báo vượt giới hạn',
              'Đường cơ sở',
              'Hướng sai số',
            ],
            rows: [
              [
                'lưu lượng lớn nhất Qmax\ntrong sử dụng',
                '9',
                '+0,000123 L/ngày',
                'không / không',
                'không',
                'không có dự báo',
                'từ phép kiểm tra đầu tiên',
                // 5 of 5, p = 1/32 = 0.03125 to 2 significant digits, 0.5625 of the MPE
                'lợi cho người bán: 5/5\np = 0,031\ntrung bình +0,56 MPE\n⚠ Sai số nghiêng về phía người bán',
              ],
              [
                'lưu lượng nhỏ nhất Qmin\ntrong sử dụng',
                '9',
                '+0,000123 L/ngày',
                'không / không',
                'không',
                'không có dự báo',
                'từ phép kiểm tra đầu tiên',
                'lợi cho người bán: 4/7\np = 0,5\ntrung bình +0,048 MPE',
              ],
            ],
          },
        },
        { line: expect.stringMatching(/^Hướng sai số \(NIST Handbook 44 G-UR\.4\.1\): bên được lợi là người sử dụng phương tiện đo/) },
        {
          line: 'Chuỗi kiểm tra lưu lượng lớn nhất Qmax (trong sử dụng): sai số chủ yếu nghiêng về phía có lợi cho người bán, gần giới hạn sai số cho phép (NIST Handbook 44 G-UR.4.1; ngưỡng đánh giá do MAG chọn).',
          bold: true,
          warning: true,
        },
      ]);
      const en = section(dispenser('en'), 'drift').blocks;
      expect(table(dispenser('en'), 'drift')!.rows[0]!.at(-1)).toBe("seller's favour: 5 of 5\np = 0.031\nmean +0.56 MPE\n⚠ Errors favour the seller");
      expect(en.at(-1)).toEqual({
        line: "Series Qmax (in service): the errors lean predominantly to the seller's favour, near the limit (NIST Handbook 44 G-UR.4.1; MAG's thresholds).",
        bold: true,
        warning: true,
      });
    });

    it('prints it in the PDF, in Vietnamese and in English', async () => {
      const vi = readPdf(await renderInstrumentEvidencePdf(dispenser('vi')));
      const viText = vi.lines.map((l) => l.trim());
      // the cell's lines, each a line of the page (the column wraps the alert's name)
      for (const cell of [
        'Hướng sai số',
        'lợi cho người bán: 5/5',
        'p = 0,031',
        'trung bình +0,56 MPE',
        'lợi cho người bán: 4/7',
        'p = 0,5',
        'trung bình +0,048 MPE',
      ])
        expect(viText, cell).toContain(cell);
      expect(vi.text).toMatch(/⚠ Sai số nghiêng về\s*phía người bán/);
      expect(vi.text).toMatch(
        /Chuỗi\s+kiểm\s+tra\s+lưu\s+lượng\s+lớn\s+nhất\s+Qmax\s+\(trong\s+sử\s+dụng\):\s+sai\s+số\s+chủ\s+yếu\s+nghiêng\s+về\s+phía\s+có\s+lợi\s+cho\s+người\s+bán,\s+gần\s+giới\s+hạn\s+sai\s+số\s+cho\s+phép/,
      );
      const en = readPdf(await renderInstrumentEvidencePdf(dispenser('en')));
      const enText = en.lines.map((l) => l.trim());
      for (const cell of ['Direction of errors', "seller's favour: 5 of 5", 'p = 0.031', 'mean +0.56 MPE']) expect(enText, cell).toContain(cell);
      expect(en.text).toMatch(/⚠ Errors favour the\s*seller/);
      expect(en.text).toMatch(/Series Qmax \(in service\): the errors lean predominantly to the seller's favour, near\s*the\s*limit/);
    });

    it('judges a purchasing scale for the buyer, writes a p below 0.001 as < 0,001, and marks a series kept by the clearing thresholds', () => {
      // a class III scale at a cassava purchasing point, 49.93 kg shown for 50 kg (−0.7 of the 0.1 kg MPE): 5 of 5 on the buyer's side
      const buyer: SellerFavourView = { ...SELLER_FAVOURED, favoured: 'buyer', onSellerSide: 0, onBuyerSide: 5, meanErrorMpe: -0.7, meanError: -0.07 };
      const scale = (lang: 'vi' | 'en', sellerFavour: SellerFavourView = buyer) =>
        instrumentEvidence(
          facts({
            lang,
            device: { id: 'sc-1', type: 'scale', serial: 'C-77', class: 'III' },
            ranges: [{ min: 0, max: 60, unit: 'kg' }],
            drift: { bySeries: [driftSeries({ series: 'point=50kg,regime=inService', slopePerDay: null, sellerFavour })] },
          }),
        );
      expect(table(scale('vi'), 'drift')!.rows[0]!.at(-1)).toBe('lợi cho người mua: 5/5\np = 0,031\ntrung bình -0,7 MPE\n⚠ Sai số nghiêng về phía người mua');
      expect(section(scale('vi'), 'drift').blocks.at(-1)).toMatchObject({
        line: expect.stringMatching(/^Chuỗi kiểm tra 50kg \(trong sử dụng\): sai số chủ yếu nghiêng về phía có lợi cho người mua, gần giới hạn/),
        warning: true,
      });
      expect(table(scale('en'), 'drift')!.rows[0]!.at(-1)).toBe("buyer's favour: 5 of 5\np = 0.031\nmean -0.7 MPE\n⚠ Errors favour the buyer");
      // 12 of 12: p = 1/4096 = 0.000244, printed as below 0.001
      const twelve = { ...buyer, checksCounted: 12, onBuyerSide: 12, pValue: 1 / 4096 };
      expect(table(scale('vi', twelve), 'drift')!.rows[0]!.at(-1)).toContain('\np < 0,001\n');
      expect(table(scale('en', twelve), 'drift')!.rows[0]!.at(-1)).toContain('\np < 0.001\n');
      // 5 of 6: no finding (p = 7/64), though an open alert would stay (persists): no mark, the alerts section says whether one was open
      const kept = { ...buyer, checksCounted: 6, onSellerSide: 1, pValue: 7 / 64, meanErrorMpe: -0.44, finding: false, persists: true };
      expect(table(scale('vi', kept), 'drift')!.rows[0]!.at(-1)).toBe('lợi cho người mua: 5/6\np = 0,11\ntrung bình -0,44 MPE');
      expect(section(scale('en', kept), 'drift').blocks.filter((b) => 'line' in b && b.warning)).toEqual([]);
      // the same scale at a stall, leaning the other way and no finding: no line in red
      const none: SellerFavourView = { ...buyer, favoured: 'seller', pValue: 1, finding: false, persists: false };
      expect(table(scale('vi', none), 'drift')!.rows[0]!.at(-1)).toBe('lợi cho người bán: 0/5\np = 1\ntrung bình -0,7 MPE');
      expect(section(scale('vi', none), 'drift').blocks.filter((b) => 'line' in b && b.warning)).toEqual([]);
      // only exact zeros so far
      const zeros = { ...none, checksCounted: 0, onBuyerSide: 0, meanErrorMpe: 0, meanError: 0 };
      expect(table(scale('en', zeros), 'drift')!.rows[0]!.at(-1)).toBe('no non-zero error yet\nmean 0 MPE');
    });

    it('leaves the drift table of a type without the rule (a barometer) as it was: no column, no legend', () => {
      const barometer = facts({
        device: { id: 'bar-1', type: 'barometer', serial: 'B-1', class: '0.1' },
        ranges: [{ min: 800, max: 1100, unit: 'hPa' }],
        drift: { bySeries: [driftSeries({ series: 'point=1000hPa,regime=inService', slopePerDay: 0.002 })] },
      });
      expect(section(instrumentEvidence(barometer), 'drift').blocks.slice(1)).toEqual([
        {
          table: {
            id: 'drift',
            headers: ['Chuỗi kiểm tra', 'Số điểm', 'Độ trôi', 'Tín hiệu EWMA / CUSUM', 'Cảnh báo trôi', 'Ngày dự báo vượt giới hạn', 'Đường cơ sở'],
            rows: [['1000hPa\ntrong sử dụng', '9', '+0,002 hPa/ngày', 'không / không', 'không', 'không có dự báo', 'từ phép kiểm tra đầu tiên']],
          },
        },
      ]);
    });
  });

  it('ends with a signature block for the enterprise, to fill in by hand', () => {
    expect(instrumentEvidence(facts()).signature).toEqual({
      title: 'ĐẠI DIỆN DOANH NGHIỆP',
      hint: '(Ký, ghi rõ họ tên, đóng dấu)',
      lines: ['Họ và tên: ……………………………………', 'Chức vụ: ……………………………………'],
    });
  });
});
