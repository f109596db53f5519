/* SPDX-License-Identifier: MIT */
/* tls_client_hello.c: TLSClientHelloChef, which reports every TLS ClientHello
 * on any TCP port and in QUIC Initial packets: the server name (SNI), the TLS
 * versions offered, ALPN, and the client and server addresses. A hello split
 * over TCP segments is put back together in a small, bounded buffer per flow;
 * one split over QUIC packets, by netdumplings/quic.h. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/protonum.h"
#include "netdumplings/quic.h"
#include "netdumplings/stream.h"

/* Flows waiting for the rest of a hello. Few are ever pending at once (a hello
 * is normally one segment), so a small table searched linearly will do; when
 * it is full the oldest pending flow is given up. */
#define S_MAX_PENDING 32
/* A pending flow whose next segment has not come within this many seconds of
 * capture time is given up. */
#define S_PENDING_TIMEOUT 10.0

typedef struct {
    bool used;
    nd_ip_t src, dst;
    uint16_t sport, dport;
    uint32_t next_seq; /* the sequence number the next segment must start at */
    double since;
    size_t len;
    uint8_t *data; /* ND_TLS_MAX_RECORD bytes */
} s_flow_t;

#define S_DEFAULT_MAX_FLOWS "65536"
/* QUIC connections followed at once (pending hellos, and reported ones so
 * that a retransmitted Initial is not reported again), and the UDP port of
 * QUIC servers, 0 for any: an Initial packet is known by its version and
 * its AEAD tag, not by its port. */
#define S_DEFAULT_QUIC_FLOWS "4096"
#define S_DEFAULT_QUIC_PORT "0"
/* A QUIC connection unseen for this many seconds of capture time is
 * forgotten. */
#define S_QUIC_TIMEOUT 60.0

typedef struct {
    s_flow_t flows[S_MAX_PENDING];
    nd_tls_hello_t hello;
    nd_stream_t *stream; /* which segments are new: no hello read twice */
    nd_quic_t *quic;
    long quic_port;
} s_state_t;

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (!self)
        return;
    for (size_t i = 0; i < S_MAX_PENDING; i++)
        free(self->flows[i].data);
    nd_stream_destroy(&self->stream);
    if (self->quic && nd_quic_count(self->quic, ND_QUIC_UNDECRYPTABLE))
        nd_info("TLSClientHelloChef: QUIC: %llu hellos, %llu Initial packets not decrypted, "
                "%llu connections given up",
                (unsigned long long)nd_quic_count(self->quic, ND_QUIC_HELLOS),
                (unsigned long long)nd_quic_count(self->quic, ND_QUIC_UNDECRYPTABLE),
                (unsigned long long)nd_quic_count(self->quic, ND_QUIC_GIVEN_UP));
    nd_quic_destroy(&self->quic);
    free(self);
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max, quic_flows, quic_port;
    if (nd_chef_opt_long(opts, "max_flows", S_DEFAULT_MAX_FLOWS, 1, 10000000, &max, err, errlen) <
            0 ||
        nd_chef_opt_long(opts, "quic_flows", S_DEFAULT_QUIC_FLOWS, 1, 1000000, &quic_flows, err,
                         errlen) < 0 ||
        nd_chef_opt_long(opts, "quic_port", S_DEFAULT_QUIC_PORT, 0, 65535, &quic_port, err,
                         errlen) < 0)
        return -1;
    s_state_t *self = calloc(1, sizeof *self);
    if (!self || !(self->stream = nd_stream_new((size_t)max)) ||
        !(self->quic = nd_quic_new((size_t)quic_flows, S_QUIC_TIMEOUT))) {
        s_destroy(self);
        return nd_errf(err, errlen, "out of memory");
    }
    self->quic_port = quic_port;
    *state = self;
    return 0;
}

static s_flow_t *s_find(s_state_t *self, const nd_packet_t *pkt)
{
    for (size_t i = 0; i < S_MAX_PENDING; i++) {
        s_flow_t *f = &self->flows[i];
        if (f->used && f->sport == pkt->sport && f->dport == pkt->dport &&
            nd_ip_equal(&f->src, &pkt->src) && nd_ip_equal(&f->dst, &pkt->dst))
            return f;
    }
    return NULL;
}

/* A free slot, else the one pending longest. */
static s_flow_t *s_slot(s_state_t *self)
{
    s_flow_t *oldest = &self->flows[0];
    for (size_t i = 0; i < S_MAX_PENDING; i++) {
        if (!self->flows[i].used)
            return &self->flows[i];
        if (self->flows[i].since < oldest->since)
            oldest = &self->flows[i];
    }
    return oldest;
}

static void s_addr(nd_payload_t *p, const char *key, const nd_ip_t *ip)
{
    char buf[64];
    nd_pl_kv_str(p, key, nd_ip_str(ip, buf, sizeof buf));
}

static int s_serve(s_state_t *self, const nd_packet_t *pkt, const char *transport, nd_cook_t *cook)
{
    const nd_tls_hello_t *h = &self->hello;
    char buf[16];
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_str(p, "server_name", h->has_sni ? h->sni : NULL);
    /* supported_versions replaces legacy_version when present (RFC 8446
     * 4.2.1); GREASE values (RFC 8701) are not versions. */
    nd_pl_key(p, "versions");
    nd_pl_array(p);
    if (h->nversions) {
        for (size_t i = 0; i < h->nversions; i++)
            if (!nd_tls_is_grease(h->versions[i]))
                nd_pl_str(p, nd_tls_version_name(h->versions[i], buf, sizeof buf));
    } else {
        nd_pl_str(p, nd_tls_version_name(h->legacy_version, buf, sizeof buf));
    }
    nd_pl_end(p);
    nd_pl_kv_str(p, "legacy_version", nd_tls_version_name(h->legacy_version, buf, sizeof buf));
    nd_pl_key(p, "alpn");
    nd_pl_array(p);
    for (size_t i = 0; i < h->nalpn; i++)
        nd_pl_str(p, h->alpn[i]);
    nd_pl_end(p);
    s_addr(p, "client", &pkt->src);
    nd_pl_kv_uint(p, "client_port", pkt->sport);
    s_addr(p, "server", &pkt->dst);
    nd_pl_kv_uint(p, "server_port", pkt->dport);
    nd_pl_kv_double(p, "time", pkt->ts);
    nd_pl_kv_bool(p, "truncated", h->sni_truncated || h->versions_truncated || h->alpn_truncated);
    nd_pl_kv_str(p, "transport", transport);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

/* Appends this segment to a pending flow and tries again. */
static int s_continue(s_state_t *self, s_flow_t *f, const nd_packet_t *pkt, nd_cook_t *cook)
{
    if (pkt->tcp_seq != f->next_seq || f->len + pkt->l7_len > ND_TLS_MAX_RECORD ||
        pkt->ts - f->since > S_PENDING_TIMEOUT) {
        /* Out of order, retransmitted, or too big: give the flow up and
         * read this segment on its own. */
        f->used = false;
        return 1;
    }
    memcpy(f->data + f->len, pkt->l7, pkt->l7_len);
    f->len += pkt->l7_len;
    f->next_seq += (uint32_t)pkt->l7_len;
    int rc = nd_tls_client_hello(f->data, f->len, &self->hello);
    if (rc == ND_APP_INCOMPLETE)
        return 0;
    f->used = false;
    return rc == ND_APP_OK ? s_serve(self, pkt, "tcp", cook) : 0;
}

/* Where the first handshake record of the segment starts: past any whole
 * records of another type before it, as the ChangeCipherSpec that a client
 * sends before its second ClientHello after a HelloRetryRequest (RFC 8446
 * 4.1.4, D.4). 0 when the segment does not start with such records. */
static size_t s_skip_records(const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (n - off >= 5 && p[off] >= 20 && p[off] <= 24 && p[off] != 22 && p[off + 1] == 3) {
        size_t len = (size_t)p[off + 3] << 8 | p[off + 4];
        if (len > n - off - 5)
            return 0;
        off += 5 + len;
    }
    return off < n && p[off] == 22 ? off : 0;
}

/* A UDP datagram: QUIC Initial packets from a client. */
static int s_datagram(s_state_t *self, const nd_packet_t *pkt, nd_cook_t *cook)
{
    if (self->quic_port != 0 && pkt->dport != self->quic_port)
        return 0;
    if (nd_quic_client_hello(self->quic, pkt, &self->hello) != ND_APP_OK)
        return 0;
    return s_serve(self, pkt, "quic", cook);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    /* The innermost transport (a UDP tunnel sets the UDP bit on TCP too). */
    if (ND_HAS(pkt, ND_L_UDP) && pkt->ip_proto == ND_IPPROTO_UDP && pkt->l7_len > 0)
        return s_datagram(self, pkt, cook);
    /* A retransmitted or duplicated segment is not read again. */
    if (!ND_HAS(pkt, ND_L_TCP) || pkt->l7_len == 0 || !nd_stream_fresh(self->stream, pkt))
        return 0;
    s_flow_t *f = s_find(self, pkt);
    if (f) {
        int rc = s_continue(self, f, pkt, cook);
        if (rc <= 0)
            return rc;
    }
    size_t skip = s_skip_records(pkt->l7, pkt->l7_len);
    const uint8_t *l7 = pkt->l7 + skip;
    size_t l7_len = pkt->l7_len - skip;
    int rc = nd_tls_client_hello(l7, l7_len, &self->hello);
    if (rc == ND_APP_OK)
        return s_serve(self, pkt, "tcp", cook);
    if (rc != ND_APP_INCOMPLETE)
        return 0;
    f = s_slot(self);
    if (!f->data && !(f->data = malloc(ND_TLS_MAX_RECORD)))
        return -1;
    f->used = true;
    f->src = pkt->src;
    f->dst = pkt->dst;
    f->sport = pkt->sport;
    f->dport = pkt->dport;
    f->next_seq = pkt->tcp_seq + (uint32_t)pkt->l7_len;
    f->since = pkt->ts;
    f->len = l7_len < ND_TLS_MAX_RECORD ? l7_len : ND_TLS_MAX_RECORD;
    memcpy(f->data, l7, f->len);
    return 0;
}

const nd_chef_def_t nd_chef_tls_client_hello = {
    .abi = ND_CHEF_ABI,
    .name = "TLSClientHelloChef",
    .summary = "every TLS ClientHello on any TCP port and in QUIC Initial packets: server name "
               "(SNI), versions, ALPN, addresses (options max_flows, default " S_DEFAULT_MAX_FLOWS
               ", quic_flows, default " S_DEFAULT_QUIC_FLOWS
               ", quic_port, default " S_DEFAULT_QUIC_PORT " for any)",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
};

ND_CHEF_MODULE(&nd_chef_tls_client_hello)
