/* SPDX-License-Identifier: MIT */
/* test_proto_tls.c: the TLS ClientHello parser (common/proto/tls.c) on the
 * shared captures (values from `tshark -r CAPTURE -Y tls.handshake.type==1
 * -T fields -e tls.record.version -e tls.handshake.version
 * -e tls.handshake.extensions_server_name
 * -e tls.handshake.extensions.supported_version
 * -e tls.handshake.extensions_alpn_str`), on hand-built hellos, and cut at
 * every length. */
#include "test_proto_util.h"

#include "netdumplings/app.h"

static nd_tls_hello_t s_h;

/* Every prefix of a whole hello is "incomplete", never read past (ASan). */
static void s_sweep(const uint8_t *data, size_t len)
{
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, data, n);
        int rc = nd_tls_client_hello(copy, n, &s_h);
        free(copy);
        if (rc != ND_APP_INCOMPLETE)
            fail_msg("cut at %zu of %zu: rc %d", n, len, rc);
    }
}

static void test_tls12_capture(void **state)
{
    t_load("ndpi-tls_1.2_unidirectional_client.pcapng", 3);
    assert_true(ND_HAS(&t_pkt, ND_L_TCP));
    assert_int_equal(t_pkt.l7_len, 180);
    assert_int_equal(nd_tls_client_hello(t_pkt.l7, t_pkt.l7_len, &s_h), ND_APP_OK);
    assert_int_equal(s_h.record_version, 0x0301);
    assert_int_equal(s_h.legacy_version, 0x0303);
    assert_true(s_h.has_sni);
    assert_string_equal(s_h.sni, "notifications-pa.googleapis.com");
    assert_false(s_h.sni_truncated);
    assert_int_equal(s_h.nversions, 0);
    assert_int_equal(s_h.nalpn, 2);
    assert_string_equal(s_h.alpn[0], "h2");
    assert_string_equal(s_h.alpn[1], "http/1.1");
    assert_int_equal(s_h.need, 180);
    s_sweep(t_pkt.l7, t_pkt.l7_len);
}

static void test_encrypted_sni_capture(void **state)
{
    for (int frame = 1; frame <= 3; frame++) {
        t_load("ndpi-encrypted_sni.pcap", frame);
        assert_int_equal(nd_tls_client_hello(t_pkt.l7, t_pkt.l7_len, &s_h), ND_APP_OK);
        assert_false(s_h.has_sni); /* ESNI only: no server_name */
        assert_int_equal(s_h.legacy_version, 0x0303);
        assert_int_equal(s_h.nversions, 4);
        assert_int_equal(s_h.versions[0], 0x0304);
        assert_int_equal(s_h.versions[1], 0x0303);
        assert_int_equal(s_h.versions[2], 0x0302);
        assert_int_equal(s_h.versions[3], 0x0301);
        assert_int_equal(s_h.nalpn, 2);
        assert_string_equal(s_h.alpn[0], "h2");
        assert_string_equal(s_h.alpn[1], "http/1.1");
        s_sweep(t_pkt.l7, t_pkt.l7_len);
    }
}

static void test_tls_alert_capture(void **state)
{
    t_load("ndpi-tls_alert.pcap", 4);
    assert_int_equal(nd_tls_client_hello(t_pkt.l7, t_pkt.l7_len, &s_h), ND_APP_OK);
    assert_int_equal(s_h.legacy_version, 0x0301);
    assert_string_equal(s_h.sni, "www.google-analytics.com");
    assert_int_equal(s_h.nalpn, 7);
    assert_string_equal(s_h.alpn[4], "spdy/3.1");
    assert_string_equal(s_h.alpn[6], "http/1.1");
    s_sweep(t_pkt.l7, t_pkt.l7_len);
    /* The capture's other TCP payloads (the alert, ...) are not hellos. */
    t_load("ndpi-tls_alert.pcap", 6);
    if (t_pkt.l7_len > 0)
        assert_int_not_equal(nd_tls_client_hello(t_pkt.l7, t_pkt.l7_len, &s_h), ND_APP_OK);
}

/* A minimal hello: record, handshake header, version, random, empty session
 * id, one cipher suite, null compression, then `ext` as the extensions. */
static size_t s_build(uint8_t *out, const uint8_t *ext, size_t ext_len)
{
    size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext_len;
    size_t o = 0;
    out[o++] = 22;
    out[o++] = 3;
    out[o++] = 1;
    out[o++] = (uint8_t)((body + 4) >> 8);
    out[o++] = (uint8_t)(body + 4);
    out[o++] = 1;
    out[o++] = 0;
    out[o++] = (uint8_t)(body >> 8);
    out[o++] = (uint8_t)body;
    out[o++] = 3;
    out[o++] = 3;
    memset(out + o, 0xab, 32);
    o += 32;
    out[o++] = 0;               /* session id */
    out[o++] = 0, out[o++] = 2; /* cipher suites */
    out[o++] = 0x13, out[o++] = 0x01;
    out[o++] = 1, out[o++] = 0;         /* compression */
    out[o++] = (uint8_t)(ext_len >> 8); /* extensions */
    out[o++] = (uint8_t)ext_len;
    if (ext_len)
        memcpy(out + o, ext, ext_len);
    return o + ext_len;
}

static void test_hand_built(void **state)
{
    static uint8_t m[2048], ext[1024];
    /* server_name with a 300-byte name holding a control byte: escaped and
     * truncated; supported_versions with GREASE first. */
    size_t e = 0;
    ext[e++] = 0, ext[e++] = 0, ext[e++] = (uint8_t)((305) >> 8), ext[e++] = (uint8_t)305;
    ext[e++] = (uint8_t)(303 >> 8), ext[e++] = (uint8_t)303;
    ext[e++] = 0, ext[e++] = (uint8_t)(300 >> 8), ext[e++] = (uint8_t)300;
    ext[e++] = 0x01;
    memset(ext + e, 'a', 299);
    e += 299;
    ext[e++] = 0, ext[e++] = 43, ext[e++] = 0, ext[e++] = 5, ext[e++] = 4;
    ext[e++] = 0x3a, ext[e++] = 0x3a, ext[e++] = 3, ext[e++] = 4;
    size_t len = s_build(m, ext, e);
    assert_int_equal(nd_tls_client_hello(m, len, &s_h), ND_APP_OK);
    assert_true(s_h.has_sni);
    assert_true(s_h.sni_truncated);
    assert_int_equal(strlen(s_h.sni), 255);
    assert_memory_equal(s_h.sni, "\\x01aaa", 7);
    assert_int_equal(s_h.nversions, 2);
    assert_true(nd_tls_is_grease(s_h.versions[0]));
    char buf[8];
    assert_string_equal(nd_tls_version_name(s_h.versions[0], buf, sizeof buf), "GREASE");
    assert_string_equal(nd_tls_version_name(s_h.versions[1], buf, sizeof buf), "TLS 1.3");
    assert_string_equal(nd_tls_version_name(0x7f1c, buf, sizeof buf), "0x7f1c");
    s_sweep(m, len);

    /* An extension longer than what is left is malformed. */
    ext[3] = 0xff;
    assert_int_equal(nd_tls_client_hello(m, s_build(m, ext, e), &s_h), ND_APP_MALFORMED);
    /* No extensions at all is fine. */
    len = s_build(m, NULL, 0) - 2;
    m[3] = (uint8_t)((len - 5) >> 8), m[4] = (uint8_t)(len - 5);
    m[7] = (uint8_t)((len - 9) >> 8), m[8] = (uint8_t)(len - 9);
    assert_int_equal(nd_tls_client_hello(m, len, &s_h), ND_APP_OK);
    assert_false(s_h.has_sni);
    /* Not TLS, another handshake type, a huge record. */
    static const uint8_t http[] = "GET / HTTP/1.1\r\n";
    assert_int_equal(nd_tls_client_hello(http, sizeof http - 1, &s_h), ND_APP_NOT_MINE);
    m[5] = 2;
    assert_int_equal(nd_tls_client_hello(m, len, &s_h), ND_APP_NOT_MINE);
    static const uint8_t huge[] = {22, 3, 1, 0xff, 0xff, 1};
    assert_int_equal(nd_tls_client_hello(huge, sizeof huge, &s_h), ND_APP_NOT_MINE);
    assert_int_equal(nd_tls_client_hello(NULL, 0, &s_h), ND_APP_INCOMPLETE);
}

/* Random bytes behind a valid record header: any result, no crash. */
static void test_garbage(void **state)
{
    static uint8_t m[600];
    unsigned seed = 1;
    for (int round = 0; round < 2000; round++) {
        size_t len = 9 + (size_t)(rand_r(&seed) % 500);
        for (size_t i = 0; i < len; i++)
            m[i] = (uint8_t)rand_r(&seed);
        m[0] = 22, m[1] = 3, m[2] = 1, m[3] = (uint8_t)((len - 5) >> 8), m[4] = (uint8_t)(len - 5);
        m[5] = 1, m[6] = 0, m[7] = (uint8_t)((len - 9) >> 8), m[8] = (uint8_t)(len - 9);
        int rc = nd_tls_client_hello(m, len, &s_h);
        assert_true(rc == ND_APP_OK || rc == ND_APP_MALFORMED);
        if (rc == ND_APP_OK && s_h.has_sni)
            assert_true(strlen(s_h.sni) < ND_TLS_SNI_MAX);
    }
}

/* SSL 2.0-compatible hellos: tshark's frame 4 of a corpus capture (record
 * version 0x0002, hello version TLS 1.0), and a hand-built one cut at every
 * length and with each length field wrong. */
static void test_sslv2(void **state)
{
    t_load("../corpus/captures/ndpi/google_ssl.pcap", 4);
    assert_int_equal(nd_tls_client_hello(t_pkt.l7, t_pkt.l7_len, &s_h), ND_APP_OK);
    assert_int_equal(s_h.record_version, 0x0002);
    assert_int_equal(s_h.legacy_version, 0x0301);
    assert_false(s_h.has_sni);
    assert_int_equal(s_h.need, t_pkt.l7_len);

    /* 3 cipher specs, no session ID, a 16-byte challenge: 9 + 9 + 16. */
    static uint8_t m[2 + 34] = {0x80, 34, 1, 0x03, 0x01, 0, 9, 0, 0, 0, 16};
    assert_int_equal(nd_tls_client_hello(m, sizeof m, &s_h), ND_APP_OK);
    assert_int_equal(s_h.legacy_version, 0x0301);
    s_sweep(m, sizeof m);
    m[2] = 2; /* not a CLIENT-HELLO */
    assert_int_equal(nd_tls_client_hello(m, sizeof m, &s_h), ND_APP_NOT_MINE);
    m[2] = 1, m[6] = 10; /* lengths that do not add up */
    assert_int_equal(nd_tls_client_hello(m, sizeof m, &s_h), ND_APP_NOT_MINE);
    m[6] = 9, m[3] = 0x16; /* no such version */
    assert_int_equal(nd_tls_client_hello(m, sizeof m, &s_h), ND_APP_NOT_MINE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls12_capture),     cmocka_unit_test(test_encrypted_sni_capture),
        cmocka_unit_test(test_tls_alert_capture), cmocka_unit_test(test_hand_built),
        cmocka_unit_test(test_garbage),           cmocka_unit_test(test_sslv2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
