/* SPDX-License-Identifier: MIT */
/* loss.c: per-topic loss counting for eaters (see loss.h). A kitchen's
 * dumplings and its "$sent/" tables reach an eater on one ordered path (the
 * hub's XPUB), so a table says: every dumpling up to these numbers was either
 * received before it or lost. */
#include "netdumplings/loss.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"

/* Bounds on what untrusted tables can make us keep. */
#define S_MAX_KITCHENS 4096
#define S_MAX_STREAMS 256
/* A jump larger than this is not a loss but a lie (or a bug): more than a
 * kitchen can make between two heartbeats. */
#define S_ABSURD 1000000000ULL

typedef struct {
    char chef[ND_NAME_MAX + 1];
    uint64_t accounted; /* every number up to here was received or counted lost */
    uint64_t first;     /* the first number seen, before the kitchen's first table; 0 after */
} s_stream_t;

typedef struct {
    char name[ND_NAME_MAX + 1];
    char boot_id[65]; /* from its tables; "" before the first */
    bool whole;       /* this run of it was all meant for us (its first table says) */
    uint64_t received, lost;
    bool has_legacy;
    uint64_t legacy; /* last per-kitchen "sequence", for kitchens without topic_sequence */
    s_stream_t *streams;
    size_t nstreams, cap;
} s_kitchen_t;

struct nd_loss {
    char **chefs; /* NULL: all */
    size_t nchefs;
    s_kitchen_t *kitchens;
    size_t nkitchens, cap;
    size_t last;   /* the kitchen found last */
    double joined; /* when the hub registered us, on its clock; 0: not known */
    nd_loss_totals_t t;
};

nd_loss_t *nd_loss_new(const char *const *chefs, size_t nchefs)
{
    nd_loss_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (chefs && nchefs) {
        if (!(self->chefs = calloc(nchefs, sizeof *self->chefs)))
            goto fail;
        for (size_t i = 0; i < nchefs; i++, self->nchefs++)
            if (!(self->chefs[i] = strdup(chefs[i])))
                goto fail;
    }
    return self;
fail:
    nd_loss_destroy(&self);
    return NULL;
}

void nd_loss_destroy(nd_loss_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_loss_t *self = *self_p;
    for (size_t i = 0; i < self->nchefs; i++)
        free(self->chefs[i]);
    free(self->chefs);
    for (size_t i = 0; i < self->nkitchens; i++)
        free(self->kitchens[i].streams);
    free(self->kitchens);
    free(self);
    *self_p = NULL;
}

static bool s_chef_wanted(const nd_loss_t *self, const char *chef, size_t len)
{
    if (!self->chefs)
        return true;
    for (size_t i = 0; i < self->nchefs; i++)
        if (strlen(self->chefs[i]) == len && memcmp(self->chefs[i], chef, len) == 0)
            return true;
    return false;
}

static s_kitchen_t *s_kitchen(nd_loss_t *self, const char *name)
{
    if (self->last < self->nkitchens && strcmp(self->kitchens[self->last].name, name) == 0)
        return &self->kitchens[self->last];
    for (size_t i = 0; i < self->nkitchens; i++)
        if (strcmp(self->kitchens[i].name, name) == 0) {
            self->last = i;
            return &self->kitchens[i];
        }
    if (self->nkitchens >= S_MAX_KITCHENS)
        return NULL;
    if (self->nkitchens == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        s_kitchen_t *n = realloc(self->kitchens, cap * sizeof *n);
        if (!n)
            return NULL;
        self->kitchens = n;
        self->cap = cap;
    }
    s_kitchen_t *k = &self->kitchens[self->nkitchens];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    self->last = self->nkitchens++;
    return k;
}

static s_stream_t *s_stream(s_kitchen_t *k, const char *chef, size_t len, bool *created)
{
    *created = false;
    for (size_t i = 0; i < k->nstreams; i++)
        if (strlen(k->streams[i].chef) == len && memcmp(k->streams[i].chef, chef, len) == 0)
            return &k->streams[i];
    if (k->nstreams >= S_MAX_STREAMS || len > ND_NAME_MAX)
        return NULL;
    if (k->nstreams == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4;
        s_stream_t *n = realloc(k->streams, cap * sizeof *n);
        if (!n)
            return NULL;
        k->streams = n;
        k->cap = cap;
    }
    s_stream_t *s = &k->streams[k->nstreams++];
    memcpy(s->chef, chef, len);
    s->chef[len] = '\0';
    s->accounted = 0;
    s->first = 0;
    *created = true;
    return s;
}

static uint64_t s_lose(nd_loss_t *self, s_kitchen_t *k, uint64_t n)
{
    k->lost += n;
    self->t.lost += n;
    return n;
}

/* Number `seq` arrived after `*accounted`: count the ones skipped. Going back
 * means the kitchen started again: count from there, nothing lost. */
static uint64_t s_arrived(nd_loss_t *self, s_kitchen_t *k, uint64_t *accounted, uint64_t seq)
{
    uint64_t lost = 0;
    if (seq > *accounted) {
        if (seq - *accounted - 1 > S_ABSURD) {
            self->t.suspicious++; /* not believed, and not counted from */
            return 0;
        }
        lost = s_lose(self, k, seq - *accounted - 1);
    } else {
        self->t.restarts++;
    }
    *accounted = seq;
    return lost;
}

uint64_t nd_loss_dumpling(nd_loss_t *self, const nd_dumpling_t *d)
{
    self->t.received++;
    s_kitchen_t *k = s_kitchen(self, d->kitchen);
    if (!k)
        return 0;
    k->received++;
    if (d->has_topic_sequence) {
        bool created;
        s_stream_t *s = s_stream(k, d->chef, strlen(d->chef), &created);
        if (!s)
            return 0;
        if (created) {
            /* The first we see of it: whether what came before was meant
             * for us, the kitchen's first "$sent/" table tells; once it has,
             * a stream that starts later counts what it missed at once. */
            s->accounted = d->topic_sequence;
            s->first = k->boot_id[0] ? 0 : d->topic_sequence;
            if (k->boot_id[0] && k->whole && d->topic_sequence > 1)
                return s_lose(self, k, d->topic_sequence - 1);
            return 0;
        }
        return s_arrived(self, k, &s->accounted, d->topic_sequence);
    }
    /* An older kitchen: its per-kitchen numbers tell a gap only when we see
     * every chef. */
    if (!d->has_sequence || self->chefs)
        return 0;
    if (!k->has_legacy) {
        k->has_legacy = true;
        k->legacy = d->sequence;
        return 0;
    }
    return s_arrived(self, k, &k->legacy, d->sequence);
}

static bool s_key_is(const msgpack_object *o, const char *key)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(key) &&
           memcmp(o->via.str.ptr, key, o->via.str.size) == 0;
}

void nd_loss_joined(nd_loss_t *self, double registered)
{
    self->joined = registered;
}

uint64_t nd_loss_sent(nd_loss_t *self, const char *kitchen, const void *body, size_t len)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    uint64_t lost = 0;
    char err[128];
    const msgpack_object *topics = NULL, *boot = NULL, *name = NULL;
    double first_seen = 0;
    bool from_start = false;
    if (len > 65536 || nd_msgpack_unpack_one(&u, body, len, err, sizeof err) != 0 ||
        u.data.type != MSGPACK_OBJECT_MAP)
        goto bad;
    for (uint32_t i = 0; i < u.data.via.map.size; i++) {
        const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
        if (s_key_is(&kv->key, "topics") && kv->val.type == MSGPACK_OBJECT_MAP)
            topics = &kv->val;
        else if (s_key_is(&kv->key, "boot_id") && kv->val.type == MSGPACK_OBJECT_STR &&
                 kv->val.via.str.size > 0 && kv->val.via.str.size <= 64)
            boot = &kv->val;
        else if (s_key_is(&kv->key, "kitchen"))
            name = &kv->val;
        else if (s_key_is(&kv->key, "first_seen") &&
                 (kv->val.type == MSGPACK_OBJECT_FLOAT64 || kv->val.type == MSGPACK_OBJECT_FLOAT32))
            first_seen = kv->val.via.f64;
        else if (s_key_is(&kv->key, "from_start") && kv->val.type == MSGPACK_OBJECT_BOOLEAN)
            from_start = kv->val.via.boolean;
    }
    if (!topics || !boot || !name || !s_key_is(name, kitchen))
        goto bad;
    s_kitchen_t *k = s_kitchen(self, kitchen);
    if (!k)
        goto done;
    char boot_id[65];
    memcpy(boot_id, boot->via.str.ptr, boot->via.str.size);
    boot_id[boot->via.str.size] = '\0';
    /* A new boot id: the kitchen started again. Its numbers start over, and
     * this table is where we count from; nothing is lost by the restart. */
    bool first = !k->boot_id[0];
    bool restarted = !first && strcmp(k->boot_id, boot_id) != 0;
    if (restarted)
        self->t.restarts++;
    snprintf(k->boot_id, sizeof k->boot_id, "%s", boot_id);
    /* We were registered at the hub before it first heard of this run of the
     * kitchen, and it saw the run from its first number: every dumpling of it
     * was meant for us, from 1. */
    if (first)
        k->whole = from_start && self->joined > 0 && first_seen > self->joined;
    else if (restarted)
        k->whole = false; /* counted from this table on */
    bool whole = k->whole;
    for (uint32_t i = 0; i < topics->via.map.size; i++) {
        const msgpack_object *c = &topics->via.map.ptr[i].key, *n = &topics->via.map.ptr[i].val;
        if (c->type != MSGPACK_OBJECT_STR || !nd_name_validn(c->via.str.ptr, c->via.str.size) ||
            n->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
            self->t.suspicious++;
            continue;
        }
        if (!s_chef_wanted(self, c->via.str.ptr, c->via.str.size))
            continue;
        bool created;
        s_stream_t *s = s_stream(k, c->via.str.ptr, c->via.str.size, &created);
        if (!s)
            continue;
        uint64_t sent = n->via.u64;
        if (restarted || (created && !whole)) {
            s->accounted = sent;
        } else if (sent - s->accounted > S_ABSURD && sent > s->accounted) {
            self->t.suspicious++; /* absurdly many: not believed */
        } else if (sent >= s->accounted) {
            if (whole && s->first > 1)
                lost += s_lose(self, k, s->first - 1); /* before the first we saw */
            lost += s_lose(self, k, sent - s->accounted);
            s->accounted = sent;
        }
        /* Fewer than we have: a table the hub repeated (it sends each with
         * every status too), older than our latest dumplings. */
        s->first = 0;
    }
    goto done;
bad:
    self->t.suspicious++;
done:
    msgpack_unpacked_destroy(&u);
    return lost;
}

void nd_loss_totals(const nd_loss_t *self, nd_loss_totals_t *out)
{
    if (!self) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = self->t;
}

size_t nd_loss_kitchen_count(const nd_loss_t *self)
{
    return self ? self->nkitchens : 0;
}

const char *nd_loss_kitchen(const nd_loss_t *self, size_t i, uint64_t *received, uint64_t *lost)
{
    if (!self || i >= self->nkitchens)
        return NULL;
    if (received)
        *received = self->kitchens[i].received;
    if (lost)
        *lost = self->kitchens[i].lost;
    return self->kitchens[i].name;
}
