/* SPDX-License-Identifier: MIT */
/* chef_module.c: loads plugin chefs from shared objects through the one
 * versioned entry point of chef.h, refusing anything that is not clearly a
 * netdumplings chef plugin of this kitchen's ABI. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netdumplings/chef_module.h"
#include "netdumplings/cli.h"

#include "netdumplings/err.h"

static int s_fail(void *handle, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nd_verrf(err, errlen, fmt, ap);
    va_end(ap);
    if (handle)
        dlclose(handle);
    return -1;
}

/* dlerror() says "PATH: invalid ELF header" and the like; the path is
 * already in our message, so only the reason is kept. */
static const char *s_dl_reason(const char *path)
{
    const char *why = dlerror();
    if (!why)
        return "unknown error";
    size_t n = strlen(path);
    if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
        return why + n + 2;
    return why;
}

int nd_chef_module_load(const char *path, const nd_chef_def_t *const **chefs, void **handle,
                        char *err, size_t errlen)
{
    if (!path || !*path || !chefs || !handle)
        return s_fail(NULL, err, errlen, "no module path given");
    *chefs = NULL;
    *handle = NULL;
    /* dlopen searches LD_LIBRARY_PATH and the system folders for a bare
     * name; a chef module is a file the user points at, so it never does. */
    char rel[4096];
    const char *open_path = path;
    if (!strchr(path, '/')) {
        if ((size_t)snprintf(rel, sizeof rel, "./%s", path) >= sizeof rel)
            return s_fail(NULL, err, errlen, "%s: path too long", path);
        open_path = rel;
    }
    /* Say plainly what is wrong before dlopen gives its terser reasons. */
    FILE *f = fopen(open_path, "rb");
    if (!f)
        return s_fail(NULL, err, errlen, "%s: cannot open: %s", path, strerror(errno));
    unsigned char magic[4] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    static const unsigned char elf[4] = {0x7f, 'E', 'L', 'F'};
    if (got != sizeof magic || memcmp(magic, elf, sizeof elf) != 0)
        return s_fail(NULL, err, errlen,
                      "%s: not a chef plugin: not a shared object (no ELF header)", path);
    dlerror();
    void *h = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return s_fail(NULL, err, errlen, "%s: cannot load as a chef plugin: %s", path,
                      s_dl_reason(open_path));
    dlerror();
    void *sym = dlsym(h, ND_CHEF_MODULE_SYMBOL);
    if (!sym)
        return s_fail(h, err, errlen,
                      "%s: not a netdumplings chef plugin: it exports no %s() (build the chef "
                      "with -DND_CHEF_PLUGIN and ND_CHEF_MODULE(...), see docs/writing-chefs.md)",
                      path, ND_CHEF_MODULE_SYMBOL);
    nd_chef_module_fn fn;
    /* POSIX guarantees that a data pointer from dlsym converts to a function
     * pointer; the memcpy keeps -Wpedantic quiet about it. */
    memcpy(&fn, &sym, sizeof fn);
    const nd_chef_def_t *const *list = fn(ND_CHEF_ABI);
    if (!list)
        return s_fail(h, err, errlen,
                      "%s: chef ABI mismatch: the plugin refuses this kitchen's chef ABI %d "
                      "(rebuild it against this version's netdumplings headers)",
                      path, ND_CHEF_ABI);
    size_t n = 0;
    for (; list[n]; n++) {
        const nd_chef_def_t *def = list[n];
        if (n == ND_CHEF_MODULE_MAX_CHEFS)
            return s_fail(h, err, errlen, "%s: more than %d chefs", path, ND_CHEF_MODULE_MAX_CHEFS);
        if (def->abi != ND_CHEF_ABI)
            return s_fail(h, err, errlen,
                          "%s: chef ABI mismatch: chef %zu was built for chef ABI %u, this "
                          "kitchen has %d (rebuild it against this version's headers)",
                          path, n + 1, def->abi, ND_CHEF_ABI);
        if (!def->name || !nd_name_valid(def->name))
            return s_fail(h, err, errlen,
                          "%s: chef %zu has an invalid name \"%.80s\" (1-64 characters of "
                          "A-Z a-z 0-9 _ . -)",
                          path, n + 1, def->name ? def->name : "(null)");
        for (size_t i = 0; i < n; i++)
            if (strcmp(list[i]->name, def->name) == 0)
                return s_fail(h, err, errlen, "%s: chef name %s appears twice", path, def->name);
    }
    if (n == 0)
        return s_fail(h, err, errlen, "%s: holds no chefs (its %s() returned an empty list)", path,
                      ND_CHEF_MODULE_SYMBOL);
    *chefs = list;
    *handle = h;
    return 0;
}

void nd_chef_module_unload(void **handle_p)
{
    if (handle_p && *handle_p) {
        dlclose(*handle_p);
        *handle_p = NULL;
    }
}
