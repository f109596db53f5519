/* SPDX-License-Identifier: MIT */
/* test_proto_pcaps.c: dissection of the shared real captures, with expected
 * values taken from tshark 4.0 (`tshark -r FILE -T fields -e ...`, noted at
 * each case), and every packet of every capture, whole and cut at every
 * length, under the sanitizers. */
#include "test_proto_util.h"

#include <dirent.h>

static char s_buf[64];

static const char *s_ip(const nd_ip_t *ip)
{
    return nd_ip_str(ip, s_buf, sizeof s_buf);
}

static const char *s_mac(const uint8_t *mac)
{
    return nd_mac_str(mac, s_buf, sizeof s_buf);
}

static const char *s_ip4(const uint8_t *a)
{
    nd_ip_t ip = {.family = AF_INET};
    memcpy(ip.bytes, a, 4);
    return nd_ip_str(&ip, s_buf, sizeof s_buf);
}

#define L(x) (1u << ND_L_##x)

/* tshark -e dns.qry.name: www.allyourba\004\005\006arebelongto.cn and
 * www.allyourbasesare\001\002\003ongto.cn. tshark writes C-style octal
 * escapes; for bytes below 8 octal and our RFC 1035 decimal agree. */
static void test_dns_invalid_chars(void **state)
{
    t_load("ndpi-dns-invalid-chars.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP) | L(DNS));
    assert_string_equal(t_pkt.dns.q[0].name, "www.allyourba\\004\\005\\006arebelongto.cn");
    assert_false(t_pkt.dns.qr);
    assert_int_equal(t_pkt.dns.id, 0x9f6c);
    t_load("ndpi-dns-invalid-chars.pcap", 2);
    assert_string_equal(t_pkt.dns.q[0].name, "www.allyourbasesare\\001\\002\\003ongto.cn");
    assert_true(t_pkt.dns.qr);
}

/* tshark: gmr02c.16.0.fhkfhsdkfhsk.tunnel.example.com, type 1, id 0x8b54. */
static void test_dns_long_domainname(void **state)
{
    for (int n = 1; n <= 2; n++) {
        t_load("ndpi-dns_long_domainname.pcap", n);
        assert_true(ND_HAS(&t_pkt, ND_L_DNS));
        assert_false(t_pkt.malformed);
        assert_int_equal(t_pkt.dns.id, 0x8b54);
        assert_int_equal(t_pkt.dns.nquestions, 1);
        assert_string_equal(t_pkt.dns.q[0].name, "gmr02c.16.0.fhkfhsdkfhsk.tunnel.example.com");
        assert_int_equal(t_pkt.dns.q[0].qtype, 1);
        assert_int_equal(t_pkt.dns.qr, n == 2);
    }
}

/* tshark: queries www.xt.com (frames 1, 4); responses (2, 3, 5, 6) carry a
 * second question tshark shows as "<Name too long>" and flags malformed. We
 * refuse the DNS layer of those and keep UDP. */
static void test_dns_malformed(void **state)
{
    for (int n = 1; n <= 6; n++) {
        t_load("ndpi-malformed_dns.pcap", n);
        assert_true(ND_HAS(&t_pkt, ND_L_UDP));
        assert_string_equal(s_ip(&t_pkt.src), "127.0.0.1");
        if (n == 1 || n == 4) {
            assert_true(ND_HAS(&t_pkt, ND_L_DNS));
            assert_string_equal(t_pkt.dns.q[0].name, "www.xt.com");
            assert_int_equal(t_pkt.sport, 50435);
        } else {
            assert_false(ND_HAS(&t_pkt, ND_L_DNS));
            assert_true(t_pkt.malformed);
            assert_string_equal(t_pkt.malformed_reason, "dns: name too long");
            assert_int_equal(t_pkt.sport, 53);
        }
    }
}

/* tshark: udp.srcport 1024, udp.length 8, no DNS (tcpdump: "[length 0 <
 * 12] (invalid)"). The loops in the bytes after are in test_proto_dns.c. */
static void test_dns_zlip(void **state)
{
    static const char *files[] = {"tcpdump-dns-zlip-1.pcap", "tcpdump-dns-zlip-2.pcap",
                                  "tcpdump-dns-zlip-3.pcap"};
    for (int i = 0; i < 3; i++) {
        t_load(files[i], 1);
        assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP));
        assert_int_equal(t_pkt.sport, 1024);
        assert_int_equal(t_pkt.dport, 53);
        assert_int_equal(t_pkt.l7_len, 0);
        assert_true(t_pkt.malformed);
        assert_string_equal(t_pkt.malformed_reason, "dns: truncated header");
    }
}

/* tshark: 156.118.17.235:53, qdcount 64259, first name "<Name too long>",
 * [Malformed Packet: DNS]. */
static void test_dns_badlabel(void **state)
{
    t_load("tcpdump-dns-badlabel.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP));
    assert_string_equal(s_ip(&t_pkt.src), "156.118.17.235");
    assert_int_equal(t_pkt.sport, 53);
    assert_true(t_pkt.malformed);
    assert_string_equal(t_pkt.malformed_reason, "dns: name too long");
}

/* tshark: frames 4 and 6 are DNS (id 0x4319, www.tcpdump.org, query then
 * response); the others are TCP only. */
static void test_dns_tcp(void **state)
{
    for (int n = 1; n <= 11; n++) {
        t_load("tcpdump-dns_tcp.pcap", n);
        assert_false(t_pkt.malformed);
        assert_true(ND_HAS(&t_pkt, ND_L_TCP));
        bool dns = n == 4 || n == 6;
        assert_int_equal(ND_HAS(&t_pkt, ND_L_DNS), dns);
        if (dns) {
            assert_true(t_pkt.dns.over_tcp);
            assert_int_equal(t_pkt.dns.id, 0x4319);
            assert_string_equal(t_pkt.dns.q[0].name, "www.tcpdump.org");
            assert_int_equal(t_pkt.dns.qr, n == 6);
            assert_int_equal(t_pkt.dns.ancount, n == 6 ? 2 : 0);
        }
    }
}

/* tshark: frame 1 ARP request 00:1f:29:da:2d:79 192.168.1.104 ->
 * 00:00:00:00:00:00 192.168.1.1; frame 13 has hw size 134 in a 60-byte frame
 * ([Malformed Packet: ARP/RARP]). tshark flags 83 frames malformed inside
 * ARP; we flag 82: frame 1166 is htype 19 (ATM), which tshark decodes as
 * ATMARP (RFC 2225) and we leave unread. */
static void test_arp_oobr(void **state)
{
    t_load("tcpdump-arp-oobr.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(ARP));
    assert_true(t_pkt.arp.eth_ipv4);
    assert_int_equal(t_pkt.arp.op, 1);
    assert_string_equal(s_mac(t_pkt.arp.sha), "00:1f:29:da:2d:79");
    assert_string_equal(s_ip4(t_pkt.arp.spa), "192.168.1.104");
    assert_string_equal(s_mac(t_pkt.arp.tha), "00:00:00:00:00:00");
    assert_string_equal(s_ip4(t_pkt.arp.tpa), "192.168.1.1");
    t_load("tcpdump-arp-oobr.pcap", 2);
    assert_string_equal(s_mac(t_pkt.arp.tha), "00:55:00:00:00:00");
    t_load("tcpdump-arp-oobr.pcap", 13);
    assert_int_equal(t_pkt.layers, L(ETHERNET));
    assert_int_equal(t_pkt.arp.hlen, 134);
    assert_true(t_pkt.malformed);
    assert_string_equal(t_pkt.malformed_reason, "arp: truncated addresses");
    /* ATMARP has its own layout (tshark: "atmarp"), which we do not read. */
    t_load("tcpdump-arp-oobr.pcap", 1166);
    assert_int_equal(t_pkt.arp.htype, 19);
    assert_false(ND_HAS(&t_pkt, ND_L_ARP));
    assert_false(t_pkt.malformed);

    char path[1024], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/tcpdump-arp-oobr.pcap", ND_PCAPS);
    pcap_t *p = pcap_open_offline(path, err);
    assert_non_null(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    int n = 0, bad = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        nd_packet_dissect(&t_pkt, pcap_datalink(p), d, h->caplen, h->len, &h->ts);
        bad += t_pkt.malformed;
    }
    pcap_close(p);
    assert_int_equal(n, 2282); /* capinfos -c; the README says 2509 */
    assert_int_equal(bad, 82);
}

/* tshark: arp.hw.size 14, arp.proto.size 4, opcode 1, ieee8021ad.id 48. */
static void test_arp_too_long_tha(void **state)
{
    t_load("tcpdump-arp-too-long-tha.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(8021AD) | L(ARP));
    assert_false(t_pkt.malformed);
    assert_int_equal(t_pkt.vlan_count, 1);
    assert_int_equal(t_pkt.vlan_ids[0], 48);
    assert_false(t_pkt.arp.eth_ipv4);
    assert_int_equal(t_pkt.arp.hlen, 14);
    assert_int_equal(t_pkt.arp.plen, 4);
    assert_int_equal(t_pkt.arp.op, 1);
}

/* tshark: ieee8021ad.id 200, vlan.id 2001; ARP 172.21.79.97
 * (00:20:d2:5a:fb:3f) asks for 172.21.79.100, which replies from
 * 00:80:ea:81:88:63. */
static void test_qinq(void **state)
{
    t_load("tcpdump-802.1ad_QinQ.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(8021AD) | L(8021Q) | L(ARP));
    assert_int_equal(t_pkt.vlan_count, 2);
    assert_int_equal(t_pkt.vlan_ids[0], 200);
    assert_int_equal(t_pkt.vlan_ids[1], 2001);
    assert_int_equal(t_pkt.ethertype, 0x0806);
    assert_int_equal(t_pkt.arp.op, 1);
    assert_string_equal(s_ip4(t_pkt.arp.spa), "172.21.79.97");
    assert_string_equal(s_mac(t_pkt.arp.sha), "00:20:d2:5a:fb:3f");
    assert_string_equal(s_ip4(t_pkt.arp.tpa), "172.21.79.100");
    t_load("tcpdump-802.1ad_QinQ.pcap", 2);
    assert_int_equal(t_pkt.arp.op, 2);
    assert_string_equal(s_mac(t_pkt.arp.sha), "00:80:ea:81:88:63");
    assert_string_equal(s_mac(t_pkt.arp.tha), "00:20:d2:5a:fb:3f");
}

/* tshark: 2001:db8::1 -> 2620:fe::9, UDP 12345 -> 53, hop limit 64, DNS
 * query id 0x1234 for example.com type 1. */
static void test_linktype_ipv6_and_raw(void **state)
{
    static const struct {
        const char *file;
        int linktype;
    } cases[] = {{"tcpdump-LINKTYPE_IPV6.pcap", 229}, {"tcpdump-LINKTYPE_RAW_ipv6.pcap", 12}};
    for (int i = 0; i < 2; i++) {
        t_load(cases[i].file, 1);
        assert_int_equal(t_pkt.linktype, cases[i].linktype);
        assert_int_equal(t_pkt.layers, L(IPV6) | L(UDP) | L(DNS));
        assert_string_equal(s_ip(&t_pkt.src), "2001:db8::1");
        assert_string_equal(s_ip(&t_pkt.dst), "2620:fe::9");
        assert_int_equal(t_pkt.ttl, 64);
        assert_int_equal(t_pkt.sport, 12345);
        assert_int_equal(t_pkt.dport, 53);
        assert_int_equal(t_pkt.dns.id, 0x1234);
        assert_string_equal(t_pkt.dns.q[0].name, "example.com");
        assert_int_equal(t_pkt.dns.q[0].qtype, 1);
    }
}

/* tshark: icmpv6.type 134 143 130 143 143; frames 2-5 behind hop-by-hop. */
static void test_icmpv6(void **state)
{
    static const uint8_t types[] = {134, 143, 130, 143, 143};
    static const char *names[] = {"router-advertisement", "multicast-listener-report-v2",
                                  "multicast-listener-query", "multicast-listener-report-v2",
                                  "multicast-listener-report-v2"};
    for (int n = 1; n <= 5; n++) {
        t_load("tcpdump-icmpv6.pcap", n);
        assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV6) | L(ICMPV6));
        assert_false(t_pkt.malformed);
        assert_int_equal(t_pkt.ip_proto, 58);
        assert_int_equal(t_pkt.icmp_type, types[n - 1]);
        assert_int_equal(t_pkt.icmp_code, 0);
        char buf[16];
        assert_string_equal(nd_icmpv6_type_name(t_pkt.icmp_type, buf, sizeof buf), names[n - 1]);
    }
    t_load("tcpdump-icmpv6.pcap", 1);
    assert_string_equal(s_ip(&t_pkt.src), "fe80::b299:28ff:fec8:d66c");
    assert_string_equal(s_ip(&t_pkt.dst), "ff02::1");
    assert_int_equal(t_pkt.ttl, 255);
}

/* tshark: UDP 4500 -> 8472, DF and MF set at offset 0, TTL 60, 4 bytes of
 * ESP cut by the snaplen. */
static void test_esp_truncated(void **state)
{
    t_load("tcpdump-esp_truncated.pcap", 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP));
    assert_false(t_pkt.malformed);
    assert_true(t_pkt.fragment);
    assert_int_equal(t_pkt.ttl, 60);
    assert_int_equal(t_pkt.sport, 4500);
    assert_int_equal(t_pkt.dport, 8472);
    assert_int_equal(t_pkt.l7_len, 4);
}

/* tshark: "null:data", loopback family 0x006c unknown. */
static void test_fuzz_null(void **state)
{
    t_load("ndpi-fuzz-2021-10-13.pcap", 1);
    assert_int_equal(t_pkt.linktype, 0);
    assert_int_equal(t_pkt.layers, L(LOOPBACK));
    assert_false(t_pkt.malformed);
}

/* tshark: frames 4 and 5 are vlan 421, vlan 785, PPPoE session, PPP, IP, UDP,
 * DNS e7.whatsapp.net. */
static void test_vlan_pppoe_dns(void **state)
{
    t_load("ndpi-dns.pcap", 4);
    assert_int_equal(t_pkt.layers,
                     L(ETHERNET) | L(8021Q) | L(PPPOE) | L(PPP) | L(IPV4) | L(UDP) | L(DNS));
    assert_string_equal(t_pkt.tunnel, "pppoe:21866");
    assert_int_equal(t_pkt.vlan_ids[0], 421);
    assert_int_equal(t_pkt.vlan_ids[1], 785);
    assert_string_equal(s_ip(&t_pkt.src), "82.178.113.245");
    assert_int_equal(t_pkt.sport, 47255);
    assert_string_equal(t_pkt.dns.q[0].name, "e7.whatsapp.net");
}

/* A fixed-seed xorshift generator: the mutations are the same on every run. */
static uint32_t s_rand(void)
{
    static uint32_t x = 2463534242u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* Random byte changes to a real packet, each dissected from a buffer of its
 * exact length: a cheap, repeatable fuzzer seeded by the captures. */
static void s_mutate(int linktype, const uint8_t *d, size_t len)
{
    if (len == 0)
        return;
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    for (int round = 0; round < 16; round++) {
        memcpy(copy, d, len);
        int changes = 1 + (int)(s_rand() % 4);
        for (int i = 0; i < changes; i++) {
            /* Favour the headers, where the lengths and pointers live. */
            size_t span = len < 128 || (s_rand() & 1) ? len : 128;
            copy[s_rand() % span] = (uint8_t)s_rand();
        }
        size_t cut = (s_rand() & 3) == 0 ? s_rand() % (len + 1) : len;
        uint8_t *exact = malloc(cut ? cut : 1);
        assert_non_null(exact);
        memcpy(exact, copy, cut);
        assert_int_equal(
            nd_packet_dissect(&t_pkt, linktype, exact, (uint32_t)cut, (uint32_t)len, NULL), 0);
        assert_true(!t_pkt.malformed || t_pkt.malformed_reason);
        free(exact);
    }
    free(copy);
}

/* Every packet of every capture, whole, cut at every length and mutated. */
static void test_every_capture(void **state)
{
    DIR *dir = opendir(ND_PCAPS);
    assert_non_null(dir);
    struct dirent *e;
    int files = 0;
    long packets = 0;
    while ((e = readdir(dir))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcmp(dot, ".pcap") != 0 && strcmp(dot, ".pcapng") != 0))
            continue;
        char path[1024], err[PCAP_ERRBUF_SIZE];
        snprintf(path, sizeof path, "%s/%s", ND_PCAPS, e->d_name);
        pcap_t *p = pcap_open_offline(path, err);
        if (!p)
            fail_msg("%s: %s", path, err);
        assert_true(nd_linktype_supported(pcap_datalink(p)));
        struct pcap_pkthdr *h;
        const u_char *d;
        while (pcap_next_ex(p, &h, &d) == 1) {
            packets++;
            /* Cuts below the whole packet may or may not be malformed (a cut
             * in a payload is not), so min_whole is 0. */
            t_sweep(pcap_datalink(p), d, h->caplen, 0);
            s_mutate(pcap_datalink(p), d, h->caplen);
        }
        pcap_close(p);
        files++;
    }
    closedir(dir);
    /* capinfos -c over the folder: 25 captures, 2615 packets. */
    assert_int_equal(files, 25);
    assert_int_equal(packets, 2615);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_invalid_chars),
        cmocka_unit_test(test_dns_long_domainname),
        cmocka_unit_test(test_dns_malformed),
        cmocka_unit_test(test_dns_zlip),
        cmocka_unit_test(test_dns_badlabel),
        cmocka_unit_test(test_dns_tcp),
        cmocka_unit_test(test_arp_oobr),
        cmocka_unit_test(test_arp_too_long_tha),
        cmocka_unit_test(test_qinq),
        cmocka_unit_test(test_linktype_ipv6_and_raw),
        cmocka_unit_test(test_icmpv6),
        cmocka_unit_test(test_esp_truncated),
        cmocka_unit_test(test_fuzz_null),
        cmocka_unit_test(test_vlan_pppoe_dns),
        cmocka_unit_test(test_every_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
