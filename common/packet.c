/* SPDX-License-Identifier: MIT */
/* packet.c: the entry point of packet dissection: resets the per-packet state,
 * picks the link-layer dissector from the DLT_* link type, dispatches IP
 * payloads to the transport and tunnel dissectors under proto/, and bounds
 * how deep encapsulations may nest. */
#include "proto/proto.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>

/* DLT_* values as pcap_datalink() returns them. Numbers, not the DLT_ macros,
 * because DLT_RAW and DLT_LOOP differ between platforms and we accept every
 * value a capture file or an OS may hand us. */
enum {
    S_DLT_NULL = 0,
    S_DLT_EN10MB = 1,
    S_DLT_SLIP = 8,
    S_DLT_PPP = 9,
    S_DLT_ATM_RFC1483 = 11, /* Linux and most others; the file value is 100 */
    S_DLT_RAW_LINUX = 12,   /* DLT_RAW everywhere but OpenBSD */
    S_DLT_RAW_OPENBSD = 14,
    S_DLT_ATM_CLIP = 19, /* Linux; the file value is 106 */
    S_DLT_PPP_SERIAL = 50,
    S_DLT_PPP_ETHER = 51,
    S_LINKTYPE_ATM_RFC1483 = 100,
    S_LINKTYPE_RAW = 101, /* the file-format value, normally mapped to DLT_RAW */
    S_DLT_C_HDLC = 104,
    S_DLT_IEEE802_11 = 105,
    S_LINKTYPE_ATM_CLIP = 106,
    S_DLT_FRELAY = 107,
    S_DLT_LOOP = 108,
    S_DLT_LINUX_SLL = 113,
    S_DLT_IEEE802_11_RADIO = 127,
    S_DLT_MFR = 182,
    S_DLT_PPI = 192,
    S_DLT_PPP_WITH_DIR = 204,
    S_DLT_C_HDLC_WITH_DIR = 205,
    S_DLT_FRELAY_WITH_DIR = 206,
    S_DLT_IPNET = 226,
    S_DLT_IPV4 = 228,
    S_DLT_IPV6 = 229,
    S_DLT_NFLOG = 239,
    S_DLT_PKTAP = 258,
    S_DLT_LINUX_SLL2 = 276,
};

static const char *s_layer_names[ND_L__COUNT] = {
    [ND_L_ETHERNET] = "Ethernet", [ND_L_8021Q] = "802.1Q",      [ND_L_8021AD] = "802.1ad",
    [ND_L_SLL] = "SLL",           [ND_L_LOOPBACK] = "Loopback", [ND_L_ARP] = "ARP",
    [ND_L_IPV4] = "IP",           [ND_L_IPV6] = "IPv6",         [ND_L_TCP] = "TCP",
    [ND_L_UDP] = "UDP",           [ND_L_ICMP] = "ICMP",         [ND_L_ICMPV6] = "ICMPv6",
    [ND_L_DNS] = "DNS",           [ND_L_IEEE80211] = "802.11",  [ND_L_RADIOTAP] = "Radiotap",
    [ND_L_PPI] = "PPI",           [ND_L_LLC] = "LLC",           [ND_L_PPP] = "PPP",
    [ND_L_PPPOE] = "PPPoE",       [ND_L_CHDLC] = "Cisco HDLC",  [ND_L_FRELAY] = "Frame Relay",
    [ND_L_SLIP] = "SLIP",         [ND_L_MPLS] = "MPLS",         [ND_L_GRE] = "GRE",
    [ND_L_ERSPAN] = "ERSPAN",     [ND_L_VXLAN] = "VXLAN",       [ND_L_GENEVE] = "Geneve",
    [ND_L_GTP] = "GTP-U",         [ND_L_TEREDO] = "Teredo",     [ND_L_NFLOG] = "NFLOG",
    [ND_L_PKTAP] = "PKTAP",       [ND_L_IPNET] = "IPNET",
};

int nd_encap_enter(nd_packet_t *pkt, nd_layer_t layer, const char *kind, bool has_id, uint32_t id)
{
    if (pkt->encap_depth >= ND_MAX_ENCAP)
        return nd_packet_malformed(pkt, "encapsulation: nested too deep");
    pkt->encap_depth++;
    if ((unsigned)layer < ND_L__COUNT)
        pkt->layers |= 1u << layer;
    if (has_id)
        snprintf(pkt->tunnel, sizeof pkt->tunnel, "%s:%" PRIu32, kind, id);
    else
        snprintf(pkt->tunnel, sizeof pkt->tunnel, "%s", kind);
    return 0;
}

const char *nd_layer_name(nd_layer_t layer)
{
    if ((unsigned)layer >= ND_L__COUNT)
        return "?";
    return s_layer_names[layer];
}

char *nd_ip_str(const nd_ip_t *ip, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    if (!ip || (ip->family != AF_INET && ip->family != AF_INET6))
        return buf;
    if (!inet_ntop(ip->family, ip->bytes, buf, (socklen_t)len))
        buf[0] = '\0';
    return buf;
}

bool nd_ip_equal(const nd_ip_t *a, const nd_ip_t *b)
{
    size_t n = a->family == AF_INET6 ? 16 : 4;
    return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

char *nd_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}

int nd_packet_malformed(nd_packet_t *pkt, const char *reason)
{
    if (!pkt->malformed) {
        pkt->malformed = true;
        pkt->malformed_reason = reason;
    }
    return -1;
}

bool nd_linktype_supported(int linktype)
{
    switch (linktype) {
    case S_DLT_NULL:
    case S_DLT_EN10MB:
    case S_DLT_SLIP:
    case S_DLT_PPP:
    case S_DLT_ATM_RFC1483:
    case S_DLT_RAW_LINUX:
    case S_DLT_RAW_OPENBSD:
    case S_DLT_ATM_CLIP:
    case S_DLT_PPP_SERIAL:
    case S_DLT_PPP_ETHER:
    case S_LINKTYPE_ATM_RFC1483:
    case S_LINKTYPE_RAW:
    case S_DLT_C_HDLC:
    case S_DLT_IEEE802_11:
    case S_LINKTYPE_ATM_CLIP:
    case S_DLT_FRELAY:
    case S_DLT_LOOP:
    case S_DLT_LINUX_SLL:
    case S_DLT_IEEE802_11_RADIO:
    case S_DLT_MFR:
    case S_DLT_PPI:
    case S_DLT_PPP_WITH_DIR:
    case S_DLT_C_HDLC_WITH_DIR:
    case S_DLT_FRELAY_WITH_DIR:
    case S_DLT_IPNET:
    case S_DLT_IPV4:
    case S_DLT_IPV6:
    case S_DLT_NFLOG:
    case S_DLT_PKTAP:
    case S_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

int nd_dissect_ipproto(nd_packet_t *pkt, nd_buf_t *b, uint8_t proto)
{
    switch (proto) {
    case ND_IPPROTO_TCP:
        return nd_dissect_tcp(pkt, b);
    case ND_IPPROTO_UDP:
        return nd_dissect_udp(pkt, b);
    case ND_IPPROTO_ICMP:
        return nd_dissect_icmp(pkt, b);
    case ND_IPPROTO_ICMPV6:
        return nd_dissect_icmpv6(pkt, b);
    case ND_IPPROTO_IPIP: /* IPv4 in IPv4 or IPv6 (RFC 2003, RFC 2473) */
        if (nd_encap_enter(pkt, ND_L__COUNT, "ipip", false, 0) < 0)
            return -1;
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case ND_IPPROTO_IPV6: /* IPv6 in IPv4 (6in4, RFC 4213) or IPv6 */
        if (nd_encap_enter(pkt, ND_L__COUNT, "ipip", false, 0) < 0)
            return -1;
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    case ND_IPPROTO_GRE:
        return nd_dissect_gre(pkt, b);
    case ND_IPPROTO_MPLS: /* MPLS in IP, RFC 4023 */
        return nd_dissect_mpls(pkt, b);
    default:
        return 0;
    }
}

/* Zeroes the per-packet state: every field before dns.q (packet.h). The DNS
 * names (4 KB) are written only when DNS is dissected and are meaningless
 * without ND_L_DNS and dns.nquestions, so they are left alone. */
static void s_reset(nd_packet_t *pkt)
{
    memset(pkt, 0, ND_PACKET_RESET_SIZE);
}

int nd_dissect_link(nd_packet_t *pkt, nd_buf_t *b, int linktype)
{
    switch (linktype) {
    case S_DLT_EN10MB:
        return nd_dissect_ether(pkt, b);
    case S_DLT_LINUX_SLL:
        return nd_dissect_sll(pkt, b);
    case S_DLT_LINUX_SLL2:
        return nd_dissect_sll2(pkt, b);
    case S_DLT_NULL:
    case S_DLT_LOOP:
        return nd_dissect_null(pkt, b);
    case S_DLT_RAW_LINUX:
    case S_DLT_RAW_OPENBSD:
    case S_LINKTYPE_RAW:
        return nd_dissect_raw(pkt, b);
    case S_DLT_IPV4:
        pkt->ethertype = ND_ETH_IPV4;
        return nd_dissect_ipv4(pkt, b);
    case S_DLT_IPV6:
        pkt->ethertype = ND_ETH_IPV6;
        return nd_dissect_ipv6(pkt, b);
    case S_DLT_IEEE802_11:
        return nd_dissect_ieee80211(pkt, b);
    case S_DLT_IEEE802_11_RADIO:
        return nd_dissect_radiotap(pkt, b);
    case S_DLT_PPI:
        return nd_dissect_ppi(pkt, b);
    case S_DLT_PPP:
        return nd_dissect_ppp(pkt, b, false);
    case S_DLT_PPP_SERIAL:
        return nd_dissect_ppp(pkt, b, true);
    case S_DLT_PPP_WITH_DIR: /* one direction byte, then PPP */
        if (!nd_buf_skip(b, 1))
            return nd_packet_malformed(pkt, "ppp: truncated header");
        return nd_dissect_ppp(pkt, b, false);
    case S_DLT_PPP_ETHER:
        return nd_dissect_pppoe_session(pkt, b);
    case S_DLT_C_HDLC_WITH_DIR:
        if (!nd_buf_skip(b, 1))
            return nd_packet_malformed(pkt, "chdlc: truncated header");
        return nd_dissect_chdlc(pkt, b);
    case S_DLT_C_HDLC:
        return nd_dissect_chdlc(pkt, b);
    case S_DLT_FRELAY_WITH_DIR:
        if (!nd_buf_skip(b, 1))
            return nd_packet_malformed(pkt, "frame relay: truncated header");
        return nd_dissect_frelay(pkt, b);
    case S_DLT_FRELAY:
        return nd_dissect_frelay(pkt, b);
    case S_DLT_MFR:
        return nd_dissect_mfr(pkt, b);
    case S_DLT_SLIP:
        return nd_dissect_slip(pkt, b);
    case S_DLT_ATM_RFC1483:
    case S_LINKTYPE_ATM_RFC1483:
    case S_DLT_ATM_CLIP:
    case S_LINKTYPE_ATM_CLIP:
        return nd_dissect_atm_clip(pkt, b);
    case S_DLT_NFLOG:
        return nd_dissect_nflog(pkt, b);
    case S_DLT_IPNET:
        return nd_dissect_ipnet(pkt, b);
    case S_DLT_PKTAP:
        return nd_dissect_pktap(pkt, b);
    default:
        return -1;
    }
}

int nd_packet_dissect(nd_packet_t *pkt, int linktype, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, const struct timeval *tv)
{
    s_reset(pkt);
    if (tv) {
        pkt->tv = *tv;
    } else {
        pkt->tv.tv_sec = 0;
        pkt->tv.tv_usec = 0;
    }
    pkt->ts = (double)pkt->tv.tv_sec + (double)pkt->tv.tv_usec / 1e6;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = linktype;

    nd_buf_t b = nd_buf(data, data ? caplen : 0);
    /* Ethernet is nearly every packet: straight to it. */
    if (linktype == S_DLT_EN10MB) {
        nd_dissect_ether(pkt, &b);
        return 0;
    }
    if (!nd_linktype_supported(linktype))
        return -1;
    nd_dissect_link(pkt, &b, linktype);
    return 0;
}
