/* SPDX-License-Identifier: MIT */
/* test_payload.c: the msgpack builder (payload.h): exact bytes against the
 * msgpack spec, decoding by msgpack-c, UTF-8 and depth limits, and misuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "netdumplings/payload.h"

/* Compares the builder's bytes with bytes written by hand from the spec
 * (https://github.com/msgpack/msgpack/blob/master/spec.md). */
static void s_expect_bytes(const nd_payload_t *p, const uint8_t *want, size_t len)
{
    assert_null(nd_pl_error(p));
    assert_int_equal(nd_pl_size(p), len);
    assert_memory_equal(nd_pl_data(p), want, len);
}

static void test_new_destroy(void **state)
{
    nd_payload_t *p = nd_payload_new();
    assert_non_null(p);
    assert_int_equal(nd_pl_size(p), 0);
    assert_int_equal(nd_pl_depth(p), 0);
    assert_int_equal(nd_pl_top_values(p), 0);
    assert_null(nd_pl_error(p));
    nd_payload_destroy(&p);
    assert_null(p);
    nd_payload_destroy(&p); /* NULL is fine */
    nd_payload_destroy(NULL);
}

static void test_map_bytes(void **state)
{
    nd_payload_t *p = nd_payload_new();
    assert_int_equal(nd_pl_map(p), 0);
    assert_int_equal(nd_pl_depth(p), 1);
    assert_int_equal(nd_pl_kv_int(p, "a", 1), 0);
    assert_int_equal(nd_pl_kv_str(p, "b", "xy"), 0);
    assert_int_equal(nd_pl_end(p), 0);
    assert_int_equal(nd_pl_depth(p), 0);
    assert_int_equal(nd_pl_top_values(p), 1);
    static const uint8_t want[] = {0xdf, 0, 0, 0, 2, 0xa1, 'a', 0x01, 0xa1, 'b', 0xa2, 'x', 'y'};
    s_expect_bytes(p, want, sizeof want);
    nd_payload_destroy(&p);
}

static void test_array_scalars_bytes(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_array(p);
    nd_pl_int(p, 1);
    nd_pl_str(p, "x");
    nd_pl_null(p);
    nd_pl_bool(p, true);
    nd_pl_bool(p, false);
    nd_pl_double(p, 1.5);
    nd_pl_str(p, NULL); /* NULL string writes null */
    nd_pl_end(p);
    static const uint8_t want[] = {0xdd, 0,    0,    0, 7, 0x01, 0xa1, 'x', 0xc0, 0xc3, 0xc2,
                                   0xcb, 0x3f, 0xf8, 0, 0, 0,    0,    0,   0,    0xc0};
    s_expect_bytes(p, want, sizeof want);
    nd_payload_destroy(&p);
}

static void test_integers_bytes(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_int(p, -1);
    nd_pl_int(p, 200);
    nd_pl_int(p, -200);
    nd_pl_uint(p, UINT64_MAX);
    nd_pl_int(p, INT64_MIN);
    nd_pl_uint(p, 0);
    assert_int_equal(nd_pl_top_values(p), 6);
    static const uint8_t want[] = {
        0xff,                                                 /* negative fixint -1 */
        0xcc, 0xc8,                                           /* uint 8: 200 */
        0xd1, 0xff, 0x38,                                     /* int 16: -200 */
        0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* uint 64 max */
        0xd3, 0x80, 0,    0,    0,    0,    0,    0,    0,    /* int 64 min */
        0x00,                                                 /* positive fixint 0 */
    };
    s_expect_bytes(p, want, sizeof want);
    nd_payload_destroy(&p);
}

static void test_empty_containers(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_map(p);
    nd_pl_key(p, "e");
    nd_pl_array(p);
    nd_pl_end(p);
    nd_pl_end(p);
    static const uint8_t want[] = {0xdf, 0, 0, 0, 1, 0xa1, 'e', 0xdd, 0, 0, 0, 0};
    s_expect_bytes(p, want, sizeof want);
    nd_payload_destroy(&p);
}

/* Every scalar is written with the same bytes msgpack-c's packer writes:
 * each integer form's edges, string headers at each length boundary,
 * doubles, booleans, nil. */
static void test_same_bytes_as_msgpack_c(void **state)
{
    (void)state;
    static const uint64_t u[] = {0,      1,       0x7f,        0x80,           0xff,      0x100,
                                 0xffff, 0x10000, 0xffffffffu, 0x100000000ull, UINT64_MAX};
    static const int64_t i[] = {0,         -1,     -32,    -33,       -128,
                                -129,      -32768, -32769, INT32_MIN, (int64_t)INT32_MIN - 1,
                                INT64_MIN, 127,    128,    70000,     INT64_MAX};
    static const double d[] = {0.0, -0.0, 1.5, 1e300, -1e-300, 1459632453037.908};
    static const size_t n[] = {0, 1, 31, 32, 255, 256, 65535, 65536, 70000};
    static char text[70000];
    memset(text, 'x', sizeof text);
    nd_payload_t *p = nd_payload_new();
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    nd_pl_array(p);
    for (size_t k = 0; k < sizeof u / sizeof *u; k++) {
        nd_pl_uint(p, u[k]);
        msgpack_pack_uint64(&pk, u[k]);
    }
    for (size_t k = 0; k < sizeof i / sizeof *i; k++) {
        nd_pl_int(p, i[k]);
        msgpack_pack_int64(&pk, i[k]);
    }
    for (size_t k = 0; k < sizeof d / sizeof *d; k++) {
        nd_pl_double(p, d[k]);
        msgpack_pack_double(&pk, d[k]);
    }
    for (size_t k = 0; k < sizeof n / sizeof *n; k++) {
        nd_pl_strn(p, text, n[k]);
        msgpack_pack_str_with_body(&pk, text, n[k]);
    }
    nd_pl_bool(p, true);
    nd_pl_bool(p, false);
    nd_pl_null(p);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    msgpack_pack_nil(&pk);
    nd_pl_end(p);
    assert_null(nd_pl_error(p));
    /* The builder's array header is 5 bytes (0xdd and a 32-bit count). */
    assert_int_equal(nd_pl_size(p), 5 + sb.size);
    assert_memory_equal(nd_pl_data(p) + 5, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    nd_payload_destroy(&p);
}

/* Decoded by msgpack-c, an implementation that is not ours. */
static void test_decodes_with_msgpack_c(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_map(p);
    nd_pl_key(p, "lookup");
    nd_pl_map(p);
    nd_pl_kv_str(p, "hostname", "example.com");
    nd_pl_kv_double(p, "when", 1459632453.25);
    nd_pl_kv_uint(p, "count", 300);
    nd_pl_kv_int(p, "neg", -70000);
    nd_pl_kv_bool(p, "ok", true);
    nd_pl_kv_null(p, "notes");
    nd_pl_end(p);
    nd_pl_keyn(p, "list\0x", 6);
    nd_pl_array(p);
    for (int i = 0; i < 1000; i++)
        nd_pl_int(p, i);
    nd_pl_end(p);
    nd_pl_end(p);
    assert_null(nd_pl_error(p));

    msgpack_zone zone;
    msgpack_zone_init(&zone, 2048);
    msgpack_object o;
    size_t off = 0;
    assert_int_equal(msgpack_unpack((const char *)nd_pl_data(p), nd_pl_size(p), &off, &zone, &o),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(o.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(o.via.map.size, 2);
    msgpack_object_kv *kv = o.via.map.ptr;
    assert_int_equal(kv[0].key.via.str.size, 6);
    assert_memory_equal(kv[0].key.via.str.ptr, "lookup", 6);
    msgpack_object *in = &kv[0].val;
    assert_int_equal(in->type, MSGPACK_OBJECT_MAP);
    assert_int_equal(in->via.map.size, 6);
    msgpack_object_kv *ikv = in->via.map.ptr;
    assert_int_equal(ikv[0].val.type, MSGPACK_OBJECT_STR);
    assert_memory_equal(ikv[0].val.via.str.ptr, "example.com", 11);
    assert_int_equal(ikv[1].val.type, MSGPACK_OBJECT_FLOAT64);
    assert_true(ikv[1].val.via.f64 == 1459632453.25);
    assert_int_equal(ikv[2].val.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(ikv[2].val.via.u64, 300);
    assert_int_equal(ikv[3].val.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    assert_int_equal(ikv[3].val.via.i64, -70000);
    assert_int_equal(ikv[4].val.type, MSGPACK_OBJECT_BOOLEAN);
    assert_true(ikv[4].val.via.boolean);
    assert_int_equal(ikv[5].val.type, MSGPACK_OBJECT_NIL);
    assert_int_equal(kv[1].key.via.str.size, 6);
    assert_memory_equal(kv[1].key.via.str.ptr, "list\0x", 6);
    assert_int_equal(kv[1].val.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(kv[1].val.via.array.size, 1000);
    assert_int_equal(kv[1].val.via.array.ptr[999].via.u64, 999);
    msgpack_zone_destroy(&zone);
    nd_payload_destroy(&p);
}

static void test_reset_keeps_memory(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_array(p);
    for (int i = 0; i < 5000; i++)
        nd_pl_str(p, "some text to grow the buffer");
    nd_pl_end(p);
    const uint8_t *data = nd_pl_data(p);
    nd_payload_reset(p);
    assert_int_equal(nd_pl_size(p), 0);
    assert_int_equal(nd_pl_top_values(p), 0);
    nd_pl_int(p, 5);
    assert_ptr_equal(nd_pl_data(p), data);
    assert_int_equal(nd_pl_size(p), 1);
    nd_payload_destroy(&p);
}

static const struct {
    const char *bytes;
    size_t len;
    bool valid;
} s_utf8_cases[] = {
    {"plain ascii", 11, true},
    {"caf\xc3\xa9", 5, true},       /* U+00E9 */
    {"\xe2\x82\xac", 3, true},      /* U+20AC */
    {"\xf0\x9d\x84\x9e", 4, true},  /* U+1D11E */
    {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF, the last */
    {"\xed\x9f\xbf", 3, true},      /* U+D7FF, just below the surrogates */
    {"a\0b", 3, true},              /* NUL is a character */
    {"", 0, true},                  /* empty */
    {"\xc0\x80", 2, false},         /* overlong NUL */
    {"\xc1\xbf", 2, false},         /* overlong */
    {"\xe0\x80\xaf", 3, false},     /* overlong '/' */
    {"\xf0\x80\x80\xaf", 4, false}, /* overlong */
    {"\xed\xa0\x80", 3, false},     /* surrogate U+D800 */
    {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
    {"\xf5\x80\x80\x80", 4, false}, /* beyond */
    {"\xff", 1, false},             /* never valid */
    {"\x80", 1, false},             /* lone continuation */
    {"\xe2\x82", 2, false},         /* truncated */
    {"ab\xc3", 3, false},           /* truncated at the end */
    {"\xc3\x28", 2, false},         /* bad continuation */
    {"\xf0\x9d\x84\x28", 4, false}, /* bad last continuation */
    /* Past the 8-byte ASCII fast path. */
    {"0123456789\xc3\xa9", 12, true},
    {"0123456789abcdef\xff", 17, false},
    {"01234567\xe2\x82", 10, false},
    {"0123456789abcdefX", 17, true},
};

static void test_utf8(void **state)
{
    nd_payload_t *p = nd_payload_new();
    for (size_t i = 0; i < sizeof s_utf8_cases / sizeof s_utf8_cases[0]; i++) {
        nd_payload_reset(p);
        int rc = nd_pl_strn(p, s_utf8_cases[i].bytes, s_utf8_cases[i].len);
        if (s_utf8_cases[i].valid) {
            assert_int_equal(rc, 0);
            assert_null(nd_pl_error(p));
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(nd_pl_error(p));
            assert_int_equal(nd_pl_size(p), 0);
        }
        /* The same rules for keys. */
        nd_payload_reset(p);
        nd_pl_map(p);
        rc = nd_pl_keyn(p, s_utf8_cases[i].bytes, s_utf8_cases[i].len);
        assert_int_equal(rc, s_utf8_cases[i].valid ? 0 : -1);
        assert_true((nd_pl_error(p) == NULL) == s_utf8_cases[i].valid);
    }
    nd_payload_destroy(&p);
}

static void test_error_is_sticky(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_pl_array(p);
    nd_pl_int(p, 1);
    size_t size = nd_pl_size(p);
    assert_int_equal(nd_pl_str(p, "\xff"), -1);
    const char *why = nd_pl_error(p);
    assert_non_null(why);
    assert_non_null(strstr(why, "UTF-8"));
    assert_int_equal(nd_pl_int(p, 2), -1);
    assert_int_equal(nd_pl_str(p, "fine"), -1);
    assert_int_equal(nd_pl_map(p), -1);
    assert_int_equal(nd_pl_end(p), -1);
    assert_int_equal(nd_pl_size(p), size);
    assert_ptr_equal(nd_pl_error(p), why); /* the first error stays */
    nd_payload_reset(p);
    assert_null(nd_pl_error(p));
    assert_int_equal(nd_pl_int(p, 2), 0);
    nd_payload_destroy(&p);
}

static void test_depth_limit(void **state)
{
    nd_payload_t *p = nd_payload_new();
    for (int i = 0; i < ND_PL_MAX_DEPTH; i++)
        assert_int_equal(nd_pl_array(p), 0);
    assert_int_equal(nd_pl_depth(p), ND_PL_MAX_DEPTH);
    /* One more is a limit, not a programming error: no assert. */
    assert_int_equal(nd_pl_array(p), -1);
    assert_non_null(strstr(nd_pl_error(p), "deep"));
    nd_payload_reset(p);
    for (int i = 0; i < ND_PL_MAX_DEPTH; i++)
        nd_pl_map(p), nd_pl_key(p, "k");
    assert_int_equal(nd_pl_map(p), -1);
    nd_payload_destroy(&p);
}

/* ---- Misuse: a sticky error always; an abort too when the library is built
 * without NDEBUG. Each case runs in a child so the assert cannot take the test
 * runner down, and the parent checks which of the two happened. The test is
 * built with the same flags as the library, so NDEBUG here says which. */

/* Returns what the misusing call returned. Plain C in the child, no cmocka. */
typedef int (*s_misuse_fn)(nd_payload_t *p);

static void s_run_misuse(s_misuse_fn fn)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Keep the expected assert message out of the test log. */
        FILE *devnull = freopen("/dev/null", "w", stderr);
        (void)devnull;
        nd_payload_t *p = nd_payload_new();
        int rc = fn(p);
        int ok = rc == -1 && nd_pl_error(p) != NULL && nd_pl_int(p, 1) == -1;
        nd_payload_destroy(&p);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
#ifdef NDEBUG
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#else
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
}

static int s_value_without_key(nd_payload_t *p)
{
    nd_pl_map(p);
    return nd_pl_int(p, 1);
}

static int s_container_without_key(nd_payload_t *p)
{
    nd_pl_map(p);
    return nd_pl_array(p);
}

static int s_key_outside_map(nd_payload_t *p)
{
    return nd_pl_key(p, "k");
}

static int s_key_in_array(nd_payload_t *p)
{
    nd_pl_array(p);
    return nd_pl_key(p, "k");
}

static int s_key_after_key(nd_payload_t *p)
{
    nd_pl_map(p);
    nd_pl_key(p, "a");
    return nd_pl_key(p, "b");
}

static int s_end_unbalanced(nd_payload_t *p)
{
    nd_pl_map(p);
    nd_pl_end(p);
    return nd_pl_end(p);
}

static int s_end_after_key(nd_payload_t *p)
{
    nd_pl_map(p);
    nd_pl_key(p, "dangling");
    return nd_pl_end(p);
}

static int s_null_key(nd_payload_t *p)
{
    nd_pl_map(p);
    return nd_pl_key(p, NULL);
}

static void test_misuse(void **state)
{
    s_run_misuse(s_value_without_key);
    s_run_misuse(s_container_without_key);
    s_run_misuse(s_key_outside_map);
    s_run_misuse(s_key_in_array);
    s_run_misuse(s_key_after_key);
    s_run_misuse(s_end_unbalanced);
    s_run_misuse(s_end_after_key);
    s_run_misuse(s_null_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_destroy),
        cmocka_unit_test(test_same_bytes_as_msgpack_c),
        cmocka_unit_test(test_map_bytes),
        cmocka_unit_test(test_array_scalars_bytes),
        cmocka_unit_test(test_integers_bytes),
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_decodes_with_msgpack_c),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_error_is_sticky),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
