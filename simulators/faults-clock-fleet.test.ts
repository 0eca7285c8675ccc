import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from './cli.ts';
import { createSimClock } from './clock.ts';
import { DeviceFaults } from './faults.ts';
import { expandDevices, FleetFileError, fleetTiming, loadFleet, lotsFor, parseDuration, parseFleet } from './fleet-file.ts';
import { buildDevices, certificatesFor } from './fleet.ts';
import { dayEnd, dayStart, endOfDayBefore } from './certificate-days.ts';
import { INSTRUMENT_TYPES, type SimMessage } from './models/types.ts';
import { createRng } from './prng.ts';
import { build, DAY, payloads, START } from './test-helpers.ts';

const fleetsDir = join(import.meta.dirname, 'fleets');

describe('determinism', () => {
  it('the same seed gives the same messages, however simulated time is cut into calls', () => {
    for (const type of ['fuel-dispenser', 'gas-detector', 'breath-alcohol-analyser', 'barometer', 'scale', 'water-meter'] as const) {
      const whole = build(type, { seed: 42 }).model.next(START + 20 * DAY);
      const m = build(type, { seed: 42 }).model;
      const pieces: SimMessage[] = [];
      for (let t = START; t <= START + 20 * DAY; t += 37 * 60_000) pieces.push(...m.next(t));
      pieces.push(...m.next(START + 20 * DAY));
      expect(pieces).toEqual(whole);
      const other = build(type, { seed: 43 }).model.next(START + 20 * DAY);
      expect(other).not.toEqual(whole);
    }
  });

  it('a whole fleet is reproducible from its seed, with fault streams apart from model streams', async () => {
    const fleet = await loadFleet(join(fleetsDir, 'demo.json'));
    const run = () => buildDevices(fleet, expandDevices(fleet), START).map((d) => d.faults.transform(d.model.next(START + 10 * DAY)));
    expect(run()).toEqual(run());
  });

  it('sequence numbers increase per device and topic', () => {
    const msgs = build('gas-detector').model.next(START + 5 * DAY);
    for (const topic of ['readings', 'checks'] as const) {
      const seqs = payloads(msgs, topic).map((p) => p.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });
});

describe('faults', () => {
  const mk = (specs: any[]) => new DeviceFaults(specs, START, createRng(5));

  it('duplicate and replay resend messages with the same seq', () => {
    const { model, faults } = build('barometer', {
      readingMs: 3_600_000,
      faults: [
        { kind: 'duplicate', probability: 0.5 },
        { kind: 'replay', afterDays: 2, count: 3, everyDays: 1 },
      ],
    });
    const out = faults.transform(model.next(START + 10 * DAY));
    const seqs = payloads(out, 'readings').map((p) => p.seq);
    expect(seqs.length).toBeGreaterThan(new Set(seqs).size);
    expect(faults.counters.duplicated).toBeGreaterThan(50);
    expect(faults.counters.replayed).toBe(8 * 3);
  });

  it('an adjustment: its first check shows the step as found and says adjusted, the later checks are back to true', () => {
    // Barometer checks every 2 days; a +0.5 hPa step from day 5; adjusted at the first check on or after day 20.
    const { model, faults } = build('barometer', {
      checkMs: 2 * DAY,
      faults: [
        { kind: 'step', afterDays: 5, offset: 0.5 },
        { kind: 'adjustment', afterDays: 20 },
      ],
    });
    const checks = payloads(faults.transform(model.next(START + 40 * DAY)), 'checks');
    const at = (c: Record<string, any>) => (Date.parse(c.ts) - START) / DAY;
    const adjusted = checks.filter((c) => c.adjusted === true);
    expect(adjusted.map(at)).toEqual([20]);
    for (const c of checks) {
      const error = c.indicated - c.reference;
      if (at(c) >= 5 && at(c) <= 20) expect(error, `day ${at(c)}`).toBeGreaterThan(0.3);
      else expect(Math.abs(error), `day ${at(c)}`).toBeLessThan(0.2);
    }
  });

  it('malformed payloads are either not JSON or fail validation', () => {
    const { model, faults } = build('scale', { faults: [{ kind: 'malformed', probability: 1 }] });
    const out = faults.transform(model.next(START + 2 * DAY));
    expect(out.length).toBeGreaterThan(10);
    for (const m of out) {
      if (m.raw !== undefined) expect(() => JSON.parse(m.raw!)).toThrow();
      else expect(m.payload.ts).toBe('yesterday');
    }
    expect(out.some((m) => m.raw !== undefined)).toBe(true);
    expect(out.some((m) => m.raw === undefined)).toBe(true);
  });

  it('clock skew shifts ts; offline and dropout lose messages in their window only', () => {
    const { model, faults } = build('barometer', {
      faults: [
        { kind: 'clock-skew', afterDays: 1, forDays: 1, offsetSeconds: 600 },
        { kind: 'offline', afterDays: 3, forDays: 1 },
      ],
    });
    const out = faults.transform(model.next(START + 5 * DAY));
    for (const m of out) {
      const skew = Date.parse(m.payload.ts as string) - m.at;
      const day = (m.at - START) / DAY;
      expect(skew).toBe(day >= 1 && day < 2 ? 600_000 : 0);
      expect(day >= 3 && day < 4).toBe(false);
    }
    expect(faults.isOffline(START + 3.5 * DAY)).toBe(true);
    expect(faults.isOffline(START + 4.5 * DAY)).toBe(false);
    const f = mk([{ kind: 'dropout', probability: 0.5 }]);
    const kept = f.transform(Array.from({ length: 1000 }, (_, i) => ({ topic: 'readings' as const, at: START + i, payload: { seq: i } })));
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.length).toBeLessThan(600);
  });

  it('stuck freezes the indication; noise and spikes widen it; channel filters apply', () => {
    const ctx = { kind: 'reading' as const, noiseSigma: 0.1, nominal: 10 };
    const stuck = mk([{ kind: 'stuck', afterDays: 1 }]);
    stuck.distort(10.5, START, ctx);
    expect(stuck.distort(12, START + 2 * DAY, ctx)).toBe(10.5);
    const noisy = mk([{ kind: 'noise', factor: 10 }]);
    const v = Array.from({ length: 2000 }, () => noisy.distort(10, START, ctx));
    const sd = Math.sqrt(v.reduce((a, x) => a + (x - 10) ** 2, 0) / v.length);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    const co = mk([{ kind: 'step', channel: 'CO', offset: 5 }]);
    expect(co.distort(10, START, { ...ctx, channel: 'CO' })).toBe(15);
    expect(co.distort(10, START, { ...ctx, channel: 'H2S' })).toBe(10);
    const spikes = mk([{ kind: 'spikes', probability: 0.1, magnitude: 50 }]);
    const sp = Array.from({ length: 1000 }, () => spikes.distort(10, START, ctx)).filter((x) => x !== 10).length;
    expect(sp).toBeGreaterThan(60);
    expect(sp).toBeLessThan(140);
  });

  it('an expired verification certificate lies in the past at registration; a normal one covers the timeline', async () => {
    const fleet = await loadFleet(join(fleetsDir, 'demo.json'));
    const plans = expandDevices(fleet);
    const now = Date.now();
    const start = now - 120 * DAY;
    const expired = certificatesFor(plans.find((p) => p.id === 'bg-sc-expired')!, start, now, 120 * DAY)[0];
    expect(Date.parse(expired.validUntil as string)).toBeLessThan(now - 60 * DAY);
    const ok = certificatesFor(plans.find((p) => p.id === 'bg-sc-001')!, start, now, 120 * DAY)[0];
    expect(ok).toMatchObject({ kind: 'verification', issuedBy: expect.any(String), number: expect.any(String) });
    expect(Date.parse(ok.issuedAt as string)).toBeLessThan(start);
    expect(Date.parse(ok.validUntil as string)).toBeGreaterThan(now);
    // as printed: issued at the start of a day in Vietnam (00:00 at UTC+7 is 17:00Z), valid through the end of one
    for (const c of [expired, ok]) {
      expect(c.issuedAt).toMatch(/T17:00:00\.000Z$/);
      expect(c.validUntil).toMatch(/T16:59:59\.999Z$/);
    }
    // an expired certificate lapsed before today began, whatever the time of day now
    const lapsedToday = certificatesFor(plans.find((p) => p.id === 'bg-sc-expired')!, start, now, 120 * DAY)[0];
    expect(Date.parse(lapsedToday.validUntil as string)).toBeLessThan(now - 60 * DAY);
  });

  it('writes certificate days in Vietnam: the start of a day, the end of a day, the end of the day before', () => {
    // 2026-04-01T01:30Z is 08:30 on 1 April in Vietnam
    const t = Date.parse('2026-04-01T01:30:00Z');
    expect(new Date(dayStart(t)).toISOString()).toBe('2026-03-31T17:00:00.000Z');
    expect(new Date(dayEnd(t)).toISOString()).toBe('2026-04-01T16:59:59.999Z');
    expect(new Date(endOfDayBefore(t)).toISOString()).toBe('2026-03-31T16:59:59.999Z');
    // 2026-03-31T20:00Z is already 03:00 on 1 April there
    expect(new Date(dayStart(Date.parse('2026-03-31T20:00:00Z'))).toISOString()).toBe('2026-03-31T17:00:00.000Z');
  });

  it('a calibrated type (profile projector) is registered with a calibration certificate only, unless the fleet says otherwise', async () => {
    const plans = expandDevices(await loadFleet(join(fleetsDir, 'demo.json')));
    const now = Date.now();
    const start = now - 120 * DAY;
    const certs = certificatesFor(plans.find((p) => p.id === 'bn-pj-drift')!, start, now, 120 * DAY);
    expect(certs.map((c) => c.kind)).toEqual(['calibration']);
    expect(Date.parse(certs[0]!.issuedAt as string)).toBeLessThan(start);
    expect(Date.parse(certs[0]!.validUntil as string)).toBeGreaterThan(now);
    const explicit = expandDevices(parseFleet({ ...minimalFleet(), devices: [{ tenant: 'acme', type: 'profile-projector', id: 'pj', verification: {} }] }));
    expect(certificatesFor(explicit[0]!, start, now, 120 * DAY).map((c) => c.kind)).toEqual(['verification', 'calibration']);
  });
});

describe('simulated clock', () => {
  it('never runs past real now, and ends at the run start (now − nothing) after the duration', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0.5, max: 3600, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (acceleration, durationSeconds, fraction) => {
          const wallStartMs = 1_800_000_000_000;
          const clock = createSimClock({ acceleration, durationSeconds, wallStartMs });
          const wall = wallStartMs + fraction * durationSeconds * 1000;
          const sim = clock.now(wall);
          expect(sim).toBeLessThanOrEqual(wall);
          expect(sim).toBeLessThanOrEqual(wallStartMs);
          expect(sim).toBeGreaterThanOrEqual(clock.startMs);
          expect(clock.startMs).toBeCloseTo(wallStartMs - durationSeconds * 1000 * acceleration, -1);
          if (fraction >= 1) {
            // Past the end, at a whole ms at least 2 ms after wall: at fraction 1 itself, wall (a double
            // near 1.8e12) can round to a hair before the end (duration 0.5000000000000001 s: not
            // finished), and startMs is floored to the ms, which simulated time makes up only 1 ms ÷
            // acceleration after the end (duration 0.5003 s at 1×: 0.7 ms short of wallStartMs).
            const after = wallStartMs + Math.ceil(fraction * durationSeconds * 1000) + 2;
            expect(clock.now(after)).toBe(wallStartMs);
            expect(clock.finished(after)).toBe(true);
          }
        },
      ),
    );
  });

  it('an endless run catches up, then follows real time', () => {
    const w0 = 1_800_000_000_000;
    const clock = createSimClock({ acceleration: 1000, durationSeconds: Infinity, wallStartMs: w0, backfillMs: 10 * DAY });
    expect(clock.now(w0)).toBe(w0 - 10 * DAY);
    expect(clock.now(w0 + 60_000)).toBe(w0 - 10 * DAY + 60_000_000);
    expect(clock.now(w0 + 3_600_000)).toBe(w0 + 3_600_000);
    expect(clock.finished(w0 + 1e9)).toBe(false);
  });

  it('models driven by the clock produce nothing stamped after real now', () => {
    const wallStartMs = Date.now();
    const clock = createSimClock({ acceleration: 86_400, durationSeconds: 10, wallStartMs });
    const model = buildFromClock(clock.startMs);
    // Step through the run at 1 s of wall time: every message's ts is ≤ the wall time it is sent at.
    let n = 0;
    for (let w = wallStartMs; w <= wallStartMs + 11_000; w += 1000) {
      for (const msg of model.next(clock.now(w))) {
        expect(Date.parse(msg.payload.ts as string)).toBeLessThanOrEqual(w);
        n++;
      }
    }
    expect(n).toBeGreaterThan(400);
  });
});

function buildFromClock(startMs: number) {
  return buildDevices(parseFleet(minimalFleet()), expandDevices(parseFleet(minimalFleet())), startMs)[0].model;
}

function minimalFleet(): any {
  return {
    name: 't',
    seed: 3,
    simulatedDays: 10,
    durationSeconds: 10,
    tenants: [{ id: 'acme', name: 'Acme', region: 'VN-HN' }],
    devices: [{ tenant: 'acme', type: 'breath-alcohol-analyser', id: 'ba-1', checkInterval: '1d', readingInterval: '30m' }],
  };
}

describe('fleet files', () => {
  it('demo and load fleets validate; demo covers every type and the promised scenarios', async () => {
    const demo = await loadFleet(join(fleetsDir, 'demo.json'));
    const plans = expandDevices(demo);
    expect(new Set(plans.map((p) => p.type))).toEqual(new Set(INSTRUMENT_TYPES));
    expect(new Set(demo.tenants.map((t) => t.region)).size).toBeGreaterThanOrEqual(3);
    const kinds = new Set(plans.flatMap((p) => p.faults.map((f) => f.kind)));
    for (const k of ['step', 'totalizer-tamper', 'expired-verification', 'offline', 'malformed']) expect(kinds).toContain(k);
    expect(fleetTiming(demo, 300).acceleration).toBeCloseTo((120 * 86400) / 300);
    const load = await loadFleet(join(fleetsDir, 'load.json'));
    expect(expandDevices(load).length).toBeGreaterThanOrEqual(1000);
  });

  it("declares a checkweigher's lots with the line's figures before the run; a checkweigher without lots is refused", async () => {
    const demo = await loadFleet(join(fleetsDir, 'demo.json'));
    const cw = expandDevices(demo).find((p) => p.type === 'checkweigher')!;
    expect(lotsFor(cw)).toEqual(
      [1, 2].map((n) => ({
        id: `TT-ST25-000${n}`,
        tenant: 'thachthat-food',
        product: 'Gạo ST25 túi 500 g',
        nominal: 500,
        unit: 'g',
        lotSize: 300,
        scale: 'tt-cw-line1',
      })),
    );
    const gross = { ...cw, params: { ...cw.params, weighing: 'gross' } };
    expect(lotsFor(gross)[0]).toMatchObject({ averageTare: 12.4 });
    expect(
      expandDevices(demo)
        .filter((p) => p.type !== 'checkweigher')
        .flatMap(lotsFor),
    ).toEqual([]);
    const f = { ...minimalFleet(), devices: [{ tenant: 'acme', type: 'checkweigher', id: 'cw-1', params: { nominal: 250 } }] };
    expect(() => parseFleet(f)).toThrow(
      /devices\[0\]\.params\.lots: a checkweigher runs a number of lots, which the fleet runner declares before the run: give "lots"/,
    );
  });

  it("loads a fleet of water meters, registered with their construction and class, verified for their construction's interval", async () => {
    const f = {
      ...minimalFleet(),
      tenants: [{ id: 'cn-hue', name: 'Cấp nước Huế', region: 'VN-TTH' }],
      devices: [
        { tenant: 'cn-hue', type: 'water-meter', count: 2, class: '2', registration: { construction: 'mechanical' } },
        { tenant: 'cn-hue', type: 'water-meter', id: 'wm-electronic', class: '1', registration: { construction: 'electronic' }, params: { readingUnit: 'm3' } },
        { tenant: 'cn-hue', type: 'water-meter', id: 'wm-plain' },
      ],
    };
    const plans = expandDevices(parseFleet(f));
    expect(plans.map((p) => p.id)).toEqual(['cn-hue-wm-001', 'cn-hue-wm-002', 'wm-electronic', 'wm-plain']);
    expect(plans[0]).toMatchObject({
      type: 'water-meter',
      registration: {
        tenant: 'cn-hue',
        type: 'water-meter',
        class: '2',
        construction: 'mechanical',
        model: 'Itron Multimag DN15',
        serial: expect.stringMatching(/^WM\d{6}$/),
      },
      readingIntervalMs: 3_600_000,
      checkIntervalMs: 14 * DAY,
    });
    // the legal interval of its construction (devices/water-meter.json): mechanical 60 months, electronic and
    // none given 36; issued 20 days before the start, valid to the end of that day 60 (36) calendar months on
    const start = Date.UTC(2026, 0, 21, 5);
    const validUntil = (id: string) => certificatesFor(plans.find((p) => p.id === id)!, start, start + 120 * DAY, 120 * DAY)[0]!.validUntil;
    expect(validUntil('cn-hue-wm-001')).toBe(new Date(dayEnd(Date.UTC(2031, 0, 1, 5))).toISOString());
    expect(validUntil('wm-electronic')).toBe(new Date(dayEnd(Date.UTC(2029, 0, 1, 5))).toISOString());
    expect(validUntil('wm-plain')).toBe(new Date(dayEnd(Date.UTC(2029, 0, 1, 5))).toISOString());
    // each model runs: hourly registers, checks at Q1, Q2, Q3
    const devices = buildDevices(parseFleet(f), plans, START);
    const msgs = devices[2].model.next(START + 15 * DAY);
    expect(payloads(msgs, 'readings')[0]).toMatchObject({ quantity: 'volume', unit: 'm3' });
    expect(payloads(msgs, 'checks').map((c) => c.point)).toEqual(['Q1', 'Q2', 'Q3']);
    // the demo fleet's meters: a household's mechanical one and a hotel's electronic one, class 2, with the company's standards
    const demo = await loadFleet(join(fleetsDir, 'demo.json'));
    const meters = expandDevices(demo).filter((p) => p.type === 'water-meter');
    expect(meters.map((p) => [p.id, p.registration.class, p.registration.construction])).toEqual([
      ['bn-wm-001', '2', 'mechanical'],
      ['bn-wm-002', '2', 'electronic'],
    ]);
    const standards = new Set(demo.standards.filter((s) => s.tenant === 'bn-nuocsach').map((s) => s.id));
    for (const m of meters) {
      const cited = payloads(buildDevices(demo, [m], START)[0].model.next(START + 10 * DAY), 'checks').map((c) => c.standardId);
      expect(cited.length).toBeGreaterThan(0);
      for (const id of cited) expect(standards).toContain(id);
    }
  });

  it('a broken fleet gives one clear error per problem, with its path', () => {
    const broken = {
      seed: -1,
      acceleration: 10,
      simulatedDays: 3,
      tenants: [{ id: 'acme', name: 'Acme', region: 'Hanoi' }],
      devices: [
        { tenant: 'nobody', type: 'thermometer', id: 'x' },
        { tenant: 'acme', type: 'scale', id: 'y', count: 2 },
        { tenant: 'acme', type: 'barometer', id: 'z', params: { elevation: 'high' }, readingInterval: 'often' },
        { tenant: 'acme', type: 'scale', id: 'w', faults: [{ kind: 'totalizer-tamper' }, { kind: 'wobble' }] },
      ],
    };
    let err: unknown;
    try {
      parseFleet(broken, 'broken.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetFileError);
    const msg = (err as Error).message;
    expect(msg).toContain('invalid fleet broken.json');
    expect(msg).toMatch(/seed/);
    expect(msg).toMatch(/tenants\[0\]\.region: must be an ISO 3166-2 code/);
    expect(msg).toMatch(/devices\[0\]\.type/);
    expect(msg).toMatch(/devices\[1\]\.id: give either "id"/);
    expect(msg).toMatch(/devices\[2\]\.readingInterval/);
    expect(msg).toMatch(/devices\[3\]\.faults\[1\]/);
  });

  it('semantic errors: tenant not listed, params of the wrong type, tamper on a non-dispenser, duplicate ids, both timings', () => {
    const f = minimalFleet();
    const bad = {
      ...f,
      acceleration: 5,
      devices: [
        { tenant: 'other', type: 'barometer', id: 'b1' },
        { tenant: 'acme', type: 'barometer', id: 'b2', params: { elevation: 'high' } },
        { tenant: 'acme', type: 'scale', id: 's1', faults: [{ kind: 'totalizer-tamper' }] },
      ],
    };
    expect(() => parseFleet(bad)).toThrow(/simulatedDays: give "acceleration" or "simulatedDays"/);
    expect(() => parseFleet(bad)).toThrow(/devices\[0\]\.tenant: tenant "other" is not in "tenants"/);
    expect(() => parseFleet(bad)).toThrow(/devices\[1\]\.params\.elevation/);
    expect(() => parseFleet(bad)).toThrow(/devices\[2\]\.faults\[0\]\.kind: totalizer-tamper applies to fuel dispensers only/);
    const dupes = {
      ...f,
      devices: [
        { tenant: 'acme', type: 'scale', count: 2, idPrefix: 'sc' },
        { tenant: 'acme', type: 'scale', id: 'sc-002' },
      ],
    };
    expect(() => parseFleet(dupes)).toThrow(/device ids used more than once: sc-002/);
  });

  it('not JSON is reported with the file name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mag-fleet-'));
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{ "devices": [ ');
    await expect(loadFleet(p)).rejects.toThrow(/invalid fleet .*bad\.json[\s\S]*not valid JSON/);
  });

  it('fleet-wide faults reach the devices they select', () => {
    const f = {
      ...minimalFleet(),
      devices: [{ tenant: 'acme', type: 'scale', count: 3, idPrefix: 'sc' }],
      faults: [
        { devices: ['sc-00*'], kind: 'noise', factor: 3 },
        { devices: ['sc-002'], kind: 'offline', afterDays: 1 },
      ],
    };
    const plans = expandDevices(parseFleet(f));
    expect(plans.map((p) => p.faults.length)).toEqual([1, 2, 1]);
    expect(() => parseFleet({ ...f, faults: [{ devices: '*', kind: 'noise', factor: 0.5 }] })).toThrow(/faults\[0\]\.factor/);
  });

  it('durations read as seconds or with a unit', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('3d')).toBe(3 * DAY);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});

describe('mag simulate', () => {
  it('--help answers 0; bad usage answers 2; no token and no credentials fail with a clear message', async () => {
    const out: string[] = [];
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stderr.write;
    const savedToken = process.env.MAG_ADMIN_TOKEN;
    delete process.env.MAG_ADMIN_TOKEN;
    try {
      expect(await simulateCommand(['--help'])).toBe(0);
      expect(out.join('')).toContain('--fleet <file>');
      expect(await simulateCommand([])).toBe(2);
      expect(await simulateCommand(['--fleet', 'x.json', '--bogus'])).toBe(2);
      expect(await simulateCommand(['--fleet', join(fleetsDir, 'demo.json'), '--duration', '-3'])).toBe(2);
      out.length = 0;
      expect(await simulateCommand(['--fleet', join(fleetsDir, 'demo.json'), '--duration', '5'])).toBe(1);
      expect(out.join('')).toMatch(/admin token .* or --credentials/);
    } finally {
      process.stdout.write = origOut;
      process.stderr.write = origErr;
      if (savedToken !== undefined) process.env.MAG_ADMIN_TOKEN = savedToken;
    }
  });
});
