/* SPDX-License-Identifier: MIT */
/* test_json_text.c: nd_dumpling_json_text (common/json_text.c) writes exactly
 * the bytes jansson writes for nd_dumpling_to_json, the oracle: on hand-made
 * edge cases, on randomised msgpack objects from a fixed seed, on many doubles,
 * and on every dumpling the built-in chefs make from every test capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <pcap/pcap.h>

#include "builtin.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"
#include "netdumplings/packet.h"

static long s_compared;

/* Both paths, both time units, and the flags every caller uses. */
static void s_compare(const nd_dumpling_t *d)
{
    static nd_strbuf_t mine;
    for (int seconds = 0; seconds < 2; seconds++) {
        json_t *j = nd_dumpling_to_json(d, seconds);
        mine.len = 0;
        int rc = nd_dumpling_json_text(d, seconds, &mine);
        if (!j) {
            assert_int_equal(rc, -1);
            continue;
        }
        char *ref = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *ref2 = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        assert_non_null(ref);
        assert_int_equal(rc, 0);
        if (strlen(ref) != mine.len || memcmp(ref, mine.data, mine.len) != 0)
            fail_msg("differs:\n jansson: %s\n ours:    %s", ref, mine.data);
        assert_string_equal(ref, ref2);
        assert_int_equal(mine.data[mine.len], '\0');
        free(ref);
        free(ref2);
        s_compared++;
    }
    /* The payload alone, as nd_msgpack_to_json + JSON_ENCODE_ANY. */
    json_t *p = nd_msgpack_to_json(&d->payload);
    mine.len = 0;
    int rc = nd_msgpack_json_text(&d->payload, &mine);
    if (!p) {
        assert_int_equal(rc, -1);
        return;
    }
    char *ref = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(p);
    assert_int_equal(rc, 0);
    if (strcmp(ref, mine.data) != 0)
        fail_msg("payload differs:\n jansson: %s\n ours:    %s", ref, mine.data);
    free(ref);
}

/* Decodes a body and, when valid, compares. Returns whether it was valid. */
static bool s_check_body(const void *body, size_t len)
{
    static nd_dumpling_t d;
    static bool init;
    if (!init) {
        nd_dumpling_init(&d);
        init = true;
    }
    char err[128];
    if (nd_dumpling_decode(&d, body, len, err, sizeof err) != 0)
        return false;
    s_compare(&d);
    return true;
}

/* ---- Building bodies with msgpack-c ------------------------------------- */

static void s_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}
#define S_STR(pk, lit) s_pack_str(pk, lit, sizeof lit - 1)

/* metadata with `extra` more entries the caller packs after, then "payload"
 * and its value, which the caller packs too. */
static void s_begin(msgpack_packer *pk, double ct, int extra)
{
    msgpack_pack_map(pk, 2);
    S_STR(pk, "metadata");
    msgpack_pack_map(pk, (size_t)(5 + extra));
    S_STR(pk, "chef");
    S_STR(pk, "TestChef");
    S_STR(pk, "kitchen");
    S_STR(pk, "k1");
    S_STR(pk, "creation_time");
    msgpack_pack_double(pk, ct);
    S_STR(pk, "driver");
    S_STR(pk, "packet");
    S_STR(pk, "sequence");
    msgpack_pack_uint64(pk, 42);
}

/* ---- Hand-made edge cases ------------------------------------------------ */

static void test_edges(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

    /* Every scalar kind, extensions in the metadata, escapes. */
    s_begin(&pk, 1764128356123.4561, 2);
    S_STR(&pk, "host/name");
    S_STR(&pk, "a/b \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    S_STR(&pk, "dup");
    msgpack_pack_nil(&pk);
    S_STR(&pk, "payload");
    msgpack_pack_array(&pk, 30);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_uint64(&pk, (uint64_t)INT64_MAX);
    msgpack_pack_uint64(&pk, (uint64_t)INT64_MAX + 1);
    msgpack_pack_int64(&pk, INT64_MIN);
    msgpack_pack_int64(&pk, -1);
    msgpack_pack_double(&pk, NAN);
    msgpack_pack_double(&pk, INFINITY);
    msgpack_pack_double(&pk, -INFINITY);
    msgpack_pack_double(&pk, 0.0);
    msgpack_pack_double(&pk, -0.0);
    msgpack_pack_double(&pk, 1.0);
    msgpack_pack_double(&pk, 0.1);
    msgpack_pack_double(&pk, 1e17);
    msgpack_pack_double(&pk, 1e-5);
    msgpack_pack_double(&pk, 5e-324);
    msgpack_pack_double(&pk, 1.7976931348623157e308);
    msgpack_pack_float(&pk, 0.1f);
    msgpack_pack_double(&pk, 99999999999999999.0);
    msgpack_pack_double(&pk, 0.0001);
    msgpack_pack_double(&pk, 0.000099999999999999991);
    const char esc[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f end";
    s_pack_str(&pk, esc, sizeof esc - 1);
    s_pack_str(&pk, "nul\0inside", 10);
    s_pack_str(&pk, "", 0);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_array(&pk, 0);
    /* Integer keys, duplicate keys (first place, last value), "1" vs 1. */
    msgpack_pack_map(&pk, 7);
    msgpack_pack_uint64(&pk, 1);
    S_STR(&pk, "one");
    msgpack_pack_int64(&pk, -7);
    S_STR(&pk, "minus seven");
    S_STR(&pk, "1");
    S_STR(&pk, "string one");
    S_STR(&pk, "k\"ey\n");
    msgpack_pack_true(&pk);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_nil(&pk);
    S_STR(&pk, "k\"ey\n");
    msgpack_pack_false(&pk);
    s_pack_str(&pk, "n\0l", 3);
    msgpack_pack_nil(&pk);
    assert_true(s_check_body(sb.data, sb.size));

    /* A big map with duplicates (the hashed path), and one without. */
    for (int withdup = 0; withdup < 2; withdup++) {
        msgpack_sbuffer_clear(&sb);
        s_begin(&pk, 1.0, 0);
        S_STR(&pk, "payload");
        msgpack_pack_map(&pk, 300);
        for (int i = 0; i < 300; i++) {
            char k[16];
            int n = snprintf(k, sizeof k, "k%d", withdup ? i % 97 : i);
            if (i % 5 == 0)
                msgpack_pack_uint64(&pk, (uint64_t)(withdup ? i % 97 : i + 1000));
            else
                s_pack_str(&pk, k, (size_t)n);
            msgpack_pack_int(&pk, i);
        }
        assert_true(s_check_body(sb.data, sb.size));
    }

    /* Integer creation_time, interval driver, deep nesting. */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    S_STR(&pk, "payload");
    for (int i = 0; i < ND_DUMPLING_MAX_DEPTH - 2; i++) {
        msgpack_pack_map(&pk, 1);
        S_STR(&pk, "d");
    }
    msgpack_pack_array(&pk, 1);
    msgpack_pack_double(&pk, 2.5);
    S_STR(&pk, "metadata");
    msgpack_pack_map(&pk, 4);
    S_STR(&pk, "driver");
    S_STR(&pk, "interval");
    S_STR(&pk, "creation_time");
    msgpack_pack_uint64(&pk, 1764128356123);
    S_STR(&pk, "kitchen");
    S_STR(&pk, "k.2");
    S_STR(&pk, "chef");
    S_STR(&pk, "C");
    assert_true(s_check_body(sb.data, sb.size));

    msgpack_sbuffer_destroy(&sb);
}

/* ---- Doubles: the fast "%.17g" against printf ---------------------------- */

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;
static uint64_t s_rand(void)
{
    /* xorshift64*: fixed seed, so a failure reproduces. */
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ull;
}

static double s_rand_double(void)
{
    uint64_t r = s_rand();
    double v;
    switch (r % 8) {
    case 0: { /* any bit pattern */
        uint64_t bits = s_rand();
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    case 1: /* epoch milliseconds with microseconds */
        return 1.7e12 + (double)(s_rand() % 100000000000ull) / 1000.0;
    case 2: /* epoch seconds */
        return 1.7e9 + (double)(s_rand() % 100000000000ull) / 1e6;
    case 3: /* small decimals */
        return (double)(int64_t)(s_rand() % 2000001 - 1000000) / 1000.0;
    case 4: /* integers near the edges of fixed notation */
        return (double)(s_rand() % 200000000000000000ull);
    case 5: /* around 1e-4 */
        return 1e-4 * (0.9 + (double)(s_rand() % 1000) / 5000.0);
    case 6: /* ties in the 17th digit: k / 2^n */
        return (double)(s_rand() % (1ull << 53)) / (double)(1ull << (s_rand() % 60));
    default: /* powers of ten, and their neighbours */
        v = pow(10.0, (double)((int)(s_rand() % 44) - 22));
        return (r >> 8) % 3 == 0 ? nextafter(v, 0) : (r >> 8) % 3 == 1 ? nextafter(v, INFINITY) : v;
    }
}

static void test_doubles(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (int round = 0; round < 400; round++) {
        msgpack_sbuffer_clear(&sb);
        double ct = s_rand_double();
        if (!isfinite(ct))
            ct = 1.0;
        s_begin(&pk, ct, 0);
        S_STR(&pk, "payload");
        msgpack_pack_array(&pk, 1000);
        for (int i = 0; i < 1000; i++) {
            double v = s_rand_double();
            if (i % 2)
                msgpack_pack_double(&pk, -v);
            else
                msgpack_pack_double(&pk, v);
        }
        assert_true(s_check_body(sb.data, sb.size));
    }
    msgpack_sbuffer_destroy(&sb);
}

/* ---- Random msgpack objects ---------------------------------------------- */

static void s_rand_string(msgpack_packer *pk)
{
    static const char *const pieces[] = {
        "a",   "Z",  "/",        "\"",           "\\",
        "\n",  "\t", "\x01",     "\x1f",         "\x7f",
        " ",   "\0", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "key", "1",  "-3",       "\xff"};
    char s[64];
    size_t n = 0, want = s_rand() % 12;
    for (size_t i = 0; i < want; i++) {
        size_t p = s_rand() % (sizeof pieces / sizeof pieces[0]);
        /* "\0" has length 0 as a C string: it means one NUL byte. */
        size_t len = pieces[p][0] ? strlen(pieces[p]) : 1;
        if (p == sizeof pieces / sizeof pieces[0] - 1 && s_rand() % 8)
            continue; /* invalid UTF-8 now and then: the decoder refuses it */
        if (n + len > sizeof s)
            break;
        memcpy(s + n, pieces[p], len);
        n += len;
    }
    s_pack_str(pk, s, n);
}

static void s_rand_value(msgpack_packer *pk, int depth)
{
    unsigned kind = (unsigned)(s_rand() % (depth >= 6 ? 9 : 11));
    switch (kind) {
    case 0:
        msgpack_pack_nil(pk);
        break;
    case 1:
        s_rand() & 1 ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        break;
    case 2:
        msgpack_pack_uint64(pk, s_rand() >> (s_rand() % 64));
        break;
    case 3:
        msgpack_pack_int64(pk, -(int64_t)(s_rand() >> (1 + s_rand() % 63)) - 1);
        break;
    case 4:
        msgpack_pack_float(pk, (float)s_rand_double());
        break;
    case 5:
    case 6:
        msgpack_pack_double(pk, s_rand_double());
        break;
    case 7:
    case 8:
        s_rand_string(pk);
        break;
    case 9: {
        size_t n = s_rand() % 6;
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            s_rand_value(pk, depth + 1);
        break;
    }
    default: {
        size_t n = s_rand() % (s_rand() % 8 == 0 ? 40 : 6);
        msgpack_pack_map(pk, n);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = s_rand() % 4;
            if (r == 0)
                msgpack_pack_uint64(pk, s_rand() % 4); /* collide often */
            else if (r == 1)
                msgpack_pack_int64(pk, -(int64_t)(s_rand() % 3) - 1);
            else
                s_rand_string(pk);
            s_rand_value(pk, depth + 1);
        }
        break;
    }
    }
}

static void test_random(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int valid = 0;
    for (int round = 0; round < 20000; round++) {
        msgpack_sbuffer_clear(&sb);
        int extra = (int)(s_rand() % 3);
        s_begin(&pk, s_rand_double(), extra);
        for (int i = 0; i < extra; i++) {
            s_rand_string(&pk);
            s_rand_value(&pk, 1);
        }
        S_STR(&pk, "payload");
        s_rand_value(&pk, 0);
        valid += s_check_body(sb.data, sb.size);
    }
    /* Most are valid; the rest carry invalid UTF-8, NaN times or repeated
     * metadata keys and are refused by the decoder. */
    assert_true(valid > 10000);
    msgpack_sbuffer_destroy(&sb);
}

/* ---- Every dumpling from every capture, all built-in chefs --------------- */

static int s_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                   size_t body_len)
{
    (void)topic;
    (void)topic_len;
    long *n = arg;
    assert_true(s_check_body(body, body_len));
    (*n)++;
    return 0;
}

static void test_captures(void **state)
{
    (void)state;
    DIR *dir = opendir(ND_PCAPS);
    assert_non_null(dir);
    struct dirent *e;
    int files = 0;
    long dumplings = 0;
    while ((e = readdir(dir))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcmp(dot, ".pcap") != 0 && strcmp(dot, ".pcapng") != 0))
            continue;
        char path[1024], perr[PCAP_ERRBUF_SIZE], err[256];
        snprintf(path, sizeof path, "%s/%s", ND_PCAPS, e->d_name);
        pcap_t *p = pcap_open_offline(path, perr);
        if (!p)
            fail_msg("%s: %s", path, perr);
        nd_kitchen_t *k = nd_kitchen_new("jsontest", s_serve, &dumplings, err, sizeof err);
        assert_non_null(k);
        for (size_t i = 0; nd_builtin_chefs[i]; i++)
            if (nd_kitchen_add_chef(k, nd_builtin_chefs[i], err, sizeof err) != 0)
                fail_msg("add %s: %s", nd_builtin_chefs[i]->name, err);
        struct pcap_pkthdr *h;
        const u_char *d;
        double next_poke = 0, ts = 0;
        nd_packet_t pkt;
        while (pcap_next_ex(p, &h, &d) == 1) {
            if (nd_packet_dissect(&pkt, pcap_datalink(p), d, h->caplen, h->len, &h->ts) != 0)
                continue;
            nd_kitchen_packet(k, &pkt);
            ts = (double)h->ts.tv_sec + h->ts.tv_usec / 1e6;
            if (ts >= next_poke) {
                nd_kitchen_poke(k, ts);
                next_poke = ts + 1;
            }
        }
        nd_kitchen_poke(k, ts + 1);
        nd_kitchen_destroy(&k);
        pcap_close(p);
        files++;
    }
    closedir(dir);
    assert_int_equal(files, 25);
    assert_true(dumplings > 100);
    printf("compared %ld dumplings from %d captures; %ld comparisons in all\n", dumplings, files,
           s_compared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
