/* arp.c: ARPChef: every ARP request and reply, noting new devices and changed MACs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/log.h"

/* Replies come from anyone on the segment, so the IP -> MAC table is bounded
 * (the least recently answering IP goes first; it is "new" again if it comes
 * back) and bucketed by a keyed mix of the address. */
#define S_DEFAULT_MAX_HOSTS "10000"

typedef struct s_host {
    struct s_host *chain;
    struct s_host *prev, *next; /* least recently seen first */
    uint32_t ip;
    uint8_t mac[6];
} s_host_t;

typedef struct {
    s_host_t **buckets;
    size_t mask;
    s_host_t *oldest, *newest;
    size_t size, max;
    uint64_t evicted;
    uint64_t key;
    nd_ratelimit_t evict_log;
} s_state_t;

static size_t s_bucket(const s_state_t *self, uint32_t ip)
{
    /* splitmix64's finaliser over the address and the secret key. */
    uint64_t z = ((uint64_t)ip << 32 | ip) ^ self->key;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (size_t)z & self->mask;
}

static void s_unlink(s_state_t *self, s_host_t *h)
{
    if (h->prev)
        h->prev->next = h->next;
    else
        self->oldest = h->next;
    if (h->next)
        h->next->prev = h->prev;
    else
        self->newest = h->prev;
    h->prev = h->next = NULL;
}

static void s_append(s_state_t *self, s_host_t *h)
{
    h->prev = self->newest;
    h->next = NULL;
    if (self->newest)
        self->newest->next = h;
    else
        self->oldest = h;
    self->newest = h;
}

static void s_evict_oldest(s_state_t *self)
{
    s_host_t *h = self->oldest;
    s_host_t **pp = &self->buckets[s_bucket(self, h->ip)];
    while (*pp != h)
        pp = &(*pp)->chain;
    *pp = h->chain;
    s_unlink(self, h);
    free(h);
    self->size--;
    self->evicted++;
}

/* Records that `ip` answered from `mac` and returns the note for that reply. */
static const char *s_reply(s_state_t *self, uint32_t ip, const uint8_t mac[6])
{
    size_t b = s_bucket(self, ip);
    s_host_t *h = self->buckets[b];
    while (h && h->ip != ip)
        h = h->chain;
    const char *note = NULL;
    if (h) {
        s_unlink(self, h);
        if (memcmp(h->mac, mac, 6) != 0)
            note = "source device has new IP address";
    } else {
        note = "source device is new";
        if (self->size >= self->max) {
            s_evict_oldest(self);
            nd_log_limited(&self->evict_log, 60, ND_LOG_WARN,
                           "ARPChef: table full (%zu hosts), %llu evicted so far", self->max,
                           (unsigned long long)self->evicted);
        }
        h = calloc(1, sizeof *h);
        if (!h)
            return note; /* the note is still right; the host is just not remembered */
        h->ip = ip;
        h->chain = self->buckets[b];
        self->buckets[b] = h;
        self->size++;
    }
    memcpy(h->mac, mac, 6);
    s_append(self, h);
    return note;
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max;
    const char *opt = nd_chef_opt(opts, "max_hosts", S_DEFAULT_MAX_HOSTS);
    if (nd_parse_long(opt, 1, 10000000, &max) < 0) {
        snprintf(err, errlen, "max_hosts must be a number from 1 to 10000000, not '%s'", opt);
        return -1;
    }
    s_state_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    self->max = (size_t)max;
    size_t nbuckets = 16;
    while (nbuckets < self->max)
        nbuckets *= 2;
    self->mask = nbuckets - 1;
    self->buckets = calloc(nbuckets, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (getrandom(&self->key, sizeof self->key, 0) != (ssize_t)sizeof self->key)
        self->key = (uint64_t)(nd_monotonic() * 1e9) ^ (uint64_t)(uintptr_t)self;
    *state = self;
    return 0;
}

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (!self)
        return;
    while (self->oldest) {
        s_host_t *h = self->oldest;
        self->oldest = h->next;
        free(h);
    }
    free(self->buckets);
    free(self);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    const nd_arp_t *arp = &pkt->arp;
    if (!ND_HAS(pkt, ND_L_ARP) || !arp->eth_ipv4 || (arp->op != 1 && arp->op != 2))
        return 0;

    char src_hw[18], dst_hw[18], src_ip[46], dst_ip[46];
    nd_ip_t ip = {.family = AF_INET};
    nd_mac_str(arp->sha, src_hw, sizeof src_hw);
    nd_mac_str(arp->tha, dst_hw, sizeof dst_hw);
    memcpy(ip.bytes, arp->spa, 4);
    nd_ip_str(&ip, src_ip, sizeof src_ip);
    memcpy(ip.bytes, arp->tpa, 4);
    nd_ip_str(&ip, dst_ip, sizeof dst_ip);

    const char *notes = NULL;
    if (arp->op == 2) {
        uint32_t spa = (uint32_t)arp->spa[0] << 24 | (uint32_t)arp->spa[1] << 16 |
                       (uint32_t)arp->spa[2] << 8 | arp->spa[3];
        notes = s_reply(self, spa, arp->sha);
    }

    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_str(p, "operation", arp->op == 1 ? "request" : "reply");
    nd_pl_kv_str(p, "src_hw", src_hw);
    nd_pl_kv_str(p, "src_ip", src_ip);
    nd_pl_kv_str(p, "dst_hw", dst_hw);
    nd_pl_kv_str(p, "dst_ip", dst_ip);
    nd_pl_kv_double(p, "time", pkt->ts);
    nd_pl_kv_str(p, "notes", notes); /* NULL writes null */
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_arp = {
    .abi = ND_CHEF_ABI,
    .name = "ARPChef",
    .summary = "every Ethernet/IPv4 ARP request and reply, noting new devices and changed MACs "
               "(option max_hosts, default " S_DEFAULT_MAX_HOSTS ")",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
    .interval = NULL,
};

ND_CHEF_MODULE(&nd_chef_arp)
