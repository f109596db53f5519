/* SPDX-License-Identifier: MIT */
/* test_proto_http.c: the HTTP request parser (common/proto/http.c) on the
 * shared capture (values from `tshark -r ndpi-http.pcapng -Y http.request
 * -T fields -e http.request.method -e http.host -e http.request.uri
 * -e http.request.version -e http.user_agent`), on hand-built requests, and
 * cut at every length. */
#include "test_proto_util.h"

#include "netdumplings/app.h"

static nd_http_request_t s_r;

/* Every cut: no over-read (ASan), and a result that never shows a field the
 * whole request does not have with another value. */
static void s_sweep(const uint8_t *data, size_t len)
{
    static nd_http_request_t whole;
    assert_int_equal(nd_http_request(data, len, &whole), ND_APP_OK);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, data, n);
        int rc = nd_http_request(copy, n, &s_r);
        free(copy);
        assert_true(rc == ND_APP_OK || rc == ND_APP_INCOMPLETE ||
                    (n == 0 && rc == ND_APP_NOT_MINE));
        if (rc == ND_APP_OK) {
            assert_string_equal(s_r.method, whole.method);
            assert_string_equal(s_r.path, whole.path);
            if (s_r.has_host)
                assert_string_equal(s_r.host, whole.host);
            if (s_r.has_user_agent)
                assert_string_equal(s_r.user_agent, whole.user_agent);
        }
    }
}

static void test_capture(void **state)
{
    t_load("ndpi-http.pcapng", 4);
    assert_int_equal(nd_http_request(t_pkt.l7, t_pkt.l7_len, &s_r), ND_APP_OK);
    assert_string_equal(s_r.method, "GET");
    assert_string_equal(s_r.path, "/");
    assert_string_equal(s_r.version, "HTTP/1.1");
    assert_true(s_r.has_host);
    assert_string_equal(s_r.host, "google.com");
    assert_true(s_r.has_user_agent);
    assert_string_equal(s_r.user_agent, "curl/7.68.0");
    assert_true(s_r.headers_complete);
    s_sweep(t_pkt.l7, t_pkt.l7_len);
    /* The capture's TLS and empty segments are not requests. */
    t_load("ndpi-tls_alert.pcap", 4);
    assert_int_equal(nd_http_request(t_pkt.l7, t_pkt.l7_len, &s_r), ND_APP_NOT_MINE);
}

static void test_hand_built(void **state)
{
    static const char req[] = "POST /a/b?c=d HTTP/1.0\r\n"
                              "user-AGENT:  x\x01y \t\r\n"
                              "HOST:example.org:8080\n"
                              "Host: second.example\r\n"
                              "\r\nbody";
    assert_int_equal(nd_http_request((const uint8_t *)req, sizeof req - 1, &s_r), ND_APP_OK);
    assert_string_equal(s_r.method, "POST");
    assert_string_equal(s_r.path, "/a/b?c=d");
    assert_string_equal(s_r.version, "HTTP/1.0");
    assert_string_equal(s_r.host, "example.org:8080"); /* the first one */
    assert_string_equal(s_r.user_agent, "x\\x01y");
    assert_true(s_r.headers_complete);
    s_sweep((const uint8_t *)req, sizeof req - 1);

    /* Where a request ends, for the next pipelined one. */
    static const char two[] =
        "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n";
    assert_int_equal(nd_http_request((const uint8_t *)two, sizeof two - 1, &s_r), ND_APP_OK);
    assert_true(s_r.headers_complete);
    assert_int_equal(s_r.head_len, 39);
    assert_true(s_r.has_content_length);
    assert_int_equal(s_r.content_length, 3);
    assert_false(s_r.body_unknown);
    static const char chunked[] = "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    assert_int_equal(nd_http_request((const uint8_t *)chunked, sizeof chunked - 1, &s_r),
                     ND_APP_OK);
    assert_true(s_r.body_unknown);
    static const char twolen[] =
        "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
    assert_int_equal(nd_http_request((const uint8_t *)twolen, sizeof twolen - 1, &s_r), ND_APP_OK);
    assert_true(s_r.body_unknown);

    /* An oversized target is cut and flagged. */
    static char big[4096];
    int n = snprintf(big, sizeof big, "GET /%02000d HTTP/1.1\r\n\r\n", 7);
    assert_int_equal(nd_http_request((const uint8_t *)big, (size_t)n, &s_r), ND_APP_OK);
    assert_true(s_r.path_truncated);
    assert_int_equal(strlen(s_r.path), ND_HTTP_PATH_MAX - 1);

    struct {
        const char *s;
        int rc;
    } cases[] = {
        {"", ND_APP_NOT_MINE},
        {"GE", ND_APP_INCOMPLETE},
        {"GET / HTTP/1.1", ND_APP_INCOMPLETE},
        /* Any token is a method when a well-formed line follows it. */
        {"FOO / HTTP/1.1\r\n", ND_APP_OK},
        {"PROPFIND /dav/ HTTP/1.1\r\n", ND_APP_OK},
        {"M-SEARCH * HTTP/1.1\r\n", ND_APP_OK},
        {"FOO / HTTP/2.0\r\n", ND_APP_NOT_MINE},
        {"FOO bar baz\r\n", ND_APP_NOT_MINE},
        {"FOO\t/ HTTP/1.1\r\n", ND_APP_NOT_MINE},
        {"HTTP/1.1 200 OK\r\n", ND_APP_NOT_MINE},
        {"GET / HTTP/2.0\r\n", ND_APP_MALFORMED},
        {"GET  HTTP/1.1\r\n", ND_APP_MALFORMED},
        {"GET /a b HTTP/1.1\r\n", ND_APP_MALFORMED},
        {"GET /\x80 HTTP/1.1\r\n", ND_APP_MALFORMED},
        {"GET / HTTP/1.1\r\n", ND_APP_OK},
        {"\x16\x03\x01", ND_APP_NOT_MINE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = nd_http_request((const uint8_t *)cases[i].s, strlen(cases[i].s), &s_r);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d", cases[i].s, rc, cases[i].rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_hand_built),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
