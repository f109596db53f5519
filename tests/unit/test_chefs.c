/* SPDX-License-Identifier: MIT */
/* test_chefs.c: the built-in chefs driven through a real nd_kitchen with
 * hand-built packets (no pcap): ARP notes, the DNS table's bound and eviction,
 * PacketCountChef's order, ICMPCountChef's two maps, and the built-in table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>

#include "builtin.h"
#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"

#include "served.h"

static void s_expect(s_served_t *served, size_t i, const char *line)
{
    assert_true(i < served->count);
    assert_string_equal(served->lines[i], line);
}

static void s_packet_init(nd_packet_t *pkt, double ts)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->ts = ts;
    pkt->tv.tv_sec = (time_t)ts;
    pkt->layers = 1u << ND_L_ETHERNET;
}

/* ---- ARPChef ------------------------------------------------------------- */

static void s_arp(nd_packet_t *pkt, double ts, uint16_t op, const char *sha, const char *spa,
                  const char *tha, const char *tpa)
{
    s_packet_init(pkt, ts);
    pkt->layers |= 1u << ND_L_ARP;
    pkt->arp.htype = 1;
    pkt->arp.ptype = 0x0800;
    pkt->arp.hlen = 6;
    pkt->arp.plen = 4;
    pkt->arp.op = op;
    pkt->arp.eth_ipv4 = true;
    unsigned m[6], a[4];
    sscanf(sha, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
    for (int i = 0; i < 6; i++)
        pkt->arp.sha[i] = (uint8_t)m[i];
    sscanf(tha, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
    for (int i = 0; i < 6; i++)
        pkt->arp.tha[i] = (uint8_t)m[i];
    sscanf(spa, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++)
        pkt->arp.spa[i] = (uint8_t)a[i];
    sscanf(tpa, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++)
        pkt->arp.tpa[i] = (uint8_t)a[i];
}

#define S_MAC_A "aa:bb:cc:dd:ee:01"
#define S_MAC_B "aa:bb:cc:dd:ee:02"
#define S_MAC_Z "00:00:00:00:00:00"

static void test_arp_notes(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "ARPChef", NULL);
    nd_packet_t pkt;

    /* A request never has a note and does not teach the table anything. */
    s_arp(&pkt, 100.5, 1, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* First reply from 10.0.0.1: new. */
    s_arp(&pkt, 101.25, 2, S_MAC_A, "10.0.0.1", S_MAC_B, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* Same IP, same MAC: nothing to say. */
    s_arp(&pkt, 102, 2, S_MAC_A, "10.0.0.1", S_MAC_B, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* Same IP, another MAC. */
    s_arp(&pkt, 103, 2, S_MAC_B, "10.0.0.1", S_MAC_A, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* ...which is now the known one. */
    s_arp(&pkt, 104, 2, S_MAC_B, "10.0.0.1", S_MAC_A, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* A request from a new MAC for a known IP is still only a request. */
    s_arp(&pkt, 105, 1, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* Other operations are reported by name, and teach nothing. */
    s_arp(&pkt, 106, 3, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 106.5, 4242, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.2");
    nd_kitchen_packet(k, &pkt);
    /* Not Ethernet hardware (InfiniBand, 20-byte addresses): no MACs, no note. */
    s_arp(&pkt, 107, 2, S_MAC_A, "10.0.0.9", S_MAC_Z, "10.0.0.2");
    pkt.arp.htype = 32;
    pkt.arp.hlen = 20;
    pkt.arp.eth_ipv4 = false;
    nd_kitchen_packet(k, &pkt);
    /* Inside a tunnel: said so. */
    s_arp(&pkt, 107.5, 1, S_MAC_A, "10.0.0.9", S_MAC_Z, "10.0.0.2");
    snprintf(pkt.tunnel, sizeof pkt.tunnel, "vxlan:4242");
    nd_kitchen_packet(k, &pkt);
    /* Not a whole ARP layer: nothing. */
    s_arp(&pkt, 108, 2, S_MAC_A, "10.0.0.9", S_MAC_Z, "10.0.0.2");
    pkt.layers &= ~(1u << ND_L_ARP);
    pkt.malformed = true;
    nd_kitchen_packet(k, &pkt);
    /* No interval handler: a poke makes nothing. */
    nd_kitchen_poke(k, 110);

    assert_int_equal(served.count, 10);
    s_expect(&served, 0,
             "ARPChef packet {\"operation\":\"request\",\"opcode\":1,"
             "\"src_hw\":\"aa:bb:cc:dd:ee:01\","
             "\"src_ip\":\"10.0.0.1\",\"dst_hw\":\"00:00:00:00:00:00\",\"dst_ip\":\"10.0.0.2\","
             "\"time\":100.5,\"notes\":null}");
    s_expect(
        &served, 1,
        "ARPChef packet {\"operation\":\"reply\",\"opcode\":2,\"src_hw\":\"aa:bb:cc:dd:ee:01\","
        "\"src_ip\":\"10.0.0.1\",\"dst_hw\":\"aa:bb:cc:dd:ee:02\",\"dst_ip\":\"10.0.0.2\","
        "\"time\":101.25,\"notes\":\"source device is new\"}");
    assert_non_null(strstr(served.lines[2], "\"notes\":null"));
    assert_non_null(strstr(served.lines[3], "\"notes\":\"source device has new IP address\""));
    assert_non_null(strstr(served.lines[3], "\"src_hw\":\"aa:bb:cc:dd:ee:02\""));
    assert_non_null(strstr(served.lines[4], "\"notes\":null"));
    assert_non_null(strstr(served.lines[5], "\"operation\":\"request\""));
    assert_non_null(strstr(served.lines[5], "\"notes\":null"));
    assert_non_null(strstr(served.lines[6], "\"operation\":\"rarp-request\",\"opcode\":3,"));
    assert_non_null(strstr(served.lines[7], "\"operation\":\"opcode-4242\",\"opcode\":4242,"));
    s_expect(&served, 8,
             "ARPChef packet {\"operation\":\"reply\",\"opcode\":2,\"src_hw\":null,"
             "\"src_ip\":\"10.0.0.9\",\"dst_hw\":null,\"dst_ip\":\"10.0.0.2\","
             "\"time\":107.0,\"notes\":null}");
    assert_non_null(strstr(served.lines[9], "\"notes\":null,\"tunnel\":\"vxlan:4242\"}"));

    s_served_clear(&served);
    nd_kitchen_destroy(&k);
    assert_null(k);
}

static void test_arp_bound(void **unused)
{
    s_served_t served = {0};
    const char *opts[] = {"ARPChef:max_hosts=2", NULL};
    nd_kitchen_t *k = s_kitchen(&served, "ARPChef", opts);
    nd_packet_t pkt;
    s_arp(&pkt, 1, 2, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.9");
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 2, 2, S_MAC_A, "10.0.0.2", S_MAC_Z, "10.0.0.9");
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 3, 2, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.9"); /* 10.0.0.1 is recent again */
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 4, 2, S_MAC_A, "10.0.0.3", S_MAC_Z, "10.0.0.9"); /* evicts 10.0.0.2 */
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 5, 2, S_MAC_A, "10.0.0.1", S_MAC_Z, "10.0.0.9"); /* still known */
    nd_kitchen_packet(k, &pkt);
    s_arp(&pkt, 6, 2, S_MAC_A, "10.0.0.2", S_MAC_Z, "10.0.0.9"); /* forgotten: new again */
    nd_kitchen_packet(k, &pkt);
    assert_int_equal(served.count, 6);
    const char *notes[] = {"\"source device is new\"",
                           "\"source device is new\"",
                           "null",
                           "\"source device is new\"",
                           "null",
                           "\"source device is new\""};
    for (size_t i = 0; i < 6; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"notes\":%s}", notes[i]);
        assert_non_null(strstr(served.lines[i], want));
    }
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* A bad option is refused when the chef is added. */
    char err[256] = "";
    k = nd_kitchen_new("test", s_serve, &served, err, sizeof err);
    assert_non_null(k);
    assert_int_equal(nd_kitchen_chef_opt(k, "ARPChef:max_hosts=0", err, sizeof err), 0);
    assert_int_equal(nd_kitchen_add_chef(k, nd_builtin_chef("ARPChef"), err, sizeof err), -1);
    assert_non_null(strstr(err, "max_hosts must be a number from 1 to 10000000, not '0'"));
    nd_kitchen_destroy(&k);
}

/* ---- DNSLookupChef ------------------------------------------------------- */

/* Appends `name` (presentation form: "\\DDD" escapes, '.' between labels)
 * in wire form at m[*o]. */
static void s_wire_name(uint8_t *m, size_t *o, const char *name)
{
    while (*name) {
        size_t len_at = (*o)++;
        uint8_t len = 0;
        for (; *name && *name != '.'; len++) {
            if (name[0] == '\\') {
                m[(*o)++] = (uint8_t)atoi(name + 1);
                name += 4;
            } else {
                m[(*o)++] = (uint8_t)*name++;
            }
        }
        m[len_at] = len;
        if (*name == '.')
            name++;
    }
    m[(*o)++] = 0;
}

/* A DNS message with one or two questions, at s_dns_msg[2...] (the first two
 * bytes are its TCP length); returns its length. */
static uint8_t s_dns_msg[2 + 1024];
static size_t s_dns_build(bool qr, uint8_t opcode, const char *n1, const char *n2)
{
    uint8_t *m = s_dns_msg + 2;
    memset(m, 0, 12);
    m[2] = (uint8_t)((qr ? 0x80 : 0) | opcode << 3 | 1);
    m[5] = n2 ? 2 : 1;
    size_t o = 12;
    const char *names[] = {n1, n2};
    for (size_t i = 0; i < 2 && names[i]; i++) {
        s_wire_name(m, &o, names[i]);
        m[o++] = 0;
        m[o++] = 1; /* A */
        m[o++] = 0;
        m[o++] = 1; /* IN */
    }
    s_dns_msg[0] = (uint8_t)(o >> 8);
    s_dns_msg[1] = (uint8_t)o;
    return o;
}

static void s_dns(nd_packet_t *pkt, double ts, bool qr, uint8_t opcode, const char *n1,
                  const char *n2)
{
    s_packet_init(pkt, ts);
    pkt->layers |= 1u << ND_L_IPV4 | 1u << ND_L_UDP | 1u << ND_L_DNS;
    pkt->sport = 40000;
    pkt->dport = 53;
    pkt->l7_len = s_dns_build(qr, opcode, n1, n2);
    pkt->l7 = s_dns_msg + 2;
}

static void test_dns_lookups(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "DNSLookupChef", NULL);
    nd_packet_t pkt;

    nd_kitchen_poke(k, 1); /* empty, but always there */
    s_dns(&pkt, 10.5, false, 0, "example.com", NULL);
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 11, true, 0, "example.com", NULL); /* a response: not a lookup */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 12, false, 5, "example.com", NULL); /* UPDATE: not a lookup */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 13, false, 0, "a.example", "www\\004x.example"); /* two questions */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 14, false, 0, "example.com", NULL);
    pkt.l7_len = 11; /* shorter than a header: nothing */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 15.25, false, 0, "example.com", NULL);
    nd_kitchen_packet(k, &pkt);
    nd_kitchen_poke(k, 20);

    assert_int_equal(served.count, 6);
    s_expect(&served, 0, "DNSLookupChef interval {\"lookups_seen\":{}}");
    s_expect(&served, 1,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"example.com\",\"when\":10.5,"
             "\"protocol\":\"dns\"}}");
    s_expect(&served, 2,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"a.example\",\"when\":13.0,"
             "\"protocol\":\"dns\"}}");
    s_expect(&served, 3,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"www\\\\004x.example\","
             "\"when\":13.0,\"protocol\":\"dns\"}}");
    s_expect(&served, 4,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"example.com\",\"when\":15.25,"
             "\"protocol\":\"dns\"}}");
    /* Least recently seen first. */
    s_expect(&served, 5,
             "DNSLookupChef interval {\"lookups_seen\":{"
             "\"a.example\":{\"count\":1,\"latest\":13.0},"
             "\"www\\\\004x.example\":{\"count\":1,\"latest\":13.0},"
             "\"example.com\":{\"count\":2,\"latest\":15.25}}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

static void test_dns_bound(void **unused)
{
    s_served_t served = {0};
    const char *opts[] = {"DNSLookupChef:max_names=3", NULL};
    nd_kitchen_t *k = s_kitchen(&served, "DNSLookupChef", opts);
    nd_packet_t pkt;
    const char *names[] = {"a", "b", "c", "a", "d", "e", "a"};
    for (size_t i = 0; i < 7; i++) {
        s_dns(&pkt, (double)i, false, 0, names[i], NULL);
        nd_kitchen_packet(k, &pkt);
    }
    s_served_clear(&served);
    nd_kitchen_poke(k, 10);
    /* a b c | a refreshed | d evicts b | e evicts c | a refreshed. */
    assert_int_equal(served.count, 1);
    s_expect(&served, 0,
             "DNSLookupChef interval {\"lookups_seen\":{"
             "\"d\":{\"count\":1,\"latest\":4.0},"
             "\"e\":{\"count\":1,\"latest\":5.0},"
             "\"a\":{\"count\":3,\"latest\":6.0}},"
             "\"lookups_evicted\":2}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* Many names through a small table: the bound holds and nothing breaks. */
    const char *opts2[] = {"DNSLookupChef:max_names=50", NULL};
    k = s_kitchen(&served, "DNSLookupChef", opts2);
    for (int i = 0; i < 20000; i++) {
        char name[32];
        snprintf(name, sizeof name, "host%d.example", i % 997);
        s_dns(&pkt, (double)i, false, 0, name, NULL);
        nd_kitchen_packet(k, &pkt);
        s_served_clear(&served);
    }
    nd_kitchen_poke(k, 1e6);
    assert_int_equal(served.count, 1);
    json_t *j = json_loads(strchr(strchr(served.lines[0], ' ') + 1, ' ') + 1, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_object_size(json_object_get(j, "lookups_seen")), 50);
    assert_int_equal(json_integer_value(json_object_get(j, "lookups_evicted")), 20000 - 50);
    json_decref(j);
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

/* mDNS and LLMNR by their ports; every message of a TCP segment, every
 * question of a message; the ports option. */
static void test_dns_protocols(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "DNSLookupChef", NULL);
    nd_packet_t pkt;
    s_dns(&pkt, 1, false, 0, "printer.local", NULL);
    pkt.sport = pkt.dport = 5353;
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 2, false, 0, "wpad", NULL);
    pkt.dport = 5355;
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 3, false, 0, "elsewhere.example", NULL);
    pkt.dport = 5354; /* not a DNS port */
    nd_kitchen_packet(k, &pkt);
    /* Three messages in one TCP segment, the last one cut short. */
    static uint8_t seg[3 * 512];
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        size_t n =
            s_dns_build(false, 0, i == 1 ? "b.example" : "a.example", i == 1 ? "c.example" : NULL);
        memcpy(seg + o, s_dns_msg, 2 + n);
        o += 2 + n;
    }
    s_packet_init(&pkt, 4);
    pkt.layers |= 1u << ND_L_IPV4 | 1u << ND_L_TCP;
    pkt.sport = 40000;
    pkt.dport = 53;
    pkt.l7 = seg;
    pkt.l7_len = o - 1;
    nd_kitchen_packet(k, &pkt);
    assert_int_equal(served.count, 5);
    s_expect(&served, 0,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"printer.local\",\"when\":1.0,"
             "\"protocol\":\"mdns\"}}");
    s_expect(&served, 1,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"wpad\",\"when\":2.0,"
             "\"protocol\":\"llmnr\"}}");
    s_expect(&served, 2,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"a.example\",\"when\":4.0,"
             "\"protocol\":\"dns\"}}");
    s_expect(&served, 3,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"b.example\",\"when\":4.0,"
             "\"protocol\":\"dns\"}}");
    s_expect(&served, 4,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"c.example\",\"when\":4.0,"
             "\"protocol\":\"dns\"}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* ports=5354 only. */
    const char *opts[] = {"DNSLookupChef:ports=5354", NULL};
    k = s_kitchen(&served, "DNSLookupChef", opts);
    s_dns(&pkt, 3, false, 0, "elsewhere.example", NULL);
    nd_kitchen_packet(k, &pkt);
    pkt.dport = 5354;
    nd_kitchen_packet(k, &pkt);
    assert_int_equal(served.count, 1);
    s_expect(&served, 0,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"elsewhere.example\","
             "\"when\":3.0,\"protocol\":\"dns\"}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* A bad list is refused when the chef is added. */
    char err[256] = "";
    k = nd_kitchen_new("test", s_serve, &served, err, sizeof err);
    assert_non_null(k);
    assert_int_equal(nd_kitchen_chef_opt(k, "DNSLookupChef:ports=53,x", err, sizeof err), 0);
    assert_int_equal(nd_kitchen_add_chef(k, nd_builtin_chef("DNSLookupChef"), err, sizeof err), -1);
    assert_non_null(strstr(err, "ports must be"));
    nd_kitchen_destroy(&k);
}

/* UDP 443 (shared_ports) is read only when a datagram is a plain query. */
static void test_dns_shared_ports(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "DNSLookupChef", NULL);
    nd_packet_t pkt;
    s_dns(&pkt, 1, false, 0, "2.dnscrypt-cert.example", NULL);
    pkt.dport = 443;
    nd_kitchen_packet(k, &pkt); /* a plain query: read */
    s_dns(&pkt, 2, false, 0, "answered.example", NULL);
    pkt.dport = 443;
    s_dns_msg[2 + 7] = 1; /* an answer record in a query: not plain */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 3, false, 0, "cut.example", NULL);
    pkt.dport = 443;
    pkt.l7_len -= 1; /* the question cut short */
    nd_kitchen_packet(k, &pkt);
    s_dns(&pkt, 4, true, 0, "response.example", NULL);
    pkt.sport = 443;
    nd_kitchen_packet(k, &pkt);
    assert_int_equal(served.count, 1);
    s_expect(&served, 0,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"2.dnscrypt-cert.example\","
             "\"when\":1.0,\"protocol\":\"dns\"}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* shared_ports=0: none. */
    const char *opts[] = {"DNSLookupChef:shared_ports=0", NULL};
    k = s_kitchen(&served, "DNSLookupChef", opts);
    s_dns(&pkt, 1, false, 0, "2.dnscrypt-cert.example", NULL);
    pkt.dport = 443;
    nd_kitchen_packet(k, &pkt);
    assert_int_equal(served.count, 0);
    nd_kitchen_destroy(&k);

    char err[256] = "";
    k = nd_kitchen_new("test", s_serve, &served, err, sizeof err);
    assert_non_null(k);
    assert_int_equal(nd_kitchen_chef_opt(k, "DNSLookupChef:shared_ports=x", err, sizeof err), 0);
    assert_int_equal(nd_kitchen_add_chef(k, nd_builtin_chef("DNSLookupChef"), err, sizeof err), -1);
    assert_non_null(strstr(err, "shared_ports must be"));
    nd_kitchen_destroy(&k);
}

/* A name that is not UTF-8 must not spoil the cumulative dumpling. */
static void test_dns_not_utf8(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "DNSLookupChef", NULL);
    nd_packet_t pkt;
    s_dns(&pkt, 1, false, 0, "bad\xff.example", NULL);
    nd_kitchen_packet(k, &pkt);
    nd_kitchen_poke(k, 2);
    assert_int_equal(served.count, 2);
    s_expect(&served, 0,
             "DNSLookupChef packet {\"lookup\":{\"hostname\":\"bad\\\\255.example\","
             "\"when\":1.0,\"protocol\":\"dns\"}}");
    s_expect(&served, 1,
             "DNSLookupChef interval {\"lookups_seen\":{\"bad\\\\255.example\":"
             "{\"count\":1,\"latest\":1.0}}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

/* ---- PacketCountChef ----------------------------------------------------- */

static void test_packet_count_order(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "PacketCountChef", NULL);
    nd_packet_t pkt;

    nd_kitchen_poke(k, 0);
    /* DNS first, then lower layers: the output order is nd_layer_t's. */
    s_packet_init(&pkt, 1);
    pkt.layers = 1u << ND_L_DNS | 1u << ND_L_UDP | 1u << ND_L_IPV6 | 1u << ND_L_LOOPBACK;
    nd_kitchen_packet(k, &pkt);
    s_packet_init(&pkt, 2);
    pkt.layers |= 1u << ND_L_8021Q | 1u << ND_L_ARP;
    nd_kitchen_packet(k, &pkt);
    /* Malformed above IPv4: its intact lower layers still count. */
    s_packet_init(&pkt, 3);
    pkt.layers |= 1u << ND_L_IPV4;
    pkt.malformed = true;
    pkt.malformed_reason = "tcp: truncated header";
    nd_kitchen_packet(k, &pkt);
    s_packet_init(&pkt, 4);
    pkt.layers = 0; /* nothing readable at all */
    nd_kitchen_packet(k, &pkt);
    nd_kitchen_poke(k, 5);
    nd_kitchen_poke(k, 10); /* cumulative: the same again */

    assert_int_equal(served.count, 3);
    s_expect(&served, 0, "PacketCountChef interval {\"packet_counts\":{}}");
    const char *want = "PacketCountChef interval {\"packet_counts\":{\"Ethernet\":2,\"802.1Q\":1,"
                       "\"Loopback\":1,\"ARP\":1,\"IP\":1,\"IPv6\":1,\"UDP\":1,\"DNS\":1}}";
    s_expect(&served, 1, want);
    s_expect(&served, 2, want);
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

/* ---- ICMPCountChef ------------------------------------------------------- */

static void test_icmp_count(void **unused)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "ICMPCountChef", NULL);
    nd_packet_t pkt;

    nd_kitchen_poke(k, 0);
    uint8_t v4[] = {8, 0, 8, 200};
    for (size_t i = 0; i < sizeof v4; i++) {
        s_packet_init(&pkt, 1);
        pkt.layers |= 1u << ND_L_IPV4 | 1u << ND_L_ICMP;
        pkt.icmp_type = v4[i];
        nd_kitchen_packet(k, &pkt);
    }
    s_packet_init(&pkt, 2);
    pkt.layers |= 1u << ND_L_IPV6 | 1u << ND_L_ICMPV6;
    pkt.icmp_type = 135;
    nd_kitchen_packet(k, &pkt);
    s_packet_init(&pkt, 3); /* truncated ICMP: no bit, not counted */
    pkt.layers |= 1u << ND_L_IPV4;
    pkt.icmp_type = 8;
    nd_kitchen_packet(k, &pkt);
    nd_kitchen_poke(k, 5);

    assert_int_equal(served.count, 2);
    s_expect(&served, 0, "ICMPCountChef interval {\"icmp_counts\":{},\"icmpv6_counts\":{}}");
    s_expect(&served, 1,
             "ICMPCountChef interval {\"icmp_counts\":{\"echo-reply\":1,\"echo-request\":2,"
             "\"type-200\":1},\"icmpv6_counts\":{\"neighbor-solicitation\":1}}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

/* ---- The table ----------------------------------------------------------- */

/* Everything about the table is read from it (chefs/builtin.h), so that
 * adding a chef to it changes nothing here. */
static void test_builtin_table(void **unused)
{
    size_t n = 0;
    for (; nd_builtin_chefs[n]; n++) {
        const nd_chef_def_t *def = nd_builtin_chefs[n];
        assert_non_null(def->name);
        assert_true(nd_name_valid(def->name));
        assert_int_equal(def->abi, ND_CHEF_ABI);
        assert_non_null(def->summary);
        assert_true(def->packet || def->interval);
        /* Names are distinct: the lookup finds this one, not an earlier one. */
        assert_ptr_equal(nd_builtin_chef(def->name), def);
    }
    assert_true(n > 0);
    assert_null(nd_builtin_chef("NoSuchChef"));
    assert_null(nd_builtin_chef(NULL));

    /* One kitchen takes every one of them with their default options, and
     * what it serves on a poke comes from them. */
    s_served_t served = {0};
    char err[256] = "";
    nd_kitchen_t *k = nd_kitchen_new("test", s_serve, &served, err, sizeof err);
    assert_non_null(k);
    for (size_t i = 0; i < n; i++)
        if (nd_kitchen_add_chef(k, nd_builtin_chefs[i], err, sizeof err) != 0)
            fail_msg("add %s: %s", nd_builtin_chefs[i]->name, err);
    nd_kitchen_poke(k, 5);
    assert_true(served.count > 0);
    for (size_t i = 0; i < served.count; i++) {
        char chef[80] = "";
        assert_int_equal(sscanf(served.lines[i], "%79s", chef), 1);
        assert_non_null(nd_builtin_chef(chef));
    }
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_notes),     cmocka_unit_test(test_arp_bound),
        cmocka_unit_test(test_dns_lookups),   cmocka_unit_test(test_dns_bound),
        cmocka_unit_test(test_dns_not_utf8),  cmocka_unit_test(test_dns_shared_ports),
        cmocka_unit_test(test_dns_protocols), cmocka_unit_test(test_packet_count_order),
        cmocka_unit_test(test_icmp_count),    cmocka_unit_test(test_builtin_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
