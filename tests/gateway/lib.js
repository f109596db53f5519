// SPDX-License-Identifier: MIT
// lib.js: what the gateway tests share: free ports, processes that are always
// stopped, waiting on a condition with a deadline, HTTP and /metrics, WebSocket
// clients (Debian's node-ws), the tshark oracle and the real nd-shifty /
// nd-snifty / nd-gateway from the build tree (paths from the environment).
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const WebSocket = require('ws');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error('environment variable ' + k + ' is not set');
  return v;
};
const BIN = {
  shifty: () => env('ND_SHIFTY'),
  snifty: () => env('ND_SNIFTY'),
  gateway: () => env('ND_GATEWAY'),
};
const WORK = process.env.ND_TEST_WORK || process.cwd();
const PCAPS = () => env('ND_PCAPS');
fs.mkdirSync(WORK, { recursive: true });

function log(...a) {
  console.log(new Date().toISOString(), ...a);
}

class TestFailure extends Error {}
function check(cond, what, detail) {
  if (!cond) throw new TestFailure(what + (detail !== undefined ? ': ' + JSON.stringify(detail) : ''));
  log('ok -', what);
}
function checkEqual(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new TestFailure(what + '\n  got:  ' + g.slice(0, 2000) + '\n  want: ' + w.slice(0, 2000));
  log('ok -', what);
}

// Ask the kernel for a port nobody uses right now.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` (sync or async, truthy = done) every 25 ms until `ms` pass.
async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new TestFailure('timed out after ' + ms + ' ms waiting for ' + what +
      (last instanceof Error ? ' (' + last.message + ')' : ''));
    await sleep(25);
  }
}

// ---- processes ------------------------------------------------------------
const procs = new Set();
function start(name, file, args) {
  const logPath = path.join(WORK, name + '.log');
  const out = fs.openSync(logPath, 'w');
  const p = spawn(file, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  p.name = name;
  p.logPath = logPath;
  p.exited = new Promise((resolve) => p.on('exit', (code, sig) => { procs.delete(p); resolve({ code, sig }); }));
  procs.add(p);
  log('started', name, file, args.join(' '));
  return p;
}
// SIGTERM, then the exit status within `ms` (SIGKILL and a failure after that).
async function stop(p, ms = 5000) {
  if (!procs.has(p)) return p.exited;
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  const r = await p.exited;
  clearTimeout(t);
  return r;
}
async function stopAll() {
  await Promise.all([...procs].map((p) => stop(p)));
}
process.on('exit', () => { for (const p of procs) p.kill('SIGKILL'); });
function logOf(p) {
  try { return fs.readFileSync(p.logPath, 'utf8'); } catch (e) { return ''; }
}

// ---- HTTP -------------------------------------------------------------------
function httpGet(port, urlPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    // agent: false, a fresh connection each time: a kept-alive one that the
    // server closes while idle races with the next request ("socket hang up").
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('HTTP timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Prometheus text exposition format 0.0.4, strictly: every line is a HELP, a
// TYPE or a sample of a metric whose TYPE came first. Returns {name: value}.
function parsePrometheus(text) {
  const values = {}, types = {};
  const nameRe = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new TestFailure('metrics do not end with a newline');
  for (const line of lines.slice(0, -1)) {
    let m;
    if ((m = line.match(new RegExp('^# HELP (' + nameRe + ') .*$')))) continue;
    if ((m = line.match(new RegExp('^# TYPE (' + nameRe + ') (counter|gauge|histogram|summary|untyped)$')))) {
      if (types[m[1]]) throw new TestFailure('TYPE twice for ' + m[1]);
      types[m[1]] = m[2];
      continue;
    }
    m = line.match(new RegExp('^(' + nameRe + ')(\\{[^}]*\\})? (\\S+)( -?\\d+)?$'));
    if (!m) throw new TestFailure('not a Prometheus line: ' + JSON.stringify(line));
    if (!types[m[1]]) throw new TestFailure('sample before its TYPE: ' + m[1]);
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (m[3] !== 'NaN' && Number.isNaN(v)) throw new TestFailure('bad value in ' + JSON.stringify(line));
    if (types[m[1]] === 'counter' && !(v >= 0)) throw new TestFailure('negative counter ' + m[1]);
    values[m[1] + (m[2] || '')] = v;
  }
  return values;
}
async function metrics(port) {
  const r = await httpGet(port, '/metrics');
  if (r.status !== 200) throw new TestFailure('/metrics said ' + r.status);
  return parsePrometheus(r.body);
}

// ---- WebSocket clients ---------------------------------------------------------
// Collects every text frame as parsed JSON; `first` is sent on open.
function client(url, first, opts = {}) {
  const c = { messages: [], raw: 0, closed: null, url };
  c.ws = new WebSocket(url, opts);
  c.opened = new Promise((resolve, reject) => {
    c.ws.on('open', () => {
      if (first !== undefined) c.ws.send(typeof first === 'string' ? first : JSON.stringify(first));
      resolve();
    });
    c.ws.on('error', (e) => { c.error = e; reject(e); });
  });
  c.opened.catch(() => {});
  c.ws.on('message', (data, isBinary) => {
    c.raw++;
    c.messages.push(isBinary ? { binary: true } : JSON.parse(data.toString('utf8')));
  });
  c.closedP = new Promise((resolve) => c.ws.on('close', (code, reason) => {
    c.closed = { code, reason: reason.toString() };
    resolve(c.closed);
  }));
  c.close = () => { if (c.ws.readyState <= 1) c.ws.close(1000); return c.closedP; };
  return c;
}

// ---- the stack: hub + gateway, replays through a kitchen -----------------------
async function startStack(gatewayArgs = [], opts = {}) {
  const st = {};
  st.inPort = await freePort();
  st.outPort = await freePort();
  st.port = await freePort();
  st.hubOut = 'tcp://127.0.0.1:' + st.outPort;
  st.hubIn = 'tcp://127.0.0.1:' + st.inPort;
  st.hubArgs = opts.hubArgs || ['-f', '1'];
  if (!opts.noHub) await startHub(st);
  st.gateway = start(opts.name || 'nd-gateway', BIN.gateway(),
    // Its heartbeats go to this hub's in port, not to the default 11347.
    ['-H', st.hubOut, '--hub-in', st.hubIn, '-p', String(st.port), '-a', '127.0.0.1', '-v'].concat(gatewayArgs));
  st.ws = (q = '') => 'ws://127.0.0.1:' + st.port + '/' + q;
  await waitFor(() => httpGet(st.port, '/healthz').then((r) => r.status > 0), 10000, 'the gateway to listen');
  if (!opts.noHub) await waitFor(() => httpGet(st.port, '/healthz').then((r) => r.status === 200), 10000,
    'the gateway to connect to the hub');
  return st;
}
async function startHub(st) {
  st.hub = start('nd-shifty', BIN.shifty(),
    ['-a', '127.0.0.1', '--in-port', String(st.inPort), '--out-port', String(st.outPort)].concat(st.hubArgs || ['-f', '1']));
}
// Stops the gateway (it must exit 0: under ASan a leak or error makes it
// non-zero) and the hub.
async function stopStack(st) {
  const r = {};
  if (st.gateway) r.gateway = await stop(st.gateway);
  if (st.hub) r.hub = await stop(st.hub);
  if (r.gateway && (r.gateway.code !== 0 || r.gateway.sig !== null))
    throw new TestFailure('nd-gateway exited ' + JSON.stringify(r.gateway) + ' on SIGTERM\n' + logOf(st.gateway).slice(-3000));
  return r;
}

// nd-snifty -r FILE into the hub; resolves when it exits (0 expected).
async function replay(st, pcap, kitchen, extra = []) {
  const p = start('nd-snifty-' + kitchen, BIN.snifty(),
    ['-r', pcap, '-H', st.hubIn, '-n', kitchen, '-q'].concat(extra));
  const t = setTimeout(() => p.kill('SIGKILL'), 60000);
  const r = await p.exited;
  clearTimeout(t);
  if (r.code !== 0) throw new TestFailure('nd-snifty -r ' + pcap + ' exited ' + JSON.stringify(r) + '\n' + logOf(p));
}

// The same capture through nd-snifty --stdout: the dumplings a kitchen makes.
function sniftyStdout(pcap, kitchen, extra = []) {
  const out = execFileSync(BIN.snifty(), ['-r', pcap, '-n', kitchen, '--stdout', '-q'].concat(extra),
    { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l).map((l) => JSON.parse(l));
}

function tshark(args) {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

// A dumpling without its creation_time (the wall clock at the kitchen differs per run).
function timeless(d) {
  const c = JSON.parse(JSON.stringify(d));
  delete c.metadata.creation_time;
  return c;
}

async function main(fn) {
  try {
    await fn();
    await stopAll();
    log('PASS');
    process.exit(0);
  } catch (e) {
    console.error('FAIL:', e instanceof TestFailure ? e.message : e.stack);
    for (const p of procs) console.error('---- ' + p.name + ' log (tail) ----\n' + logOf(p).slice(-3000));
    await stopAll();
    process.exit(1);
  }
}

module.exports = {
  BIN, WORK, PCAPS, log, check, checkEqual, TestFailure, freePort, sleep, waitFor, start, stop, stopAll,
  logOf, httpGet, parsePrometheus, metrics, client, startStack, startHub, stopStack, replay, sniftyStdout,
  tshark, timeless, main,
};
