/* SPDX-License-Identifier: MIT */
/* top_talkers.c: TopTalkersChef, which reports every poke the hosts and the
 * conversations (pairs of hosts) that sent the most bytes and the most packets
 * since the poke before. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"

#define S_DEFAULT_N "10"
/* Addresses come from the network, so each table is bounded: once full, new
 * hosts are not tracked until the next poke (and the payload says how much
 * traffic that left out). */
#define S_DEFAULT_MAX "10000"

typedef struct {
    bool used;
    nd_ip_t a, b; /* a host: a only; a conversation: a < b */
    char text[2][46];
    uint64_t bytes, packets;
} s_entry_t;

typedef struct {
    s_entry_t *slots;
    size_t mask; /* slots - 1 */
    size_t size, max;
    size_t max_slots; /* what max needs at load factor 1/2 */
    uint64_t untracked_bytes, untracked_packets;
    s_entry_t **sorted;
} s_table_t;

typedef struct {
    size_t n;
    s_table_t hosts, convs;
    uint64_t total_bytes, total_packets;
    uint64_t key;
} s_state_t;

/* The table starts small and doubles as hosts arrive, up to what max needs:
 * a kitchen that sees a few hundred hosts keeps a few hundred slots, not the
 * megabytes that max_hosts allows. */
#define S_FIRST_SLOTS 64

static int s_table_init(s_table_t *t, size_t max)
{
    size_t slots = 16;
    while (slots < 2 * max) /* load factor at most 1/2: short probes */
        slots *= 2;
    t->max_slots = slots;
    if (slots > S_FIRST_SLOTS)
        slots = S_FIRST_SLOTS;
    t->slots = calloc(slots, sizeof *t->slots);
    t->sorted = calloc(max, sizeof *t->sorted);
    t->mask = slots - 1;
    t->max = max;
    return t->slots && t->sorted ? 0 : -1;
}

static void s_table_free(s_table_t *t)
{
    free(t->slots);
    free(t->sorted);
}

/* Only the used slots are cleared (sorted[] lists them): a poke costs what
 * was seen, not the whole table. */
static void s_table_clear(s_table_t *t)
{
    for (size_t i = 0; i < t->size; i++)
        memset(t->sorted[i], 0, sizeof *t->sorted[i]);
    t->size = 0;
    t->untracked_bytes = t->untracked_packets = 0;
}

static uint64_t s_hash(uint64_t key, const nd_ip_t *a, const nd_ip_t *b)
{
    /* splitmix64's finaliser over the address bytes, keyed with a secret so
     * that nobody can pick addresses that all probe the same run. */
    uint64_t h = key;
    const nd_ip_t *ips[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 16; i += 8) {
            uint64_t w;
            memcpy(&w, ips[k]->bytes + i, 8);
            h ^= w + (uint64_t)ips[k]->family;
            h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
            h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
            h ^= h >> 31;
        }
    }
    return h;
}

static bool s_ip_eq(const nd_ip_t *x, const nd_ip_t *y)
{
    return x->family == y->family && memcmp(x->bytes, y->bytes, sizeof x->bytes) == 0;
}

/* A total order on cleaned addresses: family, then bytes. */
static int s_ip_cmp(const nd_ip_t *x, const nd_ip_t *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->bytes, y->bytes, sizeof x->bytes);
}

/* Doubles the slots and moves every entry; on no memory the table stays as
 * it is (still at most half full, so still correct, just fuller). */
static void s_table_grow(s_table_t *t, uint64_t key)
{
    size_t slots = (t->mask + 1) * 2;
    s_entry_t *bigger = calloc(slots, sizeof *bigger);
    if (!bigger)
        return;
    for (size_t k = 0; k < t->size; k++) {
        const s_entry_t *e = t->sorted[k];
        size_t i = (size_t)s_hash(key, &e->a, &e->b) & (slots - 1);
        while (bigger[i].used)
            i = (i + 1) & (slots - 1);
        bigger[i] = *e;
        t->sorted[k] = &bigger[i];
    }
    free(t->slots);
    t->slots = bigger;
    t->mask = slots - 1;
}

/* Counts a host (b is the zero address) or a conversation (a < b in binary
 * order). `swap` says the text order is b, a: the payload shows a
 * conversation's addresses in text order. */
static void s_count(s_table_t *t, uint64_t key, const nd_ip_t *a, const nd_ip_t *b, uint64_t bytes)
{
    size_t i = (size_t)s_hash(key, a, b) & t->mask;
    while (t->slots[i].used && !(s_ip_eq(&t->slots[i].a, a) && s_ip_eq(&t->slots[i].b, b)))
        i = (i + 1) & t->mask;
    s_entry_t *e = &t->slots[i];
    if (!e->used) {
        if (t->size == t->max) {
            t->untracked_bytes += bytes;
            t->untracked_packets++;
            return;
        }
        if ((t->size + 1) * 2 > t->mask + 1 && t->mask + 1 < t->max_slots) {
            s_table_grow(t, key);
            i = (size_t)s_hash(key, a, b) & t->mask;
            while (t->slots[i].used)
                i = (i + 1) & t->mask;
            e = &t->slots[i];
        }
        e->used = true;
        e->a = *a;
        e->b = *b;
        /* Text only for a new entry, never per packet. */
        nd_ip_str(a, e->text[0], sizeof e->text[0]);
        nd_ip_str(b, e->text[1], sizeof e->text[1]);
        if (b->family && strcmp(e->text[0], e->text[1]) > 0) {
            char tmp[sizeof e->text[0]];
            memcpy(tmp, e->text[0], sizeof tmp);
            memcpy(e->text[0], e->text[1], sizeof tmp);
            memcpy(e->text[1], tmp, sizeof tmp);
        }
        t->sorted[t->size++] = e;
    }
    e->bytes += bytes;
    e->packets++;
}

/* A copy with the bytes past the address zeroed, so that it can be compared
 * and hashed whole (the dissector leaves them as they were). */
static nd_ip_t s_clean(const nd_ip_t *ip)
{
    nd_ip_t c = {ip->family, {0}};
    memcpy(c.bytes, ip->bytes, ip->family == AF_INET6 ? 16 : 4);
    return c;
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long n, max;
    if (nd_chef_opt_long(opts, "n", S_DEFAULT_N, 1, 1000, &n, err, errlen) < 0 ||
        nd_chef_opt_long(opts, "max_hosts", S_DEFAULT_MAX, 1, 1000000, &max, err, errlen) < 0)
        return -1;
    s_state_t *self = calloc(1, sizeof *self);
    if (!self || s_table_init(&self->hosts, (size_t)max) < 0 ||
        s_table_init(&self->convs, (size_t)max) < 0) {
        if (self) {
            s_table_free(&self->hosts);
            s_table_free(&self->convs);
        }
        free(self);
        return nd_errf(err, errlen, "out of memory");
    }
    self->n = (size_t)n;
    if (getrandom(&self->key, sizeof self->key, 0) != (ssize_t)sizeof self->key)
        self->key = (uint64_t)(uintptr_t)self ^ (uint64_t)(nd_now() * 1e6);
    *state = self;
    return 0;
}

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (!self)
        return;
    s_table_free(&self->hosts);
    s_table_free(&self->convs);
    free(self);
}

/* Bytes are the captured frame's length on the wire: what the link carried. */
static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    if (!ND_HAS(pkt, ND_L_IPV4) && !ND_HAS(pkt, ND_L_IPV6))
        return 0;
    nd_ip_t src = s_clean(&pkt->src), dst = s_clean(&pkt->dst), none = {0, {0}};
    self->total_bytes += pkt->wirelen;
    self->total_packets++;
    s_count(&self->hosts, self->key, &src, &none, pkt->wirelen);
    if (!s_ip_eq(&src, &dst))
        s_count(&self->hosts, self->key, &dst, &none, pkt->wirelen);
    /* A conversation is the same whichever way a packet goes: the pair is
     * keyed in binary order (formatting two addresses per packet to compare
     * their text was a third of the kitchen's time); s_count puts the texts
     * in text order, as the payload shows them, once per new entry. */
    if (s_ip_cmp(&src, &dst) <= 0)
        s_count(&self->convs, self->key, &src, &dst, pkt->wirelen);
    else
        s_count(&self->convs, self->key, &dst, &src, pkt->wirelen);
    return 0;
}

/* Ranking: the measure, then the other measure, both descending, then the
 * address text ascending, so that the order never depends on the hash. */
static int s_by_bytes(const void *x, const void *y)
{
    const s_entry_t *a = *(s_entry_t *const *)x, *b = *(s_entry_t *const *)y;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->packets != b->packets)
        return a->packets > b->packets ? -1 : 1;
    int c = strcmp(a->text[0], b->text[0]);
    return c ? c : strcmp(a->text[1], b->text[1]);
}

static int s_by_packets(const void *x, const void *y)
{
    const s_entry_t *a = *(s_entry_t *const *)x, *b = *(s_entry_t *const *)y;
    if (a->packets != b->packets)
        return a->packets > b->packets ? -1 : 1;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    int c = strcmp(a->text[0], b->text[0]);
    return c ? c : strcmp(a->text[1], b->text[1]);
}

static void s_list(nd_payload_t *p, const char *key, s_table_t *t, size_t n, bool conv,
                   int (*cmp)(const void *, const void *))
{
    qsort(t->sorted, t->size, sizeof *t->sorted, cmp);
    nd_pl_key(p, key);
    nd_pl_array(p);
    for (size_t i = 0; i < t->size && i < n; i++) {
        const s_entry_t *e = t->sorted[i];
        nd_pl_map(p);
        if (conv) {
            nd_pl_kv_str(p, "a", e->text[0]);
            nd_pl_kv_str(p, "b", e->text[1]);
        } else {
            nd_pl_kv_str(p, "host", e->text[0]);
        }
        nd_pl_kv_uint(p, "bytes", e->bytes);
        nd_pl_kv_uint(p, "packets", e->packets);
        nd_pl_end(p);
    }
    nd_pl_end(p);
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_uint(p, "total_bytes", self->total_bytes);
    nd_pl_kv_uint(p, "total_packets", self->total_packets);
    s_list(p, "hosts_by_bytes", &self->hosts, self->n, false, s_by_bytes);
    s_list(p, "hosts_by_packets", &self->hosts, self->n, false, s_by_packets);
    s_list(p, "conversations_by_bytes", &self->convs, self->n, true, s_by_bytes);
    s_list(p, "conversations_by_packets", &self->convs, self->n, true, s_by_packets);
    /* Only once a table was full, so that a normal payload stays small. */
    if (self->hosts.untracked_packets || self->convs.untracked_packets) {
        nd_pl_kv_bool(p, "truncated", true);
        nd_pl_kv_uint(p, "untracked_host_packets", self->hosts.untracked_packets);
        nd_pl_kv_uint(p, "untracked_conversation_packets", self->convs.untracked_packets);
    }
    nd_pl_end(p);
    s_table_clear(&self->hosts);
    s_table_clear(&self->convs);
    self->total_bytes = self->total_packets = 0;
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_top_talkers = {
    .abi = ND_CHEF_ABI,
    .name = "TopTalkersChef",
    .summary = "every poke, the top hosts and conversations by bytes and by packets since the "
               "last poke (options n, default " S_DEFAULT_N ", and max_hosts)",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_top_talkers)
