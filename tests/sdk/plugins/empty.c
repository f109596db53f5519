/* SPDX-License-Identifier: MIT */
/* empty.c: a plugin that holds no chefs. */
#include "netdumplings/chef.h"

const nd_chef_def_t *const *nd_chef_module(uint32_t abi);
const nd_chef_def_t *const *nd_chef_module(uint32_t abi)
{
    static const nd_chef_def_t *const list[] = {NULL};
    (void)abi;
    return list;
}
