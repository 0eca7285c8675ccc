// The print shop's worker thread (print-shop.ts starts it): lays out the printed documents (pdfkit,
// exceljs) off the gateway's event loop, one job at a time, and answers each with its bytes.
// JavaScript, not TypeScript: a worker thread does not inherit the tsx loader the main thread
// registered (bin/mag.mjs), nor vitest's transform, so it registers tsx itself, as bin/mag.mjs does,
// before importing the renderers.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { layOut } = await import('./print-jobs.ts');

parentPort.on('message', async ({ id, job }) => {
  // the crash drill of the tests (print-shop.test.ts): die mid-document, as a native crash would
  if (job.document === 'crash-drill') process.exit(job.exitCode);
  try {
    const bytes = await layOut(job);
    // Transferred, not copied. Buffer.concat may place a small result in Node's shared pool, whose
    // other bytes are not ours to give away: such a result is copied once into a buffer of its own.
    const own =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    parentPort.postMessage({ id, bytes: own }, [own]);
  } catch (e) {
    // a renderer's failure is the document's, not the worker's: it answers and takes the next job
    parentPort.postMessage({ id, error: { message: String(e?.message ?? e), stack: typeof e?.stack === 'string' ? e.stack : undefined } });
  }
});
