/* SPDX-License-Identifier: MIT */
/* loss.c: what nd-gateway never got from the hub, counted with the eater
 * library's loss accounting (common/loss.c) over the gateway's own
 * subscription, which follows its clients and so changes while it runs.
 *
 * One nd_loss_t per chef, made at the first dumpling of that chef received
 * after the gateway subscribed to it, never from a "$sent/" table: a table
 * published before the hub applied a new subscription would make the
 * dumplings sent between it and the subscription look lost. From that first
 * dumpling on, every table came after the subscription, so gaps and tails
 * are counted exactly, and each loss is known by chef and kitchen, which is
 * what hub.c needs to tell each client its share (gw_msg_t.lost). A chef the
 * gateway stops subscribing to is forgotten, its figures kept in the totals. */
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

#include "netdumplings/loss.h"

#define S_MAX_CHEFS 256
#define S_MAX_KITCHENS 256 /* listed in the heartbeat; more are in the totals only */

typedef struct {
    char chef[ND_NAME_MAX + 1];
    nd_loss_t *loss;
} s_chef_t;

typedef struct {
    char name[ND_NAME_MAX + 1];
    uint64_t received, lost;
} s_kitchen_t;

struct gw_loss {
    s_chef_t chefs[S_MAX_CHEFS];
    size_t nchefs;
    s_kitchen_t kitchens[S_MAX_KITCHENS];
    size_t nkitchens;
    uint64_t received, lost, suspicious_gone;
    bool all;                      /* subscribed to every chef */
    char (*subs)[ND_NAME_MAX + 1]; /* else to these */
    size_t nsubs;
};

gw_loss_t *gw_loss_new(void)
{
    gw_loss_t *self = calloc(1, sizeof *self);
    if (self)
        self->all = true;
    return self;
}

static bool s_subscribed(const gw_loss_t *self, const char *chef)
{
    for (size_t i = 0; !self->all && i < self->nsubs; i++)
        if (strcmp(self->subs[i], chef) == 0)
            return true;
    return self->all;
}

void gw_loss_destroy(gw_loss_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_loss_t *self = *self_p;
    for (size_t i = 0; i < self->nchefs; i++)
        nd_loss_destroy(&self->chefs[i].loss);
    free(self->subs);
    free(self);
    *self_p = NULL;
}

static s_kitchen_t *s_kitchen(gw_loss_t *self, const char *name)
{
    for (size_t i = 0; i < self->nkitchens; i++)
        if (strcmp(self->kitchens[i].name, name) == 0)
            return &self->kitchens[i];
    if (self->nkitchens == S_MAX_KITCHENS)
        return NULL;
    s_kitchen_t *k = &self->kitchens[self->nkitchens++];
    memset(k, 0, sizeof *k);
    memcpy(k->name, name, strlen(name) + 1); /* a valid name: at most 64 */
    return k;
}

static void s_lost(gw_loss_t *self, const char *kitchen, uint64_t n)
{
    if (!n)
        return;
    self->lost += n;
    s_kitchen_t *k = s_kitchen(self, kitchen);
    if (k)
        k->lost += n;
}

uint64_t gw_loss_dumpling(gw_loss_t *self, const nd_dumpling_t *d)
{
    self->received++;
    s_kitchen_t *k = s_kitchen(self, d->kitchen);
    if (k)
        k->received++;
    s_chef_t *c = NULL;
    for (size_t i = 0; i < self->nchefs && !c; i++)
        if (strcmp(self->chefs[i].chef, d->chef) == 0)
            c = &self->chefs[i];
    if (!c) {
        /* Still in flight after an unsubscription: not counted from. */
        if (self->nchefs == S_MAX_CHEFS || !s_subscribed(self, d->chef))
            return 0;
        const char *one[] = {d->chef};
        nd_loss_t *l = nd_loss_new(one, 1);
        if (!l)
            return 0;
        c = &self->chefs[self->nchefs++];
        memcpy(c->chef, d->chef, strlen(d->chef) + 1);
        c->loss = l;
    }
    uint64_t n = nd_loss_dumpling(c->loss, d);
    s_lost(self, d->kitchen, n);
    return n;
}

void gw_loss_sent(gw_loss_t *self, const char *kitchen, const void *body, size_t len,
                  gw_lost_fn *fn, void *arg)
{
    for (size_t i = 0; i < self->nchefs; i++) {
        uint64_t n = nd_loss_sent(self->chefs[i].loss, kitchen, body, len);
        s_lost(self, kitchen, n);
        if (n && fn)
            fn(arg, self->chefs[i].chef, kitchen, n);
    }
}

void gw_loss_subscribed(gw_loss_t *self, char *const *chefs, size_t n, bool all)
{
    self->all = all;
    self->nsubs = 0;
    if (all)
        return;
    void *subs = realloc(self->subs, (n ? n : 1) * sizeof *self->subs);
    if (!subs) {
        self->all = true; /* no memory to tell: count as before */
        return;
    }
    self->subs = subs;
    for (size_t j = 0; j < n; j++)
        if (nd_name_valid(chefs[j]))
            memcpy(self->subs[self->nsubs++], chefs[j], strlen(chefs[j]) + 1);
    for (size_t i = 0; i < self->nchefs;) {
        bool keep = false;
        for (size_t j = 0; j < n && !keep; j++)
            keep = strcmp(self->chefs[i].chef, chefs[j]) == 0;
        if (keep) {
            i++;
            continue;
        }
        nd_loss_totals_t t;
        nd_loss_totals(self->chefs[i].loss, &t);
        self->suspicious_gone += t.suspicious;
        nd_loss_destroy(&self->chefs[i].loss);
        self->chefs[i] = self->chefs[--self->nchefs];
    }
}

void gw_loss_totals(const gw_loss_t *self, uint64_t *received, uint64_t *lost, uint64_t *suspicious)
{
    *received = self ? self->received : 0;
    *lost = self ? self->lost : 0;
    uint64_t s = self ? self->suspicious_gone : 0;
    for (size_t i = 0; self && i < self->nchefs; i++) {
        nd_loss_totals_t t;
        nd_loss_totals(self->chefs[i].loss, &t);
        s += t.suspicious;
    }
    *suspicious = s;
}

size_t gw_loss_kitchen_count(const gw_loss_t *self)
{
    return self ? self->nkitchens : 0;
}

const char *gw_loss_kitchen(const gw_loss_t *self, size_t i, uint64_t *received, uint64_t *lost)
{
    if (!self || i >= self->nkitchens)
        return NULL;
    *received = self->kitchens[i].received;
    *lost = self->kitchens[i].lost;
    return self->kitchens[i].name;
}
