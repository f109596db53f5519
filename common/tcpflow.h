/* SPDX-License-Identifier: MIT */
/* tcpflow.h: what the two TCP flow tables (stream.c: which segments are new;
 * reasm.c: the stream bytes) both need: a directed flow's key for nd_lru_t,
 * and sequence numbers in serial arithmetic (RFC 1982). Not installed. */
#ifndef ND_TCPFLOW_H
#define ND_TCPFLOW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/packet.h"

/* Room for any flow key: family, two IPv6 addresses, two ports. */
#define ND_FLOW_KEY_MAX (1 + 16 + 16 + 4)

/* The directed flow's key: family, addresses (only their own bytes) and
 * ports. Returns its length. */
static inline size_t nd_flow_key(const nd_packet_t *pkt, uint8_t key[ND_FLOW_KEY_MAX])
{
    size_t alen = pkt->src.family == AF_INET6 ? 16 : 4;
    size_t o = 0;
    key[o++] = (uint8_t)pkt->src.family;
    memcpy(key + o, pkt->src.bytes, alen);
    o += alen;
    memcpy(key + o, pkt->dst.bytes, alen);
    o += alen;
    key[o++] = (uint8_t)(pkt->sport >> 8);
    key[o++] = (uint8_t)pkt->sport;
    key[o++] = (uint8_t)(pkt->dport >> 8);
    key[o++] = (uint8_t)pkt->dport;
    return o;
}

/* a - b in serial arithmetic: negative when a is before b. */
static inline int64_t nd_tcp_seq_diff(uint32_t a, uint32_t b)
{
    return (int64_t)(int32_t)(a - b);
}

/* A segment this far from what its flow has seen is another connection on
 * the same ports (its SYN not seen): the flow starts again. */
#define ND_TCP_FAR (1u << 30)

#endif
