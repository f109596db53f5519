// SPDX-License-Identifier: MIT
// ws_clients.js: the benchmark's WebSocket eaters: opens N clients to
// nd-gateway, says "ready" on stdout once every client has had a first
// dumpling (the hub's status: the path is subscribed end to end), then counts
// packet dumplings per client (no filter: the status must come through) until each has `expect` or nothing
// came for `idle` seconds, and prints one JSON line. Debian's node-ws.
//
// Usage: node ws_clients.js URL NCLIENTS EXPECT IDLE_S [--latency]
// Per message it only looks for two fields with a regular expression: parsing
// every frame as JSON would measure node, not the gateway.
'use strict';
const WebSocket = require('ws');
const { performance } = require('perf_hooks');

const [url, nStr, expectStr, idleStr, ...rest] = process.argv.slice(2);
const N = Number(nStr), EXPECT = Number(expectStr), IDLE = Number(idleStr) * 1000;
const LATENCY = rest.includes('--latency');
const nowMs = () => performance.timeOrigin + performance.now();

const clients = [];
let ready = false, lastAny = 0, firstAny = 0;
const lat = [];
const CT = /"creation_time":([0-9.e+]+)/;

function finish(why) {
  const counts = clients.map((c) => c.n);
  const c0 = clients[0];
  let p = () => 0;
  if (LATENCY && lat.length) {
    lat.sort((a, b) => a - b);
    p = (q) => lat[Math.round(q * (lat.length - 1))];
  }
  const secs = (lastAny - firstAny) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  process.stdout.write(JSON.stringify({
    why, clients: N, open: clients.filter((c) => c.open).length,
    min_received: Math.min(...counts), max_received: Math.max(...counts),
    complete: counts.filter((n) => n >= EXPECT).length,
    seconds: secs, rate: c0 && c0.n > 1 ? (c0.n - 1) / ((c0.last - c0.first) / 1000) : 0,
    total_rate: secs > 0 ? total / secs : 0,
    p50_ms: p(0.5), p99_ms: p(0.99), p999_ms: p(0.999), max_ms: LATENCY && lat.length ? lat[lat.length - 1] : 0,
  }) + '\n', () => process.exit(0)); // a pipe is written asynchronously
  clients.forEach((c) => c.ws.terminate());
  clearInterval(timer);
}

for (let i = 0; i < N; i++) {
  const c = { n: 0, first: 0, last: 0, status: false, open: false };
  c.ws = new WebSocket(url, { perMessageDeflate: false });
  c.ws.on('open', () => {
    c.open = true;
    c.ws.send(JSON.stringify({ eater_name: 'bench' + i }));
  });
  c.ws.on('message', (data) => {
    const s = data.toString();
    if (!s.includes('"driver":"packet"')) {
      c.status = true; // the hub's SystemStatusChef, always delivered
      return;
    }
    const t = nowMs();
    if (!c.n) c.first = t;
    if (!firstAny) firstAny = t;
    c.last = lastAny = t;
    c.n++;
    if (LATENCY && i === 0) {
      const m = CT.exec(s);
      if (m) lat.push(t - Number(m[1]));
    }
  });
  c.ws.on('close', () => { c.open = false; });
  c.ws.on('error', (e) => { process.stderr.write('client ' + i + ': ' + e.message + '\n'); });
  clients.push(c);
}

const start = Date.now();
const timer = setInterval(() => {
  if (!ready) {
    if (clients.every((c) => c.status)) {
      ready = true;
      process.stdout.write('ready\n');
    } else if (Date.now() - start > 20000) {
      finish('not ready');
    }
    return;
  }
  if (clients.every((c) => c.n >= EXPECT)) finish('complete');
  else if (lastAny && nowMs() - lastAny > IDLE) finish('idle');
  else if (!lastAny && Date.now() - start > 60000) finish('nothing came');
}, 20);
