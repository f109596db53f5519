/* SPDX-License-Identifier: MIT */
/* chdlc.c: Cisco HDLC, the default framing of Cisco serial WAN links: an
 * address byte, a control byte and an ethertype. */
#include "proto.h"

int nd_dissect_chdlc(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "chdlc: truncated header");
    nd_buf_skip(b, 2); /* address (0x0f unicast, 0x8f broadcast), control */
    uint16_t type = nd_buf_be16(b);
    pkt->layers |= 1u << ND_L_CHDLC;
    /* 0x8035 is SLARP here, Cisco's keepalive, not RARP. */
    if (type == 0x8035)
        return 0;
    return nd_dissect_ethertype(pkt, b, type);
}
