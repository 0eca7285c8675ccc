// Alerts left open (unacknowledged) for MAG_ESCALATION_MINUTES are escalated, checked once a minute.

import type { AlertBook } from '../alerts/alert-book.ts';
import type { Logger } from '../log.ts';
import type { StateExecutor } from '../store/executor.ts';
import { Every, type PeriodicWork } from './every.ts';

export function alertEscalation(alerts: Pick<AlertBook<StateExecutor>, 'escalate'>, escalationMinutes: number, now: () => Date, log: Logger): PeriodicWork {
  return new Every(60_000, () => alerts.escalate(now(), escalationMinutes * 60_000), log, 'escalating alerts failed');
}
