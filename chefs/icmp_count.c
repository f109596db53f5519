/* SPDX-License-Identifier: MIT */
/* icmp_count.c: ICMPCountChef: how many ICMP and ICMPv6 messages of each type. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/chef.h"

typedef struct {
    uint64_t icmp[256];
    uint64_t icmpv6[256];
} s_state_t;

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    return nd_chef_zeroed_state(state, sizeof(s_state_t), err, errlen);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    /* Only a complete ICMP header counts: a truncated one has no bit set. */
    if (ND_HAS(pkt, ND_L_ICMP))
        self->icmp[pkt->icmp_type]++;
    else if (ND_HAS(pkt, ND_L_ICMPV6))
        self->icmpv6[pkt->icmp_type]++;
    return 0;
}

/* Types in numeric order; a name shared by two numbers would be written twice,
 * which nd_icmp*_type_name never does ("type-N" for every unknown one). */
static void s_counts(nd_payload_t *p, const char *key, const uint64_t counts[256],
                     const char *(*name)(uint8_t, char *, size_t))
{
    char buf[32];
    nd_pl_key(p, key);
    nd_pl_map(p);
    for (int type = 0; type < 256; type++)
        if (counts[type])
            nd_pl_kv_uint(p, name((uint8_t)type, buf, sizeof buf), counts[type]);
    nd_pl_end(p);
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    s_counts(p, "icmp_counts", self->icmp, nd_icmp_type_name);
    s_counts(p, "icmpv6_counts", self->icmpv6, nd_icmpv6_type_name);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_icmp_count = {
    .abi = ND_CHEF_ABI,
    .name = "ICMPCountChef",
    .summary = "cumulative count of ICMP and ICMPv6 messages per type, every poke",
    .create = s_create,
    .destroy = free,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_icmp_count)
