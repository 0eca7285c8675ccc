// Deployment files, checked by reading them (there is no Docker engine in CI):
// - docker-compose.yml: pinned images, health checks, depends_on conditions, the gateway's
//   environment (only docs/contract.md §1 variables, accepted by the gateway's own config parser),
//   no hard-coded secrets, every interpolated variable documented in .env.example;
// - Dockerfile: multi-stage, non-root, HEALTHCHECK (run here against a real HTTP server);
// - dashboards/: every InfluxQL query of every dashboard, after Grafana-style template
//   substitution, runs against a REAL influxd loaded with docs/contract.md §3 sample data and
//   returns at least one series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetStatePoints, rejectionPoint } from '../../src/alerts/fleet-state.ts';
import { DEVICE_ALERT_KINDS } from '../../src/alerts/alert-book.ts';
import { escapeKey, toLineProtocol } from '../../src/sinks/line-protocol.ts';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { influxdBinary, startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** docs/contract.md §1 configuration variables (kept here on purpose: CI must not depend on ../shared). */
const CONTRACT_MAG_VARIABLES = new Set([
  'MAG_DATA_DIR',
  'MAG_MQTT_PORT',
  'MAG_MQTT_WS_PORT',
  'MAG_MQTTS_PORT',
  'MAG_TLS_CERT',
  'MAG_TLS_KEY',
  'MAG_TLS_CA',
  'MAG_HTTP_PORT',
  'MAG_HOST',
  'MAG_ADMIN_TOKEN',
  'MAG_INFLUX_URL',
  'MAG_INFLUX_API',
  'MAG_INFLUX_DB',
  'MAG_INFLUX_USER',
  'MAG_INFLUX_PASSWORD',
  'MAG_INFLUX_ORG',
  'MAG_INFLUX_BUCKET',
  'MAG_INFLUX_TOKEN',
  'MAG_LOG_LEVEL',
  // CONTRACT §7, cluster mode (the compose `cluster` profile's MAG nodes)
  'MAG_AMQP_URLS',
  'MAG_STATE_URL',
  'MAG_NODE_ID',
]);

/** What the gateway container must set for a working stack. */
const GATEWAY_REQUIRED_ENV = [
  'MAG_HOST',
  'MAG_HTTP_PORT',
  'MAG_MQTT_PORT',
  'MAG_DATA_DIR',
  'MAG_ADMIN_TOKEN',
  'MAG_INFLUX_URL',
  'MAG_INFLUX_API',
  'MAG_INFLUX_DB',
  'MAG_INFLUX_USER',
  'MAG_INFLUX_PASSWORD',
  'MAG_INFLUX_ORG',
  'MAG_INFLUX_BUCKET',
  'MAG_INFLUX_TOKEN',
];

// ───────────────────────────────────────────── helpers

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: (string | { source?: string; target?: string })[];
  command?: string | string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function serviceEnv(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** KEY=VALUE lines of an env file; commented `# KEY=VALUE` lines are returned in `commented`. */
function readEnvFile(text: string): { values: Env; commented: Set<string> } {
  const values: Env = {};
  const commented = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(#\s*)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    if (m[1]) commented.add(m[2]);
    else values[m[2]] = m[3].trim();
  }
  return { values, commented };
}

/** Compose-style interpolation: ${V}, ${V:-d}, ${V-d}, ${V:?msg}, ${V?msg}, $$. */
function interpolate(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (all, name?: string, op?: string, arg?: string) => {
    if (all === '$$') return '$';
    const v = env[name!];
    const unsetOrEmpty = v === undefined || v === '';
    switch (op) {
      case ':-':
        return unsetOrEmpty ? arg! : v!;
      case '-':
        return v === undefined ? arg! : v;
      case ':?':
        if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v!;
      case '?':
        if (v === undefined) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v;
      default:
        return v ?? '';
    }
  });
}

/** Names interpolated in compose text (not the $$-escaped ones meant for the container shell). */
function interpolatedNames(text: string): Map<string, { op?: string; arg?: string }> {
  const out = new Map<string, { op?: string; arg?: string }>();
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g)) {
    out.set(m[1], { op: m[2], arg: m[3] });
  }
  return out;
}

interface DockerInstruction {
  op: string;
  args: string;
}
function parseDockerfile(text: string): DockerInstruction[] {
  const joined = text
    .split(/\r?\n/)
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.search(/\s/);
      return { op: l.slice(0, i).toUpperCase(), args: l.slice(i + 1).trim() };
    });
}

/** Runs argv (no shell) or a shell string; resolves with the exit code. */
function run(argv: string[], env: Env, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolvePromise(code ?? -1);
    });
  });
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** An HTTP server whose /healthz answers `status()`. */
async function healthServer(status: () => number): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? status() : 404;
    res.end(JSON.stringify({ status: res.statusCode === 200 ? 'ok' : 'down' }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, server };
}

const compose = parseYaml(read('docker-compose.yml')) as Compose;
const composeText = read('docker-compose.yml');
const envExample = readEnvFile(read('.env.example'));

// ───────────────────────────────────────────── docker-compose.yml

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('has the gateway, influxdb, grafana and simulator services, and influxdb2 behind a profile', () => {
    for (const name of ['gateway', 'influxdb', 'grafana', 'simulator', 'influxdb2']) expect(services, name).toHaveProperty(name);
    for (const name of ['gateway', 'influxdb', 'grafana', 'simulator']) expect(services[name].profiles, name).toBeUndefined();
    expect(services.influxdb2.profiles).toEqual(['influxdb2']);
  });

  it('every service has a build or an image pinned to a full version (never latest)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build !== undefined) continue;
      expect(s.image, `${name} has neither build nor image`).toBeTruthy();
      const tag = /:([^/:@]+)$/.exec(s.image!)?.[1];
      expect(tag, `${name}: image ${s.image} has no tag`).toBeTruthy();
      expect(tag, `${name}: image ${s.image}`).not.toMatch(/latest/);
      // PostgreSQL numbers its releases major.minor, the minor being the patch release.
      const pinned = s.image!.startsWith('postgres:') ? /^\d+\.\d+(-|$)/ : /^\d+\.\d+\.\d+/;
      expect(tag, `${name}: image ${s.image} is not pinned to major.minor.patch`).toMatch(pinned);
    }
    expect(services.influxdb.image).toMatch(/^influxdb:1\.11\.\d+$/);
    expect(services.influxdb2.image).toMatch(/^influxdb:2\.7\.\d+$/);
    expect(services.gateway.build).toBeDefined();
    expect(services.simulator.build ?? services.simulator.image).toBeDefined();
    expect(services.simulator.image).toBe(services.gateway.image);
  });

  it('every service has a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test, `${name} has no healthcheck`).toBeTruthy();
      expect(s.healthcheck?.disable, name).not.toBe(true);
      const test = s.healthcheck!.test!;
      expect(Array.isArray(test) ? test[0] : 'CMD-SHELL', name).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('depends_on names existing services, each with a condition; start order follows health', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.depends_on) continue;
      expect(Array.isArray(s.depends_on), `${name}: depends_on must be a map with conditions`).toBe(false);
      for (const [dep, spec] of Object.entries(s.depends_on as Record<string, { condition?: string; required?: boolean }>)) {
        expect(services, `${name} depends on unknown service ${dep}`).toHaveProperty(dep);
        expect(spec.condition, `${name} → ${dep}`).toMatch(/^service_(healthy|completed_successfully)$/);
        // A dependency on a service of a profile must not be required, or `docker compose up`
        // without that profile fails.
        if (services[dep].profiles?.length && !(s.profiles ?? []).some((p) => services[dep].profiles!.includes(p))) {
          expect(spec.required, `${name} → ${dep} (profile ${services[dep].profiles!.join(',')})`).toBe(false);
        }
      }
    }
    const deps = (n: string) => services[n].depends_on as Record<string, { condition: string }>;
    expect(deps('gateway').influxdb.condition).toBe('service_healthy');
    expect(deps('grafana').influxdb.condition).toBe('service_healthy');
    expect(deps('simulator').gateway.condition).toBe('service_healthy');
  });

  it('stateful services keep their data in named volumes declared at top level', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const mounts = (n: string) => (services[n].volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    const named = (n: string, target: string) => {
      const m = mounts(n).find((v) => v.split(':')[1] === target);
      expect(m, `${n} mounts nothing on ${target}`).toBeTruthy();
      const source = m!.split(':')[0];
      expect(declared, `${n}: ${source} is not a declared named volume`).toContain(source);
    };
    named('gateway', '/data');
    named('influxdb', '/var/lib/influxdb');
    named('grafana', '/var/lib/grafana');
    named('influxdb2', '/var/lib/influxdb2');
  });

  it('the gateway sets the variables it needs, binds 0.0.0.0 and keeps MAG_DATA_DIR on its volume', () => {
    const env = serviceEnv(services.gateway);
    for (const k of GATEWAY_REQUIRED_ENV) expect(env, `gateway environment lacks ${k}`).toHaveProperty(k);
    expect(env.MAG_HOST).toBe('0.0.0.0');
    expect(env.MAG_DATA_DIR).toBe('/data');
    expect(env.MAG_HTTP_PORT).toBe('8080');
    expect(env.MAG_MQTT_PORT).toBe('1883');
    const ports = services.gateway.ports ?? [];
    expect(ports.some((p) => p.endsWith(':1883'))).toBe(true);
    expect(ports.some((p) => p.endsWith(':8080'))).toBe(true);
    // The default InfluxDB URL points at a service of this file.
    const url = interpolate(env.MAG_INFLUX_URL, {});
    expect(services).toHaveProperty(new URL(url).hostname);
  });

  it('uses no MAG_* variable that docs/contract.md §1 does not define', () => {
    const used = new Set(composeText.match(/\bMAG_[A-Z0-9_]+/g) ?? []);
    const unknown = [...used].filter((v) => !CONTRACT_MAG_VARIABLES.has(v));
    expect(unknown).toEqual([]);
  });

  it('hard-codes no secret: passwords and tokens come from .env, without defaults', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(serviceEnv(s))) {
        if (!/PASSWORD|TOKEN|SECRET/.test(k)) continue;
        expect(v, `${name}.${k}`).toMatch(/^\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*|:-)?\}$/);
      }
    }
    expect(read('.gitignore').split(/\r?\n/)).toContain('.env');
    // Without a .env, `docker compose up` stops at the first missing secret.
    expect(() => interpolate(composeText, {})).toThrow(/MAG_ADMIN_TOKEN|PASSWORD/);
  });

  it('.env.example documents every variable the compose file reads, with a value for the required ones', () => {
    const names = interpolatedNames(composeText);
    for (const [name, { op }] of names) {
      const documented = name in envExample.values || envExample.commented.has(name);
      expect(documented, `${name} is not in .env.example`).toBe(true);
      if (op === ':?' || op === '?') expect(envExample.values[name], `${name} needs a value in .env.example`).toBeTruthy();
    }
    expect(() => interpolate(composeText, envExample.values)).not.toThrow();
  });

  const srcConfig = join(ROOT, 'src', 'config.ts');
  it.skipIf(!existsSync(srcConfig))('the gateway accepts its compose environment (v1 default, and v2 as documented)', async () => {
    const { loadConfig } = (await import(srcConfig)) as {
      loadConfig: (env: Record<string, string | undefined>) => { host: string; influx: { url?: string; api: string; token?: string; user?: string } };
    };
    const resolved = parseYaml(interpolate(composeText, envExample.values)) as Compose;
    const v1 = loadConfig(serviceEnv(resolved.services.gateway));
    expect(v1.host).toBe('0.0.0.0');
    expect(v1.influx).toMatchObject({ url: 'http://influxdb:8086', api: 'v1', user: envExample.values.INFLUXDB_USER });

    const v2Env = { ...envExample.values, MAG_INFLUX_API: 'v2', MAG_INFLUX_URL: 'http://influxdb2:8086' };
    expect(envExample.commented.has('MAG_INFLUX_API') && envExample.commented.has('MAG_INFLUX_URL')).toBe(true);
    const v2 = loadConfig(serviceEnv((parseYaml(interpolate(composeText, v2Env)) as Compose).services.gateway));
    expect(v2.influx).toMatchObject({ url: 'http://influxdb2:8086', api: 'v2', token: envExample.values.INFLUXDB2_ADMIN_TOKEN });
  });

  it.skipIf(!existsSync(srcConfig))('every MAG_* variable of compose, .env.example and the Dockerfile is one src/config.ts reads', async () => {
    const { ConfigSchema } = (await import(srcConfig)) as { ConfigSchema: { shape: Record<string, unknown> } };
    const known = new Set(Object.keys(ConfigSchema.shape));
    // and the contract's variables are all read by the gateway
    for (const v of CONTRACT_MAG_VARIABLES) expect(known, `src/config.ts does not read ${v}`).toContain(v);
    for (const [file, text] of [
      ['docker-compose.yml', composeText],
      ['.env.example', read('.env.example')],
      ['Dockerfile', read('Dockerfile')],
    ] as const) {
      const used = [...new Set(text.match(/\bMAG_[A-Z0-9_]+/g) ?? [])];
      expect(used.length, file).toBeGreaterThan(0);
      expect(
        used.filter((v) => !known.has(v)),
        `${file} names variables the gateway never reads`,
      ).toEqual([]);
    }
  });

  describe('the cluster profile', () => {
    const CLUSTER = ['rabbitmq1', 'rabbitmq2', 'rabbitmq3', 'postgres', 'mag1', 'mag2', 'mag3', 'haproxy'];
    const MAG_NODES = ['mag1', 'mag2', 'mag3'];
    const haproxy = read('deploy/cluster/haproxy.cfg');
    const rabbitConf = read('deploy/cluster/rabbitmq.conf');

    it('holds 3 RabbitMQ nodes, PostgreSQL 15, 3 MAG nodes and HAProxy, all behind the profile, with InfluxDB and Grafana shared', () => {
      for (const name of CLUSTER) expect(services[name]?.profiles, name).toEqual(['cluster']);
      for (const n of [1, 2, 3]) expect(services[`rabbitmq${n}`].image).toMatch(/^rabbitmq:3\.10\.\d+-management$/);
      expect(services.postgres.image).toMatch(/^postgres:15\./);
      // Naming haproxy and grafana starts the cluster and what it needs, never the single gateway.
      const needed = new Set<string>();
      const visit = (n: string) => {
        if (needed.has(n)) return;
        needed.add(n);
        for (const [dep, spec] of Object.entries((services[n].depends_on ?? {}) as Record<string, { required?: boolean }>))
          if (spec.required !== false) visit(dep);
      };
      visit('haproxy');
      visit('grafana');
      expect([...needed].sort()).toEqual([...CLUSTER, 'influxdb', 'grafana'].sort());
    });

    it('every MAG node lists the three RabbitMQ nodes, names the shared PostgreSQL, has its own id and volume, and is reached through HAProxy only', () => {
      const resolved = parseYaml(interpolate(composeText, envExample.values)) as Compose;
      const ids = new Set<string>();
      for (const n of MAG_NODES) {
        const env = serviceEnv(resolved.services[n]);
        const urls = env.MAG_AMQP_URLS.split(',').map((u) => new URL(u));
        expect(urls.map((u) => `${u.protocol}//${u.hostname}:${u.port}`)).toEqual([1, 2, 3].map((i) => `amqp://rabbitmq${i}:5672`));
        for (const u of urls) expect([u.username, u.password]).toEqual([envExample.values.RABBITMQ_USER, envExample.values.RABBITMQ_PASSWORD]);
        const state = new URL(env.MAG_STATE_URL);
        expect(`${state.protocol}//${state.host}${state.pathname}`).toBe(`postgres://postgres:5432/${envExample.values.POSTGRES_DB}`);
        expect(state.password).toBe(envExample.values.POSTGRES_PASSWORD);
        ids.add(env.MAG_NODE_ID);
        expect(services[n].ports ?? [], n).toEqual([]);
        expect(services[n].image).toBe(services.gateway.image);
        // the node's environment is the single gateway's plus the cluster's three variables
        const { MAG_AMQP_URLS, MAG_STATE_URL, MAG_NODE_ID, ...rest } = serviceEnv(services[n]);
        expect(rest).toEqual(serviceEnv(services.gateway));
        for (const dep of ['rabbitmq1', 'rabbitmq2', 'rabbitmq3', 'postgres', 'influxdb'])
          expect((services[n].depends_on as Record<string, { condition: string }>)[dep]?.condition, `${n} → ${dep}`).toBe('service_healthy');
      }
      expect([...ids].sort()).toEqual(MAG_NODES);
      expect(new Set(MAG_NODES.map((n) => (services[n].volumes ?? [])[0])).size).toBe(3);
    });

    it('HAProxy balances MQTT and MQTT over TLS by TCP and the API by HTTP over the three nodes, checking /readyz', () => {
      expect(services.haproxy.volumes).toContain('./deploy/cluster/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
      for (const port of ['1883', '8883', '8080'])
        expect(
          (services.haproxy.ports ?? []).some((p) => p.endsWith(`:${port}`)),
          port,
        ).toBe(true);
      const section = (name: string) => new RegExp(`^backend ${name}\\n((?:[ \\t].*\\n?)*)`, 'm').exec(haproxy)?.[1] ?? '';
      for (const [backend, mode, port] of [
        ['mag_mqtt', 'tcp', 1883],
        ['mag_mqtts', 'tcp', 8883],
        ['mag_http', 'http', 8080],
      ] as const) {
        const body = section(backend);
        expect(body, backend).toContain(`mode ${mode}`);
        for (const n of MAG_NODES) expect(body, `${backend} ${n}`).toMatch(new RegExp(`server ${n} ${n}:${port} check`));
      }
      expect(section('mag_mqtt')).toContain('option httpchk GET /readyz');
      expect(section('mag_http')).toContain('option httpchk GET /readyz');
      for (const [frontend, port] of [
        ['mqtt', 1883],
        ['mqtts', 8883],
        ['http', 8080],
      ])
        expect(haproxy).toMatch(new RegExp(`^frontend ${frontend}\\n(?:[ \\t].*\\n)*?[ \\t]+bind :${port}\\n`, 'm'));
    });

    it('RabbitMQ: one cookie, peers from a fixed list, the minority pauses in a partition', () => {
      for (const n of [1, 2, 3]) {
        const env = serviceEnv(services[`rabbitmq${n}`]);
        expect(env.RABBITMQ_COOKIE_SECRET).toBe('${RABBITMQ_ERLANG_COOKIE:-}');
        expect(services[`rabbitmq${n}`].volumes).toContain('./deploy/cluster/rabbitmq.conf:/etc/rabbitmq/conf.d/20-mag-cluster.conf:ro');
        expect(rabbitConf).toContain(`cluster_formation.classic_config.nodes.${n} = rabbit@rabbitmq${n}`);
      }
      expect(rabbitConf).toMatch(/^cluster_formation\.peer_discovery_backend = classic_config$/m);
      expect(rabbitConf).toMatch(/^cluster_partition_handling = pause_minority$/m);
      // the later nodes join the first one rather than form clusters of their own
      for (const n of [2, 3])
        expect((services[`rabbitmq${n}`].depends_on as Record<string, { condition: string }>).rabbitmq1.condition).toBe('service_healthy');
    });
  });

  it('the simulator runs the demo fleet against the gateway service, without end, token from the environment', async () => {
    const argv = services.simulator.command as string[];
    expect(Array.isArray(argv), 'command in exec form (no shell)').toBe(true);
    const cmd = argv.join(' ');
    for (const part of [
      'node bin/mag.mjs simulate',
      '--fleet simulators/fleets/demo.json',
      '--url http://gateway:8080',
      '--mqtt mqtt://gateway:1883',
      '--duration 0',
    ]) {
      expect(cmd).toContain(part);
    }
    expect(existsSync(join(ROOT, 'simulators/fleets/demo.json'))).toBe(true);
    // `mag simulate` takes the admin token from MAG_ADMIN_TOKEN: never on a command line (ps, /proc).
    expect(cmd).not.toMatch(/--admin-token|MAG_ADMIN_TOKEN/);
    expect(serviceEnv(services.simulator).MAG_ADMIN_TOKEN).toBe(serviceEnv(services.gateway).MAG_ADMIN_TOKEN);
    // The real CLI accepts exactly these options (parseArgs is strict): with --help it parses them and stops.
    const real = [process.execPath, join(ROOT, argv[1]), ...argv.slice(2)];
    expect(await run([...real, '--help'], {}, 30_000)).toBe(0);
    expect(await run([...real, '--no-such-option'], {}, 30_000)).toBe(2);
  });

  it('influxdb2 is initialised by the image (setup mode) and maps the InfluxQL database to the bucket', () => {
    const s = services.influxdb2;
    const env = serviceEnv(s);
    expect(env.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    for (const k of ['USERNAME', 'PASSWORD', 'ORG', 'BUCKET', 'ADMIN_TOKEN']) expect(env).toHaveProperty(`DOCKER_INFLUXDB_INIT_${k}`);
    const initMount = (s.volumes ?? []).map(String).find((v) => v.split(':')[1] === '/docker-entrypoint-initdb.d');
    expect(initMount, 'no init script mount').toBeTruthy();
    const dir = join(ROOT, initMount!.split(':')[0]);
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(0);
    const all = scripts.map((f) => {
      const p = join(dir, f);
      // The image runs them with run-parts, which skips files that are not executable.
      expect(statSync(p).mode & 0o111, `${f} must be executable`).not.toBe(0);
      execFileSync('bash', ['-n', p]);
      return readFileSync(p, 'utf8');
    });
    const script = all.join('\n');
    expect(script).toMatch(/influx v1 dbrp create/);
    expect(script).toMatch(/--rp autogen/);
    // Every variable the script reads is set on the service (or exported by the entrypoint).
    for (const m of script.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) {
      if (m[1] === 'DOCKER_INFLUXDB_INIT_BUCKET_ID') continue;
      expect(env, `influxdb2 does not set ${m[1]} for the init script`).toHaveProperty(m[1]);
    }
  });

  it('grafana is provisioned from dashboards/ with the variables its data sources read', () => {
    const g = services.grafana;
    const mounts = (g.volumes ?? []).map(String);
    const target = (src: string) => mounts.find((m) => m.startsWith(src + ':'))?.split(':')[1];
    expect(target('./dashboards/provisioning')).toBe('/etc/grafana/provisioning');
    const dashTarget = target('./dashboards/grafana');
    const provider = parseYaml(read('dashboards/provisioning/dashboards/mag.yml')) as { providers: { type: string; options: { path: string } }[] };
    expect(provider.providers[0].options.path).toBe(dashTarget);
    const env = serviceEnv(g);
    const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home.startsWith(dashTarget + '/')).toBe(true);
    expect(existsSync(join(ROOT, 'dashboards/grafana', home.slice(dashTarget!.length + 1)))).toBe(true);

    const dsText = read('dashboards/provisioning/datasources/influxdb.yml');
    const ds = parseYaml(dsText) as { datasources: { uid: string; type: string; url: string; jsonData: { dbName: string } }[] };
    expect(ds.datasources.map((d) => d.uid)).toEqual(['mag-influxdb', 'mag-influxdb2']);
    for (const d of ds.datasources) {
      expect(d.type).toBe('influxdb');
      expect(services).toHaveProperty(new URL(d.url).hostname);
      expect(d.jsonData.dbName).toBeTruthy();
    }
    for (const m of dsText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) expect(env, `grafana does not set ${m[1]}`).toHaveProperty(m[1]);
  });
});

// ───────────────────────────────────────────── Dockerfile

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const args = Object.fromEntries(
    instructions.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => [i.args.split('=')[0], i.args.split('=').slice(1).join('=')]),
  );
  const stages: DockerInstruction[][] = [];
  for (const i of instructions) {
    if (i.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(i);
  }
  const final = stages.at(-1) ?? [];
  const healthcheck = final.find((i) => i.op === 'HEALTHCHECK');

  it('is multi-stage, on pinned node images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      const image = s[0].args.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '');
      expect(image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
    }
  });

  it('installs production dependencies with npm ci --omit=dev, with a toolchain for better-sqlite3', () => {
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    const build = runs.find((r) => r.includes('apt-get install'));
    for (const pkg of ['python3', 'make', 'g++']) expect(build).toContain(pkg);
    // Node modules reach the final stage from the build stage (or are installed there).
    expect(
      final.some(
        (i) => (i.op === 'COPY' && i.args.includes('--from=') && i.args.includes('node_modules')) || (i.op === 'RUN' && i.args.includes('npm ci --omit=dev')),
      ),
    ).toBe(true);
  });

  it('copies what the gateway needs at run time', () => {
    const copied = final.filter((i) => i.op === 'COPY' && !i.args.includes('--from=')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const p of ['package.json', 'package-lock.json', 'bin', 'src', 'devices', 'simulators', 'dashboards']) expect(copied, p).toContain(p);
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['package.json', 'package-lock.json', 'bin', 'src', 'devices', 'simulators', 'dashboards'])
      expect(ignored, `.dockerignore drops ${p}`).not.toContain(p);
    for (const p of ['.env', 'node_modules', 'data', '.git']) expect(ignored, `.dockerignore should drop ${p}`).toContain(p);
  });

  it('the code it copies imports only production dependencies and files it copies (npm ci --omit=dev suffices)', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const copiedDirs = ['bin', 'src', 'devices', 'simulators', 'dashboards'];
    const problems: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const files = copiedDirs.flatMap(walk).filter((f) => /\.(ts|mjs|js|cjs)$/.test(f) && !/\.test\.ts$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = read(f);
      for (const m of text.matchAll(
        /(?:^|[^.\w])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm,
      )) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) {
          const target = join(f, '..', spec);
          if (!copiedDirs.some((d) => target === d || target.startsWith(d + '/'))) problems.push(`${f} imports ${spec}, outside what the image copies`);
          // a console module declared by a .d.ts beside it: types only (types.js) or written by the gateway (vocabulary.js)
          else if (!existsSync(join(ROOT, target)) && !existsSync(join(ROOT, target.replace(/\.js$/, '.d.ts'))))
            problems.push(`${f} imports ${spec}, which does not exist`);
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!(name in pkg.dependencies))
          problems.push(`${f} imports ${name}, ${name in (pkg.devDependencies ?? {}) ? 'a devDependency (not in the image)' : 'not a dependency'}`);
      }
    }
    expect(problems).toEqual([]);
    // tsx runs the TypeScript at run time, so it must be a production dependency.
    expect(pkg.dependencies).toHaveProperty('tsx');
    expect(read('bin/mag.mjs')).toMatch(/tsx/);
  });

  it('runs as a non-root user, binds 0.0.0.0, keeps data in the /data volume, exposes 1883 and 8080', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeTruthy();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = final
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/MAG_HOST=0\.0\.0\.0/);
    expect(env).toMatch(/MAG_DATA_DIR=\/data/);
    expect(final.find((i) => i.op === 'VOLUME')?.args).toMatch(/\/data/);
    const exposed = final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining(['1883', '8080']));
    expect(final.find((i) => i.op === 'CMD')?.args).toContain('bin/mag.mjs');
  });

  it('HEALTHCHECK probes /healthz with node, HTTP or HTTPS as the API serves: 200 healthy, 503 or no server unhealthy', async () => {
    expect(healthcheck, 'no HEALTHCHECK').toBeTruthy();
    const json = healthcheck!.args.slice(healthcheck!.args.indexOf('CMD') + 3).trim();
    const argv = JSON.parse(json) as string[];
    expect(argv[0]).toBe('node');
    expect(argv.join(' ')).toContain('/healthz');
    await expectHealthcheckBehaviour(argv);
  });
});

async function expectHealthcheckBehaviour(argv: string[]): Promise<void> {
  let status = 200;
  const { port, server } = await healthServer(() => status);
  try {
    expect(await run(argv, { MAG_HTTP_PORT: String(port) })).toBe(0);
    status = 503;
    expect(await run(argv, { MAG_HTTP_PORT: String(port) })).not.toBe(0);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  expect(await run(argv, { MAG_HTTP_PORT: String(await freePort()) })).not.toBe(0);
  // With MAG_TLS_CERT/MAG_TLS_KEY the gateway's API serves HTTPS: the probe follows (self-signed is fine).
  if (!commandExists('openssl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'mag-hc-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
      stdio: 'ignore',
    });
    const { createServer: createHttpsServer } = await import('node:https');
    const tlsPort = await freePort();
    status = 200;
    const tlsServer = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => tlsServer.listen(tlsPort, '127.0.0.1', () => r()));
    try {
      const env = { MAG_HTTP_PORT: String(tlsPort), MAG_TLS_CERT: cert, MAG_TLS_KEY: key };
      expect(await run(argv, env)).toBe(0);
      status = 503;
      expect(await run(argv, env)).not.toBe(0);
      // plain HTTP against the TLS port fails: the probe did use HTTPS above
      expect(await run(argv, { MAG_HTTP_PORT: String(tlsPort) })).not.toBe(0);
    } finally {
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('compose health checks, executed', () => {
  it('gateway: the image probe on /healthz (HTTP and HTTPS)', async () => {
    expect(compose.services.gateway.healthcheck!.test).toEqual([
      'CMD',
      ...JSON.parse(
        parseDockerfile(read('Dockerfile'))
          .find((i) => i.op === 'HEALTHCHECK')!
          .args.replace(/^.*?CMD\s+/, ''),
      ),
    ]);
    const test = compose.services.gateway.healthcheck!.test as string[];
    expect(test[0]).toBe('CMD');
    await expectHealthcheckBehaviour(test.slice(1));
  });
});

describe('deploy/backup-sqlite.cjs', () => {
  it('backs up every SQLite file of the data directory, consistently, while it is open in WAL mode', async () => {
    const { mkdirSync } = await import('node:fs');
    const { default: Database } = await import('better-sqlite3');
    const dir = mkdtempSync(join(tmpdir(), 'mag-backup-'));
    try {
      mkdirSync(join(dir, 'journal'));
      const state = new Database(join(dir, 'mag.db'));
      state.pragma('journal_mode = WAL');
      state.exec('CREATE TABLE device (id TEXT PRIMARY KEY)');
      state.prepare('INSERT INTO device VALUES (?)').run('gd-01');
      const journal = new Database(join(dir, 'journal', 'journal.db'));
      journal.pragma('journal_mode = WAL');
      journal.exec('CREATE TABLE entry (seq INTEGER)');
      // Both stay open (the gateway running); the rows are still in the WAL files.
      expect(await run([process.execPath, join(ROOT, 'deploy', 'backup-sqlite.cjs')], { MAG_DATA_DIR: dir })).toBe(0);
      const stamps = readdirSync(join(dir, 'backups'));
      expect(stamps).toHaveLength(1);
      const copy = new Database(join(dir, 'backups', stamps[0], 'mag.db'), { readonly: true });
      expect(copy.prepare('SELECT id FROM device').all()).toEqual([{ id: 'gd-01' }]);
      copy.close();
      expect(existsSync(join(dir, 'backups', stamps[0], 'journal', 'journal.db'))).toBe(true);
      state.close();
      journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ───────────────────────────────────────────── dashboards against a real InfluxDB

interface Target {
  refId: string;
  query?: string;
  rawQuery?: boolean;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const DASH_DIR = join(ROOT, 'dashboards', 'grafana');
const dashboardFiles = readdirSync(DASH_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = dashboardFiles.map((f) => [f, JSON.parse(readFileSync(join(DASH_DIR, f), 'utf8')) as Dashboard] as const);

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Sample data written as docs/contract.md §3 line protocol: readings, checks, transactions. */
function sampleLines(now: number): string[] {
  const lines: string[] = [];
  const devices = [
    { id: 'fd-01', tenant: 'acme', type: 'fuel-dispenser', last: 'ok' },
    { id: 'gd-01', tenant: 'acme', type: 'gas-detector', last: 'unverified' },
    { id: 'bm-01', tenant: 'acme', type: 'barometer', last: 'out-of-range' },
    { id: 'sc-01', tenant: 'beta', type: 'scale', last: 'implausible' },
    { id: 'gd-02', tenant: 'beta', type: 'gas-detector', last: 'ok' },
    { id: 'ba-01', tenant: 'beta', type: 'breath-alcohol-analyser', last: 'ok' },
  ];
  const gases = ['CO', 'H2S', 'O2', 'CH4'];
  // Names as Vietnamese retail sells them: spaces, commas, regular-expression characters.
  const nozzles = [
    { nozzle: '1', product: escapeKey('Xăng E5 RON 92-II'), price: 21.5 },
    { nozzle: escapeKey('Vòi 2 (DO)'), product: escapeKey('Dầu DO 0,05S-II'), price: 19.8 },
  ];
  const decisions = ['pass', 'conditional-pass', 'conditional-fail', 'fail'];
  const N = 24;
  for (const d of devices) {
    const base = `tenant=${d.tenant},device=${d.id},type=${d.type}`;
    for (let k = 0; k < N; k++) {
      const ts = now - (N - k) * 30 * 60_000;
      const seq = k + 1;
      const status = k === N - 1 ? d.last : k % 7 === 3 ? 'out-of-range' : k % 7 === 5 ? 'unverified' : 'ok';
      let tags = base;
      let quantity = 'pressure';
      let value = 1013 + Math.sin(k) * 3;
      if (d.type === 'gas-detector') {
        const gas = gases[k % gases.length];
        tags += `,gas=${gas}`;
        quantity = 'concentration';
        value = gas === 'O2' ? 20.9 : 5 + k;
      } else if (d.type === 'fuel-dispenser') {
        const n = nozzles[k % 2];
        tags += `,nozzle=${n.nozzle},product=${n.product}`;
        quantity = 'volume';
        value = 10 + k;
        const amount = Math.round(value * n.price * 1000) / 1000;
        lines.push(
          `transaction,tenant=${d.tenant},device=${d.id},nozzle=${n.nozzle},product=${n.product} volume=${value},unitPrice=${n.price},amount=${amount},totalizerStart=${1000 + k * 50},totalizerEnd=${1000 + k * 50 + value},seq=${seq}i ${ts}`,
        );
      } else if (d.type === 'scale') {
        quantity = 'mass';
        value = 12.5 + k / 100;
      } else if (d.type === 'breath-alcohol-analyser') {
        quantity = 'concentration';
        value = 0.1 + k / 100;
      }
      lines.push(`reading,${tags},quantity=${quantity} value=${value},raw=${value},seq=${seq}i,status="${status}" ${ts}`);
    }
    // Checks: every device gets every guarded decision, with errors consistent with it.
    for (let k = 0; k < 8; k++) {
      const ts = now - (8 - k) * 60 * 60_000 + 5 * 60_000;
      const decision = decisions[k % 4];
      let tags = base;
      let reference = 1013.25;
      let mpe = 0.3;
      if (d.type === 'gas-detector') {
        tags += `,gas=${gases[k % gases.length]}`;
        reference = 50;
        mpe = 5;
      } else if (d.type === 'fuel-dispenser') {
        tags += `,point=${k % 2 === 0 ? 'Qmax' : 'MMQ'}`;
        reference = 20;
        mpe = 0.1;
      }
      const u = mpe / 4;
      const error = { pass: 0.3 * mpe, 'conditional-pass': mpe - u / 2, 'conditional-fail': -(mpe + u / 2), fail: mpe + 2 * u }[decision]!;
      const legal = Math.abs(error) <= mpe ? 'pass' : 'fail';
      lines.push(
        `check,${tags} indicated=${reference + error},reference=${reference},error=${error},mpe=${mpe},uncertainty=${u},decision="${decision}",legal="${legal}",seq=${100 + k}i ${ts}`,
      );
    }
  }
  // The fleet's standing and rejections, built by the gateway's own functions (what it writes every minute / per rejected message).
  const states = ['valid', 'due-soon', 'expired', 'none', 'valid', 'valid'] as const;
  const standing = devices.map((d, i) => ({ id: d.id, tenant: d.tenant, type: d.type, verification: states[i] }));
  const unresolved = [
    { tenant: 'acme', device: 'gd-01', kind: 'out-of-tolerance', severity: 'critical', count: 1 },
    { tenant: 'acme', device: 'bm-01', kind: 'verification-overdue', severity: 'critical', count: 1 },
    { tenant: 'beta', device: 'sc-01', kind: 'drift', severity: 'warning', count: 1 },
  ];
  for (let k = 0; k < 3; k++) {
    lines.push(...toLineProtocol(fleetStatePoints(standing, unresolved, DEVICE_ALERT_KINDS, now - (3 - k) * 60_000)).split('\n'));
  }
  for (const [i, d] of devices.entries()) {
    const rejected = [{ errors: [{ path: 'value', message: 'must be a number' }] }];
    lines.push(toLineProtocol([rejectionPoint(d, i % 2 === 0 ? 'readings' : 'checks', rejected, now - (i + 1) * 90_000)]));
  }
  return lines;
}

/** Grafana's substitutions: $timeFilter, $__interval(_ms), $var / ${var} / [[var]]. */
function substitute(query: string, vars: Record<string, string>, from: number, to: number): string {
  let q = query
    .replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`)
    .replaceAll('${__interval_ms}', '60000')
    .replaceAll('$__interval_ms', '60000')
    .replaceAll('${__interval}', '1m')
    .replaceAll('$__interval', '1m');
  for (const name of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    const v = vars[name];
    q = q
      .replaceAll('${' + name + '}', v)
      .replaceAll('[[' + name + ']]', v)
      .replace(new RegExp('\\$' + name + '\\b', 'g'), () => v);
  }
  return q;
}

/** How Grafana escapes each value of a multi-value variable used in a regex (escapeRegex of @grafana/data). */
function grafanaRegexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}\/]/g, '\\$&');
}

/** Single-value template variables take these values in the test (all others: "All"). */
const PREFERRED: Record<string, string> = { device: 'gd-01' };

describe('Grafana dashboards (InfluxQL) against a real influxd', () => {
  let influx: InfluxdHandle;
  const now = Date.now();
  const from = now - 24 * 3600_000;
  const to = now;

  beforeAll(async () => {
    // Fails (rather than skips) with the harness message when influxd is not installed.
    influx = await startInfluxd();
    const create = await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE "mag"' }) });
    expect(create.ok).toBe(true);
    const write = await fetch(`${influx.url}/write?db=mag&precision=ms`, { method: 'POST', body: sampleLines(now).join('\n') });
    expect(write.status, await write.text()).toBe(204);
  });

  afterAll(async () => {
    await influx?.destroy();
  });

  /** Runs each query variable as Grafana does, in order, and picks its values ("All" for multi-value ones). */
  async function resolveVariables(dash: Dashboard): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const v of dash.templating.list) {
      if (v.type !== 'query') continue;
      const raw = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const q = substitute(raw, values, from, to);
      expect(q, `variable ${v.name}: unresolved variable`).not.toMatch(/\$\{?[A-Za-z_]|\[\[/);
      const res = await influx.query(q);
      expect(res.results[0].error, `variable ${v.name}: ${q}`).toBeUndefined();
      const got = (res.results[0].series ?? []).flatMap((s) => s.values.map((row) => String(row[1])));
      expect(got.length, `variable ${v.name} has no values: ${q}`).toBeGreaterThan(0);
      if (v.multi || v.includeAll) values[v.name] = `(${[...new Set(got)].map(grafanaRegexEscape).join('|')})`;
      else {
        const preferred = PREFERRED[v.name];
        if (preferred) expect(got, `variable ${v.name}`).toContain(preferred);
        values[v.name] = preferred ?? got[0];
      }
    }
    return values;
  }

  it('fuel dispensers: nozzles and products with spaces, commas and brackets come back as sent, each selected by the nozzle variable', async () => {
    const dash = dashboards.find(([f]) => f === 'fuel-dispensers.json')![1];
    const values = await resolveVariables(dash);
    expect(values.nozzle).toBe('(1|Vòi 2 \\(DO\\))');
    const totals = allPanels(dash.panels)
      .flatMap((p) => p.targets ?? [])
      .find((t) => /GROUP BY "device", "nozzle", "product"/.test(t.query ?? ''))!;
    const res = await influx.query(substitute(totals.query!, values, from, to));
    expect(res.results[0].error).toBeUndefined();
    expect((res.results[0].series ?? []).map((s) => [s.tags?.nozzle, s.tags?.product]).sort()).toEqual([
      ['1', 'Xăng E5 RON 92-II'],
      ['Vòi 2 (DO)', 'Dầu DO 0,05S-II'],
    ]);
  });

  it('finds the four dashboards', () => {
    expect(dashboardFiles).toEqual(['fleet-overview.json', 'fuel-dispensers.json', 'gas-detectors.json', 'instrument-detail.json']);
    const uids = dashboards.map(([, d]) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  for (const [file, dash] of dashboards) {
    describe(file, () => {
      it('uses the data-source variable everywhere, raw InfluxQL only, unique panel ids', () => {
        const dsVar = dash.templating.list.find((v) => v.type === 'datasource');
        expect(dsVar?.name).toBe('datasource');
        expect(dsVar?.query).toBe('influxdb');
        const panels = allPanels(dash.panels).filter((p) => p.type !== 'row');
        expect(panels.length).toBeGreaterThan(3);
        expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
        for (const p of panels) {
          expect(p.datasource?.uid, p.title).toBe('${datasource}');
          expect(p.targets?.length, p.title).toBeGreaterThan(0);
          for (const t of p.targets!) {
            expect(t.rawQuery, `${p.title} ${t.refId}`).toBe(true);
            expect(t.query?.trim(), `${p.title} ${t.refId}`).toBeTruthy();
            expect(t.datasource?.uid ?? '${datasource}').toBe('${datasource}');
          }
        }
        for (const v of dash.templating.list.filter((x) => x.type === 'query')) expect(v.datasource?.uid).toBe('${datasource}');
        expect(dash.templating.list.map((v) => v.name)).toContain('tenant');
      });

      it('every template variable and panel query runs and returns at least one series', async () => {
        const values = await resolveVariables(dash);
        const failures: string[] = [];
        for (const p of allPanels(dash.panels)) {
          for (const t of p.targets ?? []) {
            const q = substitute(t.query ?? '', values, from, to);
            const where = `${file} «${p.title}» ${t.refId}: ${q}`;
            if (/\$\{?[A-Za-z_]|\[\[/.test(q)) {
              failures.push(`unresolved variable in ${where}`);
              continue;
            }
            let r: Awaited<ReturnType<InfluxdHandle['query']>>['results'][number];
            try {
              r = (await influx.query(q)).results[0];
            } catch (e) {
              failures.push(`${(e as Error).message.split('\n')[0]} — in ${where}`);
              continue;
            }
            if (r.error) failures.push(`error "${r.error}" in ${where}`);
            else if (!r.series?.length) failures.push(`no series from ${where}`);
            else {
              // Every selected column has data somewhere (a misspelt field gives a null column).
              const columns = r.series[0].columns.filter((c) => c !== 'time');
              for (const [i, c] of r.series[0].columns.entries()) {
                if (c === 'time') continue;
                if (!r.series.some((s) => s.values.some((row) => row[i] !== null))) failures.push(`column ${c} is empty in ${where}`);
              }
              if (!columns.length) failures.push(`no columns from ${where}`);
            }
          }
        }
        expect(failures).toEqual([]);
      });
    });
  }

  it('the influxdb health check passes once the database exists, and fails without it', async () => {
    if (!commandExists('curl')) return; // the image has curl; this host may not
    const test = compose.services.influxdb.healthcheck!.test as string[];
    expect(test[0]).toBe('CMD-SHELL');
    const shell = test[1].replaceAll('$$', '$').replaceAll('http://127.0.0.1:8086', influx.url);
    const env = { INFLUXDB_READ_USER: 'grafana', INFLUXDB_READ_USER_PASSWORD: 'unused-without-auth' };
    expect(await run(['sh', '-c', shell], { ...env, INFLUXDB_DB: 'mag' })).toBe(0);
    expect(await run(['sh', '-c', shell], { ...env, INFLUXDB_DB: 'not-created' })).not.toBe(0);
  });
});

// The users the influxdb:1.11 image creates from INFLUXDB_* (its init-influxdb.sh runs these
// statements), on a real influxd with authentication on, as in docker-compose.yml.
describe('InfluxDB 1.x users as the compose stack creates them (auth enabled)', () => {
  let dir = '';
  let child: ReturnType<typeof spawn> | undefined;
  let url = '';
  const e = envExample.values;
  const db = e.INFLUXDB_DB;
  const q = async (user: string, pass: string, query: string, method: 'GET' | 'POST' = 'GET') => {
    const auth = { Authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') };
    const params = new URLSearchParams({ db, q: query });
    const res =
      method === 'GET' ? await fetch(`${url}/query?${params}`, { headers: auth }) : await fetch(`${url}/query`, { method, headers: auth, body: params });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    const bin = influxdBinary();
    dir = mkdtempSync(join(tmpdir(), 'mag-influxd-auth-'));
    const [http, rpc] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'influxdb.conf'),
      `reporting-disabled = true\nbind-address = "127.0.0.1:${rpc}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n[http]\n  bind-address = "127.0.0.1:${http}"\n  auth-enabled = true\n  log-enabled = false\n[logging]\n  level = "warn"\n`,
    );
    child = spawn(bin, ['-config', join(dir, 'influxdb.conf')], { stdio: 'ignore' });
    url = `http://127.0.0.1:${http}`;
    for (let i = 0; i < 300; i++) {
      if ((await fetch(`${url}/ping`).catch(() => undefined))?.status === 204) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const admin = [e.INFLUXDB_ADMIN_USER, e.INFLUXDB_ADMIN_PASSWORD] as const;
    const init = [
      `CREATE USER "${admin[0]}" WITH PASSWORD '${admin[1]}' WITH ALL PRIVILEGES`,
      `CREATE DATABASE ${db}`,
      `CREATE USER "${e.INFLUXDB_USER}" WITH PASSWORD '${e.INFLUXDB_USER_PASSWORD}'`,
      `GRANT ALL ON "${db}" TO "${e.INFLUXDB_USER}"`,
      `CREATE USER "${e.INFLUXDB_READ_USER}" WITH PASSWORD '${e.INFLUXDB_READ_USER_PASSWORD}'`,
      `GRANT READ ON "${db}" TO "${e.INFLUXDB_READ_USER}"`,
    ];
    for (const stmt of init) expect((await q(admin[0], admin[1], stmt, 'POST')).status, stmt).toBe(200);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the gateway user sees its database (so the v1 sink never needs CREATE DATABASE) and writes', async () => {
    const show = await q(e.INFLUXDB_USER, e.INFLUXDB_USER_PASSWORD, 'SHOW DATABASES');
    expect(JSON.parse(show.body).results[0].series[0].values).toContainEqual([db]);
    const auth = 'Basic ' + Buffer.from(`${e.INFLUXDB_USER}:${e.INFLUXDB_USER_PASSWORD}`).toString('base64');
    const w = await fetch(`${url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      headers: { Authorization: auth },
      body: `reading,tenant=acme,device=gd-01,type=gas-detector,quantity=concentration value=1,raw=1,seq=1i,status="ok" ${Date.now()}`,
    });
    expect(w.status).toBe(204);
  });

  it('the Grafana user reads but cannot write; the health check passes with it and fails with a wrong password', async () => {
    const read = await q(e.INFLUXDB_READ_USER, e.INFLUXDB_READ_USER_PASSWORD, 'SELECT count("value") FROM "reading"');
    expect(JSON.parse(read.body).results[0].series?.length).toBe(1);
    const auth = 'Basic ' + Buffer.from(`${e.INFLUXDB_READ_USER}:${e.INFLUXDB_READ_USER_PASSWORD}`).toString('base64');
    const w = await fetch(`${url}/write?db=${db}`, { method: 'POST', headers: { Authorization: auth }, body: 'x v=1' });
    expect(w.status).toBe(403);
    if (!commandExists('curl')) return; // the image has curl; this host may not
    const shell = (compose.services.influxdb.healthcheck!.test as string[])[1].replaceAll('$$', '$').replaceAll('http://127.0.0.1:8086', url);
    const env = { INFLUXDB_DB: db, INFLUXDB_READ_USER: e.INFLUXDB_READ_USER };
    expect(await run(['sh', '-c', shell], { ...env, INFLUXDB_READ_USER_PASSWORD: e.INFLUXDB_READ_USER_PASSWORD })).toBe(0);
    expect(await run(['sh', '-c', shell], { ...env, INFLUXDB_READ_USER_PASSWORD: 'wrong' })).not.toBe(0);
  });
});
