// A lean MQTT 3.1.1 publisher for the load generator (`--client lean`): CONNECT, PUBLISH at QoS 0
// or 1, PUBACK, PINGREQ and DISCONNECT on a raw TCP socket, and nothing else. mqtt.js spends
// ~13 µs of the load generator's CPU on a QoS 1 message (its packet objects, stores and
// per-packet writes); on a 2-core machine that is a core, so with it the "bare broker" rate is the
// load generator's speed rather than the broker's. This client writes each PUBLISH as one buffer
// (the writes of one pump corked together) and reads PUBACKs straight from the bytes, so the
// brokers under test, not the client, set the pace. It offers the subset of mqtt.js's client
// the load generator uses: publish(topic, payload, { qos }, cb), on('error'), endAsync().
import { connect as tcpConnect, type Socket } from 'node:net';
import { remainingLength } from '../test/support/mqtt-bytes.ts';

type Done = (err?: Error) => void;

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

export interface LeanOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepalive: number;
  connectTimeout: number;
}

export class LeanMqttClient {
  /** Callbacks of QoS 1 publishes by packet id, waiting for their PUBACK. */
  private readonly waiting = new Map<number, Done>();
  private nextId = 1;
  private buffered: Buffer | undefined;
  private closed = false;
  private ping: NodeJS.Timeout | undefined;
  private onError: (e: Error) => void = () => undefined;
  private corked = false;

  private constructor(private readonly socket: Socket) {}

  /** Connects and waits for a CONNACK accepting the session. */
  static connectAsync(url: string, o: LeanOptions): Promise<LeanMqttClient> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 1883), noDelay: true });
      const client = new LeanMqttClient(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no CONNACK in ${o.connectTimeout} ms`));
      }, o.connectTimeout);
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(client);
      };
      socket.on('error', (e) => {
        settle(e);
        client.fail(e);
      });
      socket.on('close', () => {
        settle(new Error('connection closed before CONNACK'));
        client.fail(new Error('connection closed'));
      });
      socket.on('connect', () => socket.write(connectPacket(o)));
      socket.on('data', (chunk: Buffer) => client.read(chunk, settle));
      client.ping = setInterval(() => socket.write(Buffer.from([0xc0, 0])), (o.keepalive * 1000) / 2);
      client.ping.unref();
    });
  }

  on(event: 'error', fn: (e: Error) => void): this {
    if (event === 'error') this.onError = fn;
    return this;
  }

  publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1 }, cb?: Done): void {
    if (this.closed) {
      cb?.(new Error('client closed'));
      return;
    }
    const t = Buffer.byteLength(topic);
    const body = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    const rest = 2 + t + (opts.qos > 0 ? 2 : 0) + body;
    const len = remainingLength(rest);
    const buf = Buffer.allocUnsafe(1 + len.length + rest);
    let o = 0;
    buf[o++] = 0x30 | (opts.qos << 1);
    for (const b of len) buf[o++] = b;
    buf.writeUInt16BE(t, o);
    o += 2;
    o += buf.write(topic, o, 'utf8');
    if (opts.qos > 0) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      buf.writeUInt16BE(id, o);
      o += 2;
      if (cb) this.waiting.set(id, cb);
    }
    if (typeof payload === 'string') buf.write(payload, o, 'utf8');
    else payload.copy(buf, o);
    // the publishes of one turn go out in one write (as a device flushing its backlog would)
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(buf);
    if (opts.qos === 0 && cb) process.nextTick(cb);
  }

  endAsync(_force?: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.ping);
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end(Buffer.from([0xe0, 0]));
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private fail(e: Error): void {
    clearInterval(this.ping);
    const was = this.closed;
    this.closed = true;
    for (const cb of this.waiting.values()) cb(e);
    this.waiting.clear();
    if (!was) this.onError(e);
  }

  /** Reads whole packets; a CONNACK settles the connect, a PUBACK completes its publish. */
  private read(chunk: Buffer, settle: (err?: Error) => void): void {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = undefined;
    let p = 0;
    while (p < data.length) {
      if (data.length - p < 2) break;
      let len = 0;
      let mul = 1;
      let q = p + 1;
      let complete = false;
      while (q < data.length && q < p + 5) {
        const b = data[q++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || q + len > data.length) break;
      const type = data[p] >> 4;
      if (type === 4 && len === 2) {
        const id = (data[q] << 8) | data[q + 1];
        const cb = this.waiting.get(id);
        if (cb) {
          this.waiting.delete(id);
          cb();
        }
      } else if (type === 2) {
        const rc = data[q + 1];
        settle(rc === 0 ? undefined : new Error(`connection refused: CONNACK return code ${rc}`));
      }
      p = q + len;
    }
    if (p < data.length) this.buffered = data.subarray(p);
  }
}

function connectPacket(o: LeanOptions): Buffer {
  let flags = 0x02; // clean session
  const parts = [str(o.clientId)];
  if (o.username !== undefined) {
    flags |= 0x80;
    parts.push(str(o.username));
  }
  if (o.password !== undefined) {
    flags |= 0x40;
    parts.push(str(o.password));
  }
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, o.keepalive >> 8, o.keepalive & 0xff]);
  const payload = Buffer.concat(parts);
  const rest = variable.length + payload.length;
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(rest)]), variable, payload]);
}
