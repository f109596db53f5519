// SPDX-License-Identifier: MIT
// loss.js: the gateway's loss, counted and told (issue 18). A client asks for
// its loss (?loss=1), filtered by chef, and stops reading while a fast client
// takes everything: with a small --backlog the gateway drops for the slow one
// instead of closing it. When it reads again, the last {"$loss":{"lost":N}}
// it got must be exactly what the kitchen sent on its topic minus what it
// received, and the same N must be in /metrics and, through the gateway's
// heartbeats, in the hub's SystemStatusChef (its own eater entry, and the
// gateway's as an eater with nothing lost from the hub).
'use strict';
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const L = require('./lib');

const CHEF = 'DNSLookupChef';

async function run() {
  const N = 40000;
  const pcap = path.join(L.WORK, 'flood.pcap');
  execFileSync('python3', [path.join(__dirname, 'make_pcap.py'), 'flood', pcap, String(N)]);
  // What the kitchen makes: the dumplings of CHEF are what the slow client wants.
  const made = L.sniftyStdout(pcap, 'lossk');
  const want = made.filter((d) => d.metadata.chef === CHEF);
  const last = Math.max(...want.map((d) => d.metadata.topic_sequence));
  L.check(want.length === last && last >= N, 'the capture makes ' + want.length + ' ' + CHEF +
    ' dumplings, numbered 1..' + last + ', among ' + made.length);

  const st = await L.startStack(['--backlog', '512']);
  const py = process.env.ND_PYTHON || 'python3';
  const sc = spawn(py, [path.join(__dirname, 'loss_client.py'), String(st.port), '?loss=1&chef=' + CHEF, 'slow',
    CHEF, String(last)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let scOut = '';
  sc.stdout.on('data', (d) => (scOut += d));
  const scExit = new Promise((r) => sc.on('exit', r));
  await L.waitFor(() => scOut.includes('ready') || scOut.includes('closed') || scOut.includes('refused'), 10000,
    'the slow client to connect');
  L.check(scOut.includes('ready'), 'slow client handshake');

  const fast = L.client(st.ws(), { eater_name: 'fast' });
  await fast.opened;
  await L.waitFor(async () => {
    const m = await L.metrics(st.port);
    return m.nd_gateway_clients === 2 && m.nd_gateway_hub_subscriptions === 4 && m.nd_hub_subscriptions === 4;
  }, 10000, 'the hub to hold "", $eater/nd-gateway/.., $eater/slow/.. and $eater/fast/..');

  await L.replay(st, pcap, 'lossk');
  const fastGot = () => fast.messages.filter((d) => d.metadata && d.metadata.chef === CHEF).length;
  await L.waitFor(() => fastGot() === want.length, 30000, 'the fast client to get all ' + want.length);
  L.check(true, 'the fast client got every ' + CHEF + ' dumpling');
  L.check(!fast.messages.some((d) => d.$loss !== undefined), 'a client that did not ask is told nothing of loss');

  const m1 = await L.metrics(st.port);
  L.check(m1.nd_gateway_dumplings_lag_dropped_total > 0,
    'the gateway dropped for the slow client (' + m1.nd_gateway_dumplings_lag_dropped_total + ')');
  L.check(m1.nd_gateway_clients_lagged_total === 0, 'it did not close it (it asked for loss)');

  sc.stdin.write('go\n');
  await L.waitFor(() => scOut.split('\n').some((l) => l.startsWith('{')), 60000, 'the slow client to read to the end');
  const r = JSON.parse(scOut.split('\n').find((l) => l.startsWith('{')));
  L.check(r.reached, 'the slow client got the last ' + CHEF + ' dumpling (' + last + ')', r.close);
  L.check(r.lost !== null && r.loss_messages >= 1, 'it was told its loss (' + r.loss_messages + ' $loss messages)');
  L.check(r.other === 0, 'only ' + CHEF + ' came, as filtered');
  // Numbers only go up: a hole, never a repeat or a reorder.
  L.check(r.seqs.every((s, i) => i === 0 || s > r.seqs[i - 1]), 'what it got came in order');
  L.log('slow client: received', r.received, 'lost', r.lost, 'of', last);
  L.check(r.lost > 0, 'it lost some: the test proves something');
  L.checkEqual(r.lost, last - r.received, 'its $loss N is exactly what was sent minus what it received');
  L.checkEqual(r.lost, last - r.seqs.length, 'and the holes in its topic_sequence numbers');

  // The gateway's figures: all of the drops are the slow client's; nothing
  // was lost between the hub and the gateway.
  const m2 = await L.metrics(st.port);
  L.checkEqual(m2.nd_gateway_dumplings_lag_dropped_total, r.lost, '/metrics: nd_gateway_dumplings_lag_dropped_total');
  L.checkEqual(m2.nd_gateway_dumplings_lost_total, 0, '/metrics: nd_gateway_dumplings_lost_total');

  // The hub's status, as the fast client gets it: the slow eater's entry says
  // what the gateway counted for it; the gateway's own, what it got from the hub.
  const entry = (p, name) => (p.dumpling_eaters || []).find((e) => e.info_from_eater.eater_name === name);
  const status = await L.waitFor(() => {
    const ss = fast.messages.filter((d) => d.metadata && d.metadata.chef === 'SystemStatusChef');
    const p = ss.length ? ss[ss.length - 1].payload : null;
    const s = p && entry(p, 'slow'), g = p && entry(p, 'nd-gateway');
    return s && g && s.info_from_eater.lost === r.lost && s.info_from_eater.received >= r.received &&
      g.info_from_eater.received >= made.length ? p : null;
  }, 15000, "the hub's status to list the slow eater's loss");
  const gw = entry(status, 'nd-gateway').info_from_eater;
  L.check(gw.lost === 0 && gw.kitchens.some((k) => k.kitchen === 'lossk' && k.lost === 0),
    'the hub lists the gateway as an eater that lost nothing from the hub', gw);
  const gws = status.dumpling_gateways[0].info_from_gateway;
  L.checkEqual(gws.dumplings_lag_dropped, r.lost, "the gateway heartbeat's dumplings_lag_dropped");
  L.check(status.total_gateway_lag_drops === r.lost, 'the hub sums it in total_gateway_lag_drops');

  sc.stdin.write('bye\n');
  await scExit;
  await fast.close();
  await L.stopStack(st);
}

L.main(run);
