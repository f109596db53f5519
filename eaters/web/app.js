// app.js: the netdumplings live page. One WebSocket to the gateway that served
// this page; every dumpling updates one panel. Everything that came off the
// network is put in the page with textContent, never as markup: a hostname
// sniffed from a DNS packet can contain anything.
'use strict';

(function () {
  const MAX_LOOKUPS = 60;          // DNS rows kept
  const FADE_SECONDS = 60;         // a lookup fades to the floor over this
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const HEALTH_EVERY_MS = 3000;
  const RATE_POINTS = 60;

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
  function fmtTime(epochSeconds) {
    const d = new Date(epochSeconds * 1000);
    return isNaN(d) ? '' : d.toLocaleTimeString();
  }
  function fmtDuration(s) {
    s = Math.floor(Number(s) || 0);
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24,
      m = Math.floor(s / 60) % 60, sec = s % 60;
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + sec + 's';
  }
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

  // ---- connection ------------------------------------------------------------
  let ws = null;
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = null;
  let received = 0;
  let chefFilter = [];

  function setConn(state, text) {
    $('conn').className = 'conn conn-' + state;
    $('conn-status').textContent = text;
  }

  function wsUrl() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams();
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
    sock.onopen = () => {
      backoff = BACKOFF_MIN_MS;
      setConn('live', 'live');
      sock.send(JSON.stringify({ eater_name: 'web' }));
    };
    sock.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      received++;
      handle(d);
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

  // ---- dumplings -------------------------------------------------------------
  function handle(d) {
    $('received').textContent = String(received);
    if (!isObj(d) || !isObj(d.metadata)) return;
    const m = d.metadata, p = d.payload;
    switch (m.chef) {
      case 'DNSLookupChef': if (isObj(p) && isObj(p.lookup)) addLookup(p.lookup, m); break;
      case 'PacketCountChef': if (isObj(p) && isObj(p.packet_counts)) setCounts(m.kitchen, p.packet_counts); break;
      case 'ARPChef': if (isObj(p)) addArp(p); break;
      case 'SystemStatusChef': if (isObj(p)) setHub(p); break;
      default: break;
    }
  }

  // DNS: newest first, fading with age like the original webnom.
  function addLookup(lookup, meta) {
    const name = typeof lookup.hostname === 'string' ? lookup.hostname : String(lookup.hostname);
    const li = el('li');
    li.appendChild(el('span', name, 'hostname'));
    li.appendChild(el('span', String(meta.kitchen), 'kitchen'));
    li.dataset.seen = String(Date.now());
    li.title = fmtTime(Number(lookup.when));
    const list = $('dns-list');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_LOOKUPS) list.removeChild(list.lastChild);
    $('dns-empty').hidden = true;
  }
  function fade() {
    const now = Date.now();
    for (const li of $('dns-list').children) {
      const age = (now - Number(li.dataset.seen)) / 1000;
      li.style.opacity = String(Math.max(0.25, 1 - age / FADE_SECONDS));
    }
  }

  // Packet counts: the latest figures of each kitchen, summed per layer.
  const countsByKitchen = new Map();
  function setCounts(kitchen, counts) {
    countsByKitchen.set(String(kitchen), counts);
    const total = new Map();
    for (const c of countsByKitchen.values()) {
      for (const [layer, n] of Object.entries(c)) {
        const v = Number(n);
        if (Number.isFinite(v)) total.set(layer, (total.get(layer) || 0) + v);
      }
    }
    const rows = [...total.entries()].sort((a, b) => b[1] - a[1]);
    const max = rows.length ? rows[0][1] : 0;
    const body = $('counts-body');
    clear(body);
    for (const [layer, n] of rows) {
      const bar = el('div', null, 'bar');
      bar.style.width = (max ? (100 * n / max) : 0).toFixed(1) + '%';
      const barCell = el('td');
      barCell.appendChild(bar);
      body.appendChild(row([el('td', layer), el('td', n, 'num'), barCell]));
    }
  }

  // ARP: one row per IP, the latest MAC and notes.
  const arpRows = new Map();
  function addArp(p) {
    const ip = String(p.src_ip), mac = String(p.src_hw);
    const notes = p.notes === null || p.notes === undefined ? '' : String(p.notes);
    let tr = arpRows.get(ip);
    if (!tr) {
      tr = row([el('td', ip, 'mono'), el('td', null, 'mono'), el('td'), el('td')]);
      arpRows.set(ip, tr);
      const body = $('arp-body');
      body.insertBefore(tr, body.firstChild);
    }
    tr.children[1].textContent = mac;
    // Keep the last note that said something; a later plain reply has none.
    if (notes) {
      tr.children[2].textContent = notes;
      tr.children[2].className = notes.indexOf('new IP') >= 0 ? 'note-changed' : 'note-new';
    }
    tr.children[3].textContent = fmtTime(Number(p.time));
  }

  // Hub: figures, kitchens, eaters, and the rate of dumplings in.
  const rates = [];
  let lastIn = null;
  function setHub(p) {
    $('hub-uptime').textContent = fmtDuration(p.server_uptime);
    $('hub-in').textContent = String(p.total_dumplings_in);
    $('hub-out').textContent = String(p.total_dumplings_out);
    const t = Number(p.server_uptime), n = Number(p.total_dumplings_in);
    if (lastIn && t > lastIn.t && n >= lastIn.n) {
      const r = (n - lastIn.n) / (t - lastIn.t);
      rates.push(r);
      if (rates.length > RATE_POINTS) rates.shift();
      $('hub-rate').textContent = r.toFixed(1) + ' /s';
      drawRates();
    }
    lastIn = { t, n };

    const kb = $('kitchens-body');
    clear(kb);
    for (const k of Array.isArray(p.dumpling_kitchens) ? p.dumpling_kitchens : []) {
      const info = isObj(k) && isObj(k.info_from_kitchen) ? k.info_from_kitchen : {};
      const hub = isObj(k) && isObj(k.info_from_hub) ? k.info_from_hub : {};
      kb.appendChild(row([el('td', info.kitchen_name ?? ''), el('td', info.interface ?? ''),
        el('td', info.filter ?? ''), el('td', hub.host ?? '')]));
    }
    const el2 = $('eaters-list');
    clear(el2);
    for (const e of Array.isArray(p.dumpling_eaters) ? p.dumpling_eaters : []) {
      const info = isObj(e) && isObj(e.info_from_eater) ? e.info_from_eater : {};
      el2.appendChild(el('li', info.eater_name ?? '(unnamed)'));
    }
  }
  function drawRates() {
    const c = $('rate-chart'), g = c.getContext('2d');
    const w = c.width, h = c.height;
    g.clearRect(0, 0, w, h);
    const max = Math.max(1, ...rates);
    g.strokeStyle = '#c0392b';
    g.lineWidth = 2;
    g.beginPath();
    rates.forEach((r, i) => {
      const x = rates.length > 1 ? (i * (w - 4)) / (RATE_POINTS - 1) + 2 : 2;
      const y = h - 4 - (r / max) * (h - 8);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = '#777';
    g.font = '10px sans-serif';
    g.fillText('max ' + max.toFixed(1) + '/s', 4, 12);
  }

  // ---- start -----------------------------------------------------------------
  $('filter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    chefFilter = $('chef-filter').value.split(/[\s,]+/).filter((s) => /^[A-Za-z0-9_.-]{1,64}$/.test(s));
    $('chef-filter').value = chefFilter.join(', ');
    reconnectNow();
  });
  setInterval(fade, 1000);
  setInterval(checkHealth, HEALTH_EVERY_MS);
  checkHealth();
  connect();
})();
