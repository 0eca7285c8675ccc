import { describe, expect, it } from 'vitest';
import { pointName } from './labels.ts';

describe('pointName: a test point in the reader’s words, as the console writes it', () => {
  it('translates the points the dictionaries know, keeping figures and units, and leaves others as sent', () => {
    expect(pointName('bump', 'vi')).toBe('kiểm tra phản ứng');
    expect(pointName('bump', 'en')).toBe('bump test');
    expect(pointName('Qmax', 'vi')).toBe('lưu lượng lớn nhất Qmax');
    expect(pointName('wet-bath-0.250', 'vi')).toBe('khí chuẩn ướt 0,250');
    expect(pointName('GB-50mm', 'vi')).toBe('căn mẫu 50 mm');
    expect(pointName('GB-50mm', 'en')).toBe('gauge block 50 mm');
    expect(pointName('ambient', 'vi')).toBe('ambient');
    expect(pointName(undefined, 'vi')).toBe('');
  });
});
