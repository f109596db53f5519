/* SPDX-License-Identifier: MIT */
/* builtin.h: the chefs compiled into nd-snifty. Adding a built-in chef is adding
 * its file under chefs/ (and to ND_BUILTIN_CHEF_SOURCES), one line in
 * builtin.c, its payload in docs/chefs.md and its golden expectations, one new
 * file per capture (docs/writing-chefs.md, section 4). Nothing else reads a
 * list of the built-ins: the tests, --chef-list and the golden comparison all
 * walk this table. */
#ifndef ND_CHEFS_BUILTIN_H
#define ND_CHEFS_BUILTIN_H

#include "netdumplings/chef.h"

/* NULL-terminated, in --chef-list order. */
extern const nd_chef_def_t *const nd_builtin_chefs[];

/* The built-in chef called `name`, or NULL. */
const nd_chef_def_t *nd_builtin_chef(const char *name);

#endif
