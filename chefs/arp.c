/* SPDX-License-Identifier: MIT */
/* arp.c: ARPChef: every ARP message (any opcode, any hardware), noting new
 * devices and changed MACs from Ethernet/IPv4 replies. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/lru.h"

/* Replies come from anyone on the segment, so the IP -> MAC table is bounded
 * (the least recently answering IP goes first; it is "new" again if it comes
 * back) and keyed with a secret (nd_lru_t). */
#define S_DEFAULT_MAX_HOSTS "10000"

typedef struct {
    uint8_t mac[6];
} s_host_t;

/* The state: the hosts seen, sender IPv4 address (4 bytes) -> s_host_t. */
typedef nd_lru_t s_state_t;

/* Records that `spa` answered from `mac` and returns the note for that reply. */
static const char *s_reply(s_state_t *self, const uint8_t spa[4], const uint8_t mac[6])
{
    bool inserted;
    s_host_t *h = nd_lru_get(self, spa, 4, &inserted);
    if (!h)
        return "source device is new"; /* still right; the host is just not remembered */
    const char *note = NULL;
    if (inserted)
        note = "source device is new";
    else if (memcmp(h->mac, mac, 6) != 0)
        note = "source device has new IP address";
    memcpy(h->mac, mac, 6);
    return note;
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max;
    if (nd_chef_opt_long(opts, "max_hosts", S_DEFAULT_MAX_HOSTS, 1, 10000000, &max, err, errlen) <
        0)
        return -1;
    s_state_t *self = nd_lru_new((size_t)max, sizeof(s_host_t));
    if (!self)
        return nd_errf(err, errlen, "out of memory");
    nd_lru_warn_evictions(self, "ARPChef", "hosts");
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
    const nd_arp_t *arp = &pkt->arp;
    if (!ND_HAS(pkt, ND_L_ARP))
        return 0;

    /* Addresses that are not MACs or IPv4 (ARCNET, InfiniBand, Frame Relay
     * DLCIs...) are null, as tshark leaves them undecoded. */
    bool mac = nd_arp_hw_is_mac(arp), ipv4 = nd_arp_proto_is_ipv4(arp);
    char src_hw[18], dst_hw[18], src_ip[46], dst_ip[46], opname[24];
    nd_ip_t ip = {.family = AF_INET};
    nd_mac_str(arp->sha, src_hw, sizeof src_hw);
    nd_mac_str(arp->tha, dst_hw, sizeof dst_hw);
    memcpy(ip.bytes, arp->spa, 4);
    nd_ip_str(&ip, src_ip, sizeof src_ip);
    memcpy(ip.bytes, arp->tpa, 4);
    nd_ip_str(&ip, dst_ip, sizeof dst_ip);
    const char *op = nd_arp_op_name(arp->op);
    if (!op) {
        snprintf(opname, sizeof opname, "opcode-%u", arp->op);
        op = opname;
    }

    /* Only a reply mapping an IPv4 address to a MAC says where a device is. */
    const char *notes = NULL;
    if (arp->op == 2 && mac && ipv4)
        notes = s_reply(self, arp->spa, arp->sha);

    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_str(p, "operation", op);
    nd_pl_kv_uint(p, "opcode", arp->op);
    nd_pl_kv_str(p, "src_hw", mac ? src_hw : NULL);
    nd_pl_kv_str(p, "src_ip", ipv4 ? src_ip : NULL);
    nd_pl_kv_str(p, "dst_hw", mac ? dst_hw : NULL);
    nd_pl_kv_str(p, "dst_ip", ipv4 ? dst_ip : NULL);
    nd_pl_kv_double(p, "time", pkt->ts);
    nd_pl_kv_str(p, "notes", notes); /* NULL writes null */
    if (pkt->tunnel[0])
        nd_pl_kv_str(p, "tunnel", pkt->tunnel);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_arp = {
    .abi = ND_CHEF_ABI,
    .name = "ARPChef",
    .summary = "every ARP message (RARP, InARP, any hardware), noting new devices and changed MACs "
               "(option max_hosts, default " S_DEFAULT_MAX_HOSTS ")",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
    .interval = NULL,
};

ND_CHEF_MODULE(&nd_chef_arp)
