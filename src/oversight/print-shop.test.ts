// The print shop through its real worker thread (started from inside vitest, so its entry's own tsx
// registration is what loads the renderers): the documents it answers are those the renderers make
// on the main thread, a failed or lost document fails its request alone, and, what an inspector's
// download must not do any more, a 2 000-check evidence file leaves the event loop running.
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ADMIN, apiUnderTest } from '../../test/support/api.ts';
import { readPdf } from '../../test/support/pdf-text.ts';
import { renderRecordPdf, type RecordContext } from '../inspections/record-pdf.ts';
import type { InspectionRecord } from '../inspections/types.ts';
import { buildFigures, hrefWith } from './figures.ts';
import { instrumentEvidence, type InstrumentEvidence } from './instrument-evidence.ts';
import { renderInstrumentEvidencePdf } from './instrument-evidence-pdf.ts';
import { labeller } from './labels.ts';
import { PrintShop, PrintShopBusyError, printShop } from './print-shop.ts';
import { figuresPdf } from './render-pdf.ts';
import { figuresXlsx } from './render-xlsx.ts';
import { sectionProviders } from './sections.ts';
import { SMALL_FLEET } from './test-fleet.ts';
import { ALERT, CHECK, TO, evidenceFacts } from './evidence-fixtures.ts';

// The evidence file of instrument-evidence.test.ts (01/04/2025 to 31/03/2026 in Hà Nội), its check
// repeated an hour apart (closer for more than the year holds): `checks` of them, with a standard, a
// certificate and an alert.
function evidence(checks: number): InstrumentEvidence {
  // the year's facts, its check repeated within the period, the alert of the period only
  const apart = Math.min(3_600_000, Math.floor((TO - CHECK.ts) / checks));
  const facts = evidenceFacts({
    checks: Array.from({ length: checks }, (_, i) => ({ ...CHECK, seq: 7 + i, ts: CHECK.ts + i * apart, error: 0.146 - (i % 7) * 0.01 })),
    alerts: [ALERT],
  });
  return instrumentEvidence(facts);
}

/** An open record as record-pdf.test.ts makes them: one dispenser examined, named through the context's Maps. */
const RECORD: InspectionRecord = {
  id: 'BBKT-2026-0007',
  tenant: 'cxd',
  region: 'VN-BG',
  startedAt: '2026-03-15T02:30:00.000Z',
  inspectors: ['Nguyễn Văn Hùng'],
  state: 'open',
  openedBy: 'inspector:Hùng:t',
  createdAt: '2026-03-15T02:30:00.000Z',
  items: [
    {
      id: 1,
      inspection: 'BBKT-2026-0007',
      device: 'fd-1',
      facts: {
        sealsIntact: true,
        verificationMarkValid: true,
        certificateValid: true,
        priceDisplayCorrect: true,
        verification: { state: 'valid', validUntil: '2026-12-01T00:00:00.000Z' },
      },
      verdict: 'pass',
      reasons: [],
      checks: [{ ...CHECK, seq: -1, decision: 'pass' }],
      recordedAt: '2026-03-15T03:00:00.000Z',
      recordedBy: 'inspector:Hùng:t',
    },
  ],
  findings: [],
  amendments: [],
};
const CONTEXT: RecordContext = {
  lang: 'vi',
  tenant: { id: 'cxd', name: 'Cửa hàng xăng dầu Đức Thắng', region: 'VN-BG' },
  devices: new Map([['fd-1', { type: 'dispenser-x', serial: 'SN-77-MAP', site: 'Trụ 3' }]]),
  typeNames: new Map([['dispenser-x', 'Cột đo kiểu X']]),
  standings: new Map([['dispenser-x', 'verification' as const]]),
  timeZone: 'Asia/Ho_Chi_Minh',
  generatedAt: new Date('2026-03-15T05:00:00Z'),
};

const FIGURES = buildFigures(
  sectionProviders(),
  { facts: SMALL_FLEET, ...labeller('vi'), live: true, href: hrefWith(null) },
  Date.parse('2026-03-15T05:00:00Z'),
);
const PERIOD = { from: '2025-04-01', to: '2026-03-15' };
const LETTERHEAD = { authority: 'Sở Khoa học và Công nghệ tỉnh Bắc Ninh', number: '12/BC-SKHCN', signerTitle: ['KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'] };

/** What a reader of a PDF gets from it: its pages and its text, not its creation date. */
const reading = (pdf: Buffer) => {
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const { pages, lines } = readPdf(pdf);
  return { pages, lines };
};

async function sheets(xlsx: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Uint8Array.from(xlsx).buffer);
  return wb.worksheets.map((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    return { name: ws.name, rows };
  });
}

/**
 * Runs `work` while a 5 ms interval ticks on the main thread: how long the work took, the largest
 * gap between two ticks (or between the start and the first tick, or the last tick and the end) and
 * how many times the interval ran.
 */
async function whileTicking<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; largestGap: number; ticks: number }> {
  let last = performance.now();
  let largestGap = 0;
  let ticks = 0;
  const gap = () => {
    const t = performance.now();
    largestGap = Math.max(largestGap, t - last);
    last = t;
  };
  const timer = setInterval(() => {
    ticks++;
    gap();
  }, 5);
  const start = performance.now();
  last = start;
  try {
    const result = await work();
    gap();
    return { result, ms: performance.now() - start, largestGap, ticks };
  } finally {
    clearInterval(timer);
  }
}

// one worker for the tests that leave it well (its start is a second or more on a busy machine); those that kill theirs have their own
const shop = new PrintShop();
afterAll(() => shop.close());

describe('the print shop', () => {
  it('answers with the documents the renderers make on the main thread', async () => {
    const file = evidence(40);
    expect(reading(await shop.evidenceFile(file))).toEqual(reading(await renderInstrumentEvidencePdf(file)));

    // the record's Maps and Date cross to the worker: the device's serial and its type's name are printed from the Maps
    const record = reading(await shop.inspectionRecord(RECORD, CONTEXT));
    expect(record).toEqual(reading(await renderRecordPdf(RECORD, CONTEXT)));
    expect(record.lines.join('\n')).toContain('SN-77-MAP');
    expect(record.lines.join('\n')).toContain('Cột đo kiểu X');

    const options = { period: PERIOD, letterhead: LETTERHEAD };
    const report = reading(await shop.periodicReportPdf(FIGURES, 'vi', options));
    expect(report).toEqual(reading(await figuresPdf(FIGURES, 'vi', options)));
    expect(report.lines).toContain('SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH');

    const workbook = await sheets(await shop.periodicReportXlsx(FIGURES, 'vi', PERIOD, LETTERHEAD));
    expect(workbook).toEqual(await sheets(await figuresXlsx(FIGURES, 'vi', PERIOD, LETTERHEAD)));
    expect(workbook.length).toBeGreaterThan(1);
  });

  it("fails a document whose renderer fails, with the renderer's reason, and lays out the next", async () => {
    const broken = { ...evidence(1), sections: null } as unknown as InstrumentEvidence;
    await expect(shop.evidenceFile(broken)).rejects.toThrow(/^laying out an instrument's evidence file \(PDF\) failed: .*sections/);
    expect(reading(await shop.evidenceFile(evidence(3))).pages).toBeGreaterThanOrEqual(1);
  });

  it('refuses an input that cannot cross to the worker, naming the document', async () => {
    const withFunction = { ...RECORD, describe: () => 'a method' } as unknown as InspectionRecord;
    await expect(shop.inspectionRecord(withFunction, CONTEXT)).rejects.toThrow(/^an inspection record \(PDF\) could not be sent to the print shop's worker: /);
    expect(reading(await shop.inspectionRecord(RECORD, CONTEXT)).pages).toBeGreaterThanOrEqual(1);
  });

  it('fails the document in hand when the worker dies, and lays out the next on a fresh worker', async () => {
    const shop = new PrintShop();
    // a document queued behind the crash is not lost with it
    const crash = shop.print({ document: 'crash-drill', exitCode: 7 });
    const behind = shop.evidenceFile(evidence(3));
    await expect(crash).rejects.toThrow(
      "a crash drill was lost: the print shop's worker stopped (exit code 7); the document was not made: ask for it again (the next document starts a fresh worker)",
    );
    expect(reading(await behind).pages).toBeGreaterThanOrEqual(1);
    // and again, now that it is the worker's second life
    await expect(shop.print({ document: 'crash-drill', exitCode: 1 })).rejects.toThrow(/exit code 1/);
    expect(reading(await shop.evidenceFile(evidence(3))).pages).toBeGreaterThanOrEqual(1);
    await shop.close();
  });

  it('stops a document past its deadline, failing it with why', async () => {
    // the first document's deadline includes the worker's start: 50 ms is never enough
    const shop = new PrintShop({ deadlineMs: 50 });
    await expect(shop.evidenceFile(evidence(200))).rejects.toThrow(
      "an instrument's evidence file (PDF) took longer than 50 ms (the print shop's deadline for one document) and was stopped; the document was not made",
    );
    await shop.close();
  });

  it('fails what it holds when closed, and opens again for the next document', async () => {
    const shop = new PrintShop();
    const held = expect(shop.evidenceFile(evidence(3))).rejects.toThrow(
      "the print shop was closed before an instrument's evidence file (PDF) was laid out; the document was not made",
    );
    await shop.close();
    await held;
    expect(reading(await shop.evidenceFile(evidence(3))).pages).toBeGreaterThanOrEqual(1);
    await shop.close();
  });

  it('refuses a document at once when the worker is busy and as many wait as it allows, and takes one again once they are done', async () => {
    const small = new PrintShop({ maxWaiting: 2 });
    const queued = [small.evidenceFile(evidence(50)), small.evidenceFile(evidence(3)), small.evidenceFile(evidence(3))];
    // one laid out, two waiting: the fourth is refused, not queued
    const refused = small.evidenceFile(evidence(3));
    await expect(refused).rejects.toBeInstanceOf(PrintShopBusyError);
    await expect(refused).rejects.toThrow(
      "the print shop is laying out a document and 2 more wait (at most 2): an instrument's evidence file (PDF) was not queued; ask again in a few seconds",
    );
    for (const q of queued) expect(reading(await q).pages).toBeGreaterThanOrEqual(1);
    expect(reading(await small.evidenceFile(evidence(3))).pages).toBeGreaterThanOrEqual(1);
    await small.close();
  });

  it('keeps the event loop running while it lays out an evidence file of 2 000 checks or more', async () => {
    // the worker's start (tsx, pdfkit, the fonts) is the first document's, not this one's
    await shop.evidenceFile(evidence(1));

    // A file long enough for a stall to show on any machine: 2 000 checks, doubled until its layout on
    // the main thread holds the loop for 800 ms or more (a fast machine lays 2 000 out in less).
    let checks = 2000;
    let file = evidence(checks);
    let inThread = await whileTicking(() => renderInstrumentEvidencePdf(file));
    while (inThread.largestGap < 800 && checks < 32_000) {
      checks *= 2;
      file = evidence(checks);
      inThread = await whileTicking(() => renderInstrumentEvidencePdf(file));
    }
    const figures = (r: { ms: number; largestGap: number; ticks: number }) =>
      `${Math.round(r.ms)} ms, largest gap ${Math.round(r.largestGap)} ms, ${r.ticks} ticks`;
    const inMain = `${checks} checks on the main thread: ${figures(inThread)}`;
    // on the main thread the layout held the loop for most of its time: the measure sees a stall
    expect(inThread.largestGap, inMain).toBeGreaterThan(inThread.ms / 2);

    const inWorker = await whileTicking(() => shop.evidenceFile(file));
    expect(reading(inWorker.result)).toEqual(reading(inThread.result));
    // On the worker the 5 ms ticks went on all along the same layout: no wait between two comes near the
    // stall it made on the main thread (a quarter of it, some 200 ms or more, leaves a loaded machine's
    // scheduling and collections room), and the loop turned again and again.
    const both = `${inMain}; on the worker: ${figures(inWorker)}`;
    expect(inWorker.largestGap, both).toBeLessThan(inThread.largestGap / 4);
    expect(inWorker.ticks, both).toBeGreaterThanOrEqual(10);
  });

  it('answers 500 to a download whose worker died, as to a failed layout, and the next download with the file', async () => {
    const api = apiUnderTest({ now: () => new Date('2026-03-15T05:00:00Z') });
    try {
      expect((await api.call('POST', '/api/v1/tenants', { body: { id: 'north', name: 'Công ty Xăng dầu Bắc', region: 'VN-HN' } })).status).toBe(201);
      const device = { id: 'fd-1', tenant: 'north', type: 'fuel-dispenser', serial: 'SN-0042', class: '0.5' };
      expect((await api.call('POST', '/api/v1/devices', { body: device })).status).toBe(201);
      // the route's own print shop, its worker dying with this document
      const dying = new PrintShop();
      vi.spyOn(printShop, 'evidenceFile').mockImplementationOnce(() => dying.print({ document: 'crash-drill', exitCode: 9 }));
      const lost = await api.call('GET', '/api/v1/devices/fd-1/evidence');
      expect(lost.status).toBe(500);
      expect(lost.body).toEqual({ error: { code: 'internal', message: 'internal error; see the gateway log' } });
      const again = await api.app.request('/api/v1/devices/fd-1/evidence', { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(again.status).toBe(200);
      expect(reading(Buffer.from(await again.arrayBuffer())).lines).toContain('HỒ SƠ ĐẢM BẢO ĐO LƯỜNG CỦA PHƯƠNG TIỆN ĐO');
      await dying.close();
      // a full print shop: 503 with when to ask again, not a 500
      vi.spyOn(printShop, 'evidenceFile').mockImplementationOnce(() =>
        Promise.reject(new PrintShopBusyError('the print shop is laying out a document and 8 more wait')),
      );
      const busy = await api.app.request('/api/v1/devices/fd-1/evidence', { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('10');
      expect(await busy.json()).toEqual({ error: { code: 'print-shop-busy', message: 'the print shop is laying out a document and 8 more wait' } });
    } finally {
      vi.restoreAllMocks();
      api.close();
      await printShop.close();
    }
  });
});
