// browser.js: Debian's chromium, headless, driven by playwright-core, loads the
// page from nd-gateway while captures are replayed: the lookups, layer counts
// and ARP devices that tshark sees in the capture appear; query names that are
// HTML tags with handlers show as text and run nothing; "hub unreachable"
// shows while the hub is away; the page reconnects after the gateway
// restarts; the chef filter narrows the hub subscription. Screenshots go to
// the test's work folder.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const L = require('./lib');
let chromium;
try {
  ({ chromium } = require(process.env.ND_PLAYWRIGHT || 'playwright-core'));
} catch (e) {
  console.log('SKIP: playwright-core not found (' + (process.env.ND_PLAYWRIGHT || 'playwright-core') + '); install it with\n' +
    '  tests/lib/install-node-deps.sh BUILD/node   (npm install --prefix BUILD/node playwright-core)');
  process.exit(77);
}

function tsharkCount(pcap, filter) {
  const out = L.tshark(['-r', pcap, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim();
  return out ? out.split('\n').length : 0;
}

async function run() {
  const pcap = path.join(L.WORK, 'browser.pcap');
  execFileSync('python3', [path.join(__dirname, 'make_pcap.py'), 'browser', pcap]);
  const st = await L.startStack();
  const profile = fs.mkdtempSync(path.join(L.WORK, 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1000 },
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    const dialogs = [], errors = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page.on('pageerror', (e) => errors.push(String(e)));
    // Nothing may request "x" (the img src in the crafted names).
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));

    await page.goto('http://127.0.0.1:' + st.port + '/');
    await page.waitForFunction(() => document.getElementById('conn-status').textContent === 'live', null, { timeout: 10000 });
    L.check(true, 'the page connects (indicator says live)');
    // "", and the registrations $eater/nd-gateway/.. and $eater/web/.. (the page's eater_name).
    await L.waitFor(async () => (await L.metrics(st.port)).nd_hub_subscriptions === 3, 10000, 'the page\'s subscription at the hub');

    await L.replay(st, pcap, 'web');

    // DNS: the names tshark sees (the DNS chef writes a space in a name as \032).
    const names = L.tshark(['-r', pcap, '-Y', 'dns.flags.response == 0', '-T', 'fields', '-e', 'dns.qry.name'])
      .trim().split('\n').map((n) => n.replace(/ /g, '\\032'));
    await page.waitForFunction((n) => document.querySelectorAll('#dns-list li').length >= n, names.length, { timeout: 10000 });
    const shown = await page.$$eval('#dns-list li .hostname', (els) => els.map((e) => e.textContent));
    L.checkEqual(shown, names.slice().reverse(), 'DNS lookups = tshark dns.qry.name, newest first');
    L.check(shown.some((s) => s.startsWith('<img\\032src=x\\032onerror=')) &&
      shown.includes('<img/src/onerror=window.ndXss=2>.evil.example'), 'the markup names show as text');
    const imgs = await page.$$eval('img', (els) => els.length);
    const xss = await page.evaluate(() => window.ndXss);
    L.check(imgs === 0 && xss === undefined && dialogs.length === 0, 'and run nothing (no <img>, no handler ran)',
      { imgs, xss, dialogs });
    L.check(!requests.some((u) => /\/x$/.test(u) || /\/$/.test(u) && u !== 'http://127.0.0.1:' + st.port + '/'),
      'nothing fetched an image source', requests);

    // Layer counts: tshark's counts for the same capture.
    const want = {
      Ethernet: tsharkCount(pcap, 'eth'), IP: tsharkCount(pcap, 'ip'), UDP: tsharkCount(pcap, 'udp'),
      DNS: tsharkCount(pcap, 'dns'), ARP: tsharkCount(pcap, 'arp'),
    };
    await page.waitForFunction(() => document.querySelectorAll('#counts-body tr').length > 0, null, { timeout: 10000 });
    const counts = await page.$$eval('#counts-body tr', (rows) => Object.fromEntries(rows.map((r) =>
      [r.children[0].textContent, Number(r.children[1].textContent)])));
    L.checkEqual(Object.fromEntries(Object.keys(want).map((k) => [k, counts[k]])), want, 'packet counts = tshark');
    const widths = await page.$$eval('#counts-body .bar', (bars) => bars.map((b) => parseFloat(b.style.width)));
    L.check(widths[0] === 100 && widths.every((w, i) => i === 0 || w <= widths[i - 1]), 'bars are proportional', widths);

    // ARP: every sender tshark sees, with its MAC; replies from a new device say so.
    const arp = L.tshark(['-r', pcap, '-Y', 'arp', '-T', 'fields', '-e', 'arp.opcode', '-e', 'arp.src.proto_ipv4',
      '-e', 'arp.src.hw_mac']).trim().split('\n').map((l) => l.split('\t'));
    const dev = new Map(), seenReply = new Set();
    for (const [op, ip, mac] of arp) {
      const d = dev.get(ip) || { mac, notes: '' };
      d.mac = mac;
      if (op === '2' && !seenReply.has(ip)) { d.notes = 'source device is new'; seenReply.add(ip); }
      dev.set(ip, d);
    }
    await page.waitForFunction((n) => document.querySelectorAll('#arp-body tr').length >= n, dev.size, { timeout: 10000 });
    const rows = await page.$$eval('#arp-body tr', (trs) => trs.map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent)));
    L.checkEqual(rows.map((r) => r.join('|')).sort(), [...dev].map(([ip, d]) => ip + '|' + d.mac + '|' + d.notes).sort(),
      'ARP devices = tshark senders (IP, MAC, notes)');

    // Hub panel.
    await page.waitForFunction(() => [...document.querySelectorAll('#kitchens-body td')].some((t) => t.textContent === 'web'),
      null, { timeout: 10000 });
    L.check(true, 'the hub panel lists the kitchen');
    await page.waitForFunction(() => {
      const e = [...document.querySelectorAll('#eaters-list li')].map((li) => li.textContent);
      return e.includes('web') && e.includes('nd-gateway');
    }, null, { timeout: 10000 });
    L.check(true, 'the hub panel lists the eaters: nd-gateway and the page itself ("web")');
    await page.waitForFunction(() => document.getElementById('hub-rate').textContent !== '–', null, { timeout: 10000 });
    L.check(true, 'the hub panel shows a rate');
    await page.screenshot({ path: path.join(L.WORK, 'gateway-page.png'), fullPage: true });
    L.log('screenshot:', path.join(L.WORK, 'gateway-page.png'));

    // Hub away: the page says so; hub back: it stops saying so.
    await L.stop(st.hub);
    await page.waitForFunction(() => !document.getElementById('hub-banner').hidden, null, { timeout: 15000 });
    L.check(true, 'hub stopped: the page says "hub unreachable"');
    await page.screenshot({ path: path.join(L.WORK, 'gateway-page-hub-down.png') });
    await L.startHub(st);
    await page.waitForFunction(() => document.getElementById('hub-banner').hidden, null, { timeout: 15000 });
    L.check(true, 'hub back: the banner goes');

    // Gateway restart: the page reconnects by itself.
    await L.stop(st.gateway);
    await page.waitForFunction(() => /retrying/.test(document.getElementById('conn-status').textContent), null, { timeout: 10000 });
    L.check(true, 'gateway stopped: the indicator says it is retrying');
    st.gateway = L.start('nd-gateway-2', L.BIN.gateway(), ['-H', st.hubOut, '-p', String(st.port), '-a', '127.0.0.1']);
    await page.waitForFunction(() => document.getElementById('conn-status').textContent === 'live', null, { timeout: 20000 });
    L.check(true, 'gateway back: the page reconnected');

    // The chef filter: the page asks for DNSLookupChef (+ SystemStatusChef for the hub panel).
    await page.fill('#chef-filter', 'DNSLookupChef');
    await page.click('#filter-form button');
    await L.waitFor(async () => {
      const m = await L.metrics(st.port);
      return m.nd_gateway_clients === 1 && m.nd_gateway_hub_subscriptions === 4;
    }, 10000, 'the filtered subscription');
    L.check(true, 'the chef filter narrows the gateway\'s hub subscription');

    // A gateway that wants a token (--token-file): the page opened as /?token=T
    // passes it on to its WebSocket and goes live.
    await L.stop(st.gateway);
    const token = 'browser-test-token-' + process.pid;
    const tokenFile = path.join(L.WORK, 'gateway.token');
    fs.writeFileSync(tokenFile, token + '\n');
    st.gateway = L.start('nd-gateway-token', L.BIN.gateway(),
      ['-H', st.hubOut, '-p', String(st.port), '-a', '127.0.0.1', '--token-file', tokenFile]);
    await L.waitFor(async () => (await L.httpGet(st.port, '/healthz').catch(() => ({}))).status === 200,
      10000, 'the token gateway listening');
    await page.goto('http://127.0.0.1:' + st.port + '/?token=' + token);
    await page.waitForFunction(() => document.getElementById('conn-status').textContent === 'live', null, { timeout: 20000 });
    L.check(true, 'with --token-file, the page opened with ?token= connects');
    L.check(errors.length === 0, 'no script errors on the page', errors);
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  await L.stopStack(st);
}

L.main(run);
