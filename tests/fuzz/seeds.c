/* SPDX-License-Identifier: MIT */
/* seeds.c: nd-fuzz-seeds OUTDIR CAPTURE|DIR...: writes the fuzz targets' seed
 * corpora: every packet of the captures (prefixed with its link-type byte, see
 * fuzz.h) for fuzz_packet, and for fuzz_dumpling and fuzz_msgpack_json the
 * dumplings the built-in chefs make from those captures plus hand-built ones
 * that use every kind of value. */
#include <dirent.h>
#include <errno.h>
#include <msgpack.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "fuzz.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"
#include "netdumplings/log.h"
#include "netdumplings/payload.h"

/* A corpus of tens of thousands of near-identical ARP packets only slows the
 * fuzzer's start; the first few hundred of a capture cover what it holds. */
#define S_MAX_PACKETS_PER_FILE 300
#define S_MAX_DUMPLINGS_PER_CHEF 20

static const char *s_out;
static unsigned long s_written;
static int s_failed;

static void s_write(const char *target, const char *name, int prefix, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", s_out, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (prefix >= 0 && fputc(prefix, f) == EOF) || (len && fwrite(data, 1, len, f) != len) ||
        fclose(f) != 0) {
        fprintf(stderr, "nd-fuzz-seeds: %s: %s\n", path, strerror(errno));
        s_failed = 1;
        return;
    }
    s_written++;
}

/* Writes a decoded dumpling's payload alone, re-encoded, as a msgpack_json seed. */
static void s_write_payload(const uint8_t *body, size_t len, const char *name)
{
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[256];
    if (nd_dumpling_decode(&d, body, len, err, sizeof err) == 0) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        if (msgpack_pack_object(&pk, d.payload) == 0)
            s_write("msgpack_json", name, -1, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    nd_dumpling_release(&d);
}

/* ---- dumplings the chefs make from the captures -------------------------- */

#define S_MAX_CHEFS 64

typedef struct {
    const char *capture; /* base name of the capture being read */
    struct {
        char name[ND_NAME_MAX + 1];
        unsigned n; /* dumplings written */
    } chefs[S_MAX_CHEFS];
    size_t nchefs;
} s_serve_state_t;

static int s_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                   size_t body_len)
{
    s_serve_state_t *st = arg;
    const char *slash = memchr(topic, '/', topic_len);
    size_t clen = slash ? (size_t)(slash - topic) : topic_len;
    if (clen > ND_NAME_MAX)
        clen = ND_NAME_MAX;
    size_t i = 0;
    while (i < st->nchefs &&
           (strncmp(st->chefs[i].name, topic, clen) != 0 || st->chefs[i].name[clen] != '\0'))
        i++;
    if (i == st->nchefs) {
        if (i == S_MAX_CHEFS)
            return 0;
        memcpy(st->chefs[i].name, topic, clen);
        st->chefs[i].name[clen] = '\0';
        st->chefs[i].n = 0;
        st->nchefs++;
    }
    if (st->chefs[i].n >= S_MAX_DUMPLINGS_PER_CHEF)
        return 0;
    char name[512];
    snprintf(name, sizeof name, "%s-%s-%u", st->capture, st->chefs[i].name, st->chefs[i].n++);
    s_write("dumpling", name, -1, body, body_len);
    s_write("msgpack_json", name, -1, body, body_len);
    char pname[600];
    snprintf(pname, sizeof pname, "%s-payload", name);
    s_write_payload(body, body_len, pname);
    return 0;
}

static void s_capture(const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_open_offline(path, errbuf);
    if (!pc) {
        fprintf(stderr, "nd-fuzz-seeds: %s: %s\n", path, errbuf);
        s_failed = 1;
        return;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int prefix = nd_fuzz_linktype_byte(pcap_datalink(pc));
    if (prefix < 0) {
        fprintf(stderr, "nd-fuzz-seeds: %s: link type %d has no slot, skipped\n", path,
                pcap_datalink(pc));
        pcap_close(pc);
        return;
    }
    static s_serve_state_t st;
    memset(&st, 0, sizeof st);
    st.capture = base;
    char err[256] = "";
    nd_kitchen_t *k = nd_kitchen_new("seeds", s_serve, &st, err, sizeof err);
    for (size_t i = 0; k && nd_builtin_chefs[i]; i++)
        if (nd_kitchen_add_chef(k, nd_builtin_chefs[i], err, sizeof err) < 0)
            nd_kitchen_destroy(&k);
    if (!k) {
        fprintf(stderr, "nd-fuzz-seeds: kitchen: %s\n", err);
        s_failed = 1;
        pcap_close(pc);
        return;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned n = 0;
    double last = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        if (n < S_MAX_PACKETS_PER_FILE) {
            char name[512];
            snprintf(name, sizeof name, "%s-%u", base, n);
            s_write("packet", name, prefix, data, h->caplen);
        }
        n++;
        nd_packet_t pkt;
        if (nd_packet_dissect(&pkt, pcap_datalink(pc), data, h->caplen, h->len, &h->ts) == 0) {
            nd_kitchen_packet(k, &pkt);
            last = pkt.ts;
        }
    }
    nd_kitchen_poke(k, last);
    nd_kitchen_destroy(&k);
    pcap_close(pc);
}

static int s_is_capture(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
           (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

static void s_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "nd-fuzz-seeds: %s: %s\n", dir, strerror(errno));
        s_failed = 1;
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!s_is_capture(e->d_name))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        s_capture(path);
    }
    closedir(d);
}

/* ---- hand-built packets ------------------------------------------------ */

/* The captures hold no DHCP and only Ethernet, raw IP and NULL links: these
 * give the fuzzer a valid start for the rest. Checksums are left zero (no
 * dissector checks them). */

static size_t s_put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

/* IPv4 (proto) or IPv6 (next header) around `l4`; returns the length. */
static size_t s_ip(uint8_t *out, int version, uint8_t proto, const uint8_t *l4, size_t len)
{
    size_t h;
    if (version == 4) {
        static const uint8_t v4[20] = {0x45, 0, 0,   0, 0, 1, 0,   0, 64, 0,
                                       0,    0, 192, 0, 2, 1, 192, 0, 2,  2};
        memcpy(out, v4, 20);
        s_put16(out + 2, (unsigned)(20 + len));
        out[9] = proto;
        h = 20;
    } else {
        memset(out, 0, 40);
        out[0] = 0x60;
        s_put16(out + 4, (unsigned)len);
        out[6] = proto;
        out[7] = 64;
        out[8] = out[24] = 0x20; /* 2001:db8::1 -> 2001:db8::2 */
        out[9] = out[25] = 0x01;
        out[10] = out[26] = 0x0d;
        out[11] = out[27] = 0xb8;
        out[23] = 1;
        out[39] = 2;
        h = 40;
    }
    memcpy(out + h, l4, len);
    return h + len;
}

static size_t s_udp(uint8_t *out, unsigned sport, unsigned dport, const uint8_t *data, size_t len)
{
    s_put16(out, sport);
    s_put16(out + 2, dport);
    s_put16(out + 4, (unsigned)(8 + len));
    s_put16(out + 6, 0);
    memcpy(out + 8, data, len);
    return 8 + len;
}

/* Writes `ip` (an IPv4 or IPv6 packet) behind every link header it fits. */
static void s_links(const char *what, const uint8_t *ip, size_t len)
{
    int v6 = (ip[0] >> 4) == 6;
    unsigned ethertype = v6 ? 0x86dd : 0x0800;
    uint8_t pkt[2048];
    char name[128];
    struct {
        int linktype;
        size_t hlen;
    } links[] = {{1, 14}, {12, 0}, {v6 ? 229 : 228, 0}, {113, 16}, {276, 20}, {0, 4}, {108, 4}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        uint8_t *h = pkt;
        memset(h, 0, links[i].hlen);
        switch (links[i].linktype) {
        case 1: /* dst, src, ethertype */
            memcpy(h, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
            s_put16(h + 12, ethertype);
            break;
        case 113: /* packet type, ARPHRD_ETHER, address length, address, protocol */
            s_put16(h + 2, 1);
            s_put16(h + 4, 6);
            s_put16(h + 14, ethertype);
            break;
        case 276: /* protocol, reserved, ifindex, ARPHRD_ETHER, type, address length */
            s_put16(h, ethertype);
            h[7] = 1;
            s_put16(h + 8, 1);
            h[11] = 6;
            break;
        case 0: /* the BSD AF_INET / AF_INET6 (24, 28 or 30) in host order (little-endian) */
            h[0] = v6 ? 24 : 2;
            break;
        case 108: /* the same in network order */
            h[3] = v6 ? 24 : 2;
            break;
        }
        memcpy(pkt + links[i].hlen, ip, len);
        snprintf(name, sizeof name, "synth-%s-dlt%d", what, links[i].linktype);
        s_write("packet", name, nd_fuzz_linktype_byte(links[i].linktype), pkt, links[i].hlen + len);
    }
}

static void s_packets(void)
{
    uint8_t l4[1024], ip[1100];
    size_t n;

    /* DNS query for example.com A, over UDP, on IPv4 and IPv6. */
    static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                  0,    0,    7,    'e',  'x', 'a', 'm', 'p', 'l', 'e',
                                  3,    'c',  'o',  'm',  0,   0,   1,   0,   1};
    n = s_udp(l4, 53000, 53, dns, sizeof dns);
    s_links("dns4", ip, s_ip(ip, 4, 17, l4, n));
    s_links("dns6", ip, s_ip(ip, 6, 17, l4, n));

    /* DHCPDISCOVER (RFC 2131) with a host name, a requested address and a
     * client identifier. */
    uint8_t dhcp[300] = {1, 1, 6, 0, 0xde, 0xad, 0xbe, 0xef};
    memcpy(dhcp + 28, "\x02\x00\x00\x00\x00\x01", 6);
    size_t o = 236;
    static const uint8_t opts[] = {0x63, 0x82, 0x53, 0x63, 53, 1,   1, 12, 4,  'h',
                                   'o',  's',  't',  50,   4,  192, 0, 2,  9,  61,
                                   7,    1,    2,    0,    0,  0,   0, 1,  255};
    memcpy(dhcp + o, opts, sizeof opts);
    o += sizeof opts;
    n = s_udp(l4, 68, 67, dhcp, o);
    s_links("dhcp", ip, s_ip(ip, 4, 17, l4, n));

    /* ICMP echo request and ICMPv6 echo request. */
    static const uint8_t echo4[] = {8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
    s_links("icmp", ip, s_ip(ip, 4, 1, echo4, sizeof echo4));
    static const uint8_t echo6[] = {128, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
    s_links("icmp6", ip, s_ip(ip, 6, 58, echo6, sizeof echo6));

    /* An HTTP request over TCP (SYN-less: dissectors do not track streams). */
    static const char http[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
                               "User-Agent: fuzz\r\n\r\n";
    memset(l4, 0, 20);
    s_put16(l4, 40000);
    s_put16(l4 + 2, 80);
    l4[12] = 5 << 4;
    l4[13] = 0x18; /* PSH ACK */
    s_put16(l4 + 14, 65535);
    memcpy(l4 + 20, http, sizeof http - 1);
    s_links("http", ip, s_ip(ip, 4, 6, l4, 20 + sizeof http - 1));
}

/* ---- hand-built dumplings and msgpack values --------------------------- */

static void s_finish(nd_payload_t *p, const char *name)
{
    const char *why = NULL;
    if (nd_dumpling_finish(p, &why) < 0) {
        fprintf(stderr, "nd-fuzz-seeds: %s: %s\n", name, why ? why : "?");
        s_failed = 1;
        return;
    }
    s_write("dumpling", name, -1, nd_pl_data(p), nd_pl_size(p));
    s_write("msgpack_json", name, -1, nd_pl_data(p), nd_pl_size(p));
}

static void s_handmade(void)
{
    nd_payload_t *p = nd_payload_new();
    if (!p) {
        s_failed = 1;
        return;
    }
    /* Every kind of value a payload may hold. */
    nd_dumpling_meta_t meta = {.chef = "SeedChef",
                               .kitchen = "seed-kitchen.1",
                               .driver = ND_DRIVER_INTERVAL,
                               .creation_time = 1764115200123.5,
                               .sequence = 7};
    nd_dumpling_begin(p, &meta);
    nd_pl_map(p);
    nd_pl_kv_str(p, "text", "caf\xc3\xa9 \xe2\x98\x95 \"quoted\"\n");
    nd_pl_kv_int(p, "negative", -42);
    nd_pl_kv_int(p, "min", INT64_MIN);
    nd_pl_kv_uint(p, "huge", UINT64_MAX);
    nd_pl_kv_double(p, "real", 0.1);
    nd_pl_kv_bool(p, "yes", true);
    nd_pl_kv_null(p, "nothing");
    nd_pl_key(p, "list");
    nd_pl_array(p);
    nd_pl_int(p, 1);
    nd_pl_str(p, "");
    nd_pl_map(p);
    nd_pl_end(p);
    nd_pl_array(p);
    nd_pl_end(p);
    nd_pl_end(p);
    nd_pl_end(p);
    s_finish(p, "handmade-all-types");

    /* A scalar payload, no sequence, packet driver. */
    meta.driver = ND_DRIVER_PACKET;
    meta.sequence = 0;
    nd_dumpling_begin(p, &meta);
    nd_pl_str(p, "just a string");
    s_finish(p, "handmade-scalar");

    /* Nesting at the decoder's limit: the outer map holds the payload, and the
     * payload's own containers count from 1. */
    nd_dumpling_begin(p, &meta);
    for (int i = 0; i < ND_DUMPLING_MAX_DEPTH - 2; i++)
        nd_pl_array(p);
    for (int i = 0; i < ND_DUMPLING_MAX_DEPTH - 2; i++)
        nd_pl_end(p);
    s_finish(p, "handmade-deep");
    nd_payload_destroy(&p);

    /* Raw msgpack the builder cannot write: bin, ext, float32, integer and
     * non-string keys, a compact fixmap dumpling with an extra metadata key. */
#define S_RAW(name, lit)                                                                           \
    {                                                                                              \
        name, lit, sizeof(lit) - 1                                                                 \
    }
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } raw[] = {
        S_RAW("raw-bin", "\xc4\x03\x00\x01\x02"),
        S_RAW("raw-ext", "\xd4\x01\x7f"),
        S_RAW("raw-float32", "\xca\x3f\xc0\x00\x00"),
        S_RAW("raw-intkeys", "\x82\x01\xa1x\xff\xc0"),
        S_RAW("raw-arraykey", "\x81\x91\x01\x02"),
        S_RAW("raw-nan", "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"),
        /* Split literals keep a hex escape from eating the letters after it. */
        S_RAW("raw-dumpling-extra-meta", "\x82\xa8metadata\x85\xa4"
                                         "chef\xa1"
                                         "C\xa7kitchen\xa1K\xa6"
                                         "driver\xa6packet"
                                         "\xad"
                                         "creation_time\x01\xa5"
                                         "extra\x91\xc3\xa7payload\xc0"),
    };
#undef S_RAW
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        s_write("msgpack_json", raw[i].name, -1, raw[i].bytes, raw[i].len);
        s_write("dumpling", raw[i].name, -1, raw[i].bytes, raw[i].len);
    }
}

/* fuzz_client_parse: first messages (prefix 0) and query strings (prefix 1),
 * the ones the gateway takes and hostile ones: deep nesting, long lists,
 * invalid UTF-8, names that are too long or hold what a name may not. */
static void s_client_parse(void)
{
#define S_TEXT(name, lit)                                                                          \
    {                                                                                              \
        name, lit, sizeof(lit) - 1                                                                 \
    }
    static const struct {
        const char *name;
        const char *text;
        size_t len;
    } first[] = {
        S_TEXT("first-empty-object", "{}"),
        S_TEXT("first-full",
               "{\"eater_name\":\"web\",\"chef_filter\":[\"DNSLookupChef\",\"ARPChef\"],"
               "\"kitchen_filter\":[\"k1\"]}"),
        S_TEXT("first-strings", "{\"chef_filter\":\"PacketCountChef\",\"kitchen_filter\":\"k2\"}"),
        S_TEXT("first-nulls",
               "{\"eater_name\":\"a b\",\"chef_filter\":null,\"kitchen_filter\":null}"),
        S_TEXT("first-bad-chef", "{\"eater_name\":\"x\",\"chef_filter\":[\"<script>\"]}"),
        S_TEXT("first-duplicate-key", "{\"eater_name\":\"a\",\"eater_name\":\"b\"}"),
        S_TEXT("first-not-object", "[1,2,3]"),
        S_TEXT("first-not-json", "hello, gateway"),
        S_TEXT("first-escapes",
               "{\"eater_name\":\"\\u00e9\\ud83d\\ude00\",\"chef_filter\":[\"a\\u0000b\"]}"),
        S_TEXT("first-bad-utf8", "{\xc3\x28\xed\xa0\x80}"),
        S_TEXT("first-overlong-utf8", "{\"eater_name\":\"\xc0\xaf\xf4\x90\x80\x80\"}"),
    };
    static const struct {
        const char *name;
        const char *text;
        size_t len;
    } query[] = {
        S_TEXT("query-chef", "chef=DNSLookupChef"),
        S_TEXT("query-both", "chef=ARPChef&chef=PacketCountChef&kitchen=k1"),
        S_TEXT("query-token", "token=abcdefgh&kitchen=k2&other"),
        S_TEXT("query-percent", "chef=%3Cscript%3E&kitchen=%41"),
        S_TEXT("query-empty-name", "chef=&kitchen=k1"),
        S_TEXT("query-empty-arg", "chef=a&&chef=b"),
        S_TEXT("query-nul", "chef=a\0junk&kitchen=k"),
    };
#undef S_TEXT
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        s_write("client_parse", first[i].name, 0, first[i].text, first[i].len);
    for (size_t i = 0; i < sizeof query / sizeof query[0]; i++)
        s_write("client_parse", query[i].name, 1, query[i].text, query[i].len);

    /* Built: too deep, too many names, names too long, args too many. */
    static char buf[8192];
    size_t n = 0;
    n += (size_t)snprintf(buf, sizeof buf, "{\"chef_filter\":");
    while (n < 4000)
        buf[n++] = '[';
    s_write("client_parse", "first-deep-nesting", 0, buf, n);
    n = (size_t)snprintf(buf, sizeof buf, "{\"kitchen_filter\":[");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"k%d\"", i ? "," : "", i);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "]}");
    s_write("client_parse", "first-17-kitchens", 0, buf, n);
    n = (size_t)snprintf(buf, sizeof buf, "{\"eater_name\":\"%065d\",\"chef_filter\":[\"%065d\"]}",
                         0, 0);
    s_write("client_parse", "first-long-names", 0, buf, n);
    n = 0;
    for (int i = 0; i < 80; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%schef=c%d", i ? "&" : "", i);
    s_write("client_parse", "query-80-chefs", 1, buf, n);
    n = (size_t)snprintf(buf, sizeof buf, "kitchen=%0300d&chef=a", 0);
    s_write("client_parse", "query-long-arg", 1, buf, n);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nd-fuzz-seeds OUTDIR CAPTURE|DIR...\n");
        return 2;
    }
    nd_log_setup("nd-fuzz-seeds", ND_LOG_ERROR);
    s_out = argv[1];
    static const char *targets[] = {"", "/packet", "/dumpling", "/msgpack_json", "/client_parse"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", s_out, targets[i]);
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "nd-fuzz-seeds: %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    for (int i = 2; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            s_dir(argv[i]);
        else
            s_capture(argv[i]);
    }
    s_packets();
    s_handmade();
    s_client_parse();
    printf("nd-fuzz-seeds: %lu seeds in %s\n", s_written, s_out);
    return s_failed;
}
