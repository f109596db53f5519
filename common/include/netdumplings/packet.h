/* SPDX-License-Identifier: MIT */
/* packet.h: one captured packet, dissected into every layer netdumplings knows.
 *
 * nd_packet_dissect() is the only entry point; it fills an nd_packet_t that the
 * caller owns and reuses (no allocation per packet). Each protocol lives in its
 * own file under common/proto/ (declared in common/proto/proto.h, which is not
 * installed) and reads bytes only through buf.h. A packet that is truncated or
 * malformed at some layer keeps every layer below it, has `malformed` set with
 * a reason, and never has the broken layer's bit set.
 *
 * Plugins read these structs directly: their layout and the nd_layer_t values
 * are part of the chef ABI (ND_CHEF_ABI in chef.h; common/abi.c pins them). */
#ifndef ND_PACKET_H
#define ND_PACKET_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "netdumplings/buf.h"

/* Layers, in the order PacketCountChef reports them. New layers are added at
 * the end, so that the value of every older one stays what it was. The names
 * follow tshark's protocol names (docs/chefs.md lists them). */
typedef enum {
    ND_L_ETHERNET = 0, /* "Ethernet" */
    ND_L_8021Q,        /* "802.1Q": at least one C-tag (0x8100) */
    ND_L_8021AD,       /* "802.1ad": at least one S-tag (0x88a8, or the older 0x9100) */
    ND_L_SLL,          /* "SLL": Linux cooked capture v1 or v2 */
    ND_L_LOOPBACK,     /* "Loopback": BSD NULL/LOOP header */
    ND_L_ARP,          /* "ARP" */
    ND_L_IPV4,         /* "IP" */
    ND_L_IPV6,         /* "IPv6" */
    ND_L_TCP,          /* "TCP" */
    ND_L_UDP,          /* "UDP" */
    ND_L_ICMP,         /* "ICMP" */
    ND_L_ICMPV6,       /* "ICMPv6" */
    ND_L_DNS,          /* "DNS" */
    ND_L_IEEE80211,    /* "802.11": any 802.11 frame (data, management, control) */
    ND_L_RADIOTAP,     /* "Radiotap" */
    ND_L_PPI,          /* "PPI": Per-Packet Information header */
    ND_L_LLC,          /* "LLC": 802.2 LLC, with or without SNAP */
    ND_L_PPP,          /* "PPP" */
    ND_L_PPPOE,        /* "PPPoE": a PPPoE session header */
    ND_L_CHDLC,        /* "Cisco HDLC" */
    ND_L_FRELAY,       /* "Frame Relay" (also inside FRF.16 multilink) */
    ND_L_SLIP,         /* "SLIP" */
    ND_L_MPLS,         /* "MPLS": a label stack */
    ND_L_GRE,          /* "GRE" (NVGRE included) */
    ND_L_ERSPAN,       /* "ERSPAN": type I, II or III */
    ND_L_VXLAN,        /* "VXLAN" */
    ND_L_GENEVE,       /* "Geneve" */
    ND_L_GTP,          /* "GTP-U" */
    ND_L_TEREDO,       /* "Teredo" */
    ND_L_NFLOG,        /* "NFLOG": Linux netfilter log */
    ND_L_PKTAP,        /* "PKTAP": Apple's per-packet metadata header */
    ND_L_IPNET,        /* "IPNET": Solaris ipnet header */
    ND_L__COUNT
} nd_layer_t;

/* The layer's display name as above; "?" for an unknown value. */
const char *nd_layer_name(nd_layer_t layer);

#define ND_HAS(pkt, layer) (((pkt)->layers >> (layer)) & 1u)

typedef struct {
    int family; /* AF_INET, AF_INET6, or 0 when absent */
    uint8_t bytes[16];
} nd_ip_t;

/* Text forms. `buf` needs 46 bytes for an IP (INET6_ADDRSTRLEN), 18 for a MAC.
 * Both return `buf`; an absent address (family 0) gives "". */
char *nd_ip_str(const nd_ip_t *ip, char *buf, size_t len);
/* Same family and address, comparing only the address's own bytes (4 or 16:
 * the dissector leaves the rest as the previous packet had it). */
bool nd_ip_equal(const nd_ip_t *a, const nd_ip_t *b);
char *nd_mac_str(const uint8_t mac[6], char *buf, size_t len);

typedef struct {
    uint16_t htype, ptype, op;
    uint8_t hlen, plen;
    bool eth_ipv4;          /* htype 1, ptype 0x0800, hlen 6, plen 4: the fields below are set */
    uint8_t sha[6], tha[6]; /* set whenever nd_arp_hw_is_mac() */
    uint8_t spa[4], tpa[4]; /* set whenever nd_arp_proto_is_ipv4() */
} nd_arp_t;

/* The hardware addresses are MACs: Ethernet (1) or IEEE 802 (6) hardware
 * with 6-byte addresses (tshark's rule). */
static inline bool nd_arp_hw_is_mac(const nd_arp_t *arp)
{
    return (arp->htype == 1 || arp->htype == 6) && arp->hlen == 6;
}

/* The protocol addresses are IPv4: ethertype 0x0800 (or AX.25's 0xcc) with
 * 4-byte addresses. */
static inline bool nd_arp_proto_is_ipv4(const nd_arp_t *arp)
{
    return (arp->ptype == 0x0800 || arp->ptype == 0xcc) && arp->plen == 4;
}

/* The opcode's name: "request", "reply", "rarp-request", "rarp-reply",
 * "drarp-request", "drarp-reply", "drarp-error", "inarp-request",
 * "inarp-reply", "arp-nak" (RFC 826, 903, 1931, 2390, 1577), else NULL. */
const char *nd_arp_op_name(uint16_t op);

/* Questions kept; every one of qdcount is still checked. */
#define ND_DNS_MAX_QUESTIONS 4
/* Presentation form of a name: at most 255 octets on the wire, each of which may
 * need "\DDD" (4 chars) when not printable. */
#define ND_DNS_NAME_MAX 1024

typedef struct {
    char name[ND_DNS_NAME_MAX]; /* presentation form, no trailing dot; "." for the root */
    uint16_t qtype, qclass;
} nd_dns_question_t;

typedef struct {
    uint16_t id;
    bool qr;        /* false: query, true: response */
    uint8_t opcode; /* 0 = QUERY */
    uint8_t rcode;
    uint16_t qdcount, ancount, nscount, arcount;
    bool over_tcp;      /* carried in TCP behind a 2-byte length */
    uint8_t nquestions; /* questions parsed, <= ND_DNS_MAX_QUESTIONS */
    nd_dns_question_t q[ND_DNS_MAX_QUESTIONS];
} nd_dns_t;

typedef struct {
    /* Capture facts. */
    struct timeval tv;
    double ts; /* tv as epoch seconds */
    uint32_t caplen, wirelen;
    int linktype; /* DLT_* as pcap_datalink() returns it */

    uint32_t layers; /* bit (1 << nd_layer_t) for each layer dissected in full */
    bool malformed;
    const char *malformed_reason; /* static string, e.g. "dns: compression loop" */

    /* Link. */
    uint8_t eth_src[6], eth_dst[6]; /* Ethernet only */
    uint16_t vlan_ids[2];           /* outermost first */
    uint8_t vlan_count;
    uint16_t ethertype; /* after all tags / cooked header */

    nd_arp_t arp;

    /* Network. */
    uint8_t ip_version; /* 4, 6, or 0 */
    nd_ip_t src, dst;
    uint8_t ip_proto; /* transport after IPv6 extension headers */
    uint8_t ttl;      /* TTL or hop limit */
    bool fragment;    /* a fragment: only the first one's transport is dissected */

    /* Transport. */
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t tcp_seq;
    uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6, per layers */

    /* Application bytes after the transport header (TCP or UDP), inside the packet. */
    const uint8_t *l7;
    size_t l7_len;

    /* Encapsulations. Every field above describes the innermost packet: a
     * tunnel's payload overwrites the outer addresses and ports as it is
     * dissected. */
    uint8_t encap_depth; /* tunnels and encapsulations entered (IP-in-IP, GRE, VXLAN, ...) */
    /* The innermost tunnel as "<kind>" or "<kind>:<id>" ("vxlan:4242", "gre:7",
     * "gtp:0x1f", "ipip"), or "" when the packet was in none. */
    char tunnel[24];

    /* Last, and last in it, dns.q: the question names (4 KB), written only
     * when DNS is dissected and read only up to dns.nquestions. Aligned so
     * that it ends the struct with no padding after it, where a field could
     * hide from common/abi.c. */
    alignas(8) nd_dns_t dns;
} nd_packet_t;

/* Everything in an nd_packet_t before dns.q is the per-packet state that
 * nd_packet_dissect() zeroes, in one memset, before each packet; dns.q is a
 * buffer it leaves alone. A new field goes before `dns` (common/abi.c fails
 * the build otherwise) and changes the chef ABI (chef.h). */

/* Counters a dissector user keeps: how many packets, how many malformed. */
typedef struct {
    uint64_t packets;
    uint64_t malformed;
} nd_dissect_stats_t;

/* Dissects `caplen` bytes captured at `tv` with link type `linktype` (DLT_*).
 * Returns 0 when the link type is known (even if the packet is malformed: see
 * pkt->malformed), -1 for a link type it cannot read. `data` must stay valid
 * while `pkt` is used (pkt->l7 points into it). */
int nd_packet_dissect(nd_packet_t *pkt, int linktype, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen, const struct timeval *tv);

/* True when nd_packet_dissect() can read this DLT_* link type. */
bool nd_linktype_supported(int linktype);

/* How many encapsulations a packet may nest before the rest of it is left
 * alone (and the packet marked malformed): real traffic has two or three, a
 * packet that has more was crafted to exhaust the stack. */
#define ND_MAX_ENCAP 8

/* UDP ports of the UDP tunnels; nd_packet_set_udp_tunnel_port() changes one
 * for the whole process (0 turns it off). */
typedef enum {
    ND_UDPT_VXLAN,
    ND_UDPT_GENEVE,
    ND_UDPT_GTPU,
    ND_UDPT_TEREDO,
    ND_UDPT__COUNT
} nd_udp_tunnel_t;
#define ND_PORT_VXLAN 4789
#define ND_PORT_GENEVE 6081
#define ND_PORT_GTPU 2152
#define ND_PORT_TEREDO 3544
void nd_packet_set_udp_tunnel_port(nd_udp_tunnel_t kind, uint16_t port);
uint16_t nd_packet_udp_tunnel_port(nd_udp_tunnel_t kind);

/* Reads one possibly-compressed name starting at b->off within the whole
 * message `msg` into `out` (presentation form). `b` reads the same bytes as
 * `msg` (b->off is an offset into the message). Follows at most 128 pointers,
 * backward or forward, refusing one whose target was already visited (a
 * loop), and refuses names over 255 octets and label types other than 00 and
 * 11. `out` may be NULL to check a name without decoding it.
 * Returns 0, or -1 with a static *reason ("dns: compression loop", ...), b->err
 * set and `out` emptied; on success advances b past the name as it stands in
 * place. */
int nd_dns_read_name(nd_buf_t *msg, nd_buf_t *b, char *out, size_t outlen, const char **reason);

/* ICMP/ICMPv6 type names ("echo-request", ...); "type-N" for unknown ones
 * written into `buf`. */
const char *nd_icmp_type_name(uint8_t type, char *buf, size_t len);
const char *nd_icmpv6_type_name(uint8_t type, char *buf, size_t len);

#endif
