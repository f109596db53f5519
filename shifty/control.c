/* control.c: decoding kitchen and gateway heartbeats (see control.h). One
 * table of fields per message drives both decoding and packing, so a field is
 * added in one place. */
#include "control.h"

#include <math.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "netdumplings/dumpling.h"

#define SH_MAX_BODY 65536

typedef enum { F_STR, F_UINT, F_DOUBLE, F_NAMES } sh_ftype_t;

typedef struct {
    const char *key;
    sh_ftype_t type;
    size_t off;
    size_t size;
} sh_field_t;

#define K(m, t)                                                                                    \
    {                                                                                              \
#m, t, offsetof(sh_kitchen_info_t, m), sizeof(((sh_kitchen_info_t *)0)->m)                 \
    }
static const sh_field_t s_kitchen_fields[] = {
    K(kitchen_name, F_STR),    K(interface, F_STR),
    K(source, F_STR),          K(filter, F_STR),
    K(chefs, F_NAMES),         K(poke_interval, F_DOUBLE),
    K(hostname, F_STR),        K(pid, F_UINT),
    K(version, F_STR),         K(start_time, F_DOUBLE),
    K(boot_id, F_STR),         K(heartbeat_interval, F_DOUBLE),
    K(heartbeat_seq, F_UINT),  K(time, F_DOUBLE),
    K(packets, F_UINT),        K(ps_recv, F_UINT),
    K(ps_drop, F_UINT),        K(ps_ifdrop, F_UINT),
    K(malformed, F_UINT),      K(dumplings_made, F_UINT),
    K(dumplings_sent, F_UINT), K(send_failures, F_UINT),
    K(sequence, F_UINT),       {NULL, 0, 0, 0},
};
#undef K

#define G(m, t)                                                                                    \
    {                                                                                              \
#m, t, offsetof(sh_gateway_info_t, m), sizeof(((sh_gateway_info_t *)0)->m)                 \
    }
static const sh_field_t s_gateway_fields[] = {
    G(gateway_name, F_STR),
    G(hostname, F_STR),
    G(pid, F_UINT),
    G(version, F_STR),
    G(start_time, F_DOUBLE),
    G(boot_id, F_STR),
    G(heartbeat_interval, F_DOUBLE),
    G(heartbeat_seq, F_UINT),
    G(time, F_DOUBLE),
    G(clients, F_UINT),
    G(clients_lag_closed, F_UINT),
    G(dumplings_lag_dropped, F_UINT),
    G(dumplings_out, F_UINT),
    {NULL, 0, 0, 0},
};
#undef G

/* Copies a msgpack string, cut to fit, as printable ASCII. */
static void s_copy_str(char *dst, size_t size, const msgpack_object *o)
{
    size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)o->via.str.ptr[i];
        dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[n] = '\0';
}

static void s_set(void *base, const sh_field_t *f, const msgpack_object *v)
{
    char *at = (char *)base + f->off;
    switch (f->type) {
    case F_STR:
        if (v->type == MSGPACK_OBJECT_STR)
            s_copy_str(at, f->size, v);
        break;
    case F_UINT:
        if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            /* Capped where JSON readers (JavaScript doubles) stay exact, so
             * that a hostile counter cannot spoil the status for them. */
            uint64_t u = v->via.u64 < SH_UINT_MAX ? v->via.u64 : SH_UINT_MAX;
            memcpy(at, &u, sizeof u);
        }
        break;
    case F_DOUBLE: {
        double d;
        if (v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64)
            d = v->via.f64;
        else if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            d = (double)v->via.u64;
        else
            break;
        if (isfinite(d))
            memcpy(at, &d, sizeof d);
        break;
    }
    case F_NAMES: {
        /* Only kitchens have it: chefs[] then nchefs. */
        sh_kitchen_info_t *k = base;
        if (v->type != MSGPACK_OBJECT_ARRAY)
            break;
        k->nchefs = 0;
        for (uint32_t i = 0; i < v->via.array.size && k->nchefs < SH_MAX_CHEFS; i++) {
            const msgpack_object *e = &v->via.array.ptr[i];
            if (e->type == MSGPACK_OBJECT_STR && nd_name_validn(e->via.str.ptr, e->via.str.size))
                s_copy_str(k->chefs[k->nchefs++], ND_NAME_MAX + 1, e);
        }
        break;
    }
    }
}

static int s_decode(void *out, size_t outsize, const sh_field_t *fields, const char *namekey,
                    size_t nameoff, const char *name, const void *body, size_t len, char *err,
                    size_t errlen)
{
    memset(out, 0, outsize);
    if (len > SH_MAX_BODY) {
        snprintf(err, errlen, "heartbeat of %zu bytes (at most %d)", len, SH_MAX_BODY);
        return -1;
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = -1;
    char why[128];
    if (nd_msgpack_unpack_one(&u, body, len, why, sizeof why) != 0) {
        snprintf(err, errlen, "heartbeat: %s", why);
        goto done;
    }
    if (u.data.type != MSGPACK_OBJECT_MAP) {
        snprintf(err, errlen, "heartbeat is not a map");
        goto done;
    }
    const msgpack_object_map *m = &u.data.via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            continue;
        for (const sh_field_t *f = fields; f->key; f++)
            if (strlen(f->key) == k->via.str.size &&
                memcmp(f->key, k->via.str.ptr, k->via.str.size) == 0)
                s_set(out, f, &m->ptr[i].val);
    }
    const char *got = (const char *)out + nameoff;
    if (!nd_name_valid(got) || strcmp(got, name) != 0) {
        snprintf(err, errlen, "heartbeat on '%s' says %s '%s'", name, namekey, got);
        goto done;
    }
    rc = 0;
done:
    msgpack_unpacked_destroy(&u);
    return rc;
}

int sh_kitchen_info_decode(sh_kitchen_info_t *out, const char *name, const void *body, size_t len,
                           char *err, size_t errlen)
{
    if (s_decode(out, sizeof *out, s_kitchen_fields, "kitchen_name",
                 offsetof(sh_kitchen_info_t, kitchen_name), name, body, len, err, errlen) != 0)
        return -1;
    if (!out->boot_id[0]) {
        snprintf(err, errlen, "heartbeat from kitchen '%s' has no boot_id", name);
        return -1;
    }
    return 0;
}

int sh_gateway_info_decode(sh_gateway_info_t *out, const char *name, const void *body, size_t len,
                           char *err, size_t errlen)
{
    if (s_decode(out, sizeof *out, s_gateway_fields, "gateway_name",
                 offsetof(sh_gateway_info_t, gateway_name), name, body, len, err, errlen) != 0)
        return -1;
    if (!out->boot_id[0]) {
        snprintf(err, errlen, "heartbeat from gateway '%s' has no boot_id", name);
        return -1;
    }
    return 0;
}

static void s_pack(nd_payload_t *p, const void *base, const sh_field_t *fields)
{
    for (const sh_field_t *f = fields; f->key; f++) {
        const char *at = (const char *)base + f->off;
        switch (f->type) {
        case F_STR:
            nd_pl_kv_str(p, f->key, at);
            break;
        case F_UINT: {
            uint64_t v;
            memcpy(&v, at, sizeof v);
            nd_pl_kv_uint(p, f->key, v);
            break;
        }
        case F_DOUBLE: {
            double v;
            memcpy(&v, at, sizeof v);
            nd_pl_kv_double(p, f->key, v);
            break;
        }
        case F_NAMES: {
            const sh_kitchen_info_t *k = base;
            nd_pl_key(p, f->key);
            nd_pl_array(p);
            for (size_t i = 0; i < k->nchefs; i++)
                nd_pl_str(p, k->chefs[i]);
            nd_pl_end(p);
            break;
        }
        }
    }
}

void sh_kitchen_info_pack(nd_payload_t *p, const sh_kitchen_info_t *info)
{
    s_pack(p, info, s_kitchen_fields);
}

void sh_gateway_info_pack(nd_payload_t *p, const sh_gateway_info_t *info)
{
    s_pack(p, info, s_gateway_fields);
}
