// End-to-end: a points-refused alert in the console, and what an admin does about it. InfluxDB
// refuses a device's points for good (a field type conflict); the alert's page lists the points
// kept; once the cause is removed the admin sends them again, or discards those that will never
// be stored, with a reason. A real influxd, a real gateway, real MQTT clients, Debian's Chromium.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { DESKTOP, launchConsoleBrowser, PHONE, shot, signIn, unnamedControls, type ConsoleBrowser } from '../support/browser.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';

const DAY = 86_400_000;

describe('points refused by InfluxDB, in the console (real browser)', () => {
  let influxd: InfluxdHandle;
  let t: TestGateway;
  let b: ConsoleBrowser;

  beforeAll(async () => {
    influxd = await startInfluxd();
    t = await startTestGateway({ MAG_INFLUX_URL: influxd.url, MAG_SINK_RETRY_MAX_MS: '1000' });
    b = await launchConsoleBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await t?.destroy();
    await influxd?.destroy();
  });

  /**
   * Field types are per measurement per shard in InfluxDB 1.x: a float `status` written straight
   * into the week of `ts` makes the gateway's string `status` of that week a conflict.
   */
  const poisonWeekOf = async (ts: number) => {
    const r = await fetch(`${influxd.url}/write?db=mag&precision=ms`, { method: 'POST', body: `reading,device=seed-poison status=1.5 ${ts}` });
    expect(r.status).toBe(204);
  };
  /** The cause removed, as an engineer would: the week's shard that holds the float `status` dropped. */
  const dropWeekOf = async (ts: number) => {
    const shards = (await influxd.query('SHOW SHARDS')).results[0].series!.find((s) => s.name === 'mag')!;
    const col = (name: string) => shards.columns.indexOf(name);
    const week = shards.values.find((v) => Date.parse(v[col('start_time')] as string) <= ts && ts < Date.parse(v[col('end_time')] as string))!;
    await influxd.query(`DROP SHARD ${week[col('id')]}`);
  };
  /** Two readings of `id` in the poisoned week, acknowledged, refused and kept: its open points-refused alert. */
  const refusedReadings = async (id: string, ts: number, n: number) => {
    const c = await t.connect(id, await t.device({ id, type: 'barometer', tenant: 'dl-ent' }));
    for (let seq = 1; seq <= n; seq++) {
      await c.publishAsync(
        `instruments/${id}/readings`,
        JSON.stringify({ seq, ts: new Date(ts + seq * 1000).toISOString(), quantity: 'pressure', value: 1012 + seq, unit: 'hPa' }),
        {
          qos: 1,
        },
      );
    }
    await c.endAsync();
    await t.drained();
    return vi.waitFor(
      async () => {
        const [alert] = (await t.call('GET', `/api/v1/alerts?device=${id}&kind=points-refused`)).body.items;
        expect(alert?.count).toBe(n);
        return alert as { id: string };
      },
      { timeout: 10_000 },
    );
  };

  it('an operator is told who can act; an admin sees the points kept and sends them again once the cause is removed', async () => {
    const ts = Date.now() - 60 * DAY;
    await poisonWeekOf(ts);
    const alert = await refusedReadings('baro-dl-1', ts, 2);

    const operator = (await t.call('POST', '/api/v1/tokens', { role: 'operator', tenant: 'dl-ent', name: 'operator dl-ent' })).body.token as string;
    const op = await b.open(DESKTOP, 'vi-VN');
    await signIn(op.page, t.api, operator, `/#/alerts/${alert.id}`);
    await op.page.getByRole('heading', { name: 'Điểm dữ liệu bị giữ lại (cơ sở dữ liệu từ chối)' }).waitFor();
    expect(await op.page.locator('main').textContent()).toMatch(/Quản trị viên có thể gửi lại các điểm này/);
    expect(await op.page.getByRole('button', { name: 'Gửi lại' }).count()).toBe(0);
    expect(op.problems).toEqual([]);

    const { page, problems, refused } = await b.open(DESKTOP, 'vi-VN');
    await signIn(page, t.api, ADMIN_TOKEN, `/#/alerts/${alert.id}`);
    const kept = page.getByRole('region', { name: 'Các điểm bị giữ lại, mới nhất trước' });
    await kept.waitFor();
    expect(await kept.locator('tbody tr').count()).toBe(2);
    expect(await kept.locator('tbody').textContent()).toMatch(/field type conflict/);
    expect(await page.locator('main').textContent()).toMatch(/Số điểm bị giữ lại: 2\./);
    // the evidence named in the console's language
    expect(await page.locator('main').textContent()).toMatch(/Lý do của cơ sở dữ liệuInfluxDB v1 refused/);
    await shot(page, 'dead-letters-admin-vi');

    // Sent again while the conflict is still there: refused again, both still kept.
    const status = page.locator('section [role=status]');
    await page.getByRole('button', { name: 'Gửi lại' }).click();
    await expect.poll(() => status.textContent()).toBe('Đã lưu 0; còn 2 bị từ chối.');
    expect(await kept.locator('tbody tr').count()).toBe(2);

    await dropWeekOf(ts);
    await page.getByRole('button', { name: 'Gửi lại' }).click();
    await expect.poll(() => status.textContent()).toBe('Đã lưu 2; còn 0 bị từ chối. Không còn điểm nào: cảnh báo đã được đóng.');
    expect(await page.locator('main').textContent()).toMatch(/Không có điểm dữ liệu nào của phương tiện này bị giữ lại\./);
    expect(await page.getByRole('button', { name: 'Gửi lại' }).isVisible()).toBe(false); // nothing left to act on
    // stored now, and the alert resolved by the gateway
    const stored = await influxd.query(`SELECT count(value) FROM reading WHERE device = 'baro-dl-1'`);
    expect(stored.results[0].series?.[0].values[0][1]).toBe(2);
    expect((await t.call('GET', `/api/v1/alerts/${alert.id}`)).body).toMatchObject({ state: 'resolved', resolvedBy: 'system' });
    expect(await unnamedControls(page)).toEqual([]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('an admin discards a point that will never be stored, with the reason the audit keeps (phone, English)', async () => {
    const ts = Date.now() - 90 * DAY;
    await poisonWeekOf(ts);
    const alert = await refusedReadings('baro-dl-2', ts, 1);

    const { page, problems, refused } = await b.open(PHONE, 'en-GB');
    await signIn(page, t.api, ADMIN_TOKEN, `/#/alerts/${alert.id}`);
    await page.getByRole('region', { name: 'The points kept, newest first' }).waitFor();
    expect(await page.locator('main').textContent()).toMatch(/Points kept: 1\./);
    // no reason, no discard: the form asks for one
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await page.getByLabel('Why they will never be stored (required, audited)').evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(
      true,
    );
    expect((await t.call('GET', `/api/v1/dead-letters?device=baro-dl-2`)).body.items).toHaveLength(1);

    const reason = 'test reading sent by the installer';
    await page.getByLabel('Why they will never be stored (required, audited)').fill(reason);
    await page.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.locator('section [role=status]').textContent()).toBe('1 discarded. None is left: the alert is resolved.');
    await shot(page, 'dead-letters-discarded-phone-en');
    expect((await t.call('GET', `/api/v1/dead-letters?device=baro-dl-2`)).body.items).toEqual([]);
    const [audit] = (await t.call('GET', '/api/v1/audit')).body.items.filter((e: { action: string }) => e.action === 'dead-letters.discard');
    expect(audit.details).toMatchObject({ reason, discarded: 1, points: [{ device: 'baro-dl-2', seq: 1 }] });
    expect((await t.call('GET', `/api/v1/alerts/${alert.id}`)).body.state).toBe('resolved');
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});
