// The port every time-series sink implements (InfluxDB v1, InfluxDB v2, embedded).
// The journal owns durability: a sink never buffers or retries on its own; it either
// confirms a whole write, or throws.

/** docs/contract.md §3's three, measured prepackages (`package`), and the fleet's standing for dashboards (`fleet`, `open_alerts`, `rejection`). */
export type Measurement = 'reading' | 'check' | 'transaction' | 'package' | 'fleet' | 'open_alerts' | 'rejection';
export const MEASUREMENTS: ReadonlySet<string> = new Set<Measurement>(['reading', 'check', 'transaction', 'package', 'fleet', 'open_alerts', 'rejection']);

/** One point of docs/contract.md §3. `ts` is epoch milliseconds (the reading's own time). */
export interface Point {
  measurement: Measurement;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  ts: number;
  /**
   * The point's line protocol, when its producer rendered it already (ingest does for readings,
   * from a cached series key): `pointToLine` returns it as it is. It must be exactly what
   * `pointToLine` would write for the point without it (a property test holds ingest to that).
   */
  line?: string;
}

/** Fields written as integers (line protocol `i` suffix); every other number is a float. */
export const INTEGER_FIELDS: ReadonlySet<string> = new Set(['seq', 'count', 'open', 'openAlerts', 'criticalAlerts']);

/** A reading read back for GET /api/v1/devices/{id}/readings. */
export interface StoredReading {
  ts: string; // ISO 8601 UTC
  seq: number;
  quantity: string;
  value: number;
  raw: number;
  status: string;
  tags: Record<string, string>;
}

export interface ReadingQuery {
  device: string;
  from?: number; // epoch ms, inclusive
  to?: number; // epoch ms, inclusive
  limit: number;
  /** Only the readings of this gas (a gas detector's channel, tag `gas`). */
  gas?: string;
}

/** A fuel dispenser's transaction read back (the `transaction` measurement, docs/contract.md §3): its stored fields, no more. */
export interface StoredTransaction {
  ts: string; // ISO 8601 UTC
  seq: number;
  nozzle: string;
  product: string;
  /** Canonical unit (L), as the totalizers. */
  volume: number;
  unitPrice: number;
  amount: number;
  totalizerStart: number;
  totalizerEnd: number;
}

export interface TransactionQuery {
  device: string;
  from?: number; // epoch ms, inclusive
  to?: number; // epoch ms, inclusive
  limit: number;
  /** Only this nozzle's transactions (tag `nozzle`, as stored: `1` and `"1"` are the same nozzle). */
  nozzle?: string;
}

/**
 * The sink refused the data itself (HTTP 400, field type conflict, partial write):
 * retrying the same lines cannot succeed. The forwarder splits the batch to isolate
 * the bad lines and dead-letters them. Any other error thrown by `write` is transient
 * (network, 5xx, timeout) and the forwarder retries with back-off.
 */
export class SinkRejectedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SinkRejectedError';
  }
}

export interface Sink {
  /** `influxdb-v1`, `influxdb-v2` or `embedded`. */
  readonly kind: string;
  /** Prepares the target (creates the v1 database if missing). May throw a transient error. */
  init(): Promise<void>;
  /** Writes all points or throws (SinkRejectedError for permanent refusals). */
  write(points: Point[]): Promise<void>;
  /**
   * Writes `count` points given as line protocol (`pointToLine`'s lines joined by `\n`, ms
   * timestamps): what the forwarder sends from the journal. Same contract as `write`.
   */
  writeLines(lines: string, count: number): Promise<void>;
  /** True when the target answers now. Never throws. */
  ping(): Promise<boolean>;
  /** Readings of one device, newest first. */
  queryReadings(q: ReadingQuery): Promise<StoredReading[]>;
  /** Transactions of one device (a fuel dispenser), newest first. */
  queryTransactions(q: TransactionQuery): Promise<StoredTransaction[]>;
  close(): Promise<void>;
}
