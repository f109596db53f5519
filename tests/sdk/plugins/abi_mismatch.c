/* SPDX-License-Identifier: MIT */
/* abi_mismatch.c: a plugin built for a later chef ABI than this kitchen's: its
 * entry point refuses the kitchen's ABI, as ND_CHEF_MODULE's does. */
#include "netdumplings/chef.h"

static const nd_chef_def_t s_chef = {.abi = ND_CHEF_ABI + 1, .name = "FutureChef"};

const nd_chef_def_t *const *nd_chef_module(uint32_t abi);
const nd_chef_def_t *const *nd_chef_module(uint32_t abi)
{
    static const nd_chef_def_t *const list[] = {&s_chef, NULL};
    return abi == ND_CHEF_ABI + 1 ? list : NULL;
}
