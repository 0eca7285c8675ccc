// Mosquitto's own clients (an independent MQTT 3.1.1 implementation) against the gateway:
// a reading published with mosquitto_pub at QoS 1 is stored; mosquitto_sub gets the retained config;
// a wrong password is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const run = promisify(execFile);

function mosquittoBinary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `${name} is not installed; the interoperability test needs Mosquitto's clients: apt-get install -y mosquitto-clients (or run bash .ci/run)`,
    );
  }
}

describe('Mosquitto clients as independent MQTT peers', () => {
  let gw: TestGateway;
  let secret: string;
  let pub: string;
  let sub: string;
  beforeAll(async () => {
    pub = mosquittoBinary('mosquitto_pub');
    sub = mosquittoBinary('mosquitto_sub');
    gw = await startTestGateway();
    secret = await gw.device({ id: 'mosq-baro', type: 'barometer' });
  });
  afterAll(async () => gw?.destroy());

  const port = () => String(gw.gateway.ports.mqtt);

  it('stores a QoS 1 reading sent by mosquitto_pub, converted to hPa', async () => {
    const ts = new Date(Date.now() - 1000).toISOString();
    await run(pub, [
      '-h',
      '127.0.0.1',
      '-p',
      port(),
      '-i',
      'mosq-baro',
      '-u',
      'mosq-baro',
      '-P',
      secret,
      '-q',
      '1',
      '-V',
      'mqttv311',
      '-t',
      'instruments/mosq-baro/readings',
      '-m',
      JSON.stringify({ seq: 1, ts, quantity: 'pressure', value: 101.25, unit: 'kPa' }),
    ]);
    await gw.drained();
    const r = await gw.call('GET', '/api/v1/devices/mosq-baro/readings');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).toMatchObject({ seq: 1, value: 1012.5, raw: 101.25, status: 'ok' });
  });

  it('gives mosquitto_sub, subscribed as the device, its retained config with the verification state', async () => {
    const { stdout } = await run(sub, [
      '-h',
      '127.0.0.1',
      '-p',
      port(),
      '-i',
      'mosq-baro',
      '-u',
      'mosq-baro',
      '-P',
      secret,
      '-q',
      '1',
      '-V',
      'mqttv311',
      '-t',
      'instruments/mosq-baro/config',
      '-C',
      '1',
      '-W',
      '10',
    ]);
    // The fixture's certificate is valid for the barometer's legal 12 months (test/support/certificates.ts).
    const { validUntil } = (await gw.call('GET', '/api/v1/devices/mosq-baro/certificates')).body.items[0];
    expect(JSON.parse(stdout.trim())).toEqual({ verification: { state: 'valid', validUntil: new Date(validUntil).toISOString() }, lockout: false });
  });

  it('refuses mosquitto_pub with a wrong password', async () => {
    const r = run(pub, [
      '-h',
      '127.0.0.1',
      '-p',
      port(),
      '-i',
      'mosq-baro',
      '-u',
      'mosq-baro',
      '-P',
      'wrong-secret',
      '-q',
      '1',
      '-V',
      'mqttv311',
      '-t',
      'instruments/mosq-baro/readings',
      '-m',
      '{}',
    ]);
    await expect(r).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|bad user name or password|Connection Refused/i) });
  });
});
