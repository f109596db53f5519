/* SPDX-License-Identifier: MIT */
/* json_text.c: a decoded dumpling written straight from msgpack objects to
 * compact JSON text, byte for byte what jansson's json_dumps(nd_dumpling_to_json(),
 * JSON_COMPACT) gives, without building a jansson tree (the gateway's hot path;
 * tests/unit/test_json_text.c holds it to jansson's output). */
#include "netdumplings/dumpling.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nd_strbuf_release(nd_strbuf_t *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Room for n more bytes and a terminating NUL. */
static int s_reserve(nd_strbuf_t *b, size_t n)
{
    if (b->cap - b->len > n)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int s_put(nd_strbuf_t *b, const void *s, size_t n)
{
    if (s_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int s_putc(nd_strbuf_t *b, char c)
{
    if (s_reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

/* Decimal digits of v at the end of buf[24]; returns where they start. */
static char *s_u64(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

/* The text of an integer map key: jansson's keys are strings, "%" PRIu64 / PRId64. */
static void s_key(const msgpack_object *k, char num[24], const char **p, size_t *len)
{
    if (k->type == MSGPACK_OBJECT_STR) {
        *p = k->via.str.size ? k->via.str.ptr : ""; /* msgpack-c may leave an empty one NULL */
        *len = k->via.str.size;
        return;
    }
    char *end = num + 24;
    char *s;
    if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        s = s_u64(k->via.u64, end);
    } else {
        uint64_t mag = k->via.i64 < 0 ? (uint64_t)0 - (uint64_t)k->via.i64 : (uint64_t)k->via.i64;
        s = s_u64(mag, end);
        if (k->via.i64 < 0)
            *--s = '-';
    }
    *p = s;
    *len = (size_t)(end - s);
}

static int s_int(nd_strbuf_t *b, uint64_t mag, bool neg)
{
    char num[24];
    char *s = s_u64(mag, num + sizeof num);
    if (neg)
        *--s = '-';
    return s_put(b, s, (size_t)(num + sizeof num - s));
}

/* ---- Reals: jansson's jsonp_dtostr with precision 17 -------------------- */

static const uint64_t s_pow10[] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

/* "%.17g" of a finite a in [1e-4, 1e17) in fixed notation, the way glibc
 * prints it (exact binary value, rounded half to even), without printf: the
 * 17 significant digits are round(a * 10^(16-X)) computed exactly in 128
 * bits. Returns the length written to out, or -1 to leave it to snprintf. */
static int s_g17_fixed(double a, char *out)
{
#if defined(__SIZEOF_INT128__)
    if (!(a >= 1e-4 && a < 1e17))
        return -1;
    int e2;
    double f = frexp(a, &e2);
    uint64_t m = (uint64_t)ldexp(f, 53); /* a = m * 2^e exactly */
    int e = e2 - 53;
    int x = (int)floor(log10(a));
    uint64_t d = 0;
    for (int tries = 0;; tries++) {
        if (tries > 3 || x > 16 || x < -4)
            return -1;
        int k = 16 - x; /* 0..20 */
        unsigned __int128 n;
        if (k <= 19) {
            n = (unsigned __int128)m * s_pow10[k];
        } else {
            n = (unsigned __int128)m * s_pow10[19] * 10u;
        }
        if (e >= 0) {
            if (e > 8)
                return -1;
            n <<= e;
        } else {
            int sh = -e;
            if (sh >= 120)
                return -1;
            unsigned __int128 q = n >> sh, r = n - (q << sh);
            unsigned __int128 half = (unsigned __int128)1 << (sh - 1);
            if (r > half || (r == half && (q & 1)))
                q++;
            n = q;
        }
        if (n >= (unsigned __int128)s_pow10[17]) {
            x++;
            continue;
        }
        if (n < (unsigned __int128)s_pow10[16]) {
            x--;
            continue;
        }
        d = (uint64_t)n;
        break;
    }
    char digits[17];
    for (int i = 16; i >= 0; i--) {
        digits[i] = (char)('0' + d % 10);
        d /= 10;
    }
    int last = 16; /* trailing zeros go, as with %g */
    while (last > 0 && digits[last] == '0')
        last--;
    int len = 0;
    if (x >= 0) {
        memcpy(out, digits, (size_t)x + 1);
        len = x + 1;
        out[len++] = '.';
        if (last > x) {
            memcpy(out + len, digits + x + 1, (size_t)(last - x));
            len += last - x;
        } else {
            out[len++] = '0'; /* jansson's ".0": a real stays a real */
        }
    } else {
        out[len++] = '0';
        out[len++] = '.';
        for (int i = 0; i < -x - 1; i++)
            out[len++] = '0';
        memcpy(out + len, digits, (size_t)last + 1);
        len += last + 1;
    }
    return len;
#else
    (void)a;
    (void)out;
    return -1;
#endif
}

/* jansson's jsonp_dtostr(): "%.17g", ".0" added when there is neither '.'
 * nor 'e', '+' and leading zeros dropped from the exponent. */
static int s_real(nd_strbuf_t *b, double v)
{
    char buf[64];
    int len;
    if (v == 0) {
        return signbit(v) ? s_put(b, "-0.0", 4) : s_put(b, "0.0", 3);
    }
    char *p = buf;
    if (v < 0) {
        *p++ = '-';
    }
    len = s_g17_fixed(fabs(v), p);
    if (len >= 0) {
        return s_put(b, buf, (size_t)len + (size_t)(p - buf));
    }
    len = snprintf(buf, sizeof buf - 3, "%.17g", v);
    if (len < 0 || (size_t)len >= sizeof buf - 3)
        return -1;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        buf[len++] = '.';
        buf[len++] = '0';
        buf[len] = '\0';
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)len - (size_t)(end - buf) + 1);
            len -= (int)(end - start);
        }
    }
    return s_put(b, buf, (size_t)len);
}

/* ---- Strings: jansson's escaping without JSON_ENSURE_ASCII / ESCAPE_SLASH */

static const char s_hex[] = "0123456789ABCDEF";

/* The bytes are valid UTF-8 (the decoder checked): only ASCII needs escaping,
 * so a byte-wise scan is the same as jansson's code-point walk. */
static int s_string(nd_strbuf_t *b, const char *s, size_t n)
{
    /* Worst case every byte becomes \u00XX. */
    if (n > (SIZE_MAX - 2) / 6 || s_reserve(b, n * 6 + 2) < 0)
        return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = s_hex[c >> 4];
            *o++ = s_hex[c & 15];
            break;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    return 0;
}

/* ---- Values -------------------------------------------------------------- */

static int s_value(nd_strbuf_t *b, const msgpack_object *o, int depth);

static bool s_key_eq(const msgpack_object *a, const msgpack_object *c)
{
    char na[24], nc[24];
    const char *pa, *pc;
    size_t la, lc;
    s_key(a, na, &pa, &la);
    s_key(c, nc, &pc, &lc);
    return la == lc && memcmp(pa, pc, la) == 0;
}

static uint32_t s_key_hash(const msgpack_object *k)
{
    char num[24];
    const char *p;
    size_t len;
    s_key(k, num, &p, &len);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

/* A msgpack map may hold a key twice; jansson keeps the first place and the
 * last value. Fills last[i] with the index of the value to show for entry i,
 * or UINT32_MAX when entry i repeats an earlier key. Returns 1 when some key
 * repeats, 0 when none does (last[] is then left alone), -1 on no memory. */
static int s_dups(const msgpack_object_map *m, uint32_t **last_p)
{
    uint32_t n = m->size;
    *last_p = NULL;
    if (n < 2)
        return 0;
    if (n <= 16) { /* small maps: pairwise is cheaper than hashing */
        bool any = false;
        for (uint32_t i = 1; i < n && !any; i++)
            for (uint32_t j = 0; j < i && !any; j++)
                any = s_key_eq(&m->ptr[i].key, &m->ptr[j].key);
        if (!any)
            return 0;
    }
    size_t cap = 32;
    while (cap < (size_t)n * 2)
        cap *= 2;
    uint32_t *table = malloc(cap * sizeof *table);
    uint32_t *last = malloc((size_t)n * sizeof *last);
    if (!table || !last) {
        free(table);
        free(last);
        return -1;
    }
    memset(table, 0xff, cap * sizeof *table);
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        size_t slot = s_key_hash(&m->ptr[i].key) & (cap - 1);
        last[i] = i;
        for (;;) {
            uint32_t j = table[slot];
            if (j == UINT32_MAX) {
                table[slot] = i;
                break;
            }
            if (s_key_eq(&m->ptr[i].key, &m->ptr[j].key)) {
                last[j] = i;
                last[i] = UINT32_MAX;
                any = true;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }
    free(table);
    if (!any) {
        free(last);
        return 0;
    }
    *last_p = last;
    return 1;
}

/* The metadata keys of type MSTIME (ND_DUMPLING_META_FIELDS): creation_time. */
#define S_MS_NAME(id)
#define S_MS_DRIVER(id)
#define S_MS_UINT(id)
#define S_MS_MSTIME(id) ND_MD_##id,
#define S_MS(id, m, type, presence, doc) S_MS_##type(id)
static const char *const s_mstime_keys[] = {ND_DUMPLING_META_FIELDS(S_MS) NULL};
#undef S_MS

static bool s_is_mstime(const char *k, size_t len)
{
    for (const char *const *m = s_mstime_keys; *m; m++)
        if (strlen(*m) == len && memcmp(*m, k, len) == 0)
            return true;
    return false;
}

/* Where the top map's MSTIME value ("creation_time") is written, and in what
 * unit (one such key: a second would be noted in place of the first). */
typedef struct {
    const double *seconds; /* non-NULL: write *seconds as a real instead */
    size_t at, len;        /* where the value went in the text */
} s_ct_t;

/* A map; with `ct`, the value of key "creation_time" is noted in *ct, and
 * written as *ct->seconds when that is set (nd_dumpling_to_json's seconds). */
static int s_map(nd_strbuf_t *b, const msgpack_object_map *m, int depth, s_ct_t *ct)
{
    uint32_t *last = NULL;
    int dups = s_dups(m, &last);
    if (dups < 0)
        return -1;
    int rc = s_putc(b, '{');
    bool first = true;
    for (uint32_t i = 0; rc == 0 && i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        const msgpack_object *v = &m->ptr[i].val;
        if (dups) {
            if (last[i] == UINT32_MAX)
                continue;
            v = &m->ptr[last[i]].val;
        }
        if (k->type != MSGPACK_OBJECT_STR && k->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
            k->type != MSGPACK_OBJECT_NEGATIVE_INTEGER) {
            rc = -1;
            break;
        }
        char num[24];
        const char *kp;
        size_t klen;
        s_key(k, num, &kp, &klen);
        if (!first)
            rc = s_putc(b, ',');
        first = false;
        if (rc == 0)
            rc = s_string(b, kp, klen);
        if (rc == 0)
            rc = s_putc(b, ':');
        if (rc == 0) {
            if (ct && s_is_mstime(kp, klen)) {
                ct->at = b->len;
                rc = ct->seconds ? s_real(b, *ct->seconds) : s_value(b, v, depth + 1);
                ct->len = b->len - ct->at;
            } else {
                rc = s_value(b, v, depth + 1);
            }
        }
    }
    free(last);
    if (rc == 0)
        rc = s_putc(b, '}');
    return rc;
}

static int s_value(nd_strbuf_t *b, const msgpack_object *o, int depth)
{
    /* The decoder limits nesting; this guards callers that did not decode. */
    if (depth > ND_DUMPLING_MAX_DEPTH + 2)
        return -1;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return s_put(b, "null", 4);
    case MSGPACK_OBJECT_BOOLEAN:
        return o->via.boolean ? s_put(b, "true", 4) : s_put(b, "false", 5);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        /* As nd_msgpack_to_json: above INT64_MAX jansson holds it as a real. */
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return s_real(b, (double)o->via.u64);
        return s_int(b, o->via.u64, false);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        if (o->via.i64 < 0)
            return s_int(b, (uint64_t)0 - (uint64_t)o->via.i64, true);
        return s_int(b, (uint64_t)o->via.i64, false);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return isfinite(o->via.f64) ? s_real(b, o->via.f64) : s_put(b, "null", 4);
    case MSGPACK_OBJECT_STR:
        return s_string(b, o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        if (s_putc(b, '[') < 0)
            return -1;
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i && s_putc(b, ',') < 0)
                return -1;
            if (s_value(b, &o->via.array.ptr[i], depth + 1) < 0)
                return -1;
        }
        return s_putc(b, ']');
    }
    case MSGPACK_OBJECT_MAP:
        return s_map(b, &o->via.map, depth, NULL);
    default:
        return -1; /* bin, ext: no JSON form */
    }
}

/* Ends what was written from `start` on: NUL-terminated when rc is 0, taken
 * back when it is not. Returns 0 or -1. */
static int s_finish(nd_strbuf_t *out, size_t start, int rc)
{
    if (rc == 0 && s_reserve(out, 0) == 0) {
        out->data[out->len] = '\0';
        return 0;
    }
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return -1;
}

int nd_msgpack_json_text(const msgpack_object *o, nd_strbuf_t *out)
{
    size_t start = out->len;
    return s_finish(out, start, s_value(out, o, 0));
}

int nd_dumpling_json_text(const nd_dumpling_t *d, bool seconds, nd_strbuf_t *out)
{
    size_t at, len;
    return nd_dumpling_json_text_ct(d, seconds, out, &at, &len);
}

int nd_dumpling_json_text_ct(const nd_dumpling_t *d, bool seconds, nd_strbuf_t *out, size_t *ct_at,
                             size_t *ct_len)
{
    if (d->metadata.type != MSGPACK_OBJECT_MAP)
        return -1;
    size_t start = out->len;
    double secs = d->creation_time / 1000.0;
    s_ct_t ct = {seconds ? &secs : NULL, 0, 0};
    int rc = s_put(out, "{\"metadata\":", 12);
    if (rc == 0)
        rc = s_map(out, &d->metadata.via.map, 0, &ct);
    *ct_at = ct.at;
    *ct_len = ct.len;
    if (rc == 0)
        rc = s_put(out, ",\"payload\":", 11);
    if (rc == 0)
        rc = s_value(out, &d->payload, 0);
    if (rc == 0)
        rc = s_putc(out, '}');
    return s_finish(out, start, rc);
}

int nd_json_creation_time(double ms, bool seconds, nd_strbuf_t *out)
{
    size_t start = out->len;
    return s_finish(out, start, s_real(out, seconds ? ms / 1000.0 : ms));
}
