/* SPDX-License-Identifier: MIT */
/* test_proto_dhcp.c: the BOOTP/DHCPv4 parser (common/proto/dhcp.c) on a
 * hand-built DISCOVER (checked once with tshark: `-T fields
 * -e dhcp.option.dhcp -e dhcp.option.hostname -e dhcp.option.requested_ip_address
 * -e dhcp.hw.mac_addr -e dhcp.client_id`), on bad options, and cut at every
 * length. */
#include "test_proto_util.h"

#include "netdumplings/app.h"

static nd_dhcp_t s_d;

/* A DISCOVER from 00:11:22:33:44:55 with host name "laptop", requested
 * address 192.168.1.23 and client id 01:00:11:22:33:44:55. */
static size_t s_discover(uint8_t *m)
{
    memset(m, 0, 236);
    m[0] = 1, m[1] = 1, m[2] = 6;
    m[4] = 0xde, m[5] = 0xad, m[6] = 0xbe, m[7] = 0xef;
    static const uint8_t mac[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    memcpy(m + 28, mac, 6);
    size_t o = 236;
    static const uint8_t opts[] = {0x63, 0x82, 0x53, 0x63, 53,   1,    1,    0,   12, 6,  'l', 'a',
                                   'p',  't',  'o',  'p',  50,   4,    192,  168, 1,  23, 61,  7,
                                   1,    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 55,  2,  1,  3,   255};
    memcpy(m + o, opts, sizeof opts);
    return o + sizeof opts;
}

static void test_discover(void **state)
{
    static uint8_t m[600];
    size_t len = s_discover(m);
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_OK);
    assert_int_equal(s_d.op, 1);
    assert_int_equal(s_d.xid, 0xdeadbeef);
    assert_true(s_d.chaddr_is_mac);
    assert_int_equal(s_d.chaddr[5], 0x55);
    assert_true(s_d.is_dhcp);
    assert_int_equal(s_d.msg_type, 1);
    assert_string_equal(nd_dhcp_msg_type_name(s_d.msg_type), "DISCOVER");
    assert_true(s_d.has_hostname);
    assert_string_equal(s_d.hostname, "laptop");
    assert_true(s_d.has_requested_ip);
    assert_int_equal(s_d.requested_ip[3], 23);
    assert_int_equal(s_d.client_id_len, 7);
    assert_int_equal(s_d.client_id[0], 1);
    assert_null(nd_dhcp_msg_type_name(0));
    assert_null(nd_dhcp_msg_type_name(200));

    /* Every cut: never read past (ASan); below the fixed header not DHCP. */
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, m, n);
        int rc = nd_dhcp_parse(copy, n, &s_d);
        free(copy);
        if (n < 236)
            assert_int_equal(rc, ND_APP_NOT_MINE);
        else
            assert_true(rc == ND_APP_OK || rc == ND_APP_MALFORMED);
    }
}

static void test_bad_options(void **state)
{
    static uint8_t m[600];
    size_t len = s_discover(m);
    m[236 + 5] = 2; /* message type of length 2 */
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_MALFORMED);
    len = s_discover(m);
    m[236 + 9] = 200; /* host name longer than the message */
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_MALFORMED);
    len = s_discover(m);
    m[236 + 17] = 3; /* requested address of 3 bytes */
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_MALFORMED);
    len = s_discover(m);
    m[0] = 7; /* not a BOOTP op */
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_NOT_MINE);
    /* No cookie: plain BOOTP. */
    len = s_discover(m);
    m[236] = 0;
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_OK);
    assert_false(s_d.is_dhcp);
    assert_false(s_d.has_hostname);
    /* A long, unprintable host name: escaped and truncated. */
    memset(m, 0, sizeof m);
    len = s_discover(m) - 1;
    m[len++] = 12, m[len++] = 255;
    memset(m + len, 0xff, 255);
    len += 255;
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_OK);
    assert_string_equal(s_d.hostname, "laptop"); /* the first one */
    assert_false(s_d.hostname_truncated);
    m[236 + 8] = 99; /* the first one becomes an unknown option */
    assert_int_equal(nd_dhcp_parse(m, len, &s_d), ND_APP_OK);
    assert_true(s_d.hostname_truncated);
    assert_int_equal(strlen(s_d.hostname), 252);
    assert_memory_equal(s_d.hostname, "\\xff\\xff", 8);
    /* Random options: any result, no crash. */
    unsigned seed = 7;
    for (int round = 0; round < 3000; round++) {
        len = s_discover(m);
        size_t olen = (size_t)(rand_r(&seed) % 300);
        for (size_t i = 0; i < olen; i++)
            m[240 + i] = (uint8_t)rand_r(&seed);
        int rc = nd_dhcp_parse(m, 240 + olen, &s_d);
        assert_true(rc == ND_APP_OK || rc == ND_APP_MALFORMED);
        assert_true(s_d.client_id_len <= ND_DHCP_CLIENT_ID_MAX);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
