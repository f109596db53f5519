/* SPDX-License-Identifier: MIT */
/* geneve.c: Generic Network Virtualization Encapsulation, RFC 8926: an
 * 8-byte header, options, then a payload named by ethertype (0x6558 for
 * Ethernet). */
#include "proto.h"

int nd_dissect_geneve(nd_packet_t *pkt, nd_buf_t *b)
{
    if (nd_buf_left(b) < 8)
        return 0;
    const uint8_t *h = nd_buf_ptr(b);
    if (h[0] >> 6 != 0)
        return 0; /* only version 0 exists; anything else is not Geneve */
    size_t optlen = (size_t)(h[0] & 0x3f) * 4;
    uint16_t proto = (uint16_t)(h[2] << 8 | h[3]);
    uint32_t vni = (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
    if (!nd_buf_skip(b, 8 + optlen))
        return nd_packet_malformed(pkt, "geneve: truncated options");
    if (nd_encap_enter(pkt, ND_L_GENEVE, "geneve", true, vni) < 0)
        return -1;
    if (proto == ND_ETH_TEB)
        return nd_dissect_ether(pkt, b);
    return nd_dissect_ethertype(pkt, b, proto);
}
