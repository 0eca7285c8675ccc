// Child process of the PostgreSQL registry test: another node of a cluster. Registers a device
// (and its tenant, when new) on the state database at argv[2], prints the device's secret as a
// JSON line, and exits.
import { PostgresState } from '../../src/store/postgres.ts';
import { Registry } from '../../src/store/registry.ts';

const [url, tenant, device] = process.argv.slice(2);
const db = await PostgresState.connect(url);
try {
  const registry = await Registry.open(db);
  const now = new Date();
  if (!registry.tenant(tenant)) await registry.createTenant({ id: tenant, name: tenant, region: 'VN-HN' }, now);
  const { secret } = await registry.createDevice({ id: device, tenant, type: 'gas-detector', serial: `SN-${device}` }, now);
  process.stdout.write(`${JSON.stringify({ device, secret })}\n`);
} finally {
  await db.close();
}
