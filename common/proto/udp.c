/* udp.c: the User Datagram Protocol header, RFC 768: the UDP length trims
 * what follows; DNS on port 53 is handed on. */
#include "netdumplings/packet.h"

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
    return 0;
}
