// Everything the broker does with aedes beyond its public API, in one place: what it reads (the
// clients map, a client's socket) and what it patches (a device's publication ends at
// authorizePublish; a socket's `readable` events wait for the batch in flight; a budget of socket
// reads per event-loop turn). An aedes upgrade may move any of these: AedesInternals checks for
// them when the broker starts, leaves off a patch whose internals are gone, and says so loudly
// (an error log per patch, and mag_broker_internals_missing{patch} = 1 on /metrics).
//
// Over 300 lines: one module per dependency on aedes' internals, each patch next to the check that
// finds what it needs; split, an aedes upgrade would have to be checked against several files.
import { PassThrough } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Aedes, Client, PublishPacket } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Logger } from '../log.ts';

/** What depends on aedes internals; each is left off (and reported) when its internals are missing. */
export const AEDES_PATCHES = [
  'skip_device_delivery',
  'readable_guard',
  'read_budget',
  'clients_map',
  'client_socket',
  'puback_batch',
  'publish_parse',
] as const;
export type AedesPatch = (typeof AEDES_PATCHES)[number];

export interface MissingInternal {
  patch: AedesPatch;
  /** The internal that was not found, as aedes 1.2.0 names it. */
  internal: string;
}

/** The parts of aedes the checks look at (a real Aedes, or a stand-in in the tests). */
export interface AedesShape {
  publish?: unknown;
  clients?: unknown;
  handle?: unknown;
}

/** A client's fields the patches use (aedes' typings omit them). */
interface ClientInternals {
  conn?: NodeJS.EventEmitter & { read?: (n?: number | null) => unknown };
  _nextBatch?: () => void;
  _parsingBatch?: number;
  _parser?: PacketParser;
  close?: () => void;
}

/** mqtt-packet's parser as aedes keeps it per client (Client#_parser), the fields the publish_parse patch reads. */
interface PacketParser {
  parse: (buf: Buffer) => number;
  emit: (event: 'packet', packet: unknown) => boolean;
  /** The bytes held from earlier reads (bl's BufferList): a packet begun and not finished. */
  _list?: { length: number };
  /** 0: the parser waits for a packet's first byte. */
  _stateCounter?: number;
  error?: Error | null;
  settings?: { protocolVersion?: number };
}

/**
 * The internals each patch needs, missing ones listed (none on aedes 1.2.0). The client-level
 * ones are looked for on a client aedes makes for a socket that never sends CONNECT (closed at
 * once, as a port scanner's connection would be).
 */
export function checkAedesInternals(aedes: AedesShape): MissingInternal[] {
  const missing: MissingInternal[] = [];
  if (typeof aedes.publish !== 'function' || aedes.publish.length !== 3)
    missing.push({ patch: 'skip_device_delivery', internal: 'Aedes#publish(packet, client, done)' });
  if (typeof aedes.clients !== 'object' || aedes.clients === null) missing.push({ patch: 'clients_map', internal: 'Aedes#clients' });
  if (typeof (mqttPacket as { writeToStream?: unknown }).writeToStream !== 'function')
    missing.push({ patch: 'puback_batch', internal: "mqtt-packet's writeToStream(packet, stream), through which aedes writes every packet" });
  if (typeof aedes.handle !== 'function') {
    for (const patch of ['client_socket', 'readable_guard', 'read_budget'] as const) missing.push({ patch, internal: 'Aedes#handle(stream)' });
    return missing;
  }
  const socket = new PassThrough();
  const probe = (aedes.handle as (s: PassThrough) => ClientInternals)(socket) ?? {};
  try {
    if (probe.conn !== socket) missing.push({ patch: 'client_socket', internal: 'Client#conn' });
    const next = probe._nextBatch;
    if (typeof next !== 'function') missing.push({ patch: 'readable_guard', internal: 'Client#_nextBatch' });
    else if (!socket.listeners('readable').includes(next))
      missing.push({ patch: 'readable_guard', internal: "Client#_nextBatch as the socket's 'readable' listener" });
    if (typeof probe._parsingBatch !== 'number') missing.push({ patch: 'readable_guard', internal: 'Client#_parsingBatch' });
    if (!isPacketParser(probe._parser))
      missing.push({ patch: 'publish_parse', internal: "Client#_parser, mqtt-packet's parser (parse, emit, _list, _stateCounter)" });
    // The budget replaces the socket's read(null), which is how _nextBatch reads.
    if (typeof next !== 'function' || !/\.read\(null\)/.test(Function.prototype.toString.call(next)))
      missing.push({ patch: 'read_budget', internal: 'Client#_nextBatch reading with conn.read(null)' });
  } finally {
    if (typeof probe.close === 'function') probe.close();
    socket.destroy();
  }
  return missing;
}

/**
 * Socket reads (each up to 64 KiB, ~650 readings) the broker makes in one event-loop turn.
 * Under a flood, every device's socket is readable at once and one turn used to parse them all
 * (~30,000 messages from 50 devices, ~200 ms): the sink's responses, timers and the HTTP API
 * waited for it, and the journal's delivery to InfluxDB fell behind the ingest. Past the budget,
 * reads wait for the next turn, in order.
 */
const READS_PER_TURN = 24;

class ReadBudget {
  private readsThisTurn = 0;
  private turnScheduled = false;
  /**
   * The sockets' resumes waiting for the next turn, each once: a socket's reads are refused again
   * and again within a turn (every 'readable' event past the budget), and kept as a list the
   * same resumes piled up (6.3 million in a second of a QoS 0 flood, for ~50 sockets).
   */
  private deferred = new Set<() => void>();

  /** True while this turn's budget lasts; the first read of a turn schedules the next turn. */
  take(): boolean {
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.nextTurn);
    }
    return this.readsThisTurn++ < READS_PER_TURN;
  }

  /** Runs `resume` at the next turn (a read refused this turn). */
  defer(resume: () => void): void {
    this.deferred.add(resume);
  }

  private readonly nextTurn = (): void => {
    this.turnScheduled = false;
    this.readsThisTurn = 0;
    if (this.deferred.size === 0) return;
    const waiting = this.deferred;
    this.deferred = new Set();
    for (const resume of waiting) resume();
  };
}

/** The patches on one aedes broker, applied where its internals were found. */
export class AedesInternals {
  /** Patches left off: their internals are missing. */
  readonly missing: ReadonlySet<AedesPatch>;
  private readonly budget = new ReadBudget();

  constructor(
    private readonly aedes: Aedes,
    log: Logger,
  ) {
    const found = checkAedesInternals(aedes as unknown as AedesShape);
    for (const m of found) {
      log.error(
        { patch: m.patch, internal: m.internal },
        'aedes internal not found (an aedes upgrade?): this patch is left off; see src/broker/aedes-internals.ts',
      );
    }
    this.missing = new Set(found.map((m) => m.patch));
    if (!this.missing.has('skip_device_delivery')) skipDeliveryOfDevicePublications(aedes);
    if (!this.missing.has('puback_batch')) batchPubacks();
  }

  /** Patches a connected client (aedes' `client` event). */
  guardClient(client: Client): void {
    if (!this.missing.has('readable_guard')) guardReadable(client, this.missing.has('read_budget') ? undefined : this.budget);
    if (!this.missing.has('publish_parse')) parsePublishesFirst(client);
  }

  /** The connected client of that id (aedes keeps them by id; its typings omit the map). */
  client(id: string): Client | undefined {
    if (this.missing.has('clients_map')) return undefined;
    return (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
  }
}

/** A client's socket, as far as the broker reads it. */
export interface ClientSocket extends NodeJS.EventEmitter {
  remoteAddress?: string;
  writableLength?: number;
  writableNeedDrain?: boolean;
}

/** The client's socket (Client#conn: aedes' typings omit it). */
export function clientSocket(client: Client): ClientSocket | undefined {
  return (client as unknown as { conn?: ClientSocket }).conn;
}

export function remoteAddress(client: Client): string | undefined {
  return clientSocket(client)?.remoteAddress;
}

/** The client certificate's CN; undefined when not over TLS, null over TLS without a CN. */
export function tlsCommonName(client: Client): string | null | undefined {
  const conn = clientSocket(client) as TLSSocket | undefined;
  if (!conn || typeof conn.getPeerCertificate !== 'function') return undefined;
  const cert = conn.getPeerCertificate();
  if (!cert || !cert.subject) return null;
  const cn = cert.subject.CN;
  return (Array.isArray(cn) ? cn[0] : cn) ?? null;
}

/**
 * A device's publication ends in authorizePublish, which hands it to ingest (journaled before any
 * PUBACK). Nothing can be subscribed to it: a device may subscribe to its own `feedback` and
 * `config` only, and a device may not publish there. aedes' delivery pipeline after it (a Packet
 * copy, the retained store, the offline queues, topic matching, the `publish` event) would run for
 * no one, at ~5 % of the gateway's CPU under a flood; so publications that come from a client end
 * there, and a device's retained `status` is not kept in aedes' memory (the gateway has it). The
 * gateway's own publications (feedback, config: no client) and aedes' `$SYS` ones go through.
 */
function skipDeliveryOfDevicePublications(aedes: Aedes): void {
  type Publish = (packet: PublishPacket, client?: Client | null | ((e?: Error) => void), done?: (e?: Error | null) => void) => void;
  const deliver = aedes.publish as unknown as Publish;
  (aedes as unknown as { publish: Publish }).publish = function (this: Aedes, packet, client, done) {
    if (client && typeof client === 'object') return done?.(null);
    return deliver.call(this, packet, client, done);
  };
}

/**
 * aedes reads a socket's buffered bytes in batches: it parses every packet in a read, and reads
 * again once each of them has called back (`_parsingBatch` counts them down). But its `readable`
 * listener is that same count-down, so every `readable` event that arrives while a batch is still
 * being journaled (new bytes from the device) takes one off the count, and the next read starts
 * before the batch is done: a fast publisher gets batch after batch in flight, held in memory,
 * and the journal's back-pressure leaks. After CONNECT (the first read needs the original
 * listener), `readable` is answered only when no batch is in flight; the batch's last callback
 * reads on as before. A client whose internals are not what this expects is left as it is.
 */
function guardReadable(client: Client, budget: ReadBudget | undefined): void {
  const c = client as unknown as ClientInternals;
  const conn = c.conn;
  const next = c._nextBatch;
  if (
    !conn ||
    typeof next !== 'function' ||
    typeof c._parsingBatch !== 'number' ||
    typeof conn.read !== 'function' ||
    !conn.listeners('readable').includes(next)
  )
    return;
  conn.removeListener('readable', next);
  const resume = () => {
    if ((c._parsingBatch ?? 0) <= 0) next();
  };
  conn.on('readable', resume);
  if (!budget) return;
  // aedes reads the socket with read(null): within this turn's budget it reads, past it the bytes
  // stay buffered and the read is made again in a later turn.
  const read = conn.read.bind(conn);
  conn.read = (n?: number | null) => {
    if (n === null && !budget.take()) {
      budget.defer(resume);
      return null;
    }
    return read(n);
  };
}

type WriteToStream = (packet: { cmd: string; messageId?: number }, stream: PubackStream, opts?: unknown) => boolean;
interface PubackStream extends NodeJS.WritableStream {
  destroyed?: boolean;
  writableNeedDrain?: boolean;
  /** Message ids of the PUBACKs waiting for this tick's end. */
  [PENDING_PUBACKS]?: number[];
}
const PENDING_PUBACKS = Symbol('mag.pendingPubacks');
let pubacksBatched = false;

/**
 * A device's PUBACKs in one buffer per socket. aedes writes each PUBACK through mqtt-packet's
 * writeToStream: the socket corked, three writes (header, length, message id) and an uncork
 * scheduled with process.nextTick, per message; when a commit releases ~200 messages at once
 * that was ~600 buffered writes gathered into one writev per device. The PUBACKs of a socket are
 * now collected and written as one buffer of 4 bytes each, at the same moment the uncork came
 * (process.nextTick: once the callback releasing them has run). Any other packet to that socket
 * first writes the PUBACKs collected, so the order on the wire is aedes' order. (MQTT allows
 * several packets in one TCP segment or WebSocket frame.) Process-wide: aedes writes every
 * packet through this one function; a client's writes (mqtt.js passes its options) and MQTT 5
 * PUBACKs (a reason code) go through it unchanged.
 */
function batchPubacks(): void {
  if (pubacksBatched) return;
  pubacksBatched = true;
  const mp = mqttPacket as unknown as { writeToStream: WriteToStream };
  const original = mp.writeToStream;
  const flush = (stream: PubackStream) => {
    const ids = stream[PENDING_PUBACKS];
    if (!ids || ids.length === 0) return;
    stream[PENDING_PUBACKS] = undefined;
    if (stream.destroyed) return; // the connection is gone: the device sends those messages again
    const buf = Buffer.allocUnsafe(ids.length * 4);
    for (let i = 0, o = 0; i < ids.length; i++, o += 4) {
      const id = ids[i];
      buf[o] = 0x40; // PUBACK
      buf[o + 1] = 2; // remaining length: the message id
      buf[o + 2] = id >> 8;
      buf[o + 3] = id & 0xff;
    }
    stream.write(buf);
  };
  mp.writeToStream = (packet, stream, opts) => {
    const pending = stream[PENDING_PUBACKS];
    if (packet.cmd === 'puback' && opts === undefined && typeof packet.messageId === 'number' && packet.messageId > 0 && packet.messageId <= 0xffff) {
      if (pending) pending.push(packet.messageId);
      else {
        stream[PENDING_PUBACKS] = [packet.messageId];
        process.nextTick(flush, stream);
      }
      return stream.writableNeedDrain !== true;
    }
    if (pending) flush(stream);
    return original(packet, stream, opts);
  };
}

function isPacketParser(p: unknown): p is PacketParser {
  const q = p as PacketParser | undefined;
  return (
    typeof q?.parse === 'function' &&
    typeof q.emit === 'function' &&
    typeof q._list?.length === 'number' &&
    typeof q._stateCounter === 'number' &&
    typeof q.settings === 'object'
  );
}

/**
 * PUBLISH packets read straight from the socket's chunk. mqtt-packet's parser appends each chunk
 * to a BufferList and reads every field of every packet through it: a header byte, the length,
 * the topic's length, the topic, the message id, each a new Buffer view (bl's readUInt8 slices),
 * ~10 per message; in a QoS 1 flood the parser and the views were ~11 % of the gateway's CPU. A
 * chunk's whole PUBLISH packets (MQTT 3.1.1: fixed header, topic, message id at QoS > 0, payload)
 * are decoded here from the chunk itself and handed to aedes as the parser hands them ('packet',
 * the same fields, the payload a view of the chunk as the parser's is). Any other whole packet
 * (a PINGREQ, a PUBLISH the parser refuses) goes to mqtt-packet's parser on its own, which keeps
 * every rule and error it has. A packet cut by the chunk's end is kept here and completed from the
 * next chunk (its pieces copied together once, when whole): handed to mqtt-packet's parser, the
 * cut packet and every chunk after it went the slow way as long as chunks kept ending inside a
 * packet, which in a QoS 0 stream (64 KiB reads) is every chunk. A malformed length goes to
 * mqtt-packet's parser with what follows, for its error. Only when that parser holds nothing (no
 * packet begun): order on the wire is kept.
 */
function parsePublishesFirst(client: Client): void {
  const parser = (client as unknown as ClientInternals)._parser;
  if (!isPacketParser(parser)) return;
  const parse = parser.parse.bind(parser);
  const list = parser._list;
  /** mqtt-packet's parser holds no packet begun (nor an error: it resets its list then). */
  const holdsNothing = () => parser._stateCounter === 0 && parser._list === list && list!.length === 0;
  // A chunk handed in while one is being read (a packet's handler reading the socket again, which
  // aedes does not do: the socket's buffer is empty while a chunk is parsed) waits for the rest of
  // that one. (mqtt-packet's parser alone garbles it: the packet being handled emitted again.)
  let reading = false;
  const waiting: Buffer[] = [];
  /** The pieces of a packet cut by a chunk's end, in order (views of the chunks), and their bytes. */
  let cut: Buffer[] = [];
  let cutBytes = 0;
  const header: RemainingLength = { end: 0, length: 0 };
  /** The cut packet's pieces with `buf`, in one buffer once the packet is whole; undefined while it is not. */
  const completed = (buf: Buffer): Buffer | undefined => {
    cut.push(buf);
    cutBytes += buf.length;
    const head = cut[0].length >= 5 ? cut[0] : Buffer.concat(cut, Math.min(cutBytes, 5));
    // still cut (its length, or the packet): wait for more; malformed: the loop hands it on
    const read = readRemainingLength(head, 0, header);
    if (read === 'cut' || (read === 'whole' && cutBytes < header.end + header.length)) return undefined;
    const whole = Buffer.concat(cut, cutBytes);
    cut = [];
    cutBytes = 0;
    return whole;
  };
  parser.parse = (buf: Buffer): number => {
    if (reading) {
      waiting.push(buf);
      return 0;
    }
    reading = true;
    try {
      let left = readChunk(buf);
      while (waiting.length > 0) left = readChunk(waiting.shift()!);
      return left;
    } finally {
      reading = false;
    }
  };
  const readChunk = (chunk: Buffer): number => {
    if (!Buffer.isBuffer(chunk) || parser.error || !holdsNothing() || parser.settings?.protocolVersion === 5) {
      if (cut.length === 0) return parse(chunk);
      const held = Buffer.concat(cut, cutBytes); // what came before it first (not a case aedes makes)
      cut = [];
      cutBytes = 0;
      parse(held);
      return parse(chunk);
    }
    let buf = chunk;
    if (cut.length > 0) {
      const whole = completed(chunk);
      if (whole === undefined) return cutBytes;
      buf = whole;
    }
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const first = buf[pos];
      const read = readRemainingLength(buf, pos, header);
      if (read === 'malformed') break; // the parser has the rest, for its error
      if (read === 'cut') {
        cut = [buf.subarray(pos)]; // the length cut by the chunk's end: completed from the next
        cutBytes = n - pos;
        return cutBytes;
      }
      const i = header.end;
      const length = header.length;
      const end = i + length;
      if (end > n) {
        cut = [buf.subarray(pos)]; // cut by the chunk's end: completed from the next
        cutBytes = n - pos;
        return cutBytes;
      }
      const qos = (first >> 1) & 3;
      const topicEnd = length >= 2 ? i + 2 + ((buf[i] << 8) | buf[i + 1]) : end + 1;
      const idEnd = qos > 0 ? topicEnd + 2 : topicEnd;
      if (first >> 4 === 3 && qos !== 3 && idEnd <= end) {
        const packet: PublishPacketFields = {
          cmd: 'publish',
          retain: (first & 1) !== 0,
          qos,
          dup: (first & 8) !== 0,
          length,
          topic: buf.toString('utf8', i + 2, topicEnd),
          payload: buf.subarray(idEnd, end),
        };
        if (qos > 0) packet.messageId = (buf[topicEnd] << 8) | buf[topicEnd + 1];
        parser.emit('packet', packet);
      } else {
        // another packet, or a PUBLISH the parser refuses: the parser has it, with its rules
        parse(buf.subarray(pos, end));
      }
      pos = end;
      // after an error the parser drops what follows (its next parse starts afresh), as it would have
      if (parser.error) return 0;
      if (!holdsNothing()) break;
    }
    if (pos === 0) return parse(buf);
    return pos < n ? parse(buf.subarray(pos)) : 0;
  };
}

/** Where a packet's remaining length ends (the index after it) and its value. */
interface RemainingLength {
  end: number;
  length: number;
}

/**
 * Reads the remaining length of the packet starting at buf[pos] (1 to 4 bytes after the first,
 * 7 bits each) into `into` (reused: nothing made per packet): 'cut' when the buffer ends inside
 * it, 'malformed' when a fifth byte would follow.
 */
function readRemainingLength(buf: Buffer, pos: number, into: RemainingLength): 'whole' | 'cut' | 'malformed' {
  let i = pos + 1;
  let length = 0;
  let mul = 1;
  let b = 0x80;
  while (b & 0x80 && i < buf.length && i - pos <= 4) {
    b = buf[i++];
    length += (b & 0x7f) * mul;
    mul *= 128;
  }
  if (b & 0x80) return i - pos > 4 ? 'malformed' : 'cut';
  into.end = i;
  into.length = length;
  return 'whole';
}

/** A PUBLISH as mqtt-packet's parser emits it (its Packet's fields, in its order). */
interface PublishPacketFields {
  cmd: 'publish';
  retain: boolean;
  qos: number;
  dup: boolean;
  length: number;
  topic: string;
  payload: Buffer;
  messageId?: number;
}
