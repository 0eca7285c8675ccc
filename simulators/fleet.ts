// The fleet runner: registers tenants, devices and certificates through the HTTP API (with an admin
// token) or reads device credentials from a file, then drives every instrument model on an
// accelerated simulated clock and publishes over MQTT, one connection per device.
// Just over 400 lines on purpose: the fleet runner (register, declare lots and standards, drive the models, report) is one sequence over shared run state.

import { readFile, writeFile } from 'node:fs/promises';
import type { MessageLimits } from '../src/config.ts';
import { createSimClock, type SimClock } from './clock.ts';
import { DeviceClient } from './device-client.ts';
import { DeviceFaults, type FaultCounters } from './faults.ts';
import { expandDevices, fleetTiming, loadFleet, lotsFor, parseFleet, type DevicePlan, type Fleet, type ParsedFleet } from './fleet-file.ts';
import { MODELS } from './models/index.ts';
import { DAY_MS, type InstrumentModel, type TopicSuffix } from './models/types.ts';
import { createRng, deriveSeed } from './prng.ts';
import { registerStandards } from './fleet-standards.ts';
import { dayEnd, dayStart, endOfDayBefore } from './certificate-days.ts';

export { loadFleet, parseFleet, FleetFileError, type Fleet, type ParsedFleet } from './fleet-file.ts';

export interface RunFleetOptions {
  /** A fleet object or the path of a fleet JSON file. */
  fleet: Fleet | string;
  /** HTTP base of the gateway, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** MQTT URL, e.g. mqtt://127.0.0.1:1883. */
  mqttUrl: string;
  /** Admin API token: register tenants, devices and certificates first. */
  adminToken?: string;
  /** With adminToken: where to write the credentials; without: where to read them ({devices: [{id, secret}]}). */
  credentialsFile?: string;
  /** Wall-clock seconds to run (overrides the fleet's); Infinity runs until the signal aborts. */
  durationSeconds?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Parallel HTTP requests while registering. Default 8. */
  registrationConcurrency?: number;
  /** Parallel MQTT connects. Default 50. */
  connectConcurrency?: number;
  /** Skip a device's tick while this many of its publishes await PUBACK (back-pressure). Default 5000. */
  maxInFlightPerDevice?: number;
  /** The gateway's message limits the batches keep within. Default: the gateway's defaults (messageLimits). */
  limits?: MessageLimits;
}

export interface FleetReport {
  fleet: string;
  devices: number;
  connected: number;
  simulated: { from: string; to: string; acceleration: number };
  wallSeconds: number;
  sent: Record<TopicSuffix, number>;
  /** Publishes confirmed by the broker (PUBACK for QoS 1). */
  acknowledged: number;
  /** Publishes not confirmed when the run ended. */
  unacknowledged: number;
  /** Publishes in flight when an offline fault dropped the connection. */
  lostInOutage: number;
  errors: number;
  /** Rejections the gateway reported on the devices' feedback topics. */
  feedback: number;
  /** Readings not sent because the gateway locked a device out. */
  suppressed: number;
  faults: FaultCounters;
  /** First error messages, for the log. */
  errorMessages: string[];
  /** First rejections reported on feedback, with the device id. */
  feedbackSamples: { device: string; seq?: number; topic?: string; errors?: { path: string; message: string }[] }[];
}

export interface Credentials {
  devices: { id: string; secret: string }[];
}

class ApiError extends Error {}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const url = `${base.replace(/\/$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(`${method} ${url} failed: ${(err as Error).message} (is the gateway running? check --url)`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function apiFailure(what: string, r: { status: number; json: unknown }): ApiError {
  const hint = r.status === 401 || r.status === 403 ? ' (is the admin token right? --admin-token or MAG_ADMIN_TOKEN)' : '';
  return new ApiError(`${what}: HTTP ${r.status} ${JSON.stringify(r.json)}${hint}`);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The legal verification interval by type (devices/*.json `verificationIntervalMonths`), 12 months where not listed. */
const VERIFICATION_MONTHS: Record<string, number> = { 'gas-detector': 6, 'water-meter': 36 };
/** The interval by construction where the type's depends on it (devices/*.json `verificationIntervalMonthsByConstruction`). */
const VERIFICATION_MONTHS_BY_CONSTRUCTION: Record<string, Record<string, number>> = {
  scale: { 'spring-dial': 24 },
  'water-meter': { mechanical: 60, electronic: 36 },
};

/**
 * How long a device's verification certificates run, months: the fleet's `validityMonths`, else its type's legal
 * interval for the construction it is registered with (a mechanical water meter 60, one with electronic devices
 * or without a construction 36), which the gateway does not let a certificate exceed.
 */
export function verificationMonthsOf(d: Pick<DevicePlan, 'type' | 'registration' | 'verification'>): number {
  const construction = d.registration.construction;
  const byConstruction = typeof construction === 'string' ? VERIFICATION_MONTHS_BY_CONSTRUCTION[d.type]?.[construction] : undefined;
  return (d.verification === false ? undefined : d.verification.validityMonths) ?? byConstruction ?? VERIFICATION_MONTHS[d.type] ?? 12;
}

/**
 * `months` calendar months after `ms` (UTC; the 31st becomes the target month's last day): how the gateway
 * counts a legal interval, so a certificate valid "12 months" is not a few hours longer than the law allows.
 */
function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const m = d.getUTCMonth() + months;
  const day = Math.min(d.getUTCDate(), new Date(Date.UTC(d.getUTCFullYear(), m + 1, 0)).getUTCDate());
  return Date.UTC(d.getUTCFullYear(), m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/**
 * Register the fleet through the HTTP API, and declare the lots its checkweighers run; returns the
 * device secrets. Idempotent: existing tenants and lots are kept, existing devices get a new secret and keep
 * their certificates (one with the same number is not posted again).
 */
export async function registerFleet(
  fleet: ParsedFleet,
  plans: DevicePlan[],
  o: { apiUrl: string; adminToken: string; clock: Pick<SimClock, 'startMs' | 'wallStartMs'>; concurrency?: number; log?: (l: string) => void },
): Promise<Credentials> {
  const { apiUrl, adminToken: token } = o;
  for (const t of fleet.tenants) {
    const r = await api(apiUrl, token, 'POST', '/api/v1/tenants', t);
    if (r.status !== 201 && r.status !== 200 && r.status !== 409) throw apiFailure(`registering tenant ${t.id}`, r);
  }
  o.log?.(`tenants: ${fleet.tenants.length} registered or present`);
  const standards = await registerStandards(fleet.standards, (path, body) => api(apiUrl, token, 'POST', path, body), o.clock);
  if (fleet.standards.length) o.log?.(`reference standards: ${standards} registered with their calibration, ${fleet.standards.length - standards} present`);
  const spanMs = o.clock.wallStartMs - o.clock.startMs;
  const devices = await mapLimit(plans, o.concurrency ?? 8, async (d) => {
    let r = await api(apiUrl, token, 'POST', '/api/v1/devices', d.registration);
    let secret: unknown;
    /** Numbers of the certificates an existing device has already: not posted again. */
    const held = new Set<string>();
    if (r.status === 201 || r.status === 200) {
      const body = r.json as { secret?: unknown; device?: { secret?: unknown } };
      secret = body?.secret ?? body?.device?.secret;
    } else if (r.status === 409) {
      r = await api(apiUrl, token, 'POST', `/api/v1/devices/${encodeURIComponent(d.id)}/secret`);
      if (r.status !== 200 && r.status !== 201) throw apiFailure(`rotating the secret of existing device ${d.id}`, r);
      secret = (r.json as { secret?: unknown })?.secret;
      const certs = await api(apiUrl, token, 'GET', `/api/v1/devices/${encodeURIComponent(d.id)}/certificates`);
      for (const c of (certs.json as { items?: { number?: unknown }[] })?.items ?? []) held.add(String(c.number));
    } else throw apiFailure(`registering device ${d.id}`, r);
    if (typeof secret !== 'string' || secret.length === 0)
      throw new ApiError(`registering device ${d.id}: the answer has no "secret": ${JSON.stringify(r.json)}`);

    for (const cert of certificatesFor(d, o.clock.startMs, o.clock.wallStartMs, spanMs)) {
      if (held.has(String(cert.number))) continue;
      const c = await api(apiUrl, token, 'POST', `/api/v1/devices/${encodeURIComponent(d.id)}/certificates`, cert);
      if (c.status !== 201 && c.status !== 200 && c.status !== 409) throw apiFailure(`registering certificate ${String(cert.number)} of ${d.id}`, c);
    }
    return { id: d.id, secret };
  });
  o.log?.(`devices: ${devices.length} registered (secrets issued), certificates posted`);
  const lots = plans.flatMap(lotsFor);
  for (const lot of lots) {
    const r = await api(apiUrl, token, 'POST', '/api/v1/lots', lot);
    if (r.status !== 201 && r.status !== 409) throw apiFailure(`declaring lot ${String(lot.id)}`, r);
  }
  if (lots.length > 0) o.log?.(`lots: ${lots.length} declared or present`);
  return { devices };
}

/** The certificates a device is registered with: verification (possibly expired by fault) and calibration. */
export function certificatesFor(d: DevicePlan, simStartMs: number, realNowMs: number, spanMs: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const serial = String(d.registration.serial);
  if (d.verification !== false) {
    const v = d.verification;
    const months = verificationMonthsOf(d);
    const expired = d.faults.find((f) => f.kind === 'expired-verification');
    let issuedAt: number;
    let validUntil: number;
    if (expired && expired.kind === 'expired-verification') {
      const daysAgo = expired.expiredDaysAgo ?? spanMs / 2 / DAY_MS;
      validUntil = endOfDayBefore(realNowMs - daysAgo * DAY_MS);
      issuedAt = dayStart(addMonths(validUntil, -months));
    } else {
      issuedAt = dayStart(simStartMs - v.issuedDaysBeforeStart * DAY_MS);
      validUntil = dayEnd(addMonths(issuedAt, months));
    }
    out.push({
      kind: 'verification',
      number: v.number ?? `KD-${new Date(issuedAt).getUTCFullYear()}-${serial}`,
      issuedBy: v.issuedBy,
      issuedAt: new Date(issuedAt).toISOString(),
      validUntil: new Date(validUntil).toISOString(),
    });
  }
  if (d.calibration) {
    const c = d.calibration;
    const issuedAt = dayStart(simStartMs - 10 * DAY_MS);
    const cert: Record<string, unknown> = {
      kind: 'calibration',
      number: c.number ?? `HC-${new Date(issuedAt).getUTCFullYear()}-${serial}`,
      issuedBy: c.issuedBy,
      issuedAt: new Date(issuedAt).toISOString(),
      validUntil: new Date(dayEnd(addMonths(issuedAt, c.validityMonths))).toISOString(),
    };
    if (c.correction) cert.correction = c.correction;
    if (c.uncertainty !== undefined) cert.uncertainty = c.uncertainty;
    out.push(cert);
  }
  return out;
}

async function readCredentials(path: string, plans: DevicePlan[]): Promise<Credentials> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read credentials file ${path}: ${(err as Error).message}`);
  }
  const devices = (parsed as Credentials)?.devices;
  if (!Array.isArray(devices) || devices.some((d) => typeof d?.id !== 'string' || typeof d?.secret !== 'string')) {
    throw new Error(`credentials file ${path} must be {"devices": [{"id": "...", "secret": "..."}]}`);
  }
  const known = new Set(devices.map((d) => d.id));
  const missing = plans.filter((p) => !known.has(p.id)).map((p) => p.id);
  if (missing.length > 0) {
    throw new Error(
      `credentials file ${path} has no secret for ${missing.length} device(s): ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}; run once with --admin-token to register them`,
    );
  }
  return { devices };
}

/** One simulated device: its model, its faults and its connection. */
export interface SimulatedDevice {
  plan: DevicePlan;
  model: InstrumentModel;
  faults: DeviceFaults;
}

/** Build the models and faults of every device: deterministic for the fleet seed. */
export function buildDevices(fleet: ParsedFleet, plans: DevicePlan[], startMs: number): SimulatedDevice[] {
  return plans.map((plan) => {
    const faults = new DeviceFaults(plan.faults, startMs, createRng(deriveSeed(fleet.seed, `${plan.id}#faults`)));
    const model = MODELS[plan.type].create(
      {
        deviceId: plan.id,
        startMs,
        rng: createRng(deriveSeed(fleet.seed, plan.id)),
        readingIntervalMs: plan.readingIntervalMs,
        checkIntervalMs: plan.checkIntervalMs,
        faults,
      },
      plan.params,
    );
    return { plan, model, faults };
  });
}

// Over 80 lines: one run from registration to the report, its steps in the order they happen.
export async function runFleet(opts: RunFleetOptions): Promise<FleetReport> {
  const log = opts.log ?? (() => {});
  const fleet = typeof opts.fleet === 'string' ? await loadFleet(opts.fleet) : parseFleet(opts.fleet);
  const plans = expandDevices(fleet);
  const durationSeconds = opts.durationSeconds ?? fleet.durationSeconds;
  const endless = !Number.isFinite(durationSeconds);
  const timing = fleetTiming(fleet, endless ? fleet.durationSeconds : durationSeconds);
  const clock = createSimClock({ durationSeconds, acceleration: timing.acceleration, backfillMs: timing.spanMs });
  log(
    `fleet ${fleet.name}: ${plans.length} devices, simulated ${new Date(clock.startMs).toISOString()} → ${endless ? 'now, then real time' : new Date(clock.endMs).toISOString()} at ×${timing.acceleration.toFixed(0)}`,
  );

  let credentials: Credentials;
  if (opts.adminToken) {
    credentials = await registerFleet(fleet, plans, {
      apiUrl: opts.apiUrl,
      adminToken: opts.adminToken,
      clock,
      concurrency: opts.registrationConcurrency,
      log,
    });
    if (opts.credentialsFile) {
      await writeFile(opts.credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
      log(`credentials written to ${opts.credentialsFile}`);
    }
  } else if (opts.credentialsFile) {
    credentials = await readCredentials(opts.credentialsFile, plans);
  } else {
    throw new Error(
      'no way to get device secrets: give an admin token (--admin-token or MAG_ADMIN_TOKEN) to register the fleet, or --credentials <file> from an earlier run',
    );
  }
  const secrets = new Map(credentials.devices.map((d) => [d.id, d.secret]));

  const devices = buildDevices(fleet, plans, clock.startMs);
  const errorMessages: string[] = [];
  const noteError = (m: string) => {
    if (errorMessages.length < 20) errorMessages.push(m);
  };
  const clients = new Map<string, DeviceClient>();
  for (const d of devices) {
    clients.set(
      d.plan.id,
      new DeviceClient({
        mqttUrl: opts.mqttUrl,
        deviceId: d.plan.id,
        secret: secrets.get(d.plan.id)!,
        readingsQos: d.plan.readingsQos,
        batchReadings: fleet.batchReadings,
        ...(opts.limits ? { limits: opts.limits } : {}),
        log,
      }),
    );
  }
  let connectErrors = 0;
  await mapLimit(devices, opts.connectConcurrency ?? 50, async (d) => {
    try {
      await clients.get(d.plan.id)!.connect();
    } catch (err) {
      connectErrors++;
      noteError((err as Error).message);
      log((err as Error).message);
    }
  });
  const connected = devices.length - connectErrors;
  if (connected === 0) {
    throw new Error(`no device could connect to ${opts.mqttUrl}: ${errorMessages[0] ?? 'unknown error'}`);
  }
  log(`connected ${connected}/${devices.length} devices to ${opts.mqttUrl}`);

  const offline = new Set<string>();
  const reconnecting = new Set<string>();
  const maxInFlight = opts.maxInFlightPerDevice ?? 5000;
  const tick = (simNow: number) => {
    for (const d of devices) {
      const client = clients.get(d.plan.id)!;
      const isOff = d.faults.isOffline(simNow);
      if (isOff && !offline.has(d.plan.id)) {
        offline.add(d.plan.id);
        void client.dropConnection();
        log(`${d.plan.id}: offline (fault)`);
      } else if (!isOff && offline.has(d.plan.id) && !reconnecting.has(d.plan.id)) {
        reconnecting.add(d.plan.id);
        client
          .connect()
          .then(() => {
            offline.delete(d.plan.id);
            log(`${d.plan.id}: back online`);
          })
          .catch((err: Error) => noteError(err.message))
          .finally(() => reconnecting.delete(d.plan.id));
      }
      if (client.inFlight > maxInFlight) continue; // back-pressure: the model catches up next tick
      const messages = [...d.faults.transform(d.model.next(simNow)), ...d.faults.flushReplays(simNow)];
      if (messages.length > 0 && !offline.has(d.plan.id)) client.send(messages);
    }
  };

  const wallStart = Date.now();
  let lastProgress = wallStart;
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setInterval(() => {
      const now = Date.now();
      tick(clock.now(now));
      if (now - lastProgress >= 10_000) {
        lastProgress = now;
        const s = sumStats(clients);
        log(
          `simulated ${new Date(clock.now(now)).toISOString()}: sent ${s.sent.readings} readings, ${s.sent.checks} checks; acked ${s.acknowledged}; feedback ${s.feedback}; errors ${s.errors}`,
        );
      }
      if (clock.finished(now)) stop();
    }, fleet.tickMs);
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener('abort', stop);
  });
  if (!opts.signal?.aborted && !endless) tick(clock.endMs); // everything due up to the end of the timeline
  log(`stopping: waiting for acknowledgements, then every device says {"state":"offline"} and disconnects`);

  // A connection the gateway closes while the run waits ends the wait (DeviceClient.drain) and is an
  // error; what it had in flight, and an offline status it did not confirm, are unacknowledged.
  await Promise.all(
    [...clients.values()].map(async (c) => {
      await c.drain(10_000);
      await c.close().catch((err: Error) => noteError(err.message));
    }),
  );
  const unacknowledged = [...clients.values()].reduce((n, c) => n + c.inFlight, 0);
  const s = sumStats(clients);
  for (const c of clients.values()) if (c.stats.lastError) noteError(`${c.id}: ${c.stats.lastError}`);
  const faults: FaultCounters = { dropped: 0, duplicated: 0, replayed: 0, malformed: 0, skewed: 0 };
  for (const d of devices) for (const k of Object.keys(faults) as (keyof FaultCounters)[]) faults[k] += d.faults.counters[k];
  const report: FleetReport = {
    fleet: fleet.name,
    devices: devices.length,
    connected,
    simulated: { from: new Date(clock.startMs).toISOString(), to: new Date(clock.now()).toISOString(), acceleration: timing.acceleration },
    wallSeconds: (Date.now() - wallStart) / 1000,
    sent: s.sent,
    acknowledged: s.acknowledged,
    unacknowledged,
    lostInOutage: [...clients.values()].reduce((n, c) => n + c.stats.lostInOutage, 0),
    errors: s.errors + connectErrors,
    feedback: s.feedback,
    suppressed: s.suppressed,
    faults,
    errorMessages,
    feedbackSamples: [...clients.values()].flatMap((c) => c.feedback.map((f) => ({ device: c.id, ...f }))).slice(0, 20),
  };
  log(`done: ${JSON.stringify({ sent: report.sent, acknowledged: report.acknowledged, errors: report.errors, feedback: report.feedback })}`);
  return report;
}

function sumStats(clients: Map<string, DeviceClient>) {
  const s = { sent: { readings: 0, checks: 0, packages: 0, status: 0 } as Record<TopicSuffix, number>, acknowledged: 0, errors: 0, feedback: 0, suppressed: 0 };
  for (const c of clients.values()) {
    for (const k of Object.keys(s.sent) as TopicSuffix[]) s.sent[k] += c.stats.sent[k];
    s.acknowledged += c.stats.acknowledged;
    s.errors += c.stats.errors;
    s.feedback += c.stats.feedback;
    s.suppressed += c.stats.suppressed;
  }
  return s;
}
