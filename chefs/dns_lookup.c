/* dns_lookup.c: DNSLookupChef: every name DNS queries ask for, and counts per name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/log.h"

/* Hostnames come from the network, so the table is bounded (least recently
 * seen names go first) and hashed with a secret key (SipHash) so that nobody
 * can send names that all land in one bucket. */
#define S_DEFAULT_MAX_NAMES "10000"

typedef struct s_entry {
    struct s_entry *chain;       /* next in the same bucket */
    struct s_entry *prev, *next; /* recency list, least recently seen first */
    uint64_t hash;
    uint64_t count;
    double latest;
    size_t len;
    char name[]; /* NUL-terminated */
} s_entry_t;

typedef struct {
    s_entry_t **buckets;
    size_t mask; /* buckets - 1, a power of two minus one */
    s_entry_t *oldest, *newest;
    size_t size, max;
    uint64_t evicted;
    uint64_t key[2];
    nd_ratelimit_t evict_log;
} s_state_t;

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

/* ---- The table ----------------------------------------------------------- */

static void s_unlink(s_state_t *self, s_entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        self->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        self->newest = e->prev;
    e->prev = e->next = NULL;
}

static void s_append(s_state_t *self, s_entry_t *e)
{
    e->prev = self->newest;
    e->next = NULL;
    if (self->newest)
        self->newest->next = e;
    else
        self->oldest = e;
    self->newest = e;
}

static void s_evict_oldest(s_state_t *self)
{
    s_entry_t *e = self->oldest;
    s_entry_t **pp = &self->buckets[e->hash & self->mask];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    s_unlink(self, e);
    free(e);
    self->size--;
    self->evicted++;
}

/* Counts one lookup of `name` at `when`, making it the most recently seen. */
static int s_count(s_state_t *self, const char *name, double when)
{
    size_t len = strlen(name);
    uint64_t hash = s_siphash(self->key, (const uint8_t *)name, len);
    s_entry_t *e = self->buckets[hash & self->mask];
    while (e && !(e->hash == hash && e->len == len && memcmp(e->name, name, len) == 0))
        e = e->chain;
    if (e) {
        s_unlink(self, e);
    } else {
        if (self->size >= self->max) {
            s_evict_oldest(self);
            nd_log_limited(&self->evict_log, 60, ND_LOG_WARN,
                           "DNSLookupChef: table full (%zu names), %llu evicted so far", self->max,
                           (unsigned long long)self->evicted);
        }
        e = calloc(1, sizeof *e + len + 1);
        if (!e)
            return -1;
        e->hash = hash;
        e->len = len;
        memcpy(e->name, name, len + 1);
        e->chain = self->buckets[hash & self->mask];
        self->buckets[hash & self->mask] = e;
        self->size++;
    }
    e->count++;
    e->latest = when;
    s_append(self, e);
    return 0;
}

/* ---- Names as UTF-8 ------------------------------------------------------ */

static bool s_utf8_valid(const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80             ? 0
                   : (*s & 0xe0) == 0xc0 ? 1
                   : (*s & 0xf0) == 0xe0 ? 2
                   : (*s & 0xf8) == 0xf0 ? 3
                                         : 4;
        if (n == 4 || (n == 1 && *s < 0xc2) || (n == 3 && *s > 0xf4))
            return false;
        for (size_t i = 1; i <= n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return false;
        if ((n == 2 && *s == 0xe0 && s[1] < 0xa0) || (n == 2 && *s == 0xed && s[1] >= 0xa0) ||
            (n == 3 && *s == 0xf0 && s[1] < 0x90) || (n == 3 && *s == 0xf4 && s[1] >= 0x90))
            return false;
        s += n + 1;
    }
    return true;
}

/* The dissector already gives the presentation form, with "\DDD" for bytes that
 * are not printable; a dumpling must be UTF-8 and one bad name would otherwise
 * spoil every later lookups_seen, so any byte >= 0x80 that slipped through is
 * escaped the same way here. */
static const char *s_presentable(const char *name, char *buf, size_t len)
{
    if (s_utf8_valid((const unsigned char *)name))
        return name;
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s && o + 5 < len; s++) {
        if (*s < 0x80)
            buf[o++] = (char)*s;
        else
            o += (size_t)snprintf(buf + o, len - o, "\\%03u", *s);
    }
    buf[o] = '\0';
    return buf;
}

/* ---- The chef ------------------------------------------------------------ */

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max;
    const char *opt = nd_chef_opt(opts, "max_names", S_DEFAULT_MAX_NAMES);
    if (nd_parse_long(opt, 1, 10000000, &max) < 0) {
        snprintf(err, errlen, "max_names must be a number from 1 to 10000000, not '%s'", opt);
        return -1;
    }
    s_state_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    self->max = (size_t)max;
    size_t nbuckets = 16;
    while (nbuckets < self->max) /* load factor at most 1 */
        nbuckets *= 2;
    self->mask = nbuckets - 1;
    self->buckets = calloc(nbuckets, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (getrandom(self->key, sizeof self->key, 0) != (ssize_t)sizeof self->key) {
        /* No entropy is no reason to stop sniffing; the bound still holds. */
        self->key[0] = (uint64_t)(uintptr_t)self ^ (uint64_t)(nd_monotonic() * 1e9);
        self->key[1] = (uint64_t)(nd_now() * 1e6);
    }
    *state = self;
    return 0;
}

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (!self)
        return;
    while (self->oldest) {
        s_entry_t *e = self->oldest;
        self->oldest = e->next;
        free(e);
    }
    free(self->buckets);
    free(self);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    /* Standard queries only: responses repeat the question, and other opcodes
     * (NOTIFY, UPDATE, ...) are not lookups. */
    if (!ND_HAS(pkt, ND_L_DNS) || pkt->dns.qr || pkt->dns.opcode != 0)
        return 0;
    int rc = 0;
    char buf[ND_DNS_NAME_MAX];
    for (unsigned i = 0; i < pkt->dns.nquestions && i < ND_DNS_MAX_QUESTIONS; i++) {
        const char *name = s_presentable(pkt->dns.q[i].name, buf, sizeof buf);
        if (s_count(self, name, pkt->ts) < 0)
            rc = -1;
        nd_payload_t *p = nd_cook_begin(cook);
        nd_pl_map(p);
        nd_pl_key(p, "lookup");
        nd_pl_map(p);
        nd_pl_kv_str(p, "hostname", name);
        nd_pl_kv_double(p, "when", pkt->ts);
        nd_pl_end(p);
        nd_pl_end(p);
        if (nd_cook_serve(cook) < 0)
            rc = -1;
    }
    return rc;
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_key(p, "lookups_seen");
    nd_pl_map(p);
    for (const s_entry_t *e = self->oldest; e; e = e->next) {
        nd_pl_keyn(p, e->name, e->len);
        nd_pl_map(p);
        nd_pl_kv_uint(p, "count", e->count);
        nd_pl_kv_double(p, "latest", e->latest);
        nd_pl_end(p);
    }
    nd_pl_end(p);
    /* Only once the bound was hit, so that a normal payload is exactly the
     * Python chef's. */
    if (self->evicted)
        nd_pl_kv_uint(p, "lookups_evicted", self->evicted);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_dns_lookup = {
    .abi = ND_CHEF_ABI,
    .name = "DNSLookupChef",
    .summary = "every hostname looked up in a DNS query; every poke, counts per hostname "
               "(option max_names, default " S_DEFAULT_MAX_NAMES ")",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_dns_lookup)
