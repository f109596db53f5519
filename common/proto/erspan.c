/* SPDX-License-Identifier: MIT */
/* erspan.c: Cisco's Encapsulated Remote SPAN, carried in GRE: type I (no
 * header), type II (8 bytes) and type III (12 bytes, and an 8-byte platform
 * subheader when its O bit is set), per draft-foschiano-erspan. The payload
 * is the mirrored Ethernet frame. */
#include "proto.h"

int nd_dissect_erspan(nd_packet_t *pkt, nd_buf_t *b, int type)
{
    if (type == 1) {
        if (nd_encap_enter(pkt, ND_L_ERSPAN, "erspan", false, 0) < 0)
            return -1;
        return nd_dissect_ether(pkt, b);
    }
    size_t hlen = type == 2 ? 8 : 12;
    if (!nd_buf_has(b, hlen))
        return nd_packet_malformed(pkt, "erspan: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    unsigned ver = h[0] >> 4;
    uint32_t session = (uint32_t)(h[2] & 0x03) << 8 | h[3];
    if (ver != (unsigned)type - 1)
        return nd_packet_malformed(pkt, "erspan: version does not match its GRE type");
    bool ip_frame = false;
    if (type == 3) {
        if (h[11] & 0x01)
            hlen += 8;                         /* platform-specific subheader */
        ip_frame = ((h[10] >> 2) & 0x1f) == 2; /* frame type 2: IP, no Ethernet */
    }
    if (!nd_buf_skip(b, hlen))
        return nd_packet_malformed(pkt, "erspan: truncated header");
    if (nd_encap_enter(pkt, ND_L_ERSPAN, "erspan", true, session) < 0)
        return -1;
    if (ip_frame)
        return nd_dissect_raw(pkt, b);
    return nd_dissect_ether(pkt, b);
}
