// The log line names its node (docs/contract.md §7: MAG_NODE_ID in logs, metrics and the cluster).
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { GatewayMetrics } from './metrics.ts';

describe("this gateway's node name", () => {
  it('is on every log line, and in /metrics as mag_node_info{node} 1, without a label on the other series', async () => {
    expect(createLogger('info', 'mag-2').bindings()).toMatchObject({ service: 'mag', node: 'mag-2' });
    expect(createLogger('info').bindings()).not.toHaveProperty('node');
    const text = await new GatewayMetrics('mag-2').registry.metrics();
    expect(text.split('\n').filter((l) => l.includes('mag-2'))).toEqual(['mag_node_info{node="mag-2"} 1']);
    expect(await new GatewayMetrics().registry.metrics()).not.toMatch(/mag_node_info/);
  });
});
