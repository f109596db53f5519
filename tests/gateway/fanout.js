// SPDX-License-Identifier: MIT
// fanout.js: one producer, many consumers of different speeds. 100 concurrent
// clients all receive every dumpling of a replayed capture; then, with a small
// --backlog, a client that stops reading is closed for lag (counted, logged,
// 4008 "lagging" if the close frame can still reach it) while a fast client
// receives every one of a flood of dumplings.
'use strict';
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const L = require('./lib');

const noStatus = (c) => c.messages.filter((d) => d.metadata.chef !== 'SystemStatusChef');

async function hundred() {
  const pcap = path.join(L.PCAPS(), 'tcpdump-arp-oobr.pcap');
  const want = L.sniftyStdout(pcap, 'fan').map(L.timeless);
  L.check(want.length > 100, 'the capture makes ' + want.length + ' dumplings');
  const st = await L.startStack();
  const clients = [];
  for (let i = 0; i < 100; i++) clients.push(L.client(st.ws(), { eater_name: 'fan' + i }));
  await Promise.all(clients.map((c) => c.opened));
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 100, 10000, '100 clients');
  await L.waitFor(() => clients.every((c) => c.messages.length >= 2), 10000, 'two status dumplings at every client');
  await L.replay(st, pcap, 'fan');
  await L.waitFor(() => clients.every((c) => noStatus(c).length >= want.length), 30000,
    'every client to receive ' + want.length + ' dumplings');
  clients.forEach((c, i) => {
    const got = noStatus(c).map(L.timeless);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new L.TestFailure('client ' + i + ' got a different list (' + got.length + ' dumplings)');
  });
  L.check(true, 'all 100 clients received every dumpling, in order');
  const m = await L.metrics(st.port);
  L.check(m.nd_gateway_clients_lagged_total === 0, 'nobody lagged');
  await Promise.all(clients.map((c) => c.close()));
  await L.stopStack(st);
}

async function slow() {
  const N = 40000;
  const pcap = path.join(L.WORK, 'flood.pcap');
  execFileSync('python3', [path.join(__dirname, 'make_pcap.py'), 'flood', pcap, String(N)]);
  const st = await L.startStack(['--backlog', '512']);

  const sc = spawn('python3', [path.join(__dirname, 'slow_client.py'), String(st.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let scOut = '';
  sc.stdout.on('data', (d) => (scOut += d));
  const scExit = new Promise((r) => sc.on('exit', r));
  await L.waitFor(() => scOut.includes('ready') || scOut.includes('closed'), 10000, 'the slow client to connect');
  L.check(scOut.includes('ready'), 'slow client handshake');

  const fast = L.client(st.ws('?chef=DNSLookupChef'), { eater_name: 'fast' });
  await fast.opened;
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 2, 5000, '2 clients');
  await L.waitFor(async () => {
    const m = await L.metrics(st.port);
    return m.nd_gateway_hub_subscriptions === 6 && m.nd_hub_subscriptions === 6;
  }, 10000, 'the hub to hold DNSLookupChef/, SystemStatusChef/, $sent/, $eater/nd-gateway/.., ' +
    '$eater/anonymous/.. (the unnamed slow client), $eater/fast/..');

  const t0 = Date.now();
  await L.replay(st, pcap, 'flood', ['-c', 'DNSLookupChef']);
  const lookups = () => fast.messages.filter((d) => d.metadata.driver === 'packet').length;
  await L.waitFor(() => lookups() >= N, 60000, 'the fast client to receive ' + N + ' lookups');
  const secs = (Date.now() - t0) / 1000;
  L.log('flood of', N, 'in', secs.toFixed(2), 's:', Math.round(N / secs), 'dumplings/s end to end');
  const hosts = fast.messages.filter((d) => d.metadata.driver === 'packet').map((d) => d.payload.lookup.hostname);
  L.check(hosts.every((h, i) => h === 'host' + String(i).padStart(6, '0') + '.' + 'x'.repeat(40) + '.flood.example'),
    'the fast client got every lookup, in order');
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients_lagged_total === 1, 15000,
    'the slow client to be closed for lag');
  L.check(/lagged more than 512/.test(L.logOf(st.gateway)), 'the gateway logged the lagging client');

  sc.stdin.write('read\n');
  await Promise.race([scExit, L.sleep(40000)]);
  const last = scOut.trim().split('\n').pop();
  L.check(last === 'closed 4008 lagging' || last === 'closed none',
    'the slow client saw its connection closed (' + last + ')');
  const m = await L.metrics(st.port);
  L.check(m.nd_gateway_clients === 1, 'the fast client is still connected');
  await fast.close();
  await L.stopStack(st);
}

// Dumplings larger than the gateway's 64 KiB write batch (DNSLookupChef's
// lookups_seen after thousands of names) go as frames of their own, between
// batches of small ones: two clients get every dumpling, in order, with the
// same JSON as nd-snifty --stdout.
async function big() {
  const pcap = path.join(L.WORK, 'flood3k.pcap');
  execFileSync('python3', [path.join(__dirname, 'make_pcap.py'), 'flood', pcap, '3000']);
  const extra = ['-c', 'DNSLookupChef', '-p', '0.005'];
  const want = L.sniftyStdout(pcap, 'big', extra).map(L.timeless);
  const large = want.filter((d) => JSON.stringify(d).length > 65536).length;
  L.check(large >= 3, large + ' dumplings over 64 KiB among ' + want.length);
  const st = await L.startStack();
  const clients = [0, 1].map((i) => L.client(st.ws(), { eater_name: 'big' + i }));
  await Promise.all(clients.map((c) => c.opened));
  await L.waitFor(() => clients.every((c) => c.messages.length >= 2), 10000, 'two status dumplings at every client');
  await L.replay(st, pcap, 'big', extra);
  await L.waitFor(() => clients.every((c) => noStatus(c).length >= want.length), 30000,
    'both clients to receive ' + want.length + ' dumplings');
  clients.forEach((c, i) => {
    const got = noStatus(c).map(L.timeless);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new L.TestFailure('client ' + i + ' got a different list (' + got.length + ' dumplings)');
  });
  L.check(true, 'both clients received every dumpling, large ones included, in order');
  await Promise.all(clients.map((c) => c.close()));
  await L.stopStack(st);
}

L.main(async () => {
  await hundred();
  await big();
  await slow();
});
