// Child process of the journal's crash test: appends QoS 0-like (not durable) points, and once
// their commit has called back, kills itself with SIGKILL (no close, no final commit).
import { Journal } from '../../src/journal/journal.ts';

const [dir, n] = [process.argv[2], Number(process.argv[3])];
const j = new Journal({ dir, sync: 'full', maxBytes: 64 * 1024 ** 2, commitMs: 2 });
let waiting = n;
for (let i = 1; i <= n; i++) {
  j.appendLines(
    `reading,device=d1 seq=${i}i,value=${i / 10} ${1_790_000_000_000 + i}`,
    1,
    Date.now(),
    (e) => {
      if (e) throw e;
      if (--waiting === 0) {
        process.stdout.write(`committed ${n} synced ${j.totals.syncedCommits} commits ${j.totals.commits}\n`, () => process.kill(process.pid, 'SIGKILL'));
      }
    },
    false,
  );
}
