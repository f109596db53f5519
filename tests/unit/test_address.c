/* SPDX-License-Identifier: MIT */
/* test_address.c: the addresses and endpoints every program takes (address.h):
 * which bind addresses and endpoints are well formed, what a bind address
 * stands for, loopback, and how peers are written. The expected forms are
 * those of inet_pton/inet_ntop (RFC 4291, RFC 5952) and of RFC 3986 URIs
 * (an IPv6 host in brackets). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "netdumplings/address.h"

static void test_check_good(void **state)
{
    (void)state;
    const char *good[] = {"*",
                          "::",
                          "[::]",
                          "0.0.0.0",
                          "127.0.0.1",
                          "192.0.2.1",
                          "::1",
                          "[::1]",
                          "2001:db8::1",
                          "[2001:db8::1]",
                          "fe80::1%lo",
                          "[fe80::1%2]",
                          "::ffff:1.2.3.4",
                          "localhost",
                          "lo",
                          "hub.example.net",
                          "hub.example.net.",
                          "eth0",
                          "my_host-1"};
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        err[0] = '\0';
        if (nd_address_check(good[i], err, sizeof err) != 0)
            fail_msg("'%s' refused: %s", good[i], err);
    }
}

static void test_check_bad(void **state)
{
    (void)state;
    const char *bad[] = {"",         "1.2.3.4.5", "300.1.1.1", "1.2.3",    "[::1",
                         "::1]",     "[]",        "[1.2.3.4]", "fe80:::1", "1:2:3:4:5:6:7:8:9",
                         "bad host", "a..b",      ".a",        "x!",       "fe80::1%",
                         "[::1]:80", "tcp://h:1"};
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        if (nd_address_check(bad[i], err, sizeof err) == 0)
            fail_msg("'%s' accepted", bad[i]);
        char want[64];
        snprintf(want, sizeof want, "'%s'", bad[i]);
        if (!strstr(err, want))
            fail_msg("the error for '%s' does not name it: %s", bad[i], err);
    }
}

static void test_resolve(void **state)
{
    (void)state;
    nd_bind_list_t l;
    char err[256];
    assert_int_equal(nd_address_resolve("*", &l, err, sizeof err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.host[0], "*");
    /* "::" is every address of both families, as "*". */
    assert_int_equal(nd_address_resolve("::", &l, err, sizeof err), 0);
    assert_string_equal(l.host[0], "*");
    assert_int_equal(nd_address_resolve("[::]", &l, err, sizeof err), 0);
    assert_string_equal(l.host[0], "*");
    assert_int_equal(nd_address_resolve("::1", &l, err, sizeof err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.host[0], "[::1]");
    assert_false(l.named);
    assert_int_equal(nd_address_resolve("[2001:db8::1]", &l, err, sizeof err), 0);
    assert_string_equal(l.host[0], "[2001:db8::1]");
    assert_int_equal(nd_address_resolve("0.0.0.0", &l, err, sizeof err), 0);
    assert_string_equal(l.host[0], "0.0.0.0");
    /* The loopback interface: its IPv4 address (and ::1 where IPv6 is on). */
    assert_int_equal(nd_address_resolve("lo", &l, err, sizeof err), 0);
    assert_true(l.named);
    bool v4 = false;
    for (size_t i = 0; i < l.n; i++)
        v4 = v4 || strcmp(l.host[i], "127.0.0.1") == 0;
    assert_true(v4);
    assert_int_equal(nd_address_resolve("1.2.3.4.5", &l, err, sizeof err), ND_ADDRESS_MALFORMED);
    assert_int_equal(nd_address_resolve("no-such-host.invalid", &l, err, sizeof err),
                     ND_ADDRESS_NOT_HERE);
    assert_non_null(strstr(err, "'no-such-host.invalid'"));
}

static void test_loopback(void **state)
{
    (void)state;
    assert_true(nd_address_is_loopback("127.0.0.1"));
    assert_true(nd_address_is_loopback("127.1.2.3"));
    assert_true(nd_address_is_loopback("::1"));
    assert_true(nd_address_is_loopback("[::1]"));
    assert_true(nd_address_is_loopback("0:0:0:0:0:0:0:1"));
    assert_true(nd_address_is_loopback("::ffff:127.0.0.1"));
    assert_true(nd_address_is_loopback("localhost"));
    assert_true(nd_address_is_loopback("lo"));
    assert_false(nd_address_is_loopback("*"));
    assert_false(nd_address_is_loopback("::"));
    assert_false(nd_address_is_loopback("0.0.0.0"));
    assert_false(nd_address_is_loopback("192.0.2.1"));
    assert_false(nd_address_is_loopback("2001:db8::1"));
    assert_false(nd_address_is_loopback("::ffff:192.0.2.1"));
    assert_false(nd_address_is_loopback("no-such-host.invalid"));
    assert_false(nd_address_is_loopback("[::1"));
    assert_false(nd_address_is_loopback(NULL));
}

static void test_endpoints(void **state)
{
    (void)state;
    const char *good[] = {"tcp://127.0.0.1:11347",         "tcp://[::1]:11347",
                          "tcp://[2001:db8::1]:1",         "tcp://localhost:11349",
                          "tcp://hub.example.net:65535",   "tcp://[fe80::1%eth0]:11347",
                          "tcp://[::ffff:192.0.2.1]:11347"};
    const char *bad[] = {"not-an-endpoint",   "tcp://::1:11347",   "tcp://[::1:11347",
                         "tcp://[::1]",       "tcp://[::1]11347",  "tcp://[::1]:0",
                         "tcp://[::1]:65536", "tcp://host:",       "tcp://host:12ab",
                         "tcp://:11347",      "tcp://1.2.3.4.5:1", "tcp://*:11347",
                         "udp://127.0.0.1:1", "tcp://bad host:1",  "tcp://[1.2.3.4]:1",
                         "tcp://host:+1",     "tcp://host:-1"};
    char err[300];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (nd_endpoint_check(good[i], "hub endpoint", 11347, err, sizeof err) != 0)
            fail_msg("'%s' refused: %s", good[i], err);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        if (nd_endpoint_check(bad[i], "hub endpoint", 11347, err, sizeof err) == 0)
            fail_msg("'%s' accepted", bad[i]);
        char want[64];
        snprintf(want, sizeof want, "invalid hub endpoint '%s'", bad[i]);
        if (!strstr(err, want))
            fail_msg("the error for '%s' does not name it: %s", bad[i], err);
    }
    nd_endpoint_check("tcp://2001:db8::1:11347", "hub endpoint", 11347, err, sizeof err);
    assert_non_null(strstr(err, "brackets"));
}

static void test_peers(void **state)
{
    (void)state;
    char host[INET6_ADDRSTRLEN], buf[80];
    int port = 0;
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &a6.sin6_addr);
    assert_true(nd_sockaddr_host((struct sockaddr *)&a6, host, sizeof host, &port));
    assert_string_equal(host, "192.0.2.7");
    assert_int_equal(port, 40000);
    inet_pton(AF_INET6, "2001:db8:0:0::7", &a6.sin6_addr);
    assert_true(nd_sockaddr_host((struct sockaddr *)&a6, host, sizeof host, &port));
    assert_string_equal(host, "2001:db8::7");
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(1)};
    inet_pton(AF_INET, "192.0.2.8", &a4.sin_addr);
    assert_true(nd_sockaddr_host((struct sockaddr *)&a4, host, sizeof host, &port));
    assert_string_equal(host, "192.0.2.8");
    assert_int_equal(port, 1);
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(nd_sockaddr_host(&other, host, sizeof host, &port));

    char h[64] = "::ffff:10.0.0.1";
    nd_host_unmap(h);
    assert_string_equal(h, "10.0.0.1");
    snprintf(h, sizeof h, "::ffff:1:2");
    nd_host_unmap(h);
    assert_string_equal(h, "::ffff:1:2");

    nd_host_port(buf, sizeof buf, "2001:db8::7", 40123);
    assert_string_equal(buf, "[2001:db8::7]:40123");
    nd_host_port(buf, sizeof buf, "192.0.2.7", 40123);
    assert_string_equal(buf, "192.0.2.7:40123");
    assert_int_equal(nd_endpoint_format(buf, sizeof buf, "[::1]", 11347), 17);
    assert_string_equal(buf, "tcp://[::1]:11347");
    assert_int_equal(nd_endpoint_format(buf, 8, "[::1]", 11347), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_good), cmocka_unit_test(test_check_bad),
        cmocka_unit_test(test_resolve),    cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_endpoints),  cmocka_unit_test(test_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
