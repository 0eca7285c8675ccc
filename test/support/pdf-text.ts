// Reads a PDF as pdfkit writes it, far enough for tests: its page count, its fonts, and the text
// shown on its pages. The text is recovered as a viewer's "copy text" does: each shown string's
// glyph codes looked up in its font's ToUnicode map. pdfkit writes plain objects (no object
// streams, no cross-reference streams) whose streams are raw or Flate-compressed, so zlib and a
// few regular expressions are enough; this is not a general PDF parser.
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const out = new Map<number, PdfObject>();
  const re = /(\d+) 0 obj\s*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endobj', start);
    const body = text.slice(start, end);
    const s = /stream\r?\n/.exec(body);
    const dict = s ? body.slice(0, s.index) : body;
    let stream: Buffer | undefined;
    if (s) {
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const from = start + s.index + s[0].length;
      stream = pdf.subarray(from, from + length);
      if (/\/Filter \/FlateDecode/.test(dict)) stream = inflateSync(stream);
    }
    out.set(Number(m[1]), { dict, stream });
    re.lastIndex = end;
  }
  return out;
}

/** A ToUnicode CMap's code → text (bfchar and bfrange, both forms). */
function toUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  // a hex string may hold spaces (pdfkit writes a ligature's text as <0066 0069>)
  const hexText = (h: string) => String.fromCodePoint(...(h.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((x) => parseInt(x, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, src, dst] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(parseInt(src, 16), hexText(dst));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, dst] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F\s]+>)/g)) {
      const first = parseInt(lo, 16);
      const last = parseInt(hi, 16);
      if (dst.startsWith('[')) {
        [...dst.matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach((d, i) => {
          map.set(first + i, hexText(d[1]));
        });
      } else {
        const base = parseInt(dst.slice(1, -1), 16);
        for (let c = first; c <= last; c++) map.set(c, String.fromCodePoint(base + c - first));
      }
    }
  }
  return map;
}

export interface PdfContent {
  pages: number;
  /** BaseFont names of the fonts, e.g. "ABCDEF+DejaVuSans". */
  fonts: string[];
  /** One entry per shown string (a line of text, as pdfkit writes them), in page order. */
  lines: string[];
  /** The lines joined by newlines. */
  text: string;
}

export function readPdf(pdf: Buffer): PdfContent {
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('not a PDF');
  const objs = objects(pdf);
  const fonts: string[] = [];
  const cmapOfFont = new Map<number, Map<number, string>>();
  for (const [id, o] of objs) {
    if (!/\/Type \/Font\b/.test(o.dict)) continue;
    const base = /\/BaseFont \/(\S+)/.exec(o.dict)?.[1];
    if (base && !fonts.includes(base)) fonts.push(base);
    const ref = /\/ToUnicode (\d+) 0 R/.exec(o.dict)?.[1];
    const cmap = ref ? objs.get(Number(ref))?.stream : undefined;
    if (cmap) cmapOfFont.set(id, toUnicode(cmap.toString('latin1')));
  }
  // resource name (/F1) → font object
  const fontByName = new Map<string, number>();
  for (const o of objs.values()) {
    const block = /\/Font\s*<<([\s\S]*?)>>/.exec(o.dict)?.[1];
    if (block) for (const [, name, ref] of block.matchAll(/\/(\S+)\s+(\d+) 0 R/g)) fontByName.set(name, Number(ref));
  }
  // pages in order: the /Kids of the page tree root
  const root = [...objs.values()].find((o) => /\/Type \/Pages\b/.test(o.dict) && !/\/Parent/.test(o.dict));
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(root?.dict ?? '')?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  const lines: string[] = [];
  for (const page of kids) {
    const contents = /\/Contents (\d+) 0 R/.exec(objs.get(page)?.dict ?? '')?.[1];
    const ops = objs.get(Number(contents))?.stream?.toString('latin1') ?? '';
    let cmap: Map<number, string> | undefined;
    for (const m of ops.matchAll(/\/(\S+) [\d.]+ Tf|\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
      if (m[1]) {
        cmap = cmapOfFont.get(fontByName.get(m[1]) ?? -1);
        continue;
      }
      const hex = m[2] !== undefined ? [...m[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((x) => x[1]).join('') : m[3];
      lines.push((hex.match(/.{4}/g) ?? []).map((code) => cmap?.get(parseInt(code, 16)) ?? '\uFFFD').join(''));
    }
  }
  return { pages: kids.length, fonts, lines, text: lines.join('\n') };
}
