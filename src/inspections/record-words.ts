// The words of the printed inspection record (biên bản), in Vietnamese (the record's own
// language) and English. Kept apart from the layout (record-pdf.ts) so both languages have
// the same keys (a test checks it).
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
}

export interface RecordWords {
  nation: string;
  motto: string;
  /** The place-and-date line under the motto: the place (a province's name) and the record's day in the enterprise's zone. */
  dated: (place: string, day: number, month: number, year: number) => string;
  team: string;
  number: string;
  title: string;
  draft: string;
  intro: (when: string, site: string) => string;
  legalBasis: string;
  parties: string;
  inspectors: string;
  inspected: string;
  address: string;
  region: string;
  /** The establishment's representative; position (chức vụ) when given. */
  representative: (name: string, position?: string) => string;
  instruments: string;
  noInstruments: string;
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
  closedLine: (when: string, by: string) => string;
  openLine: string;
  hash: string;
  signatures: string;
  forInspected: string;
  forTeam: string;
  signHint: string;
  generated: (when: string) => string;
  page: (n: number, of: number) => string;
  typeNames: Record<string, string>;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const RECORD_WORDS: Record<RecordLang, RecordWords> = {
  vi: {
    nation: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    motto: 'Độc lập - Tự do - Hạnh phúc',
    // Nghị định 30/2020/NĐ-CP, Phụ lục I (địa danh và thời gian ban hành văn bản): day, month and year
    // in Arabic numerals, written in full; a day below 10 and the months 1 and 2 take a leading 0, the
    // other months none: "ngày 05 tháng 02 năm 2026", "ngày 15 tháng 3 năm 2026". Read from secondary
    // sources quoting the appendix (luatvietnam.vn, danluat.thuvienphapluat.vn), not the decree's own text.
    dated: (place, day, month, year) => `${place}, ngày ${String(day).padStart(2, '0')} tháng ${month < 3 ? `0${month}` : month} năm ${year}`,
    team: 'ĐOÀN KIỂM TRA',
    number: 'Số',
    title: 'BIÊN BẢN KIỂM TRA VỀ ĐO LƯỜNG',
    draft: 'BẢN NHÁP — biên bản chưa kết thúc',
    intro: (when, site) => `Hôm nay, ${when}, tại ${site}, đoàn kiểm tra tiến hành kiểm tra nhà nước về đo lường đối với cơ sở dưới đây.`,
    legalBasis: 'Căn cứ',
    parties: 'I. THÀNH PHẦN',
    inspectors: 'Đoàn kiểm tra',
    inspected: 'Cơ sở được kiểm tra',
    address: 'Địa chỉ',
    region: 'Địa bàn',
    representative: (name, position) => `Đại diện cơ sở: ${name}${position ? `, chức vụ: ${position}` : ''}`,
    instruments: 'II. PHƯƠNG TIỆN ĐO VÀ KẾT QUẢ KIỂM TRA',
    noInstruments: 'Không có phương tiện đo nào được kiểm tra.',
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
      },
      calibration: {
        mark: 'Tem hiệu chuẩn',
        certificate: 'Giấy chứng nhận hiệu chuẩn',
        registry: 'Tình trạng hiệu chuẩn theo hồ sơ MAG',
        registryDisagrees: 'Giấy chứng nhận hiệu chuẩn xuất trình còn hiệu lực nhưng hồ sơ MAG chưa ghi nhận: cơ sở cập nhật giấy chứng nhận vào MAG.',
        reasons: { 'verification-mark-invalid': 'tem hiệu chuẩn không hợp lệ', 'certificate-invalid': 'giấy chứng nhận hiệu chuẩn không hợp lệ' },
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
    findingStates: { open: 'đang xử lý', answered: 'cơ sở đã trả lời', closed: 'đã kết thúc' },
    answer: 'Trả lời của cơ sở',
    closeReason: 'Kết thúc',
    conclusion: 'IV. KẾT LUẬN',
    amendments: 'SỬA ĐỔI, BỔ SUNG SAU KHI KẾT THÚC BIÊN BẢN',
    amendment: (n, when, by) => `Sửa đổi ${n} (${when}, ${by})`,
    reason: 'Lý do',
    notPrinted: (chars) => `… (còn ${chars} ký tự không in; toàn văn trong hồ sơ điện tử của biên bản)`,
    closedLine: (when, by) => `Biên bản kết thúc ${when}, do ${by} khoá; mọi sửa đổi sau đó được ghi thành sửa đổi, bổ sung.`,
    openLine: 'Biên bản chưa kết thúc: nội dung còn có thể được bổ sung.',
    hash: 'Mã xác thực (SHA-256)',
    signatures: 'Biên bản được đọc lại cho các bên cùng nghe và thống nhất ký tên.',
    forInspected: 'ĐẠI DIỆN CƠ SỞ ĐƯỢC KIỂM TRA',
    forTeam: 'ĐẠI DIỆN ĐOÀN KIỂM TRA',
    signHint: '(Ký, ghi rõ họ tên)',
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
    },
  },
  en: {
    nation: 'SOCIALIST REPUBLIC OF VIET NAM',
    motto: 'Independence - Freedom - Happiness',
    dated: (place, day, month, year) => `${place}, ${day} ${MONTHS_EN[month - 1]} ${year}`,
    team: 'INSPECTION TEAM',
    number: 'No.',
    title: 'RECORD OF MEASUREMENT INSPECTION',
    draft: 'DRAFT — the record is still open',
    intro: (when, site) => `On ${when}, at ${site}, the inspection team carried out a state measurement inspection of the establishment below.`,
    legalBasis: 'Legal basis',
    parties: 'I. PARTIES',
    inspectors: 'Inspection team',
    inspected: 'Establishment inspected',
    address: 'Address',
    region: 'Region',
    representative: (name, position) => `Representative of the establishment: ${name}${position ? `, position: ${position}` : ''}`,
    instruments: 'II. INSTRUMENTS AND RESULTS',
    noInstruments: 'No instrument was examined.',
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
      },
      calibration: {
        mark: 'Calibration label',
        certificate: 'Calibration certificate',
        registry: 'Calibration standing in MAG',
        registryDisagrees: "The calibration certificate shown is valid but MAG's registry has none in force: the establishment is to enter it in MAG.",
        reasons: { 'verification-mark-invalid': 'calibration label not valid', 'certificate-invalid': 'calibration certificate not valid' },
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
    closedLine: (when, by) => `The record was closed on ${when} by ${by}; any later change is an amendment.`,
    openLine: 'The record is still open: more may be added to it.',
    hash: 'Fingerprint (SHA-256)',
    signatures: 'The record was read out to the parties, who agreed to it and sign below.',
    forInspected: 'FOR THE ESTABLISHMENT INSPECTED',
    forTeam: 'FOR THE INSPECTION TEAM',
    signHint: '(Signature and full name)',
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
    },
  },
};
