/* SPDX-License-Identifier: MIT */
/* mpls.c: an MPLS label stack, RFC 3032, and what its bottom label carries:
 * IPv4 or IPv6 (told by the first nibble, as every router does) or an
 * Ethernet pseudowire behind its control word (RFC 4448). */
#include "proto.h"

int nd_dissect_mpls(nd_packet_t *pkt, nd_buf_t *b)
{
    uint32_t entry;
    /* Each label consumes 4 bytes, so the packet bounds the loop. */
    do {
        if (!nd_buf_has(b, 4))
            return nd_packet_malformed(pkt, "mpls: truncated label stack");
        entry = nd_buf_be32(b);
    } while (!(entry & 0x100)); /* bottom of stack */
    if (nd_encap_enter(pkt, ND_L_MPLS, "mpls", true, entry >> 12) < 0)
        return -1;
    if (nd_buf_has(b, 1) && nd_buf_ptr(b)[0] >> 4 == 0) {
        /* the pseudowire control word, then an Ethernet frame */
        if (nd_buf_left(b) < 4 + 14)
            return 0;
        nd_buf_skip(b, 4);
        return nd_dissect_ether(pkt, b);
    }
    return nd_dissect_ip_version(pkt, b, false);
}
