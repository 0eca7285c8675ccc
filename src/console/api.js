// @ts-check
// The console's only way to the gateway: the public HTTP API with `Authorization: Bearer`.
// The alert stream is read with fetch + a stream reader (EventSource cannot send headers) and
// parsed here; on reconnect it sends Last-Event-ID so no change is missed.

/** @typedef {{ event: string, data: string, id?: string }} SseEvent */
/** @typedef {'connecting' | 'live' | 'reconnecting' | 'off'} StreamState */
/** @typedef {Record<string, string | number | undefined | null>} Query */

/** The API's refusal: its HTTP status and its {error: {code, message, details}}. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {unknown} [details] for invalid requests, [{path, message}] per invalid field
   */
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export class Api {
  /** @param {string} token @param {() => void} onUnauthorized called when a call answers 401 */
  constructor(token, onUnauthorized = () => {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  /** @param {Record<string, string>} [extra] @returns {Record<string, string>} */
  headers(extra = {}) {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  /** @param {string} method @param {string} path @param {unknown} [body] */
  async raw(method, path, body) {
    const send = () =>
      fetch(path, {
        method,
        headers: this.headers(body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    let res = await send();
    // rate limited: wait as told (briefly) and try once more
    if (res.status === 429) {
      const wait = Math.min(5, Number(res.headers.get('retry-after')) || 1);
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, wait * 1000));
      res = await send();
    }
    if (res.status === 401) this.onUnauthorized();
    return res;
  }

  /**
   * JSON in, JSON out; throws ApiError with the API's {error: {code, message, details}}.
   * The answer is typed by the caller, as the API documents it (types.d.ts).
   * @param {string} method @param {string} path @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async req(method, path, body) {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = json?.error ?? {};
      throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? `${res.status} ${res.statusText}`, e.details);
    }
    return json;
  }

  /** @param {string} path @param {Query} [query] @returns {Promise<any>} */
  get(path, query) {
    return this.req('GET', withQuery(path, query));
  }

  /** @param {string} path @param {unknown} body @returns {Promise<any>} */
  post(path, body) {
    return this.req('POST', path, body);
  }

  /**
   * Does this token get a 2xx from a GET? (used to learn what the role may do, from the API itself)
   * @param {string} path
   */
  async allowed(path) {
    const res = await this.raw('GET', path);
    await res.body?.cancel();
    return res.ok;
  }

  /**
   * Fetches a file with the token and hands it to the browser as a Blob download.
   * @param {string} path @param {Query | undefined} query
   * @param {string} fallbackName the file's name when the answer does not give one
   * @returns {Promise<string>} the file's name
   */
  async download(path, query, fallbackName) {
    const res = await this.raw('GET', withQuery(path, query));
    if (!res.ok) {
      /** @type {{ code?: string, message?: string, details?: unknown }} */
      let e = {};
      try {
        e = (await res.json()).error ?? {};
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? `${res.status}`, e.details);
    }
    const blob = await res.blob();
    const cd = res.headers.get('content-disposition') ?? '';
    const m = /filename="?([^";]+)"?/i.exec(cd);
    const name = m ? m[1] : fallbackName;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return name;
  }

  /**
   * Follows GET /api/v1/alerts/stream until stop() is called, reconnecting with back-off and
   * Last-Event-ID. onEvent({event, data, id}); onState('connecting' | 'live' | 'reconnecting' | 'off').
   * @param {string} path
   * @param {{ onEvent: (ev: SseEvent) => void, onState?: (state: StreamState) => void }} handlers
   * @returns {() => void} stop
   */
  stream(path, { onEvent, onState = () => {} }) {
    const ctl = new AbortController();
    /** @type {string | null} */
    let lastId = null;
    let stopped = false;
    const run = async () => {
      let backoff = 1000;
      onState('connecting');
      while (!stopped) {
        try {
          const headers = this.headers({ accept: 'text/event-stream' });
          if (lastId !== null) headers['last-event-id'] = lastId;
          const res = await fetch(path, { headers, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
          if (res.status === 401) {
            this.onUnauthorized();
            return;
          }
          if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
          const parser = new SseParser((ev) => {
            if (ev.id !== undefined) lastId = ev.id;
            if (ev.event === 'ready') {
              backoff = 1000;
              onState('live');
            }
            onEvent(ev);
          });
          onState('live');
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.push(value);
          }
        } catch (e) {
          if (stopped) break;
        }
        if (stopped) break;
        onState('reconnecting');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 30_000);
      }
      onState('off');
    };
    run();
    return () => {
      stopped = true;
      ctl.abort();
    };
  }
}

/** @param {string} path @param {Query} [query] */
function withQuery(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Server-Sent Events parser (the WHATWG event-stream format), fed text chunks as they arrive. */
export class SseParser {
  /** @param {(ev: SseEvent) => void} onEvent */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buf = '';
    this.skipLF = false;
    this.event = '';
    /** @type {string[]} */
    this.data = [];
    /** @type {string | undefined} */
    this.id = undefined;
  }

  reset() {
    this.event = '';
    this.data = [];
    this.id = undefined;
  }

  /** @param {string} chunk */
  push(chunk) {
    // lines end with \r\n, \n or \r; a \r that ended the previous chunk may be followed by its \n
    if (this.skipLF && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.skipLF = false;
    this.buf += chunk;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buf);
      if (!m) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (m[0] === '\r' && this.buf === '') this.skipLF = true;
      this.line(line);
    }
  }

  /** @param {string} line */
  line(line) {
    if (line === '') {
      if (this.data.length) this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      else if (this.id !== undefined) this.onEvent({ event: '', data: '', id: this.id });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return; // comment / heartbeat
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}
