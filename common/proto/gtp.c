/* SPDX-License-Identifier: MIT */
/* gtp.c: the GPRS Tunnelling Protocol for user data, GTP-U version 1
 * (3GPP TS 29.281): a header naming the tunnel (TEID), optional sequence
 * number and extension headers, then the subscriber's IP packet. */
#include "proto.h"

#define S_GTP_E 0x04
#define S_GTP_S 0x02
#define S_GTP_PN 0x01
#define S_GTP_GPDU 0xff /* the message that carries a user packet */

int nd_dissect_gtpu(nd_packet_t *pkt, nd_buf_t *b)
{
    if (nd_buf_left(b) < 8)
        return 0;
    const uint8_t *h = nd_buf_ptr(b);
    /* Version 1 with PT 1 (GTP, not GTP'): anything else is not GTP-U. */
    if ((h[0] >> 5) != 1 || !(h[0] & 0x10))
        return 0;
    uint8_t flags = h[0], type = h[1];
    uint32_t teid = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    nd_buf_skip(b, 8);
    if (flags & (S_GTP_E | S_GTP_S | S_GTP_PN)) {
        /* sequence number, N-PDU number, next extension header type */
        nd_buf_skip(b, 3);
        uint8_t next = nd_buf_u8(b);
        /* Each extension consumes at least 4 bytes: the packet bounds it. */
        while ((flags & S_GTP_E) && next != 0 && !b->err) {
            size_t len = (size_t)nd_buf_u8(b) * 4;
            if (len == 0) {
                b->err = true;
                break;
            }
            nd_buf_skip(b, len - 2);
            next = nd_buf_u8(b);
        }
        if (b->err)
            return nd_packet_malformed(pkt, "gtp: truncated header");
    }
    if (nd_encap_enter(pkt, ND_L_GTP, "gtp", true, teid) < 0)
        return -1;
    if (type != S_GTP_GPDU)
        return 0; /* echo, error indication, end marker... */
    return nd_dissect_ip_version(pkt, b, false);
}
