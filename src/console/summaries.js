// @ts-check
// The gateway writes alert summaries and its own resolution notes in English; in Vietnamese the
// console tells them again from the alert's evidence.
import {
  t,
  label,
  lang,
  DICTS,
  fmtDate,
  fmtDateTime,
  fmtNum,
  fmtP,
  fmtSig,
  fmtSigSigned,
  fmtSigned,
  fmtU,
  fmtUnit,
  negligibleAgainst,
  todayIn,
} from './i18n.js';
import { driftUnit, pointName, predictedDay, seriesParts, standingLabel, zoneOf } from './blocks.js';
import { S } from './session.js';
/** @import { Alert, Resolution, Verification } from './types.js' */

/**
 * An alert's kind as the console names it: the verification alerts of a type kept in standing by
 * calibration (the profile projector) are named for its calibration (the kind stays the API's).
 * @param {Pick<Alert, 'kind' | 'details'>} a
 */
export function alertKind(a) {
  const calibrated = /** @type {Partial<Verification> | undefined} */ (a.details?.verification)?.basis === 'calibration';
  if (calibrated && a.kind === 'verification-overdue') return t('kind.calibration-overdue');
  if (calibrated && a.kind === 'verification-due-soon') return t('kind.calibration-due-soon');
  return label('kind', a.kind);
}

/**
 * The note of a resolution: a person's note as written; the gateway's own (cleared) notes translated.
 * @param {Resolution & { note: string }} r
 */
export function resolutionNote(r) {
  if (lang() === 'en' || r.reason !== 'cleared') return r.note;
  const m = /^(verification|calibration) (valid|due-soon|expired|none) until (\d{4}-\d{2}-\d{2})$/.exec(r.note);
  if (m) return t(m[1] === 'calibration' ? 'note.calibrationUntil' : 'note.verificationUntil', { state: label('verif', m[2]), date: fmtDate(m[3]) });
  if (/^device (reported online|connected)$/.test(r.note)) return t('note.online');
  if (/^new calibration certificate/.test(r.note)) return t('note.newCalibration');
  if (/^new verification certificate/.test(r.note)) return t('note.newVerification');
  if (/^EWMA back within/.test(r.note)) return t('note.driftSettled');
  if (/^no out-of-tolerance date predicted/.test(r.note)) return t('note.noPrediction');
  if (/^errors no longer favour the seller/.test(r.note)) return t('note.sellerFavourGone');
  if (/^errors no longer favour the buyer/.test(r.note)) return t('note.buyerFavourGone');
  const use = /^the instrument's use changed \((\S+) → (\S+)\): its errors are judged for the (seller|buyer)'s favour/.exec(r.note);
  const useName = (/** @type {string} */ u) => (u === 'none' ? t('tradeUseGeneral') : label('tradeUse', u));
  if (use) return t('note.useChanged', { from: useName(use[1]), to: useName(use[2]), party: t(use[3] === 'buyer' ? 'sf.buyer' : 'sf.seller') });
  const adjusted = /^instrument adjusted at check (\d+) \(.*; found (\S+)\): drift statistics restarted$/.exec(r.note);
  if (adjusted) return t('note.adjusted', { seq: adjusted[1], found: label('decision', adjusted[2]) });
  if (/^no verification certificate on record$/.test(r.note)) return t('sum.noCertificate');
  if (/^no calibration certificate on record$/.test(r.note)) return t('sum.noCalibration');
  const traced = /^check (\d+) with standard (\S+) is traceable/.exec(r.note);
  if (traced) return t('note.traceable', { seq: traced[1], standard: traced[2] });
  return r.note;
}

/**
 * The unit of a drift alert's figures, " ppm" (its instrument's type's canonical unit, of the series'
 * gas), when the console knows the instrument's type; else nothing.
 * @param {Alert} a
 */
const drift = (a) => {
  const unit = driftUnit(S.deviceTypes.get(a.device), seriesParts(a.key).gas);
  return unit ? ` ${unit}` : '';
};

/**
 * An unresolved predicted-oot alert whose day has come, said against where the instrument stands, in
 * both languages (the gateway's sentence still gives the day as a prediction): "Đã vượt sai số" when an
 * out-of-tolerance alert of the same instrument and gas or test point is unresolved too, else "Đã đến
 * ngày dự báo — cần kiểm tra bằng chuẩn ngay". An alert list has no checks at hand, so the
 * out-of-tolerance alerts the console knows (S.alerts, kept by the live stream) stand for its newest
 * check; null for every other alert.
 * @param {Alert} a
 */
function pastPrediction(a) {
  const day = a.details?.predictedOutOfToleranceAt;
  if (a.kind !== 'predicted-oot' || a.state === 'resolved' || !day || day >= todayIn(zoneOf(a.tenant))) return null;
  const { gas, point } = seriesParts(a.key);
  const failing = [...S.alerts.values()].some(
    (x) => x.device === a.device && x.kind === 'out-of-tolerance' && x.state !== 'resolved' && (!x.key || x.key === gas || x.key === point),
  );
  const where = [gas, pointName(point)].filter(Boolean).join(' · ');
  return t(failing ? 'predictionExceededSummary' : 'predictionReachedSummary', { where: where ? ` (${where})` : '', date: fmtDate(day) });
}

/**
 * The alert's summary in the console's language. The API writes it in English; in Vietnamese
 * it is composed again from the alert's evidence (details), falling back to the API's text when
 * the evidence lacks what the sentence needs.
 * @param {Alert} a
 * @returns {string}
 */
// Long on purpose: one case per alert kind, each a few lines.
export function alertSummary(a) {
  const overdue = pastPrediction(a);
  if (overdue) return overdue;
  if (lang() === 'en' || !a.summary) return a.summary;
  const d = a.details ?? {};
  /** @param {unknown} x @returns {x is number} */
  const num = (x) => Number.isFinite(x);
  /** @param {{ gas?: string, point?: string, regime?: string }} s */
  const where = (s = d) => {
    const parts = [
      s.gas && t('sum.gas', { gas: s.gas }),
      s.point && t('sum.point', { point: pointName(s.point) }),
      s.regime && label('regime', s.regime),
    ].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
  const unit = fmtUnit(d.unit);
  // the enterprise's clock and calendar
  const zone = zoneOf(a.tenant);
  switch (a.kind) {
    case 'out-of-tolerance':
      if (num(d.error) && num(d.mpe) && d.decision)
        return t('sum.check', {
          decision: label('decision', d.decision),
          where: where(),
          error: fmtNum(d.error),
          mpe: fmtNum(d.mpe),
          u: fmtU(d.uncertainty),
          unit,
        });
      break;
    case 'conditional':
      if (num(d.error) && num(d.mpe)) return t('sum.conditional', { where: where(), error: fmtNum(d.error), mpe: fmtNum(d.mpe), u: fmtU(d.uncertainty), unit });
      break;
    case 'drift':
      if (d.ewma && d.cusum) {
        const signals = [d.ewma.signal && 'EWMA', d.cusum.signal && 'CUSUM'].filter(Boolean);
        const by = signals.length ? ` (${signals.join(', ')})` : '';
        const u = drift(a);
        const noise = negligibleAgainst(Number(d.tolerance));
        return t('sum.drift', {
          where: where(seriesParts(a.key)),
          by,
          ewma: `${fmtSigSigned(d.ewma.value, 3, noise)}${u}`,
          lo: fmtSigSigned(d.ewma.lowerLimit, 3, noise),
          hi: `${fmtSigSigned(d.ewma.upperLimit, 3, noise)}${u}`,
          high: fmtSig(d.cusum.high, 3, noise),
          low: fmtSig(d.cusum.low, 3, noise),
          h: `${fmtSig(d.cusum.threshold)}${u}`,
        });
      }
      break;
    case 'predicted-oot':
      if (d.predictedOutOfToleranceAt) {
        return t('sum.predicted', {
          where: where(seriesParts(a.key)),
          date: predictedDay(d.predictedOutOfToleranceAt, zone),
          slope: `${fmtSigSigned(d.slopePerDay ?? 0, 3, negligibleAgainst(Number(d.tolerance)))}${drift(a)}`,
          due: d.verificationDue
            ? t(d.dueBasis === 'calibration' ? 'sum.predictedCalDue' : 'sum.predictedDue', { date: fmtDate(d.verificationDue, zone) })
            : '',
        });
      }
      break;
    case 'seller-favoured':
    case 'buyer-favoured': {
      const buyer = a.kind === 'buyer-favoured';
      const k = buyer ? d.onBuyerSide : d.onSellerSide;
      if (num(k) && num(d.checksCounted) && num(d.pValue) && num(d.meanError) && num(d.meanErrorMpe))
        return t(buyer ? 'sum.buyerFavoured' : 'sum.sellerFavoured', {
          where: where(seriesParts(a.key)),
          k,
          m: d.checksCounted,
          p: fmtP(d.pValue, 3),
          mean: `${fmtSigned(d.meanError)}${d.unit ? ` ${fmtUnit(d.unit)}` : ''}`,
          fraction: fmtSig(Math.abs(d.meanErrorMpe), 2),
        });
      break;
    }
    case 'verification-overdue': {
      /** @type {Partial<Verification>} */
      const v = d.verification ?? {};
      const cal = v.basis === 'calibration';
      if (d.seq !== undefined)
        return t(cal ? 'sum.uncalibratedReadings' : 'sum.unverifiedReadings', {
          state: standingLabel(v),
          until: v.validUntil ? t('sum.until', { date: fmtDate(v.validUntil, zone) }) : '',
        });
      if (v.state === 'expired' && v.validUntil) return t(cal ? 'sum.calExpired' : 'sum.expired', { date: fmtDate(v.validUntil, zone) });
      if (v.state === 'none' || !v.validUntil) return t(cal ? 'sum.noCalibration' : 'sum.noCertificate');
      break;
    }
    case 'verification-due-soon':
      if (d.verification?.validUntil)
        return t(d.verification.basis === 'calibration' ? 'sum.calDueSoon' : 'sum.dueSoon', { date: fmtDate(d.verification.validUntil, zone) });
      break;
    case 'offline':
      if (d.lastSeenAt) return t('sum.offlineSilent', { time: fmtDateTime(d.lastSeenAt, zone) });
      if (d.state) return t('sum.offlineReported');
      break;
    case 'invalid-data': {
      const n = /^(\d+) rejected/.exec(a.summary)?.[1];
      if (n) return t('sum.invalid', { n });
      break;
    }
    case 'out-of-range':
      if (d.value !== undefined)
        return t(d.status === 'implausible' ? 'sum.implausible' : 'sum.outOfRange', { value: fmtNum(d.value, 6), unit: fmtUnit(d.unit) });
      break;
    case 'tamper': {
      // the nozzle from the evidence: a nozzle name may hold a colon
      const m = /^(Price|Totalizer) mismatch on nozzle /.exec(a.summary);
      if (m && d.nozzle !== undefined) return t(m[1] === 'Price' ? 'sum.priceTamper' : 'sum.totalizerTamper', { nozzle: String(d.nozzle) });
      break;
    }
    case 'untraceable-check':
      if (typeof d.traceabilityKind === 'string' && typeof d.standardId === 'string')
        return t('sum.untraceable', { why: label('trace', d.traceabilityKind), standard: d.standardId });
      break;
    case 'standard-oot': {
      const f = /** @type {{ error?: unknown } | undefined} */ (d.asFound);
      const n = Array.isArray(d.instruments) ? d.instruments.length : undefined;
      if (f && num(f.error) && num(d.checks) && num(d.couldChange) && n !== undefined && typeof d.from === 'string') {
        return t('sum.standardOot', {
          standard: String(d.standard ?? a.device),
          certificate: String(d.certificate ?? ''),
          error: fmtSigned(f.error),
          unit,
          checks: d.checks,
          n,
          from: fmtDate(d.from, zone),
          changed: d.couldChange,
        });
      }
      break;
    }
    case 'lot-fail': {
      if (typeof d.lot !== 'string' || !num(d.nominal) || !num(d.t1) || !num(d.t2) || !num(d.allowedT1)) break;
      // as the lot's page writes its quantities: 0.01 g or mL, 0.00001 kg or L
      const q = (/** @type {unknown} */ x) => `${fmtNum(x, unit === 'kg' || unit === 'L' ? 5 : 2)} ${unit}`;
      const findings = [
        d.t2 > 0 && t('sum.lotT2', { n: d.t2 }),
        d.t1 > d.allowedT1 && t('sum.lotT1', { n: d.t1, max: d.allowedT1 }),
        num(d.mean) && num(d.averageLimit) && d.mean < d.averageLimit && t('sum.lotMean', { mean: q(d.mean), limit: q(d.averageLimit) }),
      ].filter(Boolean);
      // a lot judged under a plan that is not Vietnam's says so, as the lot's badge does
      const plan = typeof d.plan === 'string' ? d.plan : '';
      const foreign = d.vietnamesePlan === false && plan !== '';
      const planShort = foreign ? (DICTS[lang()][`planShort.${plan}`] ?? DICTS[lang()][`planName.${plan}`] ?? plan) : '';
      if (findings.length)
        return t(foreign ? 'sum.lotFailPlan' : 'sum.lotFail', {
          lot: d.lot,
          product: String(d.product ?? ''),
          qn: q(d.nominal),
          plan: planShort,
          findings: findings.join('; '),
        });
      break;
    }
    case 'sealed-in-use':
      if (typeof d.finding === 'string' && typeof d.inspection === 'string' && typeof d.sealedSince === 'string')
        return t('sum.sealedInUse', {
          finding: d.finding,
          inspection: d.inspection,
          since: fmtDate(d.sealedSince, zone),
          what: t(/records transactions$/.test(a.summary) ? 'sum.sealedTransactions' : 'sum.sealedMeasurements'),
        });
      break;
    case 'points-refused':
      if (typeof d.sink === 'string' && typeof d.reason === 'string')
        return t('sum.pointsRefused', {
          reason: d.reason,
          whose: a.device === '_sink' ? t('sum.pointsRefusedGateway') : t('sum.pointsRefusedDevice', { device: a.device }),
        });
      break;
    case 'journal-capacity': {
      const p = /(\d+) %/.exec(a.summary)?.[1];
      if (p) return t('sum.journal', { p });
      break;
    }
  }
  return a.summary;
}
