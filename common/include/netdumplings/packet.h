/* packet.h: one captured packet, dissected into every layer netdumplings knows.
 *
 * nd_packet_dissect() is the only entry point; it fills an nd_packet_t that the
 * caller owns and reuses (no allocation per packet). Each protocol lives in its
 * own file under common/proto/ and reads bytes only through buf.h. A packet that
 * is truncated or malformed at some layer keeps every layer below it, has
 * `malformed` set with a reason, and never has the broken layer's bit set. */
#ifndef ND_PACKET_H
#define ND_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Layers, in the order PacketCountChef reports them. */
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
char *nd_mac_str(const uint8_t mac[6], char *buf, size_t len);

typedef struct {
    uint16_t htype, ptype, op;
    uint8_t hlen, plen;
    bool eth_ipv4; /* htype 1, ptype 0x0800, hlen 6, plen 4: the fields below are set */
    uint8_t sha[6], tha[6];
    uint8_t spa[4], tpa[4];
} nd_arp_t;

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

    nd_dns_t dns;
} nd_packet_t;

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

/* Per-protocol entry points (one per file in common/proto/), called in a chain by
 * nd_packet_dissect(); exposed for the unit tests. Each reads from `b` and
 * fills its part of `pkt`, returning 0 or -1 (malformed; reason set). */
#include "netdumplings/buf.h"
int nd_dissect_ether(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_ethertype(nd_packet_t *pkt, nd_buf_t *b, uint16_t ethertype);
int nd_dissect_arp(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_ipv4(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_ipv6(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_tcp(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_udp(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_icmp(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_icmpv6(nd_packet_t *pkt, nd_buf_t *b);
/* Link layers other than Ethernet (common/proto/link.c). */
int nd_dissect_sll(nd_packet_t *pkt, nd_buf_t *b);  /* Linux cooked v1, DLT_LINUX_SLL */
int nd_dissect_sll2(nd_packet_t *pkt, nd_buf_t *b); /* Linux cooked v2, DLT_LINUX_SLL2 */
/* BSD loopback: DLT_NULL (AF in host order of the capturing machine) and
 * DLT_LOOP (network order); the byte order is detected, so either works. */
int nd_dissect_null(nd_packet_t *pkt, nd_buf_t *b);
/* Raw IP with no link header: the version nibble picks IPv4 or IPv6. */
int nd_dissect_raw(nd_packet_t *pkt, nd_buf_t *b);
/* The transport after IPv4/IPv6 (common/packet.c): TCP, UDP, ICMP, ICMPv6. */
int nd_dissect_ipproto(nd_packet_t *pkt, nd_buf_t *b, uint8_t proto);
/* DNS message in `b` (already past any TCP length prefix). */
int nd_dissect_dns(nd_packet_t *pkt, nd_buf_t *b);
/* DNS over TCP: `b` is the segment payload starting with the 2-byte length.
 * Parses the first message only (no reassembly); a segment too short for the
 * header and questions is not DNS but is not flagged malformed either. */
int nd_dissect_dns_tcp(nd_packet_t *pkt, nd_buf_t *b);

/* Marks `pkt` malformed with a static `reason` (the first one wins) and
 * returns -1, so a dissector can `return nd_packet_malformed(pkt, "...")`. */
int nd_packet_malformed(nd_packet_t *pkt, const char *reason);

/* Reads one possibly-compressed name starting at b->off within the whole
 * message `msg` into `out` (presentation form). `b` reads the same bytes as
 * `msg` (b->off is an offset into the message). Follows at most 128 pointers,
 * each strictly before the name or pointer target it was found in (so no
 * loop is possible), and refuses names over 255 octets and label types other
 * than 00 and 11. `out` may be NULL to check a name without decoding it.
 * Returns 0, or -1 with a static *reason ("dns: compression loop", ...), b->err
 * set and `out` emptied; on success advances b past the name as it stands in
 * place. */
int nd_dns_read_name(nd_buf_t *msg, nd_buf_t *b, char *out, size_t outlen, const char **reason);

/* ICMP/ICMPv6 type names ("echo-request", ...); "type-N" for unknown ones
 * written into `buf`. */
const char *nd_icmp_type_name(uint8_t type, char *buf, size_t len);
const char *nd_icmpv6_type_name(uint8_t type, char *buf, size_t len);

#endif
