/* SPDX-License-Identifier: MIT */
/* chef_module.h: loading plugin chefs from shared objects (--chef-module).
 * A plugin is any .so that exports ND_CHEF_MODULE_SYMBOL, which
 * ND_CHEF_MODULE(...) in chef.h writes; docs/writing-chefs.md shows one. */
#ifndef ND_CHEF_MODULE_H
#define ND_CHEF_MODULE_H

#include <stddef.h>

#include "netdumplings/chef.h"

/* The most chefs one module may hold. */
#define ND_CHEF_MODULE_MAX_CHEFS 256

/* Loads the plugin at `path` (a name without a '/' is taken relative to the
 * current folder, never searched for) with dlopen(RTLD_NOW | RTLD_LOCAL) and
 * asks it for its chefs, checking the ABI and every chef: valid and distinct
 * names, the ABI in each definition. On success returns 0, sets *chefs to the
 * module's NULL-terminated list (owned by the module: valid until
 * nd_chef_module_unload) and *handle to the loaded module. On failure returns
 * -1 with a message in err ("PATH: not a shared object: ...", "PATH: not a
 * netdumplings chef plugin: no nd_chef_module symbol", "PATH: built for chef
 * ABI ...", "PATH: holds no chefs", "PATH: chef 1: invalid name ..."), and
 * leaves nothing loaded. */
int nd_chef_module_load(const char *path, const nd_chef_def_t *const **chefs, void **handle,
                        char *err, size_t errlen);

/* Unloads a module loaded by nd_chef_module_load (no chef of it may be in use
 * any more: destroy the kitchen first). Accepts NULL; nulls *handle_p. */
void nd_chef_module_unload(void **handle_p);

#endif
