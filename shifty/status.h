/* SPDX-License-Identifier: MIT */
/* status.h: writing the hub's SystemStatusChef payload by walking the tables
 * of netdumplings/status.h, so that a key, its type and its place are stated
 * once. The hub fills an sh_status_t (one value per key of the table) and
 * writes each list's entries with sh_status_hub_write for their info_from_hub. */
#ifndef SH_STATUS_H
#define SH_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "netdumplings/payload.h"
#include "netdumplings/status.h"

typedef union {
    uint64_t u;    /* UINT */
    double d;      /* FLOAT */
    const char *s; /* STR */
    bool b;        /* BOOL */
    const void *p; /* via: an sh_via_t */
} sh_st_value_t;

#define SH_ST_ENUM(id, ...) SH_ST_##id,
typedef enum { ND_STATUS_FIELDS(SH_ST_ENUM) SH_ST_COUNT } sh_st_id_t;
typedef enum { ND_STATUS_HUB_FIELDS(SH_ST_ENUM) SH_ST_HUB_COUNT } sh_st_hub_id_t;
#undef SH_ST_ENUM

/* Writes the entries of the ARRAY key `id` into the open array. */
typedef void(sh_st_list_fn)(nd_payload_t *p, sh_st_id_t id, void *arg);

typedef struct {
    sh_st_value_t v[SH_ST_COUNT]; /* every scalar key's value */
    sh_st_list_fn *list;
    void *arg;
} sh_status_t;

/* Writes the whole payload, a map, into `p`. */
void sh_status_write(nd_payload_t *p, const sh_status_t *st);

/* One info_from_hub: the keys set, in the table's order. */
typedef struct {
    sh_st_value_t v[SH_ST_HUB_COUNT];
    uint32_t set; /* bit i: v[i] was set */
} sh_st_hub_t;

void sh_st_hub_uint(sh_st_hub_t *h, sh_st_hub_id_t id, uint64_t v);
void sh_st_hub_double(sh_st_hub_t *h, sh_st_hub_id_t id, double v);
void sh_st_hub_str(sh_st_hub_t *h, sh_st_hub_id_t id, const char *v);
void sh_st_hub_bool(sh_st_hub_t *h, sh_st_hub_id_t id, bool v);
void sh_st_hub_via(sh_st_hub_t *h, const void *via);

/* Writes "info_from_hub": {the keys set} into the open map. */
void sh_status_hub_write(nd_payload_t *p, const sh_st_hub_t *h);

#endif
