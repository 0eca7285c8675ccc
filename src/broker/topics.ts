// The device topics of the ACL: `instruments/{deviceId}/{suffix}`, where a device publishes its
// readings, checks, SenML records, measured prepackages and status, and reads its own feedback and config.

export type DeviceTopic = 'readings' | 'checks' | 'senml' | 'packages' | 'status';
/** What a device may publish to (its own id only). */
export const DEVICE_TOPICS: ReadonlySet<string> = new Set(['readings', 'checks', 'senml', 'packages', 'status']);
/** What a device may subscribe to (its own id only); the gateway alone publishes there. */
export const SUBSCRIBABLE: ReadonlySet<string> = new Set(['feedback', 'config']);

/** `instruments/{deviceId}/{suffix}` → parts, or undefined. */
export function parseDeviceTopic(topic: string): { deviceId: string; suffix: string } | undefined {
  if (!topic.startsWith('instruments/')) return undefined;
  const slash = topic.indexOf('/', 12);
  if (slash <= 12 || topic.indexOf('/', slash + 1) !== -1) return undefined;
  return { deviceId: topic.slice(12, slash), suffix: topic.slice(slash + 1) };
}
