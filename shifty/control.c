/* SPDX-License-Identifier: MIT */
/* control.c: decoding kitchen and gateway heartbeats (see control.h). One
 * table of fields per message drives both decoding and packing, so a field is
 * added in one place. */
#include "control.h"

#include <arpa/inet.h>
#include <math.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/err.h"

#define SH_MAX_BODY 65536

typedef enum {
    F_STR,
    F_UINT,
    F_DOUBLE,
    F_BOOL,
    F_NAMES,
    F_EATERS,
    F_TOPICS,
    F_KITCHENS
} sh_ftype_t;

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
    K(kitchen_name, F_STR),
    K(interface, F_STR),
    K(source, F_STR),
    K(filter, F_STR),
    K(chefs, F_NAMES),
    K(poke_interval, F_DOUBLE),
    K(hostname, F_STR),
    K(pid, F_UINT),
    K(version, F_STR),
    K(start_time, F_DOUBLE),
    K(boot_id, F_STR),
    K(heartbeat_interval, F_DOUBLE),
    K(heartbeat_seq, F_UINT),
    K(time, F_DOUBLE),
    K(packets, F_UINT),
    K(ps_recv, F_UINT),
    K(ps_drop, F_UINT),
    K(ps_ifdrop, F_UINT),
    K(malformed, F_UINT),
    K(dumplings_made, F_UINT),
    K(dumplings_sent, F_UINT),
    K(send_failures, F_UINT),
    K(sequence, F_UINT),
    K(buffer_size_mib, F_UINT),
    K(snaplen, F_UINT),
    K(immediate, F_BOOL),
    K(topics, F_TOPICS),
    K(reasm_segments, F_UINT),
    K(reasm_out_of_order, F_UINT),
    K(reasm_gaps, F_UINT),
    K(reasm_dropped_bytes, F_UINT),
    K(reasm_cap_hits, F_UINT),
    K(reasm_evicted, F_UINT),
    K(reasm_timeouts, F_UINT),
    K(reasm_memory, F_UINT),
    K(reasm_memory_peak, F_UINT),
    {NULL, 0, 0, 0},
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
    G(eaters, F_EATERS),
    {NULL, 0, 0, 0},
};
#undef G

#define E(m, t)                                                                                    \
    {                                                                                              \
#m, t, offsetof(sh_eater_info_t, m), sizeof(((sh_eater_info_t *)0)->m)                     \
    }
static const sh_field_t s_eater_fields[] = {
    E(eater_name, F_STR),     E(eater_id, F_STR),      E(pid, F_UINT),
    E(version, F_STR),        E(start_time, F_DOUBLE), E(heartbeat_interval, F_DOUBLE),
    E(heartbeat_seq, F_UINT), E(time, F_DOUBLE),       E(received, F_UINT),
    E(lost, F_UINT),          E(invalid, F_UINT),      E(suspicious, F_UINT),
    E(kitchens, F_KITCHENS),  {NULL, 0, 0, 0},
};
#undef E

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

static bool s_key_is(const msgpack_object *k, const char *key)
{
    return k->type == MSGPACK_OBJECT_STR && strlen(key) == k->via.str.size &&
           memcmp(key, k->via.str.ptr, k->via.str.size) == 0;
}

/* A valid name into a buffer of ND_NAME_MAX + 1; false if it is not one. */
static bool s_copy_name(char *dst, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR || !nd_name_validn(o->via.str.ptr, o->via.str.size))
        return false;
    s_copy_str(dst, ND_NAME_MAX + 1, o);
    return true;
}

/* One entry of a gateway's "eaters" list: {"id", "eater_name", "host",
 * "port", "connected_since"}. Untrusted: id and name must be valid names, host
 * an IP address, port 1-65535; anything else drops the entry. */
static bool s_gw_eater(sh_gw_eater_t *e, const msgpack_object *o)
{
    memset(e, 0, sizeof *e);
    if (o->type != MSGPACK_OBJECT_MAP)
        return false;
    bool id = false, name = false, host = false;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        if (s_key_is(k, "id"))
            id = s_copy_name(e->id, v);
        else if (s_key_is(k, "eater_name"))
            name = s_copy_name(e->eater_name, v);
        else if (s_key_is(k, "host") && v->type == MSGPACK_OBJECT_STR &&
                 v->via.str.size < sizeof e->host) {
            unsigned char addr[16];
            memcpy(e->host, v->via.str.ptr, v->via.str.size);
            e->host[v->via.str.size] = '\0';
            host = strlen(e->host) == v->via.str.size && (inet_pton(AF_INET, e->host, addr) == 1 ||
                                                          inet_pton(AF_INET6, e->host, addr) == 1);
        } else if (s_key_is(k, "port") && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                   v->via.u64 >= 1 && v->via.u64 <= 65535)
            e->port = v->via.u64;
        else if (s_key_is(k, "connected_since") &&
                 (v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64) &&
                 isfinite(v->via.f64) && v->via.f64 > 0)
            e->connected_since = v->via.f64;
    }
    return id && name && host && e->port;
}

static int s_by_id(const void *a, const void *b)
{
    return strcmp(((const sh_gw_eater_t *)a)->id, ((const sh_gw_eater_t *)b)->id);
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
    case F_BOOL:
        if (v->type == MSGPACK_OBJECT_BOOLEAN)
            *(bool *)at = v->via.boolean;
        break;
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
    case F_TOPICS: {
        /* Only kitchens have it; checked against "sequence" once all is read. */
        sh_kitchen_info_t *k = base;
        if (v->type != MSGPACK_OBJECT_MAP)
            break;
        k->ntopics = 0;
        for (uint32_t i = 0; i < v->via.map.size && k->ntopics < SH_MAX_CHEFS; i++) {
            const msgpack_object *c = &v->via.map.ptr[i].key, *n = &v->via.map.ptr[i].val;
            if (n->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                s_copy_name(k->topics[k->ntopics].chef, c))
                k->topics[k->ntopics++].sequence = n->via.u64;
            else
                k->topics_refused++;
        }
        break;
    }
    case F_KITCHENS: {
        /* Only eaters have it: [{"kitchen", "received", "lost"}], bounded. */
        sh_eater_info_t *e = base;
        if (v->type != MSGPACK_OBJECT_ARRAY)
            break;
        e->nkitchens = 0;
        for (uint32_t i = 0; i < v->via.array.size && e->nkitchens < SH_MAX_EATER_KITCHENS; i++) {
            const msgpack_object *o = &v->via.array.ptr[i];
            if (o->type != MSGPACK_OBJECT_MAP)
                continue;
            sh_eater_kitchen_t *k = &e->kitchens[e->nkitchens];
            memset(k, 0, sizeof *k);
            bool named = false;
            for (uint32_t j = 0; j < o->via.map.size; j++) {
                const msgpack_object *kk = &o->via.map.ptr[j].key, *kv = &o->via.map.ptr[j].val;
                if (s_key_is(kk, "kitchen"))
                    named = s_copy_name(k->kitchen, kv);
                else if (kv->type == MSGPACK_OBJECT_POSITIVE_INTEGER && s_key_is(kk, "received"))
                    k->received = kv->via.u64 < SH_UINT_MAX ? kv->via.u64 : SH_UINT_MAX;
                else if (kv->type == MSGPACK_OBJECT_POSITIVE_INTEGER && s_key_is(kk, "lost"))
                    k->lost = kv->via.u64 < SH_UINT_MAX ? kv->via.u64 : SH_UINT_MAX;
            }
            if (named)
                e->nkitchens++;
        }
        break;
    }
    case F_EATERS: {
        /* Only gateways have it. */
        sh_gateway_info_t *g = base;
        if (v->type != MSGPACK_OBJECT_ARRAY)
            break;
        g->neaters = 0;
        for (uint32_t i = 0; i < v->via.array.size && g->neaters < SH_MAX_GW_EATERS; i++)
            if (s_gw_eater(&g->eaters[g->neaters], &v->via.array.ptr[i]))
                g->neaters++;
        break;
    }
    }
}

static int s_decode(void *out, size_t outsize, const sh_field_t *fields, const char *namekey,
                    size_t nameoff, const char *name, const void *body, size_t len, char *err,
                    size_t errlen)
{
    memset(out, 0, outsize);
    if (len > SH_MAX_BODY)
        return nd_errf(err, errlen, "heartbeat of %zu bytes (at most %d)", len, SH_MAX_BODY);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = -1;
    char why[128];
    if (nd_msgpack_unpack_one(&u, body, len, why, sizeof why) != 0) {
        nd_errf(err, errlen, "heartbeat: %s", why);
        goto done;
    }
    if (u.data.type != MSGPACK_OBJECT_MAP) {
        nd_errf(err, errlen, "heartbeat is not a map");
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
        nd_errf(err, errlen, "heartbeat on '%s' says %s '%s'", name, namekey, got);
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
    if (!out->boot_id[0])
        return nd_errf(err, errlen, "heartbeat from kitchen '%s' has no boot_id", name);
    /* A topic cannot have had more dumplings than the kitchen made. */
    size_t kept = 0;
    for (size_t i = 0; i < out->ntopics; i++)
        if (out->topics[i].sequence <= out->sequence)
            out->topics[kept++] = out->topics[i];
        else
            out->topics_refused++;
    out->ntopics = kept;
    return 0;
}

int sh_eater_info_decode(sh_eater_info_t *out, const char *name, const char *id, const void *body,
                         size_t len, char *err, size_t errlen)
{
    if (s_decode(out, sizeof *out, s_eater_fields, "eater_name",
                 offsetof(sh_eater_info_t, eater_name), name, body, len, err, errlen) != 0)
        return -1;
    if (strcmp(out->eater_id, id) != 0)
        return nd_errf(err, errlen, "heartbeat of eater '%s/%s' says id '%s'", name, id,
                       out->eater_id);
    return 0;
}

void sh_kitchen_sent_pack(nd_payload_t *p, const sh_kitchen_info_t *info)
{
    nd_pl_kv_str(p, "kitchen", info->kitchen_name);
    nd_pl_kv_str(p, "boot_id", info->boot_id);
    nd_pl_kv_uint(p, "sequence", info->sequence);
    nd_pl_key(p, "topics");
    nd_pl_map(p);
    for (size_t i = 0; i < info->ntopics; i++)
        nd_pl_kv_uint(p, info->topics[i].chef, info->topics[i].sequence);
    nd_pl_end(p);
}

int sh_gateway_info_decode(sh_gateway_info_t *out, const char *name, const void *body, size_t len,
                           char *err, size_t errlen)
{
    if (s_decode(out, sizeof *out, s_gateway_fields, "gateway_name",
                 offsetof(sh_gateway_info_t, gateway_name), name, body, len, err, errlen) != 0)
        return -1;
    if (!out->boot_id[0])
        return nd_errf(err, errlen, "heartbeat from gateway '%s' has no boot_id", name);
    qsort(out->eaters, out->neaters, sizeof out->eaters[0], s_by_id);
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
        case F_BOOL:
            nd_pl_kv_bool(p, f->key, *(const bool *)at);
            break;
        case F_NAMES: {
            const sh_kitchen_info_t *k = base;
            nd_pl_key(p, f->key);
            nd_pl_array(p);
            for (size_t i = 0; i < k->nchefs; i++)
                nd_pl_str(p, k->chefs[i]);
            nd_pl_end(p);
            break;
        }
        case F_EATERS:
            break; /* shown in dumpling_eaters, not twice */
        case F_KITCHENS: {
            const sh_eater_info_t *e = base;
            nd_pl_key(p, f->key);
            nd_pl_array(p);
            for (size_t i = 0; i < e->nkitchens; i++) {
                nd_pl_map(p);
                nd_pl_kv_str(p, "kitchen", e->kitchens[i].kitchen);
                nd_pl_kv_uint(p, "received", e->kitchens[i].received);
                nd_pl_kv_uint(p, "lost", e->kitchens[i].lost);
                nd_pl_end(p);
            }
            nd_pl_end(p);
            break;
        }
        case F_TOPICS: {
            const sh_kitchen_info_t *k = base;
            nd_pl_key(p, f->key);
            nd_pl_map(p);
            for (size_t i = 0; i < k->ntopics; i++)
                nd_pl_kv_uint(p, k->topics[i].chef, k->topics[i].sequence);
            nd_pl_end(p);
            break;
        }
        }
    }
}

const sh_gw_eater_t *sh_gateway_info_eater(const sh_gateway_info_t *info, const char *name,
                                           const char *id)
{
    /* Sorted by id when decoded: the status looks up every eater in every
     * gateway's list, which must stay cheap however long the lists are. */
    sh_gw_eater_t key;
    snprintf(key.id, sizeof key.id, "%s", id);
    const sh_gw_eater_t *e = bsearch(&key, info->eaters, info->neaters, sizeof *e, s_by_id);
    return e && strcmp(e->eater_name, name) == 0 ? e : NULL;
}

void sh_kitchen_info_pack(nd_payload_t *p, const sh_kitchen_info_t *info)
{
    s_pack(p, info, s_kitchen_fields);
}

void sh_gateway_info_pack(nd_payload_t *p, const sh_gateway_info_t *info)
{
    s_pack(p, info, s_gateway_fields);
}

void sh_eater_info_pack(nd_payload_t *p, const sh_eater_info_t *info)
{
    s_pack(p, info, s_eater_fields);
}
