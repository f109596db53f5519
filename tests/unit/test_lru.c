/* SPDX-License-Identifier: MIT */
/* test_lru.c: nd_lru_t, the bounded least-recently-used map: hits, misses,
 * eviction order and count, iteration order, reset, long and odd keys, many
 * keys, entry reuse once full, and the warning when a table starts forgetting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netdumplings/log.h"
#include "netdumplings/lru.h"

#include "capture_stderr.h"

typedef struct {
    uint64_t count;
    double latest;
} s_val_t;

static s_val_t *s_get(nd_lru_t *lru, const char *key, bool *inserted)
{
    return nd_lru_get(lru, key, strlen(key), inserted);
}

/* The keys from least to most recently used, joined with spaces. */
static void s_order(nd_lru_t *lru, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (void *v = nd_lru_first(lru); v; v = nd_lru_next(lru)) {
        size_t len;
        const char *key = nd_lru_cursor(lru, &len);
        assert_non_null(key);
        o += (size_t)snprintf(out + o, outlen - o, "%s%.*s", o ? " " : "", (int)len, key);
        assert_true(o < outlen);
    }
    assert_null(nd_lru_cursor(lru, NULL));
}

static void test_new_and_destroy(void **state)
{
    assert_null(nd_lru_new(0, 8));
    nd_lru_destroy(NULL);
    nd_lru_t *lru = NULL;
    nd_lru_destroy(&lru);
    lru = nd_lru_new(1, 0);
    assert_non_null(lru);
    assert_int_equal(nd_lru_size(lru), 0);
    assert_int_equal(nd_lru_max(lru), 1);
    assert_int_equal(nd_lru_evicted(lru), 0);
    assert_null(nd_lru_first(lru));
    assert_null(nd_lru_next(lru));
    assert_null(nd_lru_cursor(lru, NULL));
    nd_lru_destroy(&lru);
    assert_null(lru);
}

static void test_insert_and_hit(void **state)
{
    nd_lru_t *lru = nd_lru_new(10, sizeof(s_val_t));
    bool inserted = false;
    assert_null(nd_lru_find(lru, "a", 1));
    s_val_t *a = s_get(lru, "a", &inserted);
    assert_non_null(a);
    assert_true(inserted);
    assert_int_equal(a->count, 0); /* zeroed */
    assert_true(a->latest == 0.0);
    assert_true((uintptr_t)a % _Alignof(max_align_t) == 0);
    a->count = 7;
    a->latest = 1.5;
    assert_ptr_equal(s_get(lru, "a", &inserted), a);
    assert_false(inserted);
    assert_ptr_equal(nd_lru_find(lru, "a", 1), a);
    assert_int_equal(((s_val_t *)nd_lru_find(lru, "a", 1))->count, 7);
    assert_null(nd_lru_find(lru, "ab", 2));
    assert_null(nd_lru_find(lru, "", 0));
    s_val_t *b = s_get(lru, "b", NULL); /* inserted may be NULL */
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(nd_lru_size(lru), 2);
    assert_int_equal(nd_lru_evicted(lru), 0);
    nd_lru_destroy(&lru);
}

static void test_eviction_order(void **state)
{
    char order[256];
    nd_lru_t *lru = nd_lru_new(3, sizeof(s_val_t));
    s_get(lru, "a", NULL)->count = 1;
    s_get(lru, "b", NULL)->count = 2;
    s_get(lru, "c", NULL)->count = 3;
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "a b c");
    s_get(lru, "a", NULL); /* a refreshed */
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "b c a");
    bool inserted = false;
    s_val_t *d = s_get(lru, "d", &inserted); /* evicts b, the least recently used */
    assert_true(inserted);
    assert_int_equal(d->count, 0); /* a recycled entry comes back zeroed */
    assert_int_equal(nd_lru_evicted(lru), 1);
    assert_null(nd_lru_find(lru, "b", 1));
    assert_int_equal(nd_lru_size(lru), 3);
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "c a d");
    assert_non_null(nd_lru_find(lru, "c", 1)); /* find touches too */
    s_get(lru, "e", NULL);                     /* evicts a */
    assert_int_equal(nd_lru_evicted(lru), 2);
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "d c e");
    assert_int_equal(((s_val_t *)nd_lru_find(lru, "c", 1))->count, 3);
    /* A hit on the newest changes nothing; a miss on find evicts nothing. */
    s_get(lru, "c", NULL);
    assert_null(nd_lru_find(lru, "zz", 2));
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "d e c");
    assert_int_equal(nd_lru_evicted(lru), 2);

    /* A table of one: every new key evicts the last. */
    nd_lru_t *one = nd_lru_new(1, sizeof(s_val_t));
    s_get(one, "x", NULL);
    s_get(one, "x", NULL);
    s_get(one, "y", NULL);
    s_get(one, "z", NULL);
    s_order(one, order, sizeof order);
    assert_string_equal(order, "z");
    assert_int_equal(nd_lru_evicted(one), 2);
    nd_lru_destroy(&one);
    nd_lru_destroy(&lru);
}

static void test_iteration(void **state)
{
    char order[256];
    nd_lru_t *lru = nd_lru_new(8, sizeof(s_val_t));
    const char *keys[] = {"one", "two", "three", "four"};
    for (int i = 0; i < 4; i++)
        s_get(lru, keys[i], NULL)->count = (uint64_t)i + 1;
    /* Values and keys in order, and iterating twice changes nothing. */
    for (int round = 0; round < 2; round++) {
        int i = 0;
        for (s_val_t *v = nd_lru_first(lru); v; v = nd_lru_next(lru), i++) {
            size_t len = 0;
            const char *key = nd_lru_cursor(lru, &len);
            assert_int_equal(len, strlen(keys[i]));
            assert_memory_equal(key, keys[i], len);
            assert_int_equal(v->count, (uint64_t)i + 1);
        }
        assert_int_equal(i, 4);
    }
    assert_null(nd_lru_next(lru)); /* past the end stays there */
    /* A lookup ends the iteration rather than leaving a stale cursor. */
    assert_non_null(nd_lru_first(lru));
    s_get(lru, "one", NULL);
    assert_null(nd_lru_cursor(lru, NULL));
    assert_null(nd_lru_next(lru));
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "two three four one");
    nd_lru_destroy(&lru);
}

static void test_reset(void **state)
{
    char order[256];
    nd_lru_t *lru = nd_lru_new(2, sizeof(s_val_t));
    s_get(lru, "a", NULL)->count = 5;
    s_get(lru, "b", NULL);
    s_get(lru, "c", NULL);
    assert_int_equal(nd_lru_evicted(lru), 1);
    assert_non_null(nd_lru_first(lru));
    nd_lru_reset(lru);
    assert_int_equal(nd_lru_size(lru), 0);
    assert_int_equal(nd_lru_evicted(lru), 0);
    assert_null(nd_lru_cursor(lru, NULL));
    assert_null(nd_lru_first(lru));
    assert_null(nd_lru_find(lru, "b", 1));
    assert_null(nd_lru_find(lru, "c", 1));
    /* Reused as new: values zeroed, bound and eviction as before. */
    bool inserted = false;
    s_val_t *c = s_get(lru, "c", &inserted);
    assert_true(inserted);
    assert_int_equal(c->count, 0);
    s_get(lru, "a", NULL);
    s_get(lru, "d", NULL);
    s_order(lru, order, sizeof order);
    assert_string_equal(order, "a d");
    assert_int_equal(nd_lru_evicted(lru), 1);
    nd_lru_reset(lru);
    nd_lru_reset(lru); /* twice, and on empty, is fine */
    assert_int_equal(nd_lru_size(lru), 0);
    nd_lru_destroy(&lru);
}

static void test_long_and_odd_keys(void **state)
{
    /* Lengths around the inline limit and far past it, keys that differ only
     * in their last byte, keys with NULs, and the empty key. */
    size_t lens[] = {
        0,    1,   ND_LRU_INLINE_KEY - 1, ND_LRU_INLINE_KEY, ND_LRU_INLINE_KEY + 1, 255, 256,
        1024, 5000};
    size_t nlens = sizeof lens / sizeof lens[0];
    unsigned char *key = malloc(5000);
    assert_non_null(key);
    nd_lru_t *lru = nd_lru_new(64, sizeof(s_val_t));
    for (size_t i = 0; i < nlens; i++) {
        for (int last = 0; last < 2; last++) {
            memset(key, 'x', lens[i]);
            if (lens[i] > 2)
                key[lens[i] / 2] = '\0';
            if (lens[i])
                key[lens[i] - 1] = (unsigned char)('A' + last);
            else if (last)
                continue;
            bool inserted = false;
            s_val_t *v = nd_lru_get(lru, key, lens[i], &inserted);
            assert_non_null(v);
            assert_true(inserted);
            v->count = i * 2 + (size_t)last + 1;
        }
    }
    assert_int_equal(nd_lru_size(lru), nlens * 2 - 1);
    for (size_t i = 0; i < nlens; i++) {
        for (int last = 0; last < 2; last++) {
            if (!lens[i] && last)
                continue;
            memset(key, 'x', lens[i]);
            if (lens[i] > 2)
                key[lens[i] / 2] = '\0';
            if (lens[i])
                key[lens[i] - 1] = (unsigned char)('A' + last);
            s_val_t *v = nd_lru_find(lru, key, lens[i]);
            assert_non_null(v);
            assert_int_equal(v->count, i * 2 + (size_t)last + 1);
            /* One byte shorter is another key (or absent). */
            if (lens[i] > 1) {
                s_val_t *shorter = nd_lru_find(lru, key, lens[i] - 1);
                assert_true(shorter != v);
            }
        }
    }
    nd_lru_destroy(&lru);

    /* Long keys recycled into entries that held shorter or longer ones. */
    lru = nd_lru_new(3, sizeof(s_val_t));
    for (int round = 0; round < 50; round++) {
        size_t len = (size_t)(round * 97 % 3000) + 1;
        memset(key, 'a' + round % 26, len);
        key[0] = (unsigned char)round;
        s_val_t *v = nd_lru_get(lru, key, len, NULL);
        assert_non_null(v);
        v->count = len;
        size_t got = 0;
        /* The newest entry's key is the one just added, byte for byte. */
        for (void *it = nd_lru_first(lru); it; it = nd_lru_next(lru)) {
            const unsigned char *k = nd_lru_cursor(lru, &got);
            if (it == v) {
                assert_int_equal(got, len);
                assert_memory_equal(k, key, len);
            }
            assert_int_equal(((s_val_t *)it)->count, got);
        }
    }
    assert_int_equal(nd_lru_evicted(lru), 47);
    nd_lru_destroy(&lru);
    free(key);
}

static void test_many_keys(void **state)
{
    enum { MAX = 1000, KEYS = 100000 };
    char key[32], order_key[32];
    nd_lru_t *lru = nd_lru_new(MAX, sizeof(s_val_t));
    /* Every value pointer a full table ever handed out: once full, new keys
     * reuse those entries instead of allocating. */
    void **seen = calloc(MAX, sizeof *seen);
    assert_non_null(seen);
    for (int i = 0; i < KEYS; i++) {
        int n = snprintf(key, sizeof key, "host-%d.example", i);
        bool inserted = false;
        s_val_t *v = nd_lru_get(lru, key, (size_t)n, &inserted);
        assert_non_null(v);
        assert_true(inserted);
        v->count = (uint64_t)i;
        if (i < MAX) {
            seen[i] = v;
        } else if (i % 997 == 0) { /* spot checks: the search is O(MAX) */
            bool reused = false;
            for (int k = 0; k < MAX && !reused; k++)
                reused = seen[k] == v;
            assert_true(reused);
        }
    }
    assert_int_equal(nd_lru_size(lru), MAX);
    assert_int_equal(nd_lru_evicted(lru), KEYS - MAX);
    /* The last MAX keys, oldest first. */
    int i = KEYS - MAX;
    for (s_val_t *v = nd_lru_first(lru); v; v = nd_lru_next(lru), i++) {
        size_t len;
        const char *k = nd_lru_cursor(lru, &len);
        int n = snprintf(order_key, sizeof order_key, "host-%d.example", i);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(k, order_key, len);
        assert_int_equal(v->count, (uint64_t)i);
    }
    assert_int_equal(i, KEYS);
    for (i = 0; i < KEYS; i++) {
        int n = snprintf(key, sizeof key, "host-%d.example", i);
        s_val_t *v = nd_lru_find(lru, key, (size_t)n);
        if (i < KEYS - MAX)
            assert_null(v);
        else
            assert_int_equal(v->count, (uint64_t)i);
    }
    free(seen);
    nd_lru_destroy(&lru);

    /* A big table filled to its bound evicts nothing and finds everything. */
    lru = nd_lru_new(50000, 0);
    for (i = 0; i < 50000; i++) {
        uint32_t k = (uint32_t)i * 2654435761u;
        assert_non_null(nd_lru_get(lru, &k, sizeof k, NULL));
    }
    assert_int_equal(nd_lru_size(lru), 50000);
    assert_int_equal(nd_lru_evicted(lru), 0);
    for (i = 0; i < 50000; i++) {
        uint32_t k = (uint32_t)i * 2654435761u;
        bool inserted = true;
        assert_non_null(nd_lru_get(lru, &k, sizeof k, &inserted));
        assert_false(inserted);
    }
    nd_lru_destroy(&lru);
}

/* A named table warns on its first eviction, once for a burst of them; an
 * unnamed one never does. */
static void test_eviction_warning(void **state)
{
    (void)state;
    nd_log_setup("test_lru", ND_LOG_INFO);
    for (int named = 0; named < 2; named++) {
        nd_lru_t *t = nd_lru_new(2, sizeof(s_val_t));
        assert_non_null(t);
        if (named)
            nd_lru_warn_evictions(t, "TestChef", "names");
        s_capture_t cap;
        s_capture_begin(&cap);
        assert_non_null(nd_lru_get(t, "a", 1, NULL));
        assert_non_null(nd_lru_get(t, "b", 1, NULL));
        const char *log = s_capture_end(&cap);
        assert_null(strstr(log, "table full")); /* not full yet */
        s_capture_begin(&cap);
        for (int i = 0; i < 10; i++) {
            char key[8];
            snprintf(key, sizeof key, "k%d", i);
            assert_non_null(nd_lru_get(t, key, strlen(key), NULL));
        }
        log = s_capture_end(&cap);
        assert_int_equal(nd_lru_evicted(t), 10);
        if (named) {
            const char *w = strstr(log, "TestChef: table full (2 names), 1 evicted so far");
            assert_non_null(w);
            assert_null(
                strstr(w + strlen("TestChef: table full"), "table full")); /* once a minute */
        } else {
            assert_null(strstr(log, "table full"));
        }
        nd_lru_destroy(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_destroy), cmocka_unit_test(test_insert_and_hit),
        cmocka_unit_test(test_eviction_order),  cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_reset),           cmocka_unit_test(test_long_and_odd_keys),
        cmocka_unit_test(test_many_keys),       cmocka_unit_test(test_eviction_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
