/* SPDX-License-Identifier: MIT */
/* stream.c: which TCP segments carry bytes not seen before on their flow
 * (stream.h): per directed flow, the highest sequence number seen and a few
 * holes below it, in a bounded table. Sequence numbers compare in serial
 * arithmetic (RFC 1982), so a flow may wrap around 2^32. */
#include "netdumplings/stream.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/lru.h"
#include "netdumplings/protonum.h"
#include "tcpflow.h"

typedef struct {
    uint32_t from, to; /* [from, to): not seen yet */
} s_hole_t;

typedef struct {
    bool started;
    uint8_t nholes;
    uint32_t high; /* one past the highest byte seen */
    double last;   /* capture time of the flow's last segment */
    s_hole_t holes[ND_STREAM_HOLES];
} s_flow_t;

struct nd_stream {
    nd_lru_t *flows; /* key: nd_flow_key(), value: s_flow_t */
    nd_stream_stats_t stats;
};

nd_stream_t *nd_stream_new(size_t max_flows)
{
    nd_stream_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->flows = nd_lru_new(max_flows ? max_flows : 1, sizeof(s_flow_t));
    if (!self->flows) {
        free(self);
        return NULL;
    }
    return self;
}

void nd_stream_destroy(nd_stream_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_lru_destroy(&(*self_p)->flows);
    free(*self_p);
    *self_p = NULL;
}

static void s_restart(s_flow_t *f, uint32_t high, double ts)
{
    memset(f, 0, sizeof *f);
    f->started = true;
    f->high = high;
    f->last = ts;
}

/* Opens the hole [from, to), giving up the oldest when there is no room. */
static void s_add_hole(nd_stream_t *self, s_flow_t *f, uint32_t from, uint32_t to)
{
    if (f->nholes == ND_STREAM_HOLES) {
        memmove(f->holes, f->holes + 1, (ND_STREAM_HOLES - 1) * sizeof f->holes[0]);
        f->nholes--;
        self->stats.holes_dropped++;
    }
    f->holes[f->nholes].from = from;
    f->holes[f->nholes].to = to;
    f->nholes++;
}

/* A segment [start, end) whose start lies in hole i: the hole shrinks, or
 * splits in two when the segment falls in its middle. */
static void s_fill(nd_stream_t *self, s_flow_t *f, size_t i, uint32_t start, uint32_t end)
{
    s_hole_t h = f->holes[i];
    memmove(f->holes + i, f->holes + i + 1, (f->nholes - i - 1) * sizeof f->holes[0]);
    f->nholes--;
    if (nd_tcp_seq_diff(start, h.from) > 0)
        s_add_hole(self, f, h.from, start);
    if (nd_tcp_seq_diff(end, h.to) < 0)
        s_add_hole(self, f, end, h.to);
}

bool nd_stream_fresh(nd_stream_t *self, const nd_packet_t *pkt)
{
    if (!ND_HAS(pkt, ND_L_TCP))
        return false;
    bool syn = pkt->tcp_flags & ND_TCP_SYN;
    if (pkt->l7_len == 0 && !syn)
        return false;
    uint8_t key[ND_FLOW_KEY_MAX];
    size_t klen = nd_flow_key(pkt, key);
    bool inserted = false;
    s_flow_t *f = nd_lru_get(self->flows, key, klen, &inserted);
    uint64_t evicted = nd_lru_evicted(self->flows);
    self->stats.evicted = evicted; /* the table counts them */
    /* The payload starts after the SYN's own sequence number. */
    uint32_t start = pkt->tcp_seq + (syn ? 1u : 0u);
    uint32_t end = start + (uint32_t)pkt->l7_len;
    if (!f)
        return pkt->l7_len > 0; /* out of memory: read it rather than lose it */
    if (syn || inserted || !f->started || pkt->ts - f->last > ND_STREAM_IDLE) {
        /* A new connection (or one we know nothing of): what it sends from
         * here on is new. */
        s_restart(f, end, pkt->ts);
        if (pkt->l7_len)
            self->stats.segments++;
        return pkt->l7_len > 0;
    }
    if (pkt->l7_len == 0)
        return false;
    self->stats.segments++;
    f->last = pkt->ts;
    int64_t d = nd_tcp_seq_diff(start, f->high);
    if (d > (int64_t)ND_TCP_FAR || d < -(int64_t)ND_TCP_FAR) {
        s_restart(f, end, pkt->ts);
        return true;
    }
    if (d >= 0) {
        if (d > 0) {
            s_add_hole(self, f, f->high, start);
            self->stats.gaps++;
        }
        f->high = end;
        return true;
    }
    for (size_t i = 0; i < f->nholes; i++) {
        if (nd_tcp_seq_diff(start, f->holes[i].from) >= 0 &&
            nd_tcp_seq_diff(start, f->holes[i].to) < 0) {
            s_fill(self, f, i, start, end);
            if (nd_tcp_seq_diff(end, f->high) > 0)
                f->high = end;
            self->stats.filled++;
            return true;
        }
    }
    /* Its first byte was seen: first copy wins. Bytes it has past the
     * highest seen are not read either; they count as seen. */
    if (nd_tcp_seq_diff(end, f->high) > 0)
        f->high = end;
    self->stats.retransmitted++;
    return false;
}

nd_stream_stats_t nd_stream_stats(const nd_stream_t *self)
{
    return self->stats;
}
