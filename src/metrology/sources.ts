// Every figure of an instrument profile cites its source (devices/*.json `sources`, docs/metrology.md).
// The profile loader refuses a profile with an uncited figure, so a tolerance cannot enter without a source.
import type { Citation, InstrumentProfile, MpeRule, MpeRules } from './profile.ts';

/** One reference token of a JSON Pointer (RFC 6901: "~" → "~0", "/" → "~1"). */
export function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeToken(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The value at a JSON Pointer, or undefined when the path names nothing. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = unescapeToken(raw);
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function rulePaths(rule: MpeRule, at: string): string[] {
  const paths = [at];
  if (rule.kind === 'byClass' || rule.kind === 'byTestPoint' || rule.kind === 'scaleIntervals' || rule.kind === 'accuracyClass') {
    for (const name of Object.keys(rule.classes)) paths.push(`${at}/classes/${pointerToken(name)}`);
  }
  if (rule.kind === 'accuracyClass') paths.push(`${at}/defaultMmq`, `${at}/emin`);
  return paths;
}

function mpePaths(m: MpeRules, at: string): string[] {
  return [...rulePaths(m.verification, `${at}/verification`), ...(m.inService ? rulePaths(m.inService, `${at}/inService`) : [])];
}

/**
 * JSON Pointers of the figures a profile applies (MPE rules and each of their classes, range, resolution,
 * in-service factor, intervals, drift, plausibility, transaction-audit and seller-favour settings). Each must be covered
 * by a citation at that pointer or at an ancestor of it.
 */
export function figuresNeedingSources(p: InstrumentProfile): string[] {
  const paths: string[] = [];
  if (p.channels) {
    for (const [name, ch] of Object.entries(p.channels)) {
      const at = `/channels/${pointerToken(name)}`;
      paths.push(`${at}/range`, `${at}/resolution`, ...mpePaths(ch.mpe, `${at}/mpe`));
      if (ch.inServiceFactor !== undefined) paths.push(`${at}/inServiceFactor`);
    }
  } else {
    paths.push('/range', '/resolution', ...mpePaths(p.mpe!, '/mpe'));
  }
  paths.push('/inServiceFactor', '/verificationIntervalMonths', '/dueSoonDays', '/expectedIntervalSeconds', '/drift');
  if (p.verificationIntervalMonthsByConstruction) paths.push('/verificationIntervalMonthsByConstruction');
  if (p.plausibility) paths.push('/plausibility');
  if (p.transactionAudit) paths.push('/transactionAudit');
  if (p.referenceStandards) paths.push('/referenceStandards');
  if (p.sellerFavour) paths.push('/sellerFavour');
  for (const use of Object.keys(p.tradeUses ?? {})) paths.push(`/tradeUses/${pointerToken(use)}`);
  return paths;
}

function covers(key: string, path: string): boolean {
  return path === key || path.startsWith(`${key}/`);
}

/** The citations that apply to `path`: at it and at its ancestors, the most specific first. */
export function citationsFor(p: InstrumentProfile, path: string): Citation[] {
  return Object.keys(p.sources)
    .filter((k) => covers(k, path))
    .sort((a, b) => b.length - a.length)
    .flatMap((k) => p.sources[k]!);
}

/** The citations flagged unconfirmed, with the pointer they cite (for docs/metrology.md and the API). */
export function unconfirmedFigures(p: InstrumentProfile): { path: string; citation: Citation }[] {
  return Object.entries(p.sources).flatMap(([path, cs]) => cs.filter((c) => c.unconfirmed).map((citation) => ({ path, citation })));
}

/** Problems of a parsed profile's `sources`, as "  path: message" lines (empty when every figure is cited). */
export function sourceProblems(p: InstrumentProfile): string[] {
  const problems: string[] = [];
  const keys = Object.keys(p.sources);
  for (const key of keys) {
    if (resolvePointer(p, key) === undefined) problems.push(`  sources.${key}: names no figure of the profile`);
  }
  for (const path of figuresNeedingSources(p)) {
    if (!keys.some((k) => covers(k, path))) {
      problems.push(`  sources: ${path} cites no source; add "sources": {"${path}": {"source", "basis", "unconfirmed"}} (or cite an ancestor)`);
    }
  }
  return problems;
}
