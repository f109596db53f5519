// SPDX-License-Identifier: MIT
// metrics.js: GET /metrics parses as Prometheus text (format 0.0.4) and its
// counters match what the test did: clients, dumplings received, frames sent,
// nothing dropped, and the hub's figures from its latest SystemStatusChef.
'use strict';
const path = require('path');
const L = require('./lib');

async function exact() {
  // No status dumplings in this window (-f 3600), so every count is known.
  const st = await L.startStack([], { hubArgs: ['-f', '3600'] });
  const m0 = await L.metrics(st.port);
  for (const k of ['nd_gateway_dumplings_received_total', 'nd_gateway_dumplings_sent_total',
    'nd_gateway_clients', 'nd_gateway_clients_accepted_total', 'nd_gateway_dumplings_dropped_total'])
    L.check(k in m0, k + ' is exposed');
  L.check(m0.nd_gateway_hub_connected === 1, 'nd_gateway_hub_connected 1');
  const a = L.client(st.ws(), { eater_name: 'a' });
  const b = L.client(st.ws('?kitchen=mk'));
  const none = L.client(st.ws('?chef=NoSuchChef'));
  await Promise.all([a.opened, b.opened, none.opened]);
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 3, 5000, '3 clients');
  // A first replay proves the whole path is subscribed before counting starts.
  const pcap0 = path.join(L.PCAPS(), 'tcpdump-dns_udp.pcap');
  const warm = L.sniftyStdout(pcap0, 'warm').length;
  await L.replay(st, pcap0, 'warm');
  await L.waitFor(() => a.messages.length >= warm, 5000, 'the warm-up dumplings');
  const base = await L.metrics(st.port);
  const pcap = path.join(L.PCAPS(), 'ndpi-dns.pcap');
  const want = L.sniftyStdout(pcap, 'mk');
  await L.replay(st, pcap, 'mk');
  await L.waitFor(() => a.messages.length >= warm + want.length && b.messages.length >= want.length, 5000, 'the dumplings');
  const m = await L.metrics(st.port);
  const d = (k) => m[k] - base[k];
  L.check(d('nd_gateway_dumplings_received_total') === want.length, 'received_total counts the ' + want.length +
    ' dumplings sent', d('nd_gateway_dumplings_received_total'));
  L.check(d('nd_gateway_dumplings_sent_total') === 2 * want.length, 'sent_total counts one frame per client that wanted it',
    d('nd_gateway_dumplings_sent_total'));
  L.check(none.messages.length === 0, 'the NoSuchChef client got nothing');
  L.check(m.nd_gateway_dumplings_dropped_total === 0, 'nothing dropped');
  L.check(m.nd_gateway_clients === 3 && m.nd_gateway_clients_accepted_total === 3, 'clients 3, accepted 3');
  L.check(m.nd_gateway_clients_lagged_total === 0 && m.nd_gateway_clients_bad_input_total === 0, 'no lag, no bad input');
  await Promise.all([a.close(), b.close(), none.close()]);
  await L.waitFor(async () => (await L.metrics(st.port)).nd_gateway_clients === 0, 5000, 'clients gone');
  L.check(true, 'nd_gateway_clients goes back to 0');
  await L.stopStack(st);
}

async function hubFigures() {
  const st = await L.startStack();
  const c = L.client(st.ws('?chef=SystemStatusChef'));
  await c.opened;
  await L.replay(st, path.join(L.PCAPS(), 'tcpdump-dns_udp.pcap'), 'hk');
  // The gateway's figures follow the latest status dumpling it passed on.
  await L.waitFor(async () => {
    const last = c.messages[c.messages.length - 1];
    if (!last || last.payload.total_dumplings_in < 4) return false;
    const m = await L.metrics(st.port);
    const again = c.messages[c.messages.length - 1];
    return again === last && m.nd_hub_dumplings_in_total === last.payload.total_dumplings_in &&
      m.nd_hub_dumplings_out_total === last.payload.total_dumplings_out &&
      m.nd_hub_kitchens === last.payload.dumpling_kitchen_count &&
      m.nd_hub_uptime_seconds === last.payload.server_uptime;
  }, 10000, 'nd_hub_* to equal the latest SystemStatusChef payload');
  L.check(true, 'nd_hub_* equal the latest SystemStatusChef figures');
  await c.close();
  await L.stopStack(st);
}

L.main(async () => {
  L.check(JSON.stringify(L.parsePrometheus('# TYPE x counter\nx 1\n')) === '{"x":1}', 'the parser itself works');
  let threw = false;
  try { L.parsePrometheus('x 1\n'); } catch (e) { threw = true; }
  L.check(threw, 'the parser rejects a sample without TYPE');
  await exact();
  await hubFigures();
});
