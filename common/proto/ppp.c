/* SPDX-License-Identifier: MIT */
/* ppp.c: the Point-to-Point Protocol, RFC 1661: its HDLC-like framing
 * (RFC 1662), a protocol field of one byte when compressed (PFC), and PPPoE
 * sessions (RFC 2516), which carry it over Ethernet on DSL uplinks. */
#include "proto.h"

#define S_HDLC_ADDR 0xff
#define S_HDLC_UI 0x03
#define S_CHDLC_UNICAST 0x0f
#define S_CHDLC_BCAST 0x8f

int nd_dissect_ppp_proto(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 1))
        return nd_packet_malformed(pkt, "ppp: truncated protocol");
    /* Protocol numbers are odd in their last byte and even in the first, so
     * an odd first byte is a protocol compressed to one byte. */
    uint16_t proto = nd_buf_u8(b);
    if (!(proto & 1)) {
        if (!nd_buf_has(b, 1))
            return nd_packet_malformed(pkt, "ppp: truncated protocol");
        proto = (uint16_t)(proto << 8 | nd_buf_u8(b));
    }
    pkt->layers |= 1u << ND_L_PPP;
    switch (proto) {
    case 0x0021:
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case 0x0057:
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    case 0x0281: /* MPLS unicast, RFC 3032 */
    case 0x0283: /* MPLS multicast */
        return nd_dissect_mpls(pkt, b);
    default: /* LCP, IPCP, authentication, compressed TCP/IP... */
        return 0;
    }
}

int nd_dissect_ppp(nd_packet_t *pkt, nd_buf_t *b, bool hdlc)
{
    if (!nd_buf_has(b, 2))
        return nd_packet_malformed(pkt, "ppp: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    if (h[0] == S_HDLC_ADDR && h[1] == S_HDLC_UI) {
        nd_buf_skip(b, 2);
    } else if (hdlc) {
        /* A "PPP serial" link may also carry Cisco HDLC frames, told apart
         * by the address byte (as tcpdump does). */
        if (h[0] == S_CHDLC_UNICAST || h[0] == S_CHDLC_BCAST)
            return nd_dissect_chdlc(pkt, b);
        return nd_packet_malformed(pkt, "ppp: bad HDLC address");
    }
    /* Without the two bytes the address and control fields were compressed
     * away (ACFC): the protocol comes first. */
    return nd_dissect_ppp_proto(pkt, b);
}

int nd_dissect_pppoe_session(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 6))
        return nd_packet_malformed(pkt, "pppoe: truncated header");
    uint8_t vt = nd_buf_u8(b);
    uint8_t code = nd_buf_u8(b);
    uint16_t session = nd_buf_be16(b);
    uint16_t len = nd_buf_be16(b);
    if (vt != 0x11 || code != 0)
        return nd_packet_malformed(pkt, "pppoe: bad session header");
    if (nd_encap_enter(pkt, ND_L_PPPOE, "pppoe", true, session) < 0)
        return -1;
    /* The PPPoE length covers the PPP protocol field and the payload; it
     * trims Ethernet padding. */
    size_t body = len;
    if (body > nd_buf_left(b))
        body = nd_buf_left(b);
    nd_buf_t sub = nd_buf_sub(b, body);
    return nd_dissect_ppp_proto(pkt, &sub);
}
