/* SPDX-License-Identifier: MIT */
/* abi.c: the chef ABI's layout, pinned. A plugin reads the structs below
 * directly, compiled against the headers of the kitchen it was built for, and
 * the kitchen only checks ND_CHEF_ABI (chef.h) before running it. So every
 * offset and size a plugin relies on is asserted here: a change that moves,
 * resizes, adds or removes a field fails the build, and the fix is to bump
 * ND_CHEF_ABI (with a line in its history) and then update the figures.
 *
 * The figures are those of LP64 Linux (x86_64, aarch64);
 * elsewhere only the ordering rules at the end are checked. To print the
 * figures of a changed struct, compile a one-line program with
 * printf("%zu %zu", offsetof(T, f), sizeof(((T *)0)->f)). No code: only
 * compile-time checks. */
#include <assert.h>
#include <stdalign.h>
#include <stddef.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"
#include "netdumplings/packet.h"
#include "netdumplings/reasm.h"
#include "proto/proto.h"

#define S_MSG "the chef ABI changed: bump ND_CHEF_ABI (chef.h), then update common/abi.c"
#define S_SIZE(type, size) static_assert(sizeof(type) == (size), #type ": " S_MSG)
#define S_AT(type, field, off, size)                                                               \
    static_assert(offsetof(type, field) == (off) && sizeof(((type *)0)->field) == (size),          \
                  #type "." #field ": " S_MSG)

/* The value plugins compare with; a bump also updates the figures below. */
static_assert(ND_CHEF_ABI == 2, "ND_CHEF_ABI changed: check every figure below, then this");

#if defined(__LP64__)
/* nd_chef_def_t */
S_SIZE(nd_chef_def_t, 56);
S_AT(nd_chef_def_t, abi, 0, 4);
S_AT(nd_chef_def_t, name, 8, 8);
S_AT(nd_chef_def_t, summary, 16, 8);
S_AT(nd_chef_def_t, create, 24, 8);
S_AT(nd_chef_def_t, destroy, 32, 8);
S_AT(nd_chef_def_t, packet, 40, 8);
S_AT(nd_chef_def_t, interval, 48, 8);

/* nd_ip_t */
S_SIZE(nd_ip_t, 20);
S_AT(nd_ip_t, family, 0, 4);
S_AT(nd_ip_t, bytes, 4, 16);

/* nd_reasm_flow_t (reasm.h) */
S_SIZE(nd_reasm_flow_t, 56);
S_AT(nd_reasm_flow_t, src, 0, 20);
S_AT(nd_reasm_flow_t, dst, 20, 20);
S_AT(nd_reasm_flow_t, sport, 40, 2);
S_AT(nd_reasm_flow_t, dport, 42, 2);
S_AT(nd_reasm_flow_t, ts, 48, 8);

/* nd_arp_t */
S_SIZE(nd_arp_t, 30);
S_AT(nd_arp_t, htype, 0, 2);
S_AT(nd_arp_t, ptype, 2, 2);
S_AT(nd_arp_t, op, 4, 2);
S_AT(nd_arp_t, hlen, 6, 1);
S_AT(nd_arp_t, plen, 7, 1);
S_AT(nd_arp_t, eth_ipv4, 8, 1);
S_AT(nd_arp_t, sha, 9, 6);
S_AT(nd_arp_t, tha, 15, 6);
S_AT(nd_arp_t, spa, 21, 4);
S_AT(nd_arp_t, tpa, 25, 4);

/* nd_dns_question_t */
S_SIZE(nd_dns_question_t, 1028);
S_AT(nd_dns_question_t, name, 0, 1024);
S_AT(nd_dns_question_t, qtype, 1024, 2);
S_AT(nd_dns_question_t, qclass, 1026, 2);

/* nd_dns_t */
S_SIZE(nd_dns_t, 4128);
S_AT(nd_dns_t, id, 0, 2);
S_AT(nd_dns_t, qr, 2, 1);
S_AT(nd_dns_t, opcode, 3, 1);
S_AT(nd_dns_t, rcode, 4, 1);
S_AT(nd_dns_t, qdcount, 6, 2);
S_AT(nd_dns_t, ancount, 8, 2);
S_AT(nd_dns_t, nscount, 10, 2);
S_AT(nd_dns_t, arcount, 12, 2);
S_AT(nd_dns_t, over_tcp, 14, 1);
S_AT(nd_dns_t, nquestions, 15, 1);
S_AT(nd_dns_t, q, 16, 4112);

/* nd_packet_t */
S_SIZE(nd_packet_t, 4344);
S_AT(nd_packet_t, tv, 0, 16);
S_AT(nd_packet_t, ts, 16, 8);
S_AT(nd_packet_t, caplen, 24, 4);
S_AT(nd_packet_t, wirelen, 28, 4);
S_AT(nd_packet_t, linktype, 32, 4);
S_AT(nd_packet_t, layers, 36, 4);
S_AT(nd_packet_t, malformed, 40, 1);
S_AT(nd_packet_t, malformed_reason, 48, 8);
S_AT(nd_packet_t, eth_src, 56, 6);
S_AT(nd_packet_t, eth_dst, 62, 6);
S_AT(nd_packet_t, vlan_ids, 68, 4);
S_AT(nd_packet_t, vlan_count, 72, 1);
S_AT(nd_packet_t, ethertype, 74, 2);
S_AT(nd_packet_t, arp, 76, 30);
S_AT(nd_packet_t, ip_version, 106, 1);
S_AT(nd_packet_t, src, 108, 20);
S_AT(nd_packet_t, dst, 128, 20);
S_AT(nd_packet_t, ip_proto, 148, 1);
S_AT(nd_packet_t, ttl, 149, 1);
S_AT(nd_packet_t, fragment, 150, 1);
S_AT(nd_packet_t, sport, 152, 2);
S_AT(nd_packet_t, dport, 154, 2);
S_AT(nd_packet_t, tcp_flags, 156, 1);
S_AT(nd_packet_t, tcp_seq, 160, 4);
S_AT(nd_packet_t, icmp_type, 164, 1);
S_AT(nd_packet_t, icmp_code, 165, 1);
S_AT(nd_packet_t, l7, 168, 8);
S_AT(nd_packet_t, l7_len, 176, 8);
S_AT(nd_packet_t, encap_depth, 184, 1);
S_AT(nd_packet_t, tunnel, 185, 24);
S_AT(nd_packet_t, dns, 216, 4128);

/* nd_buf_t */
S_SIZE(nd_buf_t, 32);
S_AT(nd_buf_t, data, 0, 8);
S_AT(nd_buf_t, len, 8, 8);
S_AT(nd_buf_t, off, 16, 8);
S_AT(nd_buf_t, err, 24, 1);

/* nd_dns_msg_t */
S_SIZE(nd_dns_msg_t, 40);
S_AT(nd_dns_msg_t, msg, 0, 8);
S_AT(nd_dns_msg_t, len, 8, 8);
S_AT(nd_dns_msg_t, off, 16, 8);
S_AT(nd_dns_msg_t, id, 24, 2);
S_AT(nd_dns_msg_t, qr, 26, 1);
S_AT(nd_dns_msg_t, opcode, 27, 1);
S_AT(nd_dns_msg_t, qdcount, 28, 2);
S_AT(nd_dns_msg_t, next, 32, 4);

/* nd_tls_hello_t */
S_SIZE(nd_tls_hello_t, 824);
S_AT(nd_tls_hello_t, record_version, 0, 2);
S_AT(nd_tls_hello_t, legacy_version, 2, 2);
S_AT(nd_tls_hello_t, need, 8, 8);
S_AT(nd_tls_hello_t, has_sni, 16, 1);
S_AT(nd_tls_hello_t, sni, 17, 256);
S_AT(nd_tls_hello_t, sni_truncated, 273, 1);
S_AT(nd_tls_hello_t, nversions, 274, 1);
S_AT(nd_tls_hello_t, versions, 276, 32);
S_AT(nd_tls_hello_t, versions_truncated, 308, 1);
S_AT(nd_tls_hello_t, nalpn, 309, 1);
S_AT(nd_tls_hello_t, alpn, 310, 512);
S_AT(nd_tls_hello_t, alpn_truncated, 822, 1);

/* nd_http_request_t */
S_SIZE(nd_http_request_t, 1856);
S_AT(nd_http_request_t, method, 0, 16);
S_AT(nd_http_request_t, path, 16, 1024);
S_AT(nd_http_request_t, path_truncated, 1040, 1);
S_AT(nd_http_request_t, version, 1041, 9);
S_AT(nd_http_request_t, has_host, 1050, 1);
S_AT(nd_http_request_t, host, 1051, 256);
S_AT(nd_http_request_t, host_truncated, 1307, 1);
S_AT(nd_http_request_t, has_user_agent, 1308, 1);
S_AT(nd_http_request_t, user_agent, 1309, 512);
S_AT(nd_http_request_t, user_agent_truncated, 1821, 1);
S_AT(nd_http_request_t, headers_complete, 1822, 1);
S_AT(nd_http_request_t, head_len, 1824, 8);
S_AT(nd_http_request_t, has_content_length, 1832, 1);
S_AT(nd_http_request_t, content_length, 1840, 8);
S_AT(nd_http_request_t, body_unknown, 1848, 1);

/* nd_dhcp_t */
S_SIZE(nd_dhcp_t, 392);
S_AT(nd_dhcp_t, op, 0, 1);
S_AT(nd_dhcp_t, htype, 1, 1);
S_AT(nd_dhcp_t, hlen, 2, 1);
S_AT(nd_dhcp_t, xid, 4, 4);
S_AT(nd_dhcp_t, ciaddr, 8, 4);
S_AT(nd_dhcp_t, yiaddr, 12, 4);
S_AT(nd_dhcp_t, siaddr, 16, 4);
S_AT(nd_dhcp_t, giaddr, 20, 4);
S_AT(nd_dhcp_t, chaddr_is_mac, 24, 1);
S_AT(nd_dhcp_t, chaddr, 25, 16);
S_AT(nd_dhcp_t, is_dhcp, 41, 1);
S_AT(nd_dhcp_t, msg_type, 42, 1);
S_AT(nd_dhcp_t, has_hostname, 43, 1);
S_AT(nd_dhcp_t, hostname, 44, 256);
S_AT(nd_dhcp_t, hostname_truncated, 300, 1);
S_AT(nd_dhcp_t, has_requested_ip, 301, 1);
S_AT(nd_dhcp_t, requested_ip, 302, 4);
S_AT(nd_dhcp_t, client_id_len, 312, 8);
S_AT(nd_dhcp_t, client_id, 320, 64);
S_AT(nd_dhcp_t, client_id_truncated, 384, 1);
#endif

/* Layer values: a layer is only ever added at the end (packet.h), and all of
 * them fit in pkt->layers. */
static_assert(ND_L_ETHERNET == 0, "nd_layer_t: " S_MSG);
static_assert(ND_L_8021Q == 1, "nd_layer_t: " S_MSG);
static_assert(ND_L_8021AD == 2, "nd_layer_t: " S_MSG);
static_assert(ND_L_SLL == 3, "nd_layer_t: " S_MSG);
static_assert(ND_L_LOOPBACK == 4, "nd_layer_t: " S_MSG);
static_assert(ND_L_ARP == 5, "nd_layer_t: " S_MSG);
static_assert(ND_L_IPV4 == 6, "nd_layer_t: " S_MSG);
static_assert(ND_L_IPV6 == 7, "nd_layer_t: " S_MSG);
static_assert(ND_L_TCP == 8, "nd_layer_t: " S_MSG);
static_assert(ND_L_UDP == 9, "nd_layer_t: " S_MSG);
static_assert(ND_L_ICMP == 10, "nd_layer_t: " S_MSG);
static_assert(ND_L_ICMPV6 == 11, "nd_layer_t: " S_MSG);
static_assert(ND_L_DNS == 12, "nd_layer_t: " S_MSG);
static_assert(ND_L_IEEE80211 == 13, "nd_layer_t: " S_MSG);
static_assert(ND_L_RADIOTAP == 14, "nd_layer_t: " S_MSG);
static_assert(ND_L_PPI == 15, "nd_layer_t: " S_MSG);
static_assert(ND_L_LLC == 16, "nd_layer_t: " S_MSG);
static_assert(ND_L_PPP == 17, "nd_layer_t: " S_MSG);
static_assert(ND_L_PPPOE == 18, "nd_layer_t: " S_MSG);
static_assert(ND_L_CHDLC == 19, "nd_layer_t: " S_MSG);
static_assert(ND_L_FRELAY == 20, "nd_layer_t: " S_MSG);
static_assert(ND_L_SLIP == 21, "nd_layer_t: " S_MSG);
static_assert(ND_L_MPLS == 22, "nd_layer_t: " S_MSG);
static_assert(ND_L_GRE == 23, "nd_layer_t: " S_MSG);
static_assert(ND_L_ERSPAN == 24, "nd_layer_t: " S_MSG);
static_assert(ND_L_VXLAN == 25, "nd_layer_t: " S_MSG);
static_assert(ND_L_GENEVE == 26, "nd_layer_t: " S_MSG);
static_assert(ND_L_GTP == 27, "nd_layer_t: " S_MSG);
static_assert(ND_L_TEREDO == 28, "nd_layer_t: " S_MSG);
static_assert(ND_L_NFLOG == 29, "nd_layer_t: " S_MSG);
static_assert(ND_L_PKTAP == 30, "nd_layer_t: " S_MSG);
static_assert(ND_L_IPNET == 31, "nd_layer_t: " S_MSG);
static_assert(ND_L__COUNT <= 32, "nd_layer_t: pkt->layers has 32 bits");
static_assert(ND_APP_OK == 0 && ND_APP_INCOMPLETE == 1 && ND_APP_NOT_MINE == 2 &&
                  ND_APP_MALFORMED == -1,
              "nd_app_rc_t: " S_MSG);

/* The per-packet reset (common/packet.c) zeroes everything before dns.q: dns
 * must stay the last field of nd_packet_t, and q the last of nd_dns_t, or a
 * field added after them would survive from one packet to the next. Neither
 * ends in padding (dns is aligned to 8 for that), so a field added after
 * either makes it bigger and fails these. */
#define S_LAST(type, field) (offsetof(type, field) + sizeof(((type *)0)->field) == sizeof(type))
static_assert(S_LAST(nd_packet_t, dns),
              "nd_packet_t: dns must be the last field (add new fields before it)");
static_assert(S_LAST(nd_dns_t, q), "nd_dns_t: q must be the last field (add new fields before it)");
static_assert(ND_PACKET_RESET_SIZE < sizeof(nd_packet_t), "the reset leaves dns.q alone");
