// The province table (provinces-vn.json): ISO 3166-2:VN's 63 codes before the 2025 merger, each
// named in Vietnamese and in English, and every code the project's demo, simulator and tests use.
import { describe, expect, it } from 'vitest';
import { PROVINCE_TABLE, parseProvinceTable, provinceName, provinceOf } from './provinces.ts';

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
});
