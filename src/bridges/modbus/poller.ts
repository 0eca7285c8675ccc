// Polls the instrument over Modbus (TCP, or RTU on a serial line) with modbus-serial: each mapped
// register on its own period, one request at a time (a serial line carries one transaction at a
// time, and many TCP instruments answer one client request at a time too). A failed connection is
// retried after `reconnectMs`; a failed read is logged and that reading skipped.
import modbusSerial from 'modbus-serial';
import type { Logger } from '../../log.ts';
import type { FieldRegister, ModbusConnection, ReadingRegister } from './mapping.ts';
import type { Reading } from './outbox.ts';
import { bitOf, decodeRegisters, registerCount, scaleValue } from './registers.ts';

// modbus-serial is CommonJS: its class is module.exports, and module.exports.default too (the
// latter is what its type declarations describe under NodeNext resolution).
const ModbusRTU = modbusSerial.default;
type ModbusRTU = InstanceType<typeof ModbusRTU>;

export interface PollerStats {
  polls: number;
  failures: number;
  /** Polls skipped because the previous poll of the same register had not finished. */
  overruns: number;
}

export type ReadingSink = (register: ReadingRegister, reading: Reading, at: number) => void;

/** A Modbus exception response: the instrument answered, so the connection is fine. */
function isModbusException(e: unknown): boolean {
  return typeof (e as { modbusCode?: unknown })?.modbusCode === 'number';
}

export class InstrumentPoller {
  private client: ModbusRTU | undefined;
  private connecting: Promise<ModbusRTU | undefined> | undefined;
  private nextConnectAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly busy = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private lastError: string | undefined;
  private stopped = false;
  readonly stats: PollerStats = { polls: 0, failures: 0, overruns: 0 };

  constructor(
    private readonly conn: ModbusConnection,
    private readonly registers: readonly ReadingRegister[],
    private readonly onReading: ReadingSink,
    private readonly o: { reconnectMs: number; log: Logger },
  ) {}

  start(): void {
    for (const r of this.registers) {
      this.schedule(r);
      this.timers.push(setInterval(() => this.schedule(r), r.periodSeconds * 1000));
    }
  }

  private schedule(r: ReadingRegister): void {
    if (this.stopped) return;
    if (this.busy.has(r.name)) {
      this.stats.overruns++;
      return;
    }
    this.busy.add(r.name);
    this.queue = this.queue.then(() => this.poll(r)).finally(() => this.busy.delete(r.name));
  }

  private async poll(r: ReadingRegister): Promise<void> {
    if (this.stopped) return;
    this.stats.polls++;
    let client: ModbusRTU | undefined;
    try {
      client = await this.connect();
      if (!client) return; // waiting to retry a failed connection; the failure was logged
    } catch (e) {
      this.stats.failures++;
      this.report(`cannot connect to the instrument (${this.describe()}): ${(e as Error).message}`);
      return;
    }
    let reading: Reading;
    let at: number;
    try {
      const value = await this.read(client, r);
      at = Date.now(); // the reading's time is when the instrument answered for its value
      const fields: Record<string, string | number | boolean> = {};
      for (const [k, f] of Object.entries(r.fields))
        fields[k] = typeof f !== 'object' ? f : f.bit !== undefined ? bitOf(await this.readRaw(client, f), f.bit) : await this.read(client, f);
      const bad = Object.entries({ value, ...fields }).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
      if (bad) {
        this.stats.failures++;
        this.report(`register "${r.name}": ${bad[0]} read ${bad[1]} (the instrument may be signalling a fault); no reading taken`);
        return;
      }
      reading = { quantity: r.quantity, value, unit: r.unit, ...fields };
    } catch (e) {
      this.stats.failures++;
      this.report(`reading register "${r.name}" (${r.function} ${r.address}) failed: ${(e as Error).message}`);
      if (!isModbusException(e)) this.disconnect();
      return;
    }
    this.lastError = undefined;
    try {
      this.onReading(r, reading, at);
    } catch (e) {
      this.stats.failures++;
      this.report(`could not buffer the reading of "${r.name}" (is the data dir's disk full or read-only?): ${(e as Error).message}`);
    }
  }

  /** Reads and decodes one value: raw registers → number → scale and offset. */
  private async read(client: ModbusRTU, f: Omit<FieldRegister, 'bit'>): Promise<number> {
    return scaleValue(await this.readRaw(client, f), f);
  }

  private async readRaw(client: ModbusRTU, f: Omit<FieldRegister, 'bit'>): Promise<number> {
    const n = registerCount(f.type);
    const res = f.function === 'holding' ? await client.readHoldingRegisters(f.address, n) : await client.readInputRegisters(f.address, n);
    return decodeRegisters(res.data, f);
  }

  /** The open client; undefined while waiting `reconnectMs` after a failure. */
  private connect(): Promise<ModbusRTU | undefined> {
    if (this.client?.isOpen) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    if (Date.now() < this.nextConnectAt) {
      this.stats.failures++;
      return Promise.resolve(undefined);
    }
    this.connecting = (async () => {
      const c = new ModbusRTU();
      try {
        if (this.conn.transport === 'tcp') await c.connectTCP(this.conn.host, { port: this.conn.port });
        else
          await c.connectRTUBuffered(this.conn.path, {
            baudRate: this.conn.baudRate,
            parity: this.conn.parity,
            dataBits: this.conn.dataBits,
            stopBits: this.conn.stopBits,
          });
      } catch (e) {
        this.nextConnectAt = Date.now() + this.o.reconnectMs;
        c.close(() => undefined);
        throw e;
      }
      c.setID(this.conn.unitId);
      c.setTimeout(this.conn.timeoutMs);
      this.client = c;
      this.lastError = undefined;
      this.o.log.info({ instrument: this.describe() }, 'connected to the instrument');
      return c;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private disconnect(): void {
    const c = this.client;
    this.client = undefined;
    this.nextConnectAt = Date.now() + this.o.reconnectMs;
    c?.close(() => undefined);
  }

  /** Logs an error once until something changes, so an unplugged instrument does not flood the log. */
  private report(message: string): void {
    if (message === this.lastError) return;
    this.lastError = message;
    this.o.log.error({ instrument: this.describe() }, message);
  }

  private describe(): string {
    const c = this.conn;
    return c.transport === 'tcp' ? `modbus tcp ${c.host}:${c.port} unit ${c.unitId}` : `modbus rtu ${c.path} ${c.baudRate} baud unit ${c.unitId}`;
  }

  /** Stops polling and waits for the poll under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.queue.catch(() => undefined);
    this.disconnect();
  }
}
