/* SPDX-License-Identifier: MIT */
/* ipv4.c: the Internet Protocol version 4 header, RFC 791: options are
 * skipped, the total length trims link-layer padding, and only a first
 * fragment (offset 0) has its transport header dissected. */
#include "proto.h"

#include <sys/socket.h>

int nd_dissect_ipv4(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 20))
        return nd_packet_malformed(pkt, "ipv4: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    if (h[0] >> 4 != 4)
        return nd_packet_malformed(pkt, "ipv4: bad version");
    size_t hlen = (size_t)(h[0] & 0x0f) * 4;
    if (hlen < 20)
        return nd_packet_malformed(pkt, "ipv4: bad header length");
    if (!nd_buf_has(b, hlen))
        return nd_packet_malformed(pkt, "ipv4: truncated header");
    size_t total = (size_t)h[2] << 8 | h[3];
    /* A total length of 0 is what TCP segmentation offload leaves in
     * locally captured packets: the capture length is all we have then. */
    if (total != 0 && total < hlen)
        return nd_packet_malformed(pkt, "ipv4: bad total length");
    uint16_t frag = (uint16_t)(h[6] << 8 | h[7]);
    bool more = frag & 0x2000;
    uint16_t offset = frag & 0x1fff;

    pkt->ip_version = 4;
    pkt->ttl = h[8];
    pkt->ip_proto = h[9];
    pkt->src.family = AF_INET;
    memcpy(pkt->src.bytes, h + 12, 4);
    pkt->dst.family = AF_INET;
    memcpy(pkt->dst.bytes, h + 16, 4);
    pkt->fragment = more || offset != 0;
    pkt->layers |= 1u << ND_L_IPV4;

    nd_buf_skip(b, hlen);
    /* Bytes past the total length are Ethernet padding or trailers; a total
     * length past the capture is a snaplen cut, and the transport dissector
     * sees only what was captured. */
    size_t body = nd_buf_left(b);
    if (total != 0 && total - hlen < body)
        body = total - hlen;
    nd_buf_t payload = nd_buf_sub(b, body);
    if (offset != 0)
        return 0;
    return nd_dissect_ipproto(pkt, &payload, pkt->ip_proto);
}
