/* SPDX-License-Identifier: MIT */
/* status.c: SystemStatusChef written from the tables of netdumplings/status.h
 * (see status.h). */
#include "status.h"

#include <assert.h>

#include "upstream.h"

typedef enum { T_UINT, T_FLOAT, T_STR, T_BOOL, T_ARRAY, T_MAP } s_type_t;

typedef struct {
    const char *key;
    s_type_t type;
} s_field_t;

#define S_ROW(id, type, ...) {ND_ST_##id, T_##type},
static const s_field_t s_fields[] = {ND_STATUS_FIELDS(S_ROW)};
static const s_field_t s_hub_fields[] = {ND_STATUS_HUB_FIELDS(S_ROW)};
#undef S_ROW

static_assert(SH_ST_HUB_COUNT <= 32, "sh_st_hub_t.set has 32 bits");

/* A scalar value, or the one array info_from_hub has: via. */
static void s_value(nd_payload_t *p, s_type_t type, sh_st_value_t v)
{
    switch (type) {
    case T_UINT:
        nd_pl_uint(p, v.u);
        break;
    case T_FLOAT:
        nd_pl_double(p, v.d);
        break;
    case T_STR:
        nd_pl_str(p, v.s ? v.s : "");
        break;
    case T_BOOL:
        nd_pl_bool(p, v.b);
        break;
    case T_ARRAY:
        sh_via_pack(p, v.p);
        break;
    case T_MAP:
        nd_pl_map(p);
        nd_pl_end(p);
        break;
    }
}

void sh_status_write(nd_payload_t *p, const sh_status_t *st)
{
    nd_pl_map(p);
    for (int i = 0; i < SH_ST_COUNT; i++) {
        nd_pl_key(p, s_fields[i].key);
        if (s_fields[i].type != T_ARRAY) {
            s_value(p, s_fields[i].type, st->v[i]);
            continue;
        }
        nd_pl_array(p);
        if (st->list)
            st->list(p, (sh_st_id_t)i, st->arg);
        nd_pl_end(p);
    }
    nd_pl_end(p);
}

static void s_hub_set(sh_st_hub_t *h, sh_st_hub_id_t id, sh_st_value_t v)
{
    h->v[id] = v;
    h->set |= 1u << id;
}

void sh_st_hub_uint(sh_st_hub_t *h, sh_st_hub_id_t id, uint64_t v)
{
    s_hub_set(h, id, (sh_st_value_t){.u = v});
}

void sh_st_hub_double(sh_st_hub_t *h, sh_st_hub_id_t id, double v)
{
    s_hub_set(h, id, (sh_st_value_t){.d = v});
}

void sh_st_hub_str(sh_st_hub_t *h, sh_st_hub_id_t id, const char *v)
{
    s_hub_set(h, id, (sh_st_value_t){.s = v});
}

void sh_st_hub_bool(sh_st_hub_t *h, sh_st_hub_id_t id, bool v)
{
    s_hub_set(h, id, (sh_st_value_t){.b = v});
}

void sh_st_hub_via(sh_st_hub_t *h, const void *via)
{
    s_hub_set(h, SH_ST_VIA, (sh_st_value_t){.p = via});
}

void sh_status_hub_write(nd_payload_t *p, const sh_st_hub_t *h)
{
    nd_pl_key(p, ND_ST_INFO_FROM_HUB);
    nd_pl_map(p);
    for (int i = 0; i < SH_ST_HUB_COUNT; i++)
        if (h->set & (1u << i)) {
            nd_pl_key(p, s_hub_fields[i].key);
            s_value(p, s_hub_fields[i].type, h->v[i]);
        }
    nd_pl_end(p);
}
