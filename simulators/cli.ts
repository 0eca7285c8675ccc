// `mag simulate`: run a simulated fleet against a gateway.

import { parseArgs } from 'node:util';
import { ConfigError, messageLimits, type MessageLimits } from '../src/config.ts';
import { FleetFileError } from './fleet-file.ts';
import { runFleet } from './fleet.ts';

export const SIMULATE_HELP = `Usage: mag simulate --fleet <file> [options]

Run a fleet of simulated instruments (fuel dispensers, gas detectors, breath-alcohol
analysers, barometers, scales) against a MAG gateway over MQTT, on an accelerated
clock that ends at the real now.

Options:
  --fleet <file>         fleet JSON file (see simulators/README.md; simulators/fleets/demo.json)
  --url <url>            gateway HTTP base (default http://127.0.0.1:8080)
  --mqtt <url>           gateway MQTT URL (default mqtt://127.0.0.1:1883)
  --admin-token <t>      admin API token; registers tenants, devices and certificates first
                         (default: env MAG_ADMIN_TOKEN)
  --credentials <file>   with a token: write the device secrets here;
                         without: read them from here ({"devices": [{"id", "secret"}]})
  --duration <s>         wall-clock seconds to run (overrides the fleet's durationSeconds);
                         0 runs until interrupted (catch up, then real time)
  --help                 show this help

Batches keep within the gateway's limits, read from MAG_MAX_PAYLOAD_BYTES and
MAG_MAX_BATCH_READINGS as the gateway reads them (default 65536 bytes, 1000 readings).

Exit status: 0 when the run completed without errors, 1 when messages failed (errors, or
messages the gateway did not acknowledge), 2 on bad usage.`;

export async function simulateCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        fleet: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
        'admin-token': { type: 'string' },
        credentials: { type: 'string' },
        duration: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`mag simulate: ${(err as Error).message}\n\n${SIMULATE_HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${SIMULATE_HELP}\n`);
    return 0;
  }
  if (typeof values.fleet !== 'string') {
    process.stderr.write(`mag simulate: --fleet <file> is required\n\n${SIMULATE_HELP}\n`);
    return 2;
  }
  let durationSeconds: number | undefined;
  if (typeof values.duration === 'string') {
    const d = Number(values.duration);
    if (!Number.isFinite(d) || d < 0) {
      process.stderr.write(`mag simulate: --duration must be a number of seconds ≥ 0, got "${values.duration}"\n`);
      return 2;
    }
    durationSeconds = d === 0 ? Infinity : d;
  }
  let limits: MessageLimits;
  try {
    limits = messageLimits(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`mag simulate: ${err.problems.join('; ')}\n`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (line: string) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line, component: 'simulator' })}\n`);
  try {
    const report = await runFleet({
      fleet: values.fleet,
      apiUrl: String(values.url),
      mqttUrl: String(values.mqtt),
      adminToken: (values['admin-token'] as string | undefined) ?? process.env.MAG_ADMIN_TOKEN ?? undefined,
      credentialsFile: values.credentials as string | undefined,
      durationSeconds,
      limits,
      log,
      signal: controller.signal,
    });
    process.stdout.write(`${JSON.stringify({ report }, null, 2)}\n`);
    return report.errors > 0 || report.unacknowledged > 0 ? 1 : 0;
  } catch (err) {
    process.stderr.write(`mag simulate: ${err instanceof FleetFileError ? err.message : (err as Error).message}\n`);
    return err instanceof FleetFileError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
