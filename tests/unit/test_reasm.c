/* SPDX-License-Identifier: MIT */
/* test_reasm.c: nd_reasm_*: a TCP flow's bytes in order, once each (first
 * copy wins), out-of-order segments held, holes given up after the hold time
 * or at a cap (and the parser told), unconsumed bytes kept, bodies skipped,
 * the table bounded, quiet flows forgotten, sequence numbers wrapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netdumplings/reasm.h"
#include "tcp_seg.h"

static nd_packet_t s_pkt;

/* A segment of flow `port` (10.0.0.1:port -> 10.0.0.2:80). */
static nd_packet_t *s_seg(uint16_t port, uint32_t seq, const char *bytes, uint8_t flags, double ts)
{
    return nd_test_tcp_seg(&s_pkt, port, seq, (const uint8_t *)bytes, strlen(bytes), flags, ts);
}

/* What the parser got: every byte consumed, a '|' where it was told of a gap. */
typedef struct {
    char got[4096];
    size_t len;
    size_t calls;
    size_t keep;   /* leave this many bytes unconsumed each call */
    size_t skip;   /* consume this many more than given, once */
    uint16_t port; /* the flow of the last call */
} s_sink_t;

static size_t s_fn(void *arg, const nd_reasm_flow_t *flow, const uint8_t *data, size_t len,
                   unsigned flags)
{
    s_sink_t *k = arg;
    k->calls++;
    k->port = flow->sport;
    if (flags & ND_REASM_GAP)
        k->got[k->len++] = '|';
    if (len <= k->keep)
        return 0;
    size_t n = len - k->keep;
    memcpy(k->got + k->len, data, n);
    k->len += n;
    k->got[k->len] = '\0';
    if (k->skip) {
        n += k->skip;
        k->skip = 0;
    }
    return n;
}

#define S_SYN 0x02
#define S_ACK 0x10
#define S_RST 0x04

static nd_reasm_t *s_new(size_t flows, size_t flow_bytes, size_t total)
{
    nd_reasm_limits_t lim = nd_reasm_defaults();
    if (flows)
        lim.max_flows = flows;
    if (flow_bytes)
        lim.flow_bytes = flow_bytes;
    if (total)
        lim.total_bytes = total;
    nd_reasm_t *r = nd_reasm_new(&lim);
    assert_non_null(r);
    return r;
}

static void test_in_order(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_reasm_packet(r, s_seg(1000, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 100, "GET / ", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 106, "HTTP/1.1", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 114, "", S_ACK, 1), s_fn, &k); /* a bare ACK */
    assert_string_equal(k.got, "GET / HTTP/1.1");
    assert_int_equal(k.calls, 2);
    assert_int_equal(k.port, 1000);
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_int_equal(s.segments, 2);
    assert_int_equal(s.bytes, 14);
    assert_int_equal(s.gaps, 0);
    assert_int_equal(s.memory, 0);
    nd_reasm_destroy(&r);
    assert_null(r);
    nd_reasm_destroy(&r);
}

static void test_out_of_order_and_overlaps(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_reasm_packet(r, s_seg(1000, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 110, "klmno", S_ACK, 1), s_fn, &k); /* held */
    nd_reasm_packet(r, s_seg(1000, 105, "fghij", S_ACK, 1), s_fn, &k); /* held */
    assert_int_equal(k.len, 0);
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_true(s.memory >= 10);
    /* An overlap with other bytes: the held ones came first and win. */
    nd_reasm_packet(r, s_seg(1000, 108, "XXXXXXXXXXqr", S_ACK, 1), s_fn, &k);
    assert_int_equal(k.len, 0);
    nd_reasm_packet(r, s_seg(1000, 100, "abcdeYYY", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "abcdefghijklmnoXXXqr");
    /* Retransmissions, whole or in part, with other bytes: the first copy wins. */
    nd_reasm_packet(r, s_seg(1000, 100, "ZZZZZ", S_ACK, 2), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 117, "ZZZst", S_ACK, 2), s_fn, &k);
    assert_string_equal(k.got, "abcdefghijklmnoXXXqrst");
    nd_reasm_stats(r, &s);
    assert_int_equal(s.retransmitted, 1);
    assert_int_equal(s.out_of_order, 3);
    assert_int_equal(s.gaps, 0);
    assert_int_equal(s.memory, 0);
    assert_true(s.memory_peak >= 20);
    nd_reasm_destroy(&r);
}

static void test_gap_given_up(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_reasm_packet(r, s_seg(1000, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 100, "ab", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 105, "fg", S_ACK, 1), s_fn, &k); /* cde lost */
    nd_reasm_packet(r, s_seg(1000, 107, "hi", S_ACK, 2), s_fn, &k);
    assert_string_equal(k.got, "ab");
    /* The hold time passes (capture time): delivery resumes after the hole. */
    nd_reasm_expire(r, 1 + ND_REASM_HOLD + 0.5, s_fn, &k);
    assert_string_equal(k.got, "ab|fghi");
    /* The hole's bytes arriving late are not read: they were given up. */
    nd_reasm_packet(r, s_seg(1000, 102, "cde", S_ACK, 5), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 109, "j", S_ACK, 5), s_fn, &k);
    assert_string_equal(k.got, "ab|fghij");
    /* The next segment after a long-held one gives it up too. */
    nd_reasm_packet(r, s_seg(1000, 120, "uv", S_ACK, 6), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 130, "zz", S_ACK, 6 + ND_REASM_HOLD + 1), s_fn, &k);
    assert_string_equal(k.got, "ab|fghij|uv");
    nd_reasm_expire(r, 20, s_fn, &k);
    assert_string_equal(k.got, "ab|fghij|uv|zz");
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_int_equal(s.gaps, 3);
    assert_int_equal(s.memory, 0);
    nd_reasm_destroy(&r);
}

static void test_midstream_and_rst(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    /* Picked up midway: the parser is told. */
    nd_reasm_packet(r, s_seg(1000, 5000, "mid", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 5003, "dle", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "|middle");
    /* An RST forgets the flow and what it held. */
    nd_reasm_packet(r, s_seg(1000, 5010, "held", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 5006, "", S_RST, 1), s_fn, &k);
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_int_equal(s.memory, 0);
    assert_int_equal(s.dropped_bytes, 4);
    /* A new SYN starts the flow again, without a gap. */
    nd_reasm_packet(r, s_seg(1000, 7000, "", S_SYN, 2), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 7001, "new", S_ACK, 2), s_fn, &k);
    assert_string_equal(k.got, "|middlenew");
    /* So does a segment 2^30 away (ports reused, the SYN missed). */
    nd_reasm_packet(r, s_seg(1000, 7004u + (1u << 31), "far", S_ACK, 2), s_fn, &k);
    assert_string_equal(k.got, "|middlenew|far");
    nd_reasm_destroy(&r);
}

static void test_unconsumed_and_skip(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_reasm_packet(r, s_seg(1000, 99, "", S_SYN, 1), s_fn, &k);
    /* The parser leaves 2 bytes each time: they come again, first. */
    k.keep = 2;
    nd_reasm_packet(r, s_seg(1000, 100, "abcd", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "ab");
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_true(s.memory >= 2);
    nd_reasm_packet(r, s_seg(1000, 104, "ef", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "abcd");
    /* Consuming more than given skips bytes still to come (a body). */
    k.keep = 0;
    k.skip = 5;
    nd_reasm_packet(r, s_seg(1000, 106, "gh", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "abcdefgh");
    nd_reasm_packet(r, s_seg(1000, 108, "12345ij", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "abcdefghij");
    /* A hole given up inside skipped bytes is no gap to the parser. */
    k.skip = 9; /* the 4 bytes of the hole and "67890" */
    nd_reasm_packet(r, s_seg(1000, 115, "k", S_ACK, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 120, "67890lm", S_ACK, 1), s_fn, &k);
    nd_reasm_expire(r, 1 + ND_REASM_HOLD + 1, s_fn, &k);
    assert_string_equal(k.got, "abcdefghijklm");
    nd_reasm_stats(r, &s);
    assert_int_equal(s.gaps, 1);
    assert_int_equal(s.memory, 0);
    nd_reasm_destroy(&r);
}

static void test_caps(void **state)
{
    (void)state;
    s_sink_t k = {0};
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    /* 256 bytes per flow, 400 in all. */
    nd_reasm_t *r = s_new(0, 256, 400);
    nd_reasm_packet(r, s_seg(1000, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 110, big, S_ACK, 1), s_fn, &k); /* 199 held */
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_true(s.memory <= 256);
    assert_int_equal(k.len, 0);
    /* Another 199 would pass the flow's cap: the hole is given up. */
    nd_reasm_packet(r, s_seg(1000, 400, big, S_ACK, 1), s_fn, &k);
    assert_int_equal(k.len, 1 + 199);
    assert_int_equal(k.got[0], '|');
    nd_reasm_stats(r, &s);
    assert_int_equal(s.cap_hits, 1);
    assert_int_equal(s.gaps, 1);
    assert_true(s.memory <= 256 && s.memory_peak <= 256);
    /* A second flow: the total cap gives up its hole in turn. */
    nd_reasm_packet(r, s_seg(2000, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(2000, 110, big, S_ACK, 1), s_fn, &k);
    nd_reasm_stats(r, &s);
    assert_int_equal(s.cap_hits, 2);
    assert_true(s.memory <= 400 && s.memory_peak <= 400);
    /* A parser that never consumes: a full flow's bytes are dropped. */
    k.keep = 100000;
    nd_reasm_packet(r, s_seg(3000, 99, "", S_SYN, 1), s_fn, &k);
    for (uint32_t i = 0; i < 4; i++)
        nd_reasm_packet(r, s_seg(3000, 100 + i * 199, big, S_ACK, 1), s_fn, &k);
    nd_reasm_stats(r, &s);
    assert_true(s.cap_hits >= 3);
    assert_true(s.dropped_bytes >= 199);
    assert_true(s.memory <= 400 && s.memory_peak <= 400);
    nd_reasm_destroy(&r);
}

static void test_eviction_and_idle(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(2, 0, 0);
    nd_reasm_packet(r, s_seg(1, 99, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1, 105, "later", S_ACK, 1), s_fn, &k); /* held */
    nd_reasm_packet(r, s_seg(2, 99, "", S_SYN, 2), s_fn, &k);
    nd_reasm_packet(r, s_seg(2, 100, "two", S_ACK, 2), s_fn, &k);
    assert_string_equal(k.got, "two");
    /* A third flow evicts the first, whose held bytes are delivered. */
    nd_reasm_packet(r, s_seg(3, 99, "", S_SYN, 3), s_fn, &k);
    assert_string_equal(k.got, "two|later");
    assert_int_equal(k.port, 1);
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_int_equal(s.evicted, 1);
    assert_int_equal(s.memory, 0);
    /* Quiet for longer than the idle time: forgotten, held bytes delivered. */
    nd_reasm_packet(r, s_seg(3, 110, "three", S_ACK, 3), s_fn, &k);
    nd_reasm_expire(r, 3 + ND_REASM_IDLE + 1, s_fn, &k);
    assert_string_equal(k.got, "two|later|three");
    nd_reasm_stats(r, &s);
    assert_int_equal(s.timeouts, 2);
    /* Its next segment starts it afresh, midway. */
    nd_reasm_packet(r, s_seg(3, 115, "again", S_ACK, 400), s_fn, &k);
    assert_string_equal(k.got, "two|later|three|again");
    nd_reasm_destroy(&r);
}

static void test_wraparound(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_reasm_packet(r, s_seg(1000, 0xfffffffa, "", S_SYN, 1), s_fn, &k);
    nd_reasm_packet(r, s_seg(1000, 0x00000001, "ghij", S_ACK, 1), s_fn, &k); /* held */
    nd_reasm_packet(r, s_seg(1000, 0xfffffffb, "abcd", S_ACK, 1), s_fn, &k);
    assert_string_equal(k.got, "abcd");
    nd_reasm_packet(r, s_seg(1000, 0xffffffff, "ef", S_ACK, 1), s_fn, &k);    /* wraps */
    nd_reasm_packet(r, s_seg(1000, 0xfffffffd, "XXXXX", S_ACK, 1), s_fn, &k); /* seen */
    assert_string_equal(k.got, "abcdefghij");
    nd_reasm_stats_t s;
    nd_reasm_stats(r, &s);
    assert_int_equal(s.gaps, 0);
    assert_int_equal(s.retransmitted, 1);
    assert_int_equal(s.memory, 0);
    nd_reasm_destroy(&r);
}

static void test_not_tcp(void **state)
{
    (void)state;
    s_sink_t k = {0};
    nd_reasm_t *r = s_new(0, 0, 0);
    nd_packet_t *p = s_seg(53, 0, "udp", 0, 1);
    p->layers = 1u << ND_L_IPV4 | 1u << ND_L_UDP;
    nd_reasm_packet(r, p, s_fn, &k);
    assert_int_equal(k.calls, 0);
    nd_reasm_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order_and_overlaps),
        cmocka_unit_test(test_gap_given_up),
        cmocka_unit_test(test_midstream_and_rst),
        cmocka_unit_test(test_unconsumed_and_skip),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_eviction_and_idle),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_not_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
