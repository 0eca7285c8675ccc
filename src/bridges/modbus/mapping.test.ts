// The mapping file: the committed sample is valid, and a bad file is refused naming each field.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMapping, parseMapping } from './mapping.ts';

const SAMPLE = fileURLToPath(new URL('./barometer.sample.json', import.meta.url));
const WEIGHING = fileURLToPath(new URL('./weighing-indicator.example.json', import.meta.url));

const base = () => ({
  modbus: { transport: 'tcp', host: '127.0.0.1' },
  mag: { mqttUrl: 'mqtt://127.0.0.1:1883', deviceId: 'baro-1', secret: 's3cret' },
  registers: [{ name: 'pressure', function: 'input', address: 0, type: 'float32', quantity: 'pressure', unit: 'hPa', periodSeconds: 10 }],
});

function errorOf(json: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseMapping(json, 'm.json', env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the mapping was accepted');
}

describe('Modbus mapping', () => {
  it('accepts the committed barometer sample, with the secret from the environment and defaults filled in', () => {
    const m = loadMapping(SAMPLE, { MAG_BRIDGE_SECRET: 'from-env' });
    expect(m.secret).toBe('from-env');
    expect(m.modbus).toMatchObject({ transport: 'tcp', port: 502, unitId: 1 });
    expect(m.registers[0]).toMatchObject({ name: 'pressure', type: 'float32', wordOrder: 'low-first', swapBytes: false, scale: 1, offset: 0, fields: {} });
  });

  it('defaults the data dir from the device id, the port to 502, the limits to their documented values', () => {
    const m = parseMapping(base(), 'm.json', {});
    expect(m.dataDir).toBe('./data/bridge-modbus-baro-1');
    expect(m.limits).toEqual({ maxInFlight: 100, maxBufferedReadings: 1_000_000, reconnectSeconds: 2 });
    expect(m.modbus).toMatchObject({ port: 502, timeoutMs: 2000 });
  });

  it('accepts an RTU line with its serial settings', () => {
    const m = parseMapping({ ...base(), modbus: { transport: 'rtu', path: '/dev/ttyUSB0', baudRate: 19200, parity: 'even', unitId: 12 } }, 'm.json', {});
    expect(m.modbus).toEqual({
      transport: 'rtu',
      path: '/dev/ttyUSB0',
      baudRate: 19200,
      parity: 'even',
      dataBits: 8,
      stopBits: 1,
      unitId: 12,
      timeoutMs: 2000,
    });
  });

  it('accepts the weighing-indicator example: RTU, net mass with its tare and "stable" flag read from registers', () => {
    const m = loadMapping(WEIGHING, { MAG_BRIDGE_SECRET: 's' });
    expect(m.modbus).toMatchObject({ transport: 'rtu', path: '/dev/ttyUSB0', parity: 'even', unitId: 3 });
    expect(m.registers[0].fields).toEqual({
      tare: { function: 'holding', address: 4, type: 'int32', wordOrder: 'high-first', swapBytes: false, scale: 0.001, offset: 0, decimals: 3 },
      stable: { function: 'holding', address: 0, type: 'uint16', bit: 0, wordOrder: 'high-first', swapBytes: false, scale: 1, offset: 0 },
    });
    const r = base().registers[0];
    const wide = { function: 'input', address: 8, type: 'uint32', bit: 3 };
    expect(errorOf({ ...base(), registers: [{ ...r, fields: { stable: wide } }] })).toContain(
      'registers.0.fields.stable.bit: a bit is read from a 16-bit register',
    );
  });

  it('names every failing field', () => {
    const bad = base() as any;
    bad.registers[0].adress = 3; // typo
    bad.registers[0].wordOrder = 'CDAB';
    bad.registers[0].periodSeconds = '10';
    bad.modbus.port = 70000;
    const msg = errorOf(bad);
    expect(msg).toContain('Invalid Modbus mapping m.json:');
    expect(msg).toContain('registers.0: Unrecognized key: "adress"');
    expect(msg).toMatch(/registers\.0\.wordOrder: .*"high-first"\|"low-first"/);
    expect(msg).toMatch(/registers\.0\.periodSeconds: .*expected number, received string/);
    expect(msg).toMatch(/modbus\.port: .*65535/);
  });

  it('refuses an unknown transport, a missing secret, a reserved field, a duplicate name, a value past register 65535', () => {
    expect(errorOf({ ...base(), modbus: { transport: 'udp', host: 'x' } })).toMatch(/modbus\.transport: /);
    expect(errorOf({ ...base(), mag: { mqttUrl: 'mqtt://h', deviceId: 'baro-1' } })).toContain('mag.secret: give exactly one of secret or secretEnv');
    expect(errorOf({ ...base(), mag: { mqttUrl: 'mqtt://h', deviceId: 'baro-1', secretEnv: 'NOPE' } })).toContain(
      'mag.secretEnv: the environment variable NOPE is not set',
    );
    expect(errorOf({ ...base(), mag: { mqttUrl: 'http://h', deviceId: 'baro 1', secret: 's' } })).toMatch(
      /mag\.mqttUrl: must be an mqtt:\/\/.*\n.*mag\.deviceId: must match/,
    );
    const r = base().registers[0];
    expect(errorOf({ ...base(), registers: [{ ...r, fields: { seq: 5 } }] })).toContain('registers.0.fields.seq: "seq" is set by the bridge');
    expect(errorOf({ ...base(), registers: [r, { ...r }] })).toContain('registers.1.name: "pressure" is used by an earlier register');
    expect(errorOf({ ...base(), registers: [{ ...r, address: 65535 }] })).toContain('registers.0.address: the value runs past register 65535');
    expect(errorOf({ ...base(), registers: [{ ...r, scale: 0 }] })).toContain('registers.0.scale: must not be 0');
    expect(errorOf({ ...base(), registers: [] })).toMatch(/registers: /);
  });
});
