/* SPDX-License-Identifier: MIT */
/* packet_count.c: PacketCountChef: how many packets carried each layer since start. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/chef.h"

typedef struct {
    uint64_t counts[ND_L__COUNT];
} s_state_t;

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    return nd_chef_zeroed_state(state, sizeof(s_state_t), err, errlen);
}

/* A malformed packet has the bits of its intact lower layers only, so it is
 * counted for what could be read and nothing more. Only the set bits are
 * visited: a packet has a handful of the 32 layers. */
static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    for (uint32_t bits = pkt->layers & (uint32_t)(((uint64_t)1 << ND_L__COUNT) - 1); bits;
         bits &= bits - 1)
        self->counts[__builtin_ctz(bits)]++;
    return 0;
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_key(p, "packet_counts");
    nd_pl_map(p);
    /* Layers never seen are left out, as the Python chef did: its dict only
     * grew keys for layers that turned up. */
    for (int layer = 0; layer < ND_L__COUNT; layer++)
        if (self->counts[layer])
            nd_pl_kv_uint(p, nd_layer_name((nd_layer_t)layer), self->counts[layer]);
    nd_pl_end(p);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_packet_count = {
    .abi = ND_CHEF_ABI,
    .name = "PacketCountChef",
    .summary = "cumulative count of packets per layer (Ethernet, IP, TCP, DNS, ...), every poke",
    .create = s_create,
    .destroy = free,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_packet_count)
