/* SPDX-License-Identifier: MIT */
/* test_proto_encap.c: the link layers, encapsulations and tunnels of issue
 * 14, dissected from real captures of the shared corpus (../corpus/captures,
 * next to ND_PCAPS), with expected values from tshark 4.0 (`tshark -r FILE
 * -T fields -e frame.protocols -e ...`, noted at each case); and the nesting
 * limit, on a packet built by nesting one real IP-in-IP header. */
#include "test_proto_util.h"

#include <sys/socket.h>

#define L(x) (1u << ND_L_##x)
#define C(file) "../corpus/captures/" file

static char s_buf[64];

static const char *s_ip(const nd_ip_t *ip)
{
    return nd_ip_str(ip, s_buf, sizeof s_buf);
}

/* radiotap:wlan_radio:wlan:llc:ip:udp:dhcp, 0.0.0.0:68 -> :67 */
static void test_radiotap_80211_qos_data(void **state)
{
    t_load(C("tcpdump/ieee802.11_htc.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(RADIOTAP) | L(IEEE80211) | L(LLC) | L(IPV4) | L(UDP));
    assert_string_equal(s_ip(&t_pkt.src), "0.0.0.0");
    assert_int_equal(t_pkt.sport, 68);
    assert_int_equal(t_pkt.dport, 67);
    assert_false(t_pkt.malformed);
}

/* radiotap:wlan_radio:wlan (management frames only) */
static void test_radiotap_management(void **state)
{
    for (int n = 1; n <= 26; n++) {
        t_load(C("tcpdump/ieee802.11_exthdr.pcap"), n);
        assert_int_equal(t_pkt.layers, L(RADIOTAP) | L(IEEE80211));
    }
}

/* ppi:pcap_pktdata:eth:ethertype:ip:udp:dns, 192.168.88.73:30490 */
static void test_ppi_ethernet(void **state)
{
    t_load(C("ndpi/someip_sd_sample.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(PPI) | L(ETHERNET) | L(IPV4) | L(UDP));
    assert_string_equal(s_ip(&t_pkt.src), "192.168.88.73");
    assert_int_equal(t_pkt.sport, 30490);
}

/* chdlc:ip:tcp, 192.168.2.7 */
static void test_chdlc(void **state)
{
    t_load(C("suricata/decode-chdlc-01__hdlc-http_1tx.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(CHDLC) | L(IPV4) | L(TCP));
    assert_string_equal(s_ip(&t_pkt.src), "192.168.2.7");
}

/* fr:ipv6:ospf, fr.dlci 302, fe80::3 */
static void test_frame_relay(void **state)
{
    t_load(C("tcpdump/OSPFv3_NBMA_adjacencies.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(FRELAY) | L(IPV6));
    assert_string_equal(s_ip(&t_pkt.src), "fe80::3");
    assert_int_equal(t_pkt.ip_proto, 89);
}

/* ppp:mpls:ip:udp:data, mpls.label 100704, 12.4.4.4 */
static void test_ppp_mpls(void **state)
{
    t_load(C("tcpdump/mpls-traceroute.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(PPP) | L(MPLS) | L(IPV4) | L(UDP));
    assert_string_equal(s_ip(&t_pkt.src), "12.4.4.4");
    assert_string_equal(t_pkt.tunnel, "mpls:100704");
}

/* nflog:ip:udp:dns, 74.82.42.42:53 -> :42585 */
static void test_nflog(void **state)
{
    t_load(C("tcpdump/nflog.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(NFLOG) | L(IPV4) | L(UDP) | L(DNS));
    assert_string_equal(s_ip(&t_pkt.src), "74.82.42.42");
    assert_int_equal(t_pkt.dport, 42585);
}

/* eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp, vxlan.vni 100, inner
 * 192.168.203.3; frame 2 an ARP inside. */
static void test_vxlan(void **state)
{
    t_load(C("tcpdump/vxlan.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP) | L(VXLAN) | L(ICMP));
    assert_string_equal(s_ip(&t_pkt.src), "192.168.203.3");
    assert_string_equal(t_pkt.tunnel, "vxlan:100");
    assert_int_equal(t_pkt.encap_depth, 1);
    t_load(C("tcpdump/vxlan.pcap"), 2);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP) | L(VXLAN) | L(ARP));
    assert_string_equal(t_pkt.tunnel, "vxlan:100");
}

/* eth:ethertype:ip:udp:geneve:eth:ethertype:ip:icmp, geneve.vni 0x7b,
 * inner 10.0.0.1 */
static void test_geneve(void **state)
{
    t_load(C("suricata/geneve-decoder__input.pcap"), 3);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP) | L(GENEVE) | L(ICMP));
    assert_string_equal(s_ip(&t_pkt.src), "10.0.0.1");
    assert_string_equal(t_pkt.tunnel, "geneve:123");
}

/* ...:vlan:vlan:ip:udp:gtp:ipv6:udp, gtp.teid 0x12808fb8, inner
 * 2607:fc20:4052:39e:490a:ea4d:17fe:e09c:49120 -> :25658 */
static void test_gtpu(void **state)
{
    t_load(C("ndpi/ipv6_in_gtp.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(8021Q) | L(IPV4) | L(UDP) | L(GTP) | L(IPV6));
    assert_string_equal(s_ip(&t_pkt.src), "2607:fc20:4052:39e:490a:ea4d:17fe:e09c");
    assert_int_equal(t_pkt.sport, 49120);
    assert_int_equal(t_pkt.dport, 25658);
    assert_string_equal(t_pkt.tunnel, "gtp:310415288");
}

/* eth:ip:gre:erspan:eth:llc:stp, erspan.spanid 101; type I:
 * eth:ip:gre:erspan:eth:vlan:arp */
static void test_erspan(void **state)
{
    t_load(C("tcpdump/erspan-type-ii-3.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(GRE) | L(ERSPAN) | L(LLC));
    assert_string_equal(t_pkt.tunnel, "erspan:101");
    assert_int_equal(t_pkt.encap_depth, 2);
    t_load(C("tcpdump/erspan-type-i-3.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(GRE) | L(ERSPAN) | L(8021Q) | L(ARP));
    assert_string_equal(t_pkt.tunnel, "erspan");
}

/* eth:vlan:ip:gre:ppp:ip:udp:sip (PPTP: gre version 1, call id 38992),
 * inner 192.168.10.210:5060 */
static void test_gre_pptp(void **state)
{
    t_load(C("ndpi/gre.pcapng"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(8021Q) | L(IPV4) | L(GRE) | L(PPP) | L(UDP));
    assert_string_equal(s_ip(&t_pkt.src), "192.168.10.210");
    assert_int_equal(t_pkt.sport, 5060);
    assert_string_equal(t_pkt.tunnel, "gre:38992");
}

/* eth:ip:ipv6:icmpv6, 2001:470:1f17:13f:3e97:eff:fe73:4dec */
static void test_6in4(void **state)
{
    t_load(C("ndpi/6in4tunnel.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(IPV6) | L(ICMPV6));
    assert_string_equal(s_ip(&t_pkt.src), "2001:470:1f17:13f:3e97:eff:fe73:4dec");
    assert_string_equal(t_pkt.tunnel, "ipip");
}

/* eth:ip:udp:teredo:ipv6 (frame 6), fe80::8000:ffff:ffff:fffd */
static void test_teredo(void **state)
{
    t_load(C("suricata/decode-teredo-01__input.pcap"), 6);
    assert_true(ND_HAS(&t_pkt, ND_L_TEREDO));
    assert_true(ND_HAS(&t_pkt, ND_L_IPV6));
    assert_string_equal(s_ip(&t_pkt.src), "fe80::8000:ffff:ffff:fffd");
    assert_string_equal(t_pkt.tunnel, "teredo");
}

/* IPv4 in IPv4, nested 20 deep: after ND_MAX_ENCAP the packet is malformed. */
static void test_nesting_limit(void **state)
{
    static uint8_t p[20 * 21 + 8];
    size_t n = 0;
    for (int i = 0; i < 21; i++) {
        uint8_t h[20] = {0x45, 0, 0,  0, 0, 0, 0,  0, 64, i < 20 ? 4 : 17,
                         0,    0, 10, 0, 0, 1, 10, 0, 0,  (uint8_t)(i + 2)};
        size_t total = sizeof p - n;
        h[2] = (uint8_t)(total >> 8);
        h[3] = (uint8_t)total;
        memcpy(p + n, h, 20);
        n += 20;
    }
    uint8_t udp[8] = {0, 1, 0, 2, 0, 8, 0, 0};
    memcpy(p + n, udp, 8);
    n += 8;
    assert_int_equal(nd_packet_dissect(&t_pkt, 228, p, (uint32_t)n, (uint32_t)n, NULL), 0);
    assert_true(t_pkt.malformed);
    assert_string_equal(t_pkt.malformed_reason, "encapsulation: nested too deep");
    assert_int_equal(t_pkt.encap_depth, ND_MAX_ENCAP);
    assert_false(ND_HAS(&t_pkt, ND_L_UDP));
}

/* The UDP tunnel ports are settings: VXLAN off, the frame is plain UDP. */
static void test_udp_tunnel_port_option(void **state)
{
    nd_packet_set_udp_tunnel_port(ND_UDPT_VXLAN, 0);
    t_load(C("tcpdump/vxlan.pcap"), 1);
    assert_int_equal(t_pkt.layers, L(ETHERNET) | L(IPV4) | L(UDP));
    assert_string_equal(t_pkt.tunnel, "");
    nd_packet_set_udp_tunnel_port(ND_UDPT_VXLAN, ND_PORT_VXLAN);
    t_load(C("tcpdump/vxlan.pcap"), 1);
    assert_true(ND_HAS(&t_pkt, ND_L_VXLAN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_radiotap_80211_qos_data),
        cmocka_unit_test(test_radiotap_management),
        cmocka_unit_test(test_ppi_ethernet),
        cmocka_unit_test(test_chdlc),
        cmocka_unit_test(test_frame_relay),
        cmocka_unit_test(test_ppp_mpls),
        cmocka_unit_test(test_nflog),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_geneve),
        cmocka_unit_test(test_gtpu),
        cmocka_unit_test(test_erspan),
        cmocka_unit_test(test_gre_pptp),
        cmocka_unit_test(test_6in4),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_udp_tunnel_port_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
