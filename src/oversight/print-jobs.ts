// The printed documents as jobs for the print shop (print-shop.ts): each job is the arguments of one
// renderer, as plain data that crosses to the print shop's worker thread by structured clone, and
// layOut runs the renderer there. The renderers stay plain functions (their tests call them directly).
//
// What each job carries, and why structured clone keeps it whole:
// - evidence file: InstrumentEvidence, plain strings only (instrument-evidence.ts says so);
// - periodic report: FleetFigures, plain objects, strings and numbers (figures.ts builds them from
//   the facts; the functions of FiguresContext stay behind), the period as days, the letterhead
//   fields as the route parsed them (strings, arrays of strings);
// - inspection record: InspectionRecord as the store reads it (strings, numbers, booleans; an
//   amendment's change is JSON), RecordContext's Maps and its Date, which structured clone carries
//   as Maps and a Date.
// None holds a function or a class instance with behaviour, so nothing is converted at the boundary;
// a job that did would be refused when it is sent (print-shop.ts names the document).
import type { RecordContext } from '../inspections/record-pdf.ts';
import type { InspectionRecord } from '../inspections/types.ts';
import type { FleetFigures } from './figures.ts';
import type { InstrumentEvidence } from './instrument-evidence.ts';
import type { Lang } from './labels.ts';
import type { LetterheadRequest } from './letterhead.ts';
import type { PdfOptions } from './render-pdf.ts';

export type PrintJob =
  | { document: 'evidence-file'; evidence: InstrumentEvidence }
  | { document: 'periodic-report-pdf'; figures: FleetFigures; lang: Lang; options: PdfOptions }
  | { document: 'periodic-report-xlsx'; figures: FleetFigures; lang: Lang; period: { from: string; to: string }; letterhead?: LetterheadRequest }
  | { document: 'inspection-record'; record: InspectionRecord; context: RecordContext };

/**
 * Lays out the job's document with its renderer; resolves with the bytes. Each renderer is imported
 * with its first document: the worker's start (the first document's wait) loads only what that
 * document needs (the evidence file neither exceljs nor the record's units, UCUM).
 */
export async function layOut(job: PrintJob): Promise<Buffer> {
  switch (job.document) {
    case 'evidence-file':
      return (await import('./instrument-evidence-pdf.ts')).renderInstrumentEvidencePdf(job.evidence);
    case 'periodic-report-pdf':
      return (await import('./render-pdf.ts')).figuresPdf(job.figures, job.lang, job.options);
    case 'periodic-report-xlsx':
      return (await import('./render-xlsx.ts')).figuresXlsx(job.figures, job.lang, job.period, job.letterhead);
    case 'inspection-record':
      return (await import('../inspections/record-pdf.ts')).renderRecordPdf(job.record, job.context);
    default:
      // only a job from outside the types (another version of print-shop.ts) gets here
      throw new Error(`the print shop lays out no document "${(job as { document: unknown }).document}"`);
  }
}
