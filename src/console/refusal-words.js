// @ts-check
// The gateway's refusals told to a Vietnamese reader. The API words its errors in English
// (docs/contract.md: {error: {code, message, details?: [{path, message}]}}, each detail "<field>
// <what is accepted>; received <value>"); an operator reading Vietnamese got them as they came.
// Here: a lead sentence chosen by the HTTP status and the error's code, then one line per field
// named as the form labels it, its message translated where a pattern below recognises it. What
// no pattern knows is not guessed at: the line says the field is not accepted, and the English,
// kept whole for support, is shown under "Chi tiết kỹ thuật" (blocks.js errorBox).
// Pure: no DOM, no session, so that it is tested beside itself with the API's own messages
// (refusal-words.test.ts).

/**
 * A refusal as the console holds it (api.js ApiError), or a failed network call (status 0).
 * @typedef {{ status: number, code: string, message: string, details?: unknown }} Refusal
 */
/**
 * A form's names for the API's fields: path → the label the reader sees ("issuedAt" → "Ngày cấp").
 * A numeric segment of a path is matched by `#`, and `{n}` in the label is that number + 1, the
 * position the reader counts: { 'items.#': 'đơn vị hàng thứ {n}' } names "items.5.net" "đơn vị hàng thứ 6".
 * @typedef {Record<string, string>} FieldNames
 */
/**
 * @typedef {object} RefusalTold
 * @property {string} lead what happened, in one sentence
 * @property {Array<{ field?: string, text: string, known: boolean }>} lines one per reason: the field's
 *   name (none for the request as a whole), what is wrong, and whether a pattern recognised it
 */

/** Fields the API's forms share, named as the console's forms label them: the fallback to a form's own names. */
const COMMON_FIELDS = /** @type {FieldNames} */ ({
  note: 'Ghi chú',
  text: 'Nội dung',
  reason: 'Lý do',
  tenant: 'Doanh nghiệp',
  '(lot)': 'Lô',
  'items.#': 'Đơn vị hàng thứ {n}',
});

/** The lead by the API's code or status; what the body's first message names more precisely comes first. */
const SPECIFIC_LEADS = /** @type {Array<[RegExp, string]>} */ ([
  [/^the certificate does not fit the instrument$/, 'Giấy chứng nhận không phù hợp với phương tiện đo.'],
  [/^the lot cannot be declared$/, 'Không khai báo được lô.'],
  [/^the packages cannot be added$/, 'Chưa thêm được đơn vị hàng nào: cả lần nhập bị từ chối.'],
  [/^the device does not fit its instrument type$/, 'Phương tiện đo không phù hợp với loại đã chọn.'],
  [/^the scale does not fit its instrument type$/, 'Cân không phù hợp với cấp chính xác đã chọn (OIML R76-1 Bảng 3).'],
  [/^the query string is invalid$/, 'Điều kiện lọc chưa hợp lệ.'],
]);

/** @param {Refusal} r */
function leadOf(r) {
  if (r.status === 0) return 'Không kết nối được với cổng MAG. Hãy kiểm tra mạng rồi thử lại.';
  for (const [re, vi] of SPECIFIC_LEADS) if (r.status === 400 && re.test(r.message)) return vi;
  if (r.code === 'invalid_request' || r.status === 400) return 'Dữ liệu chưa hợp lệ.';
  if (r.code === 'conflict' || r.status === 409) return 'Xung đột với dữ liệu đã có.';
  if (r.status === 401) return 'Mã truy cập không hợp lệ hoặc đã bị thu hồi. Hãy đăng nhập lại.';
  if (r.status === 403) return 'Vai trò của bạn không được phép thực hiện việc này.';
  if (r.status === 404) return 'Không tìm thấy, hoặc mã truy cập này không được xem.';
  if (r.status === 413) return 'Dữ liệu gửi lên quá lớn. Hãy chia nhỏ rồi gửi lại.';
  if (r.status === 415) return 'Cổng MAG không nhận dữ liệu ở dạng này.';
  if (r.status === 429) return 'Quá nhiều yêu cầu trong thời gian ngắn. Hãy đợi một lát rồi thử lại.';
  if (r.status >= 500) return 'Cổng MAG đang gặp sự cố hoặc tạm thời chưa sẵn sàng. Hãy thử lại sau ít phút.';
  return `Yêu cầu bị từ chối (HTTP ${r.status}).`;
}

/** 2026-05-01 → 01/05/2026, as the console writes days in Vietnamese. @param {string} day */
const viDay = (day) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
};
/** A figure with the Vietnamese decimal comma. @param {string} x */
const viNum = (x) => x.replace(/^(-?\d+)\.(\d+)$/, '$1,$2');
/** What registration.ts adds where a scale's e or Max is its type's default, not given (POST /devices without them). */
const SCALE_DEFAULTS = String.raw`(?:; (.+?) (?:are the defaults|is the default) of type (\S+) \(devices\/\S+\.json\), not given by the registration: register the scale's e and max as marked on it)?`;
/** The same, in Vietnamese. @param {string | undefined} given "e 0.05 kg and Max 150 kg" */
const viDefaults = (given) =>
  given
    ? `; ${given.replace(/\b(\d+)\.(\d+)\b/g, '$1,$2').replace(' and ', ' và ')} là giá trị mặc định của loại phương tiện đo, không phải của cân: hãy nhập e và Max ghi trên cân`
    : '';
/** A class's rows of OIML R76-1 Table 3 beside the n that applied (registration.ts nNote). @param {string | undefined} note */
const viTableNote = (note) =>
  note === undefined
    ? ''
    : note.startsWith('fewer')
      ? ' (ít hơn khi d < 0,1 mg)'
      : ` (${note.replace(/^from (.+) when e ≥ (\S+) g$/, (_, n, e) => `từ ${n} khi e ≥ ${viNum(e)} g`)})`;

/** An instrument type as a refusal names it (its id), in Vietnamese where the words are known. @param {string} id */
const typeWords = (id) => ({ 'water-meter': 'đồng hồ đo nước' })[id] ?? `phương tiện đo loại ${id}`;

/**
 * What a field's message says once its name and the value received are taken off, in Vietnamese.
 * Each pattern is anchored: a message only partly like one is left to the technical details rather
 * than told wrongly. `name` names another field the message refers to (validUntil "must be after issuedAt").
 * @type {Array<[RegExp, (m: RegExpExecArray, name: (path: string) => string) => string]>}
 */
export const PATTERNS = [
  [/^must not be negative$/, () => 'không được là số âm'],
  // a check whose MPE is set by its test point (a water meter's flow zone: src/metrology/mpe.ts byTestPoint)
  [
    /^(?:point )?"(.*)" is not a test point of (\S+) class (\S+): one of (.+); its MPE is set by the test point, not by the reference value; not a valid test$/,
    (m) =>
      `“${m[1]}” không phải là điểm kiểm tra của ${typeWords(m[2])} cấp ${m[3]}: chỉ nhận ${m[4]}; sai số cho phép được xác định theo điểm kiểm tra (lưu lượng thử), không theo giá trị chuẩn; phép kiểm tra không hợp lệ`,
  ],
  [
    /^a check of (\S+) \(class (\S+)\) must name its test point: `point` one of (.+); its MPE is set by the test point, not by the reference value; not a valid test$/,
    (m) =>
      `phép kiểm tra ${typeWords(m[1])} (cấp ${m[2]}) phải ghi điểm kiểm tra, một trong ${m[3]}: sai số cho phép được xác định theo điểm kiểm tra (lưu lượng thử), không theo giá trị chuẩn; phép kiểm tra không hợp lệ`,
  ],
  [/^must not be empty(?: or only spaces)?$/, () => 'không được để trống'],
  [/^must name the product: it is only spaces$/, () => 'không được để trống'],
  [/^must be after (\S+)$/, (m, name) => `phải sau “${name(m[1])}”`],
  [
    /^is in the future: .*the gateway's clock reads (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})(?::\d{2})? in (\S+?)[);]?(?: \(.*\))?$/,
    (m) => `là ngày trong tương lai: đồng hồ của cổng MAG đang là ${m[2]} ngày ${viDay(m[1])} (${m[3]})`,
  ],
  [/^must be at most (\d+) characters long$/, (m) => `dài quá: tối đa ${m[1]} ký tự`],
  [/^must be at least (\d+) characters long$/, (m) => `ngắn quá: ít nhất ${m[1]} ký tự`],
  [/^must be at least 16 characters$/, () => 'ngắn quá: ít nhất 16 ký tự'],
  [/^must be greater than (\S+)$/, (m) => `phải lớn hơn ${viNum(m[1])}`],
  [/^must be at least (\S+)$/, (m) => `phải từ ${viNum(m[1])} trở lên`],
  [/^must be at most (\S+)$/, (m) => `không được lớn hơn ${viNum(m[1])}`],
  [/^must be a number$/, () => 'phải là một số'],
  [/^must be a whole number(?: of packages)?$/, () => 'phải là số nguyên'],
  [/^must be a whole number from (\d+) to (\d+)$/, (m) => `phải là số nguyên từ ${m[1]} đến ${m[2]}`],
  [/^must be a finite number(?: ≥ 0)?$/, (m) => (m[0].endsWith('0') ? 'phải là một số không âm' : 'phải là một số')],
  [/^must be a finite number of magnitude at most 1e9\b/, () => 'phải là một số có độ lớn không quá 1 000 000 000'],
  [/^must be text\b/, () => 'phải là văn bản'],
  [/^must be true or false$/, () => 'phải là có hoặc không'],
  [/^must be one of (.+)$/, (m) => `phải là một trong các giá trị: ${m[1]}`],
  [/^must be an ISO 8601 date\b/, () => 'không phải là ngày hợp lệ (viết theo dạng năm-tháng-ngày, ví dụ 2026-03-31)'],
  [/^is not a calendar date\b/, () => 'không phải là ngày có trên lịch'],
  [/^must have a year from (\d+) to (\d+)$/, (m) => `phải có năm từ ${m[1]} đến ${m[2]}`],
  [
    /^a critical alert \(.+\) is resolved with a note saying what was done\b/,
    () => 'bắt buộc với cảnh báo nghiêm trọng: ghi rõ đã làm gì (hiệu chỉnh hay sửa chữa, số giấy chứng nhận mới, hoặc vì sao đây là báo động nhầm)',
  ],
  [
    /^would be package (\d+) of lot (\S+), declared with lotSize (\d+), and a lot takes no more packages than that: (?:it has (\d+) so far and takes (\d+) more, and this request brings (\d+) new ones|it has (\d+) already); none was added$/,
    (m) =>
      `sẽ là đơn vị hàng thứ ${m[1]} của lô ${m[2]}, vượt cỡ lô đã khai báo (${m[3]} đơn vị): ` +
      (m[7] === undefined ? `lô đã có ${m[4]}, chỉ nhận thêm ${m[5]}, mà lần này nhập ${m[6]} đơn vị mới` : `lô đã đủ ${m[7]} đơn vị`) +
      '. Không đơn vị nào được thêm',
  ],
  [
    /^would leave a gap: the lot has (\d+) packages so far, so the next is (\d+)$/,
    (m) => `sẽ để lại vị trí trống: lô đang có ${m[1]} đơn vị hàng, vị trí tiếp theo là ${m[2]}`,
  ],
  [
    /^.+ with other content \(.+\): a resend must repeat the package as sent$/,
    () => 'đã được gửi trước đó với giá trị khác: gửi lại phải giữ nguyên như lần đầu',
  ],
  [
    /^needs the lot's average tare\b/,
    () => 'là khối lượng cả bì, mà lô được khai báo không có khối lượng bì trung bình: hãy nhập khối lượng tịnh, hoặc khai báo lô kèm khối lượng bì trung bình',
  ],
  [/^must not be sent with net: send one of them$/, () => 'không được gửi cùng khối lượng tịnh: chỉ gửi một trong hai'],
  [
    /^must be at most (\S+) (\S+) \((?:10 × Qn|10 × Qn \+ the average tare) = [^)]*\): a package of ten times its nominal quantity\b/,
    (m) =>
      `không được lớn hơn ${viNum(m[1])} ${m[2]} (10 × Qn): một đơn vị hàng gấp mười lần lượng danh định không thuộc lô này (nhầm đơn vị như kg thay cho g, hoặc gõ nhầm)`,
  ],
  [
    /^Qn = (\S+) (\S+) is outside the table of tolerable deficiencies \((.+), OIML R87 Table 1\)\.$/,
    (m) => `Lượng danh định Qn = ${viNum(m[1])} ${m[2]} nằm ngoài bảng lượng thiếu cho phép (${m[3].replace(' to ', ' đến ')}, OIML R87 Bảng 1)`,
  ],
  [/^Plan "(.+)" asks for (\d+) packages but the lot has only (\d+)\.$/, (m) => `Phương án lấy mẫu “${m[1]}” cần ${m[2]} đơn vị hàng nhưng lô chỉ có ${m[3]}`],
  [
    /^Packages measured in (\S+) for a lot declared in (\S+) need the product's density \(g\/mL\)\.$/,
    (m) => `Đơn vị hàng đo bằng ${m[1]} cho lô khai báo bằng ${m[2]} cần khối lượng riêng của sản phẩm (g/mL)`,
  ],
  [
    /^The average tare (\S+) (\S+) must be less than 10 × Qn\b/,
    (m) => `Khối lượng bì trung bình ${viNum(m[1])} ${m[2]} phải nhỏ hơn 10 × Qn: bao bì nặng gấp mười lần sản phẩm là nhầm đơn vị hoặc gõ nhầm`,
  ],
  [/^must be a registered instrument of enterprise (\S+)$/, (m) => `phải là phương tiện đo đã đăng ký của doanh nghiệp ${m[1]}`],
  [/^must be a weighing instrument\b.*: (\S+) is a (.+)$/, (m) => `phải là phương tiện cân (cân hoặc cân kiểm tra): ${m[1]} là ${m[2]}`],
  [
    /^(\S+) (\S+) is larger than anything the instrument reads \(range (.+?)\)/,
    (m) => `${viNum(m[1])} ${m[2]} lớn hơn mọi giá trị phương tiện đo đọc được (phạm vi đo ${m[3]})`,
  ],
  [/^must be a small relative correction\b/, () => 'phải là hệ số hiệu chính tương đối nhỏ, |gain| < 0,5 (0,002 là +0,2 %)'],
  // a scale's e, Max and class (src/metrology/registration.ts scaleErrors): POST /devices and a campaign's verification
  [
    new RegExp(
      String.raw`^max\/e = (\S+) kg \/ (\S+) kg = (\S+) verification scale intervals; class (\S+) has (?:from ([\d ]+) to ([\d ]+)|at least ([\d ]+) and no maximum)(?: \(([^)]+)\))? \(OIML R76-1 Table 3\): check max, e and the class${SCALE_DEFAULTS}$`,
    ),
    (m) =>
      `Max/e = ${viNum(m[1])} kg / ${viNum(m[2])} kg = ${viNum(m[3])} khoảng chia kiểm, mà cấp ${m[4]} cho phép ` +
      (m[5] !== undefined ? `từ ${m[5]} đến ${m[6]}` : `ít nhất ${m[7]}, không giới hạn trên`) +
      `${viTableNote(m[8])} (OIML R76-1 Bảng 3): hãy kiểm tra lại Max, e và cấp chính xác${viDefaults(m[9])}`,
  ],
  [
    new RegExp(
      String.raw`^(\S+) kg is finer than class (\S+) allows: at least (\S+) kg \((\S+) g; OIML R76-1 Table 3\); give e in kg(; e is the verification scale interval, not the display step d: register d as \`resolution\` beside e)?${SCALE_DEFAULTS}$`,
    ),
    (m) =>
      `${viNum(m[1])} kg nhỏ hơn mức cấp ${m[2]} cho phép: e ít nhất ${viNum(m[3])} kg (${viNum(m[4])} g; OIML R76-1 Bảng 3); hãy nhập e theo kg` +
      (m[5] ? '; e là giá trị độ chia kiểm, không phải giá trị độ chia d' : '') +
      viDefaults(m[6]),
  ],
  [
    /^(\S+) (\S+) is larger than max (\S+) \S+: e is the verification scale interval, a small step of the capacity \(n = max\/e intervals\); give both in (\S+)$/,
    (m) =>
      `${viNum(m[1])} ${m[2]} lớn hơn Max ${viNum(m[3])} ${m[2]}: e là giá trị độ chia kiểm, một bước nhỏ của mức cân lớn nhất (n = Max/e khoảng chia); hãy nhập cả hai theo ${m[4]}`,
  ],
];

/**
 * Messages without fields (a 409's, a 404's), told whole.
 * @type {Array<[RegExp, (m: RegExpExecArray) => string]>}
 */
export const WHOLE_MESSAGES = [
  [/^lot (\S+) already exists$/, (m) => `Lô ${m[1]} đã được khai báo trước đó.`],
  [/^device (\S+) already exists$/, (m) => `Phương tiện đo ${m[1]} đã được đăng ký trước đó.`],
  [
    /^certificate (.+) of (\S+) is on record already .*with other content\b/,
    (m) => `Giấy chứng nhận số ${m[1]} của ${m[2]} đã có trong hồ sơ với nội dung khác. Giấy chứng nhận đã ghi nhận không bị thay thế: giấy mới có số riêng.`,
  ],
  [/^alert \S+ is already resolved by (.+) at (\S+)$/, (m) => `Cảnh báo này đã được xử lý xong trước đó (${personOf(m[1])}).`],
  [
    /^alert \S+ is already acknowledged by (.+) at (\S+);/,
    (m) => `Cảnh báo này đã được xác nhận trước đó (${personOf(m[1])}); hãy xử lý nó, kèm ghi chú nếu cần.`,
  ],
  [/^finding (\S+) is closed$/, () => 'Phát hiện này đã được đóng: không trả lời được nữa.'],
  [
    /^finding \S+ was answered already by (.+) at (\S+);/,
    (m) => `Phát hiện này đã được trả lời trước đó (${personOf(m[1])}). Câu trả lời giữ nguyên trong hồ sơ: việc đã làm sau đó hãy báo cho kiểm tra viên.`,
  ],
];

/** "operator:Quản lý hn-ent:0123456789ab" → "Quản lý hn-ent": the person, without the token (blocks.js actorName). @param {string} actor */
function personOf(actor) {
  const m = /^(?:admin|operator|inspector):(.+?)(?::[^\s:]+)?$/s.exec(actor);
  return m ? m[1] : actor;
}

/**
 * The reader's name of a field: the form's, else the shared one, else the path as sent.
 * @param {string} path @param {FieldNames} fields
 */
export function fieldName(path, fields = {}) {
  const names = { ...COMMON_FIELDS, ...fields };
  const numbers = path.split('.').filter((s) => /^\d+$/.test(s));
  const generic = path.replace(/(^|\.)\d+(?=\.|$)/g, '$1#');
  // "items.5.net": the form's "items.#.net", else its "items.#"; the number is the first index met
  const segments = generic.split('.');
  for (let i = segments.length; i > 0; i--) {
    const key = segments.slice(0, i).join('.');
    const exact = i === segments.length ? names[path] : undefined;
    const named = exact ?? names[key];
    if (named !== undefined) return named.replace('{n}', numbers.length ? String(Number(numbers[0]) + 1) : '');
  }
  return path;
}

/**
 * One field's message told in Vietnamese: its name and the value received taken off, the rest by PATTERNS.
 * @param {string} path @param {string} message @param {FieldNames} [fields]
 * @returns {{ text: string, known: boolean }}
 */
export function fieldMessage(path, message, fields = {}) {
  let rest = message.startsWith(`${path} `) ? message.slice(path.length + 1) : message;
  const missing = /^is missing: it /.exec(rest);
  if (missing) return { text: 'chưa nhập: bắt buộc phải có', known: true };
  /** @type {string | undefined} */
  let received;
  const r = /; received (.*)$/s.exec(rest);
  if (r) {
    received = r[1];
    rest = rest.slice(0, r.index);
  }
  for (const [re, tell] of PATTERNS) {
    const m = re.exec(rest);
    if (!m) continue;
    const text = tell(m, (p) => fieldName(p, fields));
    // the value received helps find the slip, unless there is nothing to see ("", spaces, a secret)
    const shown =
      received !== undefined && !/^"\s*"$/.test(received) && !received.startsWith('a value not repeated')
        ? `; đã nhập: ${received.replace(/… \((\d+) characters\)$/, '… ($1 ký tự)')}`
        : '';
    return { text: `${text}${shown}`, known: true };
  }
  return { text: 'không được chấp nhận (xem chi tiết kỹ thuật)', known: false };
}

/**
 * A refusal in Vietnamese: the lead, then one line per field error, or the whole message told where known.
 * @param {Refusal} r @param {FieldNames} [fields]
 * @returns {RefusalTold}
 */
export function refusalInVietnamese(r, fields = {}) {
  const lead = leadOf(r);
  const details = Array.isArray(r.details) ? /** @type {unknown[]} */ (r.details) : [];
  /** @type {RefusalTold['lines']} */
  const lines = details.map((d) => {
    const x = /** @type {{ path?: unknown, message?: unknown } | null} */ (d);
    const path = typeof x?.path === 'string' ? x.path : '';
    const message = String(x?.message ?? d);
    const { text, known } = fieldMessage(path, message, fields);
    return { ...(path && path !== '(root)' ? { field: fieldName(path, fields) } : {}), text, known };
  });
  if (lines.length === 0 && r.status !== 0) {
    for (const [re, tell] of WHOLE_MESSAGES) {
      const m = re.exec(r.message);
      if (m) return { lead, lines: [{ text: tell(m), known: true }] };
    }
  }
  return { lead, lines };
}
