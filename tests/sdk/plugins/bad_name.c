/* SPDX-License-Identifier: MIT */
/* bad_name.c: a plugin whose chef's name is not a valid name. */
#define ND_CHEF_PLUGIN
#include "netdumplings/chef.h"

static const nd_chef_def_t s_chef = {.abi = ND_CHEF_ABI, .name = "Bad Name/Chef"};

ND_CHEF_MODULE(&s_chef)
