// Tenants and devices registered by another process (`mag tenant add` / `mag device add` on the
// same SQLite file, another node of a cluster on PostgreSQL): the registry reloads when they
// changed it, and the verifications are reviewed (a new device gets its config).
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import type { Watching } from '../store/executor.ts';
import type { PeriodicWork } from './every.ts';

export function registrySync(registry: Registry, onChange: () => void, log: Logger): PeriodicWork {
  let following: Watching | undefined;
  return {
    start() {
      following ??= registry.follow(onChange, (err) => log.error({ err: err.message }, 'reloading the registry failed'));
    },
    stop() {
      following?.stop();
      following = undefined;
    },
  };
}
