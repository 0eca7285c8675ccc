// `mag` — the command line of the gateway.

import { provinceOf } from './oversight/provinces.ts';
import { scaleErrors } from './metrology/registration.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, PACKAGE_ROOT } from './config.ts';
import { type Gateway, startConfiguredGateway, startGateway } from './gateway.ts';
import { isTimeZone } from './ingest/time-zone.ts';
import { validateDevice } from './metrology/index.ts';
import { loadProfiles } from './metrology/profile-loader.ts';
import { loadLotRules } from './metrology/sampling-plans-loader.ts';
import { AuditLog, verifyAuditChain } from './store/audit.ts';
import { openState, openStateDb } from './store/db.ts';
import { Registry } from './store/registry.ts';
import { type Role, Tokens } from './store/tokens.ts';
import type { ParsedFleet } from '../simulators/fleet-file.ts';

const HELP = `mag — MAG, the Measurement Assurance Gateway

Usage: mag <command> [options]

Commands:
  start                      run the gateway (MQTT broker + HTTP API + ingest)
  demo                       run the gateway with the embedded store and the simulated demo fleet
  simulate --fleet <file>    run a simulated fleet against a gateway (mag simulate --help)
  token create --role <admin|operator|inspector> --name <name> [--tenant <id>] [--regions VN-HN,VN-BG]
                             create an API token in the state (MAG_DATA_DIR, or MAG_STATE_URL) (printed once)
  tenant add --id <id> --name <name> --region <VN-HN> [--time-zone <Asia/Ho_Chi_Minh>]
                             register an enterprise
  device add --id <id> --tenant <tenant> --type <type> --serial <serial> [--class <c>]
             [--e <e>] [--max <Max>] [--mmq <MMQ>] [--construction spring-dial] [--use gold-trading|purchasing]
                             register an instrument; prints its MQTT secret once. A scale's e and Max,
                             a dispenser's MMQ (in the type's unit) set its MPE; a spring-dial scale's interval is 24 months;
                             a scale weighing gold needs an e fine enough for its Max (Circular 22/2013)
  audit verify               check the audit log's hash chain
  bridge modbus --config <mapping.json>
                             publish a Modbus TCP/RTU instrument's registers to MAG as a device
  --help                     this text

Configuration is by environment variable (MAG_DATA_DIR, MAG_MQTT_PORT, MAG_HTTP_PORT,
MAG_INFLUX_URL, …; see README). A .env file in the working directory is read too.
`;

/**
 * The lines of HELP about `cmd` (its usage and what it does), for `mag <cmd> --help`; the whole
 * text for a command it does not describe on its own lines.
 */
export function commandHelp(cmd: string): string {
  const lines = HELP.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}\S/.test(line)) inside = line.startsWith(`  ${cmd} `) || line === `  ${cmd}`;
    else if (!/^ {3,}\S/.test(line)) inside = false;
    if (inside) out.push(line);
  }
  return out.length ? `Usage: mag\n${out.join('\n')}\n\nConfiguration is by environment variable; see mag --help and the README.\n` : HELP;
}

function fail(message: string): never {
  process.stderr.write(`mag: ${message}\n`);
  process.exit(2);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

async function runUntilSignal(g: Pick<Gateway, 'log' | 'stop'>, extra?: () => Promise<void>): Promise<void> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    g.log.info({ signal }, 'shutting down: closing listeners, committing the journal, flushing the sink');
    await extra?.();
    await g.stop(10_000);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function start(): Promise<void> {
  const c = config();
  let g: Pick<Gateway, 'log' | 'stop'>;
  try {
    g = await startConfiguredGateway(c);
  } catch (e) {
    fail(`could not start: ${(e as Error).message}`);
  }
  await runUntilSignal(g);
}

async function demo(): Promise<void> {
  const env = { ...process.env };
  env.MAG_DATA_DIR ??= './data/demo';
  env.MAG_ADMIN_TOKEN ??= `demo-admin-${randomBytes(12).toString('hex')}`;
  delete env.MAG_INFLUX_URL;
  // the demo is one process with its embedded store, not a cluster node
  delete env.MAG_AMQP_URLS;
  delete env.MAG_STATE_URL;
  let c: Config;
  try {
    c = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const fleetFile = join(PACKAGE_ROOT, 'simulators/fleets/demo.json');
  const { loadFleet } = await import('../simulators/fleet-file.ts');
  const fleet = await loadFleet(fleetFile);
  await seedHistory(c, fleet);
  const g = await startGateway(c);
  const host = c.host === '0.0.0.0' ? '127.0.0.1' : c.host;
  const api = `http://${host}:${g.ports.http}`;
  const { runFleet } = await import('../simulators/fleet.ts');
  const controller = new AbortController();
  // Tokens for the two people who use the console. The inspector's regions are every region of the
  // fleet's enterprises (the market traders' tenants its campaign makes are in one of them): it sees
  // the whole demo fleet, as the admin does.
  const regions = [...new Set(fleet.tenants.map((t) => t.region))].sort();
  const inspector = (await g.tokens.create({ role: 'inspector', regions, name: 'demo inspector' }, 'demo', new Date())).token;
  process.stdout.write(
    `\nMAG demo running (embedded store in ${c.dataDir})\n` +
      `  console         ${api}/   (sign in with a token below)\n` +
      `  API docs        ${api}/docs\n` +
      `  alerts (SSE)    ${api}/api/v1/alerts/stream\n` +
      `  lots            ${api}/#/lots   (a rice line's lots of prepackages: six months judged, and two live ones, one failing)\n` +
      `  metrics         ${api}/metrics\n` +
      `  MQTT            mqtt://${host}:${g.ports.mqtt}\n` +
      `  admin token     ${c.adminToken}\n` +
      `  inspector token ${inspector}   (regions ${regions.join(', ')})\n` +
      `  try: curl -H "Authorization: Bearer ${inspector}" ${api}/api/v1/alerts\n\n`,
  );
  void runFleet({
    fleet: fleetFile,
    apiUrl: api,
    mqttUrl: `mqtt://${host}:${g.ports.mqtt}`,
    adminToken: c.adminToken,
    durationSeconds: Infinity,
    signal: controller.signal,
    log: (line) => g.log.info({ simulator: true }, line),
  }).catch((e: Error) => g.log.error({ err: e.message }, 'demo fleet stopped'));
  await runUntilSignal(g, async () => controller.abort());
}

/** A year of the demo fleet's history (simulators/demo-history.ts), written once into a new data directory. */
async function seedHistory(c: Config, fleet: ParsedFleet): Promise<void> {
  const { seedDemoHistory } = await import('../simulators/demo-history.ts');
  const db = openStateDb(c.dataDir);
  try {
    const samplingPlans = loadLotRules(c.profilesDir);
    const h = seedDemoHistory(db, {
      fleet,
      profiles: loadProfiles(c.profilesDir),
      now: Date.now(),
      alerts: c.alerts,
      limits: c.limits,
      samplingPlans,
    });
    if (h.seeded) {
      process.stdout.write(
        `demo history ${h.from.slice(0, 10)} → ${h.to.slice(0, 10)}: ${h.checks} checks, ${h.alertsOpened} alerts (${h.alertsResolved} resolved), ${h.certificates} certificates; ` +
          `over the year to now: ${h.inspections} inspections (${h.findings} findings), ${h.verified} scales verified in a market campaign (${h.passed} passed), ${h.lots} lots judged (${h.lotsFailed} failed)\n`,
      );
    }
  } finally {
    db.close();
  }
}

async function storeCommand(args: string[]): Promise<void> {
  const c = config();
  const [what, verb, ...rest] = args;
  // The state the gateway of this configuration runs on: SQLite in MAG_DATA_DIR, or a cluster's PostgreSQL.
  let db: Awaited<ReturnType<typeof openState>>;
  try {
    db = await openState(c.dataDir, c.cluster.stateUrl);
  } catch (e) {
    fail(`could not open the state: ${(e as Error).message}`);
  }
  const now = new Date();
  try {
    if (what === 'token' && verb === 'create') {
      const { values } = parseArgs({
        args: rest,
        options: { role: { type: 'string' }, name: { type: 'string' }, tenant: { type: 'string' }, regions: { type: 'string' } },
      });
      if (!values.role || !['admin', 'operator', 'inspector'].includes(values.role)) fail('--role must be admin, operator or inspector');
      if (!values.name?.trim()) fail('--name is required (not blank)');
      if (values.role === 'operator' && !values.tenant) fail('an operator token needs --tenant');
      if (values.role === 'inspector' && !values.regions) fail('an inspector token needs --regions (e.g. VN-HN,VN-BG)');
      // what POST /api/v1/tokens refuses, refused here too: a token with a typo in its tenant or region sees nothing, silently
      if (values.tenant !== undefined && values.role !== 'operator') fail('--tenant goes only with --role operator');
      if (values.regions !== undefined && values.role !== 'inspector') fail('--regions goes only with --role inspector');
      const regions = values.regions?.split(',').map((s) => s.trim());
      const badRegion = regions?.find((r) => provinceOf(r) === undefined);
      if (badRegion !== undefined)
        fail(`--regions: "${badRegion}" is not a province code of ISO 3166-2:VN (or one of its aliases such as VN-HN, VN-BG), as the API requires`);
      if (regions !== undefined && new Set(regions).size !== regions.length) fail('--regions names a region twice');
      if (values.tenant !== undefined && !(await Registry.open(db)).tenant(values.tenant))
        fail(`--tenant ${values.tenant}: no such enterprise (add it with mag tenant add)`);
      const tokens = new Tokens(db);
      try {
        const t = await tokens.create({ role: values.role as Role, name: values.name, tenant: values.tenant, regions }, 'cli', now);
        await new AuditLog(db).append('cli', 'token.create', t.principal.tokenId, { role: values.role, name: values.name }, now);
        process.stdout.write(`${t.token}\n`);
      } finally {
        tokens.close();
      }
    } else if (what === 'tenant' && verb === 'add') {
      const { values } = parseArgs({
        args: rest,
        options: { id: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' }, 'time-zone': { type: 'string' } },
      });
      if (!values.id || !/^[A-Za-z0-9_-]{1,64}$/.test(values.id)) fail('--id must match ^[A-Za-z0-9_-]{1,64}$');
      if (!values.region || provinceOf(values.region) === undefined)
        fail('--region must be a province code of ISO 3166-2:VN (or one of its aliases such as VN-HN, VN-BG), as the API requires');
      if (values.name !== undefined && !values.name.trim()) fail('--name must not be blank');
      const timeZone = values['time-zone'];
      if (timeZone !== undefined && !isTimeZone(timeZone)) fail(`--time-zone must be an IANA time zone such as Asia/Ho_Chi_Minh (got "${timeZone}")`);
      await (await Registry.open(db)).createTenant({ id: values.id, name: values.name ?? values.id, region: values.region, timeZone }, now);
      await new AuditLog(db).append('cli', 'tenant.create', values.id, {}, now);
      process.stdout.write(`tenant ${values.id} registered\n`);
    } else if (what === 'device' && verb === 'add') {
      const { values } = parseArgs({
        args: rest,
        options: {
          id: { type: 'string' },
          tenant: { type: 'string' },
          type: { type: 'string' },
          serial: { type: 'string' },
          class: { type: 'string' },
          e: { type: 'string' },
          max: { type: 'string' },
          mmq: { type: 'string' },
          construction: { type: 'string' },
          use: { type: 'string' },
        },
      });
      if (!values.id || !/^[A-Za-z0-9_-]{1,64}$/.test(values.id)) fail('--id must match ^[A-Za-z0-9_-]{1,64}$');
      if (!values.tenant || !values.type || !values.serial?.trim()) fail('--tenant, --type and --serial are required (not blank)');
      const profiles = loadProfiles(c.profilesDir);
      const profile = profiles.get(values.type);
      if (!profile) fail(`--type must be one of ${[...profiles.keys()].join(', ')}`);
      // what sets the instrument's MPE and interval (a scale judged with its type's defaults, e = 0.05 kg on 0–150 kg, is misjudged)
      const positive = (name: 'e' | 'max' | 'mmq'): { [k: string]: number } => {
        const raw = values[name];
        if (raw === undefined) return {};
        const x = Number(raw);
        if (!(Number.isFinite(x) && x > 0)) fail(`--${name} must be a positive number (in ${profile.canonicalUnit ?? "the type's unit"}), got "${raw}"`);
        return { [name]: x };
      };
      const d = {
        id: values.id,
        tenant: values.tenant,
        type: values.type,
        serial: values.serial,
        ...(values.class ? { class: values.class } : {}),
        ...positive('e'),
        ...positive('max'),
        ...positive('mmq'),
        ...(values.construction ? { construction: values.construction } : {}),
        ...(values.use ? { use: values.use } : {}),
      };
      // what POST /api/v1/devices refuses, refused here too (e against max and the class: OIML R76-1 Table 3)
      const problems = [...validateDevice(profile, d), ...scaleErrors(profile, d)];
      if (problems.length) fail(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
      const { secret } = await (await Registry.open(db)).createDevice(d, now);
      await new AuditLog(db).append('cli', 'device.create', values.id, { tenant: values.tenant, type: values.type }, now);
      process.stdout.write(`device ${values.id} registered; MQTT username ${values.id}, password (shown once):\n${secret}\n`);
    } else if (what === 'audit' && verb === 'verify') {
      const r = await verifyAuditChain(db);
      if (r.ok) process.stdout.write(`audit chain intact: ${r.entries} entries\n`);
      else {
        process.stdout.write(`audit chain BROKEN at entry ${r.brokenAt}: ${r.reason}\n`);
        process.exitCode = 1;
      }
    } else {
      fail(`unknown command "${args.join(' ')}"; see mag --help`);
    }
  } catch (e) {
    await db.close();
    fail((e as Error).message);
  }
  await db.close();
}

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(HELP);
} else if (['token', 'tenant', 'device', 'audit', 'start', 'demo'].includes(cmd) && (rest.includes('--help') || rest.includes('-h'))) {
  process.stdout.write(commandHelp(cmd));
} else if (cmd === 'start') {
  await start();
} else if (cmd === 'demo') {
  await demo();
} else if (cmd === 'simulate') {
  const { simulateCommand } = await import('../simulators/cli.ts');
  process.exitCode = await simulateCommand(rest);
} else if (cmd === 'bridge') {
  const { bridgeCommand } = await import('./bridges/modbus/bridge.ts');
  process.exitCode = await bridgeCommand(rest);
} else if (['token', 'tenant', 'device', 'audit'].includes(cmd)) {
  await storeCommand([cmd, ...rest]);
} else {
  fail(`unknown command "${cmd}"; see mag --help`);
}
