/* SPDX-License-Identifier: MIT */
/* tcp.c: the Transmission Control Protocol header, RFC 9293: ports, sequence
 * number, flags, options skipped; DNS on port 53 is handed on. */
#include "proto.h"

int nd_dissect_tcp(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 20))
        return nd_packet_malformed(pkt, "tcp: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    size_t hlen = (size_t)(h[12] >> 4) * 4;
    if (hlen < 20)
        return nd_packet_malformed(pkt, "tcp: bad header length");
    if (!nd_buf_has(b, hlen))
        return nd_packet_malformed(pkt, "tcp: truncated header");
    pkt->sport = (uint16_t)(h[0] << 8 | h[1]);
    pkt->dport = (uint16_t)(h[2] << 8 | h[3]);
    pkt->tcp_seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    pkt->tcp_flags = h[13];
    nd_buf_skip(b, hlen);
    pkt->l7 = nd_buf_ptr(b);
    pkt->l7_len = nd_buf_left(b);
    pkt->layers |= 1u << ND_L_TCP;

    if (pkt->l7_len > 0 && (pkt->sport == 53 || pkt->dport == 53)) {
        nd_buf_t dns = nd_buf(pkt->l7, pkt->l7_len);
        return nd_dissect_dns_tcp(pkt, &dns);
    }
    return 0;
}
