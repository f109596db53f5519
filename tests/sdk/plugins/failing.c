/* SPDX-License-Identifier: MIT */
/* failing.c: FailingChef, whose handlers always fail: the kitchen must report
 * it, switch it off and let the other chefs go on. */
#define ND_CHEF_PLUGIN
#include "netdumplings/chef.h"

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    (void)state, (void)pkt, (void)cook;
    return -1;
}

static int s_interval(void *state, nd_cook_t *cook)
{
    (void)state, (void)cook;
    return -1;
}

static const nd_chef_def_t s_chef = {
    .abi = ND_CHEF_ABI,
    .name = "FailingChef",
    .summary = "fails on every packet and every poke (a test)",
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&s_chef)
