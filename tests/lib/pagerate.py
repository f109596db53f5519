# SPDX-License-Identifier: MIT
"""pagerate.py: the live page in headless Chromium under a paced stream of
dumplings, measured with Chromium's own counters (CDP Performance.getMetrics:
TaskDuration, the main thread's busy seconds; ThreadTime, its CPU seconds;
JSHeapUsedSize). Shared by
the 1,000/s smoke test (tests/gateway/test_page_rate.py) and the 10,000/s
benchmark row (tests/bench/page.py).

    r = run(procs, work, rate, seconds)   -> dict (see the end of run)

The stream is nd-test-pub-json (ND_PUB_JSON) publishing a mix of every
built-in chef and a plugin chef from two kitchens into a real nd-shifty and
nd-gateway (gwstack.py)."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402
import gwstack  # noqa: E402
import ndtest  # noqa: E402


def mix():
    """One cycle of the stream: what a busy kitchen pair cooks."""
    out = []
    for k in ("kitchen_a", "kitchen_b"):
        for i in range(8):
            out.append({"chef": "DNSLookupChef", "kitchen": k, "payload": {
                "lookup": {"hostname": "host%d.%s.example.com" % (i, k), "when": 1.7e9 + i}}})
        for i in range(3):
            out.append({"chef": "TLSClientHelloChef", "kitchen": k, "payload": {
                "server_name": "tls%d.example.net" % i, "versions": ["TLS 1.3", "TLS 1.2"],
                "legacy_version": "TLS 1.2", "alpn": ["h2", "http/1.1"], "client": "192.0.2.%d" % (10 + i),
                "client_port": 40000 + i, "server": "198.51.100.%d" % i, "server_port": 443,
                "time": 1.7e9 + i, "truncated": False}})
            out.append({"chef": "HTTPRequestChef", "kitchen": k, "payload": {
                "method": "GET", "host": "www%d.example.org" % i, "path": "/index%d.html" % i,
                "version": "HTTP/1.1", "user_agent": "curl/7.88.1", "client": "192.0.2.%d" % (20 + i),
                "client_port": 41000 + i, "server": "203.0.113.%d" % i, "server_port": 80,
                "time": 1.7e9 + i, "truncated": False}})
        out.append({"chef": "DHCPChef", "kitchen": k, "payload": {
            "message_type": "ACK", "mac": "02:00:00:00:00:%02x" % len(out), "hostname": "laptop",
            "requested_ip": None, "client_ip": None, "your_ip": "192.0.2.99", "client_id": None,
            "time": 1.7e9, "truncated": False}})
        out.append({"chef": "ARPChef", "kitchen": k, "payload": {
            "operation": "reply", "src_hw": "02:00:00:00:01:%02x" % len(out), "src_ip": "192.0.2.%d" % len(out),
            "dst_hw": "02:00:00:00:00:01", "dst_ip": "192.0.2.1", "time": 1.7e9, "notes": None}})
        out.append({"chef": "HelloChef", "kitchen": k, "payload": {
            "greeting": "hello", "client": "192.0.2.10", "server": "192.0.2.80", "server_port": 443}})
        out.append({"chef": "PacketCountChef", "kitchen": k, "driver": "interval", "payload": {
            "packet_counts": {"Ethernet": 1000, "IP": 900, "TCP": 600, "UDP": 300, "DNS": 200}}})
        out.append({"chef": "ICMPCountChef", "kitchen": k, "driver": "interval", "payload": {
            "icmp_counts": {"echo-request": 4, "echo-reply": 4}, "icmpv6_counts": {"router-advertisement": 1}}})
        out.append({"chef": "TopTalkersChef", "kitchen": k, "driver": "interval", "payload": {
            "total_bytes": 9000, "total_packets": 30,
            "hosts_by_bytes": [{"host": "192.0.2.%d" % i, "bytes": 1000 - i, "packets": 3} for i in range(10)],
            "hosts_by_packets": [{"host": "192.0.2.%d" % i, "bytes": 1000 - i, "packets": 3} for i in range(10)],
            "conversations_by_bytes": [{"a": "192.0.2.1", "b": "192.0.2.%d" % i, "bytes": 500, "packets": 2}
                                       for i in range(10)],
            "conversations_by_packets": [{"a": "192.0.2.1", "b": "192.0.2.%d" % i, "bytes": 500, "packets": 2}
                                         for i in range(10)]}})
    return out


def metrics(b):
    m = b.driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {x["name"]: x["value"] for x in m}


def retained_heap(b):
    """The JS heap after a full garbage collection: what the page keeps, not
    where the collector's sawtooth happens to be."""
    b.driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    return metrics(b)["JSHeapUsedSize"]


def run(procs, work, rate, seconds, log=print):
    """Streams rate dumplings/s for `seconds` into the page; samples Chromium
    every second. Returns {sent, received, lagged, busy: [per second fraction],
    heap: [bytes per second], retained: [heap after a forced GC at 10 s and
    when the stream ended], nodes: [DOM nodes], console_errors, caught_up_s}."""
    st = gwstack.Stack(procs)
    # Without the network log: DevTools copying each frame's payload is not
    # the page's cost (browser.py); console errors still come.
    b = browser.Browser(work, width=1400, height=1000, network_log=False)
    try:
        b.get(st.url())
        b.wait_js("document.getElementById('conn-status').textContent === 'live'", 10, "the page to go live")
        b.driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "timeTicks"})
        time.sleep(1.0)  # the page's start-up (script parse, first frame) is not measured
        count = int(rate * seconds)
        lines = os.path.join(work, "mix.jsonl")
        with open(lines, "w") as f:
            f.write("".join(json.dumps(d) + "\n" for d in mix()))
        pub = procs.start("nd-test-pub-json", ["sh", "-c", 'exec "$0" "$@" < "%s"' % lines,
                                               os.environ["ND_PUB_JSON"], st.hub_in, rate, count])
        busy, cpu, heap, nodes, retained = [], [], [], [], []
        last, t_last = metrics(b), time.monotonic()
        t0 = t_last
        while pub.running() and time.monotonic() - t0 < seconds + 30:
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t_last)))
            m, t = metrics(b), time.monotonic()
            busy.append((m["TaskDuration"] - last["TaskDuration"]) / (t - t_last))
            # ThreadTime is the main thread's CPU time: unlike TaskDuration (wall
            # time of its tasks) it does not grow when other processes take the CPU.
            cpu.append((m.get("ThreadTime", 0) - last.get("ThreadTime", 0)) / (t - t_last))
            heap.append(m["JSHeapUsedSize"])
            nodes.append(b.js("return document.getElementsByTagName('*').length;"))
            b.console_errors()  # taken as it comes
            if len(busy) == 10:
                retained.append(retained_heap(b))
                m = metrics(b)  # the collection is not the next second's work
            last, t_last = m, time.monotonic()
        if retained:
            retained.append(retained_heap(b))  # and when the stream ended
        rc = pub.wait(30)
        ndtest.check(rc == 0, "nd-test-pub-json exited %s: %s" % (rc, pub.stderr()))
        t_end = time.monotonic()
        # Caught up: every one of them arrived (the hub's status dumplings come on top).
        ok = True
        try:
            b.wait_js("ndPage.received() - (ndPage.totals.get('SystemStatusChef') || 0) >= arguments[0]", 30,
                      "the page to receive all", count)
        except ndtest.TestFailure:
            ok = False
        caught = time.monotonic() - t_end
        received = b.js("return ndPage.received() - (ndPage.totals.get('SystemStatusChef') || 0);")
        shown = True
        try:
            b.wait_js("document.getElementById('received').textContent === String(ndPage.received())", 10,
                      "the counter to show them")
        except ndtest.TestFailure:
            shown = False
        m = st.metrics()
        lagged = m.get("nd_gateway_clients_lagged_total")
        log("gateway: received %s, sent %s; page: %s" % (m.get("nd_gateway_dumplings_received_total"),
                                                       m.get("nd_gateway_dumplings_sent_total"),
                                                       b.js("return ndPage.received();")))
        errors = b.console_errors()
        log("page: %d/s for %d s: received %d of %d, caught up %.1f s after the end" %
            (rate, seconds, received, count, caught))
        return {"rate": rate, "seconds": seconds, "sent": count, "received": received,
                "all_received": ok, "shown": shown, "lagged": lagged, "busy": busy, "cpu": cpu, "heap": heap, "retained": retained,
                "nodes": nodes, "console_errors": errors, "caught_up_s": caught,
                "dialogs": b.dialogs()}
    finally:
        b.quit()
        st.stop()
