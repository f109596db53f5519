// SPDX-License-Identifier: MIT
// gateway.js (security.gateway): nd-gateway's hardening, each refusal with the
// right HTTP status or close code and each accepted case working:
// --allow-origin (403 on the upgrade), --token-file (401 for WebSocket and
// /metrics; Bearer header or ?token= accepted), --max-clients-per-ip (429),
// the client message cap (close 1009), --handshake-timeout (a connection that
// never finishes its request is closed), TLS (https:// and wss:// with a
// self-signed certificate made by openssl now), and CURVE from the gateway to
// a CURVE hub (its clients still get the kitchen's dumplings).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const path = require('path');
const WebSocket = require('ws');
const L = require('../gateway/lib');

const PCAP = () => path.join(L.PCAPS(), 'ndpi-dns.pcap');
const CHEF = 'DNSLookupChef';

// An HTTP(S) GET with headers; resolves {status, body}.
function get(url, headers = {}, extra = {}) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.get(url, Object.assign({ headers, agent: false, timeout: 5000 }, extra), (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// Tries a WebSocket upgrade: resolves {status} when refused, {ws} when open.
function attempt(url, opts = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.on('unexpected-response', (req, res) => { resolve({ status: res.statusCode }); req.destroy(); });
    ws.on('open', () => resolve({ ws, status: 101 }));
    ws.on('error', (e) => resolve({ error: e.message }));
  });
}

// The kitchen's dumplings for CHEF, as nd-snifty --stdout makes them.
function expected(kitchen) {
  return L.sniftyStdout(PCAP(), kitchen, ['-c', CHEF]).map(L.timeless);
}

async function received(c, n, what) {
  await L.waitFor(() => c.messages.filter((m) => m.metadata && m.metadata.chef === CHEF).length >= n,
    20000, what);
  return c.messages.filter((m) => m.metadata.chef === CHEF).map(L.timeless);
}

async function doorChecks() {
  const token = 'tok-' + Math.random().toString(36).slice(2) + '-secret';
  const tokenFile = path.join(L.WORK, 'token');
  fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  const good = 'http://good.example';
  const st = await L.startStack(['--allow-origin', good + ',https://other.example', '--token-file', tokenFile,
    '--max-clients-per-ip', '2', '--handshake-timeout', '2']);
  const bearer = { Authorization: 'Bearer ' + token };

  let r = await attempt(st.ws('?token=' + token), { origin: 'http://evil.example' });
  L.check(r.status === 403, 'wrong Origin: 403', r);
  r = await attempt(st.ws(), { origin: good });
  L.check(r.status === 401, 'no token: 401', r);
  r = await attempt(st.ws('?token=wrong-token-here'), { origin: good });
  L.check(r.status === 401, 'wrong token: 401', r);
  r = await attempt(st.ws(), { origin: good, headers: { Authorization: 'Bearer nope-nope-nope' } });
  L.check(r.status === 401, 'wrong Bearer token: 401', r);

  // Accepted: Bearer header with an allowed Origin; ?token= without Origin (not a browser).
  const a = L.client(st.ws('?chef=' + CHEF), { eater_name: 'bearer' }, { origin: good, headers: bearer });
  const b = L.client(st.ws('?chef=' + CHEF + '&token=' + token), { eater_name: 'query' });
  await a.opened;
  await b.opened;
  L.check(true, 'Bearer header and ?token= accepted');
  // A third client from the same address: 429.
  r = await attempt(st.ws('?token=' + token));
  L.check(r.status === 429, 'third client from one address: 429', r);

  await L.replay(st, PCAP(), 'door_kitchen', ['-c', CHEF]);
  const want = expected('door_kitchen');
  L.checkEqual(await received(a, want.length, 'dumplings at the Bearer client'), want, 'Bearer client got the kitchen\'s dumplings');
  L.checkEqual(await received(b, want.length, 'dumplings at the ?token= client'), want, '?token= client got them too');

  // A client message over the cap: close 1009.
  await b.close(); // room for one more under the per-address cap
  const big = await L.waitFor(() => attempt(st.ws(), { headers: bearer }).then((x) => x.ws), 5000,
    'room for a client again');
  const closedP = new Promise((resolve) => big.on('close', (code) => resolve(code)));
  big.send('x'.repeat(8000));
  const code = await closedP;
  L.check(code === 1009, 'oversized client message: close 1009', code);

  // /metrics needs the token; the page does not.
  L.check((await get('http://127.0.0.1:' + st.port + '/metrics')).status === 401, '/metrics without token: 401');
  L.check((await get('http://127.0.0.1:' + st.port + '/metrics', { Authorization: 'Bearer x' + token })).status === 401,
    '/metrics with a wrong token: 401');
  const m = await get('http://127.0.0.1:' + st.port + '/metrics', bearer);
  L.check(m.status === 200 && /nd_gateway_/.test(m.body), '/metrics with the token: 200');
  L.check((await get('http://127.0.0.1:' + st.port + '/?token=' + token)).status === 200, 'the page: 200');

  // A connection that never finishes its request is closed after the timeout.
  const t0 = Date.now();
  const secs = await new Promise((resolve) => {
    const s = net.connect(st.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    s.on('error', () => {});
    s.on('close', () => resolve((Date.now() - t0) / 1000));
    setTimeout(() => { s.destroy(); resolve(-1); }, 15000);
  });
  L.check(secs >= 1.5 && secs < 8, 'unfinished handshake closed after ~2 s', secs);
  await a.close();
  await L.stopStack(st);
}

async function tlsChecks() {
  const cert = path.join(L.WORK, 'gw.crt'), key = path.join(L.WORK, 'gw.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
  { stdio: 'ignore' });
  const st = {};
  st.inPort = await L.freePort();
  st.outPort = await L.freePort();
  st.port = await L.freePort();
  st.hubIn = 'tcp://127.0.0.1:' + st.inPort;
  st.hubArgs = ['-f', '1'];
  await L.startHub(st);
  st.gateway = L.start('nd-gateway-tls', L.BIN.gateway(), ['-H', 'tcp://127.0.0.1:' + st.outPort,
    '-p', String(st.port), '-a', '127.0.0.1', '--cert', cert, '--key', key]);
  const ca = fs.readFileSync(cert);
  await L.waitFor(() => get('https://127.0.0.1:' + st.port + '/healthz', {}, { ca })
    .then((r) => r.status === 200), 10000, 'https://…/healthz 200');
  L.check(true, 'https:// with the self-signed certificate');
  let plain;
  try {
    plain = await get('http://127.0.0.1:' + st.port + '/healthz');
  } catch (e) {
    plain = { error: e.message };
  }
  L.check(plain.status !== 200, 'plain http:// on the TLS port is not served', plain);
  const c = L.client('wss://127.0.0.1:' + st.port + '/?chef=' + CHEF, { eater_name: 'tls' }, { ca });
  await c.opened;
  await L.replay(st, PCAP(), 'tls_kitchen', ['-c', CHEF]);
  const want = expected('tls_kitchen');
  L.checkEqual(await received(c, want.length, 'dumplings over wss://'), want, 'wss:// client got the kitchen\'s dumplings');
  await c.close();
  await L.stopStack(st);
}

async function curveChecks() {
  const keygen = process.env.ND_KEYGEN;
  const dir = path.join(L.WORK, 'keys'), allow = path.join(L.WORK, 'allow');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(allow, { recursive: true, force: true });
  fs.mkdirSync(dir);
  fs.mkdirSync(allow);
  for (const n of ['hub', 'gateway', 'kitchen']) execFileSync(keygen, ['-d', dir, n], { stdio: 'ignore' });
  for (const n of ['gateway', 'kitchen']) fs.copyFileSync(path.join(dir, n + '.key'), path.join(allow, n + '.key'));
  const hubKey = path.join(dir, 'hub.key');
  const curve = (n) => ['--curve-server-key', hubKey, '--curve-secret', path.join(dir, n + '.key_secret')];
  const st = await L.startStack(curve('gateway'), {
    hubArgs: ['-f', '1', '--curve-secret', path.join(dir, 'hub.key_secret'), '--curve-allow', allow],
  });
  L.check(true, 'gateway connected to a CURVE hub');
  const c = L.client(st.ws('?chef=' + CHEF), { eater_name: 'curve' });
  await c.opened;
  await L.replay(st, PCAP(), 'curve_kitchen', ['-c', CHEF].concat(curve('kitchen')));
  const want = expected('curve_kitchen');
  L.checkEqual(await received(c, want.length, 'dumplings through CURVE'), want, 'CURVE kitchen → hub → gateway → client');
  await c.close();
  await L.stopStack(st);
}

L.main(async () => {
  if (!fs.existsSync(PCAP())) {
    console.log('no capture ' + PCAP());
    process.exit(77);
  }
  await doorChecks();
  await tlsChecks();
  await curveChecks();
});
