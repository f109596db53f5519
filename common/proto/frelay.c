/* SPDX-License-Identifier: MIT */
/* frelay.c: Frame Relay: the Q.922 address, then either the multiprotocol
 * encapsulation of RFC 2427 (UI control byte and an NLPID, SNAP for
 * ethertypes) or Cisco's (an ethertype at once); and FRF.16 multilink
 * frames, whose unfragmented data frames carry the same framing. */
#include "proto.h"

#define S_Q922_UI 0x03
#define S_NLPID_PAD 0x00
#define S_NLPID_SNAP 0x80
#define S_NLPID_IP 0xcc
#define S_NLPID_IP6 0x8e

int nd_dissect_frelay(nd_packet_t *pkt, nd_buf_t *b)
{
    /* The address is 2, 3 or 4 bytes: each ends in an EA bit, set on the
     * last one. */
    size_t alen = 0;
    for (;;) {
        if (!nd_buf_has(b, 1) || alen == 4)
            return nd_packet_malformed(pkt, "frame relay: bad address");
        uint8_t a = nd_buf_u8(b);
        alen++;
        if (a & 1)
            break;
    }
    if (alen < 2)
        return nd_packet_malformed(pkt, "frame relay: bad address");
    if (!nd_buf_has(b, 2))
        return nd_packet_malformed(pkt, "frame relay: truncated header");
    if (nd_buf_ptr(b)[0] != S_Q922_UI) {
        /* Cisco encapsulation: the ethertype follows the address. */
        uint16_t type = nd_buf_be16(b);
        pkt->layers |= 1u << ND_L_FRELAY;
        return nd_dissect_ethertype(pkt, b, type);
    }
    nd_buf_skip(b, 1);
    uint8_t nlpid = nd_buf_u8(b);
    if (nlpid == S_NLPID_PAD) /* an optional pad byte aligns what follows */
        nlpid = nd_buf_u8(b);
    if (b->err)
        return nd_packet_malformed(pkt, "frame relay: truncated header");
    pkt->layers |= 1u << ND_L_FRELAY;
    switch (nlpid) {
    case S_NLPID_IP:
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case S_NLPID_IP6:
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    case S_NLPID_SNAP: {
        if (!nd_buf_has(b, 5))
            return nd_packet_malformed(pkt, "frame relay: truncated SNAP header");
        uint32_t oui = (uint32_t)nd_buf_u8(b) << 16;
        oui |= nd_buf_be16(b);
        uint16_t pid = nd_buf_be16(b);
        if (oui != 0)
            return 0; /* bridged frames (00-80-c2) are not followed */
        return nd_dissect_ethertype(pkt, b, pid);
    }
    default: /* Q.933 signalling, ISO CLNP, ... */
        return 0;
    }
}

#define S_MFR_B 0x80 /* beginning of a frame */
#define S_MFR_E 0x40 /* end of a frame */
#define S_MFR_C 0x20 /* control frame */

int nd_dissect_mfr(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 2))
        return nd_packet_malformed(pkt, "frame relay: truncated FRF.16 header");
    uint8_t flags = nd_buf_ptr(b)[0];
    /* Control frames (link management) and the fragments of a frame split
     * across links end here; a whole frame (B and E) follows its 2-byte
     * sequence header. */
    if ((flags & S_MFR_C) || (flags & (S_MFR_B | S_MFR_E)) != (S_MFR_B | S_MFR_E)) {
        pkt->layers |= 1u << ND_L_FRELAY;
        return 0;
    }
    nd_buf_skip(b, 2);
    return nd_dissect_frelay(pkt, b);
}
