/* SPDX-License-Identifier: MIT */
/* test_loss.c: nd_loss_t, an eater's per-topic loss counting (issue 18):
 * gaps in topic_sequence, tails from "$sent/" tables, a filtered eater that
 * sees only some topics, the whole stream counted when the hub's welcome says
 * the eater was there first, restarts counted as no loss, and hostile tables
 * (backwards, absurdly far ahead, not a map, bad names) counted as suspicious
 * without a negative or overflowing loss. The expected numbers are written
 * out by hand from each scenario. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/loss.h"
#include "netdumplings/payload.h"

static nd_dumpling_t s_d;

/* A decoded dumpling of chef/kitchen numbered `ts` on its topic. */
static const nd_dumpling_t *s_dumpling(const char *chef, const char *kitchen, uint64_t ts)
{
    nd_payload_t *p = nd_payload_new();
    nd_dumpling_meta_t meta = {.chef = chef,
                               .kitchen = kitchen,
                               .driver = ND_DRIVER_PACKET,
                               .creation_time = 1e12,
                               .sequence = ts,
                               .topic_sequence = ts};
    assert_int_equal(nd_dumpling_begin(p, &meta), 0);
    nd_pl_map(p);
    nd_pl_end(p);
    assert_int_equal(nd_dumpling_finish(p, NULL), 0);
    static uint8_t body[512];
    memcpy(body, nd_pl_data(p), nd_pl_size(p));
    char err[128];
    assert_int_equal(nd_dumpling_decode(&s_d, body, nd_pl_size(p), err, sizeof err), 0);
    nd_payload_destroy(&p);
    return &s_d;
}

/* A "$sent/<kitchen>" body: chefs[i] sent up to seqs[i]. */
static size_t s_table(uint8_t *out, const char *kitchen, const char *boot, double first_seen,
                      bool from_start, const char *const *chefs, const uint64_t *seqs, size_t n)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_map(p);
    nd_pl_kv_str(p, "kitchen", kitchen);
    nd_pl_kv_str(p, "boot_id", boot);
    nd_pl_kv_uint(p, "sequence", 0);
    nd_pl_key(p, "topics");
    nd_pl_map(p);
    for (size_t i = 0; i < n; i++)
        nd_pl_kv_uint(p, chefs[i], seqs[i]);
    nd_pl_end(p);
    nd_pl_kv_double(p, "first_seen", first_seen);
    nd_pl_kv_bool(p, "from_start", from_start);
    nd_pl_end(p);
    assert_null(nd_pl_error(p));
    size_t len = nd_pl_size(p);
    memcpy(out, nd_pl_data(p), len);
    nd_payload_destroy(&p);
    return len;
}

static uint64_t s_sent(nd_loss_t *l, const char *kitchen, const char *boot, const char *chef,
                       uint64_t seq)
{
    uint8_t buf[1024];
    const char *chefs[] = {chef};
    uint64_t seqs[] = {seq};
    size_t n = s_table(buf, kitchen, boot, 100.0, false, chefs, seqs, 1);
    return nd_loss_sent(l, kitchen, buf, n);
}

static void test_gaps_and_tail(void **state)
{
    nd_loss_t *l = nd_loss_new(NULL, 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 5)), 0); /* joined late */
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 6)), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 9)), 2);
    assert_int_equal(s_sent(l, "k", "b1", "A", 12), 3); /* 10, 11, 12 never came */
    assert_int_equal(s_sent(l, "k", "b1", "A", 12), 0); /* repeated: nothing new */
    assert_int_equal(s_sent(l, "k", "b1", "A", 11), 0); /* older, repeated: ignored */
    nd_loss_totals_t t;
    nd_loss_totals(l, &t);
    assert_int_equal(t.received, 3);
    assert_int_equal(t.lost, 5);
    assert_int_equal(t.suspicious, 0);
    uint64_t r, lost;
    assert_string_equal(nd_loss_kitchen(l, 0, &r, &lost), "k");
    assert_int_equal(r, 3);
    assert_int_equal(lost, 5);
    nd_loss_destroy(&l);
    assert_null(l);
}

/* A filtered eater: another chef's numbers on the same kitchen are not its
 * business, and its topics are counted on their own. */
static void test_filtered(void **state)
{
    const char *chefs[] = {"A"};
    nd_loss_t *l = nd_loss_new(chefs, 1);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 1)), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 2)), 0);
    uint8_t buf[1024];
    const char *both[] = {"A", "B"};
    uint64_t seqs[] = {4, 1000};
    size_t n = s_table(buf, "k", "b1", 100.0, false, both, seqs, 2);
    /* B is not subscribed: only A's 3 and 4 are lost. */
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 2);
    nd_loss_totals_t t;
    nd_loss_totals(l, &t);
    assert_int_equal(t.lost, 2);
    nd_loss_destroy(&l);
}

/* Registered before the kitchen's run began: its first dumplings count too. */
static void test_whole_stream(void **state)
{
    nd_loss_t *l = nd_loss_new(NULL, 0);
    nd_loss_joined(l, 50.0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 7)), 0);
    uint8_t buf[1024];
    const char *chefs[] = {"A", "B"};
    uint64_t seqs[] = {8, 3};
    size_t n = s_table(buf, "k", "b1", 60.0, true, chefs, seqs, 2);
    /* A: 1-6 before the first seen, 8 after it; B: 1-3, never seen. */
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 6 + 1 + 3);
    /* A kitchen the hub heard of before we registered: counted from here. */
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "old", 40)), 0);
    seqs[0] = 40;
    n = s_table(buf, "old", "b2", 10.0, true, chefs, seqs, 1);
    assert_int_equal(nd_loss_sent(l, "old", buf, n), 0);
    nd_loss_destroy(&l);
}

/* A stream of a whole kitchen that starts after the kitchen's first table
 * (its first dumplings dropped before it): what came before it is lost too. */
static void test_whole_stream_after_first_table(void **state)
{
    nd_loss_t *l = nd_loss_new(NULL, 0);
    nd_loss_joined(l, 50.0);
    uint8_t buf[1024];
    const char *chefs[] = {"A", "B"};
    uint64_t seqs[] = {2, 0};
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 1)), 0);
    size_t n = s_table(buf, "k", "b1", 60.0, true, chefs, seqs, 1); /* B not yet */
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 1);              /* A's 2 */
    /* B's first seen is 5: 1-4 were meant for us and never came. */
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("B", "k", 5)), 4);
    seqs[0] = 2;
    seqs[1] = 7;
    n = s_table(buf, "k", "b1", 60.0, true, chefs, seqs, 2);
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 2); /* B's 6, 7 */
    /* A kitchen that is not whole: a late stream counts from its first. */
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "old", 40)), 0);
    n = s_table(buf, "old", "b2", 10.0, true, chefs, (const uint64_t[]){40}, 1);
    assert_int_equal(nd_loss_sent(l, "old", buf, n), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("B", "old", 9)), 0);
    nd_loss_totals_t t;
    nd_loss_totals(l, &t);
    assert_int_equal(t.lost, 1 + 4 + 2);
    assert_int_equal(t.suspicious, 0);
    nd_loss_destroy(&l);
}

/* A new boot id, or numbers that go back: counting starts again, no loss. */
static void test_restart(void **state)
{
    nd_loss_t *l = nd_loss_new(NULL, 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 1)), 0);
    assert_int_equal(s_sent(l, "k", "b1", "A", 100), 99);
    assert_int_equal(s_sent(l, "k", "b2", "A", 3), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 4)), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 2)), 0); /* back: again */
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 3)), 0);
    nd_loss_totals_t t;
    nd_loss_totals(l, &t);
    assert_int_equal(t.lost, 99);
    assert_int_equal(t.restarts, 2);
    nd_loss_destroy(&l);
}

static void test_hostile(void **state)
{
    nd_loss_t *l = nd_loss_new(NULL, 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", 10)), 0);
    /* Absurdly far ahead: not believed. */
    assert_int_equal(s_sent(l, "k", "b1", "A", UINT64_MAX), 0);
    assert_int_equal(s_sent(l, "k", "b1", "A", 10 + 2000000000ULL), 0);
    assert_int_equal(nd_loss_dumpling(l, s_dumpling("A", "k", UINT64_MAX)), 0);
    /* Not a map, trailing bytes, a table for another kitchen, a bad chef name. */
    assert_int_equal(nd_loss_sent(l, "k", "\x01", 1), 0);
    assert_int_equal(nd_loss_sent(l, "k", "", 0), 0);
    uint8_t buf[1024];
    const char *chefs[] = {"A"};
    uint64_t seqs[] = {20};
    size_t n = s_table(buf, "other", "b1", 1.0, false, chefs, seqs, 1);
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 0);
    buf[n] = 0xc0;
    assert_int_equal(nd_loss_sent(l, "other", buf, n + 1), 0);
    const char *bad[] = {"no/slash"};
    n = s_table(buf, "k", "b1", 1.0, false, bad, seqs, 1);
    assert_int_equal(nd_loss_sent(l, "k", buf, n), 0);
    nd_loss_totals_t t;
    nd_loss_totals(l, &t);
    assert_int_equal(t.lost, 0);
    assert_int_equal(t.suspicious, 8);
    nd_loss_destroy(&l);
}

int main(void)
{
    nd_dumpling_init(&s_d);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaps_and_tail), cmocka_unit_test(test_filtered),
        cmocka_unit_test(test_whole_stream),  cmocka_unit_test(test_whole_stream_after_first_table),
        cmocka_unit_test(test_restart),       cmocka_unit_test(test_hostile),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nd_dumpling_release(&s_d);
    return rc;
}
