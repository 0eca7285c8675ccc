// Who a scale verified in a market campaign belongs to: one tenant per market of a region, the
// same in every campaign; ids the broker accepts (^[A-Za-z0-9_-]{1,64}$) from Vietnamese names.
import { describe, expect, it } from 'vitest';
import { marketTenantId, marketTenantName, scaleDeviceId, slug } from './market-tenant.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

describe('market tenants', () => {
  it('are named from the market in plain ASCII, diacritics and đ removed', () => {
    expect(slug('Chợ Đồng Xuân', 40)).toBe('cho-dong-xuan');
    expect(marketTenantId('VN-BG', { name: 'Chợ Thương' })).toBe('mkt-vn-bg-cho-thuong');
    expect(marketTenantId('VN-BG', { name: 'Chợ Trung tâm', district: 'Lục Ngạn' })).toBe('mkt-vn-bg-cho-trung-tam-luc-ngan');
    expect(marketTenantName({ name: 'Chợ Thương', district: 'TP Bắc Giang' })).toBe('Tiểu thương Chợ Thương, TP Bắc Giang');
  });

  it('keep a long name within the id limit, told apart from a similar one by a hash of the whole', () => {
    const a = marketTenantId('VN-BG', { name: 'Chợ đầu mối nông sản và thực phẩm tổng hợp huyện Lục Ngạn số 1' });
    const b = marketTenantId('VN-BG', { name: 'Chợ đầu mối nông sản và thực phẩm tổng hợp huyện Lục Ngạn số 2' });
    expect(a).toMatch(ID);
    expect(b).toMatch(ID);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(50);
  });

  it('give a scale an id from its market and serial, numbered when another instrument holds it', () => {
    expect(scaleDeviceId({ name: 'Chợ Thương' }, 'NS/2201 A')).toBe('sc-cho-thuong-ns-2201-a');
    expect(scaleDeviceId({ name: 'Chợ Thương' }, 'NS/2201 A', 2)).toBe('sc-cho-thuong-ns-2201-a-2');
    expect(scaleDeviceId({ name: 'Chợ đầu mối nông sản tổng hợp' }, 'SERIAL-0123456789-0123456789-0123456789', 12)).toMatch(ID);
    expect(slug('***', 10)).toBe('x');
  });
});
