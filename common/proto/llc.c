/* SPDX-License-Identifier: MIT */
/* llc.c: IEEE 802.2 LLC and its SNAP extension (RFC 1042), which carry
 * ethertypes over 802.11, ATM and Frame Relay; and the ATM link types whose
 * frames are either LLC/SNAP (RFC 2684, formerly 1483) or bare IPv4
 * ("classical IP over ATM", RFC 2225). */
#include "proto.h"

#define S_SAP_SNAP 0xaa
#define S_LLC_UI 0x03

int nd_dissect_llc(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 3))
        return nd_packet_malformed(pkt, "llc: truncated header");
    uint8_t dsap = nd_buf_u8(b);
    uint8_t ssap = nd_buf_u8(b);
    uint8_t ctl = nd_buf_u8(b);
    if (dsap != S_SAP_SNAP || ssap != S_SAP_SNAP || ctl != S_LLC_UI) {
        /* Other SAPs (spanning tree, NetBIOS, XID/TEST frames...) carry
         * nothing we dissect. I frames have a second control byte, which
         * does not matter: we stop here either way. */
        pkt->layers |= 1u << ND_L_LLC;
        return 0;
    }
    if (!nd_buf_has(b, 5))
        return nd_packet_malformed(pkt, "llc: truncated SNAP header");
    uint32_t oui = (uint32_t)nd_buf_u8(b) << 16;
    oui |= nd_buf_be16(b);
    uint16_t pid = nd_buf_be16(b);
    pkt->layers |= 1u << ND_L_LLC;
    /* OUI 0 is "the PID is an ethertype" (RFC 1042); 00-00-f8 is the same
     * for 802.1H bridge tunnels. Other OUIs (Cisco CDP, bridged 802.3 in
     * 00-80-c2...) are not followed. */
    if (oui != 0x000000 && oui != 0x0000f8)
        return 0;
    return nd_dissect_ethertype(pkt, b, pid);
}

int nd_dissect_atm_clip(nd_packet_t *pkt, nd_buf_t *b)
{
    static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
    if (nd_buf_left(b) >= 6 && memcmp(nd_buf_ptr(b), snap, 6) == 0)
        return nd_dissect_llc(pkt, b);
    /* No LLC: the VC carries IPv4 alone (RFC 2225, VC-based multiplexing). */
    pkt->ethertype = ND_ETH_IPV4;
    return nd_dissect_ipv4(pkt, b);
}
