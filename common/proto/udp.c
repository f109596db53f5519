/* SPDX-License-Identifier: MIT */
/* udp.c: the User Datagram Protocol header, RFC 768: the UDP length trims
 * what follows; DNS on port 53 and the UDP tunnels on theirs (VXLAN,
 * Geneve, GTP-U, Teredo; nd_packet_set_udp_tunnel_port) are handed on. */
#include "proto.h"

/* The UDP ports of the UDP tunnels, kept here where every datagram reads
 * them. Process-wide: a kitchen sets them once from its options before the
 * first packet. */
static uint16_t s_tunnel_ports[ND_UDPT__COUNT] = {
    [ND_UDPT_VXLAN] = ND_PORT_VXLAN,
    [ND_UDPT_GENEVE] = ND_PORT_GENEVE,
    [ND_UDPT_GTPU] = ND_PORT_GTPU,
    [ND_UDPT_TEREDO] = ND_PORT_TEREDO,
};

void nd_packet_set_udp_tunnel_port(nd_udp_tunnel_t kind, uint16_t port)
{
    if ((unsigned)kind < ND_UDPT__COUNT)
        s_tunnel_ports[kind] = port;
}

uint16_t nd_packet_udp_tunnel_port(nd_udp_tunnel_t kind)
{
    return (unsigned)kind < ND_UDPT__COUNT ? s_tunnel_ports[kind] : 0;
}

int nd_dissect_udp(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 8))
        return nd_packet_malformed(pkt, "udp: truncated header");
    uint16_t sport = nd_buf_be16(b);
    uint16_t dport = nd_buf_be16(b);
    uint16_t len = nd_buf_be16(b);
    nd_buf_skip(b, 2); /* checksum */
    /* Length 0 is legal only in IPv6 jumbograms (RFC 2675): take the rest. */
    if (len != 0 && len < 8)
        return nd_packet_malformed(pkt, "udp: bad length");
    size_t body = nd_buf_left(b);
    if (len != 0 && (size_t)len - 8 < body)
        body = (size_t)len - 8;
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->l7 = nd_buf_ptr(b);
    pkt->l7_len = body;
    pkt->layers |= 1u << ND_L_UDP;

    if (sport == 53 || dport == 53) {
        nd_buf_t dns = nd_buf(pkt->l7, pkt->l7_len);
        return nd_dissect_dns(pkt, &dns);
    }
    /* Tunnels are told by the destination port (VXLAN and Geneve senders
     * pick the source port from a flow hash); GTP-U and Teredo servers
     * answer from theirs. A port off (0) never matches: no UDP port is 0 on
     * the wire in a tunnel. */
    nd_buf_t in = nd_buf(pkt->l7, pkt->l7_len);
    uint16_t port;
    if ((port = nd_packet_udp_tunnel_port(ND_UDPT_VXLAN)) != 0 && dport == port)
        return nd_dissect_vxlan(pkt, &in);
    if ((port = nd_packet_udp_tunnel_port(ND_UDPT_GENEVE)) != 0 && dport == port)
        return nd_dissect_geneve(pkt, &in);
    if ((port = nd_packet_udp_tunnel_port(ND_UDPT_GTPU)) != 0 && (dport == port || sport == port))
        return nd_dissect_gtpu(pkt, &in);
    if ((port = nd_packet_udp_tunnel_port(ND_UDPT_TEREDO)) != 0 && (dport == port || sport == port))
        return nd_dissect_teredo(pkt, &in);
    return 0;
}
