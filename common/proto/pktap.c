/* SPDX-License-Identifier: MIT */
/* pktap.c: Apple's PKTAP header (DLT_PKTAP), which macOS puts in front of
 * every packet of a capture on several interfaces: its own length, then the
 * DLT_* of the link header that follows. See
 * https://www.tcpdump.org/linktypes/LINKTYPE_PKTAP.html. */
#include "proto.h"

#define S_DLT_PKTAP 258
#define S_DLT_PPI 192

int nd_dissect_pktap(nd_packet_t *pkt, nd_buf_t *b)
{
    /* Fields are in the capturing host's byte order: little-endian on
     * every Mac that writes them. */
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "pktap: truncated header");
    size_t len = nd_buf_le32(b);
    uint32_t dlt = nd_buf_le32(b);
    if (len < 8 || !nd_buf_skip(b, len - 8))
        return nd_packet_malformed(pkt, "pktap: bad header length");
    pkt->layers |= 1u << ND_L_PKTAP;
    /* A header naming another one of its kind could nest without end. */
    if (dlt == S_DLT_PKTAP || dlt == S_DLT_PPI || !nd_linktype_supported((int)dlt))
        return 0;
    return nd_dissect_link(pkt, b, (int)dlt);
}
