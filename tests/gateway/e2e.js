// SPDX-License-Identifier: MIT
// e2e.js: nd-snifty -r → nd-shifty → nd-gateway → WebSocket clients. The JSON
// each client gets is exactly the kitchen's dumplings (nd-snifty --stdout of
// the same capture, creation_time aside), its values agree with tshark, chef
// and kitchen filters work from the query string and from the first message,
// a ?batch=1 client gets the same dumplings in order as JSON arrays,
// the hub subscription narrows to the chefs asked for, and --time-unit s.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const L = require('./lib');

const isStatus = (d) => d.metadata.chef === 'SystemStatusChef';
const dumplingsOf = (c) => c.messages.filter((d) => !isStatus(d));

async function run() {
  const dnsPcap = path.join(L.PCAPS(), 'tcpdump-dns_udp.pcap');
  const crafted = path.join(L.WORK, 'browser.pcap');
  execFileSync('python3', [path.join(__dirname, 'make_pcap.py'), 'browser', crafted]);

  const t0 = Date.now();
  const st = await L.startStack();
  const all = L.client(st.ws(), { eater_name: 'all' });
  const qchef = L.client(st.ws('?chef=DNSLookupChef'));
  const qkitchen = L.client(st.ws('?kitchen=k2'), { eater_name: 'qk' });
  const qboth = L.client(st.ws('?chef=ARPChef&chef=PacketCountChef&kitchen=k1'));
  const first = L.client(st.ws(), { eater_name: 'f', chef_filter: ['ARPChef'], kitchen_filter: ['k2'] });
  // ?batch=1: JSON arrays of what the others get one message at a time.
  const batched = L.client(st.ws('?batch=1'), { eater_name: 'batched' });
  const batchedChef = L.client(st.ws('?batch=1&chef=DNSLookupChef&time_unit=s'));
  const clients = [all, qchef, qkitchen, qboth, first, batched, batchedChef];
  await Promise.all(clients.map((c) => c.opened));
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 7, 5000, '7 clients');
  // Two status dumplings after "" was subscribed: the path hub → gateway → client is live.
  await L.waitFor(() => all.messages.filter(isStatus).length >= 2, 10000, 'two SystemStatusChef dumplings');

  await L.replay(st, dnsPcap, 'k1');
  await L.replay(st, crafted, 'k2');
  const t1 = Date.now();

  const want = L.sniftyStdout(dnsPcap, 'k1').concat(L.sniftyStdout(crafted, 'k2'));
  await L.waitFor(() => dumplingsOf(all).length >= want.length, 10000, want.length + ' dumplings at the plain client');
  L.checkEqual(dumplingsOf(all).map(L.timeless), want.map(L.timeless),
    'the plain client got exactly the kitchens\' dumplings (nd-snifty --stdout), in order');
  for (const d of all.messages) {
    const ct = d.metadata.creation_time;
    if (!(typeof ct === 'number' && ct >= t0 - 1000 && ct <= Date.now() + 1000))
      throw new L.TestFailure('creation_time is not epoch ms of this run: ' + JSON.stringify(d.metadata));
  }
  L.check(true, 'every creation_time is epoch milliseconds within the run');
  const status = all.messages.filter(isStatus);
  L.check(status.every((d) => d.metadata.kitchen === 'nd-shifty' && d.metadata.driver === 'interval' &&
    typeof d.payload.total_dumplings_in === 'number'), 'SystemStatusChef dumplings arrive in the seed\'s shape');

  // The oracle: tshark's view of the same packets.
  const q = L.tshark(['-r', dnsPcap, '-Y', 'dns.flags.response == 0', '-T', 'fields', '-e', 'dns.qry.name',
    '-e', 'frame.time_epoch']).trim().split('\n').map((l) => l.split('\t'));
  const lookups = dumplingsOf(all).filter((d) => d.metadata.kitchen === 'k1' && d.metadata.chef === 'DNSLookupChef' &&
    d.metadata.driver === 'packet');
  L.checkEqual(lookups.map((d) => d.payload.lookup.hostname), q.map((r) => r[0]), 'k1 lookups = tshark dns.qry.name');
  L.check(lookups.every((d, i) => Math.abs(d.payload.lookup.when - Number(q[i][1])) < 1e-5),
    'k1 lookup times = tshark frame.time_epoch');
  const a = L.tshark(['-r', crafted, '-Y', 'arp', '-T', 'fields', '-e', 'arp.opcode', '-e', 'arp.src.hw_mac',
    '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.hw_mac', '-e', 'arp.dst.proto_ipv4']).trim().split('\n')
    .map((l) => l.split('\t'));
  const arps = dumplingsOf(all).filter((d) => d.metadata.chef === 'ARPChef');
  L.checkEqual(arps.map((d) => [d.payload.operation === 'request' ? '1' : '2', d.payload.src_hw, d.payload.src_ip,
    d.payload.dst_hw, d.payload.dst_ip]), a, 'k2 ARP dumplings = tshark arp fields');

  // Filters: each filtered client gets exactly the plain client's matching dumplings.
  const cases = [
    [qchef, (d) => d.metadata.chef === 'DNSLookupChef', '?chef=DNSLookupChef'],
    [qkitchen, (d) => d.metadata.kitchen === 'k2', '?kitchen=k2'],
    [qboth, (d) => ['ARPChef', 'PacketCountChef'].includes(d.metadata.chef) && d.metadata.kitchen === 'k1',
      '?chef=ARPChef&chef=PacketCountChef&kitchen=k1'],
    [first, (d) => d.metadata.chef === 'ARPChef' && d.metadata.kitchen === 'k2',
      'first message chef_filter [ARPChef] kitchen_filter [k2]'],
  ];
  for (const [c, f, what] of cases) {
    const exp = all.messages.filter(f);
    L.check(exp.length > 0, what + ' has something to match');
    await L.waitFor(() => c.messages.length >= exp.length, 5000, what);
    L.checkEqual(c.messages, exp, 'filter ' + what + ' delivers exactly the matching dumplings');
  }

  // ?batch=1: every message is an array of what an unbatched client gets, in order.
  const flat = (c) => [].concat(...c.messages);
  await L.waitFor(() => dumplingsOf({ messages: flat(batched) }).length >= want.length, 10000,
    want.length + ' dumplings at the batched client');
  L.check(batched.messages.every((a) => Array.isArray(a) && a.length > 0 &&
    a.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))),
  '?batch=1: every message is a non-empty JSON array of objects');
  L.checkEqual(dumplingsOf({ messages: flat(batched) }), dumplingsOf(all),
    '?batch=1: exactly the plain client\'s dumplings, creation_time included, in order');
  const dnsAll = dumplingsOf(all).filter((d) => d.metadata.chef === 'DNSLookupChef');
  await L.waitFor(() => flat(batchedChef).length >= dnsAll.length, 5000, 'the batched DNSLookupChef client');
  L.checkEqual(flat(batchedChef).map(L.timeless), dnsAll.map(L.timeless),
    '?batch=1&chef=DNSLookupChef&time_unit=s: exactly the matching dumplings, in order');
  L.check(flat(batchedChef).every((d) => d.metadata.creation_time < Date.now() / 1000 + 1),
    '?batch=1&time_unit=s: creation_time in seconds in the arrays');
  L.log('?batch=1: ' + flat(batched).length + ' messages in ' + batched.messages.length + ' frames');

  await Promise.all(clients.map((c) => c.close()));
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 0, 5000, 'clients gone');

  // Narrowing: only chef-filtered clients → the hub holds their chefs (+ SystemStatusChef) only.
  const n1 = L.client(st.ws('?chef=DNSLookupChef'));
  const n2 = L.client(st.ws(), { eater_name: 'n2', chef_filter: ['ARPChef'] });
  await Promise.all([n1.opened, n2.opened]);
  await L.waitFor(async () => {
    const m = await L.metrics(st.port);
    return m.nd_gateway_hub_subscriptions === 7 && m.nd_hub_subscriptions === 7;
  }, 10000, 'the hub to hold 7 subscriptions (SystemStatusChef/, $sent/, DNSLookupChef/, ARPChef/, and the ' +
    'registrations $eater/nd-gateway/.., $eater/anonymous/.. (n1, unnamed) and $eater/n2/..)');
  const before = (await L.metrics(st.port)).nd_gateway_dumplings_received_total;
  await L.replay(st, crafted, 'k3');
  const k3 = L.sniftyStdout(crafted, 'k3');
  const k3dns = k3.filter((d) => d.metadata.chef === 'DNSLookupChef');
  const k3arp = k3.filter((d) => d.metadata.chef === 'ARPChef');
  await L.waitFor(() => n1.messages.length >= k3dns.length && n2.messages.length >= k3arp.length, 5000, 'k3 dumplings');
  L.checkEqual(n1.messages.map(L.timeless), k3dns.map(L.timeless), 'narrowed: DNSLookupChef client');
  L.checkEqual(n2.messages.map(L.timeless), k3arp.map(L.timeless), 'narrowed: ARPChef client (first message)');
  const m = await L.metrics(st.port);
  const got = m.nd_gateway_dumplings_received_total - before;
  // What came in: the two chefs' dumplings and SystemStatusChef ones, never the other chefs'.
  L.check(k3.length - k3dns.length - k3arp.length >= 2, 'k3 has dumplings of other chefs too');
  // At most one SystemStatusChef dumpling (1 s apart) falls in this short window.
  L.check(got >= k3dns.length + k3arp.length && got <= k3dns.length + k3arp.length + 1,
    'the hub filtered: the gateway received ' + got + ' of ' + k3.length + ' k3 dumplings (+status)');
  await Promise.all([n1.close(), n2.close()]);

  // --time-unit s: a second gateway on the same hub.
  const secPort = await L.freePort();
  const g2 = L.start('nd-gateway-s', L.BIN.gateway(), ['-H', st.hubOut, '-p', String(secPort), '-a', '127.0.0.1',
    '--time-unit', 's']);
  await L.waitFor(() => L.httpGet(secPort, '/healthz').then((r) => r.status === 200), 10000, 'the seconds gateway');
  const s = L.client('ws://127.0.0.1:' + secPort + '/', { eater_name: 'old-eater' });
  await s.opened;
  await L.waitFor(() => s.messages.filter(isStatus).length >= 2, 10000, 'status at the seconds gateway');
  const ts0 = Date.now() / 1000;
  await L.replay(st, dnsPcap, 'k4');
  const k4 = L.sniftyStdout(dnsPcap, 'k4');
  await L.waitFor(() => dumplingsOf(s).length >= k4.length, 5000, 'k4 dumplings');
  L.checkEqual(dumplingsOf(s).map(L.timeless), k4.map(L.timeless), '--time-unit s: same dumplings');
  L.check(s.messages.every((d) => d.metadata.creation_time > ts0 - 30 && d.metadata.creation_time < Date.now() / 1000 + 1),
    '--time-unit s: creation_time is epoch seconds', s.messages.map((d) => d.metadata.creation_time).slice(0, 3));
  await s.close();
  L.checkEqual(await L.stop(g2), { code: 0, sig: null }, 'the seconds gateway exits 0 on SIGTERM');

  const r = await L.stopStack(st);
  L.checkEqual(r.gateway, { code: 0, sig: null }, 'nd-gateway exits 0 on SIGTERM');
  L.check(t1 >= t0, 'done');
}

L.main(run);
