/* SPDX-License-Identifier: MIT */
/* proto.h: the dissectors' own declarations, shared by common/packet.c and the
 * files under common/proto/ (and the unit tests that drive one dissector).
 * Not installed: a chef reads a dissected nd_packet_t (netdumplings/packet.h)
 * and never calls a dissector, so these may change without touching the chef
 * ABI. */
#ifndef ND_PROTO_H
#define ND_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/app.h"
#include "netdumplings/buf.h"
#include "netdumplings/packet.h"
#include "netdumplings/protonum.h"

/* How many bytes of an nd_packet_t nd_packet_dissect() zeroes before each
 * packet: all of it but the DNS question names (packet.h). */
#define ND_PACKET_RESET_SIZE offsetof(nd_packet_t, dns.q)

/* Per-protocol entry points (one per file in common/proto/), called in a chain by
 * nd_packet_dissect(). Each reads from `b` and fills its part of `pkt`,
 * returning 0 or -1 (malformed; reason set). */
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
/* The same for a link or tunnel that carries either with no type field (SLIP,
 * MPLS, GTP-U): anything else is malformed when `strict` (raw IP), else left
 * undissected, since such a link may carry other things too. */
int nd_dissect_ip_version(nd_packet_t *pkt, nd_buf_t *b, bool strict);
/* The link dissector for a DLT_* value (common/packet.c), for headers that
 * name the link layer that follows them (PPI, PKTAP); -1 for one it cannot
 * read. */
int nd_dissect_link(nd_packet_t *pkt, nd_buf_t *b, int linktype);
/* 802.11 and the radio headers in front of it (common/proto/ieee80211.c). */
int nd_dissect_ieee80211(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_radiotap(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_ppi(nd_packet_t *pkt, nd_buf_t *b);
/* 802.2 LLC and SNAP (common/proto/llc.c); ATM carrying LLC or bare IP. */
int nd_dissect_llc(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_atm_clip(nd_packet_t *pkt, nd_buf_t *b);
/* PPP (common/proto/ppp.c): `hdlc` for DLT_PPP_SERIAL, where the frame must
 * begin with the HDLC address and control bytes (else it is Cisco HDLC);
 * plain PPP takes them when present. nd_dissect_ppp_proto reads the protocol
 * field (one byte when compressed) and what follows. */
int nd_dissect_ppp(nd_packet_t *pkt, nd_buf_t *b, bool hdlc);
int nd_dissect_ppp_proto(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_pppoe_session(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_chdlc(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_frelay(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_mfr(nd_packet_t *pkt, nd_buf_t *b); /* FRF.16 multilink frame relay */
int nd_dissect_slip(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_nflog(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_ipnet(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_pktap(nd_packet_t *pkt, nd_buf_t *b);
/* Encapsulations and tunnels, one file each. */
int nd_dissect_mpls(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_gre(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_erspan(nd_packet_t *pkt, nd_buf_t *b, int version);
int nd_dissect_vxlan(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_geneve(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_gtpu(nd_packet_t *pkt, nd_buf_t *b);
int nd_dissect_teredo(nd_packet_t *pkt, nd_buf_t *b);
/* Enters one more encapsulation: sets `layer`'s bit and the tunnel name
 * (`id` is printed after a colon when `has_id`), or returns -1 with the
 * packet marked malformed once ND_MAX_ENCAP are nested. */
int nd_encap_enter(nd_packet_t *pkt, nd_layer_t layer, const char *kind, bool has_id, uint32_t id);

/* The transport after IPv4/IPv6 (common/packet.c): TCP, UDP, ICMP, ICMPv6. */
int nd_dissect_ipproto(nd_packet_t *pkt, nd_buf_t *b, uint8_t proto);
/* DNS message in `b` (already past any TCP length prefix). */
int nd_dissect_dns(nd_packet_t *pkt, nd_buf_t *b);
/* DNS over TCP: `b` is the segment payload starting with the 2-byte length.
 * Parses the first message only (no reassembly); a segment too short for the
 * header and questions is not DNS but is not flagged malformed either. */
int nd_dissect_dns_tcp(nd_packet_t *pkt, nd_buf_t *b);

/* ---- TLS and QUIC (common/proto/tls.c, quic.c) ------------------------- */

/* A bare TLS handshake message holding a ClientHello (type 1, 24-bit length,
 * body), as QUIC carries it in CRYPTO frames with no record layer: the same
 * result codes and fields as nd_tls_client_hello() (record_version and need
 * stay 0). */
int nd_tls_handshake_hello(const uint8_t *p, size_t n, nd_tls_hello_t *out);

/* Initial packet protection of one QUIC version and direction (RFC 9001
 * 5.2, RFC 9369 3.3): AEAD_AES_128_GCM key and IV, AES-128 header key. */
typedef struct {
    uint8_t key[16];
    uint8_t iv[12];
    uint8_t hp[16];
} nd_quic_keys_t;

/* True for a version whose Initial packets nd_quic_initial_keys() can
 * derive keys for (v1, v2, drafts 22-34, mvfst, Google T050/T051, the
 * 0x?a?a?a?a versions that force negotiation). */
bool nd_quic_version_known(uint32_t version);
/* The Initial keys for `version` from the client's first Destination
 * Connection ID: the client's (`server` false: "client in") or the server's.
 * Returns 0, or -1 for an unknown version or a libcrypto failure. */
int nd_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                         nd_quic_keys_t *out);
/* HKDF-Extract and HKDF-Expand-Label (RFC 8446 7.1, SHA-256, empty
 * context), exposed for the RFC 9001 Appendix A test vectors. */
int nd_quic_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                         uint8_t prk[32]);
int nd_quic_hkdf_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                              size_t out_len);

/* Marks `pkt` malformed with a static `reason` (the first one wins) and
 * returns -1, so a dissector can `return nd_packet_malformed(pkt, "...")`. */
int nd_packet_malformed(nd_packet_t *pkt, const char *reason);

#endif
