// SPDX-License-Identifier: MIT
// bench.js: the gateway benchmark (not a ctest test). For one WebSocket client
// and for 100, publishes dumplings into nd-shifty at rising rates (with
// nd-gateway-bench-pub, so the kitchen's capture speed is not measured) and
// reports the highest rate at which every client got every dumpling, in order.
// Beside it, the same rates to a native eater (nd-print --count) when ND_PRINT
// is set. Usage: node bench.js [seconds per step]
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const L = require('./lib');

const PUB = process.env.ND_BENCH_PUB;
const SECS = Number(process.argv[2] || 2);

function counter(url) {
  const c = L.client(url);
  c.ws.removeAllListeners('message');
  c.n = 0; c.bad = 0; c.first = 0; c.last = 0;
  c.ws.on('message', (data) => {
    const s = data.toString();
    const m = s.match(/"sequence":(\d+)/);
    if (!m || !s.includes('"DNSLookupChef"')) return;
    if (Number(m[1]) !== c.n + 1) c.bad++;
    if (!c.n) c.first = Date.now();
    c.n++;
    c.last = Date.now();
  });
  return c;
}

function run(file, args) {
  return new Promise((resolve) => {
    const p = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, err }));
  });
}

async function step(nclients, rate) {
  const st = await L.startStack(['--backlog', '65536']);
  const n = Math.round(rate * SECS);
  const cs = [];
  for (let i = 0; i < nclients; i++) cs.push(counter(st.ws('?chef=DNSLookupChef')));
  await Promise.all(cs.map((c) => c.opened));
  await L.waitFor(async () => {
    const m = await L.metrics(st.port);
    return m.nd_gateway_clients === nclients && m.nd_hub_subscriptions === m.nd_gateway_hub_subscriptions;
  }, 10000, 'subscriptions');
  const t0 = Date.now();
  const kitchen = 'b' + rate;
  await run(PUB, [st.hubIn, String(n), kitchen, String(rate)]);
  await L.waitFor(() => cs.every((c) => c.n >= n), SECS * 1000 + 5000, 'all dumplings').catch(() => {});
  const ok = cs.every((c) => c.n === n && c.bad === 0);
  const secs = (Math.max(...cs.map((c) => c.last)) - t0) / 1000;
  const m = await L.metrics(st.port);
  const got = Math.min(...cs.map((c) => c.n));
  // The gateway's own CPU time (utime + stime, in clock ticks of 10 ms).
  const f = require('fs').readFileSync('/proc/' + st.gateway.pid + '/stat', 'utf8').split(') ')[1].split(' ');
  const cpu = (Number(f[11]) + Number(f[12])) / 100;
  cs.forEach((c) => c.ws.terminate());
  await L.stopStack(st);
  return { ok, rate, n, got, secs, cpu, lagged: m.nd_gateway_clients_lagged_total };
}

async function native(rate) {
  if (!process.env.ND_PRINT) return null;
  const st = await L.startStack();
  const n = Math.round(rate * SECS);
  const p = L.start('nd-print', process.env.ND_PRINT, ['-H', st.hubOut, '-c', 'DNSLookupChef', '--json', '--count', String(n),
    '--timeout', String(SECS + 10), '-q']);
  await L.sleep(500); // nd-print has no readiness signal: give its subscription time to reach the hub
  const t0 = Date.now();
  await run(PUB, [st.hubIn, String(n), 'n' + rate, String(rate)]);
  const r = await p.exited;
  const secs = (Date.now() - t0) / 1000;
  await L.stopStack(st);
  return { ok: r.code === 0, rate, n, secs };
}

L.main(async () => {
  for (const [nclients, rates] of [[1, [50000, 100000, 200000, 300000, 400000]], [100, [1000, 2000, 5000, 10000, 20000]]]) {
    for (const rate of rates) {
      const r = await step(nclients, rate);
      L.log(`gateway, ${nclients} client(s), ${rate}/s offered: ${r.ok ? 'all' : r.got + ' of'} ${r.n} in ${r.secs.toFixed(2)} s` +
        ` (lagged ${r.lagged}); gateway CPU ${r.cpu.toFixed(2)} s = ${(1e6 * r.cpu / r.n).toFixed(2)} µs per dumpling` +
        ` (${(1e6 * r.cpu / r.n / nclients).toFixed(2)} µs per frame)`);
      if (!r.ok) break;
    }
  }
  for (const rate of [50000, 100000, 200000, 300000, 400000]) {
    const r = await native(rate);
    if (!r) break;
    L.log(`native nd-print --json, ${rate}/s offered: ${r.ok ? 'all' : 'NOT all'} ${r.n} in ${r.secs.toFixed(2)} s`);
    if (!r.ok) break;
  }
});
