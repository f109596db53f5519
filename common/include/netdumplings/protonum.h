/* SPDX-License-Identifier: MIT */
/* protonum.h: the protocol numbers the dissectors dispatch on, in one place:
 * EtherTypes (IEEE 802 numbers, also what GRE, Geneve and the cooked
 * captures name their payload by) and IP protocol numbers (IANA). */
#ifndef ND_PROTONUM_H
#define ND_PROTONUM_H

/* EtherTypes. */
#define ND_ETH_IPV4 0x0800
#define ND_ETH_ARP 0x0806
#define ND_ETH_RARP 0x8035
#define ND_ETH_8021Q 0x8100 /* C-tag */
#define ND_ETH_IPV6 0x86dd
#define ND_ETH_PPP 0x880b
#define ND_ETH_MPLS_UC 0x8847
#define ND_ETH_MPLS_MC 0x8848
#define ND_ETH_PPPOE_SESSION 0x8864
#define ND_ETH_8021AD 0x88a8   /* S-tag */
#define ND_ETH_ERSPAN2 0x88be  /* ERSPAN type II (and I) */
#define ND_ETH_ERSPAN3 0x22eb  /* ERSPAN type III */
#define ND_ETH_TEB 0x6558      /* transparent Ethernet bridging: Ethernet follows */
#define ND_ETH_QINQ_OLD 0x9100 /* pre-802.1ad vendor S-tag */

/* IP protocol numbers (IPv4's protocol, IPv6's next header). */
#define ND_IPPROTO_HOPOPTS 0 /* IPv6 hop-by-hop options */
#define ND_IPPROTO_ICMP 1
#define ND_IPPROTO_IPIP 4 /* IPv4 inside */
#define ND_IPPROTO_TCP 6
#define ND_IPPROTO_UDP 17
#define ND_IPPROTO_IPV6 41 /* IPv6 inside */
#define ND_IPPROTO_ROUTING 43
#define ND_IPPROTO_FRAGMENT 44
#define ND_IPPROTO_GRE 47
#define ND_IPPROTO_AH 51
#define ND_IPPROTO_ICMPV6 58
#define ND_IPPROTO_DSTOPTS 60
#define ND_IPPROTO_MPLS 137 /* MPLS in IP, RFC 4023 */

/* TCP flags (nd_packet_t.tcp_flags) */
#define ND_TCP_FIN 0x01
#define ND_TCP_SYN 0x02
#define ND_TCP_RST 0x04
#define ND_TCP_PSH 0x08
#define ND_TCP_ACK 0x10

#endif
