/* SPDX-License-Identifier: MIT */
/* lru.c: a bounded map from byte strings to fixed-size values that evicts the
 * least recently used entry when full (see lru.h). */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "netdumplings/log.h"
#include "netdumplings/lru.h"

/* One entry; its value follows at S_HDR bytes from the start. Entries are cut
 * from slabs and never freed one by one: an evicted entry is the new one. */
typedef struct s_node {
    struct s_node *chain;       /* next in the same bucket */
    struct s_node *prev, *next; /* recency list, least recently used first; next
                                   also links the free list */
    uint64_t hash;
    size_t len;
    unsigned char *heap; /* the key when longer than ND_LRU_INLINE_KEY */
    size_t heapcap;
    unsigned char inline_key[ND_LRU_INLINE_KEY];
} s_node_t;

typedef struct s_slab {
    struct s_slab *next;
    size_t count;
} s_slab_t;

#define S_ALIGN alignof(max_align_t)
#define S_ROUND(n) (((n) + S_ALIGN - 1) / S_ALIGN * S_ALIGN)
#define S_HDR S_ROUND(sizeof(s_node_t))
#define S_SLAB_HDR S_ROUND(sizeof(s_slab_t))
/* The first slab; each next one doubles what there is, up to the bound, so that
 * a table that sees a few hundred keys holds a few hundred entries. */
#define S_FIRST_SLAB 64

struct nd_lru {
    s_node_t **buckets;
    size_t mask; /* buckets - 1, a power of two minus one */
    s_node_t *oldest, *newest;
    s_node_t *free;
    s_node_t *cursor;
    s_slab_t *slabs;
    size_t size, max, allocated;
    size_t value_size, stride;
    uint64_t evicted;
    uint64_t key[2];
    const char *owner, *what; /* nd_lru_warn_evictions */
    nd_ratelimit_t evict_log;
};

/* ---- SipHash-2-4 (Aumasson & Bernstein), the reference algorithm -------- */

#define S_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define S_SIPROUND                                                                                 \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = S_ROTL(v1, 13);                                                                       \
        v1 ^= v0;                                                                                  \
        v0 = S_ROTL(v0, 32);                                                                       \
        v2 += v3;                                                                                  \
        v3 = S_ROTL(v3, 16);                                                                       \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = S_ROTL(v3, 21);                                                                       \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = S_ROTL(v1, 17);                                                                       \
        v1 ^= v2;                                                                                  \
        v2 = S_ROTL(v2, 32);                                                                       \
    } while (0)

static uint64_t s_siphash(const uint64_t key[2], const uint8_t *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
    uint64_t b = (uint64_t)len << 56;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = 0;
        for (int j = 0; j < 8; j++)
            m |= (uint64_t)in[i + j] << (8 * j);
        v3 ^= m;
        S_SIPROUND;
        S_SIPROUND;
        v0 ^= m;
    }
    for (int j = 0; i + j < len; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    S_SIPROUND;
    S_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    S_SIPROUND;
    S_SIPROUND;
    S_SIPROUND;
    S_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- Entries ------------------------------------------------------------- */

static void *s_value(const s_node_t *n)
{
    return (unsigned char *)n + S_HDR;
}

static const unsigned char *s_key(const s_node_t *n)
{
    return n->len <= ND_LRU_INLINE_KEY ? n->inline_key : n->heap;
}

static void s_unlink(nd_lru_t *self, s_node_t *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        self->oldest = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        self->newest = n->prev;
    n->prev = n->next = NULL;
}

static void s_append(nd_lru_t *self, s_node_t *n)
{
    n->prev = self->newest;
    n->next = NULL;
    if (self->newest)
        self->newest->next = n;
    else
        self->oldest = n;
    self->newest = n;
}

/* Adds a slab of entries to the free list; -1 when out of memory. */
static int s_grow(nd_lru_t *self)
{
    size_t n = self->allocated < S_FIRST_SLAB ? S_FIRST_SLAB : self->allocated;
    if (n > self->max - self->allocated)
        n = self->max - self->allocated;
    if (n == 0 || n > (SIZE_MAX - S_SLAB_HDR) / self->stride)
        return -1;
    s_slab_t *slab = calloc(1, S_SLAB_HDR + n * self->stride);
    if (!slab)
        return -1;
    slab->next = self->slabs;
    slab->count = n;
    self->slabs = slab;
    unsigned char *base = (unsigned char *)slab + S_SLAB_HDR;
    for (size_t i = n; i-- > 0;) {
        s_node_t *node = (s_node_t *)(base + i * self->stride);
        node->next = self->free;
        self->free = node;
    }
    self->allocated += n;
    return 0;
}

static s_node_t *s_lookup(nd_lru_t *self, const void *key, size_t len, uint64_t hash)
{
    s_node_t *n = self->buckets[hash & self->mask];
    while (n && !(n->hash == hash && n->len == len && memcmp(s_key(n), key, len) == 0))
        n = n->chain;
    return n;
}

/* ---- The table ----------------------------------------------------------- */

nd_lru_t *nd_lru_new(size_t max_entries, size_t value_size)
{
    if (max_entries == 0 || max_entries > SIZE_MAX / 4 || value_size > SIZE_MAX / 4)
        return NULL;
    nd_lru_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->max = max_entries;
    self->value_size = value_size;
    self->stride = S_HDR + S_ROUND(value_size);
    size_t nbuckets = 16;
    while (nbuckets < max_entries) /* load factor at most 1 */
        nbuckets *= 2;
    self->mask = nbuckets - 1;
    self->buckets = calloc(nbuckets, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        return NULL;
    }
    if (getrandom(self->key, sizeof self->key, 0) != (ssize_t)sizeof self->key) {
        /* No entropy is no reason to fail; the bound still holds. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        self->key[0] = (uint64_t)(uintptr_t)self ^ (uint64_t)ts.tv_nsec;
        self->key[1] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    return self;
}

void nd_lru_destroy(nd_lru_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_lru_t *self = *self_p;
    /* Long-key buffers live on entries in use and on freed ones alike. */
    for (s_slab_t *slab = self->slabs; slab;) {
        s_slab_t *next = slab->next;
        unsigned char *base = (unsigned char *)slab + S_SLAB_HDR;
        for (size_t i = 0; i < slab->count; i++)
            free(((s_node_t *)(base + i * self->stride))->heap);
        free(slab);
        slab = next;
    }
    self->slabs = NULL;
    free(self->buckets);
    free(self);
    *self_p = NULL;
}

void *nd_lru_get(nd_lru_t *self, const void *key, size_t len, bool *inserted)
{
    self->cursor = NULL;
    uint64_t hash = s_siphash(self->key, key, len);
    s_node_t *n = s_lookup(self, key, len, hash);
    if (n) {
        if (n != self->newest) {
            s_unlink(self, n);
            s_append(self, n);
        }
        if (inserted)
            *inserted = false;
        return s_value(n);
    }
    /* The entry to reuse: the least recently used when full, else a free one. */
    bool evict = self->size >= self->max;
    if (!evict && !self->free && s_grow(self) < 0)
        return NULL;
    n = evict ? self->oldest : self->free;
    if (len > ND_LRU_INLINE_KEY && n->heapcap < len) {
        unsigned char *heap = realloc(n->heap, len);
        if (!heap)
            return NULL; /* before anything changed */
        n->heap = heap;
        n->heapcap = len;
    }
    if (evict) {
        s_node_t **pp = &self->buckets[n->hash & self->mask];
        while (*pp != n)
            pp = &(*pp)->chain;
        *pp = n->chain;
        s_unlink(self, n);
        self->size--;
        self->evicted++;
        if (self->owner)
            nd_log_limited(&self->evict_log, 60, ND_LOG_WARN,
                           "%s: table full (%zu %s), %llu evicted so far", self->owner, self->max,
                           self->what, (unsigned long long)self->evicted);
    } else {
        self->free = n->next;
    }
    n->hash = hash;
    n->len = len;
    memcpy(len <= ND_LRU_INLINE_KEY ? n->inline_key : n->heap, key, len);
    memset(s_value(n), 0, self->value_size);
    n->chain = self->buckets[hash & self->mask];
    self->buckets[hash & self->mask] = n;
    s_append(self, n);
    self->size++;
    if (inserted)
        *inserted = true;
    return s_value(n);
}

void *nd_lru_find(nd_lru_t *self, const void *key, size_t len)
{
    self->cursor = NULL;
    s_node_t *n = s_lookup(self, key, len, s_siphash(self->key, key, len));
    if (!n)
        return NULL;
    if (n != self->newest) {
        s_unlink(self, n);
        s_append(self, n);
    }
    return s_value(n);
}

void *nd_lru_first(nd_lru_t *self)
{
    self->cursor = self->oldest;
    return self->cursor ? s_value(self->cursor) : NULL;
}

void *nd_lru_next(nd_lru_t *self)
{
    if (self->cursor)
        self->cursor = self->cursor->next;
    return self->cursor ? s_value(self->cursor) : NULL;
}

const void *nd_lru_cursor(const nd_lru_t *self, size_t *len)
{
    if (!self->cursor)
        return NULL;
    if (len)
        *len = self->cursor->len;
    return s_key(self->cursor);
}

size_t nd_lru_size(const nd_lru_t *self)
{
    return self->size;
}

size_t nd_lru_max(const nd_lru_t *self)
{
    return self->max;
}

uint64_t nd_lru_evicted(const nd_lru_t *self)
{
    return self->evicted;
}

void nd_lru_warn_evictions(nd_lru_t *self, const char *owner, const char *what)
{
    self->owner = owner;
    self->what = what;
}

void nd_lru_reset(nd_lru_t *self)
{
    /* Only the buckets in use are cleared: a reset costs what was seen, not
     * the whole bucket array. */
    while (self->oldest) {
        s_node_t *n = self->oldest;
        self->buckets[n->hash & self->mask] = NULL;
        self->oldest = n->next;
        n->chain = n->prev = NULL;
        n->next = self->free;
        self->free = n;
    }
    self->newest = self->cursor = NULL;
    self->size = 0;
    self->evicted = 0;
}
