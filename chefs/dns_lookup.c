/* dns_lookup.c: DNSLookupChef: every name DNS queries ask for, and counts per name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/log.h"
#include "netdumplings/lru.h"

/* Hostnames come from the network, so the table is bounded (least recently
 * seen names go first) and hashed with a secret key (nd_lru_t uses SipHash) so
 * that nobody can send names that all land in one bucket. */
#define S_DEFAULT_MAX_NAMES "10000"

typedef struct {
    uint64_t count;
    double latest;
} s_seen_t;

/* The state: the names looked up, presentation form (no NUL) -> s_seen_t. */
typedef nd_lru_t s_state_t;

/* Counts one lookup of `name` at `when`, making it the most recently seen. */
static int s_count(s_state_t *self, const char *name, double when)
{
    s_seen_t *seen = nd_lru_get(self, name, strlen(name), NULL);
    if (!seen)
        return -1;
    seen->count++;
    seen->latest = when;
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
    if (nd_chef_opt_long(opts, "max_names", S_DEFAULT_MAX_NAMES, 1, 10000000, &max, err, errlen) <
        0)
        return -1;
    s_state_t *self = nd_lru_new((size_t)max, sizeof(s_seen_t));
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    nd_lru_warn_evictions(self, "DNSLookupChef", "names");
    *state = self;
    return 0;
}

static void s_destroy(void *state)
{
    s_state_t *self = state;
    nd_lru_destroy(&self);
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
    /* Least to most recently seen: the expected payloads list them so. */
    for (const s_seen_t *seen = nd_lru_first(self); seen; seen = nd_lru_next(self)) {
        size_t len;
        const char *name = nd_lru_cursor(self, &len);
        nd_pl_keyn(p, name, len);
        nd_pl_map(p);
        nd_pl_kv_uint(p, "count", seen->count);
        nd_pl_kv_double(p, "latest", seen->latest);
        nd_pl_end(p);
    }
    nd_pl_end(p);
    /* Only once the bound was hit, so that a normal payload is exactly the
     * Python chef's. */
    if (nd_lru_evicted(self))
        nd_pl_kv_uint(p, "lookups_evicted", nd_lru_evicted(self));
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
