/* http_request.c: HTTPRequestChef, which reports every HTTP/1.x request seen
 * in a TCP segment on any port (the one it starts with and those pipelined
 * after it) and every SSDP request over UDP: method, host, path, user agent,
 * and the client and server addresses. */
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"
#include "netdumplings/stream.h"

#define S_DEFAULT_MAX_FLOWS "65536"

typedef struct {
    nd_http_request_t r; /* 2 KB: kept here rather than on the stack */
    nd_stream_t *stream; /* which segments are new: no request read twice */
} s_state_t;

static void s_destroy(void *state)
{
    s_state_t *self = state;
    if (self) {
        nd_stream_destroy(&self->stream);
        free(self);
    }
}

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    long max;
    if (nd_chef_opt_long(opts, "max_flows", S_DEFAULT_MAX_FLOWS, 1, 10000000, &max, err, errlen) <
        0)
        return -1;
    s_state_t *self = calloc(1, sizeof *self);
    if (!self || !(self->stream = nd_stream_new((size_t)max))) {
        s_destroy(self);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *state = self;
    return 0;
}

/* SSDP (UPnP Device Architecture 1.1): HTTP requests over UDP on 1900. */
#define S_SSDP_PORT 1900

static int s_serve(const nd_http_request_t *r, const nd_packet_t *pkt, const char *transport,
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

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    s_state_t *self = state;
    nd_http_request_t *r = &self->r;
    if (pkt->l7_len == 0)
        return 0;
    if (ND_HAS(pkt, ND_L_UDP)) {
        if ((pkt->sport != S_SSDP_PORT && pkt->dport != S_SSDP_PORT) ||
            nd_http_request(pkt->l7, pkt->l7_len, r) != ND_APP_OK)
            return 0;
        return s_serve(r, pkt, "udp", cook);
    }
    /* A retransmitted or duplicated segment is not read again. */
    if (!nd_stream_fresh(self->stream, pkt))
        return 0;
    /* Each segment on its own, from its start: the requests pipelined in it
     * (RFC 9112 9.3.2) follow one another, each after the previous one's
     * head and body, as long as a body's length is known. */
    int rc = 0;
    size_t off = 0;
    while (off < pkt->l7_len && nd_http_request(pkt->l7 + off, pkt->l7_len - off, r) == ND_APP_OK) {
        if (s_serve(r, pkt, "tcp", cook) < 0)
            rc = -1;
        if (!r->headers_complete || r->body_unknown ||
            r->content_length > pkt->l7_len - off - r->head_len)
            break;
        off += r->head_len + (size_t)r->content_length;
    }
    return rc;
}

const nd_chef_def_t nd_chef_http_request = {
    .abi = ND_CHEF_ABI,
    .name = "HTTPRequestChef",
    .summary = "every HTTP/1.x request on any TCP port (pipelined ones too) and SSDP over "
               "UDP: method, host, path, user agent, addresses (option max_flows, "
               "default " S_DEFAULT_MAX_FLOWS ")",
    .create = s_create,
    .destroy = s_destroy,
    .packet = s_packet,
};

ND_CHEF_MODULE(&nd_chef_http_request)
