import { createServer } from 'node:net';

// Ports are drawn below Linux's ephemeral range (32768–60999): a port the OS handed out with
// listen(0) and that a test releases to bind it later can meanwhile be taken as the local port
// of any outgoing connection (MQTT clients, HTTP calls, influxd's own), which made tests fail
// with EADDRINUSE when the suite ran loaded. Each process keeps the ports it gave out.
const LOW = 20_000;
const HIGH = 32_000;
const given = new Set<number>();

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 right now, outside the ephemeral range, not given out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (given.has(port)) continue;
    if (await tryListen(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found in ${LOW}–${HIGH} after 200 attempts`);
}
