/* SPDX-License-Identifier: MIT */
/* payload.c: the msgpack builder behind every dumpling (payload.h): scalars are
 * written straight into the buffer, containers get 32-bit headers patched on
 * end. */
#include "netdumplings/payload.h"
#include "payload_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t header; /* offset of the 0xdf / 0xdd byte */
    uint32_t count;
    bool is_map;
    bool want_key; /* maps only: the next thing written must be a key */
} s_frame_t;

struct nd_payload {
    uint8_t *data;
    size_t size;
    size_t cap;
    s_frame_t stack[ND_PL_MAX_DEPTH];
    int depth;
    size_t top_values;
    const char *error;
};

/* A programming error in the caller: sticky error, and an assert in debug
 * builds so that a chef's own tests catch it. */
static int s_misuse(nd_payload_t *p, const char *why)
{
    if (!p->error)
        p->error = why;
#ifndef NDEBUG
    fprintf(stderr, "netdumplings payload misuse: %s\n", why);
    assert(!"payload builder misuse (see payload.h)");
#endif
    return -1;
}

/* A data error (bad UTF-8, too deep, out of memory): sticky, never asserts,
 * because it can come from what was captured rather than from the code. */
static int s_fail(nd_payload_t *p, const char *why)
{
    if (!p->error)
        p->error = why;
    return -1;
}

static int s_reserve(nd_payload_t *p, size_t more)
{
    if (p->cap - p->size >= more)
        return 0;
    size_t cap = p->cap ? p->cap : 1024;
    while (cap - p->size < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    uint8_t *data = realloc(p->data, cap);
    if (!data)
        return -1;
    p->data = data;
    p->cap = cap;
    return 0;
}

/* ---- msgpack encoding, written straight into the buffer ----------------
 * The same bytes as msgpack-c's packer (smallest form for integers and
 * string headers, float 64 for doubles; tests/unit/test_payload.c compares
 * them), without its write callback per header and per body. */

/* Big-endian `n` bytes of v after the type byte c. */
static int s_put_be(nd_payload_t *p, uint8_t c, uint64_t v, int n)
{
    if (s_reserve(p, 1 + (size_t)n) < 0)
        return s_fail(p, "out of memory");
    uint8_t *o = p->data + p->size;
    o[0] = c;
    for (int i = 0; i < n; i++)
        o[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    p->size += 1 + (size_t)n;
    return 0;
}

static int s_put_uint(nd_payload_t *p, uint64_t v)
{
    if (v < 0x80)
        return s_put_be(p, (uint8_t)v, 0, 0);
    if (v <= UINT8_MAX)
        return s_put_be(p, 0xcc, v, 1);
    if (v <= UINT16_MAX)
        return s_put_be(p, 0xcd, v, 2);
    if (v <= UINT32_MAX)
        return s_put_be(p, 0xce, v, 4);
    return s_put_be(p, 0xcf, v, 8);
}

static int s_put_int(nd_payload_t *p, int64_t v)
{
    if (v >= 0)
        return s_put_uint(p, (uint64_t)v);
    if (v >= -32)
        return s_put_be(p, (uint8_t)v, 0, 0);
    if (v >= INT8_MIN)
        return s_put_be(p, 0xd0, (uint64_t)v, 1);
    if (v >= INT16_MIN)
        return s_put_be(p, 0xd1, (uint64_t)v, 2);
    if (v >= INT32_MIN)
        return s_put_be(p, 0xd2, (uint64_t)v, 4);
    return s_put_be(p, 0xd3, (uint64_t)v, 8);
}

static int s_put_str(nd_payload_t *p, const char *str, size_t len)
{
    int rc;
    if (len < 32)
        rc = s_put_be(p, (uint8_t)(0xa0 | len), 0, 0);
    else if (len <= UINT8_MAX)
        rc = s_put_be(p, 0xd9, len, 1);
    else if (len <= UINT16_MAX)
        rc = s_put_be(p, 0xda, len, 2);
    else
        rc = s_put_be(p, 0xdb, len, 4);
    if (rc < 0 || s_reserve(p, len) < 0)
        return s_fail(p, "out of memory");
    memcpy(p->data + p->size, str, len);
    p->size += len;
    return 0;
}

nd_payload_t *nd_payload_new(void)
{
    nd_payload_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (s_reserve(p, 1024) < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void nd_payload_destroy(nd_payload_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->data);
    free(*self_p);
    *self_p = NULL;
}

void nd_payload_reset(nd_payload_t *p)
{
    p->size = 0;
    p->depth = 0;
    p->top_values = 0;
    p->error = NULL;
}

/* Accounts for one value about to be written where the builder stands now. */
static int s_value(nd_payload_t *p)
{
    if (p->error)
        return -1;
    if (p->depth == 0) {
        p->top_values++;
        return 0;
    }
    s_frame_t *f = &p->stack[p->depth - 1];
    if (f->is_map) {
        if (f->want_key)
            return s_misuse(p, "value in a map where a key was expected");
        f->want_key = true;
    }
    if (f->count == UINT32_MAX)
        return s_fail(p, "too many elements in a container");
    f->count++;
    return 0;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
static bool s_utf8_valid(const uint8_t *s, size_t len)
{
    /* Keys, names, addresses and counters are ASCII: say so without a
     * branch per byte. */
    uint64_t any = 0;
    size_t j = 0;
    for (; len - j >= 8; j += 8) {
        uint64_t w;
        memcpy(&w, s + j, 8);
        any |= w;
    }
    for (; j < len; j++)
        any |= s[j];
    if (!(any & UINT64_C(0x8080808080808080)))
        return true;
    size_t i = 0;
    while (i < len) {
        /* Names, addresses and counters are ASCII: skip 8 bytes at a time. */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if (c == 0xe0) {
            n = 2;
            lo = 0xa0;
        } else if (c == 0xed) {
            n = 2;
            hi = 0x9f;
        } else if (c >= 0xe1 && c <= 0xef)
            n = 2;
        else if (c == 0xf0) {
            n = 3;
            lo = 0x90;
        } else if (c == 0xf4) {
            n = 3;
            hi = 0x8f;
        } else if (c >= 0xf1 && c <= 0xf3)
            n = 3;
        else
            return false;
        if (len - i - 1 < n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        i += n + 1;
    }
    return true;
}

bool nd_utf8_valid(const void *s, size_t len)
{
    return s_utf8_valid(s, len);
}

static int s_open(nd_payload_t *p, bool is_map)
{
    if (s_value(p) < 0)
        return -1;
    if (p->depth >= ND_PL_MAX_DEPTH)
        return s_fail(p, "nested too deeply");
    if (s_reserve(p, 5) < 0)
        return s_fail(p, "out of memory");
    s_frame_t *f = &p->stack[p->depth++];
    f->header = p->size;
    f->count = 0;
    f->is_map = is_map;
    f->want_key = true;
    p->data[p->size] = is_map ? 0xdf : 0xdd;
    memset(p->data + p->size + 1, 0, 4);
    p->size += 5;
    return 0;
}

int nd_pl_map(nd_payload_t *p)
{
    return s_open(p, true);
}

int nd_pl_array(nd_payload_t *p)
{
    return s_open(p, false);
}

int nd_pl_end(nd_payload_t *p)
{
    if (p->error)
        return -1;
    if (p->depth == 0)
        return s_misuse(p, "end without an open map or array");
    s_frame_t *f = &p->stack[p->depth - 1];
    if (f->is_map && !f->want_key)
        return s_misuse(p, "map ended after a key without its value");
    uint8_t *h = p->data + f->header + 1;
    h[0] = (uint8_t)(f->count >> 24);
    h[1] = (uint8_t)(f->count >> 16);
    h[2] = (uint8_t)(f->count >> 8);
    h[3] = (uint8_t)f->count;
    p->depth--;
    return 0;
}

int nd_pl_keyn(nd_payload_t *p, const char *key, size_t len)
{
    if (p->error)
        return -1;
    if (!key)
        return s_misuse(p, "NULL key");
    if (p->depth == 0 || !p->stack[p->depth - 1].is_map)
        return s_misuse(p, "key outside a map");
    s_frame_t *f = &p->stack[p->depth - 1];
    if (!f->want_key)
        return s_misuse(p, "key where a value was expected");
    if (!s_utf8_valid((const uint8_t *)key, len))
        return s_fail(p, "key is not valid UTF-8");
    if (len > UINT32_MAX)
        return s_fail(p, "key too long");
    f->want_key = false;
    return s_put_str(p, key, len);
}

int nd_pl_key(nd_payload_t *p, const char *key)
{
    return nd_pl_keyn(p, key, key ? strlen(key) : 0);
}

int nd_pl_strn(nd_payload_t *p, const char *s, size_t len)
{
    if (!s)
        return nd_pl_null(p);
    if (p->error)
        return -1;
    if (!s_utf8_valid((const uint8_t *)s, len))
        return s_fail(p, "string is not valid UTF-8");
    if (len > UINT32_MAX)
        return s_fail(p, "string too long");
    if (s_value(p) < 0)
        return -1;
    return s_put_str(p, s, len);
}

int nd_pl_str(nd_payload_t *p, const char *s)
{
    return nd_pl_strn(p, s, s ? strlen(s) : 0);
}

int nd_pl_int(nd_payload_t *p, int64_t v)
{
    if (s_value(p) < 0)
        return -1;
    return s_put_int(p, v);
}

int nd_pl_uint(nd_payload_t *p, uint64_t v)
{
    if (s_value(p) < 0)
        return -1;
    return s_put_uint(p, v);
}

int nd_pl_double(nd_payload_t *p, double v)
{
    if (s_value(p) < 0)
        return -1;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return s_put_be(p, 0xcb, bits, 8);
}

int nd_pl_bool(nd_payload_t *p, bool v)
{
    if (s_value(p) < 0)
        return -1;
    return s_put_be(p, v ? 0xc3 : 0xc2, 0, 0);
}

int nd_pl_null(nd_payload_t *p)
{
    if (s_value(p) < 0)
        return -1;
    return s_put_be(p, 0xc0, 0, 0);
}

int nd_pl_kv_str(nd_payload_t *p, const char *key, const char *s)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_str(p, s);
}

int nd_pl_kv_int(nd_payload_t *p, const char *key, int64_t v)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_int(p, v);
}

int nd_pl_kv_uint(nd_payload_t *p, const char *key, uint64_t v)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_uint(p, v);
}

int nd_pl_kv_double(nd_payload_t *p, const char *key, double v)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_double(p, v);
}

int nd_pl_kv_bool(nd_payload_t *p, const char *key, bool v)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_bool(p, v);
}

int nd_pl_kv_null(nd_payload_t *p, const char *key)
{
    if (nd_pl_key(p, key) < 0)
        return -1;
    return nd_pl_null(p);
}

int nd_pl_depth(const nd_payload_t *p)
{
    return p->depth;
}

size_t nd_pl_top_values(const nd_payload_t *p)
{
    return p->top_values;
}

const char *nd_pl_error(const nd_payload_t *p)
{
    return p->error;
}

const uint8_t *nd_pl_data(const nd_payload_t *p)
{
    return p->data;
}

size_t nd_pl_size(const nd_payload_t *p)
{
    return p->size;
}

void nd_pl_fail(nd_payload_t *p, const char *why)
{
    s_fail(p, why);
}

uint32_t nd_pl_open_count(const nd_payload_t *p)
{
    return p->depth ? p->stack[p->depth - 1].count : 0;
}

bool nd_pl_open_expects_key(const nd_payload_t *p)
{
    return p->depth && p->stack[p->depth - 1].is_map && p->stack[p->depth - 1].want_key;
}
