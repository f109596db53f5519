/* SPDX-License-Identifier: MIT */
/* stream.h: which TCP segments carry bytes not seen before on their flow, so
 * that a chef reading a stream reads each byte once: a retransmitted or
 * duplicated segment is not read again, an out-of-order one is read when it
 * fills a hole.
 *
 *     nd_stream_t *st = nd_stream_new(65536);
 *     if (ND_HAS(pkt, ND_L_TCP) && pkt->l7_len && nd_stream_fresh(st, pkt))
 *         ...read pkt->l7 from its start...
 *     nd_stream_destroy(&st);
 *
 * The policy is first-copy-wins, as in most IDSs: a segment whose first byte
 * was already seen on its flow is not read, even if its bytes differ (an
 * overlap with other bytes, the classic evasion, shows the first copy only).
 * Memory is fixed per flow (the highest sequence number seen and up to
 * ND_STREAM_HOLES holes below it), and the flows are at most max_flows, the
 * least recently seen forgotten first; a flow idle for ND_STREAM_IDLE seconds
 * of capture time, or one that starts again with a SYN, is forgotten too. A
 * flow that is forgotten starts afresh on its next segment, which is read.
 * Not thread-safe: one table, one thread. */
#ifndef ND_STREAM_H
#define ND_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/packet.h"

/* Holes (ranges not yet seen below the highest byte) kept per flow. */
#define ND_STREAM_HOLES 4
/* Seconds of capture time after which an idle flow is forgotten. */
#define ND_STREAM_IDLE 300.0

typedef struct nd_stream nd_stream_t;

/* What the table gave up on, since it was made. */
typedef struct {
    uint64_t segments;      /* segments with payload looked at */
    uint64_t retransmitted; /* not read: their first byte was already seen */
    uint64_t gaps;          /* holes opened (bytes skipped, perhaps to come later) */
    uint64_t holes_dropped; /* holes given up because a flow had too many */
    uint64_t filled;        /* out-of-order segments read into a hole */
    uint64_t evicted;       /* flows forgotten because the table was full */
} nd_stream_stats_t;

/* Returns an empty table of at most max_flows (>= 1) directed flows, or NULL
 * when out of memory. Owned by the caller. */
nd_stream_t *nd_stream_new(size_t max_flows);
/* Frees the table; accepts NULL and NULLs the pointer. */
void nd_stream_destroy(nd_stream_t **self_p);

/* For a TCP segment (pkt->l7, pkt->l7_len, pkt->tcp_seq, pkt->tcp_flags):
 * true when its first payload byte has not been seen on its flow, so that it
 * is to be read; false for a retransmission or a duplicate, and for a segment
 * without payload or that is not TCP. Records what the segment covers. */
bool nd_stream_fresh(nd_stream_t *self, const nd_packet_t *pkt);

/* The counters so far. */
nd_stream_stats_t nd_stream_stats(const nd_stream_t *self);

#endif
