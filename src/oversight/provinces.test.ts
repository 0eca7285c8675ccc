// The province table (provinces-vn.json): ISO 3166-2:VN's 63 codes before the 2025 merger, each
// named in Vietnamese and in English, and every code the project's demo, simulator and tests use;
// and, for a province now part of a unit of another name, that unit and the day it took over.
import { describe, expect, it } from 'vitest';
import { PROVINCE_TABLE, parseProvinceTable, provinceName, provinceNameOn, provinceOf, provinceTitle } from './provinces.ts';

const withoutDiacritics = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');

describe('the province table', () => {
  it('has the 58 provinces and 5 municipalities of ISO 3166-2:VN, each once', () => {
    const { provinces } = PROVINCE_TABLE;
    expect(provinces).toHaveLength(63);
    expect(new Set(provinces.map((p) => p.code)).size).toBe(63);
    expect(provinces.filter((p) => p.category === 'municipality').map((p) => p.code)).toEqual(['VN-CT', 'VN-DN', 'VN-HN', 'VN-HP', 'VN-SG']);
    // provinces have two digits, municipalities two letters
    for (const p of provinces) expect(p.code).toMatch(p.category === 'province' ? /^VN-\d{2}$/ : /^VN-[A-Z]{2}$/);
    expect(PROVINCE_TABLE.source).toMatch(/^ISO 3166-2:VN/);
  });

  it('writes each English name as the Vietnamese without its diacritics (Ho Chi Minh City aside)', () => {
    for (const p of PROVINCE_TABLE.provinces) if (p.code !== 'VN-SG') expect(p.en, p.code).toBe(withoutDiacritics(p.vi));
    expect(provinceOf('VN-SG')).toMatchObject({ vi: 'Thành phố Hồ Chí Minh', en: 'Ho Chi Minh City' });
  });

  it('names the provinces the demo, the simulator and the tests use, in both languages', () => {
    const names = (code: string) => [provinceName(code, 'vi'), provinceName(code, 'en')];
    expect(names('VN-BG')).toEqual(['Bắc Giang', 'Bac Giang']);
    expect(names('VN-HN')).toEqual(['Hà Nội', 'Ha Noi']);
    expect(names('VN-TTH')).toEqual(['Thừa Thiên Huế', 'Thua Thien Hue']);
    expect(names('VN-TN')).toEqual(['Tây Ninh', 'Tay Ninh']);
    expect(names('VN-BN')).toEqual(['Bắc Ninh', 'Bac Ninh']);
    expect(names('VN-DN')).toEqual(['Đà Nẵng', 'Da Nang']);
    expect(names('VN-CT')).toEqual(['Cần Thơ', 'Can Tho']);
    expect(names('VN-SG')).toEqual(['Thành phố Hồ Chí Minh', 'Ho Chi Minh City']);
  });

  it("takes the project's letter codes as aliases of ISO's two-digit ones, saying they are not ISO's", () => {
    expect(PROVINCE_TABLE.aliases.codes).toEqual({ 'VN-BG': 'VN-54', 'VN-BN': 'VN-56', 'VN-TN': 'VN-37', 'VN-TTH': 'VN-26' });
    expect(PROVINCE_TABLE.aliases.note).toMatch(/^NOT ISO 3166-2:VN codes/);
    expect(provinceName('VN-54', 'vi')).toBe('Bắc Giang');
    expect(provinceName('VN-37', 'en')).toBe('Tay Ninh');
  });

  it('prints a code it does not have as the code itself', () => {
    expect(provinceName('VN-XX', 'vi')).toBe('VN-XX');
    expect(provinceName('VN-15', 'en')).toBe('VN-15'); // Hà Tây, merged into Hà Nội in 2008: not guessed
  });

  it("says the 2025 merger left ISO 3166-2:VN's update unconfirmed", () => {
    expect(PROVINCE_TABLE.merger2025.isoUpdated).toBe('unconfirmed');
    expect(PROVINCE_TABLE.merger2025.note).toContain('202/2025/QH15');
    expect(PROVINCE_TABLE.merger2025.note).toContain('1 July 2025');
  });

  it('gives the 29 provinces merged into a unit of another name from 1 July 2025 their successor, and Thừa Thiên Huế the city Huế from 1 January 2025', () => {
    const successors = Object.fromEntries(PROVINCE_TABLE.provinces.filter((p) => p.successor).map((p) => [p.vi, p.successor!.vi]));
    expect(successors).toEqual({
      'Bà Rịa - Vũng Tàu': 'Thành phố Hồ Chí Minh',
      'Bắc Giang': 'Bắc Ninh',
      'Bắc Kạn': 'Thái Nguyên',
      'Bạc Liêu': 'Cà Mau',
      'Bến Tre': 'Vĩnh Long',
      'Bình Định': 'Gia Lai',
      'Bình Dương': 'Thành phố Hồ Chí Minh',
      'Bình Phước': 'Đồng Nai',
      'Bình Thuận': 'Lâm Đồng',
      'Đắk Nông': 'Lâm Đồng',
      'Hà Giang': 'Tuyên Quang',
      'Hà Nam': 'Ninh Bình',
      'Hải Dương': 'Hải Phòng',
      'Hậu Giang': 'Cần Thơ',
      'Hòa Bình': 'Phú Thọ',
      'Kiên Giang': 'An Giang',
      'Kon Tum': 'Quảng Ngãi',
      'Long An': 'Tây Ninh',
      'Nam Định': 'Ninh Bình',
      'Ninh Thuận': 'Khánh Hòa',
      'Phú Yên': 'Đắk Lắk',
      'Quảng Bình': 'Quảng Trị',
      'Quảng Nam': 'Đà Nẵng',
      'Sóc Trăng': 'Cần Thơ',
      'Thái Bình': 'Hưng Yên',
      'Thừa Thiên Huế': 'Huế',
      'Tiền Giang': 'Đồng Tháp',
      'Trà Vinh': 'Vĩnh Long',
      'Vĩnh Phúc': 'Phú Thọ',
      'Yên Bái': 'Lào Cai',
    });
    expect(provinceOf('VN-BG')!.successor).toMatchObject({ vi: 'Bắc Ninh', en: 'Bac Ninh', category: 'province', change: 'merged', since: '2025-07-01' });
    expect(provinceOf('VN-TTH')!.successor).toMatchObject({ vi: 'Huế', en: 'Hue', category: 'municipality', change: 'became', since: '2025-01-01' });
    // each successor names a unit of the table by its name, in both languages, and cites the page that says so
    for (const p of PROVINCE_TABLE.provinces) {
      const s = p.successor;
      if (!s) continue;
      if (p.code !== 'VN-26')
        expect(
          PROVINCE_TABLE.provinces.some((q) => q.vi === s.vi && q.en === s.en && !q.successor),
          p.code,
        ).toBe(true);
      expect(s.since, p.code).toBe(p.code === 'VN-26' ? '2025-01-01' : '2025-07-01');
      expect(s.source, p.code).toMatch(/^https?:\/\//);
    }
    // the provinces whose name the merged unit kept, and those left as they were, have none
    for (const code of ['VN-56', 'VN-37', 'VN-HN', 'VN-SG', 'VN-CT', 'VN-DN', 'VN-HP', 'VN-13']) expect(provinceOf(code)!.successor, code).toBeUndefined();
  });

  it("names the unit as it was on the day: the successor's from its day on, else the name as listed", () => {
    expect(provinceNameOn('VN-BG', 'vi', '2026-03-05')).toBe('Bắc Ninh');
    expect(provinceNameOn('VN-54', 'en', '2026-03-05')).toBe('Bac Ninh');
    expect(provinceNameOn('VN-54', 'vi', '2025-07-01')).toBe('Bắc Ninh');
    expect(provinceNameOn('VN-BG', 'vi', '2025-06-30')).toBe('Bắc Giang');
    expect(provinceNameOn('VN-TTH', 'vi', '2025-01-01')).toBe('Huế');
    expect(provinceNameOn('VN-26', 'en', '2024-12-31')).toBe('Thua Thien Hue');
    expect(provinceNameOn('VN-57', 'vi', '2026-12-10')).toBe('Thành phố Hồ Chí Minh');
    expect(provinceNameOn('VN-61', 'en', '2026-12-10')).toBe('Hai Phong');
    expect(provinceNameOn('VN-HN', 'vi', '2026-12-10')).toBe('Hà Nội');
    expect(provinceNameOn('VN-BN', 'vi', '2026-12-10')).toBe('Bắc Ninh');
    expect(provinceNameOn('VN-XX', 'vi', '2026-12-10')).toBe('VN-XX');
    // the name as listed stays what provinceName gives, whatever the day
    expect(provinceName('VN-BG', 'vi')).toBe('Bắc Giang');
    expect(() => provinceNameOn('VN-BG', 'vi', '05/03/2026')).toThrow(
      'provinceNameOn(VN-BG): the day must be written YYYY-MM-DD, such as 2026-03-05; received "05/03/2026"',
    );
  });

  it('titles a province with its successor when the period ends on or after the day it took over', () => {
    expect(provinceTitle('VN-BG', 'vi', '2026-03-31')).toBe('Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)');
    expect(provinceTitle('VN-BG', 'en', '2026-03-31')).toBe('Bac Giang (part of Bac Ninh since 1 July 2025)');
    expect(provinceTitle('VN-54', 'vi', '2025-07-01')).toBe('Bắc Giang (từ 01/07/2025 thuộc tỉnh Bắc Ninh)');
    expect(provinceTitle('VN-BG', 'vi', '2025-06-30')).toBe('Bắc Giang');
    expect(provinceTitle('VN-BG', 'en', '2025-06-30')).toBe('Bac Giang');
    expect(provinceTitle('VN-TTH', 'vi', '2025-03-31')).toBe('Thừa Thiên Huế (từ 01/01/2025 là thành phố Huế)');
    expect(provinceTitle('VN-TTH', 'en', '2025-03-31')).toBe('Thua Thien Hue (the city of Hue since 1 January 2025)');
    expect(provinceTitle('VN-61', 'vi', '2025-12-31')).toBe('Hải Dương (từ 01/07/2025 thuộc thành phố Hải Phòng)');
    expect(provinceTitle('VN-57', 'vi', '2025-12-31')).toBe('Bình Dương (từ 01/07/2025 thuộc Thành phố Hồ Chí Minh)');
    expect(provinceTitle('VN-57', 'en', '2025-12-31')).toBe('Binh Duong (part of Ho Chi Minh City since 1 July 2025)');
    expect(provinceTitle('VN-HN', 'vi', '2026-03-31')).toBe('Hà Nội');
    expect(provinceTitle('VN-XX', 'en', '2026-03-31')).toBe('VN-XX');
  });

  it('refuses a table with a code twice or an alias naming a code it lacks, naming the file', () => {
    const table = (provinces: unknown[], codes: Record<string, string> = {}) => ({
      source: 'test',
      merger2025: { isoUpdated: 'unconfirmed', note: 'n' },
      aliases: { note: 'n', codes },
      provinces,
    });
    const bg = { code: 'VN-54', vi: 'Bắc Giang', en: 'Bac Giang', category: 'province' };
    expect(() => parseProvinceTable(table([bg, bg]), 'p.json')).toThrow('Invalid province table p.json: VN-54 is listed twice');
    expect(() => parseProvinceTable(table([bg], { 'VN-TN': 'VN-37' }), 'p.json')).toThrow('alias VN-TN names VN-37, which the table lacks');
    expect(() => parseProvinceTable(table([{ ...bg, en: 'Bắc Giang' }]), 'p.json')).toThrow(/provinces\.0\.en: must be written without diacritics/);
  });

  it('refuses a successor without a real day, a source, or a note for what is unconfirmed', () => {
    const table = (successor: unknown) => ({
      source: 'test',
      merger2025: { isoUpdated: 'unconfirmed', note: 'n' },
      aliases: { note: 'n', codes: {} },
      provinces: [{ code: 'VN-54', vi: 'Bắc Giang', en: 'Bac Giang', category: 'province', successor }],
    });
    const bn = { vi: 'Bắc Ninh', en: 'Bac Ninh', category: 'province', change: 'merged', since: '2025-07-01', source: 'https://example.org/202-2025-qh15' };
    expect(parseProvinceTable(table(bn), 'p.json').provinces[0].successor).toEqual(bn);
    expect(parseProvinceTable(table({ ...bn, unconfirmed: true, note: 'no source read says so' }), 'p.json').provinces[0].successor?.unconfirmed).toBe(true);
    const day = /provinces\.0\.successor\.since: must be a day written YYYY-MM-DD, such as 2025-07-01/;
    expect(() => parseProvinceTable(table({ ...bn, since: '2025-02-30' }), 'p.json')).toThrow(day);
    expect(() => parseProvinceTable(table({ ...bn, since: '01/07/2025' }), 'p.json')).toThrow(day);
    expect(() => parseProvinceTable(table({ ...bn, source: 'a newspaper' }), 'p.json')).toThrow(
      /provinces\.0\.successor\.source: must be the http\(s\) address of the page that says so/,
    );
    expect(() => parseProvinceTable(table({ ...bn, unconfirmed: true }), 'p.json')).toThrow(
      /provinces\.0\.successor\.note: an unconfirmed successor needs a note saying what is unconfirmed/,
    );
    expect(() => parseProvinceTable(table({ ...bn, unconfirmed: false }), 'p.json')).toThrow(/provinces\.0\.successor\.unconfirmed/);
    expect(() => parseProvinceTable(table({ ...bn, code: 'VN-56' }), 'p.json')).toThrow(/provinces\.0\.successor/);
  });
});
