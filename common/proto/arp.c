/* SPDX-License-Identifier: MIT */
/* arp.c: the Address Resolution Protocol, RFC 826, for any hardware and
 * protocol address sizes and any opcode (RARP, RFC 903, and InARP, RFC 2390,
 * share its format): 6-byte hardware addresses of Ethernet-like hardware and
 * IPv4 protocol addresses are copied out, as tshark decodes them. */
#include "proto.h"

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
    /* ATM ARP (hardware type 19, RFC 2225) lays its addresses out in
     * another way, with type-and-length octets: it is not read. */
    if (arp->htype == 19)
        return 0;
    /* Both address pairs must be captured, whatever their declared sizes:
     * a short packet with large sizes is the classic out-of-bounds read. */
    size_t addrs = 2u * ((size_t)arp->hlen + arp->plen);
    if (!nd_buf_has(b, addrs))
        return nd_packet_malformed(pkt, "arp: truncated addresses");
    arp->eth_ipv4 =
        arp->htype == 1 && arp->ptype == ND_ETH_IPV4 && arp->hlen == 6 && arp->plen == 4;
    bool mac = nd_arp_hw_is_mac(arp), ipv4 = nd_arp_proto_is_ipv4(arp);
    const uint8_t *a = nd_buf_ptr(b);
    if (mac) {
        memcpy(arp->sha, a, 6);
        memcpy(arp->tha, a + arp->hlen + arp->plen, 6);
    }
    if (ipv4) {
        memcpy(arp->spa, a + arp->hlen, 4);
        memcpy(arp->tpa, a + 2 * arp->hlen + arp->plen, 4);
    }
    nd_buf_skip(b, addrs);
    pkt->layers |= 1u << ND_L_ARP;
    return 0;
}

const char *nd_arp_op_name(uint16_t op)
{
    static const char *names[] = {
        [1] = "request",       [2] = "reply",       [3] = "rarp-request", [4] = "rarp-reply",
        [5] = "drarp-request", [6] = "drarp-reply", [7] = "drarp-error",  [8] = "inarp-request",
        [9] = "inarp-reply",   [10] = "arp-nak",
    };
    return op < sizeof names / sizeof names[0] ? names[op] : NULL;
}
