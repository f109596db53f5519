#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_browser.py: the page from nd-gateway in real headless Chromium
(Debian's chromium + chromium-driver, driven by python3-selenium) while a
capture is replayed through nd-snifty -> nd-shifty -> nd-gateway:

- the lookups, layer counts and ARP devices that tshark sees appear;
- query names that are HTML tags with handlers show as text and run nothing;
- "hub unreachable" shows while the hub is away, and goes when it is back;
- the page reconnects after the gateway restarts;
- the chef filter narrows the gateway's subscription at the hub;
- with --token-file, the page opened as /?token=T goes live;
- no console error (the favicon is served: no 404) and no dialog.

Screenshots go to ND_TEST_WORK. Without the browser packages: a loud skip (77).
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import browser  # noqa: E402
import gwstack  # noqa: E402
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

WORK = os.environ.get("ND_TEST_WORK") or os.getcwd()


def log(*a):
    print(*a, flush=True)


def ok(cond, what, detail=None):
    check(cond, what + ("" if detail is None else ": %r" % (detail,)))
    log("ok -", what)


def tshark_count(pcap, flt):
    return len(ndtest.tshark_fields(pcap, flt, ["frame.number"]))


def expected_arp(pcap):
    """IP -> (MAC, notes) as ARPChef reports senders: a reply from an IP not
    replied from before says the device is new."""
    dev, replied = {}, set()
    for op, ip, mac in ndtest.tshark_fields(pcap, "arp", ["arp.opcode", "arp.src.proto_ipv4",
                                                          "arp.src.hw_mac"]):
        notes = dev.get(ip, ("", ""))[1]
        if op == "2" and ip not in replied:
            notes = "source device is new"
            replied.add(ip)
        dev[ip] = (mac, notes)
    return sorted("%s|%s|%s" % (ip, mac, n) for ip, (mac, n) in dev.items())


def test(procs, argv):
    browser.skip_if_missing()
    os.makedirs(WORK, exist_ok=True)
    pcap = os.path.join(WORK, "browser.pcap")
    # Spread over 3 s and replayed in real time (below), so that the kitchen is
    # still connected when the hub reads its heartbeat: only then can the hub
    # learn its port (a message read after the connection closed gives the
    # host only, see shifty/hub.c:s_peer).
    subprocess.run([sys.executable, os.path.join(HERE, "make_pcap.py"), "browser", pcap, "3"],
                   check=True)
    # A finished kitchen stays listed for 30 s, not 3: the page is read on a
    # machine that may be loaded.
    st = gwstack.Stack(procs, hub_args=("-f", "1", "--kitchen-timeout", "30"))
    b = browser.Browser(WORK)
    try:
        run(st, b, pcap, procs)
    finally:
        b.quit()
    st.stop()


def run(st, b, pcap, procs):
    b.get(st.url())
    b.wait_js("document.getElementById('conn-status').textContent === 'live'", 20, "the page to go live")
    ok(True, "the page connects (indicator says live)")
    # "", and the registrations $eater/nd-gateway/.. and $eater/web/.. (the page's eater_name).
    ndtest.wait_for(lambda: st.metrics().get("nd_hub_subscriptions") == 3, 20,
                    "the page's subscription at the hub")

    # The oracle first, so that the page is read right after the replay.
    # DNS: the names tshark sees (the DNS chef writes a space in a name as \032).
    names = [r[0].replace(" ", "\\032") for r in
             ndtest.tshark_fields(pcap, "dns.flags.response == 0", ["dns.qry.name"])]
    want = {k: tshark_count(pcap, f) for k, f in
            (("Ethernet", "eth"), ("IP", "ip"), ("UDP", "udp"), ("DNS", "dns"), ("ARP", "arp"))}
    arp = expected_arp(pcap)

    st.replay(pcap, "web", "--speed", "realtime")

    # Hub panel.
    b.wait_js("[...document.querySelectorAll('#kitchens-body td')].some(t => t.textContent === 'web')",
              20, "the kitchen in the hub panel")
    ok(True, "the hub panel lists the kitchen")
    # The hub learns the kitchen's port from its connection, which may come
    # a status after the kitchen's first heartbeat: wait for it.
    addrs_js = ("[...document.querySelectorAll('#kitchens-body tr')]"
                ".map(tr => [...tr.children].map(td => td.textContent))"
                ".filter(r => r[0] === 'web').map(r => r[3])")
    try:
        b.wait_js("(a => a.length === 1 && /^127\\.0\\.0\\.1:\\d+$/.test(a[0]))(%s)" % addrs_js, 20,
                  "the kitchen's address with its port")
    except ndtest.TestFailure:
        pass
    addrs = b.js("return " + addrs_js + ";")
    ok(len(addrs) == 1 and re.match(r"^127\.0\.0\.1:\d+$", addrs[0]),
       "the kitchen's address as the hub saw it, HOST:PORT", addrs)
    b.wait_js("(e => e.includes('web') && e.includes('nd-gateway'))"
              "([...document.querySelectorAll('#eaters-list li')].map(li => li.textContent))",
              20, "the eaters in the hub panel")
    ok(True, 'the hub panel lists the eaters: nd-gateway and the page itself ("web")')
    b.wait_js("document.getElementById('hub-rate').textContent !== '\u2013'", 20, "the hub rate")
    ok(True, "the hub panel shows a rate")
    # The gateway's loss, from its heartbeats through the hub's status, and
    # this page's own ($loss, asked for with ?loss=1): nothing, at this pace.
    b.wait_js("document.getElementById('hub-gw-loss').textContent === "
              "'0 from the hub, 0 dropped for clients'", 20, "the gateway's loss in the hub panel")
    ok(b.js("return document.getElementById('page-loss').textContent;") == "0" and
       b.js("return ndPage.lost();") == 0, "the hub panel shows the gateway's loss and the page's: 0")
    b.wait_js("document.querySelectorAll('#dns-list li').length >= arguments[0]", 20,
              "%d lookups on the page" % len(names), len(names))
    shown = b.js("return [...document.querySelectorAll('#dns-list li .hostname')].map(e => e.textContent);")
    ok(shown == names[::-1], "DNS lookups = tshark dns.qry.name, newest first", (shown, names))
    ok(any(s.startswith("<img\\032src=x\\032onerror=") for s in shown) and
       "<img/src/onerror=window.ndXss=2>.evil.example" in shown, "the markup names show as text")
    imgs = b.js("return document.querySelectorAll('img').length;")
    xss = b.js("return window.ndXss === undefined ? null : window.ndXss;")
    ok(imgs == 0 and xss is None and b.dialogs() == [], "and run nothing (no <img>, no handler ran)",
       (imgs, xss, b.dialogs()))
    page = st.url()
    fetched = [u for u in b.requests() if u.startswith("http") and
               (u.endswith("/x") or (u.endswith("/") and u != page))]
    ok(not fetched, "nothing fetched an image source", fetched)

    # Layer counts: tshark's counts for the same capture.
    counts_js = ("return Object.fromEntries([...document.querySelectorAll('#counts-body tr')]"
                 ".map(r => [r.children[0].textContent, Number(r.children[1].textContent)]));")

    def counts_now():
        counts = b.js(counts_js)
        return {k: counts.get(k) for k in want}
    # The counts come at the chef's interval: wait for them to reach tshark's.
    try:
        ndtest.wait_for(lambda: counts_now() == want, 20, "the layer counts")
    except ndtest.TestFailure:
        pass
    got = counts_now()
    ok(got == want, "packet counts = tshark", (got, want))
    widths = b.js("return [...document.querySelectorAll('#counts-body .bar')].map(b => parseFloat(b.style.width));")
    ok(widths and widths[0] == 100 and all(w <= widths[i - 1] for i, w in enumerate(widths) if i),
       "bars are proportional", widths)

    # ARP: every sender tshark sees, with its MAC; replies from a new device say so.
    # A device's row comes with its first dumpling and its note may come with
    # a later one (a request, then the reply): wait for the rows to settle.
    arp_js = ("return [...document.querySelectorAll('#arp-body tr')]"
              ".map(tr => [...tr.children].slice(0, 3).map(td => td.textContent).join('|'));")
    try:
        ndtest.wait_for(lambda: sorted(b.js(arp_js)) == arp, 20, "the ARP devices and their notes")
    except ndtest.TestFailure:
        pass
    rows = b.js(arp_js)
    ok(sorted(rows) == arp, "ARP devices = tshark senders (IP, MAC, notes)", (sorted(rows), arp))

    errors = b.console_errors()
    ok(errors == [], "no console errors while live (favicon served, no script error)", errors)
    log("screenshot:", b.screenshot(os.path.join(WORK, "gateway-page.png")))

    # Hub away: the page says so; hub back: it stops saying so.
    st.hub.stop()
    b.wait_js("!document.getElementById('hub-banner').hidden", 30, 'the "hub unreachable" banner')
    ok(True, 'hub stopped: the page says "hub unreachable"')
    b.screenshot(os.path.join(WORK, "gateway-page-hub-down.png"), full=False)
    st.start_hub()
    b.wait_js("document.getElementById('hub-banner').hidden", 30, "the banner to go")
    ok(True, "hub back: the banner goes")

    # Gateway restart: the page reconnects by itself.
    port = st.port
    st.stop_gateway()
    b.wait_js("/retrying/.test(document.getElementById('conn-status').textContent)", 20, "'retrying'")
    ok(True, "gateway stopped: the indicator says it is retrying")
    st.start_gateway()
    check(st.port == port, "same port")
    b.wait_js("document.getElementById('conn-status').textContent === 'live'", 20, "the page to reconnect")
    ok(True, "gateway back: the page reconnected")

    # The chef filter: the page asks for DNSLookupChef (+ SystemStatusChef for the hub panel):
    # those two, $sent/ (the loss) and the registrations $eater/nd-gateway/.., $eater/web/...
    from selenium.webdriver.common.by import By
    b.driver.find_element(By.ID, "chef-filter").send_keys("DNSLookupChef")
    b.driver.find_element(By.CSS_SELECTOR, "#filter-form button").click()

    def filtered():
        m = st.metrics()
        return m.get("nd_gateway_clients") == 1 and m.get("nd_gateway_hub_subscriptions") == 5
    ndtest.wait_for(filtered, 20, "the filtered subscription")
    ok(True, "the chef filter narrows the gateway's hub subscription")

    # A gateway that wants a token (--token-file): the page opened as /?token=T
    # passes it on to its WebSocket and goes live.
    st.stop_gateway()
    token = "browser-test-token-%d" % os.getpid()
    token_file = os.path.join(WORK, "gateway.token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    st.start_gateway(["--token-file", token_file])
    ndtest.wait_for(lambda: gwstack.http_get(st.port, "/healthz")[0] == 200, 20, "the token gateway")
    b.get(st.url("/?token=" + token))
    b.wait_js("document.getElementById('conn-status').textContent === 'live'", 20, "the page with ?token=")
    ok(True, "with --token-file, the page opened with ?token= connects")
    # While the hub or the gateway was down, Chromium logged each refused
    # WebSocket and each 503 or refused connection of /healthz: that is the
    # page retrying and probing, not an error of the page.
    errors = [e for e in b.console_errors() if "WebSocket connection to" not in e and
              not ("/healthz - Failed to load resource" in e and
                   ("503" in e or "ERR_CONNECTION_REFUSED" in e))]
    ok(errors == [], "no other console errors", errors)
    ok(b.dialogs() == [], "no dialog opened")


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
