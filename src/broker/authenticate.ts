// CONNECT: a device authenticates with its id as client id and username and its secret as
// password (over TLS with a client certificate, its CN must be the device id too). Refused
// first, without hashing: an address throttled for failed authentications, and a new session
// beyond MAG_MAX_CONNECTIONS.
import type { AedesOptions, Client } from 'aedes';
import type { Logger } from '../log.ts';
import type { Registry } from '../store/registry.ts';
import { remoteAddress, tlsCommonName } from './aedes-internals.ts';
import type { BrokerHooks, BrokerOptions, BrokerTotals } from './broker.ts';

export type Authenticate = NonNullable<AedesOptions['authenticate']>;

export interface AuthenticateDeps {
  registry: Pick<Registry, 'verifyDeviceSecret'>;
  hooks: BrokerHooks;
  opts: BrokerOptions;
  log: Logger;
  totals: BrokerTotals;
  /** The sessions open now (a device reconnecting takes over its own, even at the limit). */
  sessions: { readonly connectedClients: number; isConnected(deviceId: string): boolean };
}

function authError(message: string, returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

export function authenticateDevice({ registry, hooks, opts, log, totals, sessions }: AuthenticateDeps): Authenticate {
  return (client: Client, username, password, done) => {
    const address = remoteAddress(client);
    const wait = opts.authThrottle?.retryAfter(address) ?? 0;
    if (wait > 0) {
      // Refused quickly, without hashing and without an audit row per attempt.
      totals.authThrottled++;
      log.warn(
        { clientId: client.id.slice(0, 64), address, retryAfterSeconds: wait },
        'MQTT connection refused: too many failed authentications from this address',
      );
      return done(authError(`too many failed authentications from this address; retry in ${wait} s`, 5) as never, false);
    }
    if (opts.maxConnections !== undefined && sessions.connectedClients >= opts.maxConnections && !sessions.isConnected(client.id)) {
      totals.connectionsOverLimit++;
      log.warn({ clientId: client.id.slice(0, 64), address, max: opts.maxConnections }, 'MQTT connection refused: MAG_MAX_CONNECTIONS reached');
      return done(authError('server unavailable: MAG_MAX_CONNECTIONS reached', 3) as never, false);
    }
    const refuse = (reason: string, code: number) => {
      hooks.onAuthFailure?.(client.id, address, reason);
      log.warn({ clientId: client.id.slice(0, 64), address, reason }, 'MQTT connection refused');
      done(authError(reason, code) as never, false);
    };
    const failAuth = (reason: string, code: number) => {
      totals.authFailed++;
      opts.authThrottle?.fail(address);
      refuse(reason, code);
    };
    if (!username || username !== client.id) return failAuth('client id must equal the username (the device id)', 4);
    const tlsCn = tlsCommonName(client);
    if (tlsCn === null && opts.tls?.ca) return failAuth('the client certificate has no CN (it must be the device id)', 5);
    if (typeof tlsCn === 'string' && tlsCn !== client.id) return failAuth('the client certificate CN does not match the device id', 5);
    if (!password) return failAuth('bad username or password', 4);
    registry.verifyDeviceSecret(username, password.toString('utf8')).then(
      (ok) => (ok ? done(null, true) : failAuth('bad username or password', 4)),
      (e: Error) => {
        // Not the device's failure: not counted toward the throttle, nor as a failed authentication.
        totals.authErrors++;
        refuse(`authentication error: ${e.message}`, 3);
      },
    );
  };
}
