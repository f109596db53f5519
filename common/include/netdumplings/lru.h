/* SPDX-License-Identifier: MIT */
/* lru.h: a bounded map from byte strings to fixed-size values that forgets the
 * least recently used entry when full: what a chef keeps per host or per name
 * that the network, and so possibly an attacker, chooses.
 *
 *     typedef struct { uint64_t count; double latest; } seen_t;
 *     nd_lru_t *names = nd_lru_new(10000, sizeof(seen_t));
 *     seen_t *s = nd_lru_get(names, name, strlen(name), NULL);
 *     if (s) { s->count++; s->latest = pkt->ts; }
 *     for (seen_t *v = nd_lru_first(names); v; v = nd_lru_next(names)) {
 *         size_t len;
 *         const char *key = nd_lru_cursor(names, &len);   (least recently used first)
 *     }
 *     nd_lru_destroy(&names);
 *
 * Keys are hashed with SipHash-2-4 under a random key of the table's own, so
 * nobody can choose keys that all land in one bucket. Entries are allocated in
 * growing slabs up to max_entries and then recycled: once the table is full (or
 * has been), a lookup or an insert allocates nothing, except an insert whose key
 * is longer than ND_LRU_INLINE_KEY bytes and longer than the recycled entry's
 * previous long key. Not thread-safe: one table, one thread. */
#ifndef ND_LRU_H
#define ND_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys up to this long are kept inside the entry; longer ones in a buffer of
 * their own that the entry keeps for its next key. */
#define ND_LRU_INLINE_KEY 48

typedef struct nd_lru nd_lru_t;

/* Returns an empty table of at most max_entries (at least 1) entries with
 * values of value_size bytes (0 for a set), or NULL when out of memory or
 * max_entries is 0. Owned by the caller. */
nd_lru_t *nd_lru_new(size_t max_entries, size_t value_size);
/* Frees the table and every entry; accepts NULL and NULLs the pointer. */
void nd_lru_destroy(nd_lru_t **self_p);

/* Returns the value for key (len bytes, any bytes), making it the most recently
 * used. If absent, adds it with a zeroed value, first evicting the least
 * recently used entry when the table is full; *inserted (if not NULL) says
 * which. Returns NULL only when out of memory (the key is then absent and
 * nothing was evicted). The value is suitably aligned for any type and belongs
 * to the table: it stays valid until the entry is evicted or the table reset
 * or destroyed. */
void *nd_lru_get(nd_lru_t *self, const void *key, size_t len, bool *inserted);
/* Returns the value for key, making it the most recently used, or NULL if absent. */
void *nd_lru_find(nd_lru_t *self, const void *key, size_t len);

/* Iteration from the least to the most recently used entry; neither call
 * changes the order. Returns the first/next value, or NULL at the end (a set
 * of value_size 0 gets a non-NULL pointer that must not be read). Adding,
 * finding or resetting during an iteration ends it. */
void *nd_lru_first(nd_lru_t *self);
void *nd_lru_next(nd_lru_t *self);
/* The key of the value the iteration is at (its length in *len if not NULL),
 * or NULL when it is at none. The key belongs to the table. */
const void *nd_lru_cursor(const nd_lru_t *self, size_t *len);

/* Entries now, the bound, and how many were evicted to make room. */
size_t nd_lru_size(const nd_lru_t *self);
size_t nd_lru_max(const nd_lru_t *self);
uint64_t nd_lru_evicted(const nd_lru_t *self);

/* From now on an insert that evicts says so, at most once a minute, as
 * "OWNER: table full (MAX WHAT), N evicted so far" (a warning): a chef's table
 * that starts forgetting is worth knowing about. `owner` and `what` are kept,
 * not copied (string literals). */
void nd_lru_warn_evictions(nd_lru_t *self, const char *owner, const char *what);

/* Empties the table and zeroes the eviction count, keeping its memory (and its
 * hash key) for the entries to come. */
void nd_lru_reset(nd_lru_t *self);

#endif
