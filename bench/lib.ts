// Small helpers shared by the benchmark's processes: /proc sampling, percentiles, the CPU
// profile's self-time table, and the reading payload every device sends.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { PACKAGE_ROOT } from '../src/config.ts';

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
  /** of it in the kernel (stime) */
  sysSeconds: number;
  /** Read and write system calls so far (`syscr`, `syscw` of /proc/<pid>/io; 0 where unreadable). */
  syscr: number;
  syscw: number;
}

/** The whole machine's CPU time so far from /proc/stat, seconds: busy (user, system, interrupts), idle (with I/O wait) and steal (taken by the hypervisor). */
export interface MachineCpu {
  busy: number;
  idle: number;
  steal: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / clkTck, idle: (idle + iowait) / clkTck, steal: (steal || 0) / clkTck };
}

/** Cores busy, idle and stolen on average between two samples. */
export function coresBetween(a: MachineCpu, b: MachineCpu, ms: number): { busy: number; idle: number; steal: number } {
  const s = ms / 1000;
  return { busy: round((b.busy - a.busy) / s, 2), idle: round((b.idle - a.idle) / s, 2), steal: round((b.steal - a.steal) / s, 2) };
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
  let syscr = 0;
  let syscw = 0;
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    syscr = Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0);
    syscw = Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0);
  } catch {
    /* another user's process */
  }
  return { at: Date.now(), rssBytes: rss ? Number(rss[1]) * 1024 : 0, cpuSeconds: (utime + stime) / clkTck, sysSeconds: stime / clkTck, syscr, syscw };
}

/**
 * CPU seconds so far of every process named `name` (`comm`), e.g. PostgreSQL's server and its
 * backends: those alive now, plus what exited children left in their parent's `cutime`/`cstime`.
 */
export function cpuSecondsOfProcesses(name: string): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
  }
  return ticks / clkTck;
}

/** Percentile by nearest rank of an unsorted list (copied, sorted). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

export function latencySummary(values: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : NaN),
  };
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

/** A time window of a profile, in µs of V8's clock (CLOCK_MONOTONIC on Linux, as process.hrtime). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/**
 * Calls `visit` with each sample's node and its duration (the delta after a sample is the time
 * spent in it), for the samples taken within `window` (all without one).
 */
function eachSample(prof: CpuProfile, window: ProfileWindow | undefined, visit: (node: CpuProfileNode, us: number) => void): void {
  const byId = new Map<number, CpuProfileNode>();
  for (const node of prof.nodes) byId.set(node.id, node);
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    visit(byId.get(prof.samples[i])!, prof.timeDeltas[i + 1] ?? 0);
  }
}

/** The profile's first and last sample times (µs, V8's clock). */
export function profileSpan(path: string): ProfileWindow {
  const prof = readProfile(path);
  return { fromUs: prof.startTime, toUs: prof.endTime };
}

function shortUrl(url: string, root: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (root && u.startsWith(root)) u = u.slice(root.length).replace(/^\//, '');
  return u;
}

/** Top entries by self time of a V8 .cpuprofile (`node --cpu-prof`), grouped by function and location; within `window` if given. */
export function profileTop(path: string, n = 25, root = '', window?: ProfileWindow): { totalMs: number; busyMs: number; top: ProfileEntry[] } {
  const groups = new Map<string, { selfUs: number; fn: string; where: string }>();
  let total = 0;
  let busy = 0;
  eachSample(readProfile(path), window, (node, us) => {
    const cf = node.callFrame;
    total += us;
    if (cf.functionName !== '(idle)' && cf.functionName !== '(program)') busy += us;
    const fn = cf.functionName || '(anonymous)';
    const url = shortUrl(cf.url, root).replace(/^.*node_modules\//, 'node_modules/');
    const where = url ? `${url}:${cf.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const g = groups.get(key) ?? { selfUs: 0, fn, where };
    g.selfUs += us;
    groups.set(key, g);
  });
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

/**
 * Inclusive share of the busy time of each function named (samples with it anywhere on the stack,
 * counted once per sample however deep it recurses), within `window` if given.
 */
export function profileInclusive(path: string, names: readonly string[], window?: ProfileWindow): { fn: string; busyPct: number; ms: number }[] {
  const prof = readProfile(path);
  const parent = new Map<number, CpuProfileNode>();
  for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node);
  const inclusive = new Map<string, number>(names.map((n) => [n, 0]));
  let busy = 0;
  eachSample(prof, window, (node, us) => {
    const fn = node.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') return;
    busy += us;
    const seen = new Set<string>();
    for (let n: CpuProfileNode | undefined = node; n; n = parent.get(n.id)) {
      const name = n.callFrame.functionName;
      if (inclusive.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, inclusive.get(name)! + us);
      }
    }
  });
  return names.map((fn) => ({ fn, busyPct: round((100 * inclusive.get(fn)!) / Math.max(busy, 1), 1), ms: round(inclusive.get(fn)! / 1000, 0) }));
}

/** The area of a profile node: node_modules/<pkg>, src/<dir>, node internals, GC, idle, program. */
function areaOf(cf: CpuProfileNode['callFrame'], root: string): string {
  const url = shortUrl(cf.url, root);
  if (!url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('node_modules/')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return `npm:${m ? m[1] : '?'}`;
  }
  const parts = url.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : url;
}

/** Self time grouped by package / source area (node_modules/<pkg>, src/<dir>, node internals, GC, idle); within `window` if given. */
export function profileByArea(path: string, root = '', window?: ProfileWindow): { area: string; selfPct: number; selfMs: number }[] {
  const areas = new Map<string, number>();
  let total = 0;
  eachSample(readProfile(path), window, (node, us) => {
    const area = areaOf(node.callFrame, root);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  });
  return [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, us]) => ({ area, selfPct: round((100 * us) / Math.max(total, 1), 1), selfMs: round(us / 1000, 0) }));
}

/**
 * CPU seconds of a process's event-loop thread and of all its other threads together
 * (/proc/<pid>/task/<tid>/stat). Node 20 names every thread `node`, so the others cannot be told
 * apart: V8's compiler and GC helpers, libuv's thread pool (fs, scrypt), the module loader's thread.
 */
export function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = { main: 0, other: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const label = tid === String(pid) ? 'main' : 'other';
      out[label] = round(out[label] + (Number(rest[11]) + Number(rest[12])) / clkTck, 2);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/**
 * The machine's dirty page cache and what the kernel is writing back (KiB, /proc/meminfo). A QoS 1
 * commit's fdatasync waits behind the kernel's writeback of every other process's data: with ~2 GiB
 * of dirty pages written back during a pair, the gateway's half fell to 37 % of the bare broker
 * (which syncs nothing) at 10.9 µs per message, the "slow mode" of earlier rounds.
 */
export function dirtyKiB(): { dirty: number; writeback: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { dirty: kib('Dirty'), writeback: kib('Writeback') };
}

/** Writes the machine's dirty pages to disk and waits (`sync`): a pair then does not inherit other work's writeback. */
export function flushDirtyPages(): void {
  execFileSync('sync');
}

/** Seconds all threads of a process have waited on a run queue (runnable, not on a CPU), from each task's schedstat. */
export function runQueueSeconds(pid: number): number {
  let total = 0;
  for (const text of taskFiles(pid, 'schedstat')) total += Number(text.trim().split(/\s+/)[1]) / 1e9;
  return total;
}

/** Threads of each process waiting for a CPU, on average, between two readings of runQueueSeconds `ms` apart. */
export function runQueueThreads(before: number[], after: number[], ms: number): number[] {
  return after.map((x, i) => round((x - before[i]) / (ms / 1000), 2));
}

/** System calls of a process per 100 messages between two samples: socket and file reads, and writes. */
export function syscallsPer100(a: ProcSample, b: ProcSample, messages: number): { read: number; write: number } {
  return { read: round(((b.syscr - a.syscr) * 100) / messages, 1), write: round(((b.syscw - a.syscw) * 100) / messages, 1) };
}

/** The text of /proc/<pid>/task/<tid>/<file> of each thread (threads that ended meanwhile left out). */
function taskFiles(pid: number, file: string): string[] {
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const tid of tids) {
    try {
      out.push(readFileSync(`/proc/${pid}/task/${tid}/${file}`, 'utf8'));
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/**
 * The event-loop thread's time on a CPU and waiting for one (run queue), seconds, from
 * /proc/<pid>/task/<pid>/schedstat. Over a window, wall − both is the time it slept: idle in
 * epoll, or blocked in a system call (an fsync).
 */
export function mainThreadSched(pid: number): { at: number; cpu: number; runQueue: number } {
  try {
    const [cpu, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { at: Date.now(), cpu: cpu / 1e9, runQueue: wait / 1e9 };
  } catch {
    return { at: Date.now(), cpu: NaN, runQueue: NaN };
  }
}

/** mainThreadSched between two samples: seconds on a CPU, waiting for one, and asleep. */
export function mainThreadBetween(
  a: ReturnType<typeof mainThreadSched>,
  b: ReturnType<typeof mainThreadSched>,
): { cpu: number; runQueue: number; asleep: number } {
  const cpu = b.cpu - a.cpu;
  const runQueue = b.runQueue - a.runQueue;
  return { cpu: round(cpu, 2), runQueue: round(runQueue, 2), asleep: round((b.at - a.at) / 1000 - cpu - runQueue, 2) };
}

/** b − a per thread name (threads that appeared in between count from zero). */
export function threadCpuBetween(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) out[k] = round(v - (a[k] ?? 0), 2);
  return out;
}

/** The commit measured (`-dirty` when src/ or bench/ differ from it), for the run's record. */
export function benchCommit(): string {
  try {
    const c = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${c}-dirty` : c;
  } catch {
    return 'unknown';
  }
}

/** The machine a run measured, with the load at its start (`loadAvgAtEnd` filled in at the end). */
export function machineFacts() {
  return {
    hostname: hostname(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    loadAvgAtStart: loadavg().map((x) => round(x, 2)),
    loadAvgAtEnd: [] as number[],
  };
}
