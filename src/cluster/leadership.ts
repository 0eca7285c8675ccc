// Periodic work that must run once per cluster, not once per node (offline by silence, alert
// escalation, the fleet's standing, the verification review): the node holding a PostgreSQL
// session-level advisory lock runs it. The lock lives as long as the session holding it, so a
// node that dies or loses its connection to PostgreSQL lets another take over; a single node
// (SQLite) always leads.
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { PeriodicWork } from '../periodic/every.ts';

/** The advisory lock's name (hashed by PostgreSQL to its 32-bit key). */
const LOCK = 'mag.periodic-leader';

export interface Leadership {
  /** True while this node runs the cluster's periodic work. */
  readonly leading: boolean;
  /** Calls `onChange` now with the current state and at each change. */
  follow(onChange: (leading: boolean) => void): void;
  stop(): Promise<void>;
}

/** A single node: always the leader. */
export function alone(): Leadership {
  return {
    leading: true,
    follow: (onChange) => onChange(true),
    stop: async () => {},
  };
}

/**
 * Runs `unit` only while `leadership` says this node leads: started when it takes the lead,
 * stopped when it loses it.
 */
export function whileLeading(leadership: Leadership, unit: PeriodicWork): PeriodicWork {
  let started = false;
  let running = false;
  leadership.follow((leading) => {
    if (!started) return;
    if (leading && !running) unit.start();
    if (!leading && running) unit.stop();
    running = leading;
  });
  return {
    start() {
      started = true;
      running = leadership.leading;
      if (running) unit.start();
    },
    stop() {
      started = false;
      if (running) unit.stop();
      running = false;
    },
  };
}

/**
 * The lead among the nodes on one PostgreSQL state database: tries the lock every `retryMs`
 * while another node holds it; while holding it, asks the server every `retryMs` whether the
 * session is still there (a broken session has lost the lock: the node stops leading and
 * connects again). Between a leader's session breaking and it noticing, up to `retryMs`, two
 * nodes may run a unit once each: the units are written to bear it (an alert raised twice is
 * one alert counted twice; a fleet-standing point of the same minute overwrites itself).
 */
export class AdvisoryLeadership implements Leadership {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy = false;
  private readonly followers: ((leading: boolean) => void)[] = [];
  leading = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly retryMs = 5000,
  ) {}

  /** Tries at once, then every `retryMs`. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
    return this.tick();
  }

  follow(onChange: (leading: boolean) => void): void {
    this.followers.push(onChange);
    onChange(this.leading);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.set(false);
    const c = this.client;
    this.client = undefined;
    // ending the session releases the lock: another node takes over at its next try
    await c?.end().catch(() => {});
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (!this.client) this.client = await this.connect();
      if (this.leading) {
        await this.client.query('select 1');
      } else {
        const r = await this.client.query<{ held: boolean }>({ text: 'select pg_try_advisory_lock(hashtext($1)) as held', values: [LOCK] });
        if (r.rows[0]?.held && !this.stopped) {
          this.log.info({}, 'this node now runs the cluster-wide periodic work');
          this.set(true);
        }
      }
    } catch (e) {
      this.lost(e as Error);
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'mag-leader' });
    client.on('error', (err) => this.lost(err));
    await client.connect();
    return client;
  }

  private lost(err: Error): void {
    if (this.leading) this.log.warn({ err: err.message }, 'lost the session holding the periodic-work lock; another node takes over');
    this.set(false);
    const c = this.client;
    this.client = undefined;
    c?.end().catch(() => {});
  }

  private set(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    for (const f of this.followers) f(leading);
  }
}
