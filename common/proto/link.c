/* SPDX-License-Identifier: MIT */
/* link.c: link layers other than Ethernet: Linux cooked capture v1 and v2
 * (the `any` interface), BSD NULL/LOOP loopback and raw IP. Formats per
 * https://www.tcpdump.org/linktypes.html. */
#include "proto.h"

/* ARPHRD_NETLINK: the protocol field is a netlink family, not an ethertype. */
#define S_ARPHRD_NETLINK 824

/* SLL protocol values below 0x0600 are not ethertypes (802.3 lengths, LLC,
 * CAN...): there is nothing for us after them. */
static int s_cooked_payload(nd_packet_t *pkt, nd_buf_t *b, uint16_t arphrd, uint16_t proto)
{
    if (arphrd == S_ARPHRD_NETLINK || proto < 0x0600) {
        pkt->ethertype = 0;
        return 0;
    }
    return nd_dissect_ethertype(pkt, b, proto);
}

int nd_dissect_sll(nd_packet_t *pkt, nd_buf_t *b)
{
    /* packet type, ARPHRD type, address length, 8 address bytes, protocol */
    if (!nd_buf_has(b, 16))
        return nd_packet_malformed(pkt, "sll: truncated header");
    nd_buf_skip(b, 2);
    uint16_t arphrd = nd_buf_be16(b);
    nd_buf_skip(b, 10);
    uint16_t proto = nd_buf_be16(b);
    pkt->layers |= 1u << ND_L_SLL;
    return s_cooked_payload(pkt, b, arphrd, proto);
}

int nd_dissect_sll2(nd_packet_t *pkt, nd_buf_t *b)
{
    /* protocol, reserved, interface index, ARPHRD type, packet type, address
     * length, 8 address bytes */
    if (!nd_buf_has(b, 20))
        return nd_packet_malformed(pkt, "sll2: truncated header");
    uint16_t proto = nd_buf_be16(b);
    nd_buf_skip(b, 6);
    uint16_t arphrd = nd_buf_be16(b);
    nd_buf_skip(b, 10);
    pkt->layers |= 1u << ND_L_SLL;
    return s_cooked_payload(pkt, b, arphrd, proto);
}

int nd_dissect_null(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "loopback: truncated header");
    /* DLT_NULL stores the AF value in the capturing host's byte order and
     * DLT_LOOP in network order. Every AF value is below 65536, so whichever
     * reading keeps the upper half zero is the right one (as libpcap does). */
    uint32_t af = nd_buf_le32(b);
    if (af & 0xffff0000u)
        af = (af >> 24) | ((af >> 8) & 0xff00u) | ((af << 8) & 0xff0000u) | (af << 24);
    pkt->layers |= 1u << ND_L_LOOPBACK;
    switch (af) {
    case 2: /* AF_INET on every BSD and Linux */
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case 24: /* AF_INET6: NetBSD, OpenBSD, BSD/OS */
    case 28: /* FreeBSD, DragonFly */
    case 30: /* macOS */
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    default:
        return 0;
    }
}

int nd_dissect_ip_version(nd_packet_t *pkt, nd_buf_t *b, bool strict)
{
    switch (nd_buf_has(b, 1) ? nd_buf_ptr(b)[0] >> 4 : -1) {
    case 4:
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case 6:
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    case -1:
        return strict ? nd_packet_malformed(pkt, "raw: empty packet") : 0;
    default:
        return strict ? nd_packet_malformed(pkt, "raw: not IPv4 or IPv6") : 0;
    }
}

int nd_dissect_raw(nd_packet_t *pkt, nd_buf_t *b)
{
    return nd_dissect_ip_version(pkt, b, true);
}
