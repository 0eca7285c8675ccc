// The words of an instrument's measurement-assurance file (instrument-evidence.ts), in Vietnamese
// (the file's own language) and English, with the same keys in both. What the console and the
// inspection record already name (instrument types, decisions, alert kinds and states, the national
// name and motto, "Trang x/y") is taken from them, not written again here.
import type { TradeParty } from '../metrology/seller-favour.ts';
import type { TraceabilityIssueKind } from '../metrology/traceability.ts';
import type { Lang } from './labels.ts';

export interface EvidenceWords {
  /**
   * The title. "Hồ sơ" (a file of records) and not "báo cáo" or "biên bản": a báo cáo is a document
   * an issuing body numbers and sends (Nghị định 30/2020/NĐ-CP), a biên bản records an event its
   * parties sign; this is the enterprise's own file of what MAG holds, shown to the inspector.
   * "Đảm bảo đo lường" is the name of the programme the enterprise runs (Chương trình đảm bảo đo
   * lường, Decision 996/QĐ-TTg and MOST's guidance), the one Circular 07/2019/TT-BKHCN's duty between
   * verifications falls under; "phương tiện đo" is the Law on Metrology's term for the instrument.
   * The wording is MAG's: no form of the law prescribes this file.
   */
  title: string;
  /** The subject line under the title: the instrument and the period (days dd/MM/yyyy). */
  subject: (device: string, type: string, serial: string, from: string, to: string) => string;
  /** What the file is made from and the decision rule used: what MAG knows, nothing more. */
  derivedFrom: string;
  /** The period and the zone its days and times are read in. */
  period: (from: string, to: string, zone: string) => string;
  /** A section with nothing of the period. */
  none: string;
  /** A field the registry does not hold. */
  notRecorded: string;
  /** The number of the file, left to the enterprise to fill in ("Số:" is printed before it). */
  number: string;

  instrument: string;
  id: string;
  type: string;
  serial: string;
  model: string;
  site: string;
  /** The site it had until a day (a move recorded in the registry), or has had since one. */
  siteUntil: (day: string) => string;
  siteSince: (day: string) => string;
  accuracyClass: string;
  range: string;
  enterprise: (name: string, id: string, region: string) => string;
  /** The standing (kiểm định or hiệu chuẩn) at the period's start and end, as MAG's registry gives it. */
  standingAt: (standing: 'verification' | 'calibration', when: 'start' | 'end', day: string, state: string) => string;
  /** The state names of the standing, and the day it is valid through. */
  standingStates: Record<'valid' | 'due-soon' | 'expired' | 'none', (until: string) => string>;

  certificates: string;
  certificateHeaders: [kind: string, number: string, issuer: string, issued: string, validUntil: string, note: string];
  certificateKinds: Record<'verification' | 'calibration', string>;
  inForceAtStart: string;
  issuedInPeriod: string;
  /** A certificate's expanded uncertainty. */
  certificateU: (u: string) => string;

  checks: string;
  checkHeaders: [
    time: string,
    point: string,
    indicated: string,
    reference: string,
    error: string,
    mpe: string,
    u: string,
    legal: string,
    guarded: string,
    standard: string,
  ];
  pass: string;
  fail: string;
  /** Before the number of the standard's calibration certificate. */
  standardCertificate: string;
  traceable: string;
  untraceable: string;
  traceabilityUnknown: string;
  /** Below the checks: a check whose standard was not traceable, and why. */
  untraceableNote: (when: string, standard: string, why: string) => string;
  /** Why, by kind; `issue` is MAG's English sentence (the English file prints it as is). */
  traceabilityIssue: (kind: string | undefined, issue: string | undefined) => string;
  /** Above the checks: how many, and how many failed the legal decision. */
  checksCount: (n: number, failed: number) => string;

  standards: string;
  standardLine: (id: string, name: string, details: string) => string;
  authorityStandard: string;
  enterpriseStandard: string;
  /** A standard a check names that is not in MAG's register for this enterprise (nor the authority's). */
  unregisteredStandard: (id: string) => string;
  standardCertificateHeaders: [number: string, laboratory: string, u: string, issued: string, validUntil: string, traceableTo: string];
  /** The calibration found the standard out of tolerance before any adjustment. */
  asFoundOut: string;
  noStandardCertificate: string;

  drift: string;
  /** MAG keeps the drift statistics' present state only: said with the moment it is of. */
  driftAsOf: (when: string) => string;
  /** The drift as it stood at the period's end, rebuilt from the checks; `complete` false: from the newest checks only. */
  driftAsOfEnd: (when: string, complete: boolean) => string;
  driftHeaders: [series: string, points: string, slope: string, signal: string, alarm: string, predicted: string, baseline: string];
  /** A series' fitted drift (least squares over its checks since the baseline), per day. */
  perDay: (slope: string) => string;
  noSlope: string;
  yes: string;
  no: string;
  noPrediction: string;
  /** The drift baseline's start and why. */
  baselineSince: (day: string, reason: string) => string;
  baselineFirst: string;
  resetReasons: Record<'verification' | 'calibration' | 'adjustment' | 'migration', string>;
  /**
   * Which way the errors lean (docs/metrology.md §6), a last column of the drift table for a type with a
   * `sellerFavour` rule: the header, the parties, the cell's lines, the legend under the table, and the
   * line in red for a series whose errors lean its user's way by the rule (the words of the inspection
   * record's placeLean and of the console).
   */
  favourHeader: string;
  parties: Record<TradeParty, string>;
  /** k of the m checks with a non-zero error on the party's side. */
  favourTally: (party: string, k: number, m: number) => string;
  /** A series whose checks all had an error of exactly 0 (or none counted yet). */
  noNonZeroError: string;
  /** The mean error as a signed fraction of the MPE. */
  favourMean: (mean: string) => string;
  favourLegend: string;
  favourFinding: (series: string, party: string) => string;

  alerts: string;
  /** `point`: what the alert is about, a test point or gas (a check's alerts) or a standard (untraceable-check). */
  alertHeaders: [kind: string, point: string, severity: string, opened: string, state: string, acknowledged: string, resolved: string];
  /** Who did something to an alert: a person of a role, or MAG itself. */
  actor: (name: string, role: string | undefined) => string;
  roles: Record<'admin' | 'operator' | 'inspector', string>;
  system: string;
  note: string;

  /** The signature block: the enterprise's representative. */
  forEnterprise: string;
  signHint: string;
  fullName: string;
  position: string;
}

/** Why a check is not traceable, by the kind of the issue (src/metrology/traceability.ts). */
const ISSUES_VI: Record<TraceabilityIssueKind, string> = {
  unregistered: 'chuẩn chưa được đăng ký trong sổ chuẩn của doanh nghiệp hoặc của cơ quan quản lý',
  uncalibrated: 'chuẩn chưa có giấy chứng nhận hiệu chuẩn tại thời điểm kiểm tra',
  expired: 'giấy chứng nhận hiệu chuẩn của chuẩn đã hết hiệu lực tại thời điểm kiểm tra',
  quantity: 'chuẩn không thể hiện đại lượng mà phương tiện đo đo',
  unit: 'đơn vị đo của chuẩn không phù hợp với phương tiện đo',
  gas: 'chuẩn không được chứng nhận cho loại khí của phép kiểm tra',
  ratio: 'chuẩn không đủ chính xác: tỷ số MPE / U của chuẩn nhỏ hơn mức yêu cầu',
  'relative-uncertainty': 'chuẩn không đủ chính xác: độ không đảm bảo đo của chuẩn vượt mức cho phép tính theo phần trăm giá trị thử',
};

export const EVIDENCE_WORDS: Record<Lang, EvidenceWords> = {
  vi: {
    title: 'HỒ SƠ ĐẢM BẢO ĐO LƯỜNG CỦA PHƯƠNG TIỆN ĐO',
    subject: (device, type, serial, from, to) => `Phương tiện đo ${device} (${type}, số sê-ri ${serial}) từ ngày ${from} đến ngày ${to}`,
    derivedFrom:
      'Hồ sơ do MAG lập từ dữ liệu MAG lưu giữ: thông tin phương tiện đo và các giấy chứng nhận kiểm định, hiệu chuẩn đã nhập vào MAG; kết quả các phép kiểm tra phương tiện đo gửi về MAG; sổ chuẩn đo lường và các cảnh báo của MAG. Mỗi phép kiểm tra được đánh giá theo sai số lớn nhất cho phép (MPE) của chế độ ghi ở phép kiểm tra đó: kết luận pháp định theo quy tắc chấp nhận đơn giản (|sai số| ≤ MPE), kết luận có dải bảo vệ theo ILAC-G8:09/2019 với w = U (U: độ không đảm bảo đo mở rộng, k = 2). Hồ sơ chỉ phản ánh những gì đã được ghi nhận vào MAG và không thay thế giấy chứng nhận kiểm định, hiệu chuẩn.',
    period: (from, to, zone) => `Thời kỳ: từ ngày ${from} đến ngày ${to} (${zone}).`,
    none: 'Không có.',
    notRecorded: 'không ghi nhận',
    number: '……/……',
    instrument: 'I. PHƯƠNG TIỆN ĐO',
    id: 'Mã phương tiện đo',
    type: 'Loại',
    serial: 'Số sê-ri',
    model: 'Kiểu',
    site: 'Vị trí sử dụng',
    siteUntil: (day) => `Vị trí sử dụng đến ngày ${day}`,
    siteSince: (day) => `Vị trí sử dụng từ ngày ${day}`,
    accuracyClass: 'Cấp chính xác',
    range: 'Phạm vi đo',
    enterprise: (name, id, region) => `Doanh nghiệp sử dụng: ${name} (${id}), địa bàn ${region}`,
    standingAt: (standing, when, day, state) =>
      `Tình trạng ${standing === 'calibration' ? 'hiệu chuẩn' : 'kiểm định'} theo hồ sơ MAG ${when === 'start' ? 'đầu kỳ' : 'cuối kỳ'} (${day}): ${state}`,
    standingStates: {
      valid: (until) => `còn hiệu lực đến hết ngày ${until}`,
      'due-soon': (until) => `còn hiệu lực đến hết ngày ${until}, sắp hết hạn`,
      expired: (until) => `hết hiệu lực từ sau ngày ${until}`,
      none: () => 'chưa có giấy chứng nhận',
    },
    certificates: 'II. GIẤY CHỨNG NHẬN KIỂM ĐỊNH, HIỆU CHUẨN',
    certificateHeaders: ['Loại', 'Số', 'Đơn vị cấp', 'Ngày cấp', 'Hiệu lực đến hết ngày', 'Ghi chú'],
    certificateKinds: { verification: 'Kiểm định', calibration: 'Hiệu chuẩn' },
    inForceAtStart: 'có hiệu lực tại đầu kỳ',
    issuedInPeriod: 'cấp trong kỳ',
    certificateU: (u) => `U = ${u} (k = 2)`,
    checks: 'III. CÁC PHÉP KIỂM TRA TRONG KỲ',
    checkHeaders: [
      'Thời gian',
      'Điểm thử',
      'Chỉ thị',
      'Giá trị chuẩn',
      'Sai số',
      'MPE',
      'U (k = 2)',
      'Kết luận pháp định',
      'Kết luận có dải bảo vệ (w = U)',
      'Chuẩn sử dụng',
    ],
    pass: 'Đạt',
    fail: 'Không đạt',
    standardCertificate: 'GCN hiệu chuẩn',
    traceable: 'bảo đảm liên kết chuẩn',
    untraceable: 'không bảo đảm liên kết chuẩn',
    traceabilityUnknown: 'liên kết chuẩn chưa được đánh giá',
    untraceableNote: (when, standard, why) => `Phép kiểm tra lúc ${when}: chuẩn ${standard} không bảo đảm liên kết chuẩn (${why}).`,
    // MAG's issue is an English sentence: the Vietnamese file says its kind in words
    traceabilityIssue: (kind) => (kind !== undefined && Object.hasOwn(ISSUES_VI, kind) ? ISSUES_VI[kind as TraceabilityIssueKind] : 'chi tiết trong hồ sơ MAG'),
    checksCount: (n, failed) => `Số phép kiểm tra: ${n}; không đạt theo kết luận pháp định: ${failed}.`,
    standards: 'IV. CHUẨN ĐO LƯỜNG ĐÃ SỬ DỤNG',
    standardLine: (id, name, details) => `${id} — ${name}${details ? ` (${details})` : ''}`,
    authorityStandard: 'chuẩn của cơ quan quản lý',
    enterpriseStandard: 'chuẩn của doanh nghiệp',
    unregisteredStandard: (id) => `${id} — không có trong sổ chuẩn của doanh nghiệp hoặc của cơ quan quản lý trên MAG`,
    standardCertificateHeaders: ['Số GCN hiệu chuẩn', 'Phòng thí nghiệm', 'U (k = 2)', 'Ngày cấp', 'Hiệu lực đến hết ngày', 'Liên kết đến'],
    asFoundOut: 'khi hiệu chuẩn, chuẩn được phát hiện vượt sai số cho phép (trước điều chỉnh)',
    noStandardCertificate: 'Không có giấy chứng nhận hiệu chuẩn nào có hiệu lực trong kỳ.',
    drift: 'V. TRÔI SAI SỐ',
    driftAsOf: (when) => `Trạng thái lúc lập hồ sơ (${when}).`,
    driftAsOfEnd: (when, complete) =>
      `Trạng thái cuối kỳ (${when}), tính lại từ các lần kiểm tra kể từ giấy chứng nhận có hiệu lực lúc đó${complete ? '' : ' (chỉ từ các lần kiểm tra gần nhất: từ giấy chứng nhận đến cuối kỳ có quá nhiều lần kiểm tra)'}.`,
    driftHeaders: ['Chuỗi kiểm tra', 'Số điểm', 'Độ trôi', 'Tín hiệu EWMA / CUSUM', 'Cảnh báo trôi', 'Ngày dự báo vượt giới hạn', 'Đường cơ sở'],
    perDay: (slope) => `${slope}/ngày`,
    noSlope: 'chưa đủ điểm',
    yes: 'có',
    no: 'không',
    noPrediction: 'không có dự báo',
    baselineSince: (day, reason) => `từ ${day} (${reason})`,
    baselineFirst: 'từ phép kiểm tra đầu tiên',
    resetReasons: { verification: 'kiểm định', calibration: 'hiệu chuẩn', adjustment: 'điều chỉnh', migration: 'chuyển đổi dữ liệu' },
    favourHeader: 'Hướng sai số',
    parties: { seller: 'người bán', buyer: 'người mua' },
    favourTally: (party, k, m) => `lợi cho ${party}: ${k}/${m}`,
    noNonZeroError: 'chưa có sai số khác 0',
    favourMean: (mean) => `trung bình ${mean} MPE`,
    favourLegend:
      'Hướng sai số (NIST Handbook 44 G-UR.4.1): bên được lợi là người sử dụng phương tiện đo (người bán; người mua đối với cân dùng để thu mua); k/m: số phép kiểm tra có sai số lợi cho bên đó trên số phép kiểm tra có sai số khác 0 của chuỗi kể từ đường cơ sở; p: kiểm định dấu một phía; trung bình: sai số trung bình của chuỗi chia cho MPE, dấu + khi chỉ thị lớn hơn giá trị chuẩn. Ngưỡng đánh giá do MAG chọn.',
    favourFinding: (series, party) =>
      `Chuỗi kiểm tra ${series}: sai số chủ yếu nghiêng về phía có lợi cho ${party}, gần giới hạn sai số cho phép (NIST Handbook 44 G-UR.4.1; ngưỡng đánh giá do MAG chọn).`,
    alerts: 'VI. CẢNH BÁO TRONG KỲ',
    alertHeaders: ['Loại', 'Điểm thử / chuẩn', 'Mức độ', 'Mở lúc', 'Trạng thái hiện tại', 'Tiếp nhận', 'Xử lý'],
    actor: (name, role) => (role ? `${name} (${role})` : name),
    roles: { admin: 'quản trị', operator: 'doanh nghiệp', inspector: 'cơ quan quản lý' },
    system: 'MAG (tự động)',
    note: 'ghi chú',
    forEnterprise: 'ĐẠI DIỆN DOANH NGHIỆP',
    signHint: '(Ký, ghi rõ họ tên, đóng dấu)',
    fullName: 'Họ và tên',
    position: 'Chức vụ',
  },
  en: {
    title: 'MEASUREMENT ASSURANCE FILE OF A MEASURING INSTRUMENT',
    subject: (device, type, serial, from, to) => `Instrument ${device} (${type}, serial ${serial}) from ${from} to ${to}`,
    derivedFrom:
      "Made by MAG from the records MAG holds: the instrument and the verification and calibration certificates entered in MAG; the results of the instrument's checks sent to MAG; the register of reference standards and MAG's alerts. Each check is judged against the maximum permissible error (MPE) of the regime it states: the legal decision by simple acceptance (|error| ≤ MPE), the guarded decision by ILAC-G8:09/2019 with w = U (U: expanded uncertainty, k = 2). The file shows only what was recorded in MAG and replaces no verification or calibration certificate.",
    period: (from, to, zone) => `Period: from ${from} to ${to} (${zone}).`,
    none: 'None.',
    notRecorded: 'not recorded',
    number: '……/……',
    instrument: 'I. INSTRUMENT',
    id: 'Instrument id',
    type: 'Type',
    serial: 'Serial',
    model: 'Model',
    site: 'Site',
    siteUntil: (day) => `Site until ${day}`,
    siteSince: (day) => `Site since ${day}`,
    accuracyClass: 'Accuracy class',
    range: 'Measuring range',
    enterprise: (name, id, region) => `Enterprise using it: ${name} (${id}), ${region}`,
    standingAt: (standing, when, day, state) =>
      `${standing === 'calibration' ? 'Calibration' : 'Verification'} standing in MAG at the period's ${when} (${day}): ${state}`,
    standingStates: {
      valid: (until) => `valid through ${until}`,
      'due-soon': (until) => `valid through ${until}, due soon`,
      expired: (until) => `expired after ${until}`,
      none: () => 'no certificate',
    },
    certificates: 'II. VERIFICATION AND CALIBRATION CERTIFICATES',
    certificateHeaders: ['Kind', 'Number', 'Issued by', 'Issued', 'Valid through', 'Note'],
    certificateKinds: { verification: 'Verification', calibration: 'Calibration' },
    inForceAtStart: "in force at the period's start",
    issuedInPeriod: 'issued in the period',
    certificateU: (u) => `U = ${u} (k = 2)`,
    checks: 'III. CHECKS IN THE PERIOD',
    checkHeaders: ['Time', 'Test point', 'Indicated', 'Reference', 'Error', 'MPE', 'U (k = 2)', 'Legal decision', 'Guarded decision (w = U)', 'Standard used'],
    pass: 'Pass',
    fail: 'Fail',
    standardCertificate: 'calibration cert.',
    traceable: 'traceable',
    untraceable: 'not traceable',
    traceabilityUnknown: 'traceability not judged',
    untraceableNote: (when, standard, why) => `Check of ${when}: standard ${standard} was not traceable (${why}).`,
    traceabilityIssue: (_kind, issue) => issue ?? "details in MAG's records",
    checksCount: (n, failed) => `Checks: ${n}; failing the legal decision: ${failed}.`,
    standards: 'IV. REFERENCE STANDARDS USED',
    standardLine: (id, name, details) => `${id} — ${name}${details ? ` (${details})` : ''}`,
    authorityStandard: "the authority's standard",
    enterpriseStandard: "the enterprise's standard",
    unregisteredStandard: (id) => `${id} — not in the register of standards of the enterprise or of the authority in MAG`,
    standardCertificateHeaders: ['Calibration certificate', 'Laboratory', 'U (k = 2)', 'Issued', 'Valid through', 'Traceable to'],
    asFoundOut: 'found out of tolerance at this calibration (as found, before adjustment)',
    noStandardCertificate: 'No calibration certificate in force in the period.',
    drift: 'V. DRIFT',
    driftAsOf: (when) => `As the file was made (${when}).`,
    driftAsOfEnd: (when, complete) =>
      `As at the period's end (${when}), rebuilt from the checks since the certificate then in force${complete ? '' : ' (from the newest checks only: the baseline held too many)'}.`,
    driftHeaders: ['Series', 'Points', 'Drift', 'EWMA / CUSUM signal', 'Drift alarm', 'Predicted out-of-tolerance day', 'Baseline'],
    perDay: (slope) => `${slope}/day`,
    noSlope: 'too few points',
    yes: 'yes',
    no: 'no',
    noPrediction: 'no prediction',
    baselineSince: (day, reason) => `since ${day} (${reason})`,
    baselineFirst: 'since the first check',
    resetReasons: { verification: 'verification', calibration: 'calibration', adjustment: 'adjustment', migration: 'data migration' },
    favourHeader: 'Direction of errors',
    parties: { seller: 'seller', buyer: 'buyer' },
    favourTally: (party, k, m) => `${party}'s favour: ${k} of ${m}`,
    noNonZeroError: 'no non-zero error yet',
    favourMean: (mean) => `mean ${mean} MPE`,
    favourLegend:
      "Direction of errors (NIST Handbook 44 G-UR.4.1): the party favoured is the instrument's user (the seller; the buyer for a scale used for purchasing); k of m: the checks with an error in that party's favour of those with a non-zero error in the series since its baseline; p: one-sided sign test; mean: the series' mean error as a fraction of the MPE, + when the indication is above the reference. The thresholds are MAG's.",
    favourFinding: (series, party) =>
      `Series ${series}: the errors lean predominantly to the ${party}'s favour, near the limit (NIST Handbook 44 G-UR.4.1; MAG's thresholds).`,
    alerts: 'VI. ALERTS IN THE PERIOD',
    alertHeaders: ['Kind', 'Test point / standard', 'Severity', 'Opened', 'State now', 'Acknowledged', 'Resolved'],
    actor: (name, role) => (role ? `${name} (${role})` : name),
    roles: { admin: 'administrator', operator: 'enterprise', inspector: 'authority' },
    system: 'MAG (automatic)',
    note: 'note',
    forEnterprise: 'FOR THE ENTERPRISE',
    signHint: '(Signature, full name and seal)',
    fullName: 'Full name',
    position: 'Position',
  },
};
