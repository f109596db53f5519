/* SPDX-License-Identifier: MIT */
/* dhcp.c: DHCPChef, which reports every DHCPv4 message: the device's MAC,
 * host name, requested and assigned addresses, a home network's "who
 * joined". */
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    return nd_chef_zeroed_state(state, sizeof(nd_dhcp_t), err, errlen);
}

static void s_ip4(nd_payload_t *p, const char *key, const uint8_t a[4], bool present)
{
    char buf[16];
    if (!present) {
        nd_pl_kv_null(p, key);
        return;
    }
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    nd_pl_kv_str(p, key, buf);
}

static bool s_zero(const uint8_t a[4])
{
    return !(a[0] | a[1] | a[2] | a[3]);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    nd_dhcp_t *d = state;
    /* RFC 2131 4.1: servers on 67, clients on 68. */
    if (!ND_HAS(pkt, ND_L_UDP) ||
        !((pkt->sport == 67 || pkt->sport == 68) && (pkt->dport == 67 || pkt->dport == 68)))
        return 0;
    if (nd_dhcp_parse(pkt->l7, pkt->l7_len, d) != ND_APP_OK || !d->is_dhcp || !d->msg_type)
        return 0;
    char buf[3 * ND_DHCP_CLIENT_ID_MAX + 1];
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    const char *type = nd_dhcp_msg_type_name(d->msg_type);
    if (type) {
        nd_pl_kv_str(p, "message_type", type);
    } else {
        snprintf(buf, sizeof buf, "type-%u", d->msg_type);
        nd_pl_kv_str(p, "message_type", buf);
    }
    nd_pl_kv_str(p, "mac", d->chaddr_is_mac ? nd_mac_str(d->chaddr, buf, sizeof buf) : NULL);
    nd_pl_kv_str(p, "hostname", d->has_hostname ? d->hostname : NULL);
    s_ip4(p, "requested_ip", d->requested_ip, d->has_requested_ip);
    s_ip4(p, "client_ip", d->ciaddr, !s_zero(d->ciaddr));
    s_ip4(p, "your_ip", d->yiaddr, !s_zero(d->yiaddr));
    if (d->client_id_len) {
        size_t o = 0;
        for (size_t i = 0; i < d->client_id_len; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%02x", i ? ":" : "", d->client_id[i]);
        nd_pl_kv_str(p, "client_id", buf);
    } else {
        nd_pl_kv_null(p, "client_id");
    }
    nd_pl_kv_double(p, "time", pkt->ts);
    nd_pl_kv_bool(p, "truncated", d->hostname_truncated || d->client_id_truncated);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_dhcp = {
    .abi = ND_CHEF_ABI,
    .name = "DHCPChef",
    .summary = "every DHCPv4 message: MAC, host name, requested and assigned address",
    .create = s_create,
    .destroy = free,
    .packet = s_packet,
};

ND_CHEF_MODULE(&nd_chef_dhcp)
