// SPDX-License-Identifier: MIT
// app.js: the netdumplings live page. One WebSocket to the gateway that served
// this page; every dumpling goes into the model of one panel (a chef the page
// has no panel for goes to "Other chefs" as a tree), and a panel that changed
// is drawn again at most once per animation frame. Every model and every table
// has a cap, so the page stays the same size at any rate. Everything that came
// off the network is put in the page with textContent, never as markup: a
// hostname sniffed from a packet can contain anything.
'use strict';

(function () {
  const MAX_LOOKUPS = 60;          // DNS rows shown
  const MAX_ROWS = 50;             // rows of a newest-first table shown
  const MAX_KEYED = 200;           // rows of a keyed table (ARP, DHCP) shown
  const KEEP_ITEMS = 500;          // events kept per list (for search and kitchen choice)
  const KEEP_KEYS = 2000;          // devices kept per keyed table
  const KEEP_COUNTED = 5000;       // names counted per count table
  const TOP_BARS = 10;             // rows of a bar table
  const OTHER_CHEFS = 20;          // plugin chefs shown
  const OTHER_PER_CHEF = 5;        // latest dumplings shown per plugin chef
  const TREE_NODES = 400;          // nodes drawn of one dumpling's tree
  const TREE_TEXT = 300;           // characters drawn of one string in a tree
  const MAX_KITCHENS = 100;        // kitchens in the selector and the history
  const MAX_SERIES = 10;           // lines per chart; the rest are summed as "other"
  const HISTORY_SECONDS = 300;     // the charts' window
  const FADE_SECONDS = 60;         // a lookup fades to the floor over this
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const HEALTH_EVERY_MS = 3000;
  const KNOWN = new Set(['DNSLookupChef', 'PacketCountChef', 'ARPChef', 'SystemStatusChef',
    'TLSClientHelloChef', 'HTTPRequestChef', 'DHCPChef', 'ICMPCountChef', 'TopTalkersChef']);

  const $ = (id) => document.getElementById(id);

  // ---- small DOM helpers (text only) ---------------------------------------
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));
    return tr;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const str = (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  function fmtTime(epochSeconds) {
    const d = new Date(Number(epochSeconds) * 1000);
    return isNaN(d) ? '' : timeFormat.format(d); // toLocaleTimeString, without its cost per call
  }
  function isoTime(epochSeconds) {
    const d = new Date(Number(epochSeconds) * 1000);
    return isNaN(d) ? '' : d.toISOString();
  }
  // A time cell: local time, the UTC ISO-8601 time as its tooltip.
  function timeCell(epochSeconds, tag) {
    const c = el(tag || 'td', fmtTime(epochSeconds), 'time');
    c.title = isoTime(epochSeconds);
    return c;
  }
  function fmtDuration(s) {
    s = Math.floor(Number(s) || 0);
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24,
      m = Math.floor(s / 60) % 60, sec = s % 60;
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + sec + 's';
  }
  function endpoint(ip, port, transport) {
    const a = str(ip);
    const host = a.indexOf(':') >= 0 && port !== undefined && port !== null ? '[' + a + ']' : a;
    return port === undefined || port === null ? host : host + ':' + port;
  }
  // Fills a bar table's body with [label, n] rows, largest first, at most `cap`.
  function bars(body, entries, cap) {
    const rows = entries.filter((e) => Number.isFinite(e[1])).sort((a, b) => b[1] - a[1] ||
      (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, cap || TOP_BARS);
    const max = rows.length ? rows[0][1] : 0;
    clear(body);
    for (const [label, n] of rows) {
      const bar = el('div', null, 'bar');
      bar.style.width = (max ? (100 * n / max) : 0).toFixed(1) + '%';
      const barCell = el('td');
      barCell.appendChild(bar);
      body.appendChild(row([el('td', label), el('td', n, 'num'), barCell]));
    }
  }

  // ---- what is shown: kitchen choice, search, pause ---------------------------
  const view = { kitchen: '', search: '', paused: false };
  const inView = (kitchen) => !view.kitchen || view.kitchen === kitchen;
  const matches = (texts) => !view.search ||
    texts.some((t) => t !== null && t !== undefined && String(t).toLowerCase().indexOf(view.search) >= 0);

  // ---- panels and the frame scheduler ------------------------------------------
  // A panel has render() and reset(); whatever changed it calls dirty(panel).
  // Drawing happens in an animation frame, at most every FRAME_MS, all dirty
  // panels in the same frame (one layout); a panel drawn whole (tables,
  // trees) at most every `every` ms. At 10,000 dumplings/s that is what keeps
  // the main thread free: the cost is per frame, not per dumpling.
  const FRAME_MS = 200;
  const dirtyPanels = new Set();
  let frameAsked = false;
  let lastFrame = -1e9;
  function ask() {
    if (frameAsked) return;
    frameAsked = true;
    const wait = lastFrame + FRAME_MS - performance.now();
    if (wait > 0) setTimeout(() => requestAnimationFrame(frame), wait);
    else requestAnimationFrame(frame);
  }
  function dirty(panel) {
    dirtyPanels.add(panel);
    if (!view.paused) ask();
  }
  function frame(now) {
    frameAsked = false;
    lastFrame = now;
    $('received').textContent = String(received);
    if (view.paused) return;
    for (const p of [...dirtyPanels]) {
      if (now - (p.drawn || -1e9) < (p.every || 0)) continue;
      dirtyPanels.delete(p);
      p.drawn = now;
      p.render();
    }
    if (dirtyPanels.size) ask();
  }
  const allPanels = [];
  function panel(p) {
    allPanels.push(p);
    return p;
  }
  function redrawAll() {
    for (const p of allPanels) {
      if (p.full !== undefined) p.full = true;
      p.drawn = -1e9; // the reader changed the view: now, not in a second
      dirty(p);
    }
  }

  // Newest first, bounded: events kept (KEEP_ITEMS) and rows drawn (cap). New
  // events are put on top of what is drawn; a change of kitchen or search, or
  // more new events than fit, draws the whole list again.
  function listPanel(body, cap, make, texts, empty) {
    const p = panel({ items: [], pending: [], full: true, every: 0 });
    p.add = (item) => {
      p.items.push(item);
      if (p.items.length > KEEP_ITEMS * 1.2) p.items.splice(0, p.items.length - KEEP_ITEMS);
      p.pending.push(item);
      if (p.pending.length > cap) p.full = true;
      dirty(p);
    };
    const shown = (it) => inView(it.kitchen) && matches(texts(it));
    p.render = () => {
      if (p.full) {
        clear(body);
        let n = 0;
        for (let i = p.items.length - 1; i >= 0 && n < cap; i--) {
          if (!shown(p.items[i])) continue;
          body.appendChild(make(p.items[i]));
          n++;
        }
      } else {
        for (const it of p.pending) if (shown(it)) body.insertBefore(make(it), body.firstChild);
        while (body.children.length > cap) body.removeChild(body.lastChild);
      }
      p.full = false;
      p.pending = [];
      if (empty) empty.hidden = body.children.length > 0;
    };
    p.reset = () => { p.items = []; p.pending = []; p.full = true; };
    return p;
  }

  // One row per key (a device), the most recently changed first, bounded.
  function keyedPanel(body, make, texts) {
    const p = panel({ rows: new Map(), every: 1000 });
    p.update = (key, fn) => {
      const old = p.rows.get(key);
      const r = fn(old);
      p.rows.delete(key);
      p.rows.set(key, r); // Map order = change order
      if (p.rows.size > KEEP_KEYS) p.rows.delete(p.rows.keys().next().value);
      dirty(p);
    };
    p.render = () => {
      clear(body);
      const all = [...p.rows.values()];
      let n = 0;
      for (let i = all.length - 1; i >= 0 && n < MAX_KEYED; i--) {
        if (!inView(all[i].kitchen) || !matches(texts(all[i]))) continue;
        body.appendChild(make(all[i]));
        n++;
      }
    };
    p.reset = () => p.rows.clear();
    return p;
  }

  // Counts of names (server names, hosts), per kitchen, drawn as bars.
  function countPanel(body) {
    const p = panel({ counts: new Map(), every: 1000 }); // name -> Map(kitchen -> n)
    p.add = (name, kitchen) => {
      let m = p.counts.get(name);
      if (!m) {
        if (p.counts.size >= KEEP_COUNTED) return; // names are chosen by senders
        p.counts.set(name, m = new Map());
      }
      m.set(kitchen, (m.get(kitchen) || 0) + 1);
      dirty(p);
    };
    p.render = () => {
      const entries = [];
      for (const [name, m] of p.counts) {
        if (!matches([name])) continue;
        let n = 0;
        for (const [k, v] of m) if (inView(k)) n += v;
        if (n) entries.push([name, n]);
      }
      bars(body, entries);
    };
    p.reset = () => p.counts.clear();
    return p;
  }

  // Cumulative maps per kitchen (the latest of each), summed over the kitchens shown.
  function sumPanel(body, cap) {
    const p = panel({ byKitchen: new Map(), every: 1000 });
    p.set = (kitchen, counts) => {
      if (!p.byKitchen.has(kitchen) && p.byKitchen.size >= MAX_KITCHENS) return;
      p.byKitchen.set(kitchen, counts);
      dirty(p);
    };
    p.render = () => {
      const total = new Map();
      for (const [k, c] of p.byKitchen) {
        if (!inView(k) || !isObj(c)) continue;
        for (const [name, n] of Object.entries(c)) {
          const v = Number(n);
          if (Number.isFinite(v)) total.set(name, (total.get(name) || 0) + v);
        }
      }
      bars(body, [...total.entries()], cap);
    };
    p.reset = () => p.byKitchen.clear();
    return p;
  }

  // ---- DNS: newest first, fading with age like the original webnom -------------
  const dns = listPanel($('dns-list'), MAX_LOOKUPS, (it) => {
    const li = el('li');
    li.appendChild(el('span', it.name, 'hostname'));
    li.appendChild(el('span', it.kitchen, 'kitchen'));
    if (it.protocol) li.appendChild(el('span', it.protocol, 'kitchen'));
    li.dataset.seen = String(it.seen);
    li.title = isoTime(it.when);
    return li;
  }, (it) => [it.name], $('dns-empty'));
  function fade() {
    if (view.paused) return;
    const now = Date.now();
    for (const li of $('dns-list').children) {
      const age = (now - Number(li.dataset.seen)) / 1000;
      li.style.opacity = String(Math.max(0.25, 1 - age / FADE_SECONDS));
    }
  }

  // ---- TLS -------------------------------------------------------------------------
  const tls = listPanel($('tls-body'), MAX_ROWS, (it) => {
    const p = it.p;
    const proto = p.transport ? ' (' + str(p.transport) + ')' : '';
    const tr = row([timeCell(p.time), el('td', p.server_name === null ? '(none)' : str(p.server_name), 'name'),
      el('td', endpoint(p.client, p.client_port) + ' → ' + endpoint(p.server, p.server_port) + proto, 'mono'),
      el('td', Array.isArray(p.versions) ? p.versions.map(str).join(', ') : str(p.legacy_version)),
      el('td', Array.isArray(p.alpn) ? p.alpn.map(str).join(', ') : str(p.alpn))]);
    tr.title = 'kitchen ' + it.kitchen;
    return tr;
  }, (it) => [it.p.server_name, it.p.client, it.p.server]);
  const tlsCounts = countPanel($('tls-counts'));

  // ---- HTTP -----------------------------------------------------------------------
  function pathCell(path) {
    const c = el('td', path, 'path');
    c.title = path; // the cell may cut it short
    return c;
  }
  const http = listPanel($('http-body'), MAX_ROWS, (it) => {
    const p = it.p;
    const tr = row([timeCell(p.time), el('td', str(p.method)), el('td', str(p.host), 'name'),
      pathCell(str(p.path)),
      el('td', endpoint(p.client, p.client_port) + (p.transport ? ' (' + str(p.transport) + ')' : ''), 'mono')]);
    tr.title = (p.user_agent ? 'user agent: ' + str(p.user_agent) + '\n' : '') +
      'server ' + endpoint(p.server, p.server_port) + ', kitchen ' + it.kitchen;
    return tr;
  }, (it) => [it.p.host, it.p.path, it.p.client, it.p.server]);
  const httpCounts = countPanel($('http-counts'));

  // ---- DHCP: a row per MAC, what the chef last said of it ----------------------
  const dhcp = keyedPanel($('dhcp-body'), (r) => row([el('td', r.mac, 'mono'), el('td', r.hostname, 'name'),
    el('td', r.ip, 'mono'), el('td', r.type), timeCell(r.time)]),
  (r) => [r.mac, r.hostname, r.ip]);
  function addDhcp(p, kitchen) {
    const mac = p.mac === null || p.mac === undefined ? '(' + str(p.client_id) + ')' : str(p.mac);
    dhcp.update(kitchen + '\n' + mac, (old) => {
      const r = old || { mac, kitchen, hostname: '', ip: '' };
      if (p.hostname !== null && p.hostname !== undefined) r.hostname = str(p.hostname);
      const ip = p.your_ip ?? p.client_ip ?? p.requested_ip;
      if (ip !== null && ip !== undefined) r.ip = str(ip);
      r.type = str(p.message_type);
      r.time = p.time;
      return r;
    });
  }

  // ---- ICMP, layers ------------------------------------------------------------------
  const icmp = sumPanel($('icmp-body'), 40);
  const icmpv6 = sumPanel($('icmpv6-body'), 40);
  const counts = sumPanel($('counts-body'), 40);

  // ---- ARP: one row per IP, the latest MAC and notes ----------------------------
  const arp = keyedPanel($('arp-body'), (r) => {
    const notes = el('td', r.notes, r.notes ? (r.notes.indexOf('new IP') >= 0 ? 'note-changed' : 'note-new') : '');
    return row([el('td', r.ip, 'mono'), el('td', r.mac, 'mono'), notes, timeCell(r.time)]);
  }, (r) => [r.ip, r.mac]);
  function addArp(p, kitchen) {
    // Other hardware (no MAC) or other protocols (no IPv4) have null addresses.
    if (p.src_ip === null || p.src_ip === undefined) return;
    const ip = str(p.src_ip);
    arp.update(kitchen + '\n' + ip, (old) => {
      const r = old || { ip, kitchen, notes: '' };
      r.mac = str(p.src_hw);
      // Keep the last note that said something; a later plain reply has none.
      if (p.notes !== null && p.notes !== undefined && p.notes !== '') r.notes = str(p.notes);
      r.time = p.time;
      return r;
    });
  }

  // ---- Top talkers: the latest interval dumpling of each kitchen ----------------
  const talkers = panel({ byKitchen: new Map(), every: 1000 });
  talkers.render = () => {
    const lists = { hosts_by_bytes: new Map(), hosts_by_packets: new Map(),
      conversations_by_bytes: new Map(), conversations_by_packets: new Map() };
    let when = null;
    for (const [k, d] of talkers.byKitchen) {
      if (!inView(k)) continue;
      when = when === null ? d.when : Math.max(when, d.when);
      for (const key of Object.keys(lists)) {
        const hosts = key.startsWith('hosts');
        for (const e of Array.isArray(d.p[key]) ? d.p[key] : []) {
          if (!isObj(e)) continue;
          const label = hosts ? str(e.host) : str(e.a) + ' ↔ ' + str(e.b);
          if (!matches(hosts ? [e.host] : [e.a, e.b])) continue;
          const n = Number(key.endsWith('bytes') ? e.bytes : e.packets);
          lists[key].set(label, (lists[key].get(label) || 0) + n);
        }
      }
    }
    bars($('talkers-hosts-bytes'), [...lists.hosts_by_bytes]);
    bars($('talkers-hosts-packets'), [...lists.hosts_by_packets]);
    bars($('talkers-convs-bytes'), [...lists.conversations_by_bytes]);
    bars($('talkers-convs-packets'), [...lists.conversations_by_packets]);
    const w = $('talkers-when');
    w.textContent = when === null ? '(latest interval)' : '(interval ending ' + fmtTime(when) + ')';
    w.title = when === null ? '' : isoTime(when);
  };
  talkers.reset = () => talkers.byKitchen.clear();

  // ---- any other chef: its latest dumplings as collapsible trees ----------------
  const other = panel({ chefs: new Map(), every: 1000 }); // chef -> [{kitchen, when, d}], newest last
  function tree(value, key, budget) {
    if (budget.n-- <= 0) return el('div', '…', 'tree-more');
    const label = key === null ? '' : key + ': ';
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      const det = el('details');
      det.open = budget.open;
      det.appendChild(el('summary', label + (Array.isArray(value) ? '[' + entries.length + ']' : '{' + entries.length + '}')));
      const box = el('div', null, 'tree-kids');
      for (const [k, v] of entries) {
        if (budget.n <= 0) { box.appendChild(el('div', '…', 'tree-more')); break; }
        box.appendChild(tree(v, k, budget));
      }
      det.appendChild(box);
      return det;
    }
    let text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    if (text.length > TREE_TEXT) text = text.slice(0, TREE_TEXT) + '…';
    const leaf = el('div', null, 'tree-leaf');
    leaf.appendChild(el('span', label, 'tree-key'));
    leaf.appendChild(el('span', text, 'tree-value'));
    return leaf;
  }
  other.add = (chef, kitchen, d) => {
    let list = other.chefs.get(chef);
    if (!list) {
      if (other.chefs.size >= OTHER_CHEFS) return;
      other.chefs.set(chef, list = []);
    }
    list.push({ kitchen, d });
    if (list.length > KEEP_ITEMS) list.splice(0, list.length - KEEP_ITEMS);
    dirty(other);
  };
  other.render = () => {
    const box = $('other-chefs');
    // Keep the open/closed state of what the reader opened.
    const open = new Set([...box.querySelectorAll('details.other-chef[open]')].map((e) => e.dataset.chef));
    const fresh = !box.firstChild;
    clear(box);
    for (const [chef, list] of other.chefs) {
      const mine = list.filter((it) => inView(it.kitchen) &&
        (!view.search || matches([chef, it.kitchen, JSON.stringify(it.d.payload)])));
      if (!mine.length) continue;
      const sec = el('details', null, 'other-chef');
      sec.dataset.chef = chef;
      sec.open = fresh || open.has(chef) || !box.dataset.seen || !box.dataset.seen.split('\n').includes(chef);
      const sum = el('summary');
      sum.appendChild(el('span', chef, 'chef-name'));
      sum.appendChild(el('span', ' ' + list.length + (list.length >= KEEP_ITEMS ? '+' : '') + ' dumplings', 'kitchen'));
      sec.appendChild(sum);
      const ol = el('ol', null, 'other-list');
      for (let i = mine.length - 1; i >= 0 && i >= mine.length - OTHER_PER_CHEF; i--) {
        const it = mine[i], m = it.d.metadata;
        const li = el('li');
        const head = el('div', null, 'other-head');
        head.appendChild(timeCell(Number(m.creation_time) / 1000, 'span'));
        head.appendChild(el('span', ' ' + it.kitchen + ' · ' + str(m.driver), 'kitchen'));
        li.appendChild(head);
        li.appendChild(tree(it.d.payload, 'payload', { n: TREE_NODES, open: true }));
        ol.appendChild(li);
      }
      sec.appendChild(ol);
      box.appendChild(sec);
    }
    box.dataset.seen = [...other.chefs.keys()].join('\n');
    $('other-empty').hidden = box.children.length > 0;
  };
  other.reset = () => other.chefs.clear();

  // ---- Hub: figures, kitchens, eaters ---------------------------------------------
  // The keys of SystemStatusChef the page reads, as common/include/netdumplings/
  // status.h names them (unit.schema_docs checks every one is a key there).
  const ST = {
    SERVER_UPTIME: 'server_uptime',
    TOTAL_DUMPLINGS_IN: 'total_dumplings_in',
    TOTAL_DUMPLINGS_OUT: 'total_dumplings_out',
    DUMPLING_KITCHENS: 'dumpling_kitchens',
    DUMPLING_EATERS: 'dumpling_eaters',
    INFO_FROM_KITCHEN: 'info_from_kitchen',
    INFO_FROM_EATER: 'info_from_eater',
    INFO_FROM_HUB: 'info_from_hub',
    DUMPLING_GATEWAYS: 'dumpling_gateways',
    INFO_FROM_GATEWAY: 'info_from_gateway',
    HOST: 'host',
    PORT: 'port',
  };
  // An entry's info_from_* map, or {}.
  function stInfo(entry, key) {
    return isObj(entry) && isObj(entry[key]) ? entry[key] : {};
  }
  function stList(p, key) {
    return Array.isArray(p[key]) ? p[key] : [];
  }
  let hubLast = null;
  const hub = panel({ p: null, every: 500 });
  hub.rateIn = null;
  hub.rateOut = null;
  function setHub(p) {
    const t = Number(p[ST.SERVER_UPTIME]), nIn = Number(p[ST.TOTAL_DUMPLINGS_IN]);
    const nOut = Number(p[ST.TOTAL_DUMPLINGS_OUT]);
    if (hubLast && t > hubLast.t && nIn >= hubLast.nIn) {
      hub.rateIn = (nIn - hubLast.nIn) / (t - hubLast.t);
      hub.rateOut = nOut >= hubLast.nOut ? (nOut - hubLast.nOut) / (t - hubLast.t) : null;
    }
    hubLast = { t, nIn, nOut };
    for (const k of stList(p, ST.DUMPLING_KITCHENS)) {
      const info = stInfo(k, ST.INFO_FROM_KITCHEN);
      if (typeof info.kitchen_name === 'string') knowKitchen(info.kitchen_name);
    }
    hub.p = p;
    dirty(hub);
  }
  // A peer as the hub saw it: "192.0.2.1:40000", or "[2001:db8::1]:40000" for IPv6.
  function hostPort(h) {
    const host = typeof h[ST.HOST] === 'string' ? h[ST.HOST] : '';
    const port = Number.isInteger(h[ST.PORT]) && h[ST.PORT] > 0 ? ':' + h[ST.PORT] : '';
    return host ? (host.includes(':') ? '[' + host + ']' : host) + port : '';
  }
  hub.render = () => {
    const p = hub.p;
    if (!p) return;
    $('hub-uptime').textContent = fmtDuration(p[ST.SERVER_UPTIME]);
    $('hub-in').textContent = String(p[ST.TOTAL_DUMPLINGS_IN]);
    $('hub-out').textContent = String(p[ST.TOTAL_DUMPLINGS_OUT]);
    if (hub.rateIn !== null) $('hub-rate').textContent = hub.rateIn.toFixed(1) + ' /s';
    // The gateways' loss: as eaters (nd-gateway's own $eater/ heartbeat: what
    // never came from the hub) and as gateways (dropped for lagging clients).
    let gwLost = 0, gwDropped = 0, gwSeen = false;
    for (const e of stList(p, ST.DUMPLING_EATERS)) {
      const info = stInfo(e, ST.INFO_FROM_EATER);
      if (info.eater_name === 'nd-gateway' && Number.isFinite(Number(info.lost))) {
        gwLost += Number(info.lost);
        gwSeen = true;
      }
    }
    for (const g of stList(p, ST.DUMPLING_GATEWAYS)) {
      const n = Number(stInfo(g, ST.INFO_FROM_GATEWAY).dumplings_lag_dropped);
      if (Number.isFinite(n)) gwDropped += n;
      gwSeen = true;
    }
    const gl = $('hub-gw-loss');
    gl.textContent = gwSeen ? gwLost + ' from the hub, ' + gwDropped + ' dropped for clients' : '–';
    gl.className = gwLost + gwDropped > 0 ? 'drops' : '';
    const kb = $('kitchens-body');
    clear(kb);
    for (const k of stList(p, ST.DUMPLING_KITCHENS).slice(0, MAX_KITCHENS)) {
      const info = stInfo(k, ST.INFO_FROM_KITCHEN);
      const from = stInfo(k, ST.INFO_FROM_HUB);
      // Capture loss: the one loss no sequence number downstream reveals.
      const drops = (Number(info.ps_drop) || 0) + (Number(info.ps_ifdrop) || 0);
      const dropped = el('td', String(drops), drops > 0 ? 'drops' : '');
      dropped.title = 'kernel ' + (info.ps_drop ?? 0) + ', interface ' + (info.ps_ifdrop ?? 0);
      kb.appendChild(row([el('td', info.kitchen_name ?? ''), el('td', info.interface ?? ''),
        el('td', info.filter ?? ''), el('td', hostPort(from)), dropped]));
    }
    const el2 = $('eaters-list');
    clear(el2);
    for (const e of stList(p, ST.DUMPLING_EATERS).slice(0, 200)) {
      const info = stInfo(e, ST.INFO_FROM_EATER);
      el2.appendChild(el('li', info.eater_name ?? '(unnamed)'));
    }
  };
  hub.reset = () => { hub.p = null; hubLast = null; hub.rateIn = hub.rateOut = null; };

  // ---- the kitchen selector ---------------------------------------------------------
  const kitchens = new Set();
  function knowKitchen(k) {
    if (kitchens.has(k) || kitchens.size >= MAX_KITCHENS) return;
    kitchens.add(k);
    const sel = $('kitchen-select');
    const opt = el('option', k);
    opt.value = k;
    sel.appendChild(opt);
  }

  // ---- history: per-second counts, five minutes, drawn with Chart.js ------------
  // Every second the counts of the second that ended become one point.
  const history = {
    chefs: new Map(), kitchens: new Map(), layers: new Map(), hub: new Map(),
    now: { chefs: new Map(), kitchens: new Map() },
    layerRates: new Map(), // kitchen -> {counts, t, rates: {layer: per s}}
    times: [],
  };
  function countNow(map, key) {
    map.set(key, (map.get(key) || 0) + 1);
  }
  function layerCounts(kitchen, counts, creationMs) {
    const t = Number(creationMs) / 1000;
    const last = history.layerRates.get(kitchen);
    if (!last && history.layerRates.size >= MAX_KITCHENS) return;
    const rates = {};
    if (last && t > last.t) {
      for (const [layer, n] of Object.entries(counts)) {
        const d = Number(n) - Number(last.counts[layer] || 0);
        if (Number.isFinite(d) && d >= 0) rates[layer] = d / (t - last.t);
      }
    }
    history.layerRates.set(kitchen, { counts, t, rates: last && t > last.t ? rates : (last ? last.rates : {}) });
  }
  // Appends a point to each series of `store` (a Map name -> array), zero-filled.
  function push(store, values) {
    for (const [name, v] of values) {
      if (!store.has(name)) store.set(name, new Array(history.times.length - 1).fill(0));
    }
    for (const [name, arr] of store) {
      arr.push(values.get(name) || 0);
      if (arr.length > HISTORY_SECONDS) arr.shift();
    }
  }
  function tickHistory() {
    history.times.push(Date.now());
    if (history.times.length > HISTORY_SECONDS) history.times.shift();
    push(history.chefs, history.now.chefs);
    push(history.kitchens, history.now.kitchens);
    history.now.chefs = new Map();
    history.now.kitchens = new Map();
    const layers = new Map();
    for (const [k, r] of history.layerRates) {
      if (!inView(k)) continue;
      for (const [layer, v] of Object.entries(r.rates)) layers.set(layer, (layers.get(layer) || 0) + v);
    }
    push(history.layers, layers);
    const h = new Map();
    if (hub.rateIn !== null) h.set('in', hub.rateIn);
    if (hub.rateOut !== null) h.set('out', hub.rateOut);
    push(history.hub, h);
    drawCharts();
  }

  const PALETTE = ['#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#e67e22', '#16a085', '#d4a017',
    '#7f8c8d', '#e84393', '#2c3e50', '#95a5a6'];
  const charts = {};
  function makeChart(id) {
    const css = getComputedStyle(document.body);
    const ink = css.getPropertyValue('--muted').trim() || '#777';
    const grid = css.getPropertyValue('--grid').trim() || '#eee';
    return new Chart($(id), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, normalized: true,
        spanGaps: true, events: [],
        elements: { point: { radius: 0 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          x: { ticks: { color: ink, maxTicksLimit: 6, maxRotation: 0 }, grid: { color: grid } },
          y: { beginAtZero: true, ticks: { color: ink, maxTicksLimit: 5 }, grid: { color: grid } },
        },
        plugins: { legend: { labels: { color: ink, boxWidth: 10 } }, tooltip: { enabled: false } },
      },
    });
  }
  // The busiest MAX_SERIES series, the rest summed as "other".
  function setSeries(chart, store, filter) {
    const names = [...store.keys()].filter(filter || (() => true));
    const total = (n) => store.get(n).reduce((a, b) => a + b, 0);
    names.sort((a, b) => total(b) - total(a) || (a < b ? -1 : 1));
    const shown = names.slice(0, MAX_SERIES), rest = names.slice(MAX_SERIES);
    const sets = shown.map((n) => [n, store.get(n)]);
    if (rest.length) {
      const sum = new Array(history.times.length).fill(0);
      for (const n of rest) store.get(n).forEach((v, i) => { sum[i] += v; });
      sets.push(['other', sum]);
    }
    const byLabel = new Map(chart.data.datasets.map((d) => [d.label, d]));
    chart.data.datasets = sets.map(([label, data], i) => {
      const d = byLabel.get(label) || { label, borderColor: PALETTE[i % PALETTE.length], fill: false };
      d.borderColor = PALETTE[i % PALETTE.length];
      d.backgroundColor = d.borderColor;
      d.data = data.slice();
      return d;
    });
  }
  function drawCharts() {
    if (view.paused || typeof Chart === 'undefined') return;
    if (!charts.chefs) {
      charts.chefs = makeChart('chart-chefs');
      charts.kitchens = makeChart('chart-kitchens');
      charts.layers = makeChart('chart-layers');
      charts.hub = makeChart('rate-chart');
    }
    const labels = history.times.map((t) => new Date(t).toLocaleTimeString());
    setSeries(charts.chefs, history.chefs);
    setSeries(charts.kitchens, history.kitchens, (k) => inView(k));
    setSeries(charts.layers, history.layers);
    setSeries(charts.hub, history.hub);
    for (const c of Object.values(charts)) {
      c.data.labels = labels;
      c.update('none');
    }
  }

  // ---- dumplings ----------------------------------------------------------------------
  let received = 0;
  const totals = new Map(); // chef -> dumplings received
  function handle(d) {
    if (!isObj(d) || !isObj(d.metadata)) return;
    const m = d.metadata, p = d.payload;
    const chef = str(m.chef), kitchen = str(m.kitchen);
    knowKitchen(kitchen);
    if (history.now.chefs.size < 200 || history.now.chefs.has(chef)) countNow(history.now.chefs, chef);
    if (totals.size < 200 || totals.has(chef)) countNow(totals, chef);
    if (kitchens.has(kitchen)) countNow(history.now.kitchens, kitchen);
    switch (chef) {
      case 'DNSLookupChef':
        if (isObj(p) && isObj(p.lookup)) {
          dns.add({ kitchen, name: str(p.lookup.hostname), when: p.lookup.when, protocol: p.lookup.protocol,
            seen: Date.now() });
        }
        break;
      case 'PacketCountChef':
        if (isObj(p) && isObj(p.packet_counts)) {
          counts.set(kitchen, p.packet_counts);
          layerCounts(kitchen, p.packet_counts, m.creation_time);
        }
        break;
      case 'ARPChef': if (isObj(p)) addArp(p, kitchen); break;
      case 'SystemStatusChef': if (isObj(p)) setHub(p); break;
      case 'TLSClientHelloChef':
        if (isObj(p)) {
          tls.add({ kitchen, p });
          tlsCounts.add(p.server_name === null || p.server_name === undefined ? '(none)' : str(p.server_name), kitchen);
        }
        break;
      case 'HTTPRequestChef':
        if (isObj(p)) {
          http.add({ kitchen, p });
          httpCounts.add(p.host === null || p.host === undefined ? '(none)' : str(p.host), kitchen);
        }
        break;
      case 'DHCPChef': if (isObj(p)) addDhcp(p, kitchen); break;
      case 'ICMPCountChef':
        if (isObj(p)) {
          icmp.set(kitchen, isObj(p.icmp_counts) ? p.icmp_counts : {});
          icmpv6.set(kitchen, isObj(p.icmpv6_counts) ? p.icmpv6_counts : {});
        }
        break;
      case 'TopTalkersChef':
        if (isObj(p) && (talkers.byKitchen.has(kitchen) || talkers.byKitchen.size < MAX_KITCHENS)) {
          talkers.byKitchen.set(kitchen, { p, when: Number(m.creation_time) / 1000 });
          dirty(talkers);
        }
        break;
      default: break;
    }
    // A chef the page has no panel for, or a known one's payload it cannot read.
    if (!KNOWN.has(chef)) other.add(chef, kitchen, d);
  }

  // ---- connection ------------------------------------------------------------
  let ws = null;
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = null;
  let chefFilter = [];

  function setConn(state, text) {
    $('conn').className = 'conn conn-' + state;
    $('conn-status').textContent = text;
  }

  // What the gateway told this page it lost, over every connection: the
  // connections before (lostBefore) and the running total of the current one.
  let lostBefore = 0, lostNow = 0;
  function setPageLoss(total) {
    lostNow = total - lostBefore;
    const pl = $('page-loss');
    pl.textContent = String(total);
    pl.className = total > 0 ? 'drops' : '';
  }

  function wsUrl() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // Served with holes when too slow, and told how many ($loss), rather
    // than closed with 4008.
    // batch=1: the gateway sends a JSON array of messages per WebSocket
    // message, so Chromium delivers one task per batch, not per dumpling.
    const q = new URLSearchParams({ loss: '1', batch: '1' });
    if (chefFilter.length) {
      // The hub panel needs SystemStatusChef whatever else is chosen.
      for (const c of new Set(chefFilter.concat(['SystemStatusChef']))) q.append('chef', c);
    }
    // A gateway started with --token-file wants the token on the upgrade: a page
    // opened as /?token=... passes it on.
    const token = new URLSearchParams(location.search).get('token');
    if (token) q.append('token', token);
    const qs = q.toString();
    return proto + '//' + location.host + '/' + (qs ? '?' + qs : '');
  }

  function connect() {
    retryTimer = null;
    setConn('connecting', 'connecting');
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    lostBefore += lostNow; // a new connection counts from 0
    lostNow = 0;
    sock.onopen = () => {
      backoff = BACKOFF_MIN_MS;
      setConn('live', 'live');
      sock.send(JSON.stringify({ eater_name: 'web' }));
    };
    // One message as the gateway sends it to an unbatched client.
    const one = (d) => {
      // {"$loss": {"lost": N}} (?loss=1): what this connection did not get.
      if (isObj(d) && isObj(d.$loss)) {
        const n = Number(d.$loss.lost);
        if (Number.isFinite(n) && n >= 0) setPageLoss(lostBefore + n);
        return;
      }
      received++;
      handle(d);
    };
    sock.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      // ?batch=1: an array of messages, in order, each as it would come alone.
      if (Array.isArray(d)) {
        for (const e of d) one(e);
      } else {
        one(d);
      }
      ask(); // the counter moves even while paused
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return; // replaced on purpose (filter change)
      ws = null;
      const why = ev.code === 4008 ? ' (too slow, dropped by the gateway)' : '';
      scheduleReconnect(why);
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  function scheduleReconnect(why) {
    if (retryTimer) return;
    const wait = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    setConn('down', 'disconnected' + (why || '') + ', retrying in ' + Math.ceil(wait / 1000) + ' s');
    retryTimer = setTimeout(connect, wait);
  }

  function reconnectNow() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    const old = ws;
    ws = null;
    if (old) old.close(1000, 'filter changed');
    backoff = BACKOFF_MIN_MS;
    connect();
  }

  // The gateway answers /healthz with 503 while it cannot reach the hub.
  async function checkHealth() {
    let hubDown = false;
    try {
      const r = await fetch('/healthz', { cache: 'no-store' });
      hubDown = r.status === 503;
    } catch (e) {
      hubDown = false; // the gateway itself is gone: the indicator says so
    }
    $('hub-banner').hidden = !hubDown;
  }

  // ---- controls and start ---------------------------------------------------------------
  $('filter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    chefFilter = $('chef-filter').value.split(/[\s,]+/).filter((s) => /^[A-Za-z0-9_.-]{1,64}$/.test(s));
    $('chef-filter').value = chefFilter.join(', ');
    reconnectNow();
  });
  $('kitchen-select').addEventListener('change', (ev) => {
    view.kitchen = ev.target.value;
    redrawAll();
    drawCharts();
  });
  $('search').addEventListener('input', (ev) => {
    view.search = ev.target.value.trim().toLowerCase();
    redrawAll();
  });
  $('pause').addEventListener('click', () => {
    view.paused = !view.paused;
    $('pause').setAttribute('aria-pressed', String(view.paused));
    $('pause').textContent = view.paused ? 'resume' : 'pause';
    $('paused-note').hidden = !view.paused;
    document.body.classList.toggle('paused', view.paused);
    if (!view.paused) {
      for (const p of allPanels) if (p.full !== undefined) p.full = true;
      for (const p of allPanels) dirty(p);
      drawCharts();
    }
  });
  $('clear').addEventListener('click', () => {
    for (const p of allPanels) {
      p.reset();
      dirty(p);
    }
    for (const s of [history.chefs, history.kitchens, history.layers, history.hub]) s.clear();
    history.layerRates.clear();
    history.times = [];
    for (const id of ['hub-uptime', 'hub-in', 'hub-out', 'hub-rate']) $(id).textContent = '–';
    ask();
    // Paused or not, the reader asked for an empty page.
    for (const p of allPanels) p.render();
    dirtyPanels.clear();
    drawCharts();
  });
  if (typeof Chart === 'undefined') $('charts-missing').hidden = false;
  // Tests and the benchmark read these.
  window.ndPage = { view, received: () => received, lost: () => lostBefore + lostNow, totals, charts, history };
  setInterval(fade, 1000);
  setInterval(tickHistory, 1000);
  setInterval(checkHealth, HEALTH_EVERY_MS);
  checkHealth();
  connect();
})();
