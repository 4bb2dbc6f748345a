// Probe (not part of the suite): how fast Chromium sends 16 MiB fetch()
// bodies given as an ArrayBuffer copy vs a Blob, WITHOUT any DevTools
// protocol attached (Playwright's network instrumentation skews this: under
// it, array bodies looked several times slower than Blobs). The page runs
// in plain `chromium --headless --dump-dom`; an <img> held open by this
// server delays the load event until the page has posted its figures.
//
//   node scripts/probe-fetch-bodies.mjs      (prints one line of MiB/s)
import { spawn } from 'node:child_process';
import http from 'node:http';

let release;
let result = '';
const done = new Promise((r) => (release = r));
const page = `<!doctype html><body><img src="/wait"><script>
(async () => {
  const N = 32, SZ = 16 << 20;
  const buf = new Uint8Array(SZ); for (let i = 0; i < SZ; i += 65536) crypto.getRandomValues(buf.subarray(i, i + 65536));
  const out = [];
  for (const kind of ['array', 'blob', 'array', 'blob']) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const body = kind === 'array' ? buf.slice() : new Blob([buf]);
      await (await fetch('/sink', { method: 'PATCH', body })).text();
    }
    out.push(kind + ' ' + ((N * 16) / ((performance.now() - t0) / 1000)).toFixed(0) + ' MiB/s');
  }
  await fetch('/done', { method: 'POST', body: out.join(', ') });
})();
</script>`;
const server = http.createServer((req, res) => {
  if (req.url === '/sink') { req.on('data', () => {}); req.on('end', () => res.end('ok')); return; }
  if (req.url === '/done') { req.on('data', (d) => (result += d)); req.on('end', () => { res.end('ok'); release(); }); return; }
  if (req.url === '/wait') { done.then(() => { res.setHeader('content-type', 'image/gif'); res.end(); }); return; }
  res.setHeader('content-type', 'text/html');
  res.end(page);
}).listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  const chromium = spawn(process.env.QV_CHROMIUM || '/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', url], { stdio: 'ignore' });
  chromium.on('exit', () => { console.log(result || 'no result'); server.close(); });
});
