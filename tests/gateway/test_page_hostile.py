#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_page_hostile.py: markup in a dumpling is text in every panel of the
page, and runs nothing:

- a crafted capture (make_pcap.py hostile) with markup in a TLS server name
  and ALPN, an HTTP host, path and user agent, and a DHCP hostname, replayed
  through nd-snifty -> nd-shifty -> nd-gateway: the values tshark reads show
  as text;
- a rogue kitchen (nd-test-pub-json) publishing markup in a plugin-style
  payload (keys and values, nested) and in every field the built-in panels
  show (ICMP type names, layer names, top talkers, ARP notes, TLS versions,
  HTTP methods, DHCP message types): the generic tree and the panels show it
  as text;
- no <img>, <svg>, <script> or <iframe> element appears, no handler runs
  (window.ndXss stays unset), no dialog opens, nothing is fetched, no
  console error.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import browser  # noqa: E402
import gwstack  # noqa: E402
import make_pcap  # noqa: E402
import ndtest  # noqa: E402
from ndtest import check  # noqa: E402

WORK = os.environ.get("ND_TEST_WORK") or os.getcwd()
M = "<img src=x onerror=window.ndXss=%d>"


def log(*a):
    print(*a, flush=True)


def ok(cond, what, detail=None):
    check(cond, what + ("" if detail is None else ": %r" % (detail,)))
    log("ok -", what)


def rogue_lines():
    """Dumplings a rogue kitchen publishes: markup wherever a panel shows text."""
    k = "rogue"
    return [
        {"chef": "RogueChef", "kitchen": k, "payload": {
            M % 21: "<script>window.ndXss=22</script>",
            "nested": {"list": [M % 23, {"<b>deep</b>": "<iframe src=javascript:window.ndXss=24>"}]}}},
        {"chef": "TLSClientHelloChef", "kitchen": k, "payload": {
            "server_name": M % 25, "versions": [M % 26], "alpn": [M % 27], "client": M % 28,
            "client_port": M % 29, "server": "192.0.2.1", "server_port": 443, "time": 1.7e9,
            "transport": M % 30}},
        {"chef": "HTTPRequestChef", "kitchen": k, "payload": {
            "method": M % 31, "host": "h.example", "path": "/", "client": "192.0.2.2",
            "client_port": 1, "server": "192.0.2.1", "server_port": 80, "time": 1.7e9}},
        {"chef": "DHCPChef", "kitchen": k, "payload": {
            "message_type": M % 32, "mac": M % 33, "hostname": "h", "your_ip": M % 34, "time": 1.7e9}},
        {"chef": "ICMPCountChef", "kitchen": k, "driver": "interval", "payload": {
            "icmp_counts": {M % 35: 1}, "icmpv6_counts": {M % 36: 2}}},
        {"chef": "PacketCountChef", "kitchen": k, "driver": "interval", "payload": {
            "packet_counts": {M % 37: 3}}},
        {"chef": "TopTalkersChef", "kitchen": k, "driver": "interval", "payload": {
            "hosts_by_bytes": [{"host": M % 38, "bytes": 5, "packets": 1}],
            "hosts_by_packets": [{"host": M % 39, "bytes": 5, "packets": 1}],
            "conversations_by_bytes": [{"a": M % 40, "b": M % 41, "bytes": 5, "packets": 1}],
            "conversations_by_packets": []}},
        {"chef": "ARPChef", "kitchen": k, "payload": {
            "operation": "reply", "src_hw": M % 42, "src_ip": M % 43, "notes": M % 44, "time": 1.7e9}},
        {"chef": "DNSLookupChef", "kitchen": k, "payload": {
            "lookup": {"hostname": M % 45, "when": 1.7e9, "protocol": M % 46}}},
    ]


def test(procs, argv):
    browser.skip_if_missing()
    os.makedirs(WORK, exist_ok=True)
    pcap = os.path.join(WORK, "hostile.pcap")
    subprocess.run([sys.executable, os.path.join(HERE, "make_pcap.py"), "hostile", pcap], check=True)
    st = gwstack.Stack(procs)
    b = browser.Browser(WORK, width=1400, height=1000)
    try:
        run(st, b, pcap, procs)
    finally:
        b.quit()
    st.stop()


def texts(b, selector):
    return b.js("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);", selector)


def run(st, b, pcap, procs):
    b.get(st.url())
    b.wait_js("document.getElementById('conn-status').textContent === 'live'", 10, "the page to go live")
    scripts = b.js("return document.querySelectorAll('script').length;")

    # What tshark reads in the crafted capture.
    sni, alpn = ndtest.tshark_fields(pcap, "tls.handshake.type == 1", [
        "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str"])[0]
    host, uri, ua = ndtest.tshark_fields(pcap, "http.request", ["http.host", "http.request.uri",
                                                                "http.user_agent"])[0]
    dhcp_name, = ndtest.tshark_fields(pcap, "dhcp", ["dhcp.option.hostname"])[0]
    ok(sni == make_pcap.HOSTILE_SNI and host == make_pcap.HOSTILE_HOST and dhcp_name == make_pcap.HOSTILE_DHCP_NAME,
       "tshark reads the markup in the crafted capture", (sni, host, dhcp_name))

    st.replay(pcap, "crafted", "--filter", "")
    b.wait_js("document.querySelectorAll('#tls-body tr').length >= 1 && "
              "document.querySelectorAll('#http-body tr').length >= 1 && "
              "document.querySelectorAll('#dhcp-body tr').length >= 1", 10, "the crafted dumplings")
    tls = b.js("return [...document.querySelector('#tls-body tr').children].map(td => td.textContent);")
    ok(tls[1] == sni and alpn.split(",")[0] in tls[4], "TLS: the server name and ALPN show as text", tls)
    http = b.js("const tr = document.querySelector('#http-body tr');"
                "return [[...tr.children].map(td => td.textContent), tr.title];")
    ok(http[0][2] == host and http[0][3] == uri and ua in http[1],
       "HTTP: host, path and user agent (tooltip) show as text", http)
    ok(dhcp_name in texts(b, "#dhcp-body td"), "DHCP: the hostname shows as text")

    # The rogue kitchen.
    lines = "".join(json.dumps(d) + "\n" for d in rogue_lines())
    r = subprocess.run([os.environ["ND_PUB_JSON"], st.hub_in], input=lines, text=True,
                       capture_output=True, timeout=30)
    check(r.returncode == 0, "nd-test-pub-json: %s" % r.stderr)
    b.wait_js("[...document.querySelectorAll('#other-chefs .chef-name')].some(e => e.textContent === 'RogueChef')",
              10, "RogueChef in the generic panel")
    b.wait_js("document.querySelectorAll('#talkers-hosts-bytes tr').length >= 1", 10, "the rogue top talkers")
    tree = " ".join(texts(b, "#other-chefs .tree-leaf, #other-chefs summary"))
    for want in (M % 21, '"<script>window.ndXss=22</script>"', '"%s"' % (M % 23), "<b>deep</b>",
                 '"<iframe src=javascript:window.ndXss=24>"'):
        ok(want in tree, "the generic panel shows %r as text" % want)
    missing = []

    def all_shown():
        page = b.js("return document.querySelector('main').textContent;")
        missing[:] = [n for n in range(25, 47) if (M % n) not in page]
        return not missing
    try:
        ndtest.wait_for(all_shown, 10, "the rogue markup in every panel")  # tables draw once a second
    except ndtest.TestFailure:
        pass
    ok(not missing, "every built-in panel shows the rogue kitchen's markup as text", missing)

    els = b.js("return ['img', 'svg', 'iframe', 'b', 'object', 'embed']"
               ".map(t => document.querySelectorAll('main ' + t).length);")
    ok(els == [0] * 6 and b.js("return document.querySelectorAll('script').length;") == scripts,
       "no element was made from markup", els)
    xss = b.js("return window.ndXss === undefined ? null : window.ndXss;")
    ok(xss is None and b.dialogs() == [], "no handler ran, no dialog opened", (xss, b.dialogs()))
    fetched = [u for u in b.requests() if "/x" in u or "javascript:" in u]
    ok(not fetched, "nothing fetched an image source", fetched)
    errors = b.console_errors()
    ok(errors == [], "no console errors", errors)
    log("screenshot:", b.screenshot(os.path.join(WORK, "page-hostile.png")))


if __name__ == "__main__":
    sys.exit(ndtest.main(test))
