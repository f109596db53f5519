/* SPDX-License-Identifier: MIT */
/* cli_env.c: configuration from the environment for every program's options
 * (nd_cli_env in cli.h), one generic mechanism: ND_<OPTION> variables become
 * "--option=value" arguments in front of the real ones, so flags win. */
#define _GNU_SOURCE /* on_exit */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"
#include "netdumplings/log.h"

#define ND_ENV_MAX_ARGS 256

/* Which injected argument came from which variable, to name it on a usage
 * error. Arguments 1..s_ninjected of the new vector are the injected ones. */
static char *s_var[ND_ENV_MAX_ARGS];
static char *s_val[ND_ENV_MAX_ARGS];
static int s_ninjected;
/* The new vector, kept until exit (volatile: stored though never read, so that
 * leak checkers see it held). */
static char **volatile s_argv;
static int s_argc;

static void s_env_name(const char *opt, char *out, size_t size)
{
    size_t n = snprintf(out, size, "ND_");
    for (const char *c = opt; *c && n + 1 < size; c++)
        out[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
    out[n < size ? n : size - 1] = '\0';
}

static bool s_skipped(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "help") == 0 || strcmp(name, "version") == 0 ||
           (n >= 5 && strcmp(name + n - 5, "-list") == 0);
}

static bool s_in_list(const char *lists, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = lists; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        p = e ? e + 1 : p + len;
    }
    return false;
}

/* The option getopt_long would take "--word" for: exact, else a unique prefix. */
static const struct option *s_long_match(const struct option *opts, const char *word, size_t len)
{
    const struct option *found = NULL;
    int nfound = 0;
    for (const struct option *o = opts; o->name; o++) {
        if (strlen(o->name) == len && memcmp(o->name, word, len) == 0)
            return o;
        if (strlen(o->name) > len && memcmp(o->name, word, len) == 0)
            found = o, nfound++;
    }
    return nfound == 1 ? found : NULL;
}

static const struct option *s_short_match(const struct option *opts, char c)
{
    for (const struct option *o = opts; o->name; o++)
        if (o->flag == NULL && o->val == (unsigned char)c)
            return o;
    return NULL;
}

/* True when option `opt` (or its short form) is on the command line. */
static bool s_given(int argc, char **argv, const struct option *opts, const struct option *opt)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return false;
        if (a[0] != '-' || a[1] == '\0')
            continue;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            const struct option *o = s_long_match(opts, a + 2, len);
            if (o == opt)
                return true;
            if (o && o->has_arg == required_argument && !eq)
                i++; /* its value */
            continue;
        }
        for (const char *c = a + 1; *c; c++) {
            const struct option *o = s_short_match(opts, *c);
            if (o == opt)
                return true;
            if (o && o->has_arg == required_argument) {
                if (c[1] == '\0')
                    i++;
                break;
            }
        }
    }
    return false;
}

/* 1 true, 0 false, n > 1 a count, -1 not a boolean. */
static int s_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on", "y"};
    static const char *const no[] = {"0", "false", "no", "off", "n"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    long n;
    if (nd_parse_long(v, 2, 9, &n) == 0)
        return (int)n;
    return -1;
}

static void s_on_exit(int status, void *arg)
{
    (void)arg;
    if (status != ND_EXIT_USAGE || s_ninjected == 0)
        return;
    /* getopt's optind is one past the argument it took last; after the last
     * argument it could also be a check made after parsing: name them all. */
    int last = optind - 1;
    if (last >= 1 && last <= s_ninjected && last < s_argc - 1) {
        fprintf(stderr, "(that value came from the environment: %s=%s)\n", s_var[last - 1],
                s_val[last - 1]);
        return;
    }
    fprintf(stderr, "(options also came from the environment:");
    for (int i = 0; i < s_ninjected; i++)
        if (i == 0 || strcmp(s_var[i], s_var[i - 1]) != 0)
            fprintf(stderr, " %s=%s", s_var[i], s_val[i]);
    fprintf(stderr, ")\n");
}

static int s_push(char **args, int *n, const char *var, const char *val, const char *arg)
{
    if (*n >= ND_ENV_MAX_ARGS) {
        nd_usage("%s: too many values from the environment (at most %d)", var, ND_ENV_MAX_ARGS);
        return -1;
    }
    args[*n] = strdup(arg);
    s_var[*n] = strdup(var);
    s_val[*n] = strdup(val);
    if (!args[*n] || !s_var[*n] || !s_val[*n]) {
        free(args[*n]);
        free(s_var[*n]);
        free(s_val[*n]);
        nd_error("out of memory");
        return -1;
    }
    (*n)++;
    return 0;
}

/* Frees what an earlier call made (programs call once; tests more often). */
static void s_forget(void)
{
    for (int i = 0; i < s_ninjected; i++) {
        free(s_argv[1 + i]);
        free(s_var[i]);
        free(s_val[i]);
    }
    free(s_argv);
    s_argv = NULL;
    s_ninjected = 0;
}

int nd_cli_env(int *argc, char ***argv, const struct option *opts, const char *lists)
{
    char *args[ND_ENV_MAX_ARGS];
    int n = 0;
    s_forget();
    for (const struct option *o = opts; o->name; o++) {
        if (s_skipped(o->name))
            continue;
        char var[128];
        s_env_name(o->name, var, sizeof var);
        const char *val = getenv(var);
        if (!val || !*val)
            continue;
        char arg[4096];
        if (o->has_arg == no_argument) {
            int b = s_bool(val);
            if (b < 0) {
                nd_usage("invalid %s '%s' (1/0, true/false, yes/no or on/off)", var, val);
                goto fail;
            }
            if (b == 0) {
                /* "false" turns the option off when it has a --no- twin. */
                char no[128];
                snprintf(no, sizeof no, "no-%s", o->name);
                bool twin = false;
                for (const struct option *t = opts; t->name; t++)
                    twin = twin || strcmp(t->name, no) == 0;
                if (!twin)
                    continue;
                snprintf(arg, sizeof arg, "--%s", no);
                if (s_push(args, &n, var, val, arg) != 0)
                    goto fail;
                continue;
            }
            snprintf(arg, sizeof arg, "--%s", o->name);
            for (int i = 0; i < b; i++)
                if (s_push(args, &n, var, val, arg) != 0)
                    goto fail;
            continue;
        }
        if (s_given(*argc, *argv, opts, o))
            continue; /* the flag wins, also over a whole list */
        if (strlen(val) > sizeof arg - strlen(o->name) - 4) {
            nd_usage("invalid %s: longer than %zu characters", var, sizeof arg - 64);
            goto fail;
        }
        if (s_in_list(lists, o->name)) {
            const char *p = val;
            while (true) {
                const char *e = strchr(p, ',');
                int len = e ? (int)(e - p) : (int)strlen(p);
                if (len == 0) {
                    nd_usage("invalid %s '%s': an empty item in the list", var, val);
                    goto fail;
                }
                snprintf(arg, sizeof arg, "--%s=%.*s", o->name, len, p);
                if (s_push(args, &n, var, val, arg) != 0)
                    goto fail;
                if (!e)
                    break;
                p = e + 1;
            }
            continue;
        }
        snprintf(arg, sizeof arg, "--%s=%s", o->name, val);
        if (s_push(args, &n, var, val, arg) != 0)
            goto fail;
    }
    if (n == 0)
        return 0;
    char **nv = calloc((size_t)*argc + (size_t)n + 1, sizeof *nv);
    if (!nv) {
        nd_error("out of memory");
        goto fail;
    }
    nv[0] = (*argv)[0];
    for (int i = 0; i < n; i++)
        nv[1 + i] = args[i];
    for (int i = 1; i < *argc; i++)
        nv[n + i] = (*argv)[i];
    nv[n + *argc] = NULL;
    s_argv = nv;
    s_ninjected = n;
    s_argc = *argc + n;
    static bool registered;
    if (!registered)
        on_exit(s_on_exit, NULL);
    registered = true;
    *argc += n;
    *argv = nv;
    nd_debug("%d argument(s) from the environment", n);
    return 0;
fail:
    /* Nothing half made stays behind: the program exits with a usage error. */
    for (int i = 0; i < n; i++) {
        free(args[i]);
        free(s_var[i]);
        free(s_val[i]);
    }
    return -1;
}
