// JSON-lines logging on stdout (pino). Secrets are redacted by path.
import { pino, type Logger } from 'pino';

export type { Logger };

/** `node`: this gateway's name (MAG_NODE_ID, else the host's), on every line, so a cluster's logs tell their nodes apart. */
export function createLogger(level: string, node?: string): Logger {
  return pino({
    level,
    base: node ? { service: 'mag', node } : { service: 'mag' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['secret', 'password', 'token', '*.secret', '*.password', '*.token', 'authorization'], censor: '[redacted]' },
  });
}
