/* SPDX-License-Identifier: MIT */
/* ieee80211.c: IEEE 802.11 frames (IEEE Std 802.11-2020, 9.2) and the radio
 * headers captured in front of them: radiotap (https://www.radiotap.org) and
 * PPI (the CACE Per-Packet Information header). Data frames are followed
 * through LLC/SNAP to their ethertype; protected (encrypted) data frames and
 * management and control frames are counted as 802.11 and go no further. */
#include "proto.h"

#define S_DLT_EN10MB 1
#define S_DLT_IEEE802_11 105

#define S_FC_TYPE_MGMT 0
#define S_FC_TYPE_CTRL 1
#define S_FC_TYPE_DATA 2
#define S_FC_TO_DS 0x01
#define S_FC_FROM_DS 0x02
#define S_FC_PROTECTED 0x40
#define S_FC_ORDER 0x80 /* in a QoS data frame: an HT control field follows */

int nd_dissect_ieee80211(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 10))
        return nd_packet_malformed(pkt, "802.11: truncated header");
    const uint8_t *frame = nd_buf_ptr(b);
    uint8_t fc0 = nd_buf_u8(b);
    uint8_t fc1 = nd_buf_u8(b);
    unsigned type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
    if (type == S_FC_TYPE_CTRL) {
        /* Control frames (ACK, RTS, block ack...) carry no payload. */
        pkt->layers |= 1u << ND_L_IEEE80211;
        return 0;
    }
    if (type != S_FC_TYPE_MGMT && type != S_FC_TYPE_DATA)
        return nd_packet_malformed(pkt, "802.11: reserved frame type");
    size_t hlen = 24;
    bool qos = type == S_FC_TYPE_DATA && (subtype & 0x8);
    if (type == S_FC_TYPE_DATA && (fc1 & S_FC_TO_DS) && (fc1 & S_FC_FROM_DS))
        hlen += 6; /* address 4: a wireless distribution system frame */
    size_t qos_off = hlen;
    if (qos)
        hlen += 2;
    if ((qos || type == S_FC_TYPE_MGMT) && (fc1 & S_FC_ORDER))
        hlen += 4;
    if (!nd_buf_skip(b, hlen - 2))
        return nd_packet_malformed(pkt, "802.11: truncated header");
    pkt->layers |= 1u << ND_L_IEEE80211;
    /* Management frames, null data frames (subtype bit 2: no body) and
     * protected frames end here. */
    if (type != S_FC_TYPE_DATA || (subtype & 0x4) || (fc1 & S_FC_PROTECTED))
        return 0;
    /* A QoS data frame with the A-MSDU bit holds several subframes, each
     * with its own addresses: not followed. */
    if (qos && (frame[qos_off] & 0x80))
        return 0;
    return nd_dissect_llc(pkt, b);
}

/* Radiotap fields before the flags field: TSFT (bit 0, 8 bytes aligned to
 * 8) then Flags (bit 1, 1 byte), whose bit 0x10 says the frame ends with
 * its 4-byte FCS. Nothing else in the header matters to us. */
#define S_RT_TSFT 0x00000001u
#define S_RT_FLAGS 0x00000002u
#define S_RT_EXT 0x80000000u
#define S_RT_FLAG_FCS 0x10

int nd_dissect_radiotap(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "radiotap: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    size_t len = (size_t)h[2] | (size_t)h[3] << 8;
    if (h[0] != 0 || len < 8)
        return nd_packet_malformed(pkt, "radiotap: bad header");
    nd_buf_t hdr = nd_buf_sub(b, len);
    if (hdr.err)
        return nd_packet_malformed(pkt, "radiotap: truncated header");
    nd_buf_skip(&hdr, 4);
    uint32_t present = nd_buf_le32(&hdr);
    /* Further presence words follow while bit 31 is set; the fields come
     * after the last one. */
    for (uint32_t word = present; (word & S_RT_EXT) && !hdr.err;)
        word = nd_buf_le32(&hdr);
    if (hdr.err)
        return nd_packet_malformed(pkt, "radiotap: truncated header");
    bool fcs = false;
    if (present & S_RT_TSFT) {
        hdr.off = (hdr.off + 7) & ~(size_t)7;
        nd_buf_skip(&hdr, 8);
    }
    if (present & S_RT_FLAGS)
        fcs = nd_buf_u8(&hdr) & S_RT_FLAG_FCS;
    if (hdr.err)
        return nd_packet_malformed(pkt, "radiotap: truncated fields");
    pkt->layers |= 1u << ND_L_RADIOTAP;
    nd_buf_t frame = *b;
    if (fcs && nd_buf_left(&frame) >= 4)
        frame.len -= 4;
    return nd_dissect_ieee80211(pkt, &frame);
}

int nd_dissect_ppi(nd_packet_t *pkt, nd_buf_t *b)
{
    /* version, flags, length (little-endian, whole header), DLT of the
     * frame that follows, then fields we skip */
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "ppi: truncated header");
    const uint8_t *h = nd_buf_ptr(b);
    size_t len = (size_t)h[2] | (size_t)h[3] << 8;
    uint32_t dlt =
        (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
    if (h[0] != 0 || len < 8)
        return nd_packet_malformed(pkt, "ppi: bad header");
    if (!nd_buf_skip(b, len))
        return nd_packet_malformed(pkt, "ppi: truncated header");
    pkt->layers |= 1u << ND_L_PPI;
    switch (dlt) {
    case S_DLT_IEEE802_11:
        return nd_dissect_ieee80211(pkt, b);
    case S_DLT_EN10MB:
        return nd_dissect_ether(pkt, b);
    default:
        return 0;
    }
}
