/* arp.c: the Address Resolution Protocol, RFC 826, for any hardware and
 * protocol address sizes; the Ethernet/IPv4 case is copied out in full. */
#include "netdumplings/packet.h"

int nd_dissect_arp(nd_packet_t *pkt, nd_buf_t *b)
{
    nd_arp_t *arp = &pkt->arp;
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "arp: truncated header");
    arp->htype = nd_buf_be16(b);
    arp->ptype = nd_buf_be16(b);
    arp->hlen = nd_buf_u8(b);
    arp->plen = nd_buf_u8(b);
    arp->op = nd_buf_be16(b);
    /* Both address pairs must be captured, whatever their declared sizes:
     * a short packet with large sizes is the classic out-of-bounds read. */
    size_t addrs = 2u * ((size_t)arp->hlen + arp->plen);
    if (!nd_buf_has(b, addrs))
        return nd_packet_malformed(pkt, "arp: truncated addresses");
    arp->eth_ipv4 = arp->htype == 1 && arp->ptype == 0x0800 && arp->hlen == 6 && arp->plen == 4;
    if (arp->eth_ipv4) {
        nd_buf_copy(b, arp->sha, 6);
        nd_buf_copy(b, arp->spa, 4);
        nd_buf_copy(b, arp->tha, 6);
        nd_buf_copy(b, arp->tpa, 4);
    } else {
        nd_buf_skip(b, addrs);
    }
    pkt->layers |= 1u << ND_L_ARP;
    return 0;
}
