/* SPDX-License-Identifier: MIT */
/* test_stream.c: nd_stream_fresh(): each byte of a TCP flow read once,
 * first copy wins, out-of-order segments read when they fill a hole, and the
 * table bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netdumplings/stream.h"
#include "tcp_seg.h"

static nd_packet_t s_pkt;
static uint8_t s_bytes[1500];

/* A segment of flow `port` (10.0.0.1:port -> 10.0.0.2:80) at seq, len bytes. */
static nd_packet_t *s_seg(uint16_t port, uint32_t seq, size_t len, uint8_t flags, double ts)
{
    return nd_test_tcp_seg(&s_pkt, port, seq, s_bytes, len, flags, ts);
}

static void test_in_order_and_retransmitted(void **state)
{
    nd_stream_t *st = nd_stream_new(16);
    assert_non_null(st);
    assert_false(nd_stream_fresh(st, s_seg(1000, 99, 0, 0x02, 1))); /* SYN */
    assert_true(nd_stream_fresh(st, s_seg(1000, 100, 10, 0x18, 1)));
    assert_true(nd_stream_fresh(st, s_seg(1000, 110, 10, 0x18, 1)));
    assert_false(nd_stream_fresh(st, s_seg(1000, 110, 10, 0x18, 2))); /* again */
    assert_false(nd_stream_fresh(st, s_seg(1000, 105, 20, 0x18, 2))); /* overlap: first wins */
    assert_false(nd_stream_fresh(st, s_seg(1000, 125, 0, 0x10, 2)));  /* a bare ACK */
    assert_true(nd_stream_fresh(st, s_seg(1000, 125, 5, 0x18, 2)));
    /* The other direction is another flow. */
    nd_packet_t *back = s_seg(1000, 110, 10, 0x18, 2);
    back->sport = 80;
    back->dport = 1000;
    assert_true(nd_stream_fresh(st, back));
    nd_stream_stats_t s = nd_stream_stats(st);
    assert_int_equal(s.retransmitted, 2);
    assert_int_equal(s.gaps, 0);
    nd_stream_destroy(&st);
    assert_null(st);
    nd_stream_destroy(&st);
}

static void test_holes(void **state)
{
    nd_stream_t *st = nd_stream_new(16);
    assert_true(nd_stream_fresh(st, s_seg(1, 1000, 100, 0x18, 1)));
    assert_true(nd_stream_fresh(st, s_seg(1, 1300, 100, 0x18, 1))); /* hole 1100..1300 */
    assert_true(nd_stream_fresh(st, s_seg(1, 1200, 100, 0x18, 1))); /* fills 1200..1300 */
    assert_false(nd_stream_fresh(st, s_seg(1, 1200, 100, 0x18, 1)));
    assert_true(nd_stream_fresh(st, s_seg(1, 1100, 50, 0x18, 1))); /* 1150..1200 left */
    assert_true(nd_stream_fresh(st, s_seg(1, 1150, 50, 0x18, 1)));
    assert_false(nd_stream_fresh(st, s_seg(1, 1100, 100, 0x18, 1)));
    nd_stream_stats_t s = nd_stream_stats(st);
    assert_int_equal(s.gaps, 1);
    assert_int_equal(s.filled, 3);
    assert_int_equal(s.retransmitted, 2);
    /* More holes than are kept: the oldest is given up (its bytes, when they
     * come, are taken for retransmissions). */
    for (uint32_t i = 0; i < ND_STREAM_HOLES + 2; i++)
        assert_true(nd_stream_fresh(st, s_seg(1, 2000 + 100 * i, 10, 0x18, 1)));
    s = nd_stream_stats(st);
    assert_int_equal(s.holes_dropped, 2);
    assert_false(nd_stream_fresh(st, s_seg(1, 1500, 10, 0x18, 1)));
    assert_true(
        nd_stream_fresh(st, s_seg(1, 2000 + 100 * (ND_STREAM_HOLES + 1) - 50, 10, 0x18, 1)));
    nd_stream_destroy(&st);
}

static void test_wrap_restart_and_bound(void **state)
{
    nd_stream_t *st = nd_stream_new(4);
    /* Across 2^32. */
    assert_true(nd_stream_fresh(st, s_seg(7, 0xfffffff0u, 0x20, 0x18, 1)));
    assert_true(nd_stream_fresh(st, s_seg(7, 0x10, 0x10, 0x18, 1)));
    assert_false(nd_stream_fresh(st, s_seg(7, 0xfffffff8u, 0x10, 0x18, 1)));
    /* A new SYN, a far jump and a long idle each start the flow afresh. */
    assert_false(nd_stream_fresh(st, s_seg(7, 5, 0, 0x02, 2)));
    assert_true(nd_stream_fresh(st, s_seg(7, 6, 10, 0x18, 2)));
    assert_true(nd_stream_fresh(st, s_seg(7, 0x80000000u, 10, 0x18, 2)));
    assert_true(nd_stream_fresh(st, s_seg(7, 0x80000000u, 10, 0x18, 2 + ND_STREAM_IDLE + 1)));
    /* Only 4 flows: the least recently seen is forgotten, and then read
     * afresh. */
    for (uint16_t p = 100; p < 110; p++)
        assert_true(nd_stream_fresh(st, s_seg(p, 1, 10, 0x18, 500)));
    assert_int_equal(nd_stream_stats(st).evicted, 7);
    assert_true(nd_stream_fresh(st, s_seg(100, 1, 10, 0x18, 500)));
    /* Not TCP, or no payload: never fresh. */
    nd_packet_t *u = s_seg(9, 1, 10, 0, 500);
    u->layers = 1u << ND_L_IPV4 | 1u << ND_L_UDP;
    assert_false(nd_stream_fresh(st, u));
    nd_stream_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_and_retransmitted),
        cmocka_unit_test(test_holes),
        cmocka_unit_test(test_wrap_restart_and_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
