/* SPDX-License-Identifier: MIT */
/* kitchen.c: runs chefs over dissected packets and poke intervals, turns what
 * they cook into dumpling bodies with one reusable builder, and hands each to
 * the serve callback (kitchen.h, chef.h). */
#include "netdumplings/kitchen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"
#include "netdumplings/reasm.h"

#include "netdumplings/err.h"

/* A chef whose handlers fail this many times in a row is switched off: it is
 * broken, and logging its failure at packet rate helps nobody. */
#define S_CHEF_MAX_FAILURES 100

/* One --chef-opt, as given. */
typedef struct {
    char chef[ND_NAME_MAX + 1];
    char *key;
    char *value;
    bool used; /* a chef of that name was added */
} s_opt_t;

struct nd_chef_opts {
    size_t count;
    const s_opt_t **opts; /* point into the kitchen's list */
    nd_reasm_t *reasm;    /* the chef's, made by nd_chef_reasm(); the kitchen's to free */
};

typedef struct {
    const nd_chef_def_t *def;
    void *state;
    nd_chef_opts_t opts; /* stable address: chefs may keep the pointer */
    unsigned failures;   /* in a row */
    bool disabled;
    char topic[2 * ND_NAME_MAX + 2]; /* "<chef>/<kitchen>", made once */
    size_t topic_len;
    uint64_t topic_sequence; /* last number given on this topic */
} s_chef_t;

struct nd_cook {
    nd_kitchen_t *kitchen;
    s_chef_t *chef;
    nd_driver_t driver;
    double time;
    bool begun;
};

struct nd_kitchen {
    char name[ND_NAME_MAX + 1];
    nd_serve_fn *serve;
    void *arg;
    s_chef_t **chefs;
    size_t chef_count;
    s_opt_t *opts;
    size_t opt_count;
    bool opts_checked;
    nd_payload_t *pl;
    nd_cook_t cook;
    nd_kitchen_stats_t stats;
    nd_ratelimit_t rl_invalid;
    nd_ratelimit_t rl_chef;
};

int nd_chef_zeroed_state(void **state, size_t size, char *err, size_t errlen)
{
    *state = calloc(1, size);
    return *state ? 0 : nd_errf(err, errlen, "out of memory");
}

const char *nd_chef_opt(const nd_chef_opts_t *opts, const char *key, const char *fallback)
{
    if (!opts || !key)
        return fallback;
    /* The last one given wins, as with any repeated command-line option. */
    for (size_t i = opts->count; i-- > 0;)
        if (strcmp(opts->opts[i]->key, key) == 0)
            return opts->opts[i]->value;
    return fallback;
}

int nd_chef_opt_long(const nd_chef_opts_t *opts, const char *key, const char *fallback, long min,
                     long max, long *out, char *err, size_t errlen)
{
    const char *v = nd_chef_opt(opts, key, fallback);
    if (nd_parse_long(v, min, max, out) == 0)
        return 0;
    nd_errf(err, errlen, "%s must be a number from %ld to %ld, not '%s'", key, min, max,
            v ? v : "");
    return -1;
}

nd_kitchen_t *nd_kitchen_new(const char *name, nd_serve_fn *serve, void *arg, char *err,
                             size_t errlen)
{
    if (!name || !nd_name_valid(name)) {
        nd_errf(err, errlen, "invalid kitchen name \"%s\" (1-%d of A-Z a-z 0-9 _ . -)",
                name ? name : "", ND_NAME_MAX);
        return NULL;
    }
    nd_kitchen_t *self = calloc(1, sizeof *self);
    if (!self || !(self->pl = nd_payload_new())) {
        free(self);
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(self->name, sizeof self->name, "%s", name);
    self->serve = serve;
    self->arg = arg;
    self->cook.kitchen = self;
    return self;
}

void nd_kitchen_destroy(nd_kitchen_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_kitchen_t *self = *self_p;
    for (size_t i = 0; i < self->chef_count; i++) {
        s_chef_t *c = self->chefs[i];
        if (c->def->destroy)
            c->def->destroy(c->state);
        nd_reasm_destroy(&c->opts.reasm);
        free(c->opts.opts);
        free(c);
    }
    free(self->chefs);
    for (size_t i = 0; i < self->opt_count; i++) {
        free(self->opts[i].key);
        free(self->opts[i].value);
    }
    free(self->opts);
    nd_payload_destroy(&self->pl);
    free(self);
    *self_p = NULL;
}

static s_chef_t *s_find_chef(const nd_kitchen_t *self, const char *name)
{
    for (size_t i = 0; i < self->chef_count; i++)
        if (strcmp(self->chefs[i]->def->name, name) == 0)
            return self->chefs[i];
    return NULL;
}

int nd_kitchen_chef_opt(nd_kitchen_t *self, const char *spec, char *err, size_t errlen)
{
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon)
        return nd_errf(err, errlen, "--chef-opt \"%s\": expected CHEF:key=value", spec ? spec : "");
    size_t chef_len = (size_t)(colon - spec);
    if (!nd_name_validn(spec, chef_len))
        return nd_errf(err, errlen, "--chef-opt \"%s\": \"%.*s\" is not a valid chef name", spec,
                       (int)chef_len, spec);
    const char *key = colon + 1;
    const char *eq = strchr(key, '=');
    if (!eq)
        return nd_errf(err, errlen, "--chef-opt \"%s\": expected CHEF:key=value", spec);
    if (eq == key)
        return nd_errf(err, errlen, "--chef-opt \"%s\": the key is empty", spec);
    s_opt_t opt = {0};
    memcpy(opt.chef, spec, chef_len);
    opt.chef[chef_len] = '\0';
    if (s_find_chef(self, opt.chef))
        return nd_errf(err, errlen, "--chef-opt \"%s\": chef %s is already cooking", spec,
                       opt.chef);
    s_opt_t *opts = realloc(self->opts, (self->opt_count + 1) * sizeof *opts);
    if (!opts)
        return nd_errf(err, errlen, "out of memory");
    self->opts = opts;
    opt.key = strndup(key, (size_t)(eq - key));
    opt.value = strdup(eq + 1);
    if (!opt.key || !opt.value) {
        free(opt.key);
        free(opt.value);
        return nd_errf(err, errlen, "out of memory");
    }
    self->opts[self->opt_count++] = opt;
    return 0;
}

int nd_kitchen_add_chef(nd_kitchen_t *self, const nd_chef_def_t *def, char *err, size_t errlen)
{
    if (!def)
        return nd_errf(err, errlen, "no chef");
    if (def->abi != ND_CHEF_ABI)
        return nd_errf(err, errlen, "chef %s is built for chef ABI %u, this kitchen has %u",
                       def->name && nd_name_valid(def->name) ? def->name : "(unnamed)",
                       (unsigned)def->abi, (unsigned)ND_CHEF_ABI);
    if (!def->name || !nd_name_valid(def->name))
        return nd_errf(err, errlen, "invalid chef name \"%s\" (1-%d of A-Z a-z 0-9 _ . -)",
                       def->name ? def->name : "", ND_NAME_MAX);
    if (s_find_chef(self, def->name))
        return nd_errf(err, errlen, "chef %s is added twice", def->name);

    s_chef_t *c = calloc(1, sizeof *c);
    s_chef_t **chefs = realloc(self->chefs, (self->chef_count + 1) * sizeof *chefs);
    if (chefs)
        self->chefs = chefs;
    size_t n = 0;
    for (size_t i = 0; i < self->opt_count; i++)
        n += strcmp(self->opts[i].chef, def->name) == 0;
    if (c && n)
        c->opts.opts = calloc(n, sizeof *c->opts.opts);
    if (!c || !chefs || (n && !c->opts.opts)) {
        if (c)
            free(c->opts.opts);
        free(c);
        return nd_errf(err, errlen, "out of memory");
    }
    for (size_t i = 0; i < self->opt_count; i++)
        if (strcmp(self->opts[i].chef, def->name) == 0)
            c->opts.opts[c->opts.count++] = &self->opts[i];
    c->def = def;
    /* Both names are valid, so 64 + 1 + 64 bytes always fit. */
    c->topic_len = (size_t)nd_topic(c->topic, sizeof c->topic, def->name, self->name);

    if (def->create) {
        char why[256] = "";
        if (def->create(&c->state, &c->opts, why, sizeof why) < 0) {
            nd_reasm_destroy(&c->opts.reasm);
            free(c->opts.opts);
            free(c);
            return nd_errf(err, errlen, "chef %s: %s", def->name, why[0] ? why : "create failed");
        }
    }
    /* Only now, so that a failed add leaves no trace. The pointers into
     * self->opts stay valid: options cannot be added for a chef once added. */
    for (size_t i = 0; i < self->opt_count; i++)
        if (strcmp(self->opts[i].chef, def->name) == 0)
            self->opts[i].used = true;
    self->chefs[self->chef_count++] = c;
    return 0;
}

size_t nd_kitchen_chef_count(const nd_kitchen_t *self)
{
    return self->chef_count;
}

const nd_chef_def_t *nd_kitchen_chef(const nd_kitchen_t *self, size_t i)
{
    return i < self->chef_count ? self->chefs[i]->def : NULL;
}

/* Options for chefs that never joined are most likely typos: say so once,
 * when cooking starts. */
static void s_check_opts(nd_kitchen_t *self)
{
    if (self->opts_checked)
        return;
    self->opts_checked = true;
    for (size_t i = 0; i < self->opt_count; i++)
        if (!self->opts[i].used)
            nd_warn("--chef-opt %s:%s given, but no chef %s is cooking", self->opts[i].chef,
                    self->opts[i].key, self->opts[i].chef);
}

static void s_after(nd_kitchen_t *self, s_chef_t *c, int rc)
{
    self->cook.chef = NULL;
    self->cook.begun = false;
    if (rc >= 0) {
        c->failures = 0;
        return;
    }
    self->stats.chef_errors++;
    if (++c->failures >= S_CHEF_MAX_FAILURES) {
        c->disabled = true;
        nd_error("chef %s failed %d times in a row; it is switched off", c->def->name,
                 S_CHEF_MAX_FAILURES);
    } else {
        nd_log_limited(&self->rl_chef, 1.0, ND_LOG_WARN, "chef %s failed (%u in a row)",
                       c->def->name, c->failures);
    }
}

void nd_kitchen_packet(nd_kitchen_t *self, const nd_packet_t *pkt)
{
    s_check_opts(self);
    for (size_t i = 0; i < self->chef_count; i++) {
        s_chef_t *c = self->chefs[i];
        if (c->disabled || !c->def->packet)
            continue;
        self->cook.chef = c;
        self->cook.driver = ND_DRIVER_PACKET;
        self->cook.time = pkt->ts;
        s_after(self, c, c->def->packet(c->state, pkt, &self->cook));
    }
}

void nd_kitchen_poke(nd_kitchen_t *self, double now)
{
    s_check_opts(self);
    for (size_t i = 0; i < self->chef_count; i++) {
        s_chef_t *c = self->chefs[i];
        if (c->disabled || !c->def->interval)
            continue;
        self->cook.chef = c;
        self->cook.driver = ND_DRIVER_INTERVAL;
        self->cook.time = now;
        s_after(self, c, c->def->interval(c->state, &self->cook));
    }
}

uint64_t nd_kitchen_topic_sequence(const nd_kitchen_t *self, size_t i)
{
    return i < self->chef_count ? self->chefs[i]->topic_sequence : 0;
}

void nd_kitchen_stats(const nd_kitchen_t *self, nd_kitchen_stats_t *out)
{
    *out = self->stats;
}

void nd_kitchen_reasm_stats(const nd_kitchen_t *self, nd_reasm_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < self->chef_count; i++) {
        if (self->chefs[i]->opts.reasm) {
            nd_reasm_stats_t s;
            nd_reasm_stats(self->chefs[i]->opts.reasm, &s);
            nd_reasm_stats_add(out, &s);
        }
    }
}

/* A numeric option of the reassembler's, `fallback` when not given. */
static int s_reasm_opt(const nd_chef_opts_t *opts, const char *key, double fallback, double min,
                       double max, double *out, char *err, size_t errlen)
{
    const char *v = nd_chef_opt(opts, key, NULL);
    *out = fallback;
    if (!v || nd_parse_double(v, min, max, out) == 0)
        return 0;
    return nd_errf(err, errlen, "%s must be a number from %.0f to %.0f, not '%s'", key, min, max,
                   v);
}

nd_reasm_t *nd_chef_reasm(const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    if (!opts) {
        nd_errf(err, errlen, "no chef options (not called from create())");
        return NULL;
    }
    if (opts->reasm)
        return opts->reasm;
    double flows, flow_bytes, memory, hold, idle;
    if (s_reasm_opt(opts, "max_flows", ND_REASM_MAX_FLOWS, 1, 1e7, &flows, err, errlen) < 0 ||
        s_reasm_opt(opts, "stream_flow_bytes", ND_REASM_FLOW_BYTES, 64, 1 << 30, &flow_bytes, err,
                    errlen) < 0 ||
        s_reasm_opt(opts, "stream_memory", ND_REASM_TOTAL_BYTES, 64, 1e12, &memory, err, errlen) <
            0 ||
        s_reasm_opt(opts, "stream_hold", ND_REASM_HOLD, 0, 86400, &hold, err, errlen) < 0 ||
        s_reasm_opt(opts, "stream_idle", ND_REASM_IDLE, 0, 86400, &idle, err, errlen) < 0)
        return NULL;
    if (memory < flow_bytes) {
        nd_errf(err, errlen, "stream_memory (%.0f) must be at least stream_flow_bytes (%.0f)",
                memory, flow_bytes);
        return NULL;
    }
    nd_reasm_limits_t lim = {(size_t)flows, (size_t)flow_bytes, (size_t)memory, hold, idle};
    /* The options are the chef's entry in its kitchen, the kitchen's to change. */
    nd_chef_opts_t *mine = (nd_chef_opts_t *)opts;
    if (!(mine->reasm = nd_reasm_new(&lim)))
        nd_errf(err, errlen, "out of memory");
    return mine->reasm;
}

/* ---- The chef's side ---------------------------------------------------- */

nd_payload_t *nd_cook_begin(nd_cook_t *cook)
{
    nd_kitchen_t *self = cook->kitchen;
    nd_dumpling_meta_t meta = {
        .chef = cook->chef ? cook->chef->def->name : NULL,
        .kitchen = self->name,
        .driver = cook->driver,
        /* Wall clock, as the seed's kitchens stamp it: when it was made. */
        .creation_time = nd_now() * 1000.0,
        /* Given for real only when the dumpling is served, so that refused
         * dumplings leave no gap for eaters to count as loss. */
        .sequence = self->stats.sequence + 1,
        .topic_sequence = cook->chef ? cook->chef->topic_sequence + 1 : 0,
    };
    /* Outside a handler there is no chef: begin fails, the builder holds the
     * error and serve refuses it. */
    nd_dumpling_begin(self->pl, &meta);
    cook->begun = true;
    return self->pl;
}

int nd_cook_serve(nd_cook_t *cook)
{
    nd_kitchen_t *self = cook->kitchen;
    const char *chef = cook->chef ? cook->chef->def->name : "?";
    const char *why = NULL;
    if (!cook->begun)
        why = "serve without begin";
    else if (nd_dumpling_finish(self->pl, &why) < 0 && !why)
        why = "invalid dumpling";
    cook->begun = false;
    if (why) {
        self->stats.invalid++;
        nd_log_limited(&self->rl_invalid, 1.0, ND_LOG_WARN, "chef %s: dumpling dropped: %s", chef,
                       why);
        return -1;
    }
    /* finish succeeded, so begin had a chef. */
    self->stats.sequence++;
    cook->chef->topic_sequence++;
    self->stats.dumplings++;
    if (self->serve && self->serve(self->arg, cook->chef->topic, cook->chef->topic_len,
                                   nd_pl_data(self->pl), nd_pl_size(self->pl)) < 0)
        self->stats.serve_failures++;
    return 0;
}

double nd_cook_time(const nd_cook_t *cook)
{
    return cook->time;
}

const char *nd_cook_kitchen(const nd_cook_t *cook)
{
    return cook->kitchen->name;
}
