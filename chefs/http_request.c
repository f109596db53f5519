/* http_request.c: HTTPRequestChef, which reports every HTTP/1.x request seen
 * at the start of a TCP segment on any port: method, host, path, user agent,
 * and the client and server addresses. */
#include <stdio.h>
#include <stdlib.h>

#include "netdumplings/app.h"
#include "netdumplings/chef.h"

static int s_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    /* The parsed request is 2 KB: kept here rather than on the stack. */
    return nd_chef_zeroed_state(state, sizeof(nd_http_request_t), err, errlen);
}

static int s_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    nd_http_request_t *r = state;
    /* Each segment on its own: a request line is nearly always in the first
     * segment of a request, and no reassembly means no per-flow state for
     * anyone to exhaust. */
    if (!ND_HAS(pkt, ND_L_TCP) || pkt->l7_len == 0 ||
        nd_http_request(pkt->l7, pkt->l7_len, r) != ND_APP_OK)
        return 0;
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
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t nd_chef_http_request = {
    .abi = ND_CHEF_ABI,
    .name = "HTTPRequestChef",
    .summary = "every HTTP/1.x request on any port: method, host, path, user agent, addresses",
    .create = s_create,
    .destroy = free,
    .packet = s_packet,
};

ND_CHEF_MODULE(&nd_chef_http_request)
