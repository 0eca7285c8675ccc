// Summarises a V8 CPU profile (`node --cpu-prof`, or the .cpuprofile `npm run bench -- --profile`
// keeps): the top self-time entries and self time by area, over the whole profile or a window,
// and with --per-second where each second's busy time went (what a cold start spends its first
// seconds on).
//
//   node bin/run.mjs bench/profile-top.ts <file.cpuprofile> [--from-ms 0] [--to-ms end] [--top 25] [--per-second]
//     [--inclusive fn,fn…]   (the share of busy time with each function named on the stack)
//
// Times are ms from the profile's start (the process's start, under --cpu-prof).
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/config.ts';
import { profileByArea, profileInclusive, profileSpan, profileTop, round } from './lib.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'from-ms': { type: 'string' },
    'to-ms': { type: 'string' },
    top: { type: 'string', default: '25' },
    'per-second': { type: 'boolean', default: false },
    areas: { type: 'string', default: '7' },
    inclusive: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: node bin/run.mjs bench/profile-top.ts <file.cpuprofile> [--from-ms N] [--to-ms N] [--top 25] [--per-second]\n');
  process.exit(2);
}

const span = profileSpan(file);
const fromUs = span.fromUs + Number(opt['from-ms'] ?? 0) * 1000;
const toUs = opt['to-ms'] === undefined ? span.toUs : span.fromUs + Number(opt['to-ms']) * 1000;
const window = { fromUs, toUs };
const lines: string[] = [];
const top = profileTop(file, Number(opt.top), PACKAGE_ROOT, window);
lines.push(
  `${file}: ${round((span.toUs - span.fromUs) / 1000, 0)} ms profiled; window ${round((fromUs - span.fromUs) / 1000, 0)}–${round((toUs - span.fromUs) / 1000, 0)} ms: ${top.totalMs} ms sampled, ${top.busyMs} ms busy`,
);
lines.push('top self time, % of all / % of busy:');
for (const e of top.top)
  lines.push(
    `  ${String(e.selfPct).padStart(5)} % ${Number.isNaN(e.busyPct) ? '       ' : `${String(e.busyPct).padStart(5)} %`}  ${String(e.selfMs).padStart(7)} ms  ${e.fn}  ${e.where}`,
  );
lines.push('by area:');
for (const a of profileByArea(file, PACKAGE_ROOT, window).slice(0, 15))
  lines.push(`  ${String(a.selfPct).padStart(5)} %  ${String(a.selfMs).padStart(7)} ms  ${a.area}`);

if (opt.inclusive) {
  lines.push('inclusive share of busy time (samples with the function on the stack):');
  for (const e of profileInclusive(file, opt.inclusive.split(','), window))
    lines.push(`  ${String(e.busyPct).padStart(5)} %  ${String(e.ms).padStart(7)} ms  ${e.fn}`);
}

if (opt['per-second']) {
  lines.push('', 'per second of the window: busy ms, then the largest areas (ms)');
  for (let s = fromUs; s < toUs; s += 1_000_000) {
    const w = { fromUs: s, toUs: Math.min(s + 1_000_000, toUs) };
    const areas = profileByArea(file, PACKAGE_ROOT, w);
    const busy = areas.filter((a) => a.area !== '(idle)' && a.area !== '(program)').reduce((n, a) => n + a.selfMs, 0);
    const parts = areas
      .filter((a) => a.area !== '(idle)')
      .slice(0, Number(opt.areas))
      .map((a) => `${a.area} ${a.selfMs}`);
    lines.push(`  ${String(round((s - span.fromUs) / 1000, 0)).padStart(6)} ms  busy ${String(busy).padStart(4)}  ${parts.join(', ')}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
