/* SPDX-License-Identifier: MIT */
/* dns_lookup.c: DNSLookupChef: every name DNS, mDNS (RFC 6762) and LLMNR
 * (RFC 4795) queries ask for, and counts per name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"
#include "netdumplings/cli.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/lru.h"
#include "netdumplings/reasm.h"

/* Hostnames come from the network, so the table is bounded (least recently
 * seen names go first) and hashed with a secret key (nd_lru_t uses SipHash) so
 * that nobody can send names that all land in one bucket. */
#define S_DEFAULT_MAX_NAMES "10000"
/* DNS, mDNS and LLMNR: a query on any of these ports (either end) is a lookup. */
#define S_DEFAULT_PORTS "53,5353,5355"
/* UDP ports that other protocols share (443: QUIC, and DNSCrypt's certificate
 * queries): a datagram there is read only when it is a plain query. */
#define S_DEFAULT_SHARED_PORTS "443"
#define S_MAX_PORTS 16

typedef struct {
    uint64_t count;
    double latest;
} s_seen_t;

typedef struct {
    nd_lru_t *seen; /* the names looked up, presentation form (no NUL) -> s_seen_t */
    uint16_t ports[S_MAX_PORTS];
    size_t nports;
    uint16_t shared[S_MAX_PORTS]; /* UDP only, plain queries only */
    size_t nshared;
    nd_reasm_t *reasm; /* the TCP streams (the kitchen's to free) */
} s_state_t;

/* Counts one lookup of `name` at `when`, making it the most recently seen. */
static int s_count(s_state_t *self, const char *name, double when)
{
    s_seen_t *seen = nd_lru_get(self->seen, name, strlen(name), NULL);
    if (!seen)
        return -1;
    seen->count++;
    seen->latest = when;
    return 0;
}

/* ---- Names as UTF-8 ------------------------------------------------------ */

/* The dissector already gives the presentation form, with "\DDD" for bytes that
 * are not printable; a dumpling must be UTF-8 and one bad name would otherwise
 * spoil every later lookups_seen, so any byte >= 0x80 that slipped through is
 * escaped the same way here. */
static const char *s_presentable(const char *name, char *buf, size_t len)
{
    if (nd_utf8_valid(name, strlen(name)))
        return name;
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)name; *s && o + 5 < len; s++) {
        if (*s < 0x80)
            buf[o++] = (char)*s;
        else
            o += (size_t)snprintf(buf + o, len - o, "\\%03u", *s);
    }
    buf[o] = '\0';
    return buf;
}

/* ---- The chef ------------------------------------------------------------ */

/* Option `key`, "53,5353,5355" (',' or '+' between ports: '+' survives
 * ND_CHEF_OPT, whose list is comma-separated), into ports[]; "0" is none. */
static int s_parse_ports(const char *key, const char *text, uint16_t *ports, size_t *nports,
                         char *err, size_t errlen)
{
    const char *s = text;
    *nports = 0;
    if (strcmp(text, "0") == 0)
        return 0;
    while (*s) {
        char *end;
        long port = strtol(s, &end, 10);
        if (end == s || port < 1 || port > 65535 || (*end && *end != ',' && *end != '+') ||
            *nports == S_MAX_PORTS)
            return nd_errf(err, errlen,
                           "%s must be 1 to %d port numbers separated by ',', not '%s'", key,
                           S_MAX_PORTS, text);
        ports[(*nports)++] = (uint16_t)port;
        s = *end ? end + 1 : end;
    }
    if (*nports == 0)
        return nd_errf(err, errlen, "%s must name at least one port", key);
    return 0;
}

static bool s_in(const uint16_t *ports, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (self) {
        nd_lru_destroy(&self->seen);
        free(self);
    }
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max;
    if (nd_chef_opt_long(opts, "max_names", S_DEFAULT_MAX_NAMES, 1, 10000000, &max, err, errlen) <
        0)
        return -1;
    s_state_t *self = calloc(1, sizeof *self);
    if (!self || !(self->seen = nd_lru_new((size_t)max, sizeof(s_seen_t)))) {
        s_destroy(self);
        return nd_errf(err, errlen, "out of memory");
    }
    if (!(self->reasm = nd_chef_reasm(opts, err, errlen))) {
        s_destroy(self);
        return -1;
    }
    if (s_parse_ports("ports", nd_chef_opt(opts, "ports", S_DEFAULT_PORTS), self->ports,
                      &self->nports, err, errlen) < 0 ||
        s_parse_ports("shared_ports", nd_chef_opt(opts, "shared_ports", S_DEFAULT_SHARED_PORTS),
                      self->shared, &self->nshared, err, errlen) < 0) {
        s_destroy(self);
        return -1;
    }
    nd_lru_warn_evictions(self->seen, "DNSLookupChef", "names");
    *state = self;
    return 0;
}

/* The protocol a port speaks: mDNS on 5353 (RFC 6762), LLMNR on 5355 (RFC
 * 4795), plain DNS on any other watched port. */
static const char *s_protocol(uint16_t sport, uint16_t dport)
{
    if (sport == 5353 || dport == 5353)
        return "mdns";
    if (sport == 5355 || dport == 5355)
        return "llmnr";
    return "dns";
}

/* Every question of one query message: a dumpling and a count each. */
static int s_message(s_state_t *self, const uint8_t *msg, size_t len, const char *protocol,
                     double ts, nd_cook_t *cook)
{
    nd_dns_msg_t m;
    /* Queries only: responses repeat the question. Standard queries only:
     * other opcodes (NOTIFY, UPDATE, ...) are not lookups. */
    if (nd_dns_msg_open(&m, msg, len) != ND_APP_OK || m.qr || m.opcode != 0)
        return 0;
    int rc = 0;
    char raw[ND_DNS_NAME_MAX], buf[ND_DNS_NAME_MAX];
    uint16_t qtype, qclass;
    const char *why;
    /* Questions up to the first broken one: those before it did arrive whole. */
    while (nd_dns_msg_question(&m, raw, sizeof raw, &qtype, &qclass, &why) == ND_APP_OK) {
        const char *name = s_presentable(raw, buf, sizeof buf);
        if (s_count(self, name, ts) < 0)
            rc = -1;
        nd_payload_t *p = nd_cook_begin(cook);
        nd_pl_map(p);
        nd_pl_key(p, "lookup");
        nd_pl_map(p);
        nd_pl_kv_str(p, "hostname", name);
        nd_pl_kv_double(p, "when", ts);
        nd_pl_kv_str(p, "protocol", protocol);
        nd_pl_end(p);
        nd_pl_end(p);
        if (nd_cook_serve(cook) < 0)
            rc = -1;
    }
    return rc;
}

/* A plain query, as a datagram on a shared port must be to be read: QR 0,
 * opcode 0, no flag a query never sets (AA, TC, Z) and RCODE 0, 1 to 4
 * questions, no answer or authority records, at most one additional record
 * (EDNS), and every question whole. Random bytes (QUIC) pass with a chance
 * below 2^-40. */
static bool s_plain_query(const uint8_t *p, size_t n)
{
    if (n < 12 || (p[2] & 0xfe) != 0 || (p[3] & 0x4f) != 0)
        return false;
    unsigned qd = (unsigned)p[4] << 8 | p[5], an = (unsigned)p[6] << 8 | p[7];
    unsigned ns = (unsigned)p[8] << 8 | p[9], ar = (unsigned)p[10] << 8 | p[11];
    if (qd < 1 || qd > 4 || an != 0 || ns != 0 || ar > 1)
        return false;
    nd_dns_msg_t m;
    char name[ND_DNS_NAME_MAX];
    uint16_t qtype, qclass;
    const char *why;
    int rc;
    if (nd_dns_msg_open(&m, p, n) != ND_APP_OK)
        return false;
    while ((rc = nd_dns_msg_question(&m, name, sizeof name, &qtype, &qclass, &why)) == ND_APP_OK)
        ;
    return rc == ND_APP_NOT_MINE;
}

/* One packet's worth of stream bytes being read. */
typedef struct {
    s_state_t *self;
    nd_cook_t *cook;
    int rc;
} s_ctx_t;

/* A TCP stream's next bytes: over TCP every message has a 2-byte length (RFC
 * 1035 4.2.2), and one segment may hold several (RFC 7766 6.2.1.1) or a part
 * of one: each is read once it is whole, wherever the segments cut it. A
 * response (QR set) is skipped as it comes, unbuffered. After a gap (or on a
 * flow picked up midway) a message is taken to start where the bytes start,
 * as it does at a segment's start; a length too short for a header there
 * passes over what came. */
static size_t s_stream(void *arg, const nd_reasm_flow_t *flow, const uint8_t *data, size_t len,
                       unsigned flags)
{
    s_ctx_t *ctx = arg;
    size_t off = 0;
    while (len - off >= 2) {
        size_t mlen = (size_t)data[off] << 8 | data[off + 1];
        if (mlen < 12 && (flags & ND_REASM_GAP) && off == 0)
            return len;
        if (len - off >= 5 && (data[off + 4] & 0x80))
            return off + 2 + mlen; /* a response: skipped, even beyond len */
        if (mlen > len - off - 2)
            break; /* the rest is yet to come */
        if (s_message(ctx->self, data + off + 2, mlen, s_protocol(flow->sport, flow->dport),
                      flow->ts, ctx->cook) < 0)
            ctx->rc = -1;
        off += 2 + mlen;
    }
    return off;
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    bool udp = ND_HAS(pkt, ND_L_UDP);
    /* Over TCP a bare SYN or RST starts or ends a stream. */
    if (pkt->l7_len == 0 && udp)
        return 0;
    if (!s_in(self->ports, self->nports, pkt->sport) &&
        !s_in(self->ports, self->nports, pkt->dport)) {
        if (!udp ||
            !(s_in(self->shared, self->nshared, pkt->sport) ||
              s_in(self->shared, self->nshared, pkt->dport)) ||
            !s_plain_query(pkt->l7, pkt->l7_len))
            return 0;
    }
    const char *protocol = s_protocol(pkt->sport, pkt->dport);
    if (udp)
        return s_message(self, pkt->l7, pkt->l7_len, protocol, pkt->ts, cook);
    s_ctx_t ctx = {self, cook, 0};
    nd_reasm_packet(self->reasm, pkt, s_stream, &ctx);
    return ctx.rc;
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    s_ctx_t ctx = {self, cook, 0};
    nd_reasm_expire(self->reasm, nd_cook_time(cook), s_stream, &ctx);
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_key(p, "lookups_seen");
    nd_pl_map(p);
    /* Least to most recently seen: the expected payloads list them so. */
    for (const s_seen_t *seen = nd_lru_first(self->seen); seen; seen = nd_lru_next(self->seen)) {
        size_t len;
        const char *name = nd_lru_cursor(self->seen, &len);
        nd_pl_keyn(p, name, len);
        nd_pl_map(p);
        nd_pl_kv_uint(p, "count", seen->count);
        nd_pl_kv_double(p, "latest", seen->latest);
        nd_pl_end(p);
    }
    nd_pl_end(p);
    /* Only once the bound was hit, so that a normal payload is exactly the
     * Python chef's. */
    if (nd_lru_evicted(self->seen))
        nd_pl_kv_uint(p, "lookups_evicted", nd_lru_evicted(self->seen));
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_dns_lookup = {
    .abi = ND_CHEF_ABI,
    .name = "DNSLookupChef",
    .summary = "every hostname looked up in a DNS, mDNS or LLMNR query; every poke, counts "
               "per hostname (options max_names, default " S_DEFAULT_MAX_NAMES
               ", ports, default " S_DEFAULT_PORTS ", shared_ports, default " S_DEFAULT_SHARED_PORTS
               ", and the TCP stream options max_flows, stream_flow_bytes, stream_memory, "
               "stream_hold, stream_idle)",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_dns_lookup)
