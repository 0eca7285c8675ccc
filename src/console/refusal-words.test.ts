// The gateway's refusals told to a Vietnamese reader, with the API's own messages: those of the
// schemas are produced here by the schemas the routes parse with (a change of their wording fails
// a test below, rather than falling silently into "xem chi tiết kỹ thuật"); those said by a route
// or a store are copied from it (src/api/routes/alerts.ts, src/lots/lot-book.ts…).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PARSE_OPTIONS } from '../ingest/field-errors.ts';
import { type ApiError, refuseFuture, zodDetails } from '../api/http.ts';
import { CertificateBody } from '../api/routes/registry.ts';
import { LotBody, PackagesBody } from '../api/routes/lots.ts';
import { Text } from '../api/routes/bounds.ts';
import { scaleErrors } from '../metrology/registration.ts';
import { evaluateCheck } from '../metrology/check.ts';
import { device } from '../metrology/test-fixtures.ts';
import { profile } from '../metrology/test-fixtures.ts';

type Line = { field?: string; text: string; known: boolean };
type Refusal = { status: number; code: string; message: string; details?: unknown };
const m = (await import(new URL('./refusal-words.js', import.meta.url).href)) as {
  refusalInVietnamese(r: Refusal, fields?: Record<string, string>): { lead: string; lines: Line[] };
  fieldName(path: string, fields?: Record<string, string>): string;
};

/** The certificate form's labels (page-instrument.js). */
const CERT_FIELDS = {
  issuedAt: 'Ngày cấp',
  validUntil: 'Có hiệu lực đến',
  uncertainty: 'Độ không đảm bảo đo U (k = 2)',
  number: 'Số',
};

/** The 400 a route answers for a body its schema refuses (src/api/http.ts). */
function refusedBody(schema: z.ZodType, body: unknown): Refusal {
  const r = schema.safeParse(body, PARSE_OPTIONS);
  if (r.success) throw new Error('the body was accepted');
  return { status: 400, code: 'invalid_request', message: 'the request body is invalid', details: zodDetails(r.error) };
}
const certificate = { kind: 'verification', number: 'V-1', issuedBy: 'QUATEST 1', issuedAt: '2026-10-01', validUntil: '2027-10-01' };
const lot = { id: 'TT-TEST-01', tenant: 'hn-ent', product: 'Gạo', nominal: 500, unit: 'g', lotSize: 5 };

describe('the certificate form', () => {
  it("tells a negative uncertainty and a validity ending before the issue, each on its line by the form's labels", () => {
    const r = refusedBody(CertificateBody, { ...certificate, uncertainty: -1, validUntil: '2026-09-01' });
    const told = m.refusalInVietnamese(r, CERT_FIELDS);
    expect(told.lead).toBe('Dữ liệu chưa hợp lệ.');
    expect(told.lines).toEqual([
      { field: 'Độ không đảm bảo đo U (k = 2)', text: 'không được là số âm; đã nhập: -1', known: true },
      { field: 'Có hiệu lực đến', text: 'phải sau “Ngày cấp”; đã nhập: "2026-09-01"', known: true },
    ]);
  });

  it("tells a day of issue in the future, with the gateway's clock as a Vietnamese day", () => {
    let refused: ApiError | undefined;
    try {
      refuseFuture({ now: () => new Date('2026-05-01T03:04:00Z') }, 'Asia/Ho_Chi_Minh', [['issuedAt', '2026-10-01']]);
    } catch (e) {
      refused = e as ApiError;
    }
    expect(refused?.details).toBeDefined();
    const told = m.refusalInVietnamese({ status: 400, code: refused!.code, message: refused!.message, details: refused!.details }, CERT_FIELDS);
    expect(told.lines).toEqual([
      {
        field: 'Ngày cấp',
        text: 'là ngày trong tương lai: đồng hồ của cổng MAG đang là 10:04 ngày 01/05/2026 (Asia/Ho_Chi_Minh); đã nhập: "2026-10-01"',
        known: true,
      },
    ]);
  });

  it('tells an empty number, an impossible date and a number too long', () => {
    const r = refusedBody(CertificateBody, { ...certificate, number: '  ', issuedAt: '2026-02-30', issuedBy: 'x'.repeat(201) });
    const told = m.refusalInVietnamese(r, { ...CERT_FIELDS, issuedBy: 'Đơn vị cấp' });
    expect(told.lines.map((l) => `${l.field}: ${l.text}`)).toEqual([
      'Số: không được để trống',
      `Đơn vị cấp: dài quá: tối đa 200 ký tự; đã nhập: "${'x'.repeat(59)}… (203 ký tự)`,
      'Ngày cấp: không phải là ngày có trên lịch; đã nhập: "2026-02-30"',
    ]);
  });

  it('tells a missing field and a text that is no date', () => {
    const { validUntil: _, ...withoutEnd } = certificate;
    const r = refusedBody(CertificateBody, { ...withoutEnd, issuedAt: 'hôm qua' });
    const told = m.refusalInVietnamese(r, CERT_FIELDS);
    expect(told.lines).toEqual([
      { field: 'Ngày cấp', text: 'không phải là ngày hợp lệ (viết theo dạng năm-tháng-ngày, ví dụ 2026-03-31); đã nhập: "hôm qua"', known: true },
      { field: 'Có hiệu lực đến', text: 'chưa nhập: bắt buộc phải có', known: true },
    ]);
  });

  it('tells an uncertainty larger than the instrument reads, under the lead that says the certificate does not fit', () => {
    const told = m.refusalInVietnamese(
      {
        status: 400,
        code: 'invalid_request',
        message: 'the certificate does not fit the instrument',
        details: [
          {
            path: 'uncertainty',
            message: 'uncertainty 5000 hPa is larger than anything the instrument reads (range 300 to 1100 hPa): U (k = 2) of its calibration, in hPa',
          },
        ],
      },
      CERT_FIELDS,
    );
    expect(told.lead).toBe('Giấy chứng nhận không phù hợp với phương tiện đo.');
    expect(told.lines[0]).toEqual({
      field: 'Độ không đảm bảo đo U (k = 2)',
      text: '5000 hPa lớn hơn mọi giá trị phương tiện đo đọc được (phạm vi đo 300 to 1100 hPa)',
      known: true,
    });
  });

  it('tells a certificate number on record with other content (409)', () => {
    const told = m.refusalInVietnamese({
      status: 409,
      code: 'conflict',
      message:
        'certificate V-1 of baro-hn-1 is on record already (verification, issued by QUATEST 1 2026-01-01T00:00:00.000Z, valid until 2027-01-01T16:59:59.999Z) with other content; a certificate is never replaced: a new one has its own number',
    });
    expect(told.lead).toBe('Xung đột với dữ liệu đã có.');
    expect(told.lines[0].text).toBe(
      'Giấy chứng nhận số V-1 của baro-hn-1 đã có trong hồ sơ với nội dung khác. Giấy chứng nhận đã ghi nhận không bị thay thế: giấy mới có số riêng.',
    );
  });
});

describe('the lot declaration', () => {
  it('tells a lot the tables cannot judge, and a scale of another enterprise', () => {
    const told = m.refusalInVietnamese(
      {
        status: 400,
        code: 'invalid_request',
        message: 'the lot cannot be declared',
        details: [
          { path: '(lot)', message: 'Qn = 3 g is outside the table of tolerable deficiencies (5 g to 50 kg, OIML R87 Table 1).' },
          { path: '(lot)', message: 'Plan "TCVN 12345" asks for 50 packages but the lot has only 5.' },
          { path: 'scale', message: 'scale must be a registered instrument of enterprise hn-ent; received "cw-sg-1"' },
        ],
      },
      { '(lot)': 'Lô', scale: 'Phương tiện đo khối lượng' },
    );
    expect(told.lead).toBe('Không khai báo được lô.');
    expect(told.lines.map((l) => `${l.field}: ${l.text}`)).toEqual([
      'Lô: Lượng danh định Qn = 3 g nằm ngoài bảng lượng thiếu cho phép (5 g đến 50 kg, OIML R87 Bảng 1)',
      'Lô: Phương án lấy mẫu “TCVN 12345” cần 50 đơn vị hàng nhưng lô chỉ có 5',
      'Phương tiện đo khối lượng: phải là phương tiện đo đã đăng ký của doanh nghiệp hn-ent; đã nhập: "cw-sg-1"',
    ]);
  });

  it("tells the schema's refusals: a size that is no whole number, a nominal quantity of 0, a product of spaces", () => {
    const r = refusedBody(LotBody, { ...lot, lotSize: 2.5, nominal: 0, product: '   ' });
    const told = m.refusalInVietnamese(r, { lotSize: 'Cỡ lô', nominal: 'Qn', product: 'Sản phẩm' });
    expect(told.lines.every((l) => l.known)).toBe(true);
    expect(told.lines.map((l) => `${l.field}: ${l.text}`)).toEqual([
      'Sản phẩm: không được để trống',
      'Qn: phải lớn hơn 0; đã nhập: 0',
      'Cỡ lô: phải là số nguyên; đã nhập: 2.5',
    ]);
  });

  it('tells a lot id already declared (409)', () => {
    expect(m.refusalInVietnamese({ status: 409, code: 'conflict', message: 'lot TT-TEST-01 already exists' }).lines).toEqual([
      { text: 'Lô TT-TEST-01 đã được khai báo trước đó.', known: true },
    ]);
  });
});

describe('the packages entry', () => {
  it('names the package by the line the reader typed it on, and tells the lot is full', () => {
    const told = m.refusalInVietnamese({
      status: 400,
      code: 'invalid_request',
      message: 'the packages cannot be added',
      details: [
        {
          path: 'items.5',
          message:
            'items.5 would be package 6 of lot TT-TEST-01, declared with lotSize 5, and a lot takes no more packages than that: it has 0 so far and takes 5 more, and this request brings 6 new ones; none was added',
        },
      ],
    });
    expect(told.lead).toBe('Chưa thêm được đơn vị hàng nào: cả lần nhập bị từ chối.');
    expect(told.lines).toEqual([
      {
        field: 'Đơn vị hàng thứ 6',
        text: 'sẽ là đơn vị hàng thứ 6 của lô TT-TEST-01, vượt cỡ lô đã khai báo (5 đơn vị): lô đã có 0, chỉ nhận thêm 5, mà lần này nhập 6 đơn vị mới. Không đơn vị nào được thêm',
        known: true,
      },
    ]);
  });

  it('tells a lot already full, a package beyond ten times Qn and a gross weighing without tare', () => {
    const told = m.refusalInVietnamese({
      status: 400,
      code: 'invalid_request',
      message: 'the packages cannot be added',
      details: [
        {
          path: 'items.0',
          message:
            'items.0 would be package 6 of lot TT-TEST-01, declared with lotSize 5, and a lot takes no more packages than that: it has 5 already; none was added',
        },
        {
          path: 'items.1.net',
          message:
            'items.1.net must be at most 5000 g (10 × Qn = 10 × 500 g): a package of ten times its nominal quantity is not one of this lot (a unit slip such as kg for g, or a typo); received 50000',
        },
        {
          path: 'items.2.gross',
          message:
            "items.2.gross needs the lot's average tare (R87 Annex B), and lot TT-TEST-01 was declared without averageTare: send net, or declare the lot with its average tare; received 510",
        },
      ],
    });
    expect(told.lines.map((l) => `${l.field}: ${l.text}`)).toEqual([
      'Đơn vị hàng thứ 1: sẽ là đơn vị hàng thứ 6 của lô TT-TEST-01, vượt cỡ lô đã khai báo (5 đơn vị): lô đã đủ 5 đơn vị. Không đơn vị nào được thêm',
      'Đơn vị hàng thứ 2: không được lớn hơn 5000 g (10 × Qn): một đơn vị hàng gấp mười lần lượng danh định không thuộc lô này (nhầm đơn vị như kg thay cho g, hoặc gõ nhầm); đã nhập: 50000',
      'Đơn vị hàng thứ 3: là khối lượng cả bì, mà lô được khai báo không có khối lượng bì trung bình: hãy nhập khối lượng tịnh, hoặc khai báo lô kèm khối lượng bì trung bình; đã nhập: 510',
    ]);
  });

  it("tells the schema's refusal of a negative weight", () => {
    const told = m.refusalInVietnamese(refusedBody(PackagesBody, { items: [{ net: 500 }, { net: -3 }] }));
    expect(told.lines).toEqual([{ field: 'Đơn vị hàng thứ 2', text: 'không được là số âm; đã nhập: -3', known: true }]);
  });
});

describe("a scale's e, Max and class (OIML R76-1 Table 3): the campaign's verification and the registration", () => {
  /** The refusal of POST /api/v1/campaigns/{id}/verifications for a scale (src/api/routes/campaigns.ts), with registration.ts's own messages. */
  const refusedScale = (spec: Parameters<typeof scaleErrors>[1]): Refusal => ({
    status: 400,
    code: 'invalid_request',
    message: 'the scale does not fit its instrument type',
    details: scaleErrors(profile('scale'), spec),
  });
  const CAMPAIGN_FIELDS = { max: 'Mức cân lớn nhất Max (kg)', e: 'Giá trị độ chia kiểm e (kg)', class: 'Cấp chính xác' };

  it('tells an e typed 100 times too small ("0,05" read as 0.0005, or a scale of another class) by the form\'s labels', () => {
    const told = m.refusalInVietnamese(refusedScale({ class: 'IIII', max: 30, e: 0.001 }), CAMPAIGN_FIELDS);
    expect(told.lead).toBe('Cân không phù hợp với cấp chính xác đã chọn (OIML R76-1 Bảng 3).');
    expect(told.lines).toEqual([
      {
        field: 'Giá trị độ chia kiểm e (kg)',
        text: '0,001 kg nhỏ hơn mức cấp IIII cho phép: e ít nhất 0,005 kg (5 g; OIML R76-1 Bảng 3); hãy nhập e theo kg',
        known: true,
      },
      {
        field: 'Mức cân lớn nhất Max (kg)',
        text: 'Max/e = 30 kg / 0,001 kg = 30000 khoảng chia kiểm, mà cấp IIII cho phép từ 100 đến 1 000 (OIML R76-1 Bảng 3): hãy kiểm tra lại Max, e và cấp chính xác',
        known: true,
      },
    ]);
  });

  it("tells a class's note, a class without an upper n, and e larger than Max", () => {
    const classIII = m.refusalInVietnamese(refusedScale({ class: 'III', max: 30, e: 0.5 }), CAMPAIGN_FIELDS);
    expect(classIII.lines.map((l) => l.text)).toEqual([
      'Max/e = 30 kg / 0,5 kg = 60 khoảng chia kiểm, mà cấp III cho phép từ 500 đến 10 000 (từ 500 khi e ≥ 5 g) (OIML R76-1 Bảng 3): hãy kiểm tra lại Max, e và cấp chính xác',
    ]);
    const classI = m.refusalInVietnamese(refusedScale({ class: 'I', max: 0.2, e: 0.001 }), CAMPAIGN_FIELDS);
    expect(classI.lines.every((l) => l.known)).toBe(true);
    expect(classI.lines.at(-1)?.text).toMatch(/mà cấp I cho phép ít nhất 50 000, không giới hạn trên \(ít hơn khi d < 0,1 mg\)/);
    const larger = m.refusalInVietnamese(refusedScale({ class: 'IIII', max: 3, e: 5 }), CAMPAIGN_FIELDS);
    expect(larger.lines).toEqual([
      {
        field: 'Giá trị độ chia kiểm e (kg)',
        text: '5 kg lớn hơn Max 3 kg: e là giá trị độ chia kiểm, một bước nhỏ của mức cân lớn nhất (n = Max/e khoảng chia); hãy nhập cả hai theo kg',
        known: true,
      },
    ]);
  });

  it("tells a registration judged on its type's defaults, asking for the scale's own e and Max", () => {
    const told = m.refusalInVietnamese({ ...refusedScale({ class: 'IIII' }), message: 'the device does not fit its instrument type' }, CAMPAIGN_FIELDS);
    expect(told.lines.length).toBeGreaterThan(0);
    expect(told.lines.every((l) => l.known)).toBe(true);
    expect(told.lines.at(-1)?.text).toMatch(/là giá trị mặc định của loại phương tiện đo, không phải của cân: hãy nhập e và Max ghi trên cân$/);
  });
});

describe('the finding answer and the alert actions', () => {
  it('tells an empty answer', () => {
    const told = m.refusalInVietnamese(refusedBody(z.strictObject({ text: Text(4000) }), { text: '' }), { text: 'Trả lời' });
    expect(told.lines).toEqual([{ field: 'Trả lời', text: 'không được để trống', known: true }]);
  });

  it('tells a finding answered already, or closed (409)', () => {
    expect(
      m.refusalInVietnamese({
        status: 409,
        code: 'conflict',
        message:
          'finding F-1 was answered already by Quản lý hn-ent at 2026-05-01T03:00:00.000Z; an answer stays as given on the record: what was done since goes to the inspector, who closes the finding or notes a new one',
      }).lines[0].text,
    ).toBe('Phát hiện này đã được trả lời trước đó (Quản lý hn-ent). Câu trả lời giữ nguyên trong hồ sơ: việc đã làm sau đó hãy báo cho kiểm tra viên.');
    expect(m.refusalInVietnamese({ status: 409, code: 'conflict', message: 'finding F-1 is closed' }).lines[0].text).toBe(
      'Phát hiện này đã được đóng: không trả lời được nữa.',
    );
  });

  it('tells that a critical alert is resolved with a note', () => {
    const told = m.refusalInVietnamese(
      {
        status: 400,
        code: 'invalid_request',
        message: 'the request body is invalid',
        details: [
          {
            path: 'note',
            message:
              "a critical alert (out-of-tolerance) is resolved with a note saying what was done: the adjustment or repair, the new certificate's number, or why it was a false alarm",
          },
        ],
      },
      { note: 'Ghi chú', reason: 'Lý do' },
    );
    expect(told.lines).toEqual([
      {
        field: 'Ghi chú',
        text: 'bắt buộc với cảnh báo nghiêm trọng: ghi rõ đã làm gì (hiệu chỉnh hay sửa chữa, số giấy chứng nhận mới, hoặc vì sao đây là báo động nhầm)',
        known: true,
      },
    ]);
  });

  it('tells a note too long, and an alert resolved or acknowledged by someone else meanwhile', () => {
    const tooLong = m.refusalInVietnamese(refusedBody(z.strictObject({ note: z.string().max(2000).optional() }), { note: 'x'.repeat(2001) }), {
      note: 'Ghi chú',
    });
    expect(tooLong.lines[0]).toMatchObject({ field: 'Ghi chú', known: true });
    expect(tooLong.lines[0].text).toMatch(/^dài quá: tối đa 2000 ký tự; đã nhập: /);
    expect(
      m.refusalInVietnamese({
        status: 409,
        code: 'conflict',
        message: 'alert a-1 is already resolved by inspector:Thanh tra Hà Nội:0123456789ab at 2026-05-01T03:00:00.000Z',
      }).lines[0].text,
    ).toBe('Cảnh báo này đã được xử lý xong trước đó (Thanh tra Hà Nội).');
    expect(
      m.refusalInVietnamese({
        status: 409,
        code: 'conflict',
        message:
          'alert a-1 is already acknowledged by operator:Quản lý:0123456789ab at 2026-05-01T03:00:00.000Z; resolve it, with a note if there is more to say',
      }).lines[0].text,
    ).toBe('Cảnh báo này đã được xác nhận trước đó (Quản lý); hãy xử lý nó, kèm ghi chú nếu cần.');
  });
});

describe('what is not recognised, and the leads', () => {
  it("tells a water meter's check at a point its class does not list, or at none (the gateway's own messages)", () => {
    const ctx = { profile: profile('water-meter'), device: device('water-meter', { class: '2' }), certificates: [] };
    const refused = (point?: string): Refusal => {
      const r = evaluateCheck(ctx, {
        seq: 1,
        ts: 0,
        indicated: 101.5,
        reference: 100,
        referenceUncertainty: 0.1,
        unit: 'L',
        standardId: 'TANK-1',
        ...(point ? { point } : {}),
      });
      if (r.ok) throw new Error('the check was accepted');
      return {
        status: 400,
        code: 'invalid_request',
        message: 'the request body is invalid',
        details: r.errors.map((e) => ({ ...e, path: `checks.0.${e.path}` })),
      };
    };
    const fields = { 'checks.#.point': 'Điểm kiểm tra' };
    expect(m.refusalInVietnamese(refused('Qmax'), fields).lines).toEqual([
      {
        field: 'Điểm kiểm tra',
        text: '“Qmax” không phải là điểm kiểm tra của đồng hồ đo nước cấp 2: chỉ nhận Q1, Q2, Q3, Q4; sai số cho phép được xác định theo điểm kiểm tra (lưu lượng thử), không theo giá trị chuẩn; phép kiểm tra không hợp lệ',
        known: true,
      },
    ]);
    expect(m.refusalInVietnamese(refused(), fields).lines).toEqual([
      {
        field: 'Điểm kiểm tra',
        text: 'phép kiểm tra đồng hồ đo nước (cấp 2) phải ghi điểm kiểm tra, một trong Q1, Q2, Q3, Q4: sai số cho phép được xác định theo điểm kiểm tra (lưu lượng thử), không theo giá trị chuẩn; phép kiểm tra không hợp lệ',
        known: true,
      },
    ]);
  });

  it('does not guess: an unknown message says the field is refused and points to the technical details', () => {
    const told = m.refusalInVietnamese(
      {
        status: 400,
        code: 'invalid_request',
        message: 'the request body is invalid',
        details: [{ path: 'issuedAt', message: 'issuedAt is something new; received 1' }],
      },
      CERT_FIELDS,
    );
    expect(told.lines).toEqual([{ field: 'Ngày cấp', text: 'không được chấp nhận (xem chi tiết kỹ thuật)', known: false }]);
  });

  it('leads by status and code', () => {
    const lead = (status: number, code = 'x') => m.refusalInVietnamese({ status, code, message: 'm' }).lead;
    expect(lead(400, 'invalid_request')).toBe('Dữ liệu chưa hợp lệ.');
    expect(lead(409, 'conflict')).toBe('Xung đột với dữ liệu đã có.');
    expect(lead(404, 'not_found')).toBe('Không tìm thấy, hoặc mã truy cập này không được xem.');
    expect(lead(403, 'forbidden')).toBe('Vai trò của bạn không được phép thực hiện việc này.');
    expect(lead(413)).toMatch(/quá lớn/);
    expect(lead(429, 'rate_limited')).toMatch(/Quá nhiều yêu cầu/);
    expect(lead(503)).toMatch(/sự cố/);
    expect(lead(0, 'network')).toMatch(/Không kết nối được/);
  });

  it('names fields by the form, the shared names, else the path as sent', () => {
    expect(m.fieldName('items.5.net')).toBe('Đơn vị hàng thứ 6');
    expect(m.fieldName('note')).toBe('Ghi chú');
    expect(m.fieldName('correction.offset', { 'correction.offset': 'Số hiệu chính' })).toBe('Số hiệu chính');
    expect(m.fieldName('somethingElse')).toBe('somethingElse');
  });
});
