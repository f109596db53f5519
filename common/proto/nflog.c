/* SPDX-License-Identifier: MIT */
/* nflog.c: Linux netfilter's NFLOG link type (DLT_NFLOG): a 4-byte header
 * naming the address family, then type-length-value attributes, one of
 * which (NFULA_PAYLOAD) holds the logged packet from its network header on.
 * See https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html. */
#include "proto.h"

#define S_NFULA_PAYLOAD 9
#define S_AF_INET 2
#define S_AF_INET6 10

int nd_dissect_nflog(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "nflog: truncated header");
    uint8_t family = nd_buf_u8(b);
    if (nd_buf_u8(b) != 0)
        return nd_packet_malformed(pkt, "nflog: unknown version");
    nd_buf_skip(b, 2); /* resource id */
    pkt->layers |= 1u << ND_L_NFLOG;
    /* Each attribute: length (of header and value, in the capturing host's
     * byte order, which is little-endian on every Linux that logs this),
     * type, value padded to 4 bytes. Each turn consumes at least 4 bytes. */
    while (nd_buf_left(b) >= 4) {
        const uint8_t *h = nd_buf_ptr(b);
        size_t len = (size_t)h[0] | (size_t)h[1] << 8;
        uint16_t type = (uint16_t)(h[2] | h[3] << 8) & 0x7fff;
        if (len < 4 || len > nd_buf_left(b))
            return nd_packet_malformed(pkt, "nflog: bad attribute length");
        if (type == S_NFULA_PAYLOAD) {
            nd_buf_skip(b, 4);
            nd_buf_t p = nd_buf_sub(b, len - 4);
            if (family == S_AF_INET) {
                pkt->ethertype = ND_ETH_IPV4;
                return nd_dissect_ipv4(pkt, &p);
            }
            if (family == S_AF_INET6) {
                pkt->ethertype = ND_ETH_IPV6;
                return nd_dissect_ipv6(pkt, &p);
            }
            return 0;
        }
        size_t padded = (len + 3) & ~(size_t)3;
        if (padded > nd_buf_left(b))
            break;
        nd_buf_skip(b, padded);
    }
    return 0;
}
