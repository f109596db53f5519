/* SPDX-License-Identifier: MIT */
/* test_chefs_app.c: the application-layer chefs (TLSClientHelloChef,
 * HTTPRequestChef, TopTalkersChef, DHCPChef) driven through a real nd_kitchen
 * with packets from the shared captures (values from tshark, as in
 * test_proto_tls.c and test_proto_http.c): a ClientHello split over two TCP
 * segments at every byte, out-of-order segments, options, and DHCP. */
#include "test_proto_util.h"

#include <jansson.h>

#include "builtin.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"

#include "served.h"

static const char s_tls_line[] =
    "TLSClientHelloChef packet {\"server_name\":\"notifications-pa.googleapis.com\","
    "\"versions\":[\"TLS 1.2\"],\"legacy_version\":\"TLS 1.2\",\"alpn\":[\"h2\",\"http/1.1\"],"
    "\"client\":\"192.168.12.156\",\"client_port\":43854,\"server\":\"216.58.209.42\","
    "\"server_port\":443,\"time\":1656949469.283222,\"truncated\":false,\"transport\":\"tcp\"}";

static void test_tls_whole_and_split(void **state)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "TLSClientHelloChef", NULL);
    t_load("ndpi-tls_1.2_unidirectional_client.pcapng", 3);
    nd_kitchen_packet(k, &t_pkt);
    assert_int_equal(served.count, 1);
    assert_string_equal(served.lines[0], s_tls_line);
    s_served_clear(&served);

    /* The same segment again (a retransmission): not read twice. */
    nd_kitchen_packet(k, &t_pkt);
    assert_int_equal(served.count, 0);

    /* Cut at every byte into two segments, each in a buffer of its own size
     * (ASan sees any over-read): the hello is read once, when whole. Each
     * cut further on in the flow, so that none is a retransmission. */
    static nd_packet_t seg;
    const uint8_t *l7 = t_pkt.l7;
    size_t len = t_pkt.l7_len;
    for (size_t cut = 1; cut < len; cut++) {
        uint8_t *a = malloc(cut), *b = malloc(len - cut);
        memcpy(a, l7, cut);
        memcpy(b, l7 + cut, len - cut);
        uint32_t base = t_pkt.tcp_seq + (uint32_t)cut * 0x10000u;
        seg = t_pkt;
        seg.l7 = a;
        seg.l7_len = cut;
        seg.tcp_seq = base;
        nd_kitchen_packet(k, &seg);
        assert_int_equal(served.count, 0);
        seg.l7 = b;
        seg.l7_len = len - cut;
        seg.tcp_seq = base + (uint32_t)cut;
        nd_kitchen_packet(k, &seg);
        free(a);
        free(b);
        if (served.count != 1)
            fail_msg("cut at %zu: %zu dumplings", cut, served.count);
        assert_string_equal(served.lines[0], s_tls_line);
        s_served_clear(&served);
    }

    /* The second half out of order (a gap): given up, nothing made, and the
     * flow is free again for the next whole hello. */
    seg = t_pkt;
    seg.sport++; /* a flow of its own */
    seg.l7_len = 100;
    nd_kitchen_packet(k, &seg);
    seg.l7 = l7 + 100;
    seg.l7_len = len - 100;
    seg.tcp_seq = t_pkt.tcp_seq + 101;
    nd_kitchen_packet(k, &seg);
    assert_int_equal(served.count, 0);
    seg = t_pkt;
    seg.sport++;
    seg.tcp_seq += 0x100000;
    nd_kitchen_packet(k, &seg);
    assert_int_equal(served.count, 1);
    s_served_clear(&served);

    /* Many flows left half-done: the pending table stays bounded. */
    for (uint16_t port = 1; port < 200; port++) {
        seg = t_pkt;
        seg.sport = port;
        seg.l7_len = 50;
        nd_kitchen_packet(k, &seg);
    }
    assert_int_equal(served.count, 0);
    nd_kitchen_destroy(&k);
}

static void test_http(void **state)
{
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "HTTPRequestChef", NULL);
    t_load("ndpi-http.pcapng", 4);
    nd_kitchen_packet(k, &t_pkt);
    assert_int_equal(served.count, 1);
    assert_string_equal(served.lines[0],
                        "HTTPRequestChef packet {\"method\":\"GET\",\"host\":\"google.com\","
                        "\"path\":\"/\",\"version\":\"HTTP/1.1\",\"user_agent\":\"curl/7.68.0\","
                        "\"client\":\"192.168.1.128\",\"client_port\":42170,"
                        "\"server\":\"216.58.208.142\",\"server_port\":80,"
                        "\"time\":1643129441.0306909,\"truncated\":false,"
                        "\"transport\":\"tcp\"}");
    s_served_clear(&served);
    /* Pipelined requests: each one, past the body of the one before; none
     * past a body whose end is unknown. */
    static const char pipe[] = "POST /1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPROPFIND /2 "
                               "HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\nTransfer-Encoding: "
                               "chunked\r\n\r\n0\r\n\r\nGET /4 HTTP/1.1\r\n\r\n";
    static nd_packet_t pp;
    pp = t_pkt;
    pp.tcp_seq += (uint32_t)t_pkt.l7_len; /* next in the flow */
    pp.l7 = (const uint8_t *)pipe;
    pp.l7_len = sizeof pipe - 1;
    nd_kitchen_packet(k, &pp);
    assert_int_equal(served.count, 3);
    assert_non_null(strstr(served.lines[0], "\"method\":\"POST\",\"host\":null,\"path\":\"/1\""));
    assert_non_null(
        strstr(served.lines[1], "\"method\":\"PROPFIND\",\"host\":null,\"path\":\"/2\""));
    assert_non_null(strstr(served.lines[2], "\"method\":\"GET\",\"host\":null,\"path\":\"/3\""));
    s_served_clear(&served);
    /* A head over three segments, the last two out of order: one request,
     * read whole when its blank line comes, with the Host of the last one. */
    static const char *parts[] = {"GET /split HTTP/1.1\r\nUser-Agent: t\r\n",
                                  "Host: example.org\r\n", "\r\n"};
    const int order[] = {0, 2, 1};
    uint32_t at[3];
    at[0] = t_pkt.tcp_seq + 0x10000;
    at[1] = at[0] + (uint32_t)strlen(parts[0]);
    at[2] = at[1] + (uint32_t)strlen(parts[1]);
    for (int i = 0; i < 3; i++) {
        pp = t_pkt;
        pp.sport++; /* a flow of its own, picked up at its first part */
        pp.tcp_seq = at[order[i]];
        pp.l7 = (const uint8_t *)parts[order[i]];
        pp.l7_len = strlen(parts[order[i]]);
        nd_kitchen_packet(k, &pp);
        assert_int_equal(served.count, i == 2 ? 1 : 0);
    }
    assert_non_null(strstr(served.lines[0], "\"method\":\"GET\",\"host\":\"example.org\","
                                            "\"path\":\"/split\""));
    s_served_clear(&served);
    /* SSDP over UDP on 1900, and not on another UDP port. */
    static const char msearch[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";
    pp = t_pkt;
    pp.layers = (pp.layers & ~(1u << ND_L_TCP)) | 1u << ND_L_UDP;
    pp.l7 = (const uint8_t *)msearch;
    pp.l7_len = sizeof msearch - 1;
    nd_kitchen_packet(k, &pp);
    assert_int_equal(served.count, 0);
    pp.dport = 1900;
    nd_kitchen_packet(k, &pp);
    assert_int_equal(served.count, 1);
    assert_non_null(strstr(served.lines[0], "\"method\":\"M-SEARCH\",\"host\":"
                                            "\"239.255.255.250:1900\",\"path\":\"*\""));
    assert_non_null(strstr(served.lines[0], "\"transport\":\"udp\"}"));
    s_served_clear(&served);
    /* An oversized path: cut and flagged. */
    static char big[3000];
    int n = snprintf(big, sizeof big, "GET /%02500d HTTP/1.1\r\nHost: h\r\n\r\n", 1);
    static nd_packet_t p;
    p = t_pkt;
    p.sport += 2; /* a flow of its own */
    p.l7 = (const uint8_t *)big;
    p.l7_len = (size_t)n;
    nd_kitchen_packet(k, &p);
    assert_int_equal(served.count, 1);
    assert_non_null(strstr(served.lines[0], "\"truncated\":true"));
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

static void test_top_talkers(void **state)
{
    s_served_t served = {0};
    char err[256];
    /* A bad n is refused when the chef is added. */
    nd_kitchen_t *k = nd_kitchen_new("test", s_serve, &served, err, sizeof err);
    assert_int_equal(nd_kitchen_chef_opt(k, "TopTalkersChef:n=0", err, sizeof err), 0);
    assert_int_equal(nd_kitchen_add_chef(k, nd_builtin_chef("TopTalkersChef"), err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "n must be"));
    nd_kitchen_destroy(&k);

    k = s_kitchen(&served, "TopTalkersChef", (const char *[]){"TopTalkersChef:n=1", NULL});
    t_load("ndpi-http.pcapng",
           4); /* 192.168.1.128 -> 216.58.208.142, 140 bytes (tshark frame.len) */
    nd_kitchen_packet(k, &t_pkt);
    nd_kitchen_packet(k, &t_pkt);
    nd_kitchen_poke(k, t_pkt.ts + 5);
    nd_kitchen_poke(k, t_pkt.ts + 10);
    assert_int_equal(served.count, 2);
    assert_string_equal(
        served.lines[0],
        "TopTalkersChef interval {\"total_bytes\":280,\"total_packets\":2,"
        "\"hosts_by_bytes\":[{\"host\":\"192.168.1.128\",\"bytes\":280,\"packets\":2}],"
        "\"hosts_by_packets\":[{\"host\":\"192.168.1.128\",\"bytes\":280,\"packets\":2}],"
        "\"conversations_by_bytes\":[{\"a\":\"192.168.1.128\",\"b\":\"216.58.208.142\","
        "\"bytes\":280,\"packets\":2}],"
        "\"conversations_by_packets\":[{\"a\":\"192.168.1.128\",\"b\":\"216.58.208.142\","
        "\"bytes\":280,\"packets\":2}]}");
    /* Since the last poke only. */
    assert_string_equal(served.lines[1],
                        "TopTalkersChef interval {\"total_bytes\":0,\"total_packets\":0,"
                        "\"hosts_by_bytes\":[],\"hosts_by_packets\":[],"
                        "\"conversations_by_bytes\":[],\"conversations_by_packets\":[]}");
    s_served_clear(&served);
    nd_kitchen_destroy(&k);

    /* A full table: the rest is counted as untracked and flagged. */
    k = s_kitchen(&served, "TopTalkersChef", (const char *[]){"TopTalkersChef:max_hosts=1", NULL});
    nd_kitchen_packet(k, &t_pkt);
    nd_kitchen_poke(k, t_pkt.ts + 5);
    assert_int_equal(served.count, 1);
    assert_non_null(strstr(served.lines[0], "\"truncated\":true,\"untracked_host_packets\":1"));
    s_served_clear(&served);
    nd_kitchen_destroy(&k);
}

static void test_dhcp(void **state)
{
    /* The DISCOVER of test_proto_dhcp.c (checked with tshark there). */
    static uint8_t m[300];
    memset(m, 0, sizeof m);
    m[0] = 1, m[1] = 1, m[2] = 6;
    static const uint8_t mac[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    memcpy(m + 28, mac, 6);
    static const uint8_t opts[] = {0x63, 0x82, 0x53, 0x63, 53,  1,   1,    12,   6,
                                   'l',  'a',  'p',  't',  'o', 'p', 50,   4,    192,
                                   168,  1,    23,   61,   3,   1,   0xab, 0xcd, 255};
    memcpy(m + 236, opts, sizeof opts);
    s_served_t served = {0};
    nd_kitchen_t *k = s_kitchen(&served, "DHCPChef", NULL);
    static nd_packet_t p;
    memset(&p, 0, sizeof p);
    p.layers = 1u << ND_L_UDP;
    p.sport = 68;
    p.dport = 67;
    p.ts = 12.5;
    p.l7 = m;
    p.l7_len = 236 + sizeof opts;
    nd_kitchen_packet(k, &p);
    assert_int_equal(served.count, 1);
    assert_string_equal(
        served.lines[0],
        "DHCPChef packet {\"message_type\":\"DISCOVER\",\"mac\":\"00:11:22:33:44:55\","
        "\"hostname\":\"laptop\",\"requested_ip\":\"192.168.1.23\","
        "\"client_ip\":null,\"your_ip\":null,\"client_id\":\"01:ab:cd\","
        "\"time\":12.5,\"truncated\":false}");
    s_served_clear(&served);
    /* Other ports, a cut message, broken options: nothing. */
    p.dport = 53;
    nd_kitchen_packet(k, &p);
    p.dport = 67;
    p.l7_len = 200;
    nd_kitchen_packet(k, &p);
    p.l7_len = 236 + sizeof opts;
    m[236 + 8] = 250;
    nd_kitchen_packet(k, &p);
    assert_int_equal(served.count, 0);
    nd_kitchen_destroy(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_whole_and_split),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_top_talkers),
        cmocka_unit_test(test_dhcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
