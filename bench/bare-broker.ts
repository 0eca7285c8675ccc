// The ceiling: a bare aedes broker on TCP that accepts every client and only counts the
// messages it receives. Run forked by bench/run.ts; talks over the IPC channel:
//   → { type: 'expect', id, total }   ← { type: 'reached', id, at, received } once `total` were received in all
//   → { type: 'count', id }           ← { type: 'count', id, received }
// Prints nothing; sends { type: 'listening', port } when ready.
import { Aedes } from 'aedes';
import { createServer } from 'node:net';

let received = 0;
const waiters: { id: number; target: number }[] = [];

function check(): void {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (received >= waiters[i].target) {
      process.send!({ type: 'reached', id: waiters[i].id, at: Date.now(), received });
      waiters.splice(i, 1);
    }
  }
}

const aedes = await Aedes.createBroker({
  id: 'bare',
  heartbeatInterval: 60_000,
  authorizePublish: (client, _packet, done) => {
    if (client) {
      received++;
      if (waiters.length > 0) check();
    }
    done(null);
  },
});

const server = createServer(aedes.handle);
const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.send!({ type: 'listening', port: typeof a === 'object' && a ? a.port : port });
});

process.on('message', (m: { type: string; id: number; total?: number }) => {
  if (m.type === 'expect') {
    waiters.push({ id: m.id, target: m.total ?? 0 });
    check();
  } else if (m.type === 'count') {
    process.send!({ type: 'count', id: m.id, received });
  }
});
process.on('disconnect', () => process.exit(0));
