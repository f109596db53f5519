#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_page_panels.py: every panel of the live page shows what tshark reads in
real captures, replayed through nd-snifty -> nd-shifty -> nd-gateway into
headless Chromium (Debian's chromium + chromium-driver + python3-selenium):

- TLS client hellos (server name, client -> server, versions, ALPN, newest
  first) and the hellos per server name, over IPv4 and IPv6;
- HTTP requests (method, host, path, client) and the requests per host;
- DHCP devices by MAC (hostname, address, last message type);
- ICMP and ICMPv6 counts by type, summed over two kitchens;
- top talkers (hosts and conversations by bytes and by packets);
- a plugin chef the page has never heard of (the example HelloChef) in the
  generic panel, as a tree holding its payload;
- the kitchen selector narrows every panel to one kitchen, the search box
  to matching names, pause holds the panels still while the count goes on,
  clear empties them;
- no console error, no dialog; full-page screenshots, light and dark
  (page-light.png, page-dark.png in ND_TEST_WORK).

The expected values are tests/golden/oracle.py's dumplings, which it derives
from tshark's dissection of the same capture, not from nd-snifty.
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import browser  # noqa: E402
import gwstack  # noqa: E402
import ndtest  # noqa: E402
import oracle  # noqa: E402
from ndtest import check  # noqa: E402

WORK = os.environ.get("ND_TEST_WORK") or os.getcwd()
PCAPS = os.environ.get("ND_PCAPS") or os.path.join(HERE, "..", "..", "..", "shared", "pcaps")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(PCAPS)), "corpus", "captures")

# kitchen -> capture; each one agrees with oracle.py (tshark) for its chefs.
CAPTURES = {
    "tls": os.path.join(CORPUS, "ndpi", "pluralsight.pcap"),
    "tls6": os.path.join(PCAPS, "ndpi-http_ipv6.pcap"),
    "http": os.path.join(CORPUS, "ndpi", "zattoo.pcap"),
    "dhcp": os.path.join(CORPUS, "tcpdump", "dhcp-rfc3004.pcap"),
    "icmp4": os.path.join(CORPUS, "tcpdump", "icmp-rfc8335.pcap"),
    "icmp6": os.path.join(PCAPS, "tcpdump-icmpv6.pcap"),
}

ROWS = "return [...document.querySelectorAll(arguments[0])].map(tr => [...tr.children].map(td => td.textContent));"


def log(*a):
    print(*a, flush=True)


def ok(cond, what, detail=None):
    check(cond, what + ("" if detail is None else ": %r" % (detail,)))
    log("ok -", what)


def endpoint(ip, port):
    return ("[%s]:%s" if ":" in ip else "%s:%s") % (ip, port)


def payloads(expected, chef):
    return [d["payload"] for d in expected if d["metadata"]["chef"] == chef]


def s(v):
    return "" if v is None else str(v)


def test(procs, argv):
    browser.skip_if_missing()
    for k, path in CAPTURES.items():
        if not os.path.exists(path):
            print("SKIP: capture %s is missing (../shared)" % path)
            sys.exit(ndtest.SKIP)
    os.makedirs(WORK, exist_ok=True)
    expected = {k: oracle.run(p, 0) for k, p in CAPTURES.items()}
    st = gwstack.Stack(procs)
    light = browser.Browser(WORK, width=1400, height=1000)
    dark = None
    try:
        dark = browser.Browser(WORK, width=1400, height=1000, dark=True)
        run(st, light, dark, expected, procs)
    finally:
        light.quit()
        if dark:
            dark.quit()
    st.stop()


def choose_kitchen(b, kitchen):
    b.wait_js("[...document.querySelectorAll('#kitchen-select option')].some(o => o.value === arguments[0])",
              10, "kitchen %r in the selector" % kitchen, kitchen)
    b.js("const s = document.getElementById('kitchen-select'); s.value = arguments[0];"
         "s.dispatchEvent(new Event('change'));", kitchen)


def settled(b, selector, shape, want, timeout=10):
    """The rows under selector, shaped, once they equal want (panels draw
    within a second or so); what was last seen if they never do."""
    seen = [None]

    def look():
        seen[0] = shape(b.js(ROWS, selector))
        return seen[0] == want
    try:
        ndtest.wait_for(look, timeout, selector)
    except ndtest.TestFailure:
        pass
    return seen[0]


def run(st, b, dark, expected, procs):
    for page in (b, dark):
        page.get(st.url())
        page.wait_js("document.getElementById('conn-status').textContent === 'live'", 10, "the page to go live")
    ok(True, "both pages (light and dark) connect")
    ok(b.js("return typeof Chart === 'function';"), "Chart.js is loaded from /vendor/ (libjs-chart.js)")

    plugin = os.environ.get("ND_HELLO_CHEF")
    for kitchen, path in CAPTURES.items():
        extra = ["--filter", "", "--poke-interval", "0"]
        if kitchen == "http" and plugin:
            extra += ["--chef-module", plugin]
        st.replay(path, kitchen, *extra)

    def via(p):
        """The page names the transport after the client when the chef says it."""
        return " (%s)" % p["transport"] if p.get("transport") else ""

    # TLS: per kitchen, newest first.
    for kitchen in ("tls", "tls6"):
        choose_kitchen(b, kitchen)
        want = [[s(p["server_name"]) if p["server_name"] is not None else "(none)",
                 endpoint(p["client"], p["client_port"]) + " → " + endpoint(p["server"], p["server_port"]) +
                 via(p),
                 ", ".join(p["versions"]), ", ".join(p["alpn"])]
                for p in payloads(expected[kitchen], "TLSClientHelloChef")][::-1]
        got = settled(b, "#tls-body tr", lambda rows: [r[1:5] for r in rows], want)
        ok(got == want and len(want) > 0,
           "TLS (%s): server name, client -> server, versions, ALPN = tshark's, newest first" % kitchen, (got, want))
        counts = collections.Counter(r[0] for r in want)
        got = settled(b, "#tls-counts tr", lambda rows: {r[0]: int(r[1]) for r in rows}, dict(counts))
        ok(got == dict(counts), "TLS (%s): hellos per server name = tshark's" % kitchen, (got, counts))

    # HTTP
    choose_kitchen(b, "http")
    want = [[p["method"], s(p["host"]), p["path"], endpoint(p["client"], p["client_port"]) + via(p)]
            for p in payloads(expected["http"], "HTTPRequestChef")][::-1]
    got = settled(b, "#http-body tr", lambda rows: [r[1:5] for r in rows], want)
    ok(got == want and len(want) > 0, "HTTP: method, host, path, client = tshark's, newest first", (got, want))
    counts = collections.Counter(r[1] or "(none)" for r in want)
    got = settled(b, "#http-counts tr", lambda rows: {r[0]: int(r[1]) for r in rows}, dict(counts))
    ok(got == dict(counts), "HTTP: requests per host = tshark's", (got, counts))

    # DHCP: one row per MAC, what was last said of it.
    choose_kitchen(b, "dhcp")
    dev = {}
    for p in payloads(expected["dhcp"], "DHCPChef"):
        r = dev.setdefault(p["mac"], {"hostname": "", "ip": ""})
        if p["hostname"] is not None:
            r["hostname"] = p["hostname"]
        ip = next((x for x in (p["your_ip"], p["client_ip"], p["requested_ip"]) if x is not None), None)
        if ip is not None:
            r["ip"] = ip
        r["type"] = p["message_type"]
    want = sorted([mac, r["hostname"], r["ip"], r["type"]] for mac, r in dev.items())
    got = settled(b, "#dhcp-body tr", lambda rows: sorted(r[:4] for r in rows), want)
    ok(got == want and len(want) > 0, "DHCP: MAC, hostname, address, last message = tshark's", (got, want))

    # ICMP: both kitchens summed ("all kitchens").
    choose_kitchen(b, "")
    icmp, icmpv6 = collections.Counter(), collections.Counter()
    for k in ("icmp4", "icmp6"):
        p = payloads(expected[k], "ICMPCountChef")[-1]
        icmp.update(p["icmp_counts"])
        icmpv6.update(p["icmpv6_counts"])
    for body, want in (("#icmp-body", icmp), ("#icmpv6-body", icmpv6)):
        ndtest.wait_for(lambda: {r[0]: int(r[1]) for r in b.js(ROWS, body + " tr")} == dict(want), 10,
                        "ICMP counts in " + body)
    ok(len(icmp) and len(icmpv6), "ICMP and ICMPv6 counts by type = tshark's, summed over two kitchens",
       (icmp, icmpv6))

    # Top talkers: the latest interval dumpling of the kitchen.
    choose_kitchen(b, "http")
    p = payloads(expected["http"], "TopTalkersChef")[-1]
    for body, key, field in (("#talkers-hosts-bytes", "hosts_by_bytes", "bytes"),
                             ("#talkers-hosts-packets", "hosts_by_packets", "packets"),
                             ("#talkers-convs-bytes", "conversations_by_bytes", "bytes"),
                             ("#talkers-convs-packets", "conversations_by_packets", "packets")):
        want = {(e["host"] if "host" in e else e["a"] + " ↔ " + e["b"]): e[field] for e in p[key]}
        ndtest.wait_for(lambda: {r[0]: int(r[1]) for r in b.js(ROWS, body + " tr")} == want, 10,
                        "top talkers in " + body)
        ok(len(want) > 0, "top talkers, %s = tshark's" % key.replace("_", " "), want)

    # The plugin chef in the generic panel, its payload as a tree.
    if plugin:
        syns = len(ndtest.tshark_fields(CAPTURES["http"], "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                                        ["frame.number"]))
        b.wait_js("[...document.querySelectorAll('#other-chefs .chef-name')].some(e => e.textContent === 'HelloChef')",
                  10, "HelloChef in the generic panel")
        n = b.js("const s = [...document.querySelectorAll('#other-chefs details.other-chef')]"
                 ".find(d => d.dataset.chef === 'HelloChef'); return parseInt(s.querySelector('summary .kitchen').textContent);")
        leaves = b.js("return [...document.querySelectorAll('#other-chefs details.other-chef[data-chef=HelloChef] .tree-leaf')]"
                      ".map(e => e.textContent);")
        ok(n >= syns > 0 and any(x.startswith("greeting: ") for x in leaves),
           "a plugin chef (HelloChef) has its dumplings in the generic panel, payload as a tree "
           "(%d connections tshark sees)" % syns, (n, leaves[:6]))
    else:
        log("# ND_HELLO_CHEF not set: the plugin chef part is not run")

    # Search: only matching names stay.
    # The counts of kitchen tls as tshark gives them, once the page shows them
    # (right after the selector changes, the table may still be the last one).
    choose_kitchen(b, "tls")
    counts = dict(collections.Counter(
        s(p["server_name"]) if p["server_name"] is not None else "(none)"
        for p in payloads(expected["tls"], "TLSClientHelloChef")))
    got = settled(b, "#tls-counts tr", lambda rows: {r[0]: int(r[1]) for r in rows}, counts)
    check(got == counts, "TLS (tls) counts before the search: %r, want %r" % (got, counts))
    needle = sorted(n for n in counts if n != "(none)")[0]
    want = sum(n for name, n in counts.items() if needle in name)
    b.js("const s = document.getElementById('search'); s.value = arguments[0];"
         "s.dispatchEvent(new Event('input'));", needle.upper())
    ndtest.wait_for(lambda: len(b.js(ROWS, "#tls-body tr")) == want, 10, "the search")
    ok(all(needle in r[1] for r in b.js(ROWS, "#tls-body tr")),
       "search %r (any case) keeps only the hellos to server names holding it" % needle)
    b.js("const s = document.getElementById('search'); s.value = '';"
         "s.dispatchEvent(new Event('input'));")
    choose_kitchen(b, "")

    # The history charts have lines per chef and per kitchen.
    b.wait_js("ndPage.charts.chefs && ndPage.charts.chefs.data.datasets.some(d => d.label === 'TLSClientHelloChef')",
              10, "the per-chef chart")
    ok(True, "the history chart has a line per chef")

    for page, name in ((b, "page-light.png"), (dark, "page-dark.png")):
        page.wait_js("document.querySelectorAll('#tls-body tr').length > 0", 10, "the TLS rows")
        log("screenshot:", page.screenshot(os.path.join(WORK, name)))
    bg = dark.js("return getComputedStyle(document.body).backgroundColor;")
    ok(bg != b.js("return getComputedStyle(document.body).backgroundColor;"),
       "prefers-color-scheme: dark gives the dark colours", bg)

    # Pause: panels hold still, the count goes on; resume shows what came.
    b.driver.find_element("id", "pause").click()
    before = b.js(ROWS, "#http-body tr")
    got_before = b.js("return ndPage.received();")
    st.replay(CAPTURES["http"], "http2", "--filter", "", "--poke-interval", "0")
    b.wait_js("ndPage.received() > arguments[0]", 10, "dumplings while paused", got_before)
    choose_kitchen(b, "")
    b.wait_js("document.getElementById('received').textContent === String(ndPage.received())", 10,
              "the count while paused")
    ok(b.js(ROWS, "#http-body tr") == before, "paused: the panels hold still while the count goes on")
    b.driver.find_element("id", "pause").click()
    b.wait_js("[...document.querySelectorAll('#http-body tr')].length > arguments[0]", 10,
              "the rows after resume", len(before))
    ok(True, "resume shows what came while paused")

    # Clear empties the panels.
    b.driver.find_element("id", "clear").click()
    b.wait_js("document.querySelectorAll('#tls-body tr, #http-body tr, #dhcp-body tr, #icmp-body tr').length === 0",
              5, "the panels to empty")
    ok(True, "clear empties the panels")

    for page in (b, dark):
        errors = page.console_errors()
        ok(errors == [], "no console errors", errors)
        ok(page.dialogs() == [], "no dialog opened")


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
