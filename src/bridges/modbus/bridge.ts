// `mag bridge modbus --config <mapping.json>`: an instrument that speaks Modbus, published to MAG
// as the device it was registered as. Poller → outbox (durable, seq) → publisher (QoS 1).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '../../log.ts';
import { loadMapping, MappingError, type BridgeSettings } from './mapping.ts';
import { Outbox } from './outbox.ts';
import { MagPublisher } from './publisher.ts';
import { InstrumentPoller } from './poller.ts';

export interface ModbusBridge {
  readonly outbox: Outbox;
  readonly publisher: MagPublisher;
  readonly poller: InstrumentPoller;
  /** Stops polling, says offline to MAG, closes the buffer; what MAG has not acknowledged stays in it. */
  stop(): Promise<void>;
}

export function startModbusBridge(s: BridgeSettings, log: Logger): ModbusBridge {
  const outbox = new Outbox(s.dataDir, s.mag.deviceId, s.limits.maxBufferedReadings);
  const reconnectMs = s.limits.reconnectSeconds * 1000;
  const publisher = new MagPublisher(outbox, {
    mqttUrl: s.mag.mqttUrl,
    deviceId: s.mag.deviceId,
    secret: s.secret,
    caFile: s.mag.caFile,
    maxInFlight: s.limits.maxInFlight,
    reconnectMs,
    log,
  });
  let full = false;
  const poller = new InstrumentPoller(
    s.modbus,
    s.registers,
    (register, reading, at) => {
      const seq = outbox.take(reading, at);
      if (seq === undefined) {
        if (!full)
          log.error(
            { buffered: outbox.size, max: s.limits.maxBufferedReadings },
            'the buffer is full (MAG has been unreachable for long): new readings are not taken until it drains (limits.maxBufferedReadings)',
          );
        full = true;
        return;
      }
      full = false;
      log.debug({ seq, register: register.name, value: reading.value, unit: reading.unit }, 'reading taken');
      publisher.pump();
    },
    { reconnectMs, log },
  );
  log.info(
    {
      mqttUrl: s.mag.mqttUrl,
      modbus: s.modbus.transport,
      registers: s.registers.map((r) => r.name),
      dataDir: resolve(s.dataDir),
      buffered: outbox.size,
      lastSeq: outbox.seq,
    },
    'Modbus bridge starting',
  );
  publisher.start();
  poller.start();
  const summary = setInterval(
    () => log.info({ buffered: outbox.size, lastSeq: outbox.seq, mqtt: publisher.stats, modbus: poller.stats }, 'bridge status'),
    60_000,
  );
  summary.unref();
  return {
    outbox,
    publisher,
    poller,
    async stop() {
      clearInterval(summary);
      await poller.stop();
      await publisher.stop();
      log.info({ buffered: outbox.size, lastSeq: outbox.seq }, 'Modbus bridge stopped');
      outbox.close();
    },
  };
}

export const BRIDGE_HELP = `mag bridge modbus --config <mapping.json> [--log-level info]

Polls a Modbus TCP or RTU instrument as the mapping file says and publishes its readings to MAG
over MQTT as the registered device (QoS 1), buffering them on disk until MAG acknowledges them.
Mapping format and a sample: src/bridges/modbus/README.md, src/bridges/modbus/barometer.sample.json.
`;

/** The `mag bridge …` command; resolves with the exit code once the bridge has stopped. */
export async function bridgeCommand(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind !== 'modbus' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(BRIDGE_HELP);
    return kind === 'modbus' || kind === '--help' ? 0 : 2;
  }
  let values: { config?: string; 'log-level'?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { config: { type: 'string' }, 'log-level': { type: 'string' } } }));
  } catch (e) {
    process.stderr.write(`mag bridge modbus: ${(e as Error).message}\n${BRIDGE_HELP}`);
    return 2;
  }
  if (!values.config) {
    process.stderr.write(`mag bridge modbus: --config <mapping.json> is required\n${BRIDGE_HELP}`);
    return 2;
  }
  let settings: BridgeSettings;
  try {
    settings = loadMapping(values.config);
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    process.stderr.write(`mag bridge modbus: ${e.message}\n`);
    return 2;
  }
  const log = createLogger(values['log-level'] ?? process.env.MAG_LOG_LEVEL ?? 'info').child({ bridge: 'modbus', device: settings.mag.deviceId });
  let bridge: ModbusBridge;
  try {
    bridge = startModbusBridge(settings, log);
  } catch (e) {
    process.stderr.write(`mag bridge modbus: could not start: ${(e as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      bridge.stop().then(
        () => done(0),
        (e: Error) => {
          log.error({ err: e.message }, 'stopping the bridge failed');
          done(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
