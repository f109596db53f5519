/* SPDX-License-Identifier: MIT */
/* teredo.c: Teredo, RFC 4380: IPv6 carried in UDP through NATs, optionally
 * behind an authentication indicator and an origin indication. */
#include "proto.h"

int nd_dissect_teredo(nd_packet_t *pkt, nd_buf_t *b)
{
    nd_buf_t t = *b;
    if (nd_buf_left(&t) >= 4 && nd_buf_ptr(&t)[0] == 0 && nd_buf_ptr(&t)[1] == 1) {
        /* indicator, id length, auth length, id, auth, nonce (8), confirmation */
        const uint8_t *h = nd_buf_ptr(&t);
        nd_buf_skip(&t, 4 + (size_t)h[2] + h[3] + 9);
    }
    if (nd_buf_left(&t) >= 8 && nd_buf_ptr(&t)[0] == 0 && nd_buf_ptr(&t)[1] == 0)
        nd_buf_skip(&t, 8); /* origin indication: port and address */
    /* What is left must be an IPv6 header, or this is not Teredo (its
     * bubbles and the server's other traffic share the port). */
    if (t.err || nd_buf_left(&t) < 40 || nd_buf_ptr(&t)[0] >> 4 != 6)
        return 0;
    if (nd_encap_enter(pkt, ND_L_TEREDO, "teredo", false, 0) < 0)
        return -1;
    *b = t;
    pkt->ethertype = ND_ETH_IPV6;
    return nd_dissect_ipv6(pkt, b);
}
