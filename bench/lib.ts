// Small helpers shared by the benchmark's processes: /proc sampling, percentiles, the CPU
// profile's self-time table, and the reading payload every device sends.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* Linux default */
}

export interface ProcSample {
  at: number;
  rssBytes: number;
  /** user + system CPU time of the process, seconds. */
  cpuSeconds: number;
}

/** VmRSS from /proc/<pid>/status and utime+stime from /proc/<pid>/stat. */
export function procSample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm may contain spaces: fields after the closing parenthesis, utime/stime are #14/#15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { at: Date.now(), rssBytes: rss ? Number(rss[1]) * 1024 : 0, cpuSeconds: (utime + stime) / clkTck };
}

/** Percentile by nearest rank of an unsorted list (copied, sorted). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

export function latencySummary(values: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  return { n: values.length, p50: round(percentile(values, 50)), p90: round(percentile(values, 90)), p99: round(percentile(values, 99)), max: round(values.length ? Math.max(...values) : NaN) };
}

export function round(x: number, digits = 1): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The reading one simulated barometer sends (constant value: always plausible). */
export function readingPayload(seq: number, ts: number): string {
  return `{"seq":${seq},"ts":${ts},"quantity":"pressure","value":1013.2,"unit":"hPa"}`;
}

/** A check that fails (error 0.5 hPa against the default MPE of 0.3 hPa): opens or repeats an out-of-tolerance alert. */
export function failingCheckPayload(seq: number, ts: number): string {
  return `{"seq":${seq},"ts":${ts},"indicated":1013.7,"reference":1013.2,"referenceUncertainty":0.04,"unit":"hPa","standardId":"REF-BENCH"}`;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  selfMs: number;
  /** Share of the sampled time, idle included. */
  selfPct: number;
  /** Share of the busy time (idle and program excluded): what the entry costs the event loop. */
  busyPct: number;
  fn: string;
  where: string;
}

/** Top entries by self time of a V8 .cpuprofile (`node --cpu-prof`), grouped by function and location. */
export function profileTop(path: string, n = 25, root = ''): { totalMs: number; busyMs: number; top: ProfileEntry[] } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, CpuProfileNode>();
  for (const node of prof.nodes) byId.set(node.id, node);
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0; // the delta after a sample is the time spent in it
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
  }
  const groups = new Map<string, { selfUs: number; fn: string; where: string }>();
  let total = 0;
  let busy = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    total += us;
    if (cf.functionName !== '(idle)' && cf.functionName !== '(program)') busy += us;
    const fn = cf.functionName || '(anonymous)';
    let url = cf.url.replace(/^file:\/\//, '');
    if (root && url.startsWith(root)) url = url.slice(root.length).replace(/^\//, '');
    url = url.replace(/^.*node_modules\//, 'node_modules/');
    const where = url ? `${url}:${cf.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const g = groups.get(key) ?? { selfUs: 0, fn, where };
    g.selfUs += us;
    groups.set(key, g);
  }
  const top = [...groups.values()]
    .sort((a, b) => b.selfUs - a.selfUs)
    .slice(0, n)
    .map((g) => ({
      selfMs: round(g.selfUs / 1000, 0),
      selfPct: round((100 * g.selfUs) / Math.max(total, 1), 1),
      busyPct: g.fn === '(idle)' || g.fn === '(program)' ? NaN : round((100 * g.selfUs) / Math.max(busy, 1), 1),
      fn: g.fn,
      where: g.where,
    }));
  return { totalMs: round(total / 1000, 0), busyMs: round(busy / 1000, 0), top };
}

/** Self time grouped by package / source area (node_modules/<pkg>, src/<dir>, node internals, GC, idle). */
export function profileByArea(path: string, root = ''): { area: string; selfPct: number }[] {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, CpuProfileNode>();
  for (const node of prof.nodes) byId.set(node.id, node);
  const areas = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const cf = byId.get(prof.samples[i])!.callFrame;
    let url = cf.url.replace(/^file:\/\//, '');
    if (root && url.startsWith(root)) url = url.slice(root.length).replace(/^\//, '');
    let area: string;
    if (!url) area = cf.functionName.startsWith('(') ? cf.functionName : '(native)';
    else if (url.startsWith('node:')) area = 'node internals';
    else if (url.includes('node_modules/')) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      area = `npm:${m ? m[1] : '?'}`;
    } else {
      const parts = url.split('/');
      area = parts.length > 2 ? `${parts[0]}/${parts[1]}` : url;
    }
    areas.set(area, (areas.get(area) ?? 0) + dt);
    total += dt;
  }
  return [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfPct: round((100 * us) / Math.max(total, 1), 1) }));
}
