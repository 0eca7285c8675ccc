// Live alert events across a cluster's nodes (PostgreSQL state): an alert changes on the node
// that judged the message or took the API call, and every node's SSE subscribers must see it.
// The node where it changed sends a NOTIFY on a channel of its own (mag_alert_events) naming the
// alert, the change, the alert's version and the node; the other nodes read the alert back from
// the state database and hand it to their local subscribers. The origin node does not wait for
// its own notification: it has the alert in hand and emits it at once (the notifier does).
// A NOTIFY is delivered at most once to each listening connection, so each node emits each
// change once; changes sent while a node's listening connection was broken are lost to its
// subscribers (live events, not a log: the alerts list and the webhooks have them all).
import type { Watching } from '../store/executor.ts';
import type { Alert, AlertChange } from './alert-book.ts';

/** The PostgreSQL channel of alert changes. */
export const ALERT_EVENTS_CHANNEL = 'mag_alert_events';

/** What travels on the channel: small, far under PostgreSQL's 8000-byte payload limit. */
export interface AlertEventNotice {
  /** The alert's id. */
  alert: string;
  change: AlertChange;
  /** The alert's version after the change: a node that reads an older row reads again. */
  version: number;
  /** The instance of the node where it changed (PostgresState.instanceId). */
  from: string;
}

const CHANGES: readonly AlertChange[] = ['opened', 'repeated', 'acknowledged', 'resolved', 'escalated'];

export function noticeOf(alert: Alert, change: AlertChange, from: string): string {
  const notice: AlertEventNotice = { alert: alert.id, change, version: alert.version, from };
  return JSON.stringify(notice);
}

/** The notice in a payload, or undefined when it is not one. */
export function parseNotice(payload: string): AlertEventNotice | undefined {
  let m: Partial<AlertEventNotice>;
  try {
    m = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof m?.alert !== 'string' || typeof m.from !== 'string' || typeof m.version !== 'number' || !CHANGES.includes(m.change as AlertChange)) {
    return undefined;
  }
  return { alert: m.alert, change: m.change as AlertChange, version: m.version, from: m.from };
}

/** What the relay needs of the state database: PostgresState's own channels. */
export interface ChannelListening {
  readonly instanceId: string;
  notify(channel: string, payload: string): Promise<void>;
  listenOn(channel: string, onMessage: (payload: string) => void): Promise<Watching>;
}

/** True for a state database that has channels of its own (PostgreSQL). */
export function hasChannels(db: object): db is ChannelListening {
  const c = db as Partial<ChannelListening>;
  return typeof c.notify === 'function' && typeof c.listenOn === 'function' && typeof c.instanceId === 'string';
}

/**
 * Waits between reads of an alert whose row is older than its notice (the origin's write not
 * visible yet on this connection); after the last, what was read is emitted as it is.
 */
const REREAD_MS = [20, 50, 100, 250, 500];

export interface RelayOptions {
  /** Reads the alert as stored now (AlertStore.get). */
  read: (id: string) => Promise<Alert | undefined>;
  /** Hands a change made on another node to this node's subscribers. */
  emit: (alert: Alert, change: AlertChange) => void;
  onError: (err: Error, notice?: AlertEventNotice) => void;
}

export class AlertEventsRelay {
  /** Per alert, the read in progress: one alert's changes are emitted in the order they were sent. */
  private readonly reading = new Map<string, Promise<void>>();
  private stopped = false;

  private constructor(
    private readonly db: ChannelListening,
    private readonly options: RelayOptions,
    private listening: Watching | undefined,
  ) {}

  /** Listens on ALERT_EVENTS_CHANNEL for the other nodes' changes. */
  static async start(db: ChannelListening, options: RelayOptions): Promise<AlertEventsRelay> {
    const relay = new AlertEventsRelay(db, options, undefined);
    relay.listening = await db.listenOn(ALERT_EVENTS_CHANNEL, (payload) => relay.received(payload));
    return relay;
  }

  /** Tells the other nodes that `alert` changed here. */
  publish(alert: Alert, change: AlertChange): Promise<void> {
    return this.db.notify(ALERT_EVENTS_CHANNEL, noticeOf(alert, change, this.db.instanceId));
  }

  stop(): void {
    this.stopped = true;
    this.listening?.stop();
  }

  private received(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice || notice.from === this.db.instanceId || this.stopped) return; // not one of ours, or this node's own (emitted already)
    const before = this.reading.get(notice.alert);
    const read = (before ?? Promise.resolve()).then(() => this.relay(notice));
    this.reading.set(notice.alert, read);
    void read.then(() => {
      if (this.reading.get(notice.alert) === read) this.reading.delete(notice.alert);
    });
  }

  private async relay(notice: AlertEventNotice): Promise<void> {
    try {
      let alert = await this.options.read(notice.alert);
      for (const wait of REREAD_MS) {
        if (alert && alert.version >= notice.version) break;
        await new Promise((resolve) => setTimeout(resolve, wait));
        alert = await this.options.read(notice.alert);
      }
      if (this.stopped) return;
      if (!alert) throw new Error(`alert ${notice.alert} (${notice.change} on another node) is not in the state database`);
      this.options.emit(alert, notice.change);
    } catch (e) {
      this.options.onError(e as Error, notice);
    }
  }
}
