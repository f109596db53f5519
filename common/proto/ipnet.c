/* SPDX-License-Identifier: MIT */
/* ipnet.c: Solaris' ipnet link type (DLT_IPNET, the "ipnet" observability
 * devices): a 24-byte header whose family byte says IPv4 or IPv6. See
 * https://www.tcpdump.org/linktypes/LINKTYPE_IPNET.html. */
#include "proto.h"

#define S_IPH_AF_INET 2
#define S_IPH_AF_INET6 26
#define S_IPNET_HDRLEN 24

int nd_dissect_ipnet(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, S_IPNET_HDRLEN))
        return nd_packet_malformed(pkt, "ipnet: truncated header");
    uint8_t family = nd_buf_ptr(b)[1];
    nd_buf_skip(b, S_IPNET_HDRLEN);
    pkt->layers |= 1u << ND_L_IPNET;
    switch (family) {
    case S_IPH_AF_INET:
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case S_IPH_AF_INET6:
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    default:
        return 0;
    }
}
