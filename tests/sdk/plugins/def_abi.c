/* SPDX-License-Identifier: MIT */
/* def_abi.c: a plugin whose entry point ignores the ABI it is given but whose
 * chef definition says it was built for another one. */
#include "netdumplings/chef.h"

static const nd_chef_def_t s_chef = {.abi = ND_CHEF_ABI + 7, .name = "OtherAbiChef"};

const nd_chef_def_t *const *nd_chef_module(uint32_t abi);
const nd_chef_def_t *const *nd_chef_module(uint32_t abi)
{
    static const nd_chef_def_t *const list[] = {&s_chef, NULL};
    (void)abi;
    return list;
}
