/* SPDX-License-Identifier: MIT */
/* ether.c: Ethernet II (IEEE 802.3 with an ethertype), 802.1Q C-tags and
 * 802.1ad S-tags, and the ethertype dispatch shared with every link layer and
 * tunnel that names its payload by ethertype (cooked captures, Cisco HDLC,
 * SNAP, GRE, ...). */
#include "proto.h"

int nd_dissect_ether(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 14))
        return nd_packet_malformed(pkt, "ethernet: truncated header");
    nd_buf_copy(b, pkt->eth_dst, 6);
    nd_buf_copy(b, pkt->eth_src, 6);
    uint16_t type = nd_buf_be16(b);
    pkt->layers |= 1u << ND_L_ETHERNET;
    /* Below 0x0600 the field is an 802.3 length followed by LLC (spanning
     * tree, CDP, SNAP...); "raw" Novell 802.3 has no LLC but starts with
     * IPX's 0xffff checksum. The length trims the padding. */
    if (type < 0x0600) {
        if (nd_buf_left(b) >= 2 && nd_buf_ptr(b)[0] == 0xff && nd_buf_ptr(b)[1] == 0xff)
            return 0;
        nd_buf_t llc = nd_buf_sub(b, type < nd_buf_left(b) ? type : nd_buf_left(b));
        return nd_dissect_llc(pkt, &llc);
    }
    return nd_dissect_ethertype(pkt, b, type);
}

int nd_dissect_ethertype(nd_packet_t *pkt, nd_buf_t *b, uint16_t ethertype)
{
    /* Any number of tags is skipped (the loop consumes 4 bytes a turn, so
     * the packet bounds it); the two outermost VLAN ids are kept. */
    while (ethertype == ND_ETH_8021Q || ethertype == ND_ETH_8021AD ||
           ethertype == ND_ETH_QINQ_OLD) {
        if (!nd_buf_has(b, 4))
            return nd_packet_malformed(pkt, "vlan: truncated tag");
        uint16_t tci = nd_buf_be16(b);
        uint16_t next = nd_buf_be16(b);
        pkt->layers |= 1u << (ethertype == ND_ETH_8021Q ? ND_L_8021Q : ND_L_8021AD);
        if (pkt->vlan_count < 2)
            pkt->vlan_ids[pkt->vlan_count++] = tci & 0x0fff;
        ethertype = next;
    }
    pkt->ethertype = ethertype;
    switch (ethertype) {
    case ND_ETH_IPV4:
        return nd_dissect_ipv4(pkt, b);
    case ND_ETH_IPV6:
        return nd_dissect_ipv6(pkt, b);
    case ND_ETH_ARP:
    case ND_ETH_RARP: /* RFC 903: the ARP packet format with opcodes 3 and 4 */
        return nd_dissect_arp(pkt, b);
    case ND_ETH_PPPOE_SESSION:
        return nd_dissect_pppoe_session(pkt, b);
    case ND_ETH_MPLS_UC:
    case ND_ETH_MPLS_MC:
        return nd_dissect_mpls(pkt, b);
    default:
        return 0;
    }
}
