// @ts-check
// Inline SVG charts: check errors against the ±MPE band and the guard band ±(MPE − U) (both
// follow each check's own MPE and U, which can differ per test point or range); the overview's
// bars (counts by state) and month-by-month lines.
import { h, s } from './dom.js';
import { t, label, fmtDate, fmtDateTime, fmtMonth, fmtNum, fmtSigned, fmtU, fmtUnit } from './i18n.js';
import { DECISIONS } from './vocabulary.js';

const M = { l: 56, r: 14, t: 14, b: 36 };

/** Round values between lo and hi for the axis, about n of them. @param {number} lo @param {number} hi */
function niceTicks(lo, hi, n = 5) {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => span / st <= n) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * @param {Array<{ts: string, error: number, mpe: number, uncertainty: number, decision: string, seq?: number, unit?: string}>} checks
 * @param {{device: string, width?: number, zone?: string}} opts width in CSS pixels of the space it will fill (so labels keep their size on a phone);
 *   zone: the IANA zone of the instrument's enterprise, whose clock the times are shown on (the gateway's default otherwise)
 * @returns {HTMLElement} a <figure> with the SVG, a legend and a caption (or a note when there is nothing to draw)
 */
// Long on purpose: one SVG drawn top to bottom (axes, bands, points, labels); split, each part would need the scales passed around.
export function checksChart(checks, { device, width = 720, zone }) {
  const W = Math.round(Math.min(900, Math.max(300, width)));
  const H = Math.round(Math.min(300, Math.max(220, W * 0.42)));
  const pts = checks
    .filter((c) => Number.isFinite(c.error) && Number.isFinite(c.mpe))
    .map((c) => ({ ...c, x: Date.parse(c.ts), guard: Math.max(0, c.mpe - (Number.isFinite(c.uncertainty) ? c.uncertainty : 0)) }))
    .filter((c) => Number.isFinite(c.x))
    .sort((a, b) => a.x - b.x);
  if (pts.length === 0) return h('p', { class: 'muted' }, t('noChecks'));

  const unit = fmtUnit(pts.find((p) => p.unit)?.unit);
  let t0 = pts[0].x;
  let t1 = pts[pts.length - 1].x;
  const pad = Math.max((t1 - t0) * 0.04, 3600_000);
  t0 -= pad;
  t1 += pad;
  const ymax = Math.max(...pts.map((p) => Math.max(Math.abs(p.error), p.mpe))) * 1.2 || 1;
  /** @param {number} v */
  const X = (v) => M.l + ((v - t0) / (t1 - t0)) * (W - M.l - M.r);
  /** @param {number} v */
  const Y = (v) => M.t + ((ymax - v) / (2 * ymax)) * (H - M.t - M.b);

  /** @typedef {(typeof pts)[number]} Point */
  // step functions of the limits: each check's limit holds until the next check
  /** @param {(p: Point) => number} f @param {1 | -1} sign */
  const stepPath = (f, sign) => {
    /** @type {string[]} */
    const segs = [];
    pts.forEach((p, i) => {
      const xa = i === 0 ? X(t0) : X(p.x);
      const xb = i === pts.length - 1 ? X(t1) : X(pts[i + 1].x);
      const y = Y(sign * f(p));
      segs.push(`${i === 0 ? 'M' : 'L'}${xa.toFixed(1)},${y.toFixed(1)}`, `L${xb.toFixed(1)},${y.toFixed(1)}`);
    });
    return segs.join(' ');
  };
  /** @param {(p: Point) => number} f */
  const band = (f) => {
    const top = stepPath(f, 1);
    const bottom = [];
    for (let i = pts.length - 1; i >= 0; i--) {
      const p = pts[i];
      const xa = i === 0 ? X(t0) : X(p.x);
      const xb = i === pts.length - 1 ? X(t1) : X(pts[i + 1].x);
      const y = Y(-f(p));
      bottom.push(`L${xb.toFixed(1)},${y.toFixed(1)}`, `L${xa.toFixed(1)},${y.toFixed(1)}`);
    }
    return `${top} ${bottom.join(' ')} Z`;
  };

  const yTicks = niceTicks(-ymax, ymax, 8);
  const xTickCount = Math.min(W < 480 ? 2 : 4, pts.length);
  const xTicks =
    xTickCount <= 1 ? [pts[0].x] : Array.from({ length: xTickCount }, (_, i) => pts[0].x + ((pts[pts.length - 1].x - pts[0].x) * i) / (xTickCount - 1));
  const spanDays = (pts[pts.length - 1].x - pts[0].x) / 86400_000;
  /** @param {number} v */
  const xLabel = (v) => (spanDays < 2 ? fmtDateTime(new Date(v).toISOString(), zone) : fmtDate(new Date(v).toISOString(), zone));

  const titleId = `chart-title-${Math.random().toString(36).slice(2, 8)}`;
  const descId = `${titleId}-d`;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, t('chartTitle', { device })),
    s('desc', { id: descId }, t('chartDesc', { n: pts.length, from: fmtDateTime(pts[0].ts, zone), to: fmtDateTime(pts[pts.length - 1].ts, zone) })),
    s('rect', { class: 'zone-out', x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }),
    s('path', { class: 'zone-mpe', d: band((p) => p.mpe) }),
    s('path', { class: 'zone-guard', d: band((p) => p.guard) }),
    yTicks.map((v) => [
      s('line', { class: v === 0 ? 'axis-zero' : 'grid', x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v) }),
      s('text', { class: 'tick', x: M.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtSigned(v, 3)),
    ]),
    xTicks.map((v, i) =>
      s(
        'text',
        {
          class: 'tick',
          x: X(v),
          y: H - M.b + 18,
          'text-anchor': xTicks.length === 1 ? 'middle' : i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle',
        },
        xLabel(v),
      ),
    ),
    s(
      'text',
      { class: 'axis-label', x: 12, y: M.t + (H - M.t - M.b) / 2, transform: `rotate(-90 12 ${M.t + (H - M.t - M.b) / 2})`, 'text-anchor': 'middle' },
      `${t('errorValue')}${unit ? ` (${unit})` : ''}`,
    ),
    s('path', { class: 'line-mpe', d: stepPath((p) => p.mpe, 1) }),
    s('path', { class: 'line-mpe', d: stepPath((p) => p.mpe, -1) }),
    s('path', { class: 'line-guard', d: stepPath((p) => p.guard, 1) }),
    s('path', { class: 'line-guard', d: stepPath((p) => p.guard, -1) }),
    pts.length > 1 ? s('polyline', { class: 'line-error', points: pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.error).toFixed(1)}`).join(' ') }) : null,
    pts.map((p) =>
      s(
        'circle',
        { class: `pt dec-${p.decision}`, cx: X(p.x).toFixed(1), cy: Y(p.error).toFixed(1), r: 4.5 },
        s(
          'title',
          {},
          `${fmtDateTime(p.ts, zone)} — ${t('errorValue')} ${fmtSigned(p.error)} ${unit}, ${t('mpeShort')} ±${fmtNum(p.mpe)}, ${t('uncertaintyShort')} ${fmtU(p.uncertainty)} — ${label('decision', p.decision)}`,
        ),
      ),
    ),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'key key-mpe', 'aria-hidden': 'true' }), t('chartLegendMpe')),
    h('li', {}, h('span', { class: 'key key-guard', 'aria-hidden': 'true' }), t('chartLegendGuard')),
    DECISIONS.map((d) => h('li', {}, h('span', { class: `key dot dec-${d}`, 'aria-hidden': 'true' }), label('decision', d))),
  );
  return h('figure', { class: 'chart-wrap' }, svg, legend);
}

/**
 * Horizontal bars, one per item, each a link to the list it counts (when it has one): for counts
 * a person compares at a glance (instruments by verification state).
 * @param {Array<{ label: string, value: number, cls: string, href?: string | null }>} items
 * @param {{ title: string, desc: string, width?: number }} opts
 * @returns {HTMLElement}
 */
export function barChart(items, { title, desc, width = 520 }) {
  const W = Math.round(Math.min(640, Math.max(280, width)));
  const row = 30;
  const labelW = Math.min(170, Math.round(W * 0.38));
  const numW = 44;
  const H = items.length * row + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const titleId = `chart-title-${Math.random().toString(36).slice(2, 8)}`;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart bars', role: 'img', 'aria-labelledby': `${titleId} ${titleId}-d`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, title),
    s('desc', { id: `${titleId}-d` }, desc),
    items.map((it, i) => {
      const y = 4 + i * row;
      const w = Math.max(it.value > 0 ? 2 : 0, ((W - labelW - numW - 8) * it.value) / max);
      const bar = [
        s('text', { class: 'bar-label', x: labelW - 8, y: y + row / 2 + 4, 'text-anchor': 'end' }, it.label),
        s('rect', { class: `bar ${it.cls}`, x: labelW, y: y + 5, width: w.toFixed(1), height: row - 10, rx: 3 }),
        s('text', { class: 'bar-value', x: labelW + w + 6, y: y + row / 2 + 4 }, fmtNum(it.value, 0)),
      ];
      return it.href ? s('a', { href: it.href, 'aria-label': `${it.label}: ${fmtNum(it.value, 0)}` }, bar) : bar;
    }),
  );
  return h('figure', { class: 'chart-wrap' }, svg);
}

/**
 * Lines over months (checks failed, alerts opened…), points marked, one colour per series.
 * @param {string[]} months YYYY-MM, oldest first
 * @param {Array<{ label: string, cls: string, values: number[] }>} series
 * @param {{ title: string, desc: string, width?: number }} opts
 * @returns {HTMLElement}
 */
export function trendChart(months, series, { title, desc, width = 720 }) {
  const W = Math.round(Math.min(900, Math.max(300, width)));
  const H = Math.round(Math.min(280, Math.max(200, W * 0.36)));
  const m = { l: 40, r: 12, t: 12, b: 30 };
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const ticks = niceTicks(0, max, 4).filter((v) => Number.isInteger(v));
  const top = Math.max(max, ticks[ticks.length - 1] ?? max);
  /** @param {number} i */
  const X = (i) => m.l + (months.length <= 1 ? (W - m.l - m.r) / 2 : (i * (W - m.l - m.r)) / (months.length - 1));
  /** @param {number} v */
  const Y = (v) => m.t + ((top - v) / top) * (H - m.t - m.b);
  const every = W < 480 ? 3 : W < 720 ? 2 : 1; // month labels that fit
  const titleId = `chart-title-${Math.random().toString(36).slice(2, 8)}`;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart trend', role: 'img', 'aria-labelledby': `${titleId} ${titleId}-d`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, title),
    s('desc', { id: `${titleId}-d` }, desc),
    ticks.map((v) => [
      s('line', { class: v === 0 ? 'axis-zero' : 'grid', x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v) }),
      s('text', { class: 'tick', x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtNum(v, 0)),
    ]),
    months.map((k, i) =>
      (months.length - 1 - i) % every === 0
        ? s('text', { class: 'tick', x: X(i), y: H - m.b + 18, 'text-anchor': i === 0 ? 'start' : i === months.length - 1 ? 'end' : 'middle' }, fmtMonth(k))
        : null,
    ),
    series.map((x) => [
      s('polyline', { class: `trend-line ${x.cls}`, points: x.values.map((v, i) => `${X(i).toFixed(1)},${Y(v).toFixed(1)}`).join(' ') }),
      x.values.map((v, i) =>
        s(
          'circle',
          { class: `trend-pt ${x.cls}`, cx: X(i).toFixed(1), cy: Y(v).toFixed(1), r: 3.5 },
          s('title', {}, `${fmtMonth(months[i])}: ${x.label} ${fmtNum(v, 0)}`),
        ),
      ),
    ]),
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((x) => h('li', {}, h('span', { class: `key line ${x.cls}`, 'aria-hidden': 'true' }), x.label)),
  );
  return h('figure', { class: 'chart-wrap' }, svg, legend);
}
