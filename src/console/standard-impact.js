// @ts-check
// A reference standard's impact (reverse traceability), on its page: a period to ask for, the
// instruments it served with their decisions, and the checks whose decision could change given the
// as-found error of the calibration that followed them.
import { h, clear, append, field } from './dom.js';
import { t, label, fmtDate, fmtDateTime, fmtDays, fmtNum, fmtSigned, fmtUnit } from './i18n.js';
import { api } from './session.js';
import { badge, downloadButton, errorBox, facts, pointName, section, table, tenantName, typeName, xlsxButton, zoneOf } from './blocks.js';
/** @import { Child } from './dom.js' */
/** @import { Standard, StandardImpact } from './types.js' */

/** @param {{ error: number, outOfTolerance: boolean } | undefined} f @param {string} unit */
export const asFoundText = (f, unit) =>
  f
    ? [
        `${fmtSigned(f.error)} ${fmtUnit(unit)} `,
        badge(f.outOfTolerance ? 'dec dec-fail' : 'dec dec-pass', f.outOfTolerance ? t('outOfTolerance') : t('inTolerance')),
      ]
    : '—';

/**
 * The impact card: a period to ask for, the instruments served, the checks whose decision could change.
 * @param {Standard} s @param {HTMLElement} box
 * @returns {{ card: HTMLElement, load: () => void }}
 */
export function impactSection(s, box) {
  const sid = encodeURIComponent(s.id);
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const query = () => ({ from: from.value, to: to.value });
  const load = () => {
    append(clear(box), [h('p', { class: 'muted' }, t('loading'))]);
    api()
      .get(`/api/v1/standards/${sid}/impact`, query())
      .then((/** @type {StandardImpact} */ r) => append(clear(box), impactView(r, zoneOf(s.tenant))))
      .catch((e) => clear(box).append(errorBox(e)));
  };
  load();
  const card = section(
    t('impact'),
    h('p', { class: 'muted' }, t('impactHelp')),
    h(
      'form',
      {
        class: 'grid-form',
        'aria-label': t('impact'),
        onsubmit: (e) => {
          e.preventDefault();
          load();
        },
      },
      field(t('from'), from),
      field(t('to'), to),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit' }, t('show')),
        ' ',
        downloadButton(t('downloadImpact'), `/api/v1/standards/${sid}/impact`, () => ({ format: 'csv', ...query() }), `standard-impact-${s.id}.csv`),
        ' ',
        xlsxButton(`/api/v1/standards/${sid}/impact`, query, `standard-impact-${s.id}.xlsx`),
      ),
    ),
    box,
  );
  return { card, load };
}

/** @param {StandardImpact} r @param {string} zone the standard's owner's (the period's days) @returns {Child[]} */
function impactView(r, zone) {
  const changed = r.items.flatMap((i) => i.couldChange.map((c) => ({ ...c, device: i.device, tenant: i.tenant })));
  return [
    facts([
      [t('period'), fmtDays(r.from, r.to, zone)],
      [t('basis'), label('basis', r.basis)],
      r.finding ? [t('finding'), [r.finding.certificate, ' · ', fmtDate(r.finding.issuedAt, zone), ' · ', asFoundText(r.finding.asFound, r.unit)]] : null,
      [t('checks'), String(r.checks)],
      [t('instruments'), String(r.instruments)],
      [t('couldChange'), h('strong', { class: r.couldChange ? 'warn' : '' }, String(r.couldChange))],
    ]),
    r.items.length
      ? table(
          t('instruments'),
          [
            t('device'),
            t('tenant'),
            t('type'),
            t('checks'),
            label('decision', 'pass'),
            label('decision', 'conditional-pass'),
            label('decision', 'conditional-fail'),
            label('decision', 'fail'),
            t('couldChange'),
          ],
          r.items.map((i) =>
            h(
              'tr',
              { 'data-device': i.device },
              h('th', { scope: 'row' }, h('a', { href: `#/instruments/${encodeURIComponent(i.device)}` }, i.device)),
              h('td', {}, tenantName(i.tenant)),
              h('td', {}, typeName(i.type)),
              ...[i.checks, i.decisions.pass, i.decisions['conditional-pass'], i.decisions['conditional-fail'], i.decisions.fail, i.couldChange.length].map(
                (n) => h('td', { class: 'num' }, String(n ?? 0)),
              ),
            ),
          ),
          { class: 'impact' },
        )
      : h('p', { class: 'muted' }, t('noImpact')),
    changed.length
      ? [
          h('h3', {}, t('couldChangeChecks')),
          table(
            t('couldChangeChecks'),
            [t('device'), t('ts'), t('seq'), t('errorValue'), t('mpeShort'), t('decision'), t('possibleDecisions')],
            changed.map((c) =>
              h(
                'tr',
                {},
                h('td', {}, c.device, c.gas || c.point ? h('small', { class: 'muted' }, ` ${[c.gas, pointName(c.point)].filter(Boolean).join(' · ')}`) : null),
                h('td', {}, fmtDateTime(c.ts, zoneOf(c.tenant))),
                h('td', { class: 'num' }, String(c.seq)),
                h('td', { class: 'num' }, `${fmtSigned(c.error)} ${fmtUnit(c.unit)}`),
                h('td', { class: 'num' }, `±${fmtNum(c.mpe)}`),
                h('td', {}, badge(`dec dec-${c.decision}`, label('decision', c.decision))),
                h(
                  'td',
                  {},
                  c.possibleDecisions.map((d) => [badge(`dec dec-${d}`, label('decision', d)), ' ']),
                ),
              ),
            ),
          ),
        ]
      : null,
  ];
}
