// @ts-check
// Inline SVG chart of check errors against the ±MPE band and the guard band ±(MPE − U).
// Both bands follow each check's own MPE and U (they can differ per test point or range).
import { h, s } from './dom.js';
import { t, label, fmtDate, fmtDateTime, fmtNum, fmtSigned } from './i18n.js';
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
 * @param {{device: string, width?: number}} opts width in CSS pixels of the space it will fill (so labels keep their size on a phone)
 * @returns {HTMLElement} a <figure> with the SVG, a legend and a caption (or a note when there is nothing to draw)
 */
// Long on purpose: one SVG drawn top to bottom (axes, bands, points, labels); split, each part would need the scales passed around.
export function checksChart(checks, { device, width = 720 }) {
  const W = Math.round(Math.min(900, Math.max(300, width)));
  const H = Math.round(Math.min(300, Math.max(220, W * 0.42)));
  const pts = checks
    .filter((c) => Number.isFinite(c.error) && Number.isFinite(c.mpe))
    .map((c) => ({ ...c, x: Date.parse(c.ts), guard: Math.max(0, c.mpe - (Number.isFinite(c.uncertainty) ? c.uncertainty : 0)) }))
    .filter((c) => Number.isFinite(c.x))
    .sort((a, b) => a.x - b.x);
  if (pts.length === 0) return h('p', { class: 'muted' }, t('noChecks'));

  const unit = pts.find((p) => p.unit)?.unit ?? '';
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
  const xTicks = xTickCount <= 1 ? [pts[0].x] : Array.from({ length: xTickCount }, (_, i) => pts[0].x + ((pts[pts.length - 1].x - pts[0].x) * i) / (xTickCount - 1));
  const spanDays = (pts[pts.length - 1].x - pts[0].x) / 86400_000;
  /** @param {number} v */
  const xLabel = (v) => (spanDays < 2 ? fmtDateTime(new Date(v).toISOString()) : fmtDate(new Date(v).toISOString()));

  const titleId = `chart-title-${Math.random().toString(36).slice(2, 8)}`;
  const descId = `${titleId}-d`;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, t('chartTitle', { device })),
    s('desc', { id: descId }, t('chartDesc', { n: pts.length, from: fmtDateTime(pts[0].ts), to: fmtDateTime(pts[pts.length - 1].ts) })),
    s('rect', { class: 'zone-out', x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }),
    s('path', { class: 'zone-mpe', d: band((p) => p.mpe) }),
    s('path', { class: 'zone-guard', d: band((p) => p.guard) }),
    yTicks.map((v) => [
      s('line', { class: v === 0 ? 'axis-zero' : 'grid', x1: M.l, x2: W - M.r, y1: Y(v), y2: Y(v) }),
      s('text', { class: 'tick', x: M.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtSigned(v, 3)),
    ]),
    xTicks.map((v, i) =>
      s('text', { class: 'tick', x: X(v), y: H - M.b + 18, 'text-anchor': xTicks.length === 1 ? 'middle' : i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle' }, xLabel(v)),
    ),
    s('text', { class: 'axis-label', x: 12, y: M.t + (H - M.t - M.b) / 2, transform: `rotate(-90 12 ${M.t + (H - M.t - M.b) / 2})`, 'text-anchor': 'middle' }, `${t('errorValue')}${unit ? ` (${unit})` : ''}`),
    s('path', { class: 'line-mpe', d: stepPath((p) => p.mpe, 1) }),
    s('path', { class: 'line-mpe', d: stepPath((p) => p.mpe, -1) }),
    s('path', { class: 'line-guard', d: stepPath((p) => p.guard, 1) }),
    s('path', { class: 'line-guard', d: stepPath((p) => p.guard, -1) }),
    pts.length > 1 ? s('polyline', { class: 'line-error', points: pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.error).toFixed(1)}`).join(' ') }) : null,
    pts.map((p) =>
      s(
        'circle',
        { class: `pt dec-${p.decision}`, cx: X(p.x).toFixed(1), cy: Y(p.error).toFixed(1), r: 4.5 },
        s('title', {}, `${fmtDateTime(p.ts)} — ${t('errorValue')} ${fmtSigned(p.error)} ${unit}, ${t('mpeShort')} ±${fmtNum(p.mpe)}, ${t('uncertaintyShort')} ${fmtNum(p.uncertainty)} — ${label('decision', p.decision)}`),
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
