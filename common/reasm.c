/* SPDX-License-Identifier: MIT */
/* reasm.c: the bounded TCP stream reassembler (reasm.h). Per directed flow:
 * the next sequence number to deliver, the segments held beyond a hole (a
 * list sorted by sequence number, never overlapping: each holds only bytes no
 * earlier segment brought) and the bytes the parser left unconsumed. Flows
 * live in an nd_lru_t; its least recently used entry is flushed before the
 * table recycles it. Sequence numbers compare in serial arithmetic (RFC 1982). */
#include "netdumplings/reasm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/lru.h"
#include "netdumplings/protonum.h"
#include "tcpflow.h"

typedef struct s_seg {
    struct s_seg *next;
    double ts; /* when it arrived: the hole before the first one is that old */
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
} s_seg_t;

/* What a held segment costs against the caps. */
#define S_SEG_COST(len) (sizeof(s_seg_t) + (len))

typedef struct {
    bool live;
    bool gap;      /* the next delivery says ND_REASM_GAP */
    uint32_t next; /* the next byte to deliver */
    uint64_t skip; /* bytes the parser consumed before they came: dropped as they come */
    double last;   /* capture time of its last segment */
    s_seg_t *held; /* beyond a hole, by sequence number */
    size_t mem;    /* held segments' cost + buf_cap */
    uint8_t *buf;  /* unconsumed bytes */
    size_t buf_len, buf_cap;
} s_flow_t; /* small: the table holds max_flows of them; the addresses are the key's */

struct nd_reasm {
    nd_reasm_limits_t lim;
    nd_lru_t *flows; /* key: nd_flow_key(), value: s_flow_t */
    nd_reasm_stats_t stats;
    nd_reasm_fn *fn; /* of the call in progress */
    void *arg;
    nd_reasm_flow_t flow; /* the flow being delivered */
};

nd_reasm_limits_t nd_reasm_defaults(void)
{
    return (nd_reasm_limits_t){ND_REASM_MAX_FLOWS, ND_REASM_FLOW_BYTES, ND_REASM_TOTAL_BYTES,
                               ND_REASM_HOLD, ND_REASM_IDLE};
}

nd_reasm_t *nd_reasm_new(const nd_reasm_limits_t *limits)
{
    nd_reasm_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->lim = limits ? *limits : nd_reasm_defaults();
    if (self->lim.max_flows < 1)
        self->lim.max_flows = 1;
    if (self->lim.flow_bytes < 1)
        self->lim.flow_bytes = 1;
    if (self->lim.total_bytes < self->lim.flow_bytes)
        self->lim.total_bytes = self->lim.flow_bytes;
    if (!(self->lim.hold >= 0))
        self->lim.hold = 0;
    if (!(self->lim.idle >= 0))
        self->lim.idle = 0;
    self->flows = nd_lru_new(self->lim.max_flows, sizeof(s_flow_t));
    if (!self->flows) {
        free(self);
        return NULL;
    }
    return self;
}

static void s_mem(nd_reasm_t *self, s_flow_t *f, size_t add, size_t sub)
{
    f->mem = f->mem + add - sub;
    self->stats.memory = self->stats.memory + add - sub;
    if (self->stats.memory > self->stats.memory_peak)
        self->stats.memory_peak = self->stats.memory;
}

static void s_free_buf(nd_reasm_t *self, s_flow_t *f)
{
    s_mem(self, f, 0, f->buf_cap);
    free(f->buf);
    f->buf = NULL;
    f->buf_len = f->buf_cap = 0;
}

/* Frees everything the flow holds, counting held bytes as dropped. */
static void s_clear(nd_reasm_t *self, s_flow_t *f)
{
    while (f->held) {
        s_seg_t *s = f->held;
        f->held = s->next;
        self->stats.dropped_bytes += s->len;
        s_mem(self, f, 0, S_SEG_COST(s->len));
        free(s);
    }
    s_free_buf(self, f);
    f->live = false;
}

void nd_reasm_destroy(nd_reasm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_reasm_t *self = *self_p;
    for (s_flow_t *f = nd_lru_first(self->flows); f; f = nd_lru_next(self->flows))
        s_clear(self, f);
    nd_lru_destroy(&self->flows);
    free(self);
    *self_p = NULL;
}

/* ---- Delivery ------------------------------------------------------------ */

/* The flow of a key (nd_flow_key()), at capture time ts, for the parser. */
static void s_key_flow(nd_reasm_t *self, const uint8_t *key, size_t len, double ts)
{
    nd_reasm_flow_t *fl = &self->flow;
    memset(fl, 0, sizeof *fl);
    fl->ts = ts;
    size_t alen = key && key[0] == AF_INET6 ? 16 : 4;
    if (!key || len != 1 + 2 * alen + 4)
        return;
    fl->src.family = fl->dst.family = key[0];
    memcpy(fl->src.bytes, key + 1, alen);
    memcpy(fl->dst.bytes, key + 1 + alen, alen);
    fl->sport = (uint16_t)(key[1 + 2 * alen] << 8 | key[2 + 2 * alen]);
    fl->dport = (uint16_t)(key[3 + 2 * alen] << 8 | key[4 + 2 * alen]);
}

static size_t s_call(nd_reasm_t *self, s_flow_t *f, const uint8_t *data, size_t len)
{
    unsigned flags = f->gap ? ND_REASM_GAP : 0;
    f->gap = false;
    size_t used = self->fn ? self->fn(self->arg, &self->flow, data, len, flags) : len;
    if (used > len)
        f->skip = used - len;
    return used < len ? used : len;
}

/* How large buf may grow, within both caps. */
static size_t s_buf_limit(const nd_reasm_t *self, const s_flow_t *f)
{
    size_t flow = self->lim.flow_bytes - (f->mem - f->buf_cap);
    size_t total = self->lim.total_bytes - (size_t)self->stats.memory;
    return f->buf_cap + total < flow ? f->buf_cap + total : flow;
}

/* Makes room for `need` bytes in buf; false when the caps (or malloc) refuse. */
static bool s_reserve(nd_reasm_t *self, s_flow_t *f, size_t need)
{
    if (need <= f->buf_cap)
        return true;
    size_t limit = s_buf_limit(self, f);
    if (need > limit)
        return false;
    size_t cap = f->buf_cap * 2 > need ? f->buf_cap * 2 : need;
    if (cap > limit)
        cap = limit;
    uint8_t *b = realloc(f->buf, cap);
    if (!b)
        return false;
    s_mem(self, f, cap, f->buf_cap);
    f->buf = b;
    f->buf_cap = cap;
    return true;
}

/* Drops the unconsumed bytes at a cap: the parser resynchronises after them. */
static void s_drop_buf(nd_reasm_t *self, s_flow_t *f)
{
    self->stats.dropped_bytes += f->buf_len;
    self->stats.cap_hits++;
    s_free_buf(self, f);
    f->gap = true;
}

/* Hands the flow's next `len` bytes to the parser, after what it left. */
static void s_push(nd_reasm_t *self, s_flow_t *f, const uint8_t *data, size_t len)
{
    self->stats.bytes += len;
    while (len > 0) {
        if (f->skip) {
            size_t k = f->skip < len ? (size_t)f->skip : len;
            f->skip -= k;
            data += k;
            len -= k;
            continue;
        }
        if (f->buf_len == 0) {
            size_t used = s_call(self, f, data, len);
            data += used;
            len -= used;
            if (len == 0)
                break;
            if (!s_reserve(self, f, len)) {
                /* It cannot be kept whole, and a part is no use. */
                self->stats.dropped_bytes += len;
                self->stats.cap_hits++;
                f->gap = true;
                break;
            }
            memcpy(f->buf, data, len);
            f->buf_len = len;
            break;
        }
        size_t limit = s_buf_limit(self, f);
        size_t n = limit > f->buf_len ? limit - f->buf_len : 0;
        if (n > len)
            n = len;
        if (n == 0 || !s_reserve(self, f, f->buf_len + n)) {
            s_drop_buf(self, f);
            continue;
        }
        memcpy(f->buf + f->buf_len, data, n);
        f->buf_len += n;
        data += n;
        len -= n;
        size_t used = s_call(self, f, f->buf, f->buf_len);
        f->buf_len -= used;
        if (f->buf_len == 0)
            s_free_buf(self, f);
        else if (used)
            memmove(f->buf, f->buf + used, f->buf_len);
    }
}

/* Delivers the held segments that start at the next byte. */
static void s_drain(nd_reasm_t *self, s_flow_t *f)
{
    while (f->held && f->held->seq == f->next) {
        s_seg_t *s = f->held;
        f->held = s->next;
        f->next += s->len;
        s_push(self, f, s->data, s->len);
        s_mem(self, f, 0, S_SEG_COST(s->len));
        free(s);
    }
}

/* Gives up the hole before `to` (or before the first held segment, when
 * that comes first): what was unconsumed is useless, delivery resumes there. */
static void s_give_up(nd_reasm_t *self, s_flow_t *f, uint32_t to)
{
    if (f->held && nd_tcp_seq_diff(f->held->seq, to) < 0)
        to = f->held->seq;
    self->stats.gaps++;
    uint32_t hole = to - f->next;
    if (f->skip >= hole && f->buf_len == 0) {
        f->skip -= hole; /* bytes the parser meant to skip anyway: it stays in step */
    } else {
        self->stats.dropped_bytes += f->buf_len;
        s_free_buf(self, f);
        f->skip = 0;
        f->gap = true;
    }
    f->next = to;
    s_drain(self, f);
}

/* Delivers everything held, giving up every hole, and forgets the flow. */
static void s_flush(nd_reasm_t *self, s_flow_t *f)
{
    while (f->held)
        s_give_up(self, f, f->held->seq);
    s_free_buf(self, f);
    f->live = false;
}

/* Gives up holes whose first held segment waited longer than the hold time. */
static void s_expire_holes(nd_reasm_t *self, s_flow_t *f, double now)
{
    while (f->held && now - f->held->ts > self->lim.hold)
        s_give_up(self, f, f->held->seq);
}

/* ---- Holding -------------------------------------------------------------- */

/* Holds the bytes of [seq, seq + len) (all after f->next) that no held
 * segment has: all of them or, when the caps refuse, none (false). */
static bool s_hold(nd_reasm_t *self, s_flow_t *f, uint32_t seq, const uint8_t *data, size_t len,
                   double ts)
{
    /* First the cost of the pieces between the held segments. */
    size_t cost = 0;
    uint32_t at = seq, end = seq + (uint32_t)len;
    for (s_seg_t *s = f->held; s && nd_tcp_seq_diff(at, end) < 0; s = s->next) {
        uint32_t s_end = s->seq + s->len;
        if (nd_tcp_seq_diff(s_end, at) <= 0)
            continue;
        if (nd_tcp_seq_diff(s->seq, at) > 0) {
            uint32_t piece_end = nd_tcp_seq_diff(s->seq, end) < 0 ? s->seq : end;
            cost += S_SEG_COST((size_t)(piece_end - at));
        }
        at = s_end;
    }
    if (nd_tcp_seq_diff(at, end) < 0)
        cost += S_SEG_COST((size_t)(end - at));
    if (cost == 0) {
        self->stats.retransmitted++;
        return true;
    }
    if (f->mem + cost > self->lim.flow_bytes || self->stats.memory + cost > self->lim.total_bytes)
        return false;
    /* Then the pieces, each before the first held segment after it. */
    self->stats.out_of_order++;
    s_seg_t **link = &f->held;
    at = seq;
    while (nd_tcp_seq_diff(at, end) < 0) {
        while (*link && nd_tcp_seq_diff((*link)->seq + (*link)->len, at) <= 0)
            link = &(*link)->next;
        if (*link && nd_tcp_seq_diff((*link)->seq, at) <= 0) { /* at is inside it: skip it */
            at = (*link)->seq + (*link)->len;
            continue;
        }
        uint32_t piece_end = *link && nd_tcp_seq_diff((*link)->seq, end) < 0 ? (*link)->seq : end;
        size_t n = (size_t)(piece_end - at);
        s_seg_t *p = malloc(S_SEG_COST(n));
        if (!p)
            return true; /* the rest is lost; it was counted as held */
        p->ts = ts;
        p->seq = at;
        p->len = (uint32_t)n;
        memcpy(p->data, data + (uint32_t)(at - seq), n);
        p->next = *link;
        *link = p;
        link = &p->next;
        s_mem(self, f, S_SEG_COST(n), 0);
        at = piece_end;
    }
    return true;
}

/* Places a segment's bytes: those at the next byte are delivered (with held
 * ones that follow), those after a hole held, those before it ignored. */
static void s_place(nd_reasm_t *self, s_flow_t *f, uint32_t seq, const uint8_t *data, size_t len,
                    double ts)
{
    if (nd_tcp_seq_diff(seq + (uint32_t)len, f->next) <= 0) {
        self->stats.retransmitted++;
        return;
    }
    while (len > 0) {
        int64_t d = nd_tcp_seq_diff(seq, f->next);
        if (d < 0) { /* delivered already: first copy wins */
            if ((uint64_t)-d >= len)
                return;
            data += -d;
            len -= (size_t)-d;
            seq = f->next;
            d = 0;
        }
        if (d == 0) {
            /* Up to the first held segment: its bytes came first. */
            size_t n = len;
            if (f->held && (uint64_t)nd_tcp_seq_diff(f->held->seq, f->next) < n)
                n = (size_t)nd_tcp_seq_diff(f->held->seq, f->next);
            f->next += (uint32_t)n;
            s_push(self, f, data, n);
            data += n;
            len -= n;
            seq += (uint32_t)n;
            s_drain(self, f);
            continue;
        }
        if (s_hold(self, f, seq, data, len, ts))
            return;
        /* No room: give up the first hole and try again. */
        self->stats.cap_hits++;
        s_give_up(self, f, seq);
    }
}

/* ---- The entry points ----------------------------------------------------- */

/* Starts (or restarts) the flow at `next`. */
static void s_start(s_flow_t *f, const nd_packet_t *pkt, uint32_t next, bool syn)
{
    memset(f, 0, sizeof *f);
    f->live = true;
    f->gap = !syn;
    f->next = next;
    f->last = pkt->ts;
}

/* The flow of `key`, added when `add` (else NULL when absent). A full table
 * recycles its least recently used entry: one that holds bytes is flushed
 * first (its key looked up apart, so that the common case, an entry that
 * holds nothing, costs one hash lookup). */
static s_flow_t *s_lookup(nd_reasm_t *self, const uint8_t *key, size_t klen, bool add, double ts)
{
    bool old_live = false;
    if (nd_lru_size(self->flows) == nd_lru_max(self->flows)) {
        s_flow_t *old = nd_lru_first(self->flows);
        if (old && old->live && (old->held || old->buf)) {
            size_t olen;
            uint8_t okey[1 + 16 + 16 + 4];
            const uint8_t *k = nd_lru_cursor(self->flows, &olen);
            if (!k || olen > sizeof okey)
                return NULL;
            memcpy(okey, k, olen);
            s_flow_t *f = nd_lru_find(self->flows, key, klen);
            if (f || !add)
                return f;
            /* Still the least recently used: a find of another key moves only that. */
            s_key_flow(self, okey, olen, ts);
            s_flush(self, old);
            self->stats.evicted++;
        } else {
            old_live = old && old->live;
        }
    }
    if (!add)
        return nd_lru_find(self->flows, key, klen);
    bool inserted = false;
    s_flow_t *f = nd_lru_get(self->flows, key, klen, &inserted);
    if (f && inserted && old_live)
        self->stats.evicted++;
    return f;
}

void nd_reasm_packet(nd_reasm_t *self, const nd_packet_t *pkt, nd_reasm_fn *fn, void *arg)
{
    if (!ND_HAS(pkt, ND_L_TCP))
        return;
    bool syn = pkt->tcp_flags & ND_TCP_SYN, rst = pkt->tcp_flags & ND_TCP_RST;
    if (pkt->l7_len == 0 && !syn && !rst)
        return;
    self->fn = fn;
    self->arg = arg;
    uint8_t key[ND_FLOW_KEY_MAX];
    size_t klen = nd_flow_key(pkt, key);
    s_flow_t *f = s_lookup(self, key, klen, syn || pkt->l7_len, pkt->ts);
    if (!f)
        return; /* out of memory, or an RST on a flow not known */
    self->flow = (nd_reasm_flow_t){pkt->src, pkt->dst, pkt->sport, pkt->dport, pkt->ts};
    if (f->live && pkt->ts - f->last > self->lim.idle) {
        s_flush(self, f);
        self->stats.timeouts++;
    }
    if (rst) {
        if (f->live)
            s_clear(self, f);
        return;
    }
    /* The payload starts after the SYN's own sequence number. */
    uint32_t start = pkt->tcp_seq + (syn ? 1u : 0u);
    if (syn || !f->live || nd_tcp_seq_diff(start, f->next) > (int64_t)ND_TCP_FAR ||
        nd_tcp_seq_diff(start, f->next) < -(int64_t)ND_TCP_FAR) {
        if (f->live)
            s_flush(self, f);
        s_start(f, pkt, start, syn);
    }
    f->last = pkt->ts;
    if (pkt->l7_len) {
        self->stats.segments++;
        s_place(self, f, start, pkt->l7, pkt->l7_len, pkt->ts);
    }
    s_expire_holes(self, f, pkt->ts);
}

void nd_reasm_expire(nd_reasm_t *self, double now, nd_reasm_fn *fn, void *arg)
{
    self->fn = fn;
    self->arg = arg;
    for (s_flow_t *f = nd_lru_first(self->flows); f; f = nd_lru_next(self->flows)) {
        if (!f->live)
            continue;
        size_t klen;
        const uint8_t *key = nd_lru_cursor(self->flows, &klen);
        s_key_flow(self, key, klen, now);
        if (now - f->last > self->lim.idle) {
            s_flush(self, f);
            self->stats.timeouts++;
        } else {
            s_expire_holes(self, f, now);
        }
    }
}

void nd_reasm_stats(const nd_reasm_t *self, nd_reasm_stats_t *out)
{
    *out = self->stats;
}

void nd_reasm_stats_add(nd_reasm_stats_t *a, const nd_reasm_stats_t *b)
{
    a->segments += b->segments;
    a->bytes += b->bytes;
    a->retransmitted += b->retransmitted;
    a->out_of_order += b->out_of_order;
    a->gaps += b->gaps;
    a->dropped_bytes += b->dropped_bytes;
    a->cap_hits += b->cap_hits;
    a->evicted += b->evicted;
    a->timeouts += b->timeouts;
    a->memory += b->memory;
    a->memory_peak += b->memory_peak;
}
