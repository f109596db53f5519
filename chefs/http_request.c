/* SPDX-License-Identifier: MIT */
/* http_request.c: HTTPRequestChef, which reports every HTTP/1.x request of a
 * TCP stream on any port (its head put back together from the segments it
 * spans, pipelined ones too) and every SSDP request over UDP: method, host,
 * path, user agent, and the client and server addresses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"
#include "netdumplings/err.h"
#include "netdumplings/reasm.h"

typedef struct {
    nd_http_request_t r; /* 2 KB: kept here rather than on the stack */
    nd_reasm_t *reasm;   /* the TCP streams (the kitchen's to free) */
} s_state_t;

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    s_state_t *self = calloc(1, sizeof *self);
    if (!self)
        return nd_errf(err, errlen, "out of memory");
    if (!(self->reasm = nd_chef_reasm(opts, err, errlen))) {
        free(self);
        return -1;
    }
    *state = self;
    return 0;
}

/* SSDP (UPnP Device Architecture 1.1): HTTP requests over UDP on 1900. */
#define S_SSDP_PORT 1900

static int s_serve(const nd_http_request_t *r, const nd_reasm_flow_t *pkt, const char *transport,
                   nd_cook_t *cook)
{
    char ip[64];
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_str(p, "method", r->method);
    nd_pl_kv_str(p, "host", r->has_host ? r->host : NULL);
    nd_pl_kv_str(p, "path", r->path);
    nd_pl_kv_str(p, "version", r->version);
    nd_pl_kv_str(p, "user_agent", r->has_user_agent ? r->user_agent : NULL);
    nd_pl_kv_str(p, "client", nd_ip_str(&pkt->src, ip, sizeof ip));
    nd_pl_kv_uint(p, "client_port", pkt->sport);
    nd_pl_kv_str(p, "server", nd_ip_str(&pkt->dst, ip, sizeof ip));
    nd_pl_kv_uint(p, "server_port", pkt->dport);
    nd_pl_kv_double(p, "time", pkt->ts);
    nd_pl_kv_bool(p, "truncated",
                  r->path_truncated || r->host_truncated || r->user_agent_truncated);
    nd_pl_kv_str(p, "transport", transport);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

/* One packet's worth of stream bytes being read. */
typedef struct {
    s_state_t *self;
    nd_cook_t *cook;
    int rc;
} s_ctx_t;

/* A TCP stream's next bytes: the requests at their front, each once its head
 * is whole (RFC 9112 2.2), then its body skipped when its length is known,
 * so that the next pipelined request (RFC 9112 9.3.2) is read after it.
 * Bytes that do not start a request are passed over up to where the
 * delivered bytes end, as tshark passes over a segment that does not start
 * one: after a gap too, reading resumes with the next request that starts a
 * segment. */
static size_t s_stream(void *arg, const nd_reasm_flow_t *flow, const uint8_t *data, size_t len,
                       unsigned flags)
{
    (void)flags;
    s_ctx_t *ctx = arg;
    nd_http_request_t *r = &ctx->self->r;
    size_t off = 0;
    while (off < len) {
        int rc = nd_http_request(data + off, len - off, r);
        if (rc == ND_APP_INCOMPLETE || (rc == ND_APP_OK && !r->headers_complete))
            return off; /* its head is not all here yet */
        if (rc != ND_APP_OK)
            return len;
        if (s_serve(r, flow, "tcp", ctx->cook) < 0)
            ctx->rc = -1;
        if (r->body_unknown)
            return len;
        off += r->head_len;
        if (r->content_length >= len - off)
            return off +
                   (r->content_length < SIZE_MAX / 2 ? (size_t)r->content_length : SIZE_MAX / 2);
        off += (size_t)r->content_length;
    }
    return off;
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_http_request_t *r = &self->r;
    if (ND_HAS(pkt, ND_L_UDP)) {
        if (pkt->l7_len == 0 || (pkt->sport != S_SSDP_PORT && pkt->dport != S_SSDP_PORT) ||
            nd_http_request(pkt->l7, pkt->l7_len, r) != ND_APP_OK)
            return 0;
        nd_reasm_flow_t flow = {pkt->src, pkt->dst, pkt->sport, pkt->dport, pkt->ts};
        return s_serve(r, &flow, "udp", cook);
    }
    s_ctx_t ctx = {self, cook, 0};
    nd_reasm_packet(self->reasm, pkt, s_stream, &ctx);
    return ctx.rc;
}

static int s_interval(void *state, nd_cook_t *cook)
{
    s_state_t *self = state;
    s_ctx_t ctx = {self, cook, 0};
    nd_reasm_expire(self->reasm, nd_cook_time(cook), s_stream, &ctx);
    return ctx.rc;
}

const nd_chef_def_t nd_chef_http_request = {
    .abi = ND_CHEF_ABI,
    .name = "HTTPRequestChef",
    .summary = "every HTTP/1.x request on any TCP port (heads across segments, pipelined "
               "ones too) and SSDP over UDP: method, host, path, user agent, addresses "
               "(stream options max_flows, stream_flow_bytes, stream_memory, stream_hold, "
               "stream_idle)",
    .create = s_create,
    .destroy = free,
    .packet = s_packet,
    .interval = s_interval,
};

ND_CHEF_MODULE(&nd_chef_http_request)
