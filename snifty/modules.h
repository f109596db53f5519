/* SPDX-License-Identifier: MIT */
/* modules.h: nd-snifty's chefs: the built-in ones plus those of every
 * --chef-module, with the names checked unique across all of them. */
#ifndef SN_MODULES_H
#define SN_MODULES_H

#include <stddef.h>
#include <stdio.h>

#include "netdumplings/chef.h"

typedef struct sn_modules sn_modules_t;

/* Loads the `n` modules at `paths` (kept by pointer: they must outlive the
 * set). Returns the set, or NULL with a message in err: a module that cannot
 * be loaded (chef_module.h), or a chef name that a built-in chef or an
 * earlier module already has. */
sn_modules_t *sn_modules_new(const char *const *paths, size_t n, char *err, size_t errlen);
/* Unloads every module: destroy the kitchen that cooks their chefs first. */
void sn_modules_destroy(sn_modules_t **self_p);

/* The chef called `name`, built-in or loaded, or NULL. */
const nd_chef_def_t *sn_modules_find(const sn_modules_t *self, const char *name);
/* Every chef, built-ins first, then each module's in load order; NULL past the end. */
const nd_chef_def_t *sn_modules_chef(const sn_modules_t *self, size_t i);
/* --chef-list: the built-in chefs, then each module's chefs under its path. */
void sn_modules_print(const sn_modules_t *self, FILE *out);
/* "A, B, C": every chef's name, for an error message. */
void sn_modules_names(const sn_modules_t *self, char *buf, size_t len);

#endif
