// Issue 6: the authorization matrix on a single node (test/support/authz-matrix.ts has the
// table; test/integration/authz-matrix-cluster.test.ts runs it on a cluster node), and the
// webhook URLs refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { authorizationMatrix } from '../support/authz-matrix.ts';

authorizationMatrix('single node', async () => ({ env: {}, stop: async () => {} }));

describe('webhook URLs', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.destroy();
  });

  it.each([
    'https://user:pass@hooks.example/x',
    'https://user@hooks.example/x',
    'http://:secret@hooks.example/x',
    'https://user%40corp:p%3Ass@hooks.example/x',
    'ftp://hooks.example/x',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/plain,hello',
    'gopher://hooks.example:70/x',
    'ws://hooks.example/x',
    '//hooks.example/x',
    'hooks.example/x',
    '',
    'https://',
    ` https://hooks.example/x`,
    'https://hooks.example/x\nX-Injected: 1',
    `https://hooks.example/${'a'.repeat(2100)}`,
  ])('refuses %j with a 400 naming the url', async (url) => {
    const r = await gw.call('POST', '/api/v1/webhooks', { url, events: ['alert.*'], secret: 'a-webhook-secret-of-16+' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ path: 'url' })] });
    expect(JSON.stringify(r.body)).not.toMatch(/pass|secret@/);
    expect((await gw.call('GET', '/api/v1/webhooks')).body.items).toEqual([]);
  });

  it.each(['https://hooks.example/mag', 'http://10.0.0.5:8080/alerts?x=1', 'HTTPS://Hooks.Example/Path'])('accepts %j', async (url) => {
    const r = await gw.call('POST', '/api/v1/webhooks', { url, events: ['alert.*'], secret: 'a-webhook-secret-of-16+' });
    expect(r.status).toBe(201);
    expect((await gw.call('DELETE', `/api/v1/webhooks/${r.body.id}`)).status).toBe(200);
  });

  it('never answers the webhook secret back', async () => {
    const r = await gw.call('POST', '/api/v1/webhooks', { url: 'https://hooks.example/s', events: ['alert.*'], secret: 'very-secret-signing-key-42' });
    expect(r.status).toBe(201);
    expect(JSON.stringify(r.body)).not.toContain('very-secret-signing-key-42');
    expect(JSON.stringify((await gw.call('GET', '/api/v1/webhooks')).body)).not.toContain('very-secret-signing-key-42');
  });
});
