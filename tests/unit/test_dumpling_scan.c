/* SPDX-License-Identifier: MIT */
/* test_dumpling_scan.c: the one-pass dumpling validator (nd_dumpling_scan,
 * and nd_dumpling_decode built on it) against the reference that unpacks with
 * msgpack-c and checks the objects (tests/lib/dumpling_ref.c). Random bodies
 * in every msgpack encoding, near-valid and broken in every way the contract
 * names, then mutated and cut: both must accept exactly the same ones, with
 * the same metadata and the same JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dumpling_ref.h"
#include "netdumplings/dumpling.h"

/* ---- A random msgpack writer --------------------------------------------- */

typedef struct {
    uint8_t buf[16384];
    size_t len;
    uint64_t rng;
    bool clean; /* only choices the decoder accepts (mostly) */
} s_gen_t;

static uint32_t s_rand(s_gen_t *g)
{
    g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g->rng >> 33);
}

static bool s_one_in(s_gen_t *g, uint32_t n)
{
    return s_rand(g) % n == 0;
}

static void s_byte(s_gen_t *g, uint8_t b)
{
    if (g->len < sizeof g->buf)
        g->buf[g->len++] = b;
}

static void s_be(s_gen_t *g, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        s_byte(g, (uint8_t)(v >> (8 * i)));
}

/* A container header of `n` elements in a random one of the encodings that
 * can hold it. */
static void s_header(s_gen_t *g, bool map, uint32_t n)
{
    uint32_t pick = s_rand(g) % 3;
    if (n < 16 && pick == 0)
        s_byte(g, (uint8_t)((map ? 0x80 : 0x90) | n));
    else if (n < 65536 && pick != 2) {
        s_byte(g, map ? 0xde : 0xdc);
        s_be(g, n, 2);
    } else {
        s_byte(g, map ? 0xdf : 0xdd);
        s_be(g, n, 4);
    }
}

static void s_str_bytes(s_gen_t *g, const char *s, size_t n)
{
    uint32_t pick = s_rand(g) % 4;
    if (n < 32 && pick == 0)
        s_byte(g, (uint8_t)(0xa0 | n));
    else if (n < 256 && pick == 1) {
        s_byte(g, 0xd9);
        s_byte(g, (uint8_t)n);
    } else if (n < 65536 && pick == 2) {
        s_byte(g, 0xda);
        s_be(g, n, 2);
    } else {
        s_byte(g, 0xdb);
        s_be(g, n, 4);
    }
    for (size_t i = 0; i < n; i++)
        s_byte(g, (uint8_t)s[i]);
}

static void s_str(s_gen_t *g, const char *s)
{
    s_str_bytes(g, s, strlen(s));
}

/* Strings worth trying: names good and bad, UTF-8 good and bad, a NUL. */
static const char *const s_strings[] = {
    "DNSLookupChef",
    "k1",
    "x",
    "",
    "a b",
    "héllo",
    "\xe2\x82\xac",
    "\xc3",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "nul\0in",
    "packet",
    "interval",
    "chef",
    "kitchen",
    "sequence",
    "a-very-long-name-that-is-longer-than-sixty-four-characters-for-sure-yes",
};

static void s_any_str(s_gen_t *g)
{
    size_t i = s_rand(g) % (sizeof s_strings / sizeof *s_strings);
    if (g->clean && i >= 7 && i <= 9)
        i = 0; /* the three that are not UTF-8 */
    size_t n = i == 10 ? 6 : strlen(s_strings[i]);
    s_str_bytes(g, s_strings[i], n);
}

/* Any scalar, in any encoding. */
static void s_scalar(s_gen_t *g)
{
    uint32_t pick = s_rand(g) % 16;
    if (g->clean && (pick >= 8 && pick <= 10))
        pick = 2; /* no bin, ext, 0xc1 */
    switch (pick) {
    case 0:
        s_byte(g, 0xc0);
        break;
    case 1:
        s_byte(g, s_one_in(g, 2) ? 0xc2 : 0xc3);
        break;
    case 2:
        s_byte(g, (uint8_t)(s_rand(g) % 128));
        break;
    case 3:
        s_byte(g, (uint8_t)(0xe0 | s_rand(g) % 32));
        break;
    case 4: { /* uint 8/16/32/64 */
        int w = 1 << (s_rand(g) % 4);
        s_byte(g, (uint8_t)(0xcc + (w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3)));
        s_be(g, (uint64_t)s_rand(g) << 32 | s_rand(g), w);
        break;
    }
    case 5: { /* int 8/16/32/64, either sign */
        int w = 1 << (s_rand(g) % 4);
        s_byte(g, (uint8_t)(0xd0 + (w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3)));
        s_be(g, (uint64_t)s_rand(g) << 32 | s_rand(g), w);
        break;
    }
    case 6: { /* float 32 */
        static const float f[] = {0.5f, -1e30f, NAN, INFINITY, 1.0f / 3};
        float v = f[s_rand(g) % 5];
        uint32_t b;
        memcpy(&b, &v, 4);
        s_byte(g, 0xca);
        s_be(g, b, 4);
        break;
    }
    case 7: { /* float 64 */
        static const double d[] = {1459632453037.908, -0.0, NAN, -INFINITY, 1e300};
        double v = d[s_rand(g) % 5];
        uint64_t b;
        memcpy(&b, &v, 8);
        s_byte(g, 0xcb);
        s_be(g, b, 8);
        break;
    }
    case 8: /* bin */
        s_byte(g, 0xc4);
        s_byte(g, 2);
        s_byte(g, 1);
        s_byte(g, 2);
        break;
    case 9: /* ext, fixext */
        if (s_one_in(g, 2)) {
            s_byte(g, 0xc7);
            s_byte(g, 1);
            s_byte(g, 5);
            s_byte(g, 0);
        } else {
            s_byte(g, (uint8_t)(0xd4 + s_rand(g) % 5));
            s_byte(g, 5);
            for (int i = 0; i < 16; i++)
                s_byte(g, 0);
        }
        break;
    case 10:
        s_byte(g, 0xc1); /* never used */
        break;
    default:
        s_any_str(g);
        break;
    }
}

/* A value of depth up to `depth` (sometimes past the decoder's limit). */
static void s_value(s_gen_t *g, int depth)
{
    if (depth <= 0 || s_one_in(g, 3)) {
        s_scalar(g);
        return;
    }
    bool map = s_one_in(g, 2);
    uint32_t n = s_one_in(g, 4) ? 1 : s_rand(g) % 4;
    s_header(g, map, n);
    for (uint32_t i = 0; i < n; i++) {
        if (map) {
            if (!g->clean && s_one_in(g, 8))
                s_scalar(g); /* any key */
            else if (s_one_in(g, 2))
                s_any_str(g);
            else
                s_byte(g, (uint8_t)(s_rand(g) % 128));
        }
        s_value(g, depth - 1);
    }
}

/* A nesting exactly `n` containers deep, empty or not at the bottom. */
static void s_deep(s_gen_t *g, int n)
{
    for (int i = 0; i < n; i++)
        s_header(g, false, 1);
    if (s_one_in(g, 2))
        s_header(g, s_one_in(g, 2), 0);
    else
        s_byte(g, 1);
}

static void s_metadata(s_gen_t *g)
{
    static const char *const keys[] = {"chef",          "kitchen",  "driver",
                                       "creation_time", "sequence", "extra"};
    uint32_t n = 4 + (s_one_in(g, 4) ? s_rand(g) % 3 : 0);
    if (!g->clean && s_one_in(g, 20))
        n = s_rand(g) % 4; /* too few */
    s_header(g, true, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *k = i < 6 ? keys[i] : keys[s_rand(g) % 6];
        if (!g->clean && s_one_in(g, 10))
            k = keys[s_rand(g) % 6]; /* a duplicate, or one missing */
        if (!g->clean && s_one_in(g, 40))
            s_byte(g, 7); /* an integer key */
        else
            s_str(g, k);
        bool good = g->clean || !s_one_in(g, 6);
        if (!good)
            s_value(g, 2);
        else if (!strcmp(k, "chef") || !strcmp(k, "kitchen"))
            s_str(g, s_one_in(g, 2) ? "DNSLookupChef" : "k1");
        else if (!strcmp(k, "driver"))
            s_str(g, s_one_in(g, 2) ? "packet" : "interval");
        else if (g->clean && !strcmp(k, "creation_time"))
            s_byte(g, 0x2a);
        else if (g->clean && !strcmp(k, "sequence")) {
            s_byte(g, 0xcf);
            s_be(g, (uint64_t)s_rand(g) << 40, 8);
        } else if (!strcmp(k, "creation_time") || !strcmp(k, "sequence"))
            s_scalar(g);
        else
            s_value(g, 3);
    }
}

static void s_body(s_gen_t *g)
{
    g->len = 0;
    g->clean = s_one_in(g, 2);
    if (s_one_in(g, 30)) {
        s_value(g, 3); /* anything at all */
        return;
    }
    uint32_t n = s_one_in(g, 10) ? s_rand(g) % 4 : 2;
    s_header(g, true, n);
    for (uint32_t i = 0; i < n; i++) {
        bool meta = (i == 0) != s_one_in(g, 10);
        if (s_one_in(g, 30))
            s_str(g, "dessert");
        else
            s_str(g, meta ? "metadata" : "payload");
        if (meta)
            s_metadata(g);
        else if (s_one_in(g, 8))
            s_deep(g, 28 + (int)(s_rand(g) % 6)); /* around the nesting limit */
        else
            s_value(g, 5);
    }
    if (s_one_in(g, 30))
        s_byte(g, 0xc0); /* trailing */
}

/* ---- Comparing ----------------------------------------------------------- */

/* The same msgpack-c objects: types, values, string bytes, order. */
static bool s_same_object(const msgpack_object *a, const msgpack_object *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case MSGPACK_OBJECT_NIL:
        return true;
    case MSGPACK_OBJECT_BOOLEAN:
        return a->via.boolean == b->via.boolean;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return a->via.u64 == b->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return a->via.i64 == b->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return memcmp(&a->via.f64, &b->via.f64, sizeof(double)) == 0;
    case MSGPACK_OBJECT_STR:
        return a->via.str.size == b->via.str.size &&
               (a->via.str.size == 0 ||
                memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0);
    case MSGPACK_OBJECT_ARRAY:
        if (a->via.array.size != b->via.array.size)
            return false;
        for (uint32_t i = 0; i < a->via.array.size; i++)
            if (!s_same_object(&a->via.array.ptr[i], &b->via.array.ptr[i]))
                return false;
        return true;
    case MSGPACK_OBJECT_MAP:
        if (a->via.map.size != b->via.map.size)
            return false;
        for (uint32_t i = 0; i < a->via.map.size; i++)
            if (!s_same_object(&a->via.map.ptr[i].key, &b->via.map.ptr[i].key) ||
                !s_same_object(&a->via.map.ptr[i].val, &b->via.map.ptr[i].val))
                return false;
        return true;
    default:
        return false; /* bin and ext are never accepted */
    }
}

static long s_accepted, s_refused;

static void s_compare(nd_dumpling_t *a, nd_dumpling_t *b, nd_dumpling_t *c, const uint8_t *body,
                      size_t len)
{
    char ea[160] = "", eb[160] = "", ec[160] = "";
    int ra = nd_ref_dumpling_decode(a, body, len, ea, sizeof ea);
    int rb = nd_dumpling_decode(b, body, len, eb, sizeof eb);
    int rc = nd_dumpling_scan(c, body, len, ec, sizeof ec);
    if (ra != rb || ra != rc) {
        fprintf(stderr, "reference %d (%s), decode %d (%s), scan %d (%s) for %zu bytes:", ra, ea,
                rb, eb, rc, ec, len);
        for (size_t i = 0; i < len && i < 200; i++)
            fprintf(stderr, " %02x", body[i]);
        fprintf(stderr, "\n");
    }
    assert_int_equal(ra, rb);
    assert_int_equal(ra, rc);
    if (ra != 0) {
        assert_true(eb[0] != '\0' && ec[0] != '\0');
        s_refused++;
        return;
    }
    s_accepted++;
    for (nd_dumpling_t *x = b; x; x = x == b ? c : NULL) {
        assert_string_equal(a->chef, x->chef);
        assert_string_equal(a->kitchen, x->kitchen);
        assert_int_equal(a->driver, x->driver);
        assert_memory_equal(&a->creation_time, &x->creation_time, sizeof(double));
        assert_int_equal(a->has_sequence, x->has_sequence);
        assert_true(a->sequence == x->sequence);
        assert_int_equal(a->has_topic_sequence, x->has_topic_sequence);
        assert_true(a->topic_sequence == x->topic_sequence);
    }
    assert_true(s_same_object(&a->unpacked.data, &b->unpacked.data));
    assert_true(s_same_object(&a->metadata, &b->metadata));
    assert_true(s_same_object(&a->payload, &b->payload));
    nd_strbuf_t ja = {0}, jb = {0};
    assert_int_equal(nd_dumpling_json_text(a, false, &ja), 0);
    assert_int_equal(nd_dumpling_json_text(b, false, &jb), 0);
    assert_string_equal(ja.data, jb.data);
    nd_strbuf_release(&ja);
    nd_strbuf_release(&jb);
}

static void test_same_as_reference(void **state)
{
    (void)state;
    nd_dumpling_t a, b, c;
    nd_dumpling_init(&a);
    nd_dumpling_init(&b);
    nd_dumpling_init(&c);
    s_gen_t g = {.rng = 20261126};
    uint8_t cut[sizeof g.buf];
    for (int i = 0; i < 150000; i++) {
        s_body(&g);
        s_compare(&a, &b, &c, g.buf, g.len);
        g.clean = false;
        /* The same body mutated: a byte or two changed, or cut short. */
        for (int m = 0; m < 3 && g.len > 0; m++) {
            size_t len = g.len;
            memcpy(cut, g.buf, len);
            if (m == 2)
                len = s_rand(&g) % len;
            else
                for (int f = 0; f <= m; f++)
                    cut[s_rand(&g) % len] = (uint8_t)s_rand(&g);
            /* An exact-size copy, so that ASan sees a read past the end. */
            uint8_t *exact = malloc(len ? len : 1);
            memcpy(exact, cut, len);
            s_compare(&a, &b, &c, exact, len);
            free(exact);
        }
    }
    /* The generator must reach both outcomes often, or it tests little. */
    fprintf(stderr, "accepted %ld, refused %ld\n", s_accepted, s_refused);
    assert_true(s_accepted > 40000);
    assert_true(s_refused > 40000);
    nd_dumpling_release(&a);
    nd_dumpling_release(&b);
    nd_dumpling_release(&c);
}

/* The nesting limit, exactly: a container inside 31 others is fine, inside 32
 * it is refused, empty or not (msgpack-c's stack). */
static void test_nesting_limit(void **state)
{
    (void)state;
    nd_dumpling_t a, b;
    nd_dumpling_init(&a);
    nd_dumpling_init(&b);
    for (int empty = 0; empty < 2; empty++) {
        for (int n = 28; n <= 33; n++) {
            s_gen_t g = {.rng = 1};
            g.len = 0;
            s_byte(&g, 0x82);
            s_str_bytes(&g, "metadata", 8);
            s_byte(&g, 0x84);
            const char *kv[] = {"chef", "c", "kitchen", "k", "driver", "packet"};
            for (int i = 0; i < 6; i++)
                s_str(&g, kv[i]);
            s_str(&g, "creation_time");
            s_byte(&g, 1);
            s_str(&g, "payload");
            /* payload: n arrays, the innermost holding an empty or one-element
             * array: that last one sits inside n + 1 containers. */
            for (int i = 0; i < n; i++)
                s_byte(&g, 0x91);
            s_byte(&g, empty ? 0x90 : 0x91);
            if (!empty)
                s_byte(&g, 1);
            char err[160];
            int want = n + 1 >= ND_DUMPLING_MAX_DEPTH ? -1 : 0;
            assert_int_equal(nd_ref_dumpling_decode(&a, g.buf, g.len, err, sizeof err), want);
            assert_int_equal(nd_dumpling_decode(&b, g.buf, g.len, err, sizeof err), want);
            if (want < 0)
                assert_non_null(strstr(err, "deep"));
        }
    }
    nd_dumpling_release(&a);
    nd_dumpling_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_same_as_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
