// Starts a real PostgreSQL 15 (Debian's server binaries) for tests: a throwaway cluster in a temp
// directory owned by the postgres user, on a free port, trust authentication for the role `mag`,
// fsync off. initdb and the server refuse to run as root, so they run through `runuser -u postgres`.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresHandle {
  host: string;
  port: number;
  user: string;
  database: string;
  /** For `new pg.Pool(...)` / `new pg.Client(...)`. */
  connection: { host: string; port: number; user: string; database: string };
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server at once (as a crash would: `-m immediate`), waits `downMs`, starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
}

/** The PostgreSQL 15 server binaries, or an error that says how to install them. */
export function postgresBinaries(): { initdb: string; pgCtl: string } {
  const initdb = join(POSTGRES_BIN, 'initdb');
  const pgCtl = join(POSTGRES_BIN, 'pg_ctl');
  if (!existsSync(initdb) || !existsSync(pgCtl)) {
    throw new Error(
      `PostgreSQL 15 server binaries are not installed (no ${initdb}), and the store's PostgreSQL test needs a real server. ` +
        'Install them with: apt-get update && apt-get install -y postgresql   (or run `bash .ci/run`, which does it)',
    );
  }
  return { initdb, pgCtl };
}

function asPostgres(command: string, args: string[]): string {
  try {
    return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed (it runs as the postgres user through runuser, which needs root): ${err.stderr || err.stdout || err.message}`,
    );
  }
}

export async function startPostgres(): Promise<PostgresHandle> {
  const { initdb, pgCtl } = postgresBinaries();
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'mag-postgres-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(initdb, ['-D', data, '-A', 'trust', '-U', 'mag', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  asPostgres(pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  let stopped = false;
  const connection = { host: '127.0.0.1', port, user: 'mag', database: 'postgres' };
  return {
    ...connection,
    connection,
    async restart(downMs = 0) {
      asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      await new Promise((r) => setTimeout(r, downMs));
      asPostgres(pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates database `name` on `server` (once per server) and gives its URL, for MAG_STATE_URL or PostgresState.connect. */
export async function createDatabase(server: PostgresHandle, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client(server.connection);
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e; // 42P04: exists already
  } finally {
    await admin.end();
  }
  return `postgres://${server.user}@${server.host}:${server.port}/${name}`;
}
