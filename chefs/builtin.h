/* builtin.h: the chefs compiled into nd-snifty. Adding a built-in chef is adding
 * its file under chefs/ and one line in builtin.c. */
#ifndef ND_CHEFS_BUILTIN_H
#define ND_CHEFS_BUILTIN_H

#include "netdumplings/chef.h"

/* NULL-terminated, in --chef-list order. */
extern const nd_chef_def_t *const nd_builtin_chefs[];

/* The built-in chef called `name`, or NULL. */
const nd_chef_def_t *nd_builtin_chef(const char *name);

#endif
