/* SPDX-License-Identifier: MIT */
/* heartbeat.c: nd-gateway's heartbeat to the hub: a "$gateway/<name>" control
 * message every second on a second socket connected to the hub's in port,
 * with the gateway's identity and its lag counters (docs/protocol.md,
 * "Control messages"). The SUB socket towards the hub's out port cannot carry
 * it: a SUB sends subscriptions, not messages.
 *
 * The socket is an XPUB, as in nd-snifty: it receives the hub's subscription
 * itself, so the gateway sends only while the hub listens and notices a
 * restarted hub (ZMQ_IMMEDIATE drops the pipe with the connection).
 *
 * It also lists the WebSocket clients with their own addresses: the hub sees
 * their registrations come over the gateway's connection, not theirs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "gateway.h"

#include "netdumplings/address.h"
#include "netdumplings/curve.h"
#include "netdumplings/eater.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"

#define S_INTERVAL 1.0

/* "tcp://host:11349" -> "tcp://host:11347": the hub's in port on the same host. */
static char *s_derive(const char *out)
{
    const char *colon = strrchr(out, ':');
    if (!colon || colon < out + 6 || colon[-1] == '/')
        return NULL;
    size_t n = (size_t)(colon - out);
    char *in = malloc(n + 8);
    if (in)
        snprintf(in, n + 8, "%.*s:%d", (int)n, out, ND_PORT_HUB_IN);
    return in;
}

/* The client's TCP peer as the hub shows it: numeric host ("::ffff:" of an
 * IPv4 client on an IPv6 socket dropped) and port; false if unknown. */
static bool s_client_addr(const gw_client_t *c, char *host, size_t hsize, unsigned *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    lws_sockfd_type fd = lws_get_socket_fd(c->wsi);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return false;
    int p = 0;
    if (!nd_sockaddr_host((const struct sockaddr *)&ss, host, hsize, &p))
        return false;
    *port = (unsigned)p;
    return true;
}

/* "eaters": every registered client (hub.c), at most GW_HB_MAX_EATERS. */
static void s_pack_eaters(const gw_ws_t *ws, nd_payload_t *p)
{
    nd_pl_key(p, "eaters");
    nd_pl_array(p);
    size_t n = 0;
    for (const gw_client_t *c = ws->clients; c && n < GW_HB_MAX_EATERS; c = c->next) {
        char id[ND_NAME_MAX + 1], host[INET6_ADDRSTRLEN];
        unsigned port = 0;
        if (!s_client_addr(c, host, sizeof host, &port))
            continue;
        gw_client_reg_id(c, id, sizeof id);
        nd_pl_map(p);
        nd_pl_kv_str(p, "id", id);
        nd_pl_kv_str(p, "eater_name", gw_client_reg_name(c));
        nd_pl_kv_str(p, "host", host);
        nd_pl_kv_uint(p, "port", port);
        nd_pl_kv_double(p, "connected_since", c->since);
        nd_pl_end(p);
        n++;
    }
    nd_pl_end(p);
}

static void s_send(gw_hb_t *hb, const char *topic, size_t tlen, nd_payload_t *p)
{
    if (nd_pl_error(p))
        return;
    if (zmq_send(hb->sock, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(hb->sock, nd_pl_data(p), nd_pl_size(p), ZMQ_DONTWAIT) < 0)
        nd_debug("heartbeat not sent: %s", zmq_strerror(errno));
}

/* An eater heartbeat ("$eater/<name>/<id>") up to its open "kitchens" list. */
static void s_eater_begin(gw_hb_t *hb, nd_payload_t *p, const char *name, const char *id,
                          uint64_t received, uint64_t lost, uint64_t invalid, uint64_t suspicious)
{
    nd_eater_heartbeat_t e = {name,     id,   hb->start_time, S_INTERVAL, hb->seq,
                              received, lost, invalid,        suspicious};
    nd_eater_heartbeat_begin(p, &e);
}

int gw_heartbeat_open(gw_hb_t *hb, void *zmq_ctx, const gw_opts_t *opts, char *err, size_t errlen)
{
    hb->endpoint =
        opts->hub_in_endpoint ? strdup(opts->hub_in_endpoint) : s_derive(opts->hub_endpoint);
    if (!hb->endpoint)
        return nd_errf(err, errlen, "cannot tell the hub's in port from '%s': give --hub-in",
                       opts->hub_endpoint);
    nd_boot_id(hb->boot_id);
    hb->start_time = nd_now();
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    /* A valid name: [A-Za-z0-9_.-], at most 64. */
    int n = snprintf(hb->name, sizeof hb->name, "nd-gateway.%.30s.%d", host, opts->port);
    for (int i = 0; i < n && hb->name[i]; i++)
        if (!nd_name_validn(&hb->name[i], 1))
            hb->name[i] = '-';
    if (!(hb->pl = nd_payload_new()) || !(hb->sock = zmq_socket(zmq_ctx, ZMQ_XPUB)))
        return nd_errf(err, errlen, "cannot create the heartbeat socket: %s", zmq_strerror(errno));
    /* Room for one round: its own two heartbeats and one per client listed. */
    int one = 1, zero = 0, hwm = 2 * (GW_HB_MAX_EATERS + 2);
    zmq_setsockopt(hb->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(hb->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hb->sock, ZMQ_XPUB_VERBOSER, &one, sizeof one);
    zmq_setsockopt(hb->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    nd_zmq_ipv6(hb->sock);
    if (nd_curve_client_apply(hb->sock, err, errlen) != 0)
        return -1;
    if (zmq_connect(hb->sock, hb->endpoint) != 0)
        return nd_errf(err, errlen, "invalid hub in endpoint '%s': %s", hb->endpoint,
                       zmq_strerror(errno));
    hb->next = nd_monotonic();
    nd_info("heartbeat as %s to %s", hb->name, hb->endpoint);
    return 0;
}

void gw_heartbeat_close(gw_hb_t *hb)
{
    if (hb->sock)
        zmq_close(hb->sock);
    hb->sock = NULL;
    nd_payload_destroy(&hb->pl);
    free(hb->endpoint);
    hb->endpoint = NULL;
}

void gw_heartbeat_tick(gw_hb_t *hb, const gw_hub_t *hub, const gw_ws_t *ws)
{
    if (!hb->sock)
        return;
    /* The hub's subscription news: "\x01" when it listens, "\x00" when gone. */
    bool was = hb->subscribed > 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, hb->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        const unsigned char *d = zmq_msg_data(&m);
        if (zmq_msg_size(&m) >= 1 && d[0] == 1)
            hb->subscribed++;
        else if (zmq_msg_size(&m) >= 1 && d[0] == 0 && hb->subscribed > 0)
            hb->subscribed--;
        zmq_msg_close(&m);
    }
    bool ready = hb->subscribed > 0;
    double now = nd_monotonic();
    if (!ready || (was && now < hb->next))
        return;
    hb->next = now + S_INTERVAL;
    hb->seq++;
    nd_payload_t *p = hb->pl;
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_kv_str(p, "gateway_name", hb->name);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    nd_pl_kv_str(p, "hostname", host);
    nd_pl_kv_uint(p, "pid", (uint64_t)getpid());
    nd_pl_kv_str(p, "version", nd_version());
    nd_pl_kv_double(p, "start_time", hb->start_time);
    nd_pl_kv_str(p, "boot_id", hb->boot_id);
    nd_pl_kv_double(p, "heartbeat_interval", S_INTERVAL);
    nd_pl_kv_uint(p, "heartbeat_seq", hb->seq);
    nd_pl_kv_double(p, "time", nd_now());
    nd_pl_kv_uint(p, "clients", ws->nclients);
    nd_pl_kv_uint(p, "clients_lag_closed", ws->lag_closed);
    /* A lagging client is closed (4008), unless it asked for holes (?loss=1). */
    nd_pl_kv_uint(p, "dumplings_lag_dropped", ws->lag_dropped);
    nd_pl_kv_uint(p, "dumplings_out", ws->sent);
    s_pack_eaters(ws, p);
    nd_pl_end(p);
    char topic[2 * ND_NAME_MAX + 16];
    int tlen = snprintf(topic, sizeof topic, "$gateway/%s", hb->name);
    s_send(hb, topic, (size_t)tlen, p);

    /* As an eater: what came from the hub and what did not (loss.c). */
    uint64_t received, lost, suspicious;
    gw_loss_totals(hub->loss, &received, &lost, &suspicious);
    char id[ND_NAME_MAX + 1];
    snprintf(id, sizeof id, "%ld", (long)getpid());
    s_eater_begin(hb, p, "nd-gateway", id, received, lost, hub->invalid, suspicious);
    for (size_t i = 0; i < gw_loss_kitchen_count(hub->loss); i++) {
        uint64_t r, l;
        const char *k = gw_loss_kitchen(hub->loss, i, &r, &l);
        nd_eater_heartbeat_kitchen(p, k, r, l);
    }
    nd_eater_heartbeat_end(p);
    tlen = snprintf(topic, sizeof topic, "$eater/nd-gateway/%s", id);
    s_send(hb, topic, (size_t)tlen, p);

    /* Each WebSocket eater under its own registration (hub.c): what it got
     * and what it lost, upstream or dropped here. */
    size_t n = 0;
    for (const gw_client_t *c = ws->clients; c && n < GW_HB_MAX_EATERS; c = c->next, n++) {
        gw_client_reg_id(c, id, sizeof id);
        const char *name = gw_client_reg_name(c);
        s_eater_begin(hb, p, name, id, c->delivered, c->lost, 0, 0);
        nd_eater_heartbeat_end(p);
        tlen = snprintf(topic, sizeof topic, "$eater/%s/%s", name, id);
        s_send(hb, topic, (size_t)tlen, p);
    }
}
