// JSON-lines logging on stdout (pino). Secrets are redacted by path.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'mag' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['secret', 'password', 'token', '*.secret', '*.password', '*.token', 'authorization'], censor: '[redacted]' },
  });
}
