/* SPDX-License-Identifier: MIT */
/* gre.c: Generic Routing Encapsulation, RFC 2784 with the key and sequence
 * number of RFC 2890, the routing fields of RFC 1701, and the enhanced GRE
 * of PPTP (RFC 2637, version 1). The payload is named by ethertype: IP,
 * Ethernet (gretap, NVGRE per RFC 7637), ERSPAN, MPLS, PPP. */
#include "proto.h"

#define S_GRE_C 0x8000
#define S_GRE_R 0x4000
#define S_GRE_K 0x2000
#define S_GRE_S 0x1000
#define S_GRE_A 0x0080 /* version 1: an acknowledgment number follows */

int nd_dissect_gre(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "gre: truncated header");
    uint16_t flags = nd_buf_be16(b);
    uint16_t proto = nd_buf_be16(b);
    unsigned version = flags & 7;
    if (version > 1)
        return nd_packet_malformed(pkt, "gre: unknown version");
    bool has_key = false;
    uint32_t key = 0;
    if (flags & (S_GRE_C | S_GRE_R))
        nd_buf_skip(b, 4); /* checksum, offset */
    if (flags & S_GRE_K) {
        has_key = true;
        key = nd_buf_be32(b); /* version 1: payload length and call id */
        if (version == 1)
            key &= 0xffff;
    }
    if (flags & S_GRE_S)
        nd_buf_skip(b, 4);
    if (version == 1 && (flags & S_GRE_A))
        nd_buf_skip(b, 4);
    if (version == 0 && (flags & S_GRE_R)) {
        /* Source route entries until the empty one; each turn consumes at
         * least 4 bytes. */
        for (;;) {
            uint16_t af = nd_buf_be16(b);
            nd_buf_skip(b, 1);
            uint8_t len = nd_buf_u8(b);
            if (b->err || (af == 0 && len == 0))
                break;
            nd_buf_skip(b, len);
        }
    }
    if (b->err)
        return nd_packet_malformed(pkt, "gre: truncated header");
    if (nd_encap_enter(pkt, ND_L_GRE, "gre", has_key, key) < 0)
        return -1;
    switch (proto) {
    case ND_ETH_TEB:
        return nd_dissect_ether(pkt, b);
    case ND_ETH_ERSPAN2:
        /* ERSPAN type I has no header of its own and no sequence number:
         * the mirrored frame follows at once. */
        if (!(flags & S_GRE_S))
            return nd_dissect_erspan(pkt, b, 1);
        return nd_dissect_erspan(pkt, b, 2);
    case ND_ETH_ERSPAN3:
        return nd_dissect_erspan(pkt, b, 3);
    case ND_ETH_PPP:
        return nd_dissect_ppp(pkt, b, false);
    default:
        return nd_dissect_ethertype(pkt, b, proto);
    }
}
