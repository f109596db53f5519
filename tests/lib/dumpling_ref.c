/* SPDX-License-Identifier: MIT */
/* dumpling_ref.c: the reference the dumpling scanner is checked against.
 *
 * This is how libnetdumplings validated a dumpling body before
 * nd_dumpling_scan (common/dumpling.c) did it in one pass over the bytes:
 * msgpack-c unpacks the body into objects, and the objects are checked. Its
 * parser is msgpack-c's, not ours, which is what makes it an oracle:
 * tests/unit/test_dumpling_scan.c and the fuzz_dumpling target require that
 * both accept exactly the same bodies, with the same metadata. (The walk that
 * keeps msgpack-c from reserving room for a hostile header's 4 billion
 * elements is the one part not checked by it.) */
#include "dumpling_ref.h"

#include "netdumplings/err.h"
#include "../../common/payload_internal.h" /* nd_utf8_valid */

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static bool s_str_is(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

/* Checks that `o` converts to JSON: string or integer keys, UTF-8 strings, no
 * bin or ext, at most ND_DUMPLING_MAX_DEPTH containers deep. `depth` is the
 * number of containers around `o`. */
static int s_check(const msgpack_object *o, int depth, char *err, size_t errlen)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
    case MSGPACK_OBJECT_BOOLEAN:
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return 0;
    case MSGPACK_OBJECT_STR:
        if (!nd_utf8_valid(o->via.str.ptr, o->via.str.size))
            return nd_errf(err, errlen, "string is not valid UTF-8");
        return 0;
    case MSGPACK_OBJECT_ARRAY:
        if (depth + 1 > ND_DUMPLING_MAX_DEPTH)
            return nd_errf(err, errlen, "nested too deeply");
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (s_check(&o->via.array.ptr[i], depth + 1, err, errlen) < 0)
                return -1;
        return 0;
    case MSGPACK_OBJECT_MAP:
        if (depth + 1 > ND_DUMPLING_MAX_DEPTH)
            return nd_errf(err, errlen, "nested too deeply");
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type == MSGPACK_OBJECT_STR) {
                if (!nd_utf8_valid(k->via.str.ptr, k->via.str.size))
                    return nd_errf(err, errlen, "map key is not valid UTF-8");
            } else if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
                       k->type != MSGPACK_OBJECT_NEGATIVE_INTEGER) {
                return nd_errf(err, errlen, "map key is neither a string nor an integer");
            }
            if (s_check(&o->via.map.ptr[i].val, depth + 1, err, errlen) < 0)
                return -1;
        }
        return 0;
    case MSGPACK_OBJECT_BIN:
        return nd_errf(err, errlen, "binary data (bin) has no JSON form");
    case MSGPACK_OBJECT_EXT:
    default:
        return nd_errf(err, errlen, "extension type (ext) has no JSON form");
    }
}

/* Copies a string object that must be a valid name into `out`. */
static int s_name(const msgpack_object *o, const char *what, char out[ND_NAME_MAX + 1], char *err,
                  size_t errlen)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return nd_errf(err, errlen, "metadata %s is not a string", what);
    if (!nd_name_validn(o->via.str.ptr, o->via.str.size))
        return nd_errf(err, errlen, "metadata %s is not a valid name", what);
    memcpy(out, o->via.str.ptr, o->via.str.size);
    out[o->via.str.size] = '\0';
    return 0;
}

/* The metadata keys of ND_DUMPLING_META_FIELDS: key, type, presence, and
 * where in nd_dumpling_t (has_off: a UINT's has_ flag). */
typedef enum { R_NAME, R_DRIVER, R_MSTIME, R_UINT } r_type_t;
typedef struct {
    const char *key;
    r_type_t type;
    bool required;
    size_t off, has_off;
} r_field_t;
#define R_HAS_NAME(m) 0
#define R_HAS_DRIVER(m) 0
#define R_HAS_MSTIME(m) 0
#define R_HAS_UINT(m) offsetof(nd_dumpling_t, has_##m)
#define R_IS_REQUIRED true
#define R_IS_OPTIONAL false
#define R_FIELD(id, m, type, presence, doc)                                                        \
    {ND_MD_##id, R_##type, R_IS_##presence, offsetof(nd_dumpling_t, m), R_HAS_##type(m)},
static const r_field_t r_fields[] = {ND_DUMPLING_META_FIELDS(R_FIELD)};
#undef R_FIELD
#define R_NFIELDS (sizeof r_fields / sizeof r_fields[0])

/* The value `v` of the known key `f`, into `d`. */
static int s_field(nd_dumpling_t *d, const r_field_t *f, const msgpack_object *v, char *err,
                   size_t errlen)
{
    char *at = (char *)d + f->off;
    switch (f->type) {
    case R_NAME:
        return s_name(v, f->key, at, err, errlen);
    case R_DRIVER:
        if (s_str_is(v, "packet"))
            *(nd_driver_t *)at = ND_DRIVER_PACKET;
        else if (s_str_is(v, "interval"))
            *(nd_driver_t *)at = ND_DRIVER_INTERVAL;
        else
            return nd_errf(err, errlen, "metadata %s is not \"packet\" or \"interval\"", f->key);
        return 0;
    case R_MSTIME: {
        double t;
        if (v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64)
            t = v->via.f64;
        else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            t = (double)v->via.u64;
        else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            t = (double)v->via.i64;
        else
            return nd_errf(err, errlen, "metadata %s is not a number", f->key);
        if (!isfinite(t))
            return nd_errf(err, errlen, "metadata %s is not finite", f->key);
        *(double *)at = t;
        return 0;
    }
    case R_UINT:
        if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return nd_errf(err, errlen, "metadata %s is not an unsigned integer", f->key);
        *(bool *)((char *)d + f->has_off) = true;
        *(uint64_t *)at = v->via.u64;
        return 0;
    }
    return -1;
}

static int s_metadata(nd_dumpling_t *d, const msgpack_object *m, char *err, size_t errlen)
{
    if (m->type != MSGPACK_OBJECT_MAP)
        return nd_errf(err, errlen, "metadata is not a map");
    bool seen[R_NFIELDS] = {false};
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        const msgpack_object *v = &m->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR)
            return nd_errf(err, errlen, "metadata key is not a string");
        size_t f = 0;
        while (f < R_NFIELDS && !s_str_is(k, r_fields[f].key))
            f++;
        if (f < R_NFIELDS) {
            if (seen[f])
                return nd_errf(err, errlen, "metadata has %s twice", r_fields[f].key);
            if (s_field(d, &r_fields[f], v, err, errlen) < 0)
                return -1;
            seen[f] = true;
            continue;
        }
        /* An extension: any key is fine as long as it becomes JSON. */
        if (!nd_utf8_valid(k->via.str.ptr, k->via.str.size))
            return nd_errf(err, errlen, "metadata key is not valid UTF-8");
        char why[128] = "";
        if (s_check(v, 1, why, sizeof why) < 0)
            return nd_errf(err, errlen, "metadata: %s", why);
    }
    for (size_t f = 0; f < R_NFIELDS; f++)
        if (r_fields[f].required && !seen[f])
            return nd_errf(err, errlen, "metadata has no %s", r_fields[f].key);
    return 0;
}

static uint64_t s_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Walks the msgpack tokens of one value without building anything, so that
 * msgpack-c never sees a header that claims more elements than the body has
 * bytes: its unpacker allocates room for a container's declared count up front,
 * and a 5-byte hostile body claiming 4 billion elements would otherwise cost
 * gigabytes. Every element takes at least one byte, so the elements still owed
 * can never exceed the bytes left. Sets *end to where the value ends. */
static const char *s_prescan(const uint8_t *b, size_t len, size_t *end)
{
    uint64_t owed = 1;
    size_t pos = 0;
    while (owed > 0) {
        if (pos >= len)
            return "truncated body";
        uint8_t c = b[pos];
        size_t left = len - pos;
        uint64_t size;     /* bytes of this token, header included */
        uint64_t kids = 0; /* elements it opens */
        int w = 0;         /* width of a big-endian length after the type byte */
        if (c <= 0x7f || c >= 0xe0 || (c >= 0xc0 && c <= 0xc3 && c != 0xc1)) {
            size = 1;
        } else if (c >= 0x80 && c <= 0x8f) {
            size = 1;
            kids = 2u * (c & 0x0f);
        } else if (c >= 0x90 && c <= 0x9f) {
            size = 1;
            kids = c & 0x0f;
        } else if (c >= 0xa0 && c <= 0xbf) {
            size = 1u + (c & 0x1f);
        } else {
            switch (c) {
            case 0xc4: /* bin 8/16/32 */
            case 0xd9: /* str 8/16/32 */
                w = 1;
                break;
            case 0xc5:
            case 0xda:
                w = 2;
                break;
            case 0xc6:
            case 0xdb:
                w = 4;
                break;
            case 0xc7: /* ext 8/16/32: length, then a type byte */
                w = 1;
                break;
            case 0xc8:
                w = 2;
                break;
            case 0xc9:
                w = 4;
                break;
            case 0xcc:
            case 0xd0:
                size = 2;
                break;
            case 0xcd:
            case 0xd1:
                size = 3;
                break;
            case 0xca:
            case 0xce:
            case 0xd2:
                size = 5;
                break;
            case 0xcb:
            case 0xcf:
            case 0xd3:
                size = 9;
                break;
            case 0xd4: /* fixext 1/2/4/8/16 */
                size = 3;
                break;
            case 0xd5:
                size = 4;
                break;
            case 0xd6:
                size = 6;
                break;
            case 0xd7:
                size = 10;
                break;
            case 0xd8:
                size = 18;
                break;
            case 0xdc: /* array 16/32, map 16/32 */
            case 0xde:
                size = 3;
                break;
            case 0xdd:
            case 0xdf:
                size = 5;
                break;
            default: /* 0xc1 */
                return "not msgpack";
            }
            if (w) {
                if (left < (size_t)1 + w)
                    return "truncated body";
                size = 1u + w + s_be(b + pos + 1, w) + (c >= 0xc7 && c <= 0xc9);
            } else if (c >= 0xdc && c <= 0xdf) {
                if (left < size)
                    return "truncated body";
                kids = s_be(b + pos + 1, (int)size - 1) * (c >= 0xde ? 2u : 1u);
            }
        }
        if (size > left)
            return "truncated body";
        pos += (size_t)size;
        owed = owed - 1 + kids;
        if (owed > len - pos)
            return "truncated body (more elements declared than bytes left)";
    }
    *end = pos;
    return NULL;
}

int nd_ref_dumpling_decode(nd_dumpling_t *d, const void *body, size_t len, char *err, size_t errlen)
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
    memset(&d->unpacked.data, 0, sizeof d->unpacked.data);

    /* msgpack_unpack() into a zone we keep, cleared between bodies, rather
     * than msgpack_unpack_next(), which frees and re-allocates its zone on
     * every call: once warm, a body that fits one zone chunk costs no malloc. */
    if (!d->unpacked.zone) {
        d->unpacked.zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
        if (!d->unpacked.zone)
            return nd_errf(err, errlen, "out of memory");
    } else {
        msgpack_zone_clear(d->unpacked.zone);
    }
    if (len == 0)
        return nd_errf(err, errlen, "empty body");

    size_t end = 0;
    const char *bad = s_prescan(body, len, &end);
    if (bad)
        return nd_errf(err, errlen, "%s", bad);
    if (end != len)
        return nd_errf(err, errlen, "%zu trailing bytes after the body", len - end);

    size_t off = 0;
    msgpack_object root;
    msgpack_unpack_return rc = msgpack_unpack(body, len, &off, d->unpacked.zone, &root);
    switch (rc) {
    case MSGPACK_UNPACK_SUCCESS:
        break;
    case MSGPACK_UNPACK_EXTRA_BYTES:
        return nd_errf(err, errlen, "%zu trailing bytes after the body", len - off);
    case MSGPACK_UNPACK_CONTINUE:
        return nd_errf(err, errlen, "truncated body");
    case MSGPACK_UNPACK_NOMEM_ERROR:
        return nd_errf(err, errlen, "nested too deeply or out of memory");
    case MSGPACK_UNPACK_PARSE_ERROR:
    default:
        return nd_errf(err, errlen, "not msgpack");
    }

    if (root.type != MSGPACK_OBJECT_MAP)
        return nd_errf(err, errlen, "body is not a map");
    const msgpack_object *metadata = NULL, *payload = NULL;
    for (uint32_t i = 0; i < root.via.map.size; i++) {
        const msgpack_object *k = &root.via.map.ptr[i].key;
        if (s_str_is(k, "metadata") && !metadata)
            metadata = &root.via.map.ptr[i].val;
        else if (s_str_is(k, "payload") && !payload)
            payload = &root.via.map.ptr[i].val;
        else if (s_str_is(k, "metadata") || s_str_is(k, "payload"))
            return nd_errf(err, errlen, "body has a key twice");
        else
            return nd_errf(err, errlen, "body has a key other than metadata and payload");
    }
    if (!metadata)
        return nd_errf(err, errlen, "body has no metadata");
    if (!payload)
        return nd_errf(err, errlen, "body has no payload");
    if (s_metadata(d, metadata, err, errlen) < 0)
        return -1;
    char why[128] = "";
    if (s_check(payload, 0, why, sizeof why) < 0)
        return nd_errf(err, errlen, "payload: %s", why);
    d->unpacked.data = root;
    d->metadata = *metadata;
    d->payload = *payload;
    return 0;
}
