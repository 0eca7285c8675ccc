// The words of the printed inspection record (biên bản), in Vietnamese (the record's own
// language) and English. Kept apart from the layout (record-pdf.ts) so both languages have
// the same keys (a test checks it).
import type { AlertKind } from '../alerts/alert-book.ts';
import type { FindingKind, FindingState, ItemReason } from './types.ts';

export type RecordLang = 'vi' | 'en';

/** What keeps an instrument in standing (profile `standing`): legal verification or calibration. */
export type Standing = 'verification' | 'calibration';

/** The words that name the certificate and mark of an instrument's standing: kiểm định or hiệu chuẩn. */
export interface StandingWords {
  mark: string;
  certificate: string;
  /** The standing MAG's registry gives it. */
  registry: string;
  /** The inspector found the certificate valid where MAG's registry has none in force. */
  registryDisagrees: string;
  reasons: Record<'verification-mark-invalid' | 'certificate-invalid', string>;
  /** MAG's alerts on the standing, named for it (a calibrated type's are calibration's). */
  alertKinds: Record<'verification-overdue' | 'verification-due-soon', string>;
}

/**
 * The words of the head and the signature every administrative document MAG prints shares, as
 * Nghị định 30/2020/NĐ-CP (Phụ lục I) lays them out: the national name and motto, the
 * place-and-date line, "Số" before the document's number, the hint under a space to sign. The
 * inspection record's and the periodic report's (src/oversight/letterhead.ts).
 */
export interface DocumentWords {
  nation: string;
  motto: string;
  /** The place-and-date line under the motto: the place (a province's name) and the document's day in its zone. */
  dated: (place: string, day: number, month: number, year: number) => string;
  number: string;
  signHint: string;
}

export interface RecordWords extends DocumentWords {
  team: string;
  title: string;
  draft: string;
  intro: (when: string, site: string) => string;
  legalBasis: string;
  /** One "Căn cứ …" line of the legal basis; `last` ends the list. */
  basis: (text: string, last: boolean) => string;
  /** The Law on Metrology, as the basis of a state inspection of measurement. */
  basisLaw: string;
  /** The circular on state inspection of measurement (Thông tư 28/2013/TT-BKHCN), before its 2022 amendment was in force. */
  basisCircular: string;
  /** The same circular as amended by Thông tư 10/2022/TT-BKHCN (in force from 12 September 2022). */
  basisCircularAmended: string;
  parties: string;
  inspectors: string;
  inspected: string;
  address: string;
  region: string;
  /** The establishment's representative; position (chức vụ) when given. */
  representative: (name: string, position?: string) => string;
  instruments: string;
  noInstruments: string;
  /**
   * Under the instruments: which way the errors of the record's checks of one type lean (NIST HB44 G-UR.4.1,
   * seller-favour-at-place.ts): the tally, then the finding when the type's rule holds.
   */
  placeLean: (type: string, k: number, m: number, zeros: number, mean: string, p: string) => string;
  placeFavoursSeller: string;
  placeFavoursBuyer: string;
  /** After the type's name in placeLean, for the instruments a buyer uses (a purchasing scale), judged apart. */
  usedByBuyer: string;
  serial: string;
  site: string;
  /** After an instrument's line: when it was entered on the record (when: recordTime's). */
  recordedAt: (when: string) => string;
  seals: string;
  intact: string;
  broken: string;
  /** By the type's standing: kiểm định (verification) or hiệu chuẩn (calibration). */
  standing: Record<Standing, StandingWords>;
  valid: string;
  invalid: string;
  priceDisplay: string;
  correct: string;
  wrong: string;
  registryState: Record<string, string>;
  until: string;
  /** A standard's calibration certificate, before its number. */
  standardCertificate: string;
  /** Beside a check whose standard was not traceable at its time. */
  untraceable: string;
  /** Below the checks: why a standard was not traceable (issue: MAG's English sentence). */
  untraceableNote: (standard: string, issue: string) => string;
  notes: string;
  /** Before MAG's alerts on the instrument unresolved when it was entered on the record. */
  unresolvedAlerts: string;
  alertKinds: Record<AlertKind, string>;
  /** An alert's kind, its test point or gas, and since when (a day as the record writes days). */
  alertSince: (kind: string, key: string | undefined, day: string) => string;
  /** An alert acknowledged (seen) but not resolved at the time. */
  alertAcknowledged: string;
  /** A check's alert: the check it was raised for (when: recordTime's). */
  alertCheck: (when: string, error: string, mpe: string) => string;
  /** Any other alert: MAG's summary (English) where the record's language is English; nothing in Vietnamese (the record does not print MAG's English sentences). */
  alertSummary: (summary: string) => string | undefined;
  /** Beside "conforms" when an out-of-tolerance alert on the instrument was unresolved. */
  unresolvedOutOfTolerance: string;
  checkHeaders: [time: string, point: string, standard: string, indicated: string, reference: string, error: string, mpe: string, u: string, result: string];
  pass: string;
  fail: string;
  itemVerdict: string;
  conforming: string;
  nonConforming: string;
  /** Why an instrument does not conform; the mark's and the certificate's are in `standing`. */
  reasons: Record<Exclude<ItemReason, keyof StandingWords['reasons']>, string>;
  findings: string;
  noFindings: string;
  findingHeaders: [id: string, kind: string, instrument: string, description: string, action: string, state: string];
  findingKinds: Record<FindingKind, string>;
  findingStates: Record<FindingState, string>;
  answer: string;
  closeReason: string;
  conclusion: string;
  amendments: string;
  amendment: (n: number, when: string, by: string) => string;
  reason: string;
  /** After a text cut short on paper: how much was left out, and where the whole is. */
  notPrinted: (chars: number) => string;
  /** The record's end (biên bản kết thúc vào hồi …): hour and minute (2 digits each) and day (dd/MM/yyyy) in the enterprise's zone. */
  closedLine: (hour: string, minute: string, day: string) => string;
  openLine: string;
  hash: string;
  /** How many copies are made and who keeps them (the establishment one, the team the rest). */
  copies: (n: number) => string;
  signatures: string;
  /** After the signatures: what happened to the findings after the record was closed, dated. */
  afterClosing: string;
  /** An answer or a closing after the record was closed: when, the finding's number, what, who, the text. */
  afterClosingEvent: (when: string, finding: string, what: string, who: string) => string;
  findingClosedBy: string;
  forInspected: string;
  forTeam: string;
  generated: (when: string) => string;
  page: (n: number, of: number) => string;
  typeNames: Record<string, string>;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const DOCUMENT_WORDS: Record<RecordLang, DocumentWords> = {
  vi: {
    nation: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    motto: 'Độc lập - Tự do - Hạnh phúc',
    // Nghị định 30/2020/NĐ-CP, Phụ lục I (địa danh và thời gian ban hành văn bản): day, month and year
    // in Arabic numerals, written in full; a day below 10 and the months 1 and 2 take a leading 0, the
    // other months none: "ngày 05 tháng 02 năm 2026", "ngày 15 tháng 3 năm 2026". Read from secondary
    // sources quoting the appendix (luatvietnam.vn, danluat.thuvienphapluat.vn), not the decree's own text.
    dated: (place, day, month, year) => `${place}, ngày ${String(day).padStart(2, '0')} tháng ${month < 3 ? `0${month}` : month} năm ${year}`,
    number: 'Số',
    signHint: '(Ký, ghi rõ họ tên)',
  },
  en: {
    nation: 'SOCIALIST REPUBLIC OF VIET NAM',
    motto: 'Independence - Freedom - Happiness',
    dated: (place, day, month, year) => `${place}, ${day} ${MONTHS_EN[month - 1]} ${year}`,
    number: 'No.',
    signHint: '(Signature and full name)',
  },
};

export const RECORD_WORDS: Record<RecordLang, RecordWords> = {
  vi: {
    ...DOCUMENT_WORDS.vi,
    team: 'ĐOÀN KIỂM TRA',
    title: 'BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG',
    draft: 'BẢN NHÁP — biên bản chưa kết thúc',
    intro: (when, site) => `Hôm nay, ${when}, tại ${site}, đoàn kiểm tra tiến hành kiểm tra nhà nước về đo lường đối với cơ sở dưới đây.`,
    legalBasis: 'Căn cứ',
    basis: (text, last) => `Căn cứ ${text}${last ? (/[.;:!?]$/.test(text) ? '' : '.') : ';'}`,
    // The basis of the inspection procedure itself, as the circular's own consolidated text (09/VBHN-BKHCN,
    // 11/10/2022) names the law and the circular: see BASIS in record-pdf.ts for the sources and what is unconfirmed.
    basisLaw: 'Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011',
    basisCircular: 'Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường',
    basisCircularAmended:
      'Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công nghệ quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung bởi Thông tư số 10/2022/TT-BKHCN ngày 28 tháng 7 năm 2022',
    parties: 'I. THÀNH PHẦN',
    inspectors: 'Đoàn kiểm tra',
    inspected: 'Cơ sở được kiểm tra',
    address: 'Địa chỉ',
    region: 'Địa bàn',
    representative: (name, position) => `Đại diện cơ sở: ${name}${position ? `, chức vụ: ${position}` : ''}`,
    instruments: 'II. PHƯƠNG TIỆN ĐO VÀ KẾT QUẢ KIỂM TRA',
    noInstruments: 'Không có phương tiện đo nào được kiểm tra.',
    placeLean: (type, k, m, zeros, mean, p) =>
      `Hướng sai số tại nơi kiểm tra (${type}): ${k}/${m} phép kiểm tra có sai số lợi cho người bán, ${m - k} lợi cho người mua${zeros ? `, ${zeros} bằng 0` : ''}; sai số trung bình ${mean} sai số cho phép; p = ${p} (kiểm định dấu một phía).`,
    placeFavoursSeller:
      'Sai số của các phương tiện đo tại nơi kinh doanh chủ yếu nghiêng về phía có lợi cho người bán, gần giới hạn sai số cho phép (NIST Handbook 44 G-UR.4.1; ngưỡng đánh giá do MAG chọn).',
    placeFavoursBuyer:
      'Sai số của các phương tiện đo do người mua sử dụng tại nơi kinh doanh chủ yếu nghiêng về phía có lợi cho người mua, gần giới hạn sai số cho phép (NIST Handbook 44 G-UR.4.1; ngưỡng đánh giá do MAG chọn).',
    usedByBuyer: 'do người mua sử dụng',
    serial: 'số sê-ri',
    site: 'vị trí',
    recordedAt: (when) => `ghi nhận ${when}`,
    seals: 'Niêm phong, kẹp chì',
    intact: 'còn nguyên vẹn',
    broken: 'không còn nguyên vẹn',
    standing: {
      verification: {
        mark: 'Dấu kiểm định',
        certificate: 'Giấy chứng nhận kiểm định',
        registry: 'Tình trạng kiểm định theo hồ sơ MAG',
        registryDisagrees: 'Giấy chứng nhận kiểm định xuất trình còn hiệu lực nhưng hồ sơ MAG chưa ghi nhận: cơ sở cập nhật giấy chứng nhận vào MAG.',
        reasons: { 'verification-mark-invalid': 'dấu kiểm định không hợp lệ', 'certificate-invalid': 'giấy chứng nhận kiểm định không hợp lệ' },
        alertKinds: { 'verification-overdue': 'quá hạn kiểm định', 'verification-due-soon': 'sắp đến hạn kiểm định' },
      },
      calibration: {
        mark: 'Tem hiệu chuẩn',
        certificate: 'Giấy chứng nhận hiệu chuẩn',
        registry: 'Tình trạng hiệu chuẩn theo hồ sơ MAG',
        registryDisagrees: 'Giấy chứng nhận hiệu chuẩn xuất trình còn hiệu lực nhưng hồ sơ MAG chưa ghi nhận: cơ sở cập nhật giấy chứng nhận vào MAG.',
        reasons: { 'verification-mark-invalid': 'tem hiệu chuẩn không hợp lệ', 'certificate-invalid': 'giấy chứng nhận hiệu chuẩn không hợp lệ' },
        alertKinds: { 'verification-overdue': 'quá hạn hiệu chuẩn', 'verification-due-soon': 'sắp đến hạn hiệu chuẩn' },
      },
    },
    valid: 'hợp lệ',
    invalid: 'không hợp lệ',
    priceDisplay: 'Hiển thị giá, thành tiền',
    correct: 'đúng',
    wrong: 'không đúng',
    registryState: { valid: 'còn hiệu lực', 'due-soon': 'còn hiệu lực, sắp hết hạn', expired: 'hết hiệu lực', none: 'chưa có giấy chứng nhận' },
    until: 'hiệu lực đến hết ngày',
    standardCertificate: 'GCN hiệu chuẩn',
    untraceable: 'không bảo đảm liên kết chuẩn',
    untraceableNote: (standard) =>
      `Chuẩn ${standard} không bảo đảm liên kết chuẩn tại thời điểm kiểm tra (giấy chứng nhận hiệu chuẩn không còn hiệu lực, không phù hợp hoặc không đủ độ chính xác; chi tiết trong hồ sơ MAG): kết quả phép kiểm tra này không dùng làm căn cứ xử lý.`,
    notes: 'Ghi chú',
    unresolvedAlerts: 'Cảnh báo chưa xử lý lúc kiểm tra',
    alertKinds: {
      'out-of-tolerance': 'vượt sai số cho phép',
      conditional: 'đạt có điều kiện',
      drift: 'trôi sai số',
      'predicted-oot': 'dự báo vượt sai số',
      'seller-favoured': 'sai số nghiêng về phía người bán',
      'buyer-favoured': 'sai số nghiêng về phía người mua',
      'verification-overdue': 'quá hạn kiểm định',
      'verification-due-soon': 'sắp đến hạn kiểm định',
      tamper: 'nghi can thiệp',
      'out-of-range': 'ngoài phạm vi đo',
      offline: 'mất kết nối',
      'invalid-data': 'dữ liệu không hợp lệ',
      'untraceable-check': 'kiểm tra không liên kết chuẩn',
      'standard-oot': 'chuẩn vượt sai số cho phép',
      'lot-fail': 'lô hàng đóng gói sẵn không đạt',
      'sealed-in-use': 'sử dụng khi đang bị niêm phong',
      'points-refused': 'dữ liệu bị cơ sở dữ liệu từ chối',
      'journal-capacity': 'nhật ký sắp đầy',
    },
    alertSince: (kind, key, day) => `${kind}${key ? ` (${key})` : ''}, từ ${day}`,
    alertAcknowledged: 'cơ sở đã tiếp nhận',
    alertCheck: (when, error, mpe) => `phép kiểm tra ${when}: sai số ${error}, sai số cho phép ±${mpe}`,
    alertSummary: () => undefined,
    unresolvedOutOfTolerance: 'cảnh báo vượt sai số chưa xử lý',
    checkHeaders: ['Thời gian', 'Điểm thử', 'Chuẩn', 'Chỉ thị', 'Giá trị chuẩn', 'Sai số', 'Sai số lớn nhất cho phép khi sử dụng', 'U (k = 2)', 'Kết quả'],
    pass: 'Đạt',
    fail: 'Không đạt',
    itemVerdict: 'Kết luận',
    conforming: 'Phù hợp',
    nonConforming: 'Không phù hợp',
    reasons: {
      'check-fail': 'sai số vượt mức sai số cho phép khi sử dụng',
      'seals-broken': 'niêm phong, kẹp chì không còn nguyên vẹn',
      'price-display-wrong': 'hiển thị giá, thành tiền không đúng',
    },
    findings: 'III. VI PHẠM VÀ BIỆN PHÁP XỬ LÝ',
    noFindings: 'Không phát hiện vi phạm.',
    findingHeaders: ['Số', 'Loại', 'Phương tiện đo', 'Nội dung', 'Biện pháp', 'Trạng thái'],
    findingKinds: { violation: 'Vi phạm', 'sealed-off': 'Niêm phong, tạm dừng sử dụng', observation: 'Ghi nhận' },
    findingStates: { open: 'đang mở', answered: 'cơ sở đã trả lời', closed: 'đã kết thúc' },
    answer: 'Trả lời của cơ sở',
    closeReason: 'Kết thúc',
    conclusion: 'IV. KẾT LUẬN',
    amendments: 'SỬA ĐỔI, BỔ SUNG SAU KHI KẾT THÚC BIÊN BẢN',
    amendment: (n, when, by) => `Sửa đổi ${n} (${when}, ${by})`,
    reason: 'Lý do',
    notPrinted: (chars) => `… (còn ${chars} ký tự không in; toàn văn trong hồ sơ điện tử của biên bản)`,
    closedLine: (hour, minute, day) => `Biên bản kết thúc vào hồi ${hour} giờ ${minute} phút, ngày ${day}.`,
    openLine: 'Biên bản chưa kết thúc: nội dung còn có thể được bổ sung.',
    hash: 'Mã xác thực (SHA-256)',
    copies: (n) =>
      `Biên bản được lập thành ${String(n).padStart(2, '0')} bản có giá trị pháp lý như nhau, cơ sở được kiểm tra giữ 01 bản, đoàn kiểm tra giữ ${String(n - 1).padStart(2, '0')} bản.`,
    signatures: 'Biên bản được đọc lại cho các bên cùng nghe và thống nhất ký tên.',
    afterClosing: 'DIỄN BIẾN SAU KHI LẬP BIÊN BẢN',
    afterClosingEvent: (when, finding, what, who) => `${when} — ${finding} — ${what} (${who})`,
    findingClosedBy: 'Đoàn kiểm tra kết thúc xử lý',
    forInspected: 'ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA',
    forTeam: 'ĐẠI DIỆN ĐOÀN KIỂM TRA',
    generated: (when) => `Lập bằng MAG ${when}`,
    page: (n, of) => `Trang ${n}/${of}`,
    typeNames: {
      'fuel-dispenser': 'Cột đo xăng dầu',
      scale: 'Cân',
      barometer: 'Khí áp kế',
      'gas-detector': 'Thiết bị đo nồng độ khí',
      'breath-alcohol-analyser': 'Phương tiện đo nồng độ cồn trong hơi thở',
      checkweigher: 'Cân kiểm tra tự động',
      'profile-projector': 'Máy phóng hình (máy đo biên dạng quang học)',
      'water-meter': 'Đồng hồ đo nước lạnh',
    },
  },
  en: {
    ...DOCUMENT_WORDS.en,
    team: 'INSPECTION TEAM',
    title: 'RECORD OF MEASUREMENT INSPECTION',
    draft: 'DRAFT — the record is still open',
    intro: (when, site) => `On ${when}, at ${site}, the inspection team carried out a state measurement inspection of the establishment below.`,
    legalBasis: 'Legal basis',
    basis: (text, last) => `Pursuant to ${text}${last ? (/[.;:!?]$/.test(text) ? '' : '.') : ';'}`,
    basisLaw: 'the Law on Metrology No. 04/2011/QH13 of 11 November 2011',
    basisCircular: 'Circular No. 28/2013/TT-BKHCN of 17 December 2013 of the Minister of Science and Technology on state inspection of measurement',
    basisCircularAmended:
      'Circular No. 28/2013/TT-BKHCN of 17 December 2013 of the Minister of Science and Technology on state inspection of measurement, as amended by Circular No. 10/2022/TT-BKHCN of 28 July 2022',
    parties: 'I. PARTIES',
    inspectors: 'Inspection team',
    inspected: 'Establishment inspected',
    address: 'Address',
    region: 'Region',
    representative: (name, position) => `Representative of the establishment: ${name}${position ? `, position: ${position}` : ''}`,
    instruments: 'II. INSTRUMENTS AND RESULTS',
    noInstruments: 'No instrument was examined.',
    placeLean: (type, k, m, zeros, mean, p) =>
      `Direction of the errors at this place (${type}): ${k} of ${m} checks in the seller's favour, ${m - k} in the buyer's${zeros ? `, ${zeros} exactly 0` : ''}; mean error ${mean} of the MPE; p = ${p} (one-sided sign test).`,
    placeFavoursSeller:
      "The instruments' errors at this place of business lean predominantly to the seller's favour, near the limit (NIST Handbook 44 G-UR.4.1; MAG's thresholds).",
    placeFavoursBuyer:
      "The errors of the instruments the buyer uses at this place of business lean predominantly to the buyer's favour, near the limit (NIST Handbook 44 G-UR.4.1; MAG's thresholds).",
    usedByBuyer: 'used by the buyer',
    serial: 'serial',
    site: 'site',
    recordedAt: (when) => `recorded ${when}`,
    seals: 'Seals',
    intact: 'intact',
    broken: 'broken',
    standing: {
      verification: {
        mark: 'Verification mark',
        certificate: 'Verification certificate',
        registry: 'Verification standing in MAG',
        registryDisagrees: "The verification certificate shown is valid but MAG's registry has none in force: the establishment is to enter it in MAG.",
        reasons: { 'verification-mark-invalid': 'verification mark not valid', 'certificate-invalid': 'verification certificate not valid' },
        alertKinds: { 'verification-overdue': 'verification overdue', 'verification-due-soon': 'verification due soon' },
      },
      calibration: {
        mark: 'Calibration label',
        certificate: 'Calibration certificate',
        registry: 'Calibration standing in MAG',
        registryDisagrees: "The calibration certificate shown is valid but MAG's registry has none in force: the establishment is to enter it in MAG.",
        reasons: { 'verification-mark-invalid': 'calibration label not valid', 'certificate-invalid': 'calibration certificate not valid' },
        alertKinds: { 'verification-overdue': 'calibration overdue', 'verification-due-soon': 'calibration due soon' },
      },
    },
    valid: 'valid',
    invalid: 'not valid',
    priceDisplay: 'Price and amount display',
    correct: 'correct',
    wrong: 'wrong',
    registryState: { valid: 'valid', 'due-soon': 'valid, due soon', expired: 'expired', none: 'no certificate' },
    until: 'valid through',
    standardCertificate: 'calibration certificate',
    untraceable: 'not traceable',
    untraceableNote: (standard, issue) =>
      `Standard ${standard} was not traceable at the time of the check (${issue}): the check's result is no ground for enforcement.`,
    notes: 'Notes',
    unresolvedAlerts: 'Alerts unresolved at the inspection',
    alertKinds: {
      'out-of-tolerance': 'out of tolerance',
      conditional: 'conditional pass',
      drift: 'drift',
      'predicted-oot': 'predicted out of tolerance',
      'seller-favoured': 'errors favour the seller',
      'buyer-favoured': 'errors favour the buyer',
      'verification-overdue': 'verification overdue',
      'verification-due-soon': 'verification due soon',
      tamper: 'tampering',
      'out-of-range': 'out of range',
      offline: 'offline',
      'invalid-data': 'invalid data',
      'untraceable-check': 'check not traceable',
      'standard-oot': 'reference standard out of tolerance',
      'lot-fail': 'lot of prepackages failed',
      'sealed-in-use': 'used while sealed off',
      'points-refused': 'points refused by the database',
      'journal-capacity': 'journal capacity',
    },
    alertSince: (kind, key, day) => `${kind}${key ? ` (${key})` : ''}, since ${day}`,
    alertAcknowledged: 'acknowledged by the establishment',
    alertCheck: (when, error, mpe) => `check of ${when}: error ${error} against MPE ±${mpe}`,
    alertSummary: (summary) => summary,
    unresolvedOutOfTolerance: 'out-of-tolerance alert unresolved',
    checkHeaders: ['Time', 'Test point', 'Standard', 'Indicated', 'Reference', 'Error', 'In-service MPE', 'U (k = 2)', 'Result'],
    pass: 'Pass',
    fail: 'Fail',
    itemVerdict: 'Conclusion',
    conforming: 'Conforms',
    nonConforming: 'Does not conform',
    reasons: {
      'check-fail': 'error beyond the in-service maximum permissible error',
      'seals-broken': 'seals broken',
      'price-display-wrong': 'price or amount displayed wrongly',
    },
    findings: 'III. FINDINGS AND ACTIONS',
    noFindings: 'No violation found.',
    findingHeaders: ['No.', 'Kind', 'Instrument', 'Description', 'Action', 'State'],
    findingKinds: { violation: 'Violation', 'sealed-off': 'Sealed off, out of use', observation: 'Observation' },
    findingStates: { open: 'open', answered: 'answered by the establishment', closed: 'closed' },
    answer: "Establishment's answer",
    closeReason: 'Closed',
    conclusion: 'IV. CONCLUSION',
    amendments: 'AMENDMENTS AFTER THE RECORD WAS CLOSED',
    amendment: (n, when, by) => `Amendment ${n} (${when}, ${by})`,
    reason: 'Reason',
    notPrinted: (chars) => `… (${chars} more characters not printed; the whole text is in the record's electronic file)`,
    closedLine: (hour, minute, day) => `The record ended at ${hour}:${minute} on ${day}.`,
    openLine: 'The record is still open: more may be added to it.',
    hash: 'Fingerprint (SHA-256)',
    copies: (n) =>
      `The record is made in ${String(n).padStart(2, '0')} copies of equal legal value: the establishment inspected keeps 01, the inspection team ${String(n - 1).padStart(2, '0')}.`,
    signatures: 'The record was read out to the parties, who agreed to it and sign below.',
    afterClosing: 'AFTER THE RECORD WAS CLOSED',
    afterClosingEvent: (when, finding, what, who) => `${when} — ${finding} — ${what} (${who})`,
    findingClosedBy: 'Closed by the inspection team',
    forInspected: 'FOR THE ESTABLISHMENT INSPECTED',
    forTeam: 'FOR THE INSPECTION TEAM',
    generated: (when) => `Made with MAG on ${when}`,
    page: (n, of) => `Page ${n} of ${of}`,
    typeNames: {
      'fuel-dispenser': 'Fuel dispenser',
      scale: 'Scale',
      barometer: 'Barometer',
      'gas-detector': 'Gas detector',
      'breath-alcohol-analyser': 'Breath alcohol analyser',
      checkweigher: 'Checkweigher',
      'profile-projector': 'Profile projector',
      'water-meter': 'Cold-water meter',
    },
  },
};
