/* SPDX-License-Identifier: MIT */
/* reasm.h: a bounded TCP stream reassembler. A chef that parses a protocol
 * over TCP hands it every segment; it hands back, per directed flow, the
 * flow's bytes in order and contiguous, so that a request or message split
 * across segments is read whole:
 *
 *     static size_t on_bytes(void *arg, const nd_reasm_flow_t *flow,
 *                            const uint8_t *data, size_t len, unsigned flags)
 *     {
 *         if (flags & ND_REASM_GAP)
 *             ...bytes are missing before data: resynchronise...
 *         ...parse whole messages at the front of data...
 *         return consumed;  (the rest comes again, with more after it)
 *     }
 *     nd_reasm_t *r = nd_chef_reasm(opts, err, errlen);    (in create())
 *     nd_reasm_packet(r, pkt, on_bytes, arg);              (in packet())
 *     nd_reasm_expire(r, nd_cook_time(cook), on_bytes, arg);   (in interval())
 *
 * Policy, per directed flow (addresses and ports):
 * - First copy wins, as in most IDSs: a byte is taken from the first segment
 *   that carried it; a retransmission or an overlap carrying other bytes for
 *   it is ignored (the classic evasion shows the first copy only).
 * - A segment after a missing one is held until the hole is filled. A hole is
 *   given up (delivery resumes after it, with ND_REASM_GAP) when it has been
 *   open for limits.hold seconds of capture time, when the flow's held and
 *   unconsumed bytes would pass limits.flow_bytes, or when all flows' would
 *   pass limits.total_bytes. The parser is told, so that it reports nothing
 *   from bytes that did not arrive.
 * - Unconsumed bytes are kept for the next call, within the same caps: a
 *   parser that consumes nothing of a full flow_bytes buffer loses it (counted
 *   in dropped_bytes, ND_REASM_GAP on the next call).
 * - A flow starts at its SYN, or at the first segment seen when the SYN was
 *   not (ND_REASM_GAP on its first bytes: the parser picks it up midway). A
 *   SYN on a known flow starts it again; an RST forgets it, as does a segment
 *   2^30 bytes away from it (a new connection on the same ports).
 * - At most limits.max_flows flows, the least recently seen evicted first
 *   (its held bytes lost); a flow idle for limits.idle seconds of capture time
 *   is forgotten by nd_reasm_expire(), its held bytes delivered first.
 * Memory counted against the caps is every byte held or kept plus a small
 * header per held segment; the flow table itself is fixed (max_flows entries).
 * Sequence numbers compare in serial arithmetic, so a flow may wrap 2^32.
 * Not thread-safe: one reassembler, one thread. */
#ifndef ND_REASM_H
#define ND_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/chef.h"
#include "netdumplings/packet.h"

/* The defaults, sized for a sensor; --chef-opt CHEF:KEY=VALUE changes them
 * for a chef that reassembles (nd_chef_reasm): max_flows, stream_flow_bytes,
 * stream_memory, stream_hold, stream_idle. */
#define ND_REASM_MAX_FLOWS 65536
#define ND_REASM_FLOW_BYTES 65536     /* 64 KiB */
#define ND_REASM_TOTAL_BYTES 67108864 /* 64 MiB */
#define ND_REASM_HOLD 3.0
#define ND_REASM_IDLE 300.0

typedef struct nd_reasm nd_reasm_t;

typedef struct {
    size_t max_flows;   /* directed flows tracked (>= 1) */
    size_t flow_bytes;  /* held + unconsumed bytes per flow (>= 1) */
    size_t total_bytes; /* the same over all flows (>= flow_bytes) */
    double hold;        /* seconds a hole stays open, capture time */
    double idle;        /* seconds after which a quiet flow is forgotten */
} nd_reasm_limits_t;

/* The flow bytes belong to, as the delivery callback sees it. */
typedef struct {
    nd_ip_t src, dst; /* sender and receiver of these bytes */
    uint16_t sport, dport;
    double ts; /* capture time of the segment that made them deliverable */
} nd_reasm_flow_t;

/* Bytes before `data` are missing (a hole given up, bytes dropped at a cap,
 * or a flow picked up midway): what was kept unconsumed is gone. */
#define ND_REASM_GAP 0x1u

/* Receives the flow's next contiguous bytes, any unconsumed ones of the last
 * call first. Returns how many of them it consumed, from the front: 0 to len,
 * or more than len to skip bytes still to come (a body of known length), which
 * are then dropped as they arrive, unbuffered; a hole given up inside them
 * does not count as a gap for the parser. */
typedef size_t(nd_reasm_fn)(void *arg, const nd_reasm_flow_t *flow, const uint8_t *data, size_t len,
                            unsigned flags);

/* What it did and gave up, since it was made. */
typedef struct {
    uint64_t segments;      /* TCP segments with payload handed in */
    uint64_t bytes;         /* bytes delivered (each once) */
    uint64_t retransmitted; /* segments with no byte not seen before */
    uint64_t out_of_order;  /* segments held for a hole */
    uint64_t gaps;          /* holes given up (hold time or caps), delivery resumed after */
    uint64_t dropped_bytes; /* bytes lost to caps, evictions and RSTs */
    uint64_t cap_hits;      /* times a per-flow or total cap was hit */
    uint64_t evicted;       /* flows evicted, the table being full */
    uint64_t timeouts;      /* flows forgotten after limits.idle */
    uint64_t memory;        /* bytes held now */
    uint64_t memory_peak;   /* the most ever held */
} nd_reasm_stats_t;

/* The defaults above. */
nd_reasm_limits_t nd_reasm_defaults(void);
/* Returns an empty reassembler, or NULL when out of memory. Owned by the
 * caller (but see nd_chef_reasm). Limits out of range are brought into it. */
nd_reasm_t *nd_reasm_new(const nd_reasm_limits_t *limits);
/* Frees it and everything it holds; accepts NULL and NULLs the pointer. */
void nd_reasm_destroy(nd_reasm_t **self_p);

/* Takes one packet: a TCP segment's payload is placed in its flow, and the
 * bytes that became contiguous are handed to fn (zero or more calls, each for
 * this packet's flow). Anything else is ignored. */
void nd_reasm_packet(nd_reasm_t *self, const nd_packet_t *pkt, nd_reasm_fn *fn, void *arg);

/* At capture time `now`: gives up holes open longer than limits.hold and
 * forgets flows idle longer than limits.idle, handing what they held to fn. */
void nd_reasm_expire(nd_reasm_t *self, double now, nd_reasm_fn *fn, void *arg);

void nd_reasm_stats(const nd_reasm_t *self, nd_reasm_stats_t *out);
/* Adds b's counters to a (memory and memory_peak too). */
void nd_reasm_stats_add(nd_reasm_stats_t *a, const nd_reasm_stats_t *b);

/* For a chef's create(): the chef's reassembler, made on the first call with
 * the limits of its --chef-opt options (above), or NULL with err set. It
 * belongs to the kitchen, which frees it after the chef's destroy() and adds
 * its counters to the kitchen's (nd_kitchen_reasm_stats, the heartbeat). */
nd_reasm_t *nd_chef_reasm(const nd_chef_opts_t *opts, char *err, size_t errlen);

#endif
