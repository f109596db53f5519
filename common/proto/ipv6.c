/* SPDX-License-Identifier: MIT */
/* ipv6.c: the Internet Protocol version 6 header, RFC 8200, and its
 * extension-header chain (hop-by-hop, routing, fragment, destination options,
 * and AH from RFC 4302), followed to the transport protocol. */
#include "proto.h"

#include <sys/socket.h>

/* RFC 8200 expects at most a handful of extension headers; more than this is
 * an attack on the parser, not a real packet. */
#define S_MAX_EXT_HEADERS 8

int nd_dissect_ipv6(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 40))
        return nd_packet_malformed(pkt, "ipv6: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    if (h[0] >> 4 != 6)
        return nd_packet_malformed(pkt, "ipv6: bad version");
    size_t plen = (size_t)h[4] << 8 | h[5];
    uint8_t next = h[6];
    pkt->ip_version = 6;
    pkt->ttl = h[7];
    pkt->src.family = AF_INET6;
    memcpy(pkt->src.bytes, h + 8, 16);
    pkt->dst.family = AF_INET6;
    memcpy(pkt->dst.bytes, h + 24, 16);
    pkt->ip_proto = next;
    nd_buf_skip(b, 40);

    /* The payload length trims link padding; 0 means a jumbogram (RFC 2675)
     * or offloaded segmentation, where the capture is all we have. */
    size_t body = nd_buf_left(b);
    if (plen != 0 && plen < body)
        body = plen;
    nd_buf_t p = nd_buf_sub(b, body);

    bool later_fragment = false;
    for (int n = 0;; n++) {
        if (next != ND_IPPROTO_HOPOPTS && next != ND_IPPROTO_ROUTING &&
            next != ND_IPPROTO_FRAGMENT && next != ND_IPPROTO_DSTOPTS && next != ND_IPPROTO_AH)
            break;
        if (n == S_MAX_EXT_HEADERS)
            return nd_packet_malformed(pkt, "ipv6: too many extension headers");
        if (!nd_buf_has(&p, 8))
            return nd_packet_malformed(pkt, "ipv6: truncated extension header");
        const uint8_t *e = nd_buf_ptr(&p);
        size_t elen;
        if (next == ND_IPPROTO_FRAGMENT) {
            /* Fragment header: fixed 8 bytes, offset in 8-octet units. */
            uint16_t fo = (uint16_t)(e[2] << 8 | e[3]);
            pkt->fragment = true;
            later_fragment = (fo >> 3) != 0;
            elen = 8;
        } else if (next == ND_IPPROTO_AH) {
            elen = ((size_t)e[1] + 2) * 4; /* AH counts 4-octet units minus 2 */
        } else {
            elen = ((size_t)e[1] + 1) * 8;
        }
        uint8_t following = e[0];
        if (!nd_buf_skip(&p, elen))
            return nd_packet_malformed(pkt, "ipv6: truncated extension header");
        next = following;
        pkt->ip_proto = next;
        if (later_fragment)
            break;
    }
    pkt->layers |= 1u << ND_L_IPV6;
    if (later_fragment)
        return 0;
    return nd_dissect_ipproto(pkt, &p, next);
}
