/* SPDX-License-Identifier: MIT */
/* test_proto_quic.c: QUIC Initial packets (common/proto/quic.c): the key
 * derivation against the test vectors of RFC 9001 Appendix A.1 and RFC 9369
 * Appendix A.1, and ClientHellos of real captures of the shared corpus
 * (../corpus/captures) with tshark as the oracle (`tshark -r CAPTURE -Y quic
 * -V`): one Initial, a hello over two datagrams, a later Initial to the
 * server's connection ID, QUIC v2, retransmissions read once, a tampered
 * packet counted and skipped, a datagram cut at every length. */
#include "test_proto_util.h"

#include "../../common/proto/proto.h"
#include "netdumplings/quic.h"

#define C(file) "../corpus/captures/" file

static nd_tls_hello_t s_h;

static void s_hex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void s_expect(const uint8_t *got, const char *hex, size_t n)
{
    uint8_t want[64];
    s_hex(hex, want, n);
    assert_memory_equal(got, want, n);
}

static const uint8_t s_rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* RFC 9001 A.1. */
static void test_rfc9001_keys(void **state)
{
    static const uint8_t salt[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
    uint8_t initial[32], client[32], server[32];
    assert_int_equal(nd_quic_hkdf_extract(salt, 20, s_rfc_dcid, 8, initial), 0);
    s_expect(initial, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44", 32);
    assert_int_equal(nd_quic_hkdf_expand_label(initial, "client in", client, 32), 0);
    s_expect(client, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", 32);
    assert_int_equal(nd_quic_hkdf_expand_label(initial, "server in", server, 32), 0);
    s_expect(server, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", 32);

    nd_quic_keys_t k;
    assert_int_equal(nd_quic_initial_keys(0x00000001, s_rfc_dcid, 8, false, &k), 0);
    s_expect(k.key, "1f369613dd76d5467730efcbe3b1a22d", 16);
    s_expect(k.iv, "fa044b2f42a3fd3b46fb255c", 12);
    s_expect(k.hp, "9f50449e04a0e810283a1e9933adedd2", 16);
    assert_int_equal(nd_quic_initial_keys(0x00000001, s_rfc_dcid, 8, true, &k), 0);
    s_expect(k.key, "cf3a5331653c364c88f0f379b6067e37", 16);
    s_expect(k.iv, "0ac1493ca1905853b0bba03e", 12);
    s_expect(k.hp, "c206b8d9b9f0f37644430b490eeaa314", 16);
}

/* RFC 9369 A.1: the same connection ID, v2's salt and labels. */
static void test_rfc9369_keys(void **state)
{
    nd_quic_keys_t k;
    assert_int_equal(nd_quic_initial_keys(0x6b3343cf, s_rfc_dcid, 8, false, &k), 0);
    s_expect(k.key, "8b1a0bc121284290a29e0971b5cd045d", 16);
    s_expect(k.iv, "91f73e2351d8fa91660e909f", 12);
    s_expect(k.hp, "45b95e15235d6f45a6b19cbcb0294ba9", 16);
    assert_int_equal(nd_quic_initial_keys(0x6b3343cf, s_rfc_dcid, 8, true, &k), 0);
    s_expect(k.key, "82db637861d55e1d011f19ea71d5d2a7", 16);
    s_expect(k.iv, "dd13c276499c0249d3310652", 12);
    s_expect(k.hp, "edf6d05c83121201b436e16877593c3a", 16);
}

static void test_versions(void **state)
{
    nd_quic_keys_t k;
    assert_true(nd_quic_version_known(0x00000001));
    assert_true(nd_quic_version_known(0x6b3343cf));
    assert_true(nd_quic_version_known(0xff00001d));  /* draft-29 */
    assert_true(nd_quic_version_known(0x1a2a3a4a));  /* forcing negotiation */
    assert_false(nd_quic_version_known(0x00000000)); /* Version Negotiation */
    assert_false(nd_quic_version_known(0xff000010)); /* draft-16: another format */
    assert_false(nd_quic_version_known(0x51303436)); /* gQUIC Q046 */
    assert_int_equal(nd_quic_initial_keys(0x12345678, s_rfc_dcid, 8, false, &k), -1);
    /* An empty connection ID is legal. */
    assert_int_equal(nd_quic_initial_keys(0x00000001, NULL, 0, false, &k), 0);
}

/* Feeds frames `first`..`last` of a corpus capture to one table; returns the
 * number of hellos, the last one in s_h. */
static int s_feed(nd_quic_t *q, const char *file, int first, int last, int *ok_frame)
{
    int hellos = 0;
    for (int i = first; i <= last; i++) {
        t_load(file, i);
        if (!ND_HAS(&t_pkt, ND_L_UDP))
            continue;
        nd_tls_hello_t h;
        if (nd_quic_client_hello(q, &t_pkt, &h) == ND_APP_OK) {
            s_h = h;
            hellos++;
            if (ok_frame)
                *ok_frame = i;
        }
    }
    return hellos;
}

/* v1 (negotiating draft-29 ALPN), one Initial: tshark's frame 1. */
static void test_one_initial(void **state)
{
    nd_quic_t *q = nd_quic_new(16, 60);
    assert_non_null(q);
    t_load(C("suricata/quic-ietf__input.pcap"), 1);
    assert_int_equal(t_pkt.l7_len, 1252);
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_OK);
    assert_true(s_h.has_sni);
    assert_string_equal(s_h.sni, "msquic.net");
    assert_int_equal(s_h.legacy_version, 0x0303);
    assert_int_equal(s_h.record_version, 0);
    assert_int_equal(s_h.nversions, 4);
    assert_int_equal(s_h.versions[0], 0x0304);
    assert_int_equal(s_h.versions[1], 0x7f1c);
    assert_int_equal(s_h.nalpn, 1);
    assert_string_equal(s_h.alpn[0], "h3-29");
    /* The same datagram again (a retransmission): nothing new. */
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_NOT_MINE);
    assert_int_equal(nd_quic_count(q, ND_QUIC_HELLOS), 1);
    assert_int_equal(nd_quic_count(q, ND_QUIC_UNDECRYPTABLE), 0);
    nd_quic_destroy(&q);
    assert_null(q);
}

/* A hello over two Initial packets in two datagrams: complete at frame 2. */
static void test_two_datagrams(void **state)
{
    nd_quic_t *q = nd_quic_new(16, 60);
    t_load(C("suricata/quic-frag__input.pcap"), 1);
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_INCOMPLETE);
    int frame = 0;
    assert_int_equal(s_feed(q, C("suricata/quic-frag__input.pcap"), 2, 10, &frame), 1);
    assert_int_equal(frame, 2);
    assert_string_equal(s_h.sni, "token.services.mozilla.com");
    nd_quic_destroy(&q);
}

/* The rest of the hello comes to the server's connection ID (frame 3),
 * still under the keys of the client's first one (RFC 9001 5.2). */
static void test_new_dcid(void **state)
{
    nd_quic_t *q = nd_quic_new(16, 60);
    int frame = 0;
    assert_int_equal(s_feed(q, C("ndpi/quic_frags_different_dcid.pcapng"), 1, 3, &frame), 1);
    assert_int_equal(frame, 3);
    assert_string_equal(s_h.sni, "cdnjs.cloudflare.com");
    nd_quic_destroy(&q);
}

/* QUIC v2 (RFC 9369): no server_name in this one (tshark neither). */
static void test_v2(void **state)
{
    nd_quic_t *q = nd_quic_new(16, 60);
    t_load(C("suricata/quic-v2__input.pcap"), 1);
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_OK);
    assert_false(s_h.has_sni);
    assert_int_equal(s_h.nalpn, 1);
    assert_string_equal(s_h.alpn[0], "h3");
    nd_quic_destroy(&q);
}

/* draft-29, the hello in frames out of order in one packet, then three
 * retransmissions of it: one hello; and a Retry restarts the same hello
 * under new keys, still one. */
static void test_retransmitted(void **state)
{
    nd_quic_t *q = nd_quic_new(16, 60);
    int frame = 0;
    assert_int_equal(
        s_feed(q, C("ndpi/quic_frags_ch_out_of_order_same_packet_craziness.pcapng"), 1, 4, &frame),
        1);
    assert_int_equal(frame, 1);
    assert_string_equal(s_h.sni, "update.googleapis.com");
    nd_quic_destroy(&q);
    q = nd_quic_new(16, 60);
    assert_int_equal(s_feed(q, C("suricata/quic-retry__input.pcap"), 1, 8, &frame), 1);
    assert_int_equal(frame, 2);
    assert_string_equal(s_h.sni, "www.gravatar.com");
    assert_int_equal(nd_quic_count(q, ND_QUIC_UNDECRYPTABLE), 0);
    nd_quic_destroy(&q);
}

/* A flipped bit in the payload fails the AEAD tag: counted, not reported,
 * and a table of one connection makes room for the next. */
static void test_tampered(void **state)
{
    nd_quic_t *q = nd_quic_new(1, 60);
    t_load(C("suricata/quic-ietf__input.pcap"), 1);
    static uint8_t copy[2048];
    memcpy(copy, t_pkt.l7, t_pkt.l7_len);
    copy[600] ^= 0x01;
    nd_packet_t pkt = t_pkt;
    pkt.l7 = copy;
    assert_int_equal(nd_quic_client_hello(q, &pkt, &s_h), ND_APP_MALFORMED);
    assert_int_equal(nd_quic_count(q, ND_QUIC_UNDECRYPTABLE), 1);
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_OK);
    t_load(C("suricata/quic-v2__input.pcap"), 1);
    assert_int_equal(nd_quic_client_hello(q, &t_pkt, &s_h), ND_APP_OK);
    assert_int_equal(nd_quic_count(q, ND_QUIC_HELLOS), 2);
    nd_quic_destroy(&q);
}

/* Every prefix of a datagram: never a hello, never a read past the end
 * (the copy is exactly as long: ASan watches). */
static void test_cut(void **state)
{
    t_load(C("suricata/quic-ietf__input.pcap"), 1);
    nd_packet_t pkt = t_pkt;
    size_t len = t_pkt.l7_len;
    for (size_t n = 0; n < len; n++) {
        nd_quic_t *q = nd_quic_new(2, 60);
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, t_pkt.l7, n);
        pkt.l7 = copy;
        pkt.l7_len = n;
        int rc = nd_quic_client_hello(q, &pkt, &s_h);
        free(copy);
        nd_quic_destroy(&q);
        if (rc == ND_APP_OK)
            fail_msg("cut at %zu of %zu: a hello", n, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9001_keys),
        cmocka_unit_test(test_rfc9369_keys),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_one_initial),
        cmocka_unit_test(test_two_datagrams),
        cmocka_unit_test(test_new_dcid),
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_retransmitted),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
