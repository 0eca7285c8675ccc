// The nodes of a cluster on shared state (PostgreSQL), for sharing the partitions among them:
// every node writes its row in `cluster_members` every `beatMs` (whether its worker is
// consuming from RabbitMQ and its incarnation, by the database's clock: no node's clock
// matters) and reads back the nodes seen within `staleMs` that consume. A node that stops
// deletes its row; one that died or stalled drops out once its row is stale. A node back
// sooner (restarted, or its link to RabbitMQ set up again) has new consumers, waiting behind
// the ones that took its partitions: its new incarnation is a change of the members too, so
// that those step back (src/cluster/partition-worker.ts). Each node then computes the same owners from the
// same list (partitionOwners); a node whose view lags hands a partition over once too often,
// which costs a pause, never an order or a message (src/cluster/partition-worker.ts).
//
// While the database cannot be reached the node keeps the last list it read: it cannot know
// better, and handing partitions over on a guess would only move them about.
import pg from 'pg';
import type { Logger } from '../log.ts';

export interface MembershipOptions {
  /** How often the node says it is there, ms. */
  beatMs: number;
  /** A node not heard of for this long is no longer a member, ms. */
  staleMs: number;
}

export const DEFAULT_MEMBERSHIP: MembershipOptions = { beatMs: 2000, staleMs: 10_000 };

export class ClusterMembership {
  private readonly pool: pg.Pool;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;
  private readonly followers: ((members: string[]) => void)[] = [];
  /** The members as last read (sorted), empty before the first read. */
  members: string[] = [];
  /** The members with their incarnations, as last read: what a change is told by. */
  private seen = '';
  /** Why the last beat failed, while it fails. */
  lastError: string | undefined;

  constructor(
    url: string,
    private readonly nodeId: string,
    /** Whether this node's worker consumes now (its link to RabbitMQ is up): only consuming nodes get partitions. */
    private readonly consuming: () => boolean,
    /** This node's consumers' generation: a new one at each start and each link set up again. */
    private readonly incarnation: () => string,
    private readonly log: Logger,
    private readonly opts: MembershipOptions = DEFAULT_MEMBERSHIP,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'mag-members' });
    // An idle connection that broke: the next beat connects again.
    this.pool.on('error', (e) => {
      this.lastError = e.message;
    });
  }

  /** Beats once (the list is read when it resolves, or the error kept), then every `beatMs`. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.opts.beatMs);
    this.timer.unref();
    await this.beat();
  }

  /** Calls `onChange` with the members at each change of the list. */
  follow(onChange: (members: string[]) => void): void {
    this.followers.push(onChange);
  }

  /** Beats now (a change of the node's consuming), without waiting for the period. */
  beatSoon(): void {
    void this.beat();
  }

  /** Leaves the cluster: deletes the node's row, so that the others take its partitions at their next beat. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating?.catch(() => {});
    await this.pool.query('delete from cluster_members where node = $1', [this.nodeId]).catch((e: Error) => {
      this.log.warn({ err: e.message }, 'could not remove this node from the cluster members; the others drop it once its row is stale');
    });
    await this.pool.end().catch(() => {});
  }

  private beat(): Promise<void> {
    if (this.beating || this.stopped) return this.beating ?? Promise.resolve();
    this.beating = this.read().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async read(): Promise<void> {
    try {
      const consuming = this.consuming();
      const incarnation = this.incarnation();
      const r = await this.pool.query<{ node: string; incarnation: string }>({
        text:
          'with beat as (insert into cluster_members (node, seen_at, consuming, incarnation) values ($1, now(), $2, $4) ' +
          'on conflict (node) do update set seen_at = now(), consuming = $2, incarnation = $4) ' +
          "select node, incarnation from cluster_members where consuming and seen_at > now() - $3 * interval '1 millisecond' and node <> $1",
        values: [this.nodeId, consuming, this.opts.staleMs, incarnation],
      });
      if (this.stopped) return;
      // The statement's snapshot does not see its own insert: this node is added here when it consumes.
      const rows = r.rows.map((row) => ({ node: row.node, incarnation: row.incarnation }));
      if (consuming) rows.push({ node: this.nodeId, incarnation });
      rows.sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : 0));
      if (this.lastError !== undefined) this.log.info({}, 'cluster members readable again');
      this.lastError = undefined;
      const seen = rows.map((row) => `${row.node}@${row.incarnation}`).join('\n');
      if (seen === this.seen) return;
      this.seen = seen;
      const members = rows.map((row) => row.node);
      this.log.info({ members }, 'cluster members changed; partitions shared among them');
      this.members = members;
      for (const f of this.followers) f(members);
    } catch (e) {
      if (this.lastError === undefined) this.log.warn({ err: (e as Error).message }, 'cannot read the cluster members; partitions stay where they are');
      this.lastError = (e as Error).message;
    }
  }
}
