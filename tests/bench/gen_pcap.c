/* SPDX-License-Identifier: MIT */
/* gen_pcap.c: writes a deterministic pcap of N synthetic Ethernet packets in a
 * chosen mix (DNS queries, ARP, TLS ClientHellos with SNI, other TCP and UDP),
 * spaced in time at a chosen rate, for the benchmark (tests/bench/run.py).
 *
 * The file is written by hand in the classic pcap format (microsecond
 * timestamps, LINKTYPE_ETHERNET) so that the generator needs nothing but libc
 * and its output is byte-for-byte the same for the same flags. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"

enum { K_DNS, K_ARP, K_TCP, K_UDP, K_TLS, K_STREAM, K_COUNT };
static const char *const s_kind_names[K_COUNT] = {"dns", "arp", "tcp", "udp", "tls", "stream"};

typedef struct {
    uint64_t state;
} s_rng_t;

/* splitmix64: tiny, fast, and the same on every platform for a given seed. */
static uint64_t s_rand(s_rng_t *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint32_t s_below(s_rng_t *r, uint32_t n)
{
    return (uint32_t)(s_rand(r) % n);
}

static void s_put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void s_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void s_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The Internet checksum of an IPv4 header. */
static uint16_t s_ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

typedef struct {
    s_rng_t rng;
    char (*names)[80]; /* the pool DNS queries and SNIs draw from */
    size_t nnames;
} s_gen_t;

static void s_mac(s_gen_t *g, uint8_t *p, unsigned host)
{
    static const uint8_t oui[3] = {0x02, 0x42, 0xac}; /* locally administered */
    memcpy(p, oui, 3);
    p[3] = 0x11;
    s_put16(p + 4, host);
    (void)g;
}

/* Ethernet + IPv4 headers; returns the offset of the L4 header. */
static size_t s_ipv4(s_gen_t *g, uint8_t *p, int proto, size_t l4len, unsigned client)
{
    s_mac(g, p, 1);
    s_mac(g, p + 6, client);
    s_put16(p + 12, 0x0800);
    uint8_t *ip = p + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    s_put16(ip + 2, (unsigned)(20 + l4len));
    s_put16(ip + 4, s_below(&g->rng, 65536));
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    s_put32(ip + 12, 0x0a000000u | client);          /* 10.0.x.y */
    s_put32(ip + 16, 0xc6336400u | (client & 0xff)); /* 198.51.100.x */
    s_put16(ip + 10, s_ip_checksum(ip, 20));
    return 34;
}

static void s_udp(uint8_t *p, unsigned sport, unsigned dport, size_t payload)
{
    s_put16(p, sport);
    s_put16(p + 2, dport);
    s_put16(p + 4, (unsigned)(8 + payload));
    s_put16(p + 6, 0); /* no checksum: allowed over IPv4 */
}

static void s_tcp(s_gen_t *g, uint8_t *p, unsigned sport, unsigned dport)
{
    memset(p, 0, 20);
    s_put16(p, sport);
    s_put16(p + 2, dport);
    s_put32(p + 4, (uint32_t)s_rand(&g->rng));
    s_put32(p + 8, (uint32_t)s_rand(&g->rng));
    p[12] = 5 << 4;
    p[13] = 0x18; /* PSH ACK */
    s_put16(p + 14, 64240);
}

/* Writes a DNS name in wire format; returns its length. */
static size_t s_qname(uint8_t *p, const char *name)
{
    size_t n = 0;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        p[n++] = (uint8_t)len;
        memcpy(p + n, s, len);
        n += len;
        s += len + (dot ? 1 : 0);
    }
    p[n++] = 0;
    return n;
}

static size_t s_make_dns(s_gen_t *g, uint8_t *p)
{
    const char *name = g->names[s_below(&g->rng, (uint32_t)g->nnames)];
    uint8_t dns[300];
    memset(dns, 0, 12);
    s_put16(dns, s_below(&g->rng, 65536));
    s_put16(dns + 2, 0x0100); /* standard query, recursion desired */
    s_put16(dns + 4, 1);
    size_t n = 12 + s_qname(dns + 12, name);
    s_put16(dns + n, 1); /* A */
    s_put16(dns + n + 2, 1);
    n += 4;
    unsigned client = 2 + s_below(&g->rng, 200);
    size_t off = s_ipv4(g, p, 17, 8 + n, client);
    s_udp(p + off, 1024 + s_below(&g->rng, 60000), 53, n);
    memcpy(p + off + 8, dns, n);
    return off + 8 + n;
}

static size_t s_make_arp(s_gen_t *g, uint8_t *p)
{
    unsigned a = 2 + s_below(&g->rng, 50), b = 2 + s_below(&g->rng, 50);
    bool reply = s_below(&g->rng, 2);
    if (reply)
        s_mac(g, p, b);
    else
        memset(p, 0xff, 6);
    s_mac(g, p + 6, a);
    s_put16(p + 12, 0x0806);
    uint8_t *arp = p + 14;
    s_put16(arp, 1);
    s_put16(arp + 2, 0x0800);
    arp[4] = 6;
    arp[5] = 4;
    s_put16(arp + 6, reply ? 2 : 1);
    s_mac(g, arp + 8, a);
    s_put32(arp + 14, 0x0a000000u | a);
    if (reply)
        s_mac(g, arp + 18, b);
    else
        memset(arp + 18, 0, 6);
    s_put32(arp + 24, 0x0a000000u | b);
    memset(p + 42, 0, 18); /* Ethernet padding to 60 bytes */
    return 60;
}

static size_t s_make_tcp(s_gen_t *g, uint8_t *p)
{
    static const unsigned ports[] = {80, 22, 8080, 5432, 6379, 993};
    size_t payload = 40 + s_below(&g->rng, 400);
    unsigned client = 2 + s_below(&g->rng, 200);
    size_t off = s_ipv4(g, p, 6, 20 + payload, client);
    s_tcp(g, p + off, 1024 + s_below(&g->rng, 60000), ports[s_below(&g->rng, 6)]);
    for (size_t i = 0; i < payload; i++)
        p[off + 20 + i] = (uint8_t)s_rand(&g->rng);
    return off + 20 + payload;
}

static size_t s_make_udp(s_gen_t *g, uint8_t *p)
{
    static const unsigned ports[] = {123, 443, 4500, 51820, 1900, 3478};
    size_t payload = 20 + s_below(&g->rng, 300);
    unsigned client = 2 + s_below(&g->rng, 200);
    size_t off = s_ipv4(g, p, 17, 8 + payload, client);
    s_udp(p + off, 1024 + s_below(&g->rng, 60000), ports[s_below(&g->rng, 6)], payload);
    for (size_t i = 0; i < payload; i++)
        p[off + 8 + i] = (uint8_t)s_rand(&g->rng);
    return off + 8 + payload;
}

/* A TLS 1.2/1.3-style ClientHello with one cipher suite and an SNI extension. */
static size_t s_make_tls(s_gen_t *g, uint8_t *p)
{
    const char *sni = g->names[s_below(&g->rng, (uint32_t)g->nnames)];
    size_t snilen = strlen(sni);
    uint8_t hs[512];
    size_t n = 0;
    hs[n++] = 1; /* ClientHello */
    n += 3;      /* length, below */
    s_put16(hs + n, 0x0303);
    n += 2;
    for (int i = 0; i < 32; i++)
        hs[n++] = (uint8_t)s_rand(&g->rng);
    hs[n++] = 0; /* no session id */
    s_put16(hs + n, 4);
    s_put16(hs + n + 2, 0x1301);
    s_put16(hs + n + 4, 0xc02f);
    n += 6;
    hs[n++] = 1;
    hs[n++] = 0; /* null compression */
    size_t ext_len = 4 + 2 + 3 + snilen;
    s_put16(hs + n, (unsigned)ext_len);
    n += 2;
    s_put16(hs + n, 0); /* server_name */
    s_put16(hs + n + 2, (unsigned)(2 + 3 + snilen));
    s_put16(hs + n + 4, (unsigned)(3 + snilen));
    hs[n + 6] = 0; /* host_name */
    s_put16(hs + n + 7, (unsigned)snilen);
    memcpy(hs + n + 9, sni, snilen);
    n += 9 + snilen;
    size_t body = n - 4;
    hs[1] = (uint8_t)(body >> 16);
    hs[2] = (uint8_t)(body >> 8);
    hs[3] = (uint8_t)body;

    size_t payload = 5 + n;
    unsigned client = 2 + s_below(&g->rng, 200);
    size_t off = s_ipv4(g, p, 6, 20 + payload, client);
    s_tcp(g, p + off, 1024 + s_below(&g->rng, 60000), 443);
    uint8_t *rec = p + off + 20;
    rec[0] = 0x16;
    s_put16(rec + 1, 0x0301);
    s_put16(rec + 3, (unsigned)n);
    memcpy(rec + 5, hs, n);
    return off + 20 + payload;
}

/* Long TCP flows to port 80 (HTTP/1.1 POSTs back to back, each head and body
 * over several segments), picked up midway: 1 segment in 100 is lost (a hole
 * that never fills) and 5 in 100 come after the next one (reordered). */
#define S_STREAM_FLOWS 64
#define S_STREAM_SEG 1000
#define S_STREAM_FLOW_SEGS 2000 /* then the flow ends and another begins */
#define S_STREAM_BODY 2000

typedef struct {
    unsigned port, client, segs;
    uint32_t seq, isn;
    bool pending; /* a segment held back, sent after the next one */
    uint32_t pending_seq;
} s_flow_t;

static s_flow_t s_flows[S_STREAM_FLOWS];
static char s_req[256 + S_STREAM_BODY];
static size_t s_req_len;

static size_t s_stream_segment(s_gen_t *g, uint8_t *p, s_flow_t *f, uint32_t seq)
{
    size_t off = s_ipv4(g, p, 6, 20 + S_STREAM_SEG, f->client);
    s_tcp(g, p + off, f->port, 80);
    s_put32(p + off + 4, seq);
    uint32_t at = seq - f->isn;
    for (size_t i = 0; i < S_STREAM_SEG; i++)
        p[off + 20 + i] = (uint8_t)s_req[(at + i) % s_req_len];
    return off + 20 + S_STREAM_SEG;
}

static size_t s_make_stream(s_gen_t *g, uint8_t *p)
{
    if (!s_req_len) {
        int n = snprintf(s_req, sizeof s_req,
                         "POST /bench/upload HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: "
                         "nd-bench-gen\r\nContent-Length: %d\r\n\r\n",
                         S_STREAM_BODY);
        memset(s_req + n, 'x', S_STREAM_BODY);
        s_req_len = (size_t)n + S_STREAM_BODY;
    }
    s_flow_t *f = &s_flows[s_below(&g->rng, S_STREAM_FLOWS)];
    if (f->segs == 0 || f->segs >= S_STREAM_FLOW_SEGS) {
        memset(f, 0, sizeof *f);
        f->port = 1024 + s_below(&g->rng, 60000);
        f->client = 2 + s_below(&g->rng, 200);
        f->isn = f->seq = (uint32_t)s_rand(&g->rng);
    }
    f->segs++;
    if (f->pending) {
        f->pending = false;
        return s_stream_segment(g, p, f, f->pending_seq);
    }
    unsigned roll = s_below(&g->rng, 100);
    if (roll == 0) {
        f->seq += S_STREAM_SEG; /* lost */
    } else if (roll <= 5) {
        f->pending = true;
        f->pending_seq = f->seq;
        f->seq += S_STREAM_SEG;
    }
    uint32_t seq = f->seq;
    f->seq += S_STREAM_SEG;
    return s_stream_segment(g, p, f, seq);
}

static void s_make_names(s_gen_t *g)
{
    static const char *const tlds[] = {"example.com", "example.org", "example.net", "test",
                                       "invalid.example"};
    for (size_t i = 0; i < g->nnames; i++) {
        char label[24];
        size_t len = 3 + s_below(&g->rng, 12);
        for (size_t j = 0; j < len; j++)
            label[j] = (char)('a' + s_below(&g->rng, 26));
        label[len] = '\0';
        if (s_below(&g->rng, 3) == 0)
            snprintf(g->names[i], sizeof g->names[i], "www.%s.%s", label,
                     tlds[s_below(&g->rng, 5)]);
        else
            snprintf(g->names[i], sizeof g->names[i], "%s.%s", label, tlds[s_below(&g->rng, 5)]);
    }
}

/* 1% of the packets make a dumpling (a DNS query or a TLS ClientHello: the
 * DNSLookupChef and TLSClientHelloChef each make one); the rest only feed the
 * counting chefs. */
#define S_LOW "dns=1,tls=1,tcp=120,udp=78"

static void s_usage(FILE *out)
{
    fprintf(out,
            "Usage: nd-bench-gen-pcap -o FILE [OPTION]...\n"
            "Writes a pcap of synthetic packets for the benchmark, the same for the same flags.\n"
            "\n"
            "  -o, --output FILE   the pcap to write ('-' for stdout)\n"
            "  -n, --count N       packets (default 100000)\n"
            "  -m, --mix SPEC      weights, e.g. dns=1,tls=1,tcp=120,udp=78,arp=0\n"
            "      --preset NAME   low (default): 0.5%% DNS queries, 0.5%% TLS ClientHellos, the\n"
            "                      rest other TCP/UDP (1%% of packets make a dumpling);\n"
            "                      high: every packet a DNS query (one dumpling each);\n"
            "                      mixed: 20%% DNS, 5%% ARP, the rest TCP/UDP/TLS;\n"
            "                      streams: long HTTP/1.1 flows over TCP (64 at once), 1%%\n"
            "                      of segments lost and 5%% reordered\n"
            "  -r, --rate PPS      packets per second of capture time (default 1000000)\n"
            "  -s, --seed N        random seed (default 1)\n"
            "      --names N       distinct names DNS queries and SNIs draw from (default 1000)\n"
            "      --start EPOCH   time of the first packet (default 1700000000)\n"
            "      --help          show this help and exit\n"
            "Prints the counts of each kind on stderr. Exit status 0 ok, 1 I/O error, 2 usage.\n");
}

/* Parses "dns=1,tcp=60" into weights. Returns 0 or -1. */
static int s_parse_mix(const char *spec, unsigned w[K_COUNT])
{
    memset(w, 0, K_COUNT * sizeof *w);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return -1;
        *eq = '\0';
        long v;
        if (nd_parse_long(eq + 1, 0, 1000000, &v) != 0)
            return -1;
        int k;
        for (k = 0; k < K_COUNT; k++)
            if (strcmp(tok, s_kind_names[k]) == 0)
                break;
        if (k == K_COUNT)
            return -1;
        w[k] = (unsigned)v;
    }
    unsigned total = 0;
    for (int k = 0; k < K_COUNT; k++)
        total += w[k];
    return total ? 0 : -1;
}

int main(int argc, char **argv)
{
    enum { OPT_PRESET = 256, OPT_NAMES, OPT_START, OPT_HELP };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},
        {"mix", required_argument, NULL, 'm'},
        {"preset", required_argument, NULL, OPT_PRESET},
        {"rate", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"names", required_argument, NULL, OPT_NAMES},
        {"start", required_argument, NULL, OPT_START},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    long count = 100000, seed = 1, nnames = 1000;
    double rate = 1e6, start = 1700000000;
    unsigned w[K_COUNT];
    s_parse_mix(S_LOW, w);
    int c;
    while ((c = getopt_long(argc, argv, "o:n:m:r:s:", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'n':
            if (nd_parse_long(optarg, 1, 100000000, &count) != 0) {
                fprintf(stderr, "invalid --count '%s'\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case 'm':
            if (s_parse_mix(optarg, w) != 0) {
                fprintf(stderr, "invalid --mix '%s' (e.g. dns=1,tcp=60,udp=25,tls=14,arp=0)\n",
                        optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case OPT_PRESET:
            if (strcmp(optarg, "low") == 0)
                s_parse_mix(S_LOW, w);
            else if (strcmp(optarg, "high") == 0)
                s_parse_mix("dns=1", w);
            else if (strcmp(optarg, "mixed") == 0)
                s_parse_mix("dns=20,arp=5,tcp=40,udp=20,tls=15", w);
            else if (strcmp(optarg, "streams") == 0)
                s_parse_mix("stream=1", w);
            else {
                fprintf(stderr, "invalid --preset '%s' (low, high, mixed or streams)\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case 'r':
            if (nd_parse_double(optarg, 0.001, 1e9, &rate) != 0) {
                fprintf(stderr, "invalid --rate '%s'\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case 's':
            if (nd_parse_long(optarg, 0, 0x7fffffffL, &seed) != 0) {
                fprintf(stderr, "invalid --seed '%s'\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case OPT_NAMES:
            if (nd_parse_long(optarg, 1, 10000000, &nnames) != 0) {
                fprintf(stderr, "invalid --names '%s'\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case OPT_START:
            if (nd_parse_double(optarg, 0, 4e9, &start) != 0) {
                fprintf(stderr, "invalid --start '%s'\n", optarg);
                return ND_EXIT_USAGE;
            }
            break;
        case OPT_HELP:
            s_usage(stdout);
            return ND_EXIT_OK;
        default:
            s_usage(stderr);
            return ND_EXIT_USAGE;
        }
    }
    if (!output || optind < argc) {
        s_usage(stderr);
        return ND_EXIT_USAGE;
    }

    s_gen_t g = {.rng = {(uint64_t)seed * 2654435761u + 1}, .nnames = (size_t)nnames};
    g.names = calloc(g.nnames, sizeof *g.names);
    if (!g.names) {
        fprintf(stderr, "out of memory\n");
        return ND_EXIT_RUNTIME;
    }
    s_make_names(&g);

    FILE *f = strcmp(output, "-") == 0 ? stdout : fopen(output, "wb");
    if (!f) {
        perror(output);
        free(g.names);
        return ND_EXIT_RUNTIME;
    }
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    uint8_t hdr[24];
    s_le32(hdr, 0xa1b2c3d4);
    hdr[4] = 2, hdr[5] = 0, hdr[6] = 4, hdr[7] = 0; /* version 2.4, little-endian */
    memset(hdr + 8, 0, 8);
    s_le32(hdr + 16, 65535); /* snaplen */
    s_le32(hdr + 20, 1);     /* LINKTYPE_ETHERNET */
    fwrite(hdr, 1, sizeof hdr, f);

    unsigned total = 0;
    for (int k = 0; k < K_COUNT; k++)
        total += w[k];
    unsigned long kinds[K_COUNT] = {0};
    uint64_t start_us = (uint64_t)(start * 1e6);
    for (long i = 0; i < count; i++) {
        unsigned pick = s_below(&g.rng, total);
        int k = 0;
        while (pick >= w[k])
            pick -= w[k++];
        uint8_t pkt[1600];
        size_t len = 0;
        switch (k) {
        case K_DNS:
            len = s_make_dns(&g, pkt);
            break;
        case K_ARP:
            len = s_make_arp(&g, pkt);
            break;
        case K_TCP:
            len = s_make_tcp(&g, pkt);
            break;
        case K_UDP:
            len = s_make_udp(&g, pkt);
            break;
        case K_STREAM:
            len = s_make_stream(&g, pkt);
            break;
        default:
            len = s_make_tls(&g, pkt);
            break;
        }
        kinds[k]++;
        uint64_t us = start_us + (uint64_t)((double)i * 1e6 / rate);
        uint8_t rec[16];
        s_le32(rec, (uint32_t)(us / 1000000));
        s_le32(rec + 4, (uint32_t)(us % 1000000));
        s_le32(rec + 8, (uint32_t)len);
        s_le32(rec + 12, (uint32_t)len);
        fwrite(rec, 1, sizeof rec, f);
        fwrite(pkt, 1, len, f);
    }
    int rc = ND_EXIT_OK;
    if (fflush(f) != 0 || ferror(f)) {
        perror(output);
        rc = ND_EXIT_RUNTIME;
    }
    if (f != stdout)
        fclose(f);
    fprintf(stderr, "wrote %ld packets:", count);
    for (int k = 0; k < K_COUNT; k++)
        fprintf(stderr, " %s=%lu", s_kind_names[k], kinds[k]);
    fprintf(stderr, "\n");
    free(g.names);
    return rc;
}
