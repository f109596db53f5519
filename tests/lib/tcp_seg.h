/* SPDX-License-Identifier: MIT */
/* tcp_seg.h: a dissected TCP segment for the tests of the TCP flow tables
 * (common/stream.c, common/reasm.c): flow 10.0.0.1:port -> 10.0.0.2:80. */
#ifndef ND_TEST_TCP_SEG_H
#define ND_TEST_TCP_SEG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/packet.h"

static inline nd_packet_t *nd_test_tcp_seg(nd_packet_t *pkt, uint16_t port, uint32_t seq,
                                           const uint8_t *bytes, size_t len, uint8_t flags,
                                           double ts)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->layers = 1u << ND_L_IPV4 | 1u << ND_L_TCP;
    pkt->src.family = pkt->dst.family = AF_INET;
    memcpy(pkt->src.bytes, "\x0a\x00\x00\x01", 4);
    memcpy(pkt->dst.bytes, "\x0a\x00\x00\x02", 4);
    pkt->sport = port;
    pkt->dport = 80;
    pkt->tcp_seq = seq;
    pkt->tcp_flags = flags;
    pkt->l7 = bytes;
    pkt->l7_len = len;
    pkt->ts = ts;
    return pkt;
}

#endif
