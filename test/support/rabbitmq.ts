// Starts a real RabbitMQ cluster (Debian's rabbitmq-server 3.10) for tests: N nodes on free
// ports in a temporary directory, one shared Erlang cookie, their own epmd on its own port (so
// no other epmd on the machine is touched), joined with `rabbitmqctl join_cluster`.
// Nodes run as the current user through /usr/lib/rabbitmq/bin/rabbitmq-server directly (the
// /usr/sbin wrapper switches to the rabbitmq user, which cannot write the temporary directory).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.ts';

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

export interface RabbitNode {
  /** Erlang node name, e.g. `mag1234r1@localhost`. */
  name: string;
  amqpPort: number;
  url: string;
  readonly running: boolean;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  /** Every node's AMQP URL, comma-separated (MAG_AMQP_URLS), with `query` appended to each (e.g. `heartbeat=2`). */
  urls(query?: string): string;
  /** SIGKILL of a node's Erlang VM: no shutdown, as a crash. */
  kill(i: number): Promise<void>;
  /** Starts a stopped or killed node again with its data; resolves once it serves AMQP again. */
  restart(i: number): Promise<void>;
  /** `rabbitmqctl` against node `i` (the cluster's cookie and epmd); resolves with stdout. */
  ctl(i: number, args: string[]): Promise<string>;
  /** Stops every node, the epmd it started, and removes the directory. */
  stop(): Promise<void>;
}

/** The RabbitMQ server scripts, or an error that says how to install them. */
export function rabbitmqBinaries(): { server: string; ctl: string } {
  const server = join(RABBIT_BIN, 'rabbitmq-server');
  const ctl = join(RABBIT_BIN, 'rabbitmqctl');
  if (!existsSync(server) || !existsSync(ctl)) {
    throw new Error(
      `RabbitMQ is not installed (no ${server}), and the cluster tests need a real RabbitMQ cluster. ` +
        'Install it with: apt-get update && apt-get install -y rabbitmq-server   (the system service need not run: the tests start their own nodes)',
    );
  }
  return { server, ctl };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The pid of the Erlang VM running `nodeName` (found by the RABBITMQ_NODENAME in its environment), if any. */
export function beamPid(nodeName: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // beam.smp itself, not its erl_child_setup (same environment; a lower pid once pids wrapped)
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')[0];
      if (!cmd.startsWith('/usr/lib/erlang/erts') || !cmd.endsWith('/beam.smp')) continue;
      if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`RABBITMQ_NODENAME=${nodeName}`)) return Number(d);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

export async function startRabbitCluster(size = 3): Promise<RabbitCluster> {
  const { server, ctl } = rabbitmqBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'mag-rabbit-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const cookie = join(home, '.erlang.cookie');
  writeFileSync(cookie, `MAGTEST${process.pid}${Math.random().toString(36).slice(2)}`.toUpperCase());
  chmodSync(cookie, 0o400);
  const epmdPort = await freePort();
  const prefix = `mag${process.pid}r`;
  const baseEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ERL_EPMD_PORT: String(epmdPort), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  // Our own epmd in the foreground: its pid is ours to end, and nodes register with it.
  const epmd: ChildProcess = spawn('epmd', ['-port', String(epmdPort)], { env: baseEnv, stdio: 'ignore' });

  interface Node extends RabbitNode {
    env: NodeJS.ProcessEnv;
    child: ChildProcess | undefined;
    log: string;
  }
  const nodes: Node[] = [];
  for (let i = 1; i <= size; i++) {
    const name = `${prefix}${i}@localhost`;
    const amqpPort = await freePort();
    const distPort = await freePort();
    const base = join(dir, `r${i}`);
    mkdirSync(base);
    const conf = join(base, 'rabbitmq.conf');
    writeFileSync(
      conf,
      [
        `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
        'loopback_users = none',
        'disk_free_limit.absolute = 50MB',
        'log.console = false',
        'log.file.level = warning',
        // Quorum queues of a killed member recover from their log: a short wait before a
        // restarted node rejoins keeps the test short.
        'cluster_partition_handling = ignore',
        '',
      ].join('\n'),
    );
    const plugins = join(base, 'enabled_plugins');
    writeFileSync(plugins, '[].\n');
    const node: Node = {
      name,
      amqpPort,
      url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
      child: undefined,
      log: '',
      get running() {
        return beamPid(name) !== undefined;
      },
      env: {
        ...baseEnv,
        RABBITMQ_NODENAME: name,
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
        RABBITMQ_LOG_BASE: join(base, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
        RABBITMQ_CONFIG_FILE: conf,
        RABBITMQ_PID_FILE: join(base, 'pid'),
      },
    };
    nodes.push(node);
  }

  const ctlOn = (i: number, args: string[]) => run(ctl, ['-n', nodes[i].name, ...args], nodes[i].env);

  async function launch(i: number): Promise<void> {
    const n = nodes[i];
    n.log = '';
    rmSync(n.env.RABBITMQ_PID_FILE!, { force: true }); // a killed node's stale pid file would end `wait` at once
    // In the node's own directory: a node that crashes at boot writes its MnesiaCore dump there.
    const c = spawn(server, [], { cwd: dirname(n.env.RABBITMQ_PID_FILE!), env: n.env, stdio: ['ignore', 'pipe', 'pipe'] });
    n.child = c;
    const keep = (d: Buffer) => {
      n.log = (n.log + d.toString()).slice(-4000);
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    try {
      // `wait` waits for the pid file, then for the broker to run on that node.
      await ctlOn(i, ['wait', n.env.RABBITMQ_PID_FILE!, '--timeout', '90']);
    } catch (e) {
      throw new Error(`RabbitMQ node ${n.name} did not start: ${(e as Error).message}\n${n.log}`);
    }
  }

  const cluster: RabbitCluster = {
    nodes,
    urls: (query) => nodes.map((n) => (query ? `${n.url}?${query}` : n.url)).join(','),
    async kill(i) {
      const pid = beamPid(nodes[i].name);
      if (pid === undefined) throw new Error(`RabbitMQ node ${nodes[i].name} is not running`);
      process.kill(pid, 'SIGKILL');
      for (let k = 0; k < 100 && beamPid(nodes[i].name) !== undefined; k++) await new Promise((r) => setTimeout(r, 50));
    },
    restart: launch,
    ctl: ctlOn,
    async stop() {
      await Promise.all(
        nodes.map(async (n, i) => {
          if (!n.running) return;
          await ctlOn(i, ['stop']).catch(() => {
            const pid = beamPid(n.name);
            if (pid !== undefined) process.kill(pid, 'SIGKILL');
          });
        }),
      );
      epmd.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    // Nodes boot in parallel (~10 s each), then the others join the first one, one after the
    // other: two joining at once raced in Mnesia's schema merge now and then (start_app failed
    // with {mnesia_app, start} in CI), and RabbitMQ's guide clusters nodes one at a time.
    await Promise.all(nodes.map((_, i) => launch(i)));
    for (let i = 1; i < nodes.length; i++) {
      await ctlOn(i, ['stop_app']);
      await ctlOn(i, ['join_cluster', nodes[0].name]);
      await ctlOn(i, ['start_app']);
    }
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    throw e;
  }
  return cluster;
}
