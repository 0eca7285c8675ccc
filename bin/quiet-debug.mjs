// mqtt-packet (aedes' and mqtt.js' packet codec) calls `debug()` about ten times for each MQTT
// packet it parses or writes. With DEBUG unset every call still runs the debug module's
// `enabled` getter: ~3 % of the gateway's CPU under a flood of readings (bench/README.md). So the
// `debug` module is wrapped, before anything loads mqtt-packet, to hand a no-op to each namespace
// that DEBUG does not enable; namespaces it enables get the real logger, as before.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);
try {
  const path = require.resolve('debug', { paths: [dirname(require.resolve('mqtt-packet'))] });
  const createDebug = require(path);
  const cached = require.cache[path];
  if (typeof createDebug === 'function' && typeof createDebug.enabled === 'function' && cached) {
    const quiet = function (namespace) {
      if (createDebug.enabled(namespace)) return createDebug(namespace);
      const off = () => {};
      off.enabled = false;
      off.namespace = namespace;
      off.extend = (sub, delimiter = ':') => quiet(namespace + delimiter + sub);
      off.destroy = () => {};
      return off;
    };
    Object.assign(quiet, createDebug);
    cached.exports = quiet;
  }
} catch {
  // mqtt-packet or debug laid out otherwise: left as it is (slower, same behaviour)
}
