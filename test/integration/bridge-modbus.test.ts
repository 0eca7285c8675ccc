// `mag bridge modbus` end to end: a Modbus TCP server (modbus-serial's ServerTCP) plays a barometer,
// the real gateway runs as a child process, the bridge runs as a child process (`node bin/mag.mjs
// bridge modbus --config …`) with the committed sample mapping. Readings must reach MAG with the
// right values and units; MAG SIGKILLed and restarted, the bridge SIGKILLed and restarted during
// that outage and again once MAG is back: nothing is lost, every seq from the first to the last is
// stored exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import modbusSerial from 'modbus-serial';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SAMPLE = join(ROOT, 'src/bridges/modbus/barometer.sample.json');
const DEVICE = 'baro-modbus-1';

/**
 * The input registers of a PTB330-like digital barometer. AN EXAMPLE LAYOUT written for this test,
 * not a vendor's documented map: check the instrument's own Modbus manual for the real addresses.
 * 32-bit values are sent least significant word first, as Vaisala's Modbus references for other
 * instruments document it (Indigo 520 User Guide M212287EN-A, p. 76; AQT530 Configuration Guide
 * M212572EN-C, §6.4 "Byte order": bytes big-endian within words, words little-endian).
 *   0–1  pressure, hPa, IEEE 754 float32
 *   2–3  pressure, Pa, uint32 (an integer copy for controllers without floats)
 *   4    temperature of the sensor, °C × 10, int16 (not bridged: not a quantity of a MAG barometer)
 */
class BarometerRegisters {
  pressureHpa = 1013.42;
  temperatureC = 21.5;
  input(addr: number): number {
    const b = Buffer.alloc(10);
    b.writeFloatBE(this.pressureHpa, 0);
    b.writeUInt32BE(Math.round(this.pressureHpa * 100), 4);
    b.writeInt16BE(Math.round(this.temperatureC * 10), 8);
    const words = [b.readUInt16BE(2), b.readUInt16BE(0), b.readUInt16BE(6), b.readUInt16BE(4), b.readUInt16BE(8)]; // low word first
    if (addr >= words.length) throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 });
    return words[addr];
  }
}

interface StoredReading {
  ts: string;
  seq: number;
  quantity: string;
  value: number;
  raw: number;
  status: string;
}

class BridgeProcess {
  private child: ChildProcess | undefined;
  private tail = '';
  constructor(
    private readonly config: string,
    private readonly secret: string,
  ) {}
  start(): void {
    const c = spawn(process.execPath, [join(ROOT, 'bin/mag.mjs'), 'bridge', 'modbus', '--config', this.config], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MAG_BRIDGE_SECRET: this.secret, MAG_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (this.tail = (this.tail + d.toString()).slice(-8000));
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    this.child = c;
  }
  output(): string {
    return this.tail;
  }
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill(signal);
    return exited;
  }
}

describe('mag bridge modbus (Modbus TCP barometer → MAG)', () => {
  let gp: GatewayProcess;
  let server: InstanceType<typeof modbusSerial.ServerTCP>;
  let bridge: BridgeProcess;
  let dir: string;
  const registers = new BarometerRegisters();

  const readings = async (): Promise<StoredReading[]> => {
    const r = await gp.call('GET', `/api/v1/devices/${DEVICE}/readings?limit=10000`);
    if (r.status !== 200) throw new Error(`readings: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.items as StoredReading[];
  };
  /** Readings the bridge holds for MAG (its outbox), read from its SQLite file. */
  const buffered = (): number => {
    const db = new Database(join(dir, 'bridge-data', 'outbox.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM pending').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const failWith = async (e: unknown): Promise<never> => {
    const latest = gp.running ? JSON.stringify((await readings().catch(() => [])).slice(0, 3)) : '(MAG down)';
    throw new Error(
      `${(e as Error).message}\n--- latest readings ---\n${latest}\n--- bridge output ---\n${bridge.output()}\n--- gateway output ---\n${gp.output()}`,
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mag-bridge-modbus-'));
    const modbusPort = await freePort();
    server = new modbusSerial.ServerTCP({ getInputRegister: (addr: number) => registers.input(addr) }, { host: '127.0.0.1', port: modbusPort, unitID: 1 });
    await new Promise<void>((r, reject) => {
      server.on('initialized', () => r());
      server.on('serverError', reject);
    });
    gp = await createGatewayProcess();
    await gp.start();
    const secret = await gp.device({ id: DEVICE, type: 'barometer' });
    // The committed sample, pointed at this test's server and gateway, polled fast, plus the Pa register.
    const mapping = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    mapping.modbus = { ...mapping.modbus, host: '127.0.0.1', port: modbusPort };
    mapping.mag = { ...mapping.mag, mqttUrl: gp.mqttUrl, deviceId: DEVICE };
    mapping.dataDir = join(dir, 'bridge-data');
    mapping.limits.reconnectSeconds = 0.3;
    mapping.registers[0].periodSeconds = 0.25;
    mapping.registers.push({
      name: 'pressure-pa',
      function: 'input',
      address: 2,
      type: 'uint32',
      wordOrder: 'low-first',
      quantity: 'pressure',
      unit: 'Pa',
      periodSeconds: 0.5,
    });
    const config = join(dir, 'mapping.json');
    writeFileSync(config, JSON.stringify(mapping, null, 2));
    bridge = new BridgeProcess(config, secret);
  });

  afterAll(async () => {
    await bridge?.kill('SIGKILL');
    await gp?.destroy();
    for (const s of server?.socks.keys() ?? []) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the readings, survives a MAG restart and a bridge restart without losing or repeating a seq', { timeout: 180_000 }, async () => {
    try {
      bridge.start();

      // 1. Readings arrive with the right values and units. The float32 register is sent in hPa as
      //    read: raw 1013.42, stored 1013.42 hPa. The uint32 register is sent in Pa: raw 101342 Pa,
      //    stored in the barometer's canonical unit as 101342 / 100 = 1013.42 hPa.
      await expect.poll(async () => (await readings()).length >= 10, { message: 'waiting for 10 readings in MAG', timeout: 60_000, interval: 200 }).toBe(true);
      const first = await readings();
      const fromFloat = first.filter((r) => r.raw < 2000);
      const fromPa = first.filter((r) => r.raw > 2000);
      expect(fromFloat.length).toBeGreaterThan(0);
      expect(fromPa.length).toBeGreaterThan(0);
      for (const r of fromFloat) expect(r).toMatchObject({ quantity: 'pressure', raw: 1013.42, value: 1013.42, status: 'ok' });
      for (const r of fromPa) {
        expect(r).toMatchObject({ quantity: 'pressure', raw: 101342, status: 'ok' });
        // MAG's Pa → hPa conversion is a double multiplication: 1013.4200000000001, not 1013.42
        expect(r.value).toBeCloseTo(1013.42, 9);
      }

      // 2. MAG goes down hard; the bridge keeps polling into its buffer.
      await gp.kill('SIGKILL');
      registers.pressureHpa = 1012.87;
      await expect.poll(() => buffered() >= 8, { message: 'waiting for 8 readings buffered while MAG is down', timeout: 30_000, interval: 100 }).toBe(true);
      // The bridge itself dies during the outage: what it buffered is on disk, not in its memory.
      await bridge.kill('SIGKILL');
      const heldAcrossKill = buffered();
      bridge.start();
      await expect
        .poll(() => buffered() >= heldAcrossKill + 4, { message: 'waiting for the restarted bridge buffering more', timeout: 30_000, interval: 100 })
        .toBe(true);

      // 3. MAG comes back on the same data dir and ports: the buffer drains into it.
      await gp.start();
      await expect
        .poll(async () => (await readings()).some((r) => r.raw === 1012.87), {
          message: 'waiting for readings taken during the outage stored',
          timeout: 60_000,
          interval: 200,
        })
        .toBe(true);
      await expect.poll(() => buffered() === 0, { message: 'waiting for the buffer drained', timeout: 30_000, interval: 100 }).toBe(true);

      // 4. The bridge is killed again, MAG up; its seq counter is in its SQLite file.
      await bridge.kill('SIGKILL');
      await gp.drained();
      const beforeRestart = await readings();
      const lastSeqBefore = Math.max(...beforeRestart.map((r) => r.seq));
      registers.pressureHpa = 1013.05;
      bridge.start();
      await expect
        .poll(async () => (await readings()).filter((r) => r.raw === 1013.05 || r.raw === 101305).length >= 6, {
          message: 'waiting for readings of the restarted bridge',
          timeout: 60_000,
          interval: 200,
        })
        .toBe(true);

      // 5. Stop the bridge cleanly; every seq from the first to the last is stored exactly once.
      expect(await bridge.kill('SIGTERM')).toBe(0);
      await gp.drained();
      const all = await readings();
      const seqs = all.map((r) => r.seq).sort((a, b) => a - b);
      const last = seqs[seqs.length - 1];
      expect(seqs[0]).toBe(1);
      expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(buffered()).toBe(0);
      // the restarted bridge continued the count: its readings all come after the last one before it
      const afterRestart = all.filter((r) => r.raw === 1013.05 || r.raw === 101305);
      expect(Math.min(...afterRestart.map((r) => r.seq))).toBeGreaterThan(lastSeqBefore);
      // values: each reading is one of the three pressures served, in hPa, whichever register it came from
      for (const r of all) {
        const served = [1013.42, 1012.87, 1013.05].find((p) => Math.abs(p - r.value) < 1e-9);
        expect(served, `reading ${JSON.stringify(r)}`).toBeDefined();
        expect([served, Math.round(served! * 100)]).toContain(r.raw);
        expect(r.status).toBe('ok');
      }
      // distinct times: two readings of one series at the same millisecond would have overwritten each other
      expect(new Set(all.map((r) => r.ts)).size).toBe(all.length);
      expect((await gp.call('GET', `/api/v1/devices/${DEVICE}/rejections`)).body.items).toEqual([]);
      process.stdout.write(`modbus bridge: ${all.length} readings, seq 1…${last}, ${afterRestart.length} after the bridge restart\n`);
    } catch (e) {
      await failWith(e);
    }
  });
});
