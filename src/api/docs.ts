// /docs: a self-contained page rendering /openapi.json (no CDN).
export function docsPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>MAG API</title><style>body{font:15px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ddd;margin-top:2em}.op{margin:.6em 0;padding:.5em;border:1px solid #eee;border-radius:6px}
.m{display:inline-block;min-width:4em;font-weight:700}.get{color:#0a6}.post{color:#06c}.delete{color:#c30}code{background:#f4f4f4;padding:0 .3em}
details pre{background:#f8f8f8;padding:.5em;overflow:auto;font-size:12px}</style></head><body>
<h1>MAG HTTP API</h1><p>Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div><script type="module">
const spec = await (await fetch('/openapi.json')).json();
const byTag = {};
for (const [path, ops] of Object.entries(spec.paths)) for (const [m, op] of Object.entries(ops)) (byTag[op.tags[0]] ??= []).push({ path, m, op });
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
document.getElementById('ops').innerHTML = Object.entries(byTag).map(([tag, ops]) => '<h2>' + esc(tag) + '</h2>' + ops.map(({ path, m, op }) =>
  '<div class="op"><span class="m ' + m + '">' + m.toUpperCase() + '</span> <code>' + esc(path) + '</code> — ' + esc(op.summary) +
  (op.description ? ' <small>(' + esc(op.description) + ')</small>' : '') +
  (op.requestBody ? '<details><summary>body</summary><pre>' + esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)) + '</pre></details>' : '') +
  (op.parameters ? '<details><summary>parameters</summary><pre>' + esc(JSON.stringify(op.parameters, null, 2)) + '</pre></details>' : '') +
  answersOf(op) + '</div>').join('')).join('');
// each status the route answers with, and when; the answer's schema beside a success (errors: the shared Error)
function answersOf(op) {
  const rows = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const types = Object.keys(r.content ?? {});
    const schema = Number(status) < 400 ? r.content?.['application/json']?.schema : undefined;
    return '<li><b>' + esc(status) + '</b> ' + esc(r.description) + (types.length && Number(status) < 400 ? ' <small>(' + esc(types.join(', ')) + ')</small>' : '') +
      (schema ? '<details><summary>answer</summary><pre>' + esc(JSON.stringify(schema, null, 2)) + '</pre></details>' : '') + '</li>';
  });
  return rows.length ? '<details><summary>answers</summary><ul>' + rows.join('') + '</ul></details>' : '';
}
</script></body></html>`;
}
