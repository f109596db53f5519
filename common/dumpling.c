/* SPDX-License-Identifier: MIT */
/* dumpling.c: the dumpling body on the wire (dumpling.h, docs/protocol.md):
 * writing it with the payload builder; validating it in one pass over the
 * bytes, which also builds msgpack-c's objects when the caller wants them
 * (nd_dumpling_decode) and builds nothing when it does not (nd_dumpling_scan);
 * and turning it into JSON with jansson. */
#include "netdumplings/dumpling.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "netdumplings/err.h"
#include "payload_internal.h"

const char *nd_driver_name(nd_driver_t driver)
{
    return driver == ND_DRIVER_INTERVAL ? "interval" : "packet";
}

/* ---- Writing ------------------------------------------------------------ */

int nd_dumpling_begin(nd_payload_t *p, const nd_dumpling_meta_t *meta)
{
    nd_payload_reset(p);
    /* A refused begin leaves the builder with an error, so the matching
     * finish refuses the dumpling too whatever the chef writes meanwhile. */
    if (!meta->chef || !nd_name_valid(meta->chef)) {
        nd_pl_fail(p, "invalid chef name");
        return -1;
    }
    if (!meta->kitchen || !nd_name_valid(meta->kitchen)) {
        nd_pl_fail(p, "invalid kitchen name");
        return -1;
    }
    if (meta->driver != ND_DRIVER_PACKET && meta->driver != ND_DRIVER_INTERVAL) {
        nd_pl_fail(p, "invalid driver");
        return -1;
    }
    nd_pl_map(p);
    nd_pl_key(p, "metadata");
    nd_pl_map(p);
    /* Every key of ND_DUMPLING_META_FIELDS, as its type says. */
#define S_PUT_NAME(id, m) nd_pl_kv_str(p, ND_MD_##id, meta->m);
#define S_PUT_DRIVER(id, m) nd_pl_kv_str(p, ND_MD_##id, nd_driver_name(meta->m));
#define S_PUT_MSTIME(id, m) nd_pl_kv_double(p, ND_MD_##id, meta->m);
#define S_PUT_UINT(id, m)                                                                          \
    if (meta->m)                                                                                   \
        nd_pl_kv_uint(p, ND_MD_##id, meta->m);
#define S_PUT(id, m, type, presence, doc) S_PUT_##type(id, m)
    ND_DUMPLING_META_FIELDS(S_PUT)
#undef S_PUT
    nd_pl_end(p);
    nd_pl_key(p, "payload");
    return nd_pl_error(p) ? -1 : 0;
}

int nd_dumpling_finish(nd_payload_t *p, const char **why)
{
    const char *reason = nd_pl_error(p);
    if (!reason) {
        if (nd_pl_depth(p) == 0)
            reason = "no dumpling begun";
        else if (nd_pl_depth(p) > 1)
            reason = "payload left a map or array open";
        else if (!nd_pl_open_expects_key(p))
            reason = "no payload written";
        else if (nd_pl_open_count(p) != 2)
            reason = "more than one payload value";
    }
    if (!reason && nd_pl_end(p) < 0)
        reason = nd_pl_error(p);
    if (reason) {
        /* Make the refusal sticky: the bytes must never be sent. */
        nd_pl_fail(p, reason);
        if (why)
            *why = reason;
        return -1;
    }
    if (why)
        *why = NULL;
    return 0;
}

int nd_topic(char *buf, size_t len, const char *chef, const char *kitchen)
{
    int n = snprintf(buf, len, "%s/%s", chef, kitchen);
    if (n < 0 || (size_t)n >= len)
        return -1;
    return n;
}

/* ---- Reading ------------------------------------------------------------ */

void nd_dumpling_init(nd_dumpling_t *d)
{
    memset(d, 0, sizeof *d);
    msgpack_unpacked_init(&d->unpacked);
}

void nd_dumpling_release(nd_dumpling_t *d)
{
    msgpack_unpacked_destroy(&d->unpacked);
}

/* A container inside this many others is refused: msgpack-c's unpacker
 * (its stack, MSGPACK_EMBED_STACK_SIZE) refuses it, and the scan accepts
 * exactly what the unpacker accepts. */
#define S_MAX_OUTER ND_DUMPLING_MAX_DEPTH

/* A msgpack token as the scanner sees it. msgpack-c's classes are kept:
 * a signed integer that is not negative counts as unsigned, like
 * MSGPACK_OBJECT_POSITIVE_INTEGER. */
typedef enum {
    S_NIL,
    S_BOOL,
    S_UINT,
    S_INT,
    S_FLOAT,
    S_STR,
    S_BIN,
    S_EXT,
    S_ARRAY,
    S_MAP
} s_kind_t;

typedef struct {
    s_kind_t kind;
    uint64_t n;        /* bytes of a str/bin/ext, elements of an array, pairs of a map */
    const uint8_t *at; /* a str's bytes */
    uint64_t u;        /* S_UINT */
    int64_t i;         /* S_INT */
    double f;          /* S_FLOAT, and any number as a double */
    bool f32;          /* S_FLOAT: a float 32 */
    bool b;            /* S_BOOL */
} s_tok_t;

typedef struct {
    const uint8_t *p, *end;
    const char *why;   /* the first refusal */
    const char *where; /* "payload: " while in the payload, for the refusal */
    const char *why_where;
    msgpack_zone *zone; /* build msgpack objects here (NULL: only check) */
} s_scan_t;

static int s_refuse(s_scan_t *s, const char *why)
{
    if (!s->why) {
        s->why = why;
        s->why_where = s->where;
    }
    return -1;
}

static uint64_t s_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Reads one token: the whole of a scalar or string, the header of a
 * container. A container may not declare more elements than there are bytes
 * left (each takes one at least), so that nothing downstream — msgpack-c's
 * unpacker allocates a container's declared count up front — is asked for
 * gigabytes by a 5-byte body. */
static int s_token(s_scan_t *s, s_tok_t *t)
{
    if (s->p >= s->end)
        return s_refuse(s, "truncated body");
    const uint8_t *p = s->p;
    size_t left = (size_t)(s->end - p);
    uint8_t c = *p;
    if ((c & 0xe0) == 0xa0 && (size_t)(c & 0x1f) < left) {
        /* The commonest token by far (every key): a short string. */
        t->kind = S_STR;
        t->n = c & 0x1f;
        t->at = p + 1;
        s->p = p + 1 + t->n;
        return 0;
    }
    size_t size = 1; /* header bytes, and scalar data */
    int w = 0;       /* width of a length after the type byte */
    if (c <= 0x7f) {
        t->kind = S_UINT;
        t->u = c;
        t->f = c;
    } else if (c >= 0xe0) {
        t->kind = S_INT;
        t->i = (int8_t)c;
        t->f = (double)t->i;
    } else if (c <= 0x8f) {
        t->kind = S_MAP;
        t->n = c & 0x0f;
    } else if (c <= 0x9f) {
        t->kind = S_ARRAY;
        t->n = c & 0x0f;
    } else if (c <= 0xbf) {
        t->kind = S_STR;
        t->n = c & 0x1f;
    } else {
        switch (c) {
        case 0xc0:
            t->kind = S_NIL;
            break;
        case 0xc2:
        case 0xc3:
            t->kind = S_BOOL;
            t->b = c == 0xc3;
            break;
        case 0xc4: /* bin 8/16/32 */
        case 0xc5:
        case 0xc6:
            t->kind = S_BIN;
            w = 1 << (c - 0xc4);
            break;
        case 0xc7: /* ext 8/16/32: length, type byte, data */
        case 0xc8:
        case 0xc9:
            t->kind = S_EXT;
            w = 1 << (c - 0xc7);
            break;
        case 0xca:
        case 0xcb: {
            size = c == 0xca ? 5 : 9;
            if (left < size)
                return s_refuse(s, "truncated body");
            uint64_t bits = s_be(p + 1, (int)size - 1);
            t->kind = S_FLOAT;
            t->f32 = c == 0xca;
            if (c == 0xca) {
                uint32_t b32 = (uint32_t)bits;
                float f;
                memcpy(&f, &b32, 4);
                t->f = f;
            } else {
                memcpy(&t->f, &bits, 8);
            }
            break;
        }
        case 0xcc: /* uint 8/16/32/64 */
        case 0xcd:
        case 0xce:
        case 0xcf:
            size = 1 + ((size_t)1 << (c - 0xcc));
            if (left < size)
                return s_refuse(s, "truncated body");
            t->kind = S_UINT;
            t->u = s_be(p + 1, (int)size - 1);
            t->f = (double)t->u;
            break;
        case 0xd0: /* int 8/16/32/64 */
        case 0xd1:
        case 0xd2:
        case 0xd3: {
            int n = 1 << (c - 0xd0);
            size = 1 + (size_t)n;
            if (left < size)
                return s_refuse(s, "truncated body");
            uint64_t raw = s_be(p + 1, n);
            int64_t v;
            if (n == 8)
                memcpy(&v, &raw, 8);
            else if (raw >> (8 * n - 1))
                v = (int64_t)(raw | ~((UINT64_C(1) << (8 * n)) - 1));
            else
                v = (int64_t)raw;
            if (v >= 0) {
                t->kind = S_UINT;
                t->u = (uint64_t)v;
            } else {
                t->kind = S_INT;
                t->i = v;
            }
            t->f = (double)v;
            break;
        }
        case 0xd4: /* fixext 1/2/4/8/16 */
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
            t->kind = S_EXT;
            size = 2 + ((size_t)1 << (c - 0xd4));
            break;
        case 0xd9: /* str 8/16/32 */
        case 0xda:
        case 0xdb:
            t->kind = S_STR;
            w = 1 << (c - 0xd9);
            break;
        case 0xdc: /* array 16/32 */
        case 0xdd:
            t->kind = S_ARRAY;
            w = c == 0xdc ? 2 : 4;
            break;
        case 0xde: /* map 16/32 */
        case 0xdf:
            t->kind = S_MAP;
            w = c == 0xde ? 2 : 4;
            break;
        default: /* 0xc1 */
            return s_refuse(s, "not msgpack");
        }
    }
    if (w) {
        if (left < (size_t)1 + (size_t)w)
            return s_refuse(s, "truncated body");
        size = 1 + (size_t)w;
        uint64_t n = s_be(p + 1, w);
        if (t->kind == S_ARRAY || t->kind == S_MAP)
            t->n = n;
        else
            size += n + (t->kind == S_EXT); /* ext: the type byte */
        if (t->kind == S_STR) {
            t->at = p + 1 + w;
            t->n = n;
        }
    } else if (t->kind == S_STR) {
        size += t->n;
        t->at = p + 1;
    }
    if (size > left)
        return s_refuse(s, "truncated body");
    s->p = p + size;
    if (t->kind == S_ARRAY || t->kind == S_MAP) {
        uint64_t owed = t->kind == S_MAP ? 2 * t->n : t->n;
        if (owed > (size_t)(s->end - s->p))
            return s_refuse(s, "truncated body (more elements declared than bytes left)");
    }
    return 0;
}

/* Fills `o` (if not NULL) from a scalar or string token, as msgpack-c would. */
static void s_object(const s_tok_t *t, msgpack_object *o)
{
    if (!o)
        return;
    switch (t->kind) {
    case S_BOOL:
        o->type = MSGPACK_OBJECT_BOOLEAN;
        o->via.boolean = t->b;
        break;
    case S_UINT:
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = t->u;
        break;
    case S_INT:
        o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        o->via.i64 = t->i;
        break;
    case S_FLOAT:
        o->type = t->f32 ? MSGPACK_OBJECT_FLOAT32 : MSGPACK_OBJECT_FLOAT64;
        o->via.f64 = t->f;
        break;
    case S_STR:
        o->type = MSGPACK_OBJECT_STR;
        o->via.str.size = (uint32_t)t->n;
        o->via.str.ptr = (const char *)t->at;
        break;
    default: /* nil; the rest are refused before they are kept */
        o->type = MSGPACK_OBJECT_NIL;
        break;
    }
}

/* Starts container object `o` (if not NULL) of t->n elements. Returns room
 * for them from the zone: NULL when there are none or nothing is built, and
 * NULL with the body refused (s->why) when out of memory. */
static void *s_container(s_scan_t *s, const s_tok_t *t, msgpack_object *o)
{
    if (!o)
        return NULL;
    bool map = t->kind == S_MAP;
    void *kids = NULL;
    /* n is at most the bytes left in the body (s_token), so this is bounded. */
    if (t->n > 0 &&
        !(kids = msgpack_zone_malloc(s->zone, (size_t)t->n * (map ? sizeof(msgpack_object_kv)
                                                                  : sizeof(msgpack_object))))) {
        s_refuse(s, "out of memory");
        return NULL;
    }
    if (map) {
        o->type = MSGPACK_OBJECT_MAP;
        o->via.map.size = (uint32_t)t->n;
        o->via.map.ptr = kids;
    } else {
        o->type = MSGPACK_OBJECT_ARRAY;
        o->via.array.size = (uint32_t)t->n;
        o->via.array.ptr = kids;
    }
    return kids;
}

static bool s_tok_is(const s_tok_t *t, const char *lit, size_t n)
{
    return t->kind == S_STR && t->n == n && memcmp(t->at, lit, n) == 0;
}
#define S_TOK_IS(t, lit) s_tok_is((t), lit, sizeof lit - 1)

/* Checks the value that starts at s->p and moves past it: it must convert to
 * JSON (string or integer keys, UTF-8 strings, no bin or ext). `outer` is the
 * number of containers around it in the body. Builds it into `o` unless NULL. */
static int s_value(s_scan_t *s, int outer, msgpack_object *o)
{
    s_tok_t t;
    if (s_token(s, &t) < 0)
        return -1;
    switch (t.kind) {
    case S_STR:
        if (!nd_utf8_valid(t.at, t.n))
            return s_refuse(s, "string is not valid UTF-8");
        break;
    case S_BIN:
        return s_refuse(s, "binary data (bin) has no JSON form");
    case S_EXT:
        return s_refuse(s, "extension type (ext) has no JSON form");
    case S_ARRAY: {
        if (outer >= S_MAX_OUTER)
            return s_refuse(s, "nested too deeply");
        msgpack_object *kids = s_container(s, &t, o);
        if (s->why)
            return -1;
        for (uint64_t i = 0; i < t.n; i++)
            if (s_value(s, outer + 1, kids ? &kids[i] : NULL) < 0)
                return -1;
        return 0;
    }
    case S_MAP: {
        if (outer >= S_MAX_OUTER)
            return s_refuse(s, "nested too deeply");
        msgpack_object_kv *kv = s_container(s, &t, o);
        if (s->why)
            return -1;
        for (uint64_t i = 0; i < t.n; i++) {
            s_tok_t k;
            if (s_token(s, &k) < 0)
                return -1;
            if (k.kind == S_STR) {
                if (!nd_utf8_valid(k.at, k.n))
                    return s_refuse(s, "map key is not valid UTF-8");
            } else if (k.kind != S_UINT && k.kind != S_INT) {
                return s_refuse(s, "map key is neither a string nor an integer");
            }
            s_object(&k, kv ? &kv[i].key : NULL);
            if (s_value(s, outer + 1, kv ? &kv[i].val : NULL) < 0)
                return -1;
        }
        return 0;
    }
    default:
        break;
    }
    s_object(&t, o);
    return 0;
}

/* Walks one value's tokens without looking at them, only counting the
 * elements still owed. Sets *end to where the value ends. */
static const char *s_prescan(const uint8_t *b, size_t len, size_t *end)
{
    s_scan_t s = {.p = b, .end = b + len};
    uint64_t owed = 1;
    while (owed > 0) {
        s_tok_t t;
        if (s_token(&s, &t) < 0)
            return s.why;
        owed = owed - 1 + (t.kind == S_MAP ? 2 * t.n : t.kind == S_ARRAY ? t.n : 0);
    }
    *end = (size_t)(s.p - b);
    return NULL;
}

/* A chef or kitchen name: a string that is a valid name, copied to `out`. */
static int s_name(s_scan_t *s, const char *bad_type, const char *bad_name,
                  char out[ND_NAME_MAX + 1], msgpack_object *o)
{
    s_tok_t v;
    if (s_token(s, &v) < 0)
        return -1;
    if (v.kind != S_STR)
        return s_refuse(s, bad_type);
    if (!nd_name_validn((const char *)v.at, v.n))
        return s_refuse(s, bad_name);
    memcpy(out, v.at, v.n);
    out[v.n] = '\0';
    s_object(&v, o);
    return 0;
}

/* The metadata keys we know (ND_DUMPLING_META_FIELDS), with where each goes
 * in nd_dumpling_t and what the decoder says when it is wrong. */
typedef enum { S_MD_NAME, S_MD_DRIVER, S_MD_MSTIME, S_MD_UINT } s_md_type_t;

typedef struct {
    const char *key;
    s_md_type_t type;
    bool required;
    size_t off, has_off; /* has_off: UINT only, its has_ flag */
    const char *twice, *missing, *bad_type, *bad_value;
} s_md_t;

#define S_BAD_TYPE_NAME " is not a string"
#define S_BAD_TYPE_DRIVER " is not \"packet\" or \"interval\""
#define S_BAD_TYPE_MSTIME " is not a number"
#define S_BAD_TYPE_UINT " is not an unsigned integer"
#define S_BAD_VALUE_NAME " is not a valid name"
#define S_BAD_VALUE_DRIVER S_BAD_TYPE_DRIVER
#define S_BAD_VALUE_MSTIME " is not finite"
#define S_BAD_VALUE_UINT S_BAD_TYPE_UINT
#define S_HAS_NAME(m) 0
#define S_HAS_DRIVER(m) 0
#define S_HAS_MSTIME(m) 0
#define S_HAS_UINT(m) offsetof(nd_dumpling_t, has_##m)
#define S_IS_REQUIRED true
#define S_IS_OPTIONAL false
#define S_MD(id, m, type, presence, doc)                                                           \
    {ND_MD_##id,                                                                                   \
     S_MD_##type,                                                                                  \
     S_IS_##presence,                                                                              \
     offsetof(nd_dumpling_t, m),                                                                   \
     S_HAS_##type(m),                                                                              \
     "metadata has " ND_MD_##id " twice",                                                          \
     "metadata has no " ND_MD_##id,                                                                \
     "metadata " ND_MD_##id S_BAD_TYPE_##type,                                                     \
     "metadata " ND_MD_##id S_BAD_VALUE_##type},
static const s_md_t s_md[] = {ND_DUMPLING_META_FIELDS(S_MD)};
#undef S_MD
#define S_NMD (sizeof s_md / sizeof s_md[0])
_Static_assert(sizeof s_md / sizeof s_md[0] <= 32, "s_metadata keeps the keys seen in 32 bits");

/* The value of the known key `f`, at s->p, into `d`. */
static int s_md_value(s_scan_t *s, nd_dumpling_t *d, const s_md_t *f, msgpack_object *vo)
{
    char *at = (char *)d + f->off;
    if (f->type == S_MD_NAME)
        return s_name(s, f->bad_type, f->bad_value, at, vo);
    s_tok_t v;
    if (s_token(s, &v) < 0)
        return -1;
    if (f->type == S_MD_DRIVER) {
        if (!S_TOK_IS(&v, "packet") && !S_TOK_IS(&v, "interval"))
            return s_refuse(s, f->bad_type);
        *(nd_driver_t *)at = S_TOK_IS(&v, "packet") ? ND_DRIVER_PACKET : ND_DRIVER_INTERVAL;
    } else if (f->type == S_MD_MSTIME) {
        if (v.kind != S_FLOAT && v.kind != S_UINT && v.kind != S_INT)
            return s_refuse(s, f->bad_type);
        if (!isfinite(v.f))
            return s_refuse(s, f->bad_value);
        *(double *)at = v.f;
    } else {
        if (v.kind != S_UINT)
            return s_refuse(s, f->bad_type);
        *(bool *)((char *)d + f->has_off) = true;
        *(uint64_t *)at = v.u;
    }
    s_object(&v, vo);
    return 0;
}

/* The metadata map, at s->p, built into `o` unless NULL. */
static int s_metadata(s_scan_t *s, nd_dumpling_t *d, msgpack_object *o)
{
    s_tok_t m;
    if (s_token(s, &m) < 0)
        return -1;
    if (m.kind != S_MAP)
        return s_refuse(s, "metadata is not a map");
    msgpack_object_kv *kv = s_container(s, &m, o);
    if (s->why)
        return -1;
    unsigned seen = 0;
    for (uint64_t i = 0; i < m.n; i++) {
        s_tok_t k;
        if (s_token(s, &k) < 0)
            return -1;
        if (k.kind != S_STR)
            return s_refuse(s, "metadata key is not a string");
        s_object(&k, kv ? &kv[i].key : NULL);
        msgpack_object *vo = kv ? &kv[i].val : NULL;
        size_t f = 0;
        while (f < S_NMD && !s_tok_is(&k, s_md[f].key, strlen(s_md[f].key)))
            f++;
        if (f < S_NMD) {
            if (seen & (1u << f))
                return s_refuse(s, s_md[f].twice);
            seen |= 1u << f;
            if (s_md_value(s, d, &s_md[f], vo) < 0)
                return -1;
            continue;
        }
        /* An extension: any key is fine as long as it becomes JSON. */
        if (!nd_utf8_valid(k.at, k.n))
            return s_refuse(s, "metadata key is not valid UTF-8");
        s->where = "metadata: ";
        if (s_value(s, 2, vo) < 0)
            return -1;
        s->where = NULL;
    }
    for (size_t f = 0; f < S_NMD; f++)
        if (s_md[f].required && !(seen & (1u << f)))
            return s_refuse(s, s_md[f].missing);
    return 0;
}

static void s_meta_reset(nd_dumpling_t *d)
{
    d->chef[0] = d->kitchen[0] = '\0';
    d->driver = ND_DRIVER_PACKET;
    d->creation_time = 0;
    d->has_sequence = false;
    d->sequence = 0;
    d->has_topic_sequence = false;
    d->topic_sequence = 0;
    memset(&d->metadata, 0, sizeof d->metadata);
    memset(&d->payload, 0, sizeof d->payload);
}

/* The whole body, in one pass: checked, its metadata taken into `d`, and with
 * a zone, built into d->unpacked.data, d->metadata and d->payload. */
static int s_body(nd_dumpling_t *d, const void *body, size_t len, msgpack_zone *zone, char *err,
                  size_t errlen)
{
    s_meta_reset(d);
    memset(&d->unpacked.data, 0, sizeof d->unpacked.data);
    if (len == 0)
        return nd_errf(err, errlen, "empty body");
    s_scan_t s = {.p = body, .end = (const uint8_t *)body + len, .zone = zone};
    msgpack_object root, *ro = zone ? &root : NULL;
    s_tok_t rt;
    bool has_metadata = false, has_payload = false;
    if (s_token(&s, &rt) < 0)
        goto refused;
    if (rt.kind != S_MAP) {
        s_refuse(&s, "body is not a map");
        goto refused;
    }
    msgpack_object_kv *kv = s_container(&s, &rt, ro);
    if (s.why)
        goto refused;
    for (uint64_t i = 0; i < rt.n; i++) {
        s_tok_t k;
        if (s_token(&s, &k) < 0)
            goto refused;
        bool is_metadata = S_TOK_IS(&k, "metadata");
        if (!is_metadata && !S_TOK_IS(&k, "payload")) {
            s_refuse(&s, "body has a key other than metadata and payload");
            goto refused;
        }
        bool *seen = is_metadata ? &has_metadata : &has_payload;
        if (*seen) {
            s_refuse(&s, "body has a key twice");
            goto refused;
        }
        *seen = true;
        s_object(&k, kv ? &kv[i].key : NULL);
        msgpack_object *vo = kv ? &kv[i].val : NULL;
        s.where = is_metadata ? NULL : "payload: ";
        if (is_metadata ? s_metadata(&s, d, vo) < 0 : s_value(&s, 1, vo) < 0)
            goto refused;
        s.where = NULL;
        if (vo)
            *(is_metadata ? &d->metadata : &d->payload) = *vo;
    }
    if (s.p != s.end) {
        s_meta_reset(d);
        return nd_errf(err, errlen, "%zu trailing bytes after the body", (size_t)(s.end - s.p));
    }
    if (!has_metadata || !has_payload) {
        s_meta_reset(d);
        return nd_errf(err, errlen, "body has no %s", has_metadata ? "payload" : "metadata");
    }
    if (ro)
        d->unpacked.data = root;
    return 0;
refused:
    s_meta_reset(d);
    return nd_errf(err, errlen, "%s%s", s.why_where ? s.why_where : "",
                   s.why ? s.why : "invalid body");
}

int nd_dumpling_scan(nd_dumpling_t *d, const void *body, size_t len, char *err, size_t errlen)
{
    return s_body(d, body, len, NULL, err, errlen);
}

int nd_dumpling_decode(nd_dumpling_t *d, const void *body, size_t len, char *err, size_t errlen)
{
    /* Objects come from a zone we keep, cleared between bodies: once warm, a
     * body that fits one zone chunk costs no malloc. */
    if (!d->unpacked.zone) {
        d->unpacked.zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
        if (!d->unpacked.zone) {
            s_meta_reset(d);
            memset(&d->unpacked.data, 0, sizeof d->unpacked.data);
            return nd_errf(err, errlen, "out of memory");
        }
    } else {
        msgpack_zone_clear(d->unpacked.zone);
    }
    return s_body(d, body, len, d->unpacked.zone, err, errlen);
}

bool nd_dumpling_topic_matches(const nd_dumpling_t *d, const char *topic, size_t topic_len)
{
    size_t c = strlen(d->chef), k = strlen(d->kitchen);
    if (c == 0 || k == 0 || topic_len != c + 1 + k)
        return false;
    return memcmp(topic, d->chef, c) == 0 && topic[c] == '/' &&
           memcmp(topic + c + 1, d->kitchen, k) == 0;
}

/* ---- JSON --------------------------------------------------------------- */

json_t *nd_msgpack_to_json(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        /* JSON has no unsigned 64-bit integers in jansson: keep the magnitude. */
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        /* JSON has no NaN or infinity; null is what Python's eaters get too. */
        return isfinite(o->via.f64) ? json_real(o->via.f64) : json_null();
    case MSGPACK_OBJECT_STR:
        /* msgpack-c 4.0 leaves ptr NULL for an empty fixstr that comes before
         * any token with a body, and jansson refuses a NULL string. */
        return json_stringn(o->via.str.size ? o->via.str.ptr : "", o->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        if (!a)
            return NULL;
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            json_t *v = nd_msgpack_to_json(&o->via.array.ptr[i]);
            if (!v || json_array_append_new(a, v) < 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        if (!m)
            return NULL;
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            char num[24];
            const char *key;
            size_t klen;
            if (k->type == MSGPACK_OBJECT_STR) {
                key = k->via.str.size ? k->via.str.ptr : ""; /* as above */
                klen = k->via.str.size;
            } else if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                klen = (size_t)snprintf(num, sizeof num, "%" PRIu64, k->via.u64);
                key = num;
            } else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
                klen = (size_t)snprintf(num, sizeof num, "%" PRId64, k->via.i64);
                key = num;
            } else {
                json_decref(m);
                return NULL;
            }
            json_t *v = nd_msgpack_to_json(&o->via.map.ptr[i].val);
            /* setn checks the key's UTF-8 and steals v even on failure. */
            if (!v || json_object_setn_new(m, key, klen, v) < 0) {
                json_decref(m);
                return NULL;
            }
        }
        return m;
    }
    default:
        return NULL;
    }
}

json_t *nd_dumpling_to_json(const nd_dumpling_t *d, bool seconds)
{
    if (d->metadata.type != MSGPACK_OBJECT_MAP)
        return NULL;
    json_t *root = json_object();
    json_t *meta = nd_msgpack_to_json(&d->metadata);
    json_t *payload = nd_msgpack_to_json(&d->payload);
    if (!root || !meta || !payload) {
        json_decref(root);
        json_decref(meta);
        json_decref(payload);
        return NULL;
    }
    /* The MSTIME keys in seconds. Replacing an existing key keeps its place,
     * so the order survives. */
    int bad = 0;
#define S_SECS_NAME(id, m)
#define S_SECS_DRIVER(id, m)
#define S_SECS_UINT(id, m)
#define S_SECS_MSTIME(id, m)                                                                       \
    if (seconds && json_object_set_new(meta, ND_MD_##id, json_real(d->m / 1000.0)) < 0)            \
        bad = 1;
#define S_SECS(id, m, type, presence, doc) S_SECS_##type(id, m)
    ND_DUMPLING_META_FIELDS(S_SECS)
#undef S_SECS
    if (bad) {
        json_decref(root);
        json_decref(meta);
        json_decref(payload);
        return NULL;
    }
    if (json_object_set_new(root, "metadata", meta) < 0) {
        json_decref(root);
        json_decref(payload);
        return NULL;
    }
    if (json_object_set_new(root, "payload", payload) < 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int nd_msgpack_unpack_one(msgpack_unpacked *u, const void *data, size_t len, char *err,
                          size_t errlen)
{
    if (len == 0)
        return nd_errf(err, errlen, "empty message");
    size_t end = 0;
    const char *bad = s_prescan(data, len, &end);
    if (bad)
        return nd_errf(err, errlen, "%s", bad);
    if (end != len)
        return nd_errf(err, errlen, "%zu trailing bytes", len - end);
    size_t off = 0;
    if (msgpack_unpack_next(u, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return nd_errf(err, errlen, "not one msgpack value");
    return 0;
}
