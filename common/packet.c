/* packet.c: the entry point of packet dissection: resets the per-packet state,
 * picks the link-layer dissector from the DLT_* link type and dispatches IP
 * payloads to the transport dissectors under proto/. */
#include "netdumplings/packet.h"

#include <arpa/inet.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>

/* DLT_* values as pcap_datalink() returns them. Numbers, not the DLT_ macros,
 * because DLT_RAW and DLT_LOOP differ between platforms and we accept every
 * value a capture file or an OS may hand us. */
enum {
    S_DLT_NULL = 0,
    S_DLT_EN10MB = 1,
    S_DLT_RAW_LINUX = 12, /* DLT_RAW everywhere but OpenBSD */
    S_DLT_RAW_OPENBSD = 14,
    S_LINKTYPE_RAW = 101, /* the file-format value, normally mapped to DLT_RAW */
    S_DLT_LOOP = 108,
    S_DLT_LINUX_SLL = 113,
    S_DLT_IPV4 = 228,
    S_DLT_IPV6 = 229,
    S_DLT_LINUX_SLL2 = 276,
};

static const char *s_layer_names[ND_L__COUNT] = {
    [ND_L_ETHERNET] = "Ethernet", [ND_L_8021Q] = "802.1Q",      [ND_L_8021AD] = "802.1ad",
    [ND_L_SLL] = "SLL",           [ND_L_LOOPBACK] = "Loopback", [ND_L_ARP] = "ARP",
    [ND_L_IPV4] = "IP",           [ND_L_IPV6] = "IPv6",         [ND_L_TCP] = "TCP",
    [ND_L_UDP] = "UDP",           [ND_L_ICMP] = "ICMP",         [ND_L_ICMPV6] = "ICMPv6",
    [ND_L_DNS] = "DNS",
};

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
    case S_DLT_RAW_LINUX:
    case S_DLT_RAW_OPENBSD:
    case S_LINKTYPE_RAW:
    case S_DLT_LOOP:
    case S_DLT_LINUX_SLL:
    case S_DLT_IPV4:
    case S_DLT_IPV6:
    case S_DLT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

int nd_dissect_ipproto(nd_packet_t *pkt, nd_buf_t *b, uint8_t proto)
{
    switch (proto) {
    case 6:
        return nd_dissect_tcp(pkt, b);
    case 17:
        return nd_dissect_udp(pkt, b);
    case 1:
        return nd_dissect_icmp(pkt, b);
    case 58:
        return nd_dissect_icmpv6(pkt, b);
    default:
        return 0;
    }
}

/* Resets only the fields a later layer reads or a chef trusts without
 * checking a layer bit; the DNS names (4 KB) are written only when DNS is
 * dissected and are meaningless without ND_L_DNS, so they are left alone. */
static void s_reset(nd_packet_t *pkt)
{
    pkt->layers = 0;
    pkt->malformed = false;
    pkt->malformed_reason = NULL;
    memset(pkt->eth_src, 0, sizeof pkt->eth_src);
    memset(pkt->eth_dst, 0, sizeof pkt->eth_dst);
    pkt->vlan_ids[0] = pkt->vlan_ids[1] = 0;
    pkt->vlan_count = 0;
    pkt->ethertype = 0;
    memset(&pkt->arp, 0, sizeof pkt->arp);
    pkt->ip_version = 0;
    pkt->src.family = pkt->dst.family = 0;
    pkt->ip_proto = 0;
    pkt->ttl = 0;
    pkt->fragment = false;
    pkt->sport = pkt->dport = 0;
    pkt->tcp_flags = 0;
    pkt->tcp_seq = 0;
    pkt->icmp_type = pkt->icmp_code = 0;
    pkt->l7 = NULL;
    pkt->l7_len = 0;
    pkt->dns.nquestions = 0;
    pkt->dns.over_tcp = false;
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
    switch (linktype) {
    case S_DLT_EN10MB:
        nd_dissect_ether(pkt, &b);
        break;
    case S_DLT_LINUX_SLL:
        nd_dissect_sll(pkt, &b);
        break;
    case S_DLT_LINUX_SLL2:
        nd_dissect_sll2(pkt, &b);
        break;
    case S_DLT_NULL:
    case S_DLT_LOOP:
        nd_dissect_null(pkt, &b);
        break;
    case S_DLT_RAW_LINUX:
    case S_DLT_RAW_OPENBSD:
    case S_LINKTYPE_RAW:
        nd_dissect_raw(pkt, &b);
        break;
    case S_DLT_IPV4:
        pkt->ethertype = 0x0800;
        nd_dissect_ipv4(pkt, &b);
        break;
    case S_DLT_IPV6:
        pkt->ethertype = 0x86dd;
        nd_dissect_ipv6(pkt, &b);
        break;
    default:
        return -1;
    }
    return 0;
}
