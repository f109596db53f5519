/* ether.c: Ethernet II (IEEE 802.3 with an ethertype), 802.1Q C-tags and
 * 802.1ad S-tags, PPPoE sessions, and the ethertype dispatch shared with the
 * cooked link layers. */
#include "netdumplings/packet.h"

#define S_ETH_IPV4 0x0800
#define S_ETH_ARP 0x0806
#define S_ETH_8021Q 0x8100
#define S_ETH_IPV6 0x86dd
#define S_ETH_PPPOE_SESSION 0x8864
#define S_ETH_8021AD 0x88a8
#define S_ETH_QINQ_OLD 0x9100 /* pre-802.1ad vendor S-tag */

int nd_dissect_ether(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 14))
        return nd_packet_malformed(pkt, "ethernet: truncated header");
    nd_buf_copy(b, pkt->eth_dst, 6);
    nd_buf_copy(b, pkt->eth_src, 6);
    uint16_t type = nd_buf_be16(b);
    pkt->layers |= 1u << ND_L_ETHERNET;
    /* Below 0x0600 the field is an 802.3 length followed by LLC, which
     * carries nothing we dissect. */
    if (type < 0x0600)
        return 0;
    return nd_dissect_ethertype(pkt, b, type);
}

/* PPPoE session header (RFC 2516) then the PPP protocol number: DSL uplinks
 * carry most of their IP traffic this way. */
static int s_pppoe_session(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "pppoe: truncated header");
    nd_buf_skip(b, 4); /* version/type, code, session id */
    uint16_t len = nd_buf_be16(b);
    uint16_t proto = nd_buf_be16(b);
    if (len < 2)
        return nd_packet_malformed(pkt, "pppoe: bad length");
    /* The PPPoE length covers the PPP protocol field and the payload; it
     * trims Ethernet padding. */
    size_t body = len - 2u;
    if (body > nd_buf_left(b))
        body = nd_buf_left(b);
    nd_buf_t sub = nd_buf_sub(b, body);
    switch (proto) {
    case 0x0021:
        return nd_dissect_ipv4(pkt, &sub);
    case 0x0057:
        return nd_dissect_ipv6(pkt, &sub);
    default:
        return 0;
    }
}

int nd_dissect_ethertype(nd_packet_t *pkt, nd_buf_t *b, uint16_t ethertype)
{
    /* Any number of tags is skipped (the loop consumes 4 bytes a turn, so
     * the packet bounds it); the two outermost VLAN ids are kept. */
    while (ethertype == S_ETH_8021Q || ethertype == S_ETH_8021AD || ethertype == S_ETH_QINQ_OLD) {
        if (!nd_buf_has(b, 4))
            return nd_packet_malformed(pkt, "vlan: truncated tag");
        uint16_t tci = nd_buf_be16(b);
        uint16_t next = nd_buf_be16(b);
        pkt->layers |= 1u << (ethertype == S_ETH_8021Q ? ND_L_8021Q : ND_L_8021AD);
        if (pkt->vlan_count < 2)
            pkt->vlan_ids[pkt->vlan_count++] = tci & 0x0fff;
        ethertype = next;
    }
    pkt->ethertype = ethertype;
    switch (ethertype) {
    case S_ETH_IPV4:
        return nd_dissect_ipv4(pkt, b);
    case S_ETH_IPV6:
        return nd_dissect_ipv6(pkt, b);
    case S_ETH_ARP:
        return nd_dissect_arp(pkt, b);
    case S_ETH_PPPOE_SESSION:
        return s_pppoe_session(pkt, b);
    default:
        return 0;
    }
}
