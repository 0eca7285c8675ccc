// Tenants and devices registered by `mag tenant add` / `mag device add` in another process: the
// registry reloads when the state database changed on disk, and the verifications are reviewed
// (a new device gets its config).
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import { Every, type PeriodicWork } from './every.ts';

const SYNC_EVERY_MS = 2000;

export function registrySync(registry: Registry, onChange: () => void, log: Logger): PeriodicWork {
  return new Every(
    SYNC_EVERY_MS,
    () => {
      if (registry.syncWithDisk()) onChange();
    },
    log,
    'reloading the registry failed',
  );
}
