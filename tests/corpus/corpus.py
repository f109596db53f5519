#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""corpus.py: runs the kitchen over every capture of the shared corpus and
compares what each packet-driven chef reports with tshark's reading of the
same capture (corpus/oracle.json), then checks the figures against the ratchet
recorded in docs/coverage.md.

    corpus.py --snifty PATH --corpus DIR --coverage docs/coverage.md
              [--jobs 2] [--timeout 120] [--write] [--only SUBSTRING]
              [--details FILE]

Per chef: oracle (items tshark finds), matched, missed, extra. An item is
matched by its identifying fields (DNS: name; TLS: server name and ports;
HTTP: method, host and URI; ARP: opcode and the four addresses; DHCP: message
type and client MAC), as a multiset per capture: the dumplings carry no frame
numbers. A capture the kitchen refuses (exit 1, e.g. an unsupported link type)
counts as all-missed and is counted by link type. A crash (signal, exit code
other than 0/1) or a hang (--timeout) is a failure of this test whatever the
figures.

The ratchet: every chef's matched count may not fall below, and its extra
count may not rise above, what docs/coverage.md records; nor may the number
of refused captures rise. --write rewrites the recorded figures (between the
"ratchet" markers) with this run's, to raise the ratchet after an improvement.

Exit 0 when within the ratchet, 1 when not, 2 on a usage error.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import struct
import subprocess
import sys

CHEFS = ["DNSLookupChef", "TLSClientHelloChef", "HTTPRequestChef", "ARPChef", "DHCPChef"]
BEGIN = "<!-- ratchet: begin (tests/corpus/corpus.py --write rewrites this block) -->"
END = "<!-- ratchet: end -->"

DHCP_TYPES = ["DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
              "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE",
              "BULKLEASEQUERY", "LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS",
              "TLS"]

# libpcap's names for the link types most likely to be met (pcap-linktype(7)).
LINKTYPES = {0: "NULL", 1: "EN10MB", 6: "IEEE802", 8: "SLIP", 9: "PPP", 10: "FDDI",
             12: "RAW", 50: "PPP_HDLC", 51: "PPP_ETHER", 101: "RAW", 104: "C_HDLC",
             105: "IEEE802_11", 108: "LOOP", 113: "LINUX_SLL", 119: "PRISM_HEADER",
             127: "IEEE802_11_RADIO", 138: "APPLE_IP_OVER_IEEE1394", 143: "DOCSIS",
             147: "USER0", 163: "IEEE802_11_RADIO_AVS", 165: "BACNET_MS_TP",
             166: "PPP_PPPD", 177: "LINUX_LAPD", 187: "BLUETOOTH_HCI_H4",
             189: "USB_LINUX", 192: "PPI", 195: "IEEE802_15_4_WITHFCS",
             201: "BLUETOOTH_HCI_H4_WITH_PHDR", 204: "PPP_WITH_DIR", 220: "USB_LINUX_MMAPPED",
             215: "IEEE802_15_4_NONASK_PHY", 227: "CAN_SOCKETCAN", 228: "IPV4", 229: "IPV6",
             230: "IEEE802_15_4_NOFCS", 235: "DVB_CI", 239: "NFLOG", 240: "NETANALYZER",
             249: "USBPCAP", 252: "WIRESHARK_UPPER_PDU", 254: "SCTP", 255: "USB_DARWIN",
             263: "NORDIC_BLE", 275: "LINUX_SLL2", 276: "LINUX_SLL2", 283: "AUERSWALD_LOG",
             290: "ETW", 293: "ZBOSS_NCP"}


def pcap_linktype(path):
    """The capture's link type (the first interface's, for pcapng) by libpcap's
    name, or a word saying why it could not be read."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if len(head) < 24:
                return "unreadable"
            magic = head[:4]
            if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
                lt = struct.unpack("<I", head[20:24])[0]
            elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
                lt = struct.unpack(">I", head[20:24])[0]
            elif magic == b"\x0a\x0d\x0d\x0a":
                bo = "<" if head[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
                f.seek(0)
                lt = None
                while lt is None:
                    bh = f.read(8)
                    if len(bh) < 8:
                        return "pcapng-without-interface"
                    btype, blen = struct.unpack(bo + "II", bh)
                    if blen < 12:
                        return "unreadable"
                    body = f.read(blen - 8)
                    if btype == 1:
                        lt = struct.unpack(bo + "H", body[:2])[0]
            else:
                return "not-a-capture"
    except OSError:
        return "unreadable"
    lt &= 0x0fffffff  # the upper bits of the pcap field are FCS flags
    return LINKTYPES.get(lt, "DLT_%d" % lt)


# ---- Normalising the fields both sides report -------------------------------

def unescape_ours(name):
    """Our presentation form ("\\." "\\\\" "\\DDD") to bytes."""
    out = bytearray()
    i = 0
    b = name.encode("utf-8", "surrogateescape")
    while i < len(b):
        if b[i] == 0x5c and i + 3 < len(b) + 0 and b[i + 1:i + 4].isdigit():
            out.append(int(b[i + 1:i + 4]) & 0xff)
            i += 4
        elif b[i] == 0x5c and i + 1 < len(b):
            out.append(b[i + 1])
            i += 2
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def unescape_tshark(name):
    """tshark's form (non-printable bytes as octal "\\ooo") to bytes."""
    if name is None:
        return None
    out = bytearray()
    b = name.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(b):
        if b[i] == 0x5c and re.match(rb"[0-7]{3}", b[i + 1:i + 4]):
            out.append(int(b[i + 1:i + 4], 8) & 0xff)
            i += 4
        elif b[i] == 0x5c and i + 1 < len(b):
            out.append(b[i + 1])
            i += 2
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def oracle_key(chef, row):
    if chef == "DNSLookupChef":
        # tshark shows the root as "<Root>" and a byte that is not UTF-8 as
        # U+FFFD, which cannot be undone: both sides are compared as text
        # decoded the same way.
        if row[1] == "<Root>":
            return "."
        return unescape_tshark(row[1]).decode("utf-8", "replace")
    if chef == "TLSClientHelloChef":
        return (row[1], row[4], row[5])
    if chef == "HTTPRequestChef":
        return (row[1], row[2], row[3])
    if chef == "ARPChef":
        return (str(row[1]),) + tuple((x or "").lower() for x in row[2:6])
    if chef == "DHCPChef":
        return (row[1], (row[2] or "").lower())
    raise KeyError(chef)


def our_key(chef, p):
    if chef == "DNSLookupChef":
        return unescape_ours(p["lookup"]["hostname"]).decode("utf-8", "replace")
    if chef == "TLSClientHelloChef":
        return (p.get("server_name"), p.get("client_port"), p.get("server_port"))
    if chef == "HTTPRequestChef":
        return (p.get("method"), p.get("host"), p.get("path"))
    if chef == "ARPChef":
        # "opcode" is the number (any opcode); "operation" its name.
        op = str(p["opcode"]) if "opcode" in p else \
            {"request": "1", "reply": "2"}.get(p.get("operation"), str(p.get("operation")))
        return (op,) + tuple((p.get(k) or "").lower()
                             for k in ("src_hw", "src_ip", "dst_hw", "dst_ip"))
    if chef == "DHCPChef":
        t = p.get("message_type") or ""
        if t in DHCP_TYPES:
            t = str(DHCP_TYPES.index(t) + 1)
        elif t.startswith("type-"):
            t = t[5:]
        return (t, (p.get("mac") or "").lower())
    raise KeyError(chef)


# ---- Running the kitchen -----------------------------------------------------

def run_one(snifty, path, timeout):
    """Runs the kitchen over one capture. Returns (status, dumplings by chef,
    message) where status is "ok", "refused", "crash" or "timeout"."""
    cmd = [snifty, "-r", path, "--stdout", "--filter", "", "--poke-interval", "0",
           "--kitchen-name", "corpus", "-q"]
    for c in CHEFS:
        cmd += ["-c", c]
    try:
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", {}, "no end within %d s" % timeout
    err = run.stderr.decode("utf-8", "replace")
    if run.returncode == 1:
        return "refused", {}, err.strip().splitlines()[-1] if err.strip() else "exit 1"
    if run.returncode != 0:
        return "crash", {}, "exit %d: %s" % (run.returncode, err[-500:])
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err:
        return "crash", {}, err[-1500:]
    got = collections.defaultdict(list)
    for line in run.stdout.decode("utf-8", "replace").splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            return "crash", {}, "not JSON: %s" % line[:200]
        meta = d.get("metadata", {})
        if meta.get("driver") == "packet" and meta.get("chef") in CHEFS:
            got[meta["chef"]].append(d["payload"])
    return "ok", got, ""


def compare(chef, rows, payloads):
    want = collections.Counter(oracle_key(chef, r) for r in rows)
    have = collections.Counter(our_key(chef, p) for p in payloads)
    matched = sum((want & have).values())
    missed = want - have
    extra = have - want
    return matched, missed, extra


# ---- The ratchet in docs/coverage.md -----------------------------------------

def read_ratchet(path):
    """{figure: number} from the block between the markers, or None."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, None
    if BEGIN not in text or END not in text:
        return None, text
    block = text[text.index(BEGIN):text.index(END)]
    rec = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0] in CHEFS:
            rec[cells[0] + ".matched"] = int(cells[2].replace(",", ""))
            rec[cells[0] + ".extra"] = int(cells[4].replace(",", ""))
        m = re.match(r"\s*refused captures:\s*([\d,]+)", line)
        if m:
            rec["refused"] = int(m.group(1).replace(",", ""))
    return rec, text


def table(figures, refused_by_lt, nrefused, ncaptures):
    lines = ["| chef | oracle | matched | missed | extra | matched % |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in CHEFS:
        f = figures[c]
        pct = 100.0 * f["matched"] / f["oracle"] if f["oracle"] else 100.0
        lines.append("| %s | %d | %d | %d | %d | %.1f |" % (
            c, f["oracle"], f["matched"], f["missed"], f["extra"], pct))
    lines.append("")
    lines.append("refused captures: %d of %d" % (nrefused, ncaptures))
    if refused_by_lt:
        lines.append("")
        lines.append("| link type | refused captures |")
        lines.append("|---|---:|")
        for lt, n in sorted(refused_by_lt.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append("| %s | %d |" % (lt, n))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snifty", required=True)
    ap.add_argument("--corpus", required=True, help="the corpus folder (captures/, oracle.json)")
    ap.add_argument("--coverage", required=True, help="docs/coverage.md")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per capture")
    ap.add_argument("--write", action="store_true", help="record this run's figures")
    ap.add_argument("--only", help="only captures whose name contains this")
    ap.add_argument("--details", help="write every missed and extra item here (JSON)")
    args = ap.parse_args()

    oracle_path = os.path.join(args.corpus, "oracle.json")
    if not os.path.exists(oracle_path):
        print("SKIP: no corpus at %s" % args.corpus)
        return 77
    with open(oracle_path, encoding="utf-8") as f:
        oracle = json.load(f)
    names = sorted(n for n in oracle if not args.only or args.only in n)

    def job(name):
        return name, run_one(args.snifty, os.path.join(args.corpus, "captures", name),
                             args.timeout)

    figures = {c: {"oracle": 0, "matched": 0, "missed": 0, "extra": 0} for c in CHEFS}
    refused_by_lt = collections.Counter()
    failures = []
    details = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, (status, got, msg) in pool.map(job, names):
            if status in ("crash", "timeout"):
                failures.append("%s: %s: %s" % (name, status, msg))
            if status == "refused":
                # libpcap's own name for the link type, from the kitchen's
                # message; the file header's number when the refusal is
                # about something else.
                m = re.search(r"link type (\S+) \(.*, (\d+)\) is not supported", msg)
                lt = m.group(1) if m else "other (%s)" % pcap_linktype(
                    os.path.join(args.corpus, "captures", name))
                refused_by_lt[lt] += 1
            for c in CHEFS:
                matched, missed, extra = compare(c, oracle[name][c], got.get(c, []))
                f = figures[c]
                f["oracle"] += len(oracle[name][c])
                f["matched"] += matched
                f["missed"] += sum(missed.values())
                f["extra"] += sum(extra.values())
                if missed or extra:
                    d = details.setdefault(name, {"status": status})
                    d[c] = {"missed": [repr(k) for k in missed.elements()],
                            "extra": [repr(k) for k in extra.elements()]}
    nrefused = sum(refused_by_lt.values())
    print(table(figures, refused_by_lt, nrefused, len(names)))
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            json.dump(details, f, indent=1, sort_keys=True)
    for line in failures[:20]:
        print("FAIL: " + line)

    if args.write:
        if args.only:
            print("--write needs the whole corpus (no --only)")
            return 2
        _, text = read_ratchet(args.coverage)
        block = BEGIN + "\n" + table(figures, refused_by_lt, nrefused, len(names)) + "\n" + END
        if text is None:
            text = "# Coverage against tshark\n\n" + block + "\n"
        elif BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        with open(args.coverage, "w", encoding="utf-8") as f:
            f.write(text)
        print("recorded in %s" % args.coverage)
        return 1 if failures else 0

    rec, _ = read_ratchet(args.coverage)
    if rec is None:
        print("FAIL: no recorded figures in %s (run with --write)" % args.coverage)
        return 1
    worse = []
    if not args.only:
        for c in CHEFS:
            if figures[c]["matched"] < rec.get(c + ".matched", 0):
                worse.append("%s matched %d < recorded %d" % (
                    c, figures[c]["matched"], rec[c + ".matched"]))
            if figures[c]["extra"] > rec.get(c + ".extra", 0):
                worse.append("%s extra %d > recorded %d" % (
                    c, figures[c]["extra"], rec[c + ".extra"]))
        if nrefused > rec.get("refused", 0):
            worse.append("refused captures %d > recorded %d" % (nrefused, rec["refused"]))
    for w in worse:
        print("FAIL: below the ratchet: " + w)
    if failures or worse:
        print("FAIL: %d crash(es) or hang(s), %d figure(s) below the ratchet" % (
            len(failures), len(worse)))
        return 1
    print("ok: %d captures, within the ratchet" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
