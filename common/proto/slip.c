/* SPDX-License-Identifier: MIT */
/* slip.c: SLIP, RFC 1055, as libpcap captures it (DLT_SLIP): a 16-byte
 * pseudo-header (direction, then the Van Jacobson compression state) in
 * front of the IP packet. A VJ-compressed TCP/IP header cannot be read on
 * its own, so only a packet that is still plain IPv4 or IPv6 goes on. */
#include "proto.h"

#define S_SLIP_HDRLEN 16

int nd_dissect_slip(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_skip(b, S_SLIP_HDRLEN))
        return nd_packet_malformed(pkt, "slip: truncated header");
    pkt->layers |= 1u << ND_L_SLIP;
    return nd_dissect_ip_version(pkt, b, false);
}
