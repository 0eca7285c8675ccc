// The print shop: lays out the printed documents (an instrument's evidence file, the periodic report
// as PDF and XLSX, the inspection record) on a worker thread, not on the gateway's event loop.
// pdfkit lays out about 1 ms per check of an evidence file, all of it synchronous: a 2 000-check
// file held the loop for about 2 s, and meanwhile the embedded broker acknowledged nothing (QoS 1
// PUBACKs waited), nor did the API answer. The worker takes a job of plain data (print-jobs.ts),
// runs the same renderer there and hands the bytes back by transferring their ArrayBuffer.
//
// One worker, started with the first document (about 1 s more for that one, on two busy cores: the
// thread, tsx, pdfkit and the renderer's modules) and kept for the next ones; idle, it never holds
// the process open (unref), busy it does, as a layout on the main thread did. It lays out one
// document at a time; the others wait their turn here, in order. One, not a pool: documents are
// rare (an inspector's download), a gateway often has two cores, and a second layout at once would
// take the core the broker and the API run on.
//
// No shutdown hook in src/gateway.ts: `mag` exits the process after stop(), and an idle worker
// holds nothing open; close() is there for whoever wants the thread gone sooner.
import { Worker } from 'node:worker_threads';
// types only: the renderers are the worker's to import and run
import type { PrintJob } from './print-jobs.ts';
import type { RecordContext } from '../inspections/record-pdf.ts';
import type { InspectionRecord } from '../inspections/types.ts';
import type { FleetFigures } from './figures.ts';
import type { InstrumentEvidence } from './instrument-evidence.ts';
import type { Lang } from './labels.ts';
import type { LetterheadRequest } from './letterhead.ts';
import type { PdfOptions } from './render-pdf.ts';

/** The worker's entry: JavaScript that registers tsx before importing the renderers (see there why). */
const WORKER_ENTRY = new URL('./print-shop-worker.mjs', import.meta.url);

/**
 * The longest one document may take once the worker has it (its first includes the worker's start).
 * A 2 000-check evidence file takes about 2 s: this is far beyond any document MAG prints, and is
 * there so that a layout that never ends (a renderer caught in a loop) fails its request and frees
 * the shop for the documents behind it, instead of holding them for good.
 */
export const DOCUMENT_DEADLINE_MS = 120_000;

/**
 * How many documents may wait for the worker behind the one it lays out. Each holds its input (a 2 000-check
 * evidence file's is ~450 kB) and takes ~2 s: past 8, the last would wait ~20 s, and a flood of downloads (a
 * script, a console left reloading) would grow the gateway's memory without bound. Beyond it a document is
 * refused at once (PrintShopBusyError; the API answers 503 with Retry-After), never queued.
 */
export const MAX_WAITING_DOCUMENTS = 8;

/** The print shop has MAX_WAITING_DOCUMENTS documents waiting already: ask again in `retryAfterSeconds`. */
export class PrintShopBusyError extends Error {
  readonly retryAfterSeconds = 10;
}

/** Tests only (print-shop.test.ts): the worker exits with `exitCode` on taking it, as a crash mid-document would. */
export interface CrashDrill {
  document: 'crash-drill';
  exitCode: number;
}

type Job = PrintJob | CrashDrill;

interface Order {
  id: number;
  job: Job;
  resolve: (bytes: Buffer<ArrayBuffer>) => void;
  reject: (e: Error) => void;
}

/** What the worker answers: the bytes of the document, or why its renderer failed. */
type Answer = { id: number; bytes: ArrayBuffer } | { id: number; error: { message: string; stack?: string } };

/** The document of each job as an error message names it. */
const DOCUMENT_NAMES: Record<PrintJob['document'], string> = {
  'evidence-file': "an instrument's evidence file (PDF)",
  'periodic-report-pdf': 'a periodic report (PDF)',
  'periodic-report-xlsx': 'a periodic report (XLSX)',
  'inspection-record': 'an inspection record (PDF)',
};
const nameOf = (job: Job) => (job.document === 'crash-drill' ? 'a crash drill' : DOCUMENT_NAMES[job.document]);

export class PrintShop {
  #worker: Worker | undefined;
  /** The order the worker is laying out, and when it must be done by. */
  #current: { order: Order; deadline: NodeJS.Timeout } | undefined;
  #waiting: Order[] = [];
  #nextId = 1;
  readonly #deadlineMs: number;
  readonly #maxWaiting: number;

  constructor(options: { deadlineMs?: number; maxWaiting?: number } = {}) {
    this.#deadlineMs = options.deadlineMs ?? DOCUMENT_DEADLINE_MS;
    this.#maxWaiting = options.maxWaiting ?? MAX_WAITING_DOCUMENTS;
  }

  /** An instrument's evidence file, as renderInstrumentEvidencePdf lays it out. */
  evidenceFile(evidence: InstrumentEvidence): Promise<Buffer<ArrayBuffer>> {
    return this.print({ document: 'evidence-file', evidence });
  }

  /** The periodic report as a PDF, as figuresPdf lays it out. */
  periodicReportPdf(figures: FleetFigures, lang: Lang, options: PdfOptions): Promise<Buffer<ArrayBuffer>> {
    return this.print({ document: 'periodic-report-pdf', figures, lang, options });
  }

  /** The periodic report as a workbook, as figuresXlsx writes it. */
  periodicReportXlsx(figures: FleetFigures, lang: Lang, period: { from: string; to: string }, letterhead?: LetterheadRequest): Promise<Buffer<ArrayBuffer>> {
    return this.print({ document: 'periodic-report-xlsx', figures, lang, period, letterhead });
  }

  /** An inspection record, as renderRecordPdf lays it out. */
  inspectionRecord(record: InspectionRecord, context: RecordContext): Promise<Buffer<ArrayBuffer>> {
    return this.print({ document: 'inspection-record', record, context });
  }

  /**
   * Queues the job; resolves with the document's bytes. Rejects when its renderer fails, when its
   * input cannot be sent to the worker, when the worker dies while laying it out, or when it takes
   * longer than the deadline: each an Error naming the document (the API answers 500, as for a
   * failed layout on the main thread). The documents behind a failed one go on, on a fresh worker.
   * Refused at once (PrintShopBusyError) while the worker is busy and `maxWaiting` documents wait already.
   */
  print(job: Job): Promise<Buffer<ArrayBuffer>> {
    if (this.#current && this.#waiting.length >= this.#maxWaiting)
      return Promise.reject(
        new PrintShopBusyError(
          `the print shop is laying out a document and ${this.#waiting.length} more wait (at most ${this.#maxWaiting}): ${nameOf(job)} was not queued; ask again in a few seconds`,
        ),
      );
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id: this.#nextId++, job, resolve, reject });
      this.#next();
    });
  }

  /**
   * Stops the worker now: the document being laid out and those waiting fail ("the print shop was
   * closed"). The shop stays usable: a later document starts a fresh worker. An idle worker never
   * holds the process open (unref), so a process that exits need not call this.
   */
  async close(): Promise<void> {
    const orders = [...(this.#current ? [this.#current.order] : []), ...this.#waiting.splice(0)];
    this.#settleCurrent();
    const worker = this.#worker;
    this.#worker = undefined;
    for (const o of orders) o.reject(new Error(`the print shop was closed before ${nameOf(o.job)} was laid out; the document was not made`));
    await worker?.terminate();
  }

  /** Hands the next waiting order to the worker (starting one if there is none), unless it is busy. */
  #next(): void {
    if (this.#current) return;
    const order = this.#waiting.shift();
    if (!order) {
      // idle: the worker is kept for the next document, but does not keep the process alive
      this.#worker?.unref();
      return;
    }
    const worker = this.#worker ?? this.#start();
    try {
      worker.postMessage({ id: order.id, job: order.job });
    } catch (e) {
      // a function or the like in the input (DataCloneError): a mistake of the caller, the worker is fine
      order.reject(new Error(`${nameOf(order.job)} could not be sent to the print shop's worker: ${(e as Error).message}`));
      return this.#next();
    }
    // while laying out, the worker holds the process open as the layout on the main thread did
    worker.ref();
    const deadline = setTimeout(() => {
      this.#fail(worker, `took longer than ${this.#deadlineMs} ms (the print shop's deadline for one document) and was stopped`);
      void worker.terminate();
    }, this.#deadlineMs);
    deadline.unref();
    this.#current = { order, deadline };
  }

  #start(): Worker {
    const worker = new Worker(WORKER_ENTRY, { name: 'print-shop' });
    this.#worker = worker;
    worker.on('message', (answer: Answer) => this.#answered(worker, answer));
    worker.on('error', (e) => this.#fail(worker, `failed in the print shop's worker (${e.message})`));
    worker.on('exit', (code) => this.#fail(worker, `was lost: the print shop's worker stopped (exit code ${code})`));
    return worker;
  }

  #answered(worker: Worker, answer: Answer): void {
    const current = this.#current;
    // an answer of a worker already given up (past its deadline) is nobody's
    if (worker !== this.#worker || !current || current.order.id !== answer.id) return;
    this.#settleCurrent();
    const { order } = current;
    if ('bytes' in answer) order.resolve(Buffer.from(answer.bytes));
    else {
      const e = new Error(`laying out ${nameOf(order.job)} failed: ${answer.error.message}`);
      // the renderer's own stack, from the worker, is what says where it failed
      if (answer.error.stack) e.stack = `${e.message}\n  in the print shop's worker: ${answer.error.stack}`;
      order.reject(e);
    }
    this.#next();
  }

  /** The worker is lost (error, exit, deadline): the order it held fails, the next order gets a fresh worker. */
  #fail(worker: Worker, why: string): void {
    // an earlier worker's late 'exit' (after its 'error', or after close) changes nothing
    if (worker !== this.#worker) return;
    this.#worker = undefined;
    const current = this.#current;
    this.#settleCurrent();
    current?.order.reject(
      new Error(`${nameOf(current.order.job)} ${why}; the document was not made: ask for it again (the next document starts a fresh worker)`),
    );
    this.#next();
  }

  #settleCurrent(): void {
    if (this.#current) clearTimeout(this.#current.deadline);
    this.#current = undefined;
  }
}

/** The gateway's print shop: the API's routes print through it. */
export const printShop = new PrintShop();
