/* SPDX-License-Identifier: MIT */
/* test_proto_layers.c: every dissector under common/proto/ on hand-built
 * packets: the fields it fills, and the same packet cut at every length. */
#include "test_proto_util.h"

#include <sys/socket.h>

/* A packet writer: bytes appended at `n`, lengths patched in afterwards. */
typedef struct {
    uint8_t d[2048];
    size_t n;
} w_t;

static void w_u8(w_t *w, uint8_t v)
{
    w->d[w->n++] = v;
}
static void w_be16(w_t *w, uint16_t v)
{
    w_u8(w, (uint8_t)(v >> 8));
    w_u8(w, (uint8_t)v);
}
static void w_be32(w_t *w, uint32_t v)
{
    w_be16(w, (uint16_t)(v >> 16));
    w_be16(w, (uint16_t)v);
}
static void w_bytes(w_t *w, const void *p, size_t n)
{
    memcpy(w->d + w->n, p, n);
    w->n += n;
}
static void w_patch16(w_t *w, size_t at, size_t v)
{
    w->d[at] = (uint8_t)(v >> 8);
    w->d[at + 1] = (uint8_t)v;
}

static const uint8_t s_mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t s_mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};

static void w_eth(w_t *w, uint16_t type)
{
    w_bytes(w, s_mac_b, 6);
    w_bytes(w, s_mac_a, 6);
    w_be16(w, type);
}

/* IPv4 from 10.0.0.1 to 10.0.0.2 with `ihl` 32-bit words of header (options
 * are NOPs); returns where it starts, for w_ipv4_end(). */
static size_t w_ipv4(w_t *w, uint8_t proto, unsigned ihl, uint16_t frag)
{
    size_t at = w->n;
    w_u8(w, (uint8_t)(0x40 | ihl));
    w_u8(w, 0);
    w_be16(w, 0); /* total length, patched */
    w_be16(w, 0x1234);
    w_be16(w, frag);
    w_u8(w, 64);
    w_u8(w, proto);
    w_be16(w, 0);
    w_be32(w, 0x0a000001);
    w_be32(w, 0x0a000002);
    for (unsigned i = 5; i < ihl; i++)
        w_be32(w, 0x01010101);
    return at;
}
static void w_ipv4_end(w_t *w, size_t at)
{
    w_patch16(w, at + 2, w->n - at);
}

/* IPv6 from 2001:db8::1 to 2001:db8::2. */
static size_t w_ipv6(w_t *w, uint8_t next)
{
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    size_t at = w->n;
    w_be32(w, 0x60000000);
    w_be16(w, 0); /* payload length, patched */
    w_u8(w, next);
    w_u8(w, 33);
    w_bytes(w, src, 16);
    w_bytes(w, dst, 16);
    return at;
}
static void w_ipv6_end(w_t *w, size_t at)
{
    w_patch16(w, at + 4, w->n - at - 40);
}

static size_t w_udp(w_t *w, uint16_t sport, uint16_t dport)
{
    size_t at = w->n;
    w_be16(w, sport);
    w_be16(w, dport);
    w_be16(w, 0);
    w_be16(w, 0);
    return at;
}
static void w_udp_end(w_t *w, size_t at)
{
    w_patch16(w, at + 4, w->n - at);
}

static void w_tcp(w_t *w, uint16_t sport, uint16_t dport, unsigned doff)
{
    w_be16(w, sport);
    w_be16(w, dport);
    w_be32(w, 0xdeadbeef);
    w_be32(w, 0);
    w_u8(w, (uint8_t)(doff << 4));
    w_u8(w, 0x18); /* PSH ACK */
    w_be16(w, 65535);
    w_be32(w, 0);
    for (unsigned i = 5; i < doff; i++)
        w_be32(w, 0x01010101);
}

/* A DNS query for "www.example.com" A IN. */
static void w_dns_query(w_t *w, uint16_t id)
{
    static const uint8_t q[] = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm', 'p', 'l',
                                'e', 3,   'c', 'o', 'm', 0,   0,   1,   0,   1};
    w_be16(w, id);
    w_be16(w, 0x0100);
    w_be16(w, 1);
    w_be16(w, 0);
    w_be16(w, 0);
    w_be16(w, 0);
    w_bytes(w, q, sizeof q);
}

static void test_ether_ipv4_udp_dns(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x0800);
    size_t ip = w_ipv4(&w, 17, 6, 0x4000);
    size_t udp = w_udp(&w, 40000, 53);
    w_dns_query(&w, 0xabcd);
    w_udp_end(&w, udp);
    w_ipv4_end(&w, ip);
    /* Ethernet pads short frames; the IP total length must cut it off. */
    size_t len = w.n;
    memset(w.d + w.n, 0xee, 8);
    w.n += 8;

    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_false(p->malformed);
    assert_int_equal(p->layers,
                     1u << ND_L_ETHERNET | 1u << ND_L_IPV4 | 1u << ND_L_UDP | 1u << ND_L_DNS);
    assert_memory_equal(p->eth_src, s_mac_a, 6);
    assert_memory_equal(p->eth_dst, s_mac_b, 6);
    assert_int_equal(p->ethertype, 0x0800);
    assert_int_equal(p->ip_version, 4);
    char buf[64];
    assert_string_equal(nd_ip_str(&p->src, buf, sizeof buf), "10.0.0.1");
    assert_string_equal(nd_ip_str(&p->dst, buf, sizeof buf), "10.0.0.2");
    assert_string_equal(nd_mac_str(p->eth_src, buf, sizeof buf), "02:00:00:00:00:01");
    assert_int_equal(p->ttl, 64);
    assert_int_equal(p->ip_proto, 17);
    assert_false(p->fragment);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 53);
    assert_int_equal(p->l7_len, 33);
    assert_int_equal(p->dns.id, 0xabcd);
    assert_false(p->dns.qr);
    assert_false(p->dns.over_tcp);
    assert_int_equal(p->dns.nquestions, 1);
    assert_string_equal(p->dns.q[0].name, "www.example.com");
    assert_int_equal(p->dns.q[0].qtype, 1);
    assert_int_equal(p->dns.q[0].qclass, 1);

    t_sweep(1, w.d, len, len);
}

static void test_vlan_ipv6_ext_tcp_dns(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x88a8);
    w_be16(&w, 0x2000 | 100); /* S-tag 100, priority 1 */
    w_be16(&w, 0x8100);
    w_be16(&w, 200);
    w_be16(&w, 0x8100);
    w_be16(&w, 300); /* a third tag: skipped, not recorded */
    w_be16(&w, 0x86dd);
    size_t ip = w_ipv6(&w, 0); /* hop-by-hop */
    w_u8(&w, 60);              /* then destination options */
    w_u8(&w, 0);
    w_bytes(&w, "\x01\x04\0\0\0\0", 6); /* PadN */
    w_u8(&w, 6);                        /* then TCP */
    w_u8(&w, 1);                        /* 16 bytes */
    w_bytes(&w, "\x01\x0c\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    w_tcp(&w, 53, 41000, 8);
    size_t dlen = w.n;
    w_be16(&w, 0);
    w_dns_query(&w, 0x4242);
    w.d[dlen] = 0;
    w.d[dlen + 1] = (uint8_t)(w.n - dlen - 2);
    w.d[dlen + 4] |= 0x80; /* a response */
    w_ipv6_end(&w, ip);

    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_false(p->malformed);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_8021Q | 1u << ND_L_8021AD |
                                    1u << ND_L_IPV6 | 1u << ND_L_TCP | 1u << ND_L_DNS);
    assert_int_equal(p->vlan_count, 2);
    assert_int_equal(p->vlan_ids[0], 100);
    assert_int_equal(p->vlan_ids[1], 200);
    assert_int_equal(p->ethertype, 0x86dd);
    assert_int_equal(p->ip_version, 6);
    assert_int_equal(p->ip_proto, 6);
    assert_int_equal(p->ttl, 33);
    char buf[64];
    assert_string_equal(nd_ip_str(&p->src, buf, sizeof buf), "2001:db8::1");
    assert_int_equal(p->sport, 53);
    assert_int_equal(p->dport, 41000);
    assert_int_equal(p->tcp_seq, 0xdeadbeef);
    assert_int_equal(p->tcp_flags, 0x18);
    assert_true(p->dns.over_tcp);
    assert_true(p->dns.qr);
    assert_int_equal(p->dns.id, 0x4242);
    assert_string_equal(p->dns.q[0].name, "www.example.com");

    /* A cut DNS-over-TCP segment looks like a continuation: neither DNS nor
     * malformed. Cuts inside the headers below it are malformed. */
    t_sweep(1, w.d, w.n, dlen + 2);
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n - 3, (uint32_t)w.n, NULL), 0);
    assert_false(p->malformed);
    assert_true(ND_HAS(p, ND_L_TCP));
    assert_false(ND_HAS(p, ND_L_DNS));
}

static void test_arp(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x0806);
    w_be16(&w, 1);
    w_be16(&w, 0x0800);
    w_u8(&w, 6);
    w_u8(&w, 4);
    w_be16(&w, 2);
    w_bytes(&w, s_mac_a, 6);
    w_bytes(&w, "\xc0\xa8\x01\x01", 4);
    w_bytes(&w, s_mac_b, 6);
    w_bytes(&w, "\xc0\xa8\x01\x02", 4);

    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_false(p->malformed);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_ARP);
    assert_true(p->arp.eth_ipv4);
    assert_int_equal(p->arp.op, 2);
    assert_memory_equal(p->arp.sha, s_mac_a, 6);
    assert_memory_equal(p->arp.tha, s_mac_b, 6);
    assert_memory_equal(p->arp.spa, "\xc0\xa8\x01\x01", 4);
    assert_memory_equal(p->arp.tpa, "\xc0\xa8\x01\x02", 4);
    t_sweep(1, w.d, w.n, w.n);

    /* Declared sizes larger than the packet: truncated, not read. */
    w.d[14 + 4] = 200;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, "arp: truncated addresses");
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET);
}

static void test_icmp_and_fragments(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x0800);
    size_t ip = w_ipv4(&w, 1, 5, 0);
    w_bytes(&w, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
    w_ipv4_end(&w, ip);
    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_IPV4 | 1u << ND_L_ICMP);
    assert_int_equal(p->icmp_type, 8);
    assert_int_equal(p->icmp_code, 0);
    t_sweep(1, w.d, w.n, 14 + 20 + 4);

    /* A later fragment: flagged, and its first bytes are not a header. */
    w.d[14 + 6] = 0x00;
    w.d[14 + 7] = 0x10;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->fragment);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_IPV4);
    /* The first fragment (MF, offset 0) keeps its transport. */
    w.d[14 + 6] = 0x20;
    w.d[14 + 7] = 0x00;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->fragment);
    assert_true(ND_HAS(p, ND_L_ICMP));

    /* Header length below 20 bytes. */
    w.d[14] = 0x44;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, "ipv4: bad header length");
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET);
}

static void test_icmpv6_fragment_header(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x86dd);
    size_t ip = w_ipv6(&w, 44);
    w_u8(&w, 58);
    w_u8(&w, 0);
    w_be16(&w, 0x0001); /* offset 0, more fragments */
    w_be32(&w, 0x01020304);
    w_bytes(&w, "\x80\x00\x00\x00\x00\x01\x00\x01", 8);
    w_ipv6_end(&w, ip);
    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_false(p->malformed);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_IPV6 | 1u << ND_L_ICMPV6);
    assert_true(p->fragment);
    assert_int_equal(p->ip_proto, 58);
    assert_int_equal(p->icmp_type, 128);
    t_sweep(1, w.d, w.n, w.n - 4);

    /* Offset 8: no transport. */
    w.d[14 + 40 + 3] = 0x08;
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->fragment);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET | 1u << ND_L_IPV6);
}

static void test_ipv6_too_many_ext_headers(void **state)
{
    w_t w = {0};
    size_t ip = w_ipv6(&w, 60);
    for (int i = 0; i < 9; i++) {
        w_u8(&w, i < 8 ? 60 : 59);
        w_u8(&w, 0);
        w_bytes(&w, "\x01\x04\0\0\0\0", 6);
    }
    w_ipv6_end(&w, ip);
    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 229, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, "ipv6: too many extension headers");
    assert_int_equal(p->layers, 0);
    assert_int_equal(p->ip_version, 6);
}

static void test_sll_v1_v2(void **state)
{
    w_t w = {0};
    w_be16(&w, 0); /* to us */
    w_be16(&w, 1); /* ARPHRD_ETHER */
    w_be16(&w, 6);
    w_bytes(&w, s_mac_a, 6);
    w_be16(&w, 0);
    w_be16(&w, 0x0800);
    size_t ip = w_ipv4(&w, 6, 5, 0);
    w_tcp(&w, 443, 50000, 5);
    w_ipv4_end(&w, ip);
    nd_packet_t *p = &t_pkt;
    assert_int_equal(nd_packet_dissect(p, 113, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
    assert_int_equal(p->layers, 1u << ND_L_SLL | 1u << ND_L_IPV4 | 1u << ND_L_TCP);
    assert_int_equal(p->sport, 443);
    assert_int_equal(p->l7_len, 0);
    t_sweep(113, w.d, w.n, w.n);

    w_t v = {0};
    w_be16(&v, 0x86dd);
    w_be16(&v, 0);
    w_be32(&v, 3); /* ifindex */
    w_be16(&v, 1);
    w_u8(&v, 4); /* outgoing */
    w_u8(&v, 6);
    w_bytes(&v, s_mac_a, 6);
    w_be16(&v, 0);
    size_t ip6 = w_ipv6(&v, 17);
    size_t udp = w_udp(&v, 5353, 1234);
    w_bytes(&v, "abc", 3);
    w_udp_end(&v, udp);
    w_ipv6_end(&v, ip6);
    assert_int_equal(nd_packet_dissect(p, 276, v.d, (uint32_t)v.n, (uint32_t)v.n, NULL), 0);
    assert_int_equal(p->layers, 1u << ND_L_SLL | 1u << ND_L_IPV6 | 1u << ND_L_UDP);
    assert_int_equal(p->ethertype, 0x86dd);
    assert_int_equal(p->l7_len, 3);
    assert_memory_equal(p->l7, "abc", 3);
    t_sweep(276, v.d, v.n, v.n - 3); /* a cut UDP payload is not an error */
}

/* BSD loopback: each AF value, in either byte order, under DLT_NULL (0) and
 * DLT_LOOP (108). */
static void test_null_loop(void **state)
{
    static const struct {
        uint32_t af;
        int version;
    } cases[] = {{2, 4}, {24, 6}, {28, 6}, {30, 6}, {7, 0}};
    nd_packet_t *p = &t_pkt;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int big = 0; big < 2; big++) {
            w_t w = {0};
            uint32_t af = cases[c].af;
            uint8_t hdr[4] = {(uint8_t)af, 0, 0, 0};
            if (big) {
                hdr[0] = 0;
                hdr[3] = (uint8_t)af;
            }
            w_bytes(&w, hdr, 4);
            size_t ip = cases[c].version == 4 ? w_ipv4(&w, 17, 5, 0) : w_ipv6(&w, 17);
            size_t udp = w_udp(&w, 1, 2);
            w_udp_end(&w, udp);
            if (cases[c].version == 4)
                w_ipv4_end(&w, ip);
            else
                w_ipv6_end(&w, ip);
            int lt = big ? 108 : 0;
            assert_int_equal(nd_packet_dissect(p, lt, w.d, (uint32_t)w.n, (uint32_t)w.n, NULL), 0);
            assert_false(p->malformed);
            assert_true(ND_HAS(p, ND_L_LOOPBACK));
            assert_int_equal(p->ip_version, cases[c].version);
            assert_int_equal(ND_HAS(p, ND_L_UDP), cases[c].version != 0);
            t_sweep(lt, w.d, w.n, cases[c].version ? w.n : 4);
        }
    }
}

static void test_raw_linktypes(void **state)
{
    w_t w4 = {0}, w6 = {0};
    size_t ip = w_ipv4(&w4, 17, 5, 0);
    size_t udp = w_udp(&w4, 53, 53);
    w_dns_query(&w4, 7);
    w_udp_end(&w4, udp);
    w_ipv4_end(&w4, ip);
    ip = w_ipv6(&w6, 59);
    w_ipv6_end(&w6, ip);
    nd_packet_t *p = &t_pkt;
    static const int raw[] = {12, 14, 101};
    for (size_t i = 0; i < 3; i++) {
        assert_true(nd_linktype_supported(raw[i]));
        assert_int_equal(nd_packet_dissect(p, raw[i], w4.d, (uint32_t)w4.n, 0, NULL), 0);
        assert_int_equal(p->layers, 1u << ND_L_IPV4 | 1u << ND_L_UDP | 1u << ND_L_DNS);
        assert_int_equal(nd_packet_dissect(p, raw[i], w6.d, (uint32_t)w6.n, 0, NULL), 0);
        assert_int_equal(p->layers, 1u << ND_L_IPV6);
        assert_int_equal(p->ip_proto, 59);
        t_sweep(raw[i], w4.d, w4.n, w4.n);
    }
    assert_int_equal(nd_packet_dissect(p, 228, w4.d, (uint32_t)w4.n, 0, NULL), 0);
    assert_true(ND_HAS(p, ND_L_DNS));
    assert_int_equal(nd_packet_dissect(p, 229, w6.d, (uint32_t)w6.n, 0, NULL), 0);
    assert_true(ND_HAS(p, ND_L_IPV6));
    /* The wrong version for the link type. */
    assert_int_equal(nd_packet_dissect(p, 229, w4.d, (uint32_t)w4.n, 0, NULL), 0);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, "ipv6: bad version");
    t_sweep(228, w4.d, w4.n, w4.n);
    t_sweep(229, w6.d, w6.n, w6.n);
}

static void test_unknown_linktype(void **state)
{
    uint8_t b[4] = {0};
    assert_false(nd_linktype_supported(231)); /* D-Bus */
    assert_int_equal(nd_packet_dissect(&t_pkt, 231, b, 4, 4, NULL), -1);
    assert_false(nd_linktype_supported(195)); /* 802.15.4 */
    assert_true(nd_linktype_supported(105));  /* 802.11 */
    assert_true(nd_linktype_supported(1));
    assert_true(nd_linktype_supported(113));
    assert_true(nd_linktype_supported(276));
    assert_true(nd_linktype_supported(0));
    assert_true(nd_linktype_supported(108));
    /* An empty packet and a NULL buffer are fine too. */
    assert_int_equal(nd_packet_dissect(&t_pkt, 1, NULL, 0, 0, NULL), 0);
    assert_true(t_pkt.malformed);
    assert_string_equal(t_pkt.malformed_reason, "ethernet: truncated header");
}

/* The state of one packet must not leak into the next. */
static void test_reset_between_packets(void **state)
{
    w_t w = {0};
    w_eth(&w, 0x0800);
    size_t ip = w_ipv4(&w, 17, 5, 0);
    size_t udp = w_udp(&w, 1, 53);
    w_dns_query(&w, 1);
    w_udp_end(&w, udp);
    w_ipv4_end(&w, ip);
    nd_packet_t *p = &t_pkt;
    struct timeval tv = {1700000000, 250000};
    assert_int_equal(nd_packet_dissect(p, 1, w.d, (uint32_t)w.n, 1000, &tv), 0);
    assert_true(ND_HAS(p, ND_L_DNS));
    assert_true(p->ts > 1700000000.24 && p->ts < 1700000000.26);
    assert_int_equal(p->wirelen, 1000);
    assert_int_equal(p->linktype, 1);
    w_t a = {0};
    w_eth(&a, 0x9000); /* loopback test protocol: nothing for us */
    assert_int_equal(nd_packet_dissect(p, 1, a.d, (uint32_t)a.n, (uint32_t)a.n, NULL), 0);
    assert_int_equal(p->layers, 1u << ND_L_ETHERNET);
    assert_false(p->malformed);
    assert_null(p->malformed_reason);
    assert_int_equal(p->ip_version, 0);
    assert_int_equal(p->src.family, 0);
    assert_int_equal(p->sport, 0);
    assert_null(p->l7);
    assert_int_equal(p->dns.nquestions, 0);
    assert_int_equal(p->vlan_count, 0);
}

static void test_names(void **state)
{
    char buf[16];
    assert_string_equal(nd_icmp_type_name(8, buf, sizeof buf), "echo-request");
    assert_string_equal(nd_icmp_type_name(0, buf, sizeof buf), "echo-reply");
    assert_string_equal(nd_icmp_type_name(3, buf, sizeof buf), "destination-unreachable");
    assert_string_equal(nd_icmp_type_name(11, buf, sizeof buf), "time-exceeded");
    assert_string_equal(nd_icmp_type_name(1, buf, sizeof buf), "type-1");
    assert_string_equal(nd_icmp_type_name(255, buf, sizeof buf), "type-255");
    assert_string_equal(nd_icmpv6_type_name(128, buf, sizeof buf), "echo-request");
    assert_string_equal(nd_icmpv6_type_name(129, buf, sizeof buf), "echo-reply");
    assert_string_equal(nd_icmpv6_type_name(133, buf, sizeof buf), "router-solicitation");
    assert_string_equal(nd_icmpv6_type_name(136, buf, sizeof buf), "neighbor-advertisement");
    assert_string_equal(nd_icmpv6_type_name(143, buf, sizeof buf), "multicast-listener-report-v2");
    assert_string_equal(nd_icmpv6_type_name(0, buf, sizeof buf), "type-0");
    assert_string_equal(nd_icmpv6_type_name(200, buf, sizeof buf), "type-200");
    assert_string_equal(nd_layer_name(ND_L_IPV4), "IP");
    assert_string_equal(nd_layer_name(ND_L_8021AD), "802.1ad");
    assert_string_equal(nd_layer_name(ND_L_DNS), "DNS");
    assert_string_equal(nd_layer_name(ND_L__COUNT), "?");
    nd_ip_t none = {0};
    assert_string_equal(nd_ip_str(&none, buf, sizeof buf), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ether_ipv4_udp_dns),
        cmocka_unit_test(test_vlan_ipv6_ext_tcp_dns),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_icmp_and_fragments),
        cmocka_unit_test(test_icmpv6_fragment_header),
        cmocka_unit_test(test_ipv6_too_many_ext_headers),
        cmocka_unit_test(test_sll_v1_v2),
        cmocka_unit_test(test_null_loop),
        cmocka_unit_test(test_raw_linktypes),
        cmocka_unit_test(test_unknown_linktype),
        cmocka_unit_test(test_reset_between_packets),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
