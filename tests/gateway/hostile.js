// SPDX-License-Identifier: MIT
// hostile.js: bad input never takes the gateway down. Each hostile client
// (oversized, binary, invalid UTF-8, non-JSON or non-object first message, bad
// filter names, fragments that add up too big, non-HTTP garbage) is closed
// with a clear close code, and a normal client still gets dumplings after
// each. HTTP: unknown paths, traversal, directories, symlinks out and dot
// files are 404. Hub unreachable: /healthz 503, then 200 when the hub comes.
// Port in use: exit 1. --max-clients. Usage errors: exit 2.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawnSync } = require('child_process');
const L = require('./lib');

// A WebSocket client by hand, to send what a well-behaved library never would.
function rawClient(port, query = '') {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0), upgraded = false;
    const r = { sock: s, frames: [], ended: false };
    r.endedP = new Promise((res) => s.on('close', () => { r.ended = true; res(); }));
    s.on('error', () => {});
    s.on('connect', () => s.write('GET /' + query + ' HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
      'Connection: Upgrade\r\nSec-WebSocket-Key: ' + crypto.randomBytes(16).toString('base64') +
      '\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        if (!/^HTTP\/1\.1 101/.test(buf.toString('latin1', 0, i))) return reject(new Error('no upgrade'));
        upgraded = true;
        buf = buf.subarray(i + 4);
        resolve(r);
      }
      for (;;) { // server frames are unmasked
        if (buf.length < 2) break;
        let n = buf[1] & 0x7f, j = 2;
        if (n === 126) { if (buf.length < 4) break; n = buf.readUInt16BE(2); j = 4; }
        else if (n === 127) { if (buf.length < 10) break; n = Number(buf.readBigUInt64BE(2)); j = 10; }
        if (buf.length < j + n) break;
        r.frames.push({ op: buf[0] & 0x0f, payload: buf.subarray(j, j + n) });
        buf = buf.subarray(j + n);
      }
    });
  });
}
function frame(op, payload, fin = true) {
  payload = Buffer.from(payload);
  const mask = crypto.randomBytes(4);
  let hdr;
  if (payload.length < 126) hdr = Buffer.from([(fin ? 0x80 : 0) | op, 0x80 | payload.length]);
  else { hdr = Buffer.from([(fin ? 0x80 : 0) | op, 0x80 | 126, 0, 0]); hdr.writeUInt16BE(payload.length, 2); }
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([hdr, mask, masked]);
}
async function closeOf(r) {
  await L.waitFor(() => r.ended || r.frames.some((f) => f.op === 8), 5000, 'a close');
  const f = r.frames.find((x) => x.op === 8);
  if (!f) return { code: null };
  return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null, reason: f.payload.subarray(2).toString() };
}

async function normalStillWorks(st, what) {
  const c = L.client(st.ws(), { eater_name: 'normal' });
  await c.opened;
  await L.waitFor(() => c.messages.length >= 1, 5000, 'a dumpling at a normal client after ' + what);
  await c.close();
  L.check(true, 'after ' + what + ', a normal client still gets dumplings');
}

async function wsCases(st) {
  const cases = [
    ['an oversized message', '', (s) => s.write(frame(1, 'x'.repeat(5000))), 1009],
    ['fragments adding up past 4 KiB', '', (s) => { s.write(frame(1, 'y'.repeat(3000), false)); s.write(frame(0, 'y'.repeat(3000))); }, 1009],
    ['a binary message', '', (s) => s.write(frame(2, crypto.randomBytes(64))), 1003],
    ['invalid UTF-8', '', (s) => s.write(frame(1, Buffer.from([0x7b, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x7d]))), 1007],
    ['a non-JSON first message', '', (s) => s.write(frame(1, 'hello, gateway')), 4000],
    ['a JSON first message that is not an object', '', (s) => s.write(frame(1, '[1,2,3]')), 4000],
    ['a bad chef_filter', '', (s) => s.write(frame(1, '{"eater_name":"x","chef_filter":["<script>"]}')), 4000],
    ['a bad chef in the query string', '?chef=%3Cscript%3E', () => {}, 4000],
    ['a bad loss in the query string', '?loss=yes', () => {}, 4000],
    ['a bad batch in the query string', '?batch=yes', () => {}, 4000],
    ['a batch other than 0 or 1', '?batch=2', () => {}, 4000],
  ];
  for (const [what, q, send, code] of cases) {
    const r = await rawClient(st.port, q);
    send(r.sock);
    const c = await closeOf(r);
    L.check(c.code === code, what + ' → close ' + code + (c.reason ? ' "' + c.reason + '"' : ''), c);
    r.sock.destroy();
    await normalStillWorks(st, what);
  }
  // Not WebSocket, not even HTTP.
  const g = net.connect(st.port, '127.0.0.1');
  g.on('error', () => {});
  g.resume();
  g.write(crypto.randomBytes(4096));
  await L.waitFor(() => g.destroyed || g.readableEnded, 5000, 'garbage to be dropped').catch(() => g.destroy());
  g.destroy();
  await normalStillWorks(st, 'raw garbage bytes');
  // Later messages from an eater are allowed and ignored.
  const talk = L.client(st.ws(), { eater_name: 'talker' });
  await talk.opened;
  talk.ws.send('{"anything": 1}');
  talk.ws.send('not json, after the first message');
  await L.waitFor(() => talk.messages.length >= 1, 5000, 'dumplings at the talker');
  L.check(talk.closed === null, 'messages after the first one are ignored, not fatal');
  await talk.close();
  const m = await L.metrics(st.port);
  L.check(m.nd_gateway_clients_bad_input_total === 11, 'the 11 bad clients were counted', m.nd_gateway_clients_bad_input_total);
}

function rawHttp(port, request) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.write(request);
    setTimeout(() => s.destroy(), 3000);
  });
}

async function httpCases() {
  const root = path.join(L.WORK, 'webroot');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><title>t</title>');
  fs.writeFileSync(path.join(root, 'sub', 'a.txt'), 'a');
  fs.writeFileSync(path.join(root, '.hidden'), 'secret');
  fs.symlinkSync('/etc/passwd', path.join(root, 'link'));
  // --vendor-root: its files under /vendor/ only, with the web root's rules.
  const vendor = path.join(L.WORK, 'vendor');
  fs.rmSync(vendor, { recursive: true, force: true });
  fs.mkdirSync(path.join(vendor, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(vendor, 'lib', 'lib.js'), 'var x = 1;');
  fs.writeFileSync(path.join(vendor, '.hidden'), 'secret');
  fs.symlinkSync('/etc/passwd', path.join(vendor, 'lib', 'link.js'));
  const st = await L.startStack(['--web-root', root, '--vendor-root', vendor]);
  const get = (p) => L.httpGet(st.port, p);
  L.check((await get('/')).status === 200, 'GET / serves index.html');
  const idx = await get('/index.html');
  L.check(idx.status === 200 && /text\/html/.test(idx.headers['content-type']) &&
    /default-src 'self'/.test(idx.headers['content-security-policy'] || ''), 'index.html with a strict CSP');
  L.check((await get('/sub/a.txt')).status === 200, 'files in folders are served');
  const statusOf = (p) => get(p).then((r) => r.status, () => 'refused');
  for (const p of ['/nope', '/sub', '/sub/', '/link', '/.hidden', '/sub/../.hidden', '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd', '/sub/a.txt%00.html']) {
    const s = await statusOf(p);
    L.check(s === 404 || s === 'refused', 'GET ' + p + ' is ' + s);
  }
  const lib = await get('/vendor/lib/lib.js');
  L.check(lib.status === 200 && /text\/javascript/.test(lib.headers['content-type']) && lib.body === 'var x = 1;',
    '--vendor-root: /vendor/lib/lib.js is served as JavaScript');
  for (const p of ['/lib/lib.js', '/vendor/', '/vendor/lib', '/vendor/lib/link.js', '/vendor/.hidden',
    '/vendor/lib/../.hidden', '/vendor/../vendor/.hidden', '/vendor/sub/a.txt',
    '/vendor/%2e%2e/%2e%2e/etc/passwd']) {
    const s = await statusOf(p);
    L.check(s === 404 || s === 'refused', 'GET ' + p + ' is ' + s);
  }
  const vtrav = await rawHttp(st.port, 'GET /vendor/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n');
  L.check(!/root:/.test(vtrav) && /^HTTP\/1\.1 (404|403|400)/.test(vtrav), 'raw GET /vendor/../../etc/passwd is refused',
    vtrav.split('\r\n')[0]);
  const trav = await rawHttp(st.port, 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n');
  L.check(!/root:/.test(trav) && /^HTTP\/1\.1 (404|403|400)/.test(trav), 'raw GET /../../etc/passwd is refused',
    trav.split('\r\n')[0]);
  const post = await rawHttp(st.port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
  L.check(!/nd_gateway_up/.test(post), 'POST is not answered with data', post.split('\r\n')[0]);
  await normalStillWorks(st, 'the HTTP probes');
  await L.stopStack(st);

  // The default web root: the page itself.
  const st2 = await L.startStack();
  for (const f of ['/', '/app.js', '/style.css']) L.check((await L.httpGet(st2.port, f)).status === 200, 'the page: GET ' + f);
  // The default vendor root is Debian's: Chart.js from libjs-chart.js.
  if (fs.existsSync('/usr/share/javascript/chart.js/chart.min.js')) {
    const c = await L.httpGet(st2.port, '/vendor/chart.js/chart.min.js');
    L.check(c.status === 200 && /Chart/.test(c.body), 'the page: GET /vendor/chart.js/chart.min.js (libjs-chart.js)');
  } else {
    console.log('# libjs-chart.js is not installed: /vendor/chart.js not checked');
  }
  await L.stopStack(st2);
}

async function hubCases() {
  // Hub unreachable at start: the gateway runs, /healthz 503, then 200 when it appears.
  const st = await L.startStack([], { noHub: true });
  const h = await L.httpGet(st.port, '/healthz');
  L.check(h.status === 503, '/healthz is 503 while the hub is away');
  const c = L.client(st.ws(), { eater_name: 'patient' });
  await c.opened;
  await L.startHub(st);
  await L.waitFor(() => L.httpGet(st.port, '/healthz').then((r) => r.status === 200), 10000, '/healthz 200');
  L.check(true, '/healthz is 200 once the hub is up');
  await L.waitFor(() => c.messages.length >= 1, 10000, 'dumplings once the hub is up');
  L.check(true, 'a client connected before the hub gets dumplings once it is up');
  // The hub goes away and comes back.
  await L.stop(st.hub);
  await L.waitFor(() => L.httpGet(st.port, '/healthz').then((r) => r.status === 503), 10000, '/healthz 503 again');
  L.check(true, '/healthz is 503 when the hub goes away');
  await L.startHub(st);
  const n = c.messages.length;
  await L.waitFor(() => c.messages.length > n, 10000, 'dumplings after the hub restarted');
  L.check(true, 'dumplings flow again after the hub restarted');
  await c.close();

  // Port in use.
  const busy = L.start('nd-gateway-busy', L.BIN.gateway(), ['-H', st.hubOut, '-p', String(st.port), '-a', '127.0.0.1']);
  const t = setTimeout(() => busy.kill('SIGKILL'), 10000);
  const r = await busy.exited;
  clearTimeout(t);
  L.check(r.code === 1 && /in use/.test(L.logOf(busy)), 'port in use: exit 1 with a clear message',
    L.logOf(busy).trim());

  // --max-clients
  const p2 = await L.freePort();
  const g = L.start('nd-gateway-max', L.BIN.gateway(), ['-H', st.hubOut, '-p', String(p2), '-a', '127.0.0.1',
    '--max-clients', '2']);
  await L.waitFor(() => L.httpGet(p2, '/healthz').then((x) => x.status === 200), 10000, 'the max-clients gateway');
  const cs = [0, 1].map(() => L.client('ws://127.0.0.1:' + p2 + '/'));
  await Promise.all(cs.map((x) => x.opened));
  await L.waitFor(async () => (await L.metrics(p2)).nd_gateway_clients === 2, 5000, '2 clients');
  const third = L.client('ws://127.0.0.1:' + p2 + '/');
  const closed = await Promise.race([third.closedP, L.sleep(5000).then(() => null)]);
  L.check(closed && closed.code === 1013, '--max-clients 2: the third gets 1013 "' + (closed && closed.reason) + '"');
  L.check(cs.every((x) => x.closed === null), 'the first two stay');
  await Promise.all(cs.map((x) => x.close()));
  L.checkEqual(await L.stop(g), { code: 0, sig: null }, 'SIGTERM: exit 0');
  const gi = L.start('nd-gateway-sigint', L.BIN.gateway(), ['-H', st.hubOut, '-p', String(p2), '-a', '127.0.0.1']);
  await L.waitFor(() => L.httpGet(p2, '/healthz').then((x) => x.status === 200), 10000, 'the SIGINT gateway');
  const withClient = L.client('ws://127.0.0.1:' + p2 + '/');
  await withClient.opened;
  gi.kill('SIGINT');
  const gr = await Promise.race([gi.exited, L.sleep(5000).then(() => 'still running')]);
  L.checkEqual(gr, { code: 0, sig: null }, 'SIGINT: exit 0');
  const wc = await Promise.race([withClient.closedP, L.sleep(2000).then(() => null)]);
  L.check(wc && wc.code === 1001, 'its client was told 1001 "' + (wc && wc.reason) + '"');
  await L.stopStack(st);

  // Usage.
  const run = (args) => spawnSync(L.BIN.gateway(), args, { encoding: 'utf8', timeout: 10000 });
  L.check(run(['--help']).status === 0 && /--hub/.test(run(['--help']).stdout), '--help: exit 0, on stdout');
  L.check(run(['--version']).status === 0 && /nd-gateway/.test(run(['--version']).stdout), '--version: exit 0');
  for (const bad of [['--port', 'http'], ['--port', '70000'], ['--time-unit', 'h'], ['--max-clients', '0'],
    ['--bogus'], ['extra'], ['-H', 'not-an-endpoint'], ['--ping', '0']])
    L.check(run(bad).status === 2, 'usage error ' + bad.join(' ') + ': exit 2');
}

// Ping/pong: a client that never answers pings is dropped, one that does stays.
async function pingCases() {
  const st = await L.startStack(['--ping', '1']);
  const mute = await rawClient(st.port);
  const polite = L.client(st.ws(), { eater_name: 'polite' });
  await polite.opened;
  const t0 = Date.now();
  await L.waitFor(() => mute.frames.some((f) => f.op === 9), 5000, 'a ping');
  L.check(true, 'an idle client is pinged');
  await L.waitFor(() => mute.ended, 6000, 'the mute client to be dropped');
  L.check(true, 'a client that does not answer pings is dropped after ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
  await L.sleep(1500); // past the point where the mute one went: the polite one must still be there
  L.check(polite.closed === null && (await L.metrics(st.port)).nd_gateway_clients === 1,
    'a client that answers pings stays connected');
  await polite.close();
  await L.stopStack(st);
}

L.main(async () => {
  const st = await L.startStack();
  await wsCases(st);
  await L.stopStack(st);
  await httpCases();
  await hubCases();
  await pingCases();
});
