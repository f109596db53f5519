/* SPDX-License-Identifier: MIT */
/* modules.c: nd-snifty's set of chefs, the built-in table plus the chefs of
 * every --chef-module, so that -c, --chef-list and the default "every chef"
 * treat a plugin chef exactly like a built-in one. */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "modules.h"
#include "netdumplings/chef_module.h"
#include "netdumplings/err.h"

typedef struct {
    const char *path;
    void *handle;
    const nd_chef_def_t *const *chefs;
} s_module_t;

struct sn_modules {
    s_module_t *modules;
    size_t count;
};

sn_modules_t *sn_modules_new(const char *const *paths, size_t n, char *err, size_t errlen)
{
    sn_modules_t *self = calloc(1, sizeof *self);
    if (!self || (n && !(self->modules = calloc(n, sizeof *self->modules)))) {
        free(self);
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t m = 0; m < n; m++) {
        s_module_t *mod = &self->modules[m];
        mod->path = paths[m];
        if (nd_chef_module_load(paths[m], &mod->chefs, &mod->handle, err, errlen) != 0) {
            sn_modules_destroy(&self);
            return NULL;
        }
        self->count++;
        /* A topic is "<chef>/<kitchen>": two chefs of one name could not be
         * told apart by any eater, so a clash is refused, never resolved. */
        for (size_t i = 0; mod->chefs[i]; i++) {
            const char *name = mod->chefs[i]->name;
            const char *other = NULL;
            if (nd_builtin_chef(name))
                other = "a built-in chef";
            for (size_t e = 0; !other && e < m; e++)
                for (size_t j = 0; !other && self->modules[e].chefs[j]; j++)
                    if (strcmp(self->modules[e].chefs[j]->name, name) == 0)
                        other = self->modules[e].path;
            if (other) {
                nd_errf(err, errlen, "%s: chef %s is already defined by %s", paths[m], name, other);
                sn_modules_destroy(&self);
                return NULL;
            }
        }
    }
    return self;
}

void sn_modules_destroy(sn_modules_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sn_modules_t *self = *self_p;
    for (size_t m = 0; m < self->count; m++)
        nd_chef_module_unload(&self->modules[m].handle);
    free(self->modules);
    free(self);
    *self_p = NULL;
}

const nd_chef_def_t *sn_modules_chef(const sn_modules_t *self, size_t i)
{
    size_t nb = 0;
    while (nd_builtin_chefs[nb])
        nb++;
    if (i < nb)
        return nd_builtin_chefs[i];
    i -= nb;
    for (size_t m = 0; self && m < self->count; m++) {
        size_t k = 0;
        while (self->modules[m].chefs[k])
            k++;
        if (i < k)
            return self->modules[m].chefs[i];
        i -= k;
    }
    return NULL;
}

const nd_chef_def_t *sn_modules_find(const sn_modules_t *self, const char *name)
{
    const nd_chef_def_t *def;
    for (size_t i = 0; name && (def = sn_modules_chef(self, i)); i++)
        if (strcmp(def->name, name) == 0)
            return def;
    return NULL;
}

static void s_print_chefs(FILE *out, const nd_chef_def_t *const *chefs)
{
    for (size_t i = 0; chefs[i]; i++)
        fprintf(out, "%-18s %s\n", chefs[i]->name, chefs[i]->summary ? chefs[i]->summary : "");
}

void sn_modules_print(const sn_modules_t *self, FILE *out)
{
    s_print_chefs(out, nd_builtin_chefs);
    for (size_t m = 0; self && m < self->count; m++) {
        fprintf(out, "\nfrom %s:\n", self->modules[m].path);
        s_print_chefs(out, self->modules[m].chefs);
    }
}

void sn_modules_names(const sn_modules_t *self, char *buf, size_t len)
{
    size_t used = 0;
    const nd_chef_def_t *def;
    buf[0] = '\0';
    for (size_t i = 0; used < len && (def = sn_modules_chef(self, i)); i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", def->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
