/* SPDX-License-Identifier: MIT */
/* hub.c: nd-gateway's side of the hub: one SUB socket to the hub's XPUB, a
 * socket monitor that tells /healthz whether the hub is there, each dumpling
 * decoded, turned into JSON text once and pushed into the ring (ring.c) that
 * ws.c reads, and the subscription kept to the union of what the WebSocket
 * clients asked for so the hub does the filtering. It writes only gw_hub_t;
 * loss it finds goes to the hook main.c gave it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "gateway.h"

#include "netdumplings/address.h"
#include "netdumplings/curve.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/monitor.h"
#include "netdumplings/status.h"

#define S_STATUS_TOPIC ND_STATUS_CHEF "/"
#define S_SENT_TOPIC "$sent/"

int gw_hub_open(gw_hub_t *hub, void *zmq_ctx, const gw_opts_t *opts, gw_lost_fn *on_lost, void *arg,
                char *err, size_t errlen)
{
    hub->opts = opts;
    hub->on_lost = on_lost;
    hub->on_lost_arg = arg;
    nd_dumpling_init(&hub->dumpling);
    if (!(hub->loss = gw_loss_new()))
        return nd_errf(err, errlen, "out of memory");
    hub->sub = zmq_socket(zmq_ctx, ZMQ_SUB);
    if (!hub->sub)
        return nd_errf(err, errlen, "cannot create the hub socket: %s", zmq_strerror(errno));
    /* The gateway drains as fast as it can; a deep queue here absorbs bursts
     * while lws is writing, instead of the hub dropping at its high-water mark. */
    int hwm = 100000, linger = 0, ivl = 100, ivl_max = 2000;
    zmq_setsockopt(hub->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hub->sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(hub->sub, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(hub->sub, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    nd_zmq_ipv6(hub->sub);
    hub->monitor = nd_monitor_open(zmq_ctx, hub->sub, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED,
                                   err, errlen);
    if (!hub->monitor)
        return -1;
    if (nd_curve_client_apply(hub->sub, err, errlen) != 0)
        return -1;
    /* A bad endpoint is a usage error; an absent hub is not (zmq retries). */
    if (zmq_connect(hub->sub, opts->hub_endpoint) != 0) {
        nd_errf(err, errlen, "cannot use hub endpoint '%s': %s", opts->hub_endpoint,
                zmq_strerror(errno));
        return GW_HUB_BAD_ENDPOINT;
    }
    return 0;
}

void gw_hub_close(gw_hub_t *hub)
{
    if (hub->sub) {
        zmq_socket_monitor(hub->sub, NULL, 0);
        zmq_close(hub->sub);
        hub->sub = NULL;
    }
    if (hub->monitor) {
        zmq_close(hub->monitor);
        hub->monitor = NULL;
    }
    nd_dumpling_release(&hub->dumpling);
    json_decref(hub->status.kitchen_list);
    hub->status.kitchen_list = NULL;
    gw_loss_destroy(&hub->loss);
    for (size_t i = 0; i < hub->nsubs; i++)
        free(hub->subs[i]);
    free(hub->subs);
    hub->subs = NULL;
    hub->nsubs = 0;
    nd_strbuf_release(&hub->text);
}

int gw_hub_fd(const gw_hub_t *hub)
{
    int fd = -1;
    size_t len = sizeof fd;
    if (zmq_getsockopt(hub->sub, ZMQ_FD, &fd, &len) != 0)
        return -1;
    return fd;
}

void gw_hub_poll_monitor(gw_hub_t *hub)
{
    for (unsigned event; (event = nd_monitor_read(hub->monitor, ZMQ_DONTWAIT));) {
        if (event == ZMQ_EVENT_CONNECTED && !hub->connected) {
            hub->connected = true;
            nd_info("connected to the hub at %s", hub->opts->hub_endpoint);
        } else if (event == ZMQ_EVENT_DISCONNECTED && hub->connected) {
            hub->connected = false;
            nd_warn("lost the hub at %s; retrying", hub->opts->hub_endpoint);
        }
    }
}

/* Keeps the latest hub figures for /metrics. */
static void s_note_status(gw_hub_status_t *st, json_t *payload)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {ND_ST_TOTAL_DUMPLINGS_IN, offsetof(gw_hub_status_t, in)},
        {ND_ST_TOTAL_DUMPLINGS_OUT, offsetof(gw_hub_status_t, out)},
        {ND_ST_SERVER_UPTIME, offsetof(gw_hub_status_t, uptime)},
        {ND_ST_DUMPLING_KITCHEN_COUNT, offsetof(gw_hub_status_t, kitchens)},
        {ND_ST_DUMPLING_EATER_COUNT, offsetof(gw_hub_status_t, eaters)},
        {ND_ST_SUBSCRIPTIONS, offsetof(gw_hub_status_t, subscriptions)},
        {ND_ST_TOTAL_PS_DROP, offsetof(gw_hub_status_t, ps_drop)},
        {ND_ST_TOTAL_PS_IFDROP, offsetof(gw_hub_status_t, ps_ifdrop)},
    };
    if (!json_is_object(payload))
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(payload, keys[i].key);
        if (json_is_number(v))
            *(double *)((char *)st + keys[i].off) = json_number_value(v);
    }
    json_t *kitchens = json_object_get(payload, ND_ST_DUMPLING_KITCHENS);
    json_decref(st->kitchen_list);
    st->kitchen_list = json_is_array(kitchens) ? json_incref(kitchens) : NULL;
    st->seen = true;
}

/* "$sent/<kitchen>": the last number sent on each of its topics (loss.c). */
static void s_sent_table(gw_hub_t *hub, const char *name, size_t len, const void *body,
                         size_t body_len)
{
    char kitchen[ND_NAME_MAX + 1];
    if (!nd_name_validn(name, len))
        return;
    memcpy(kitchen, name, len);
    kitchen[len] = '\0';
    gw_loss_sent(hub->loss, kitchen, body, body_len, hub->on_lost, hub->on_lost_arg);
}

/* One two-frame message: decode, convert to JSON once, push into the ring. */
static void s_handle(gw_hub_t *hub, gw_ring_t *ring, const char *topic, size_t topic_len,
                     const void *body, size_t body_len)
{
    static nd_ratelimit_t rl;
    char why[128] = "";
    if (topic_len > 6 && memcmp(topic, "$sent/", 6) == 0) {
        s_sent_table(hub, topic + 6, topic_len - 6, body, body_len);
        return;
    }
    if (topic_len > 0 && topic[0] == '$')
        return; /* other hub control traffic (welcomes), not for eaters */
    if (nd_dumpling_decode(&hub->dumpling, body, body_len, why, sizeof why) != 0 ||
        !nd_dumpling_topic_matches(&hub->dumpling, topic, topic_len)) {
        hub->invalid++;
        char shown[81]; /* the topic came off the network: printable only in the log */
        size_t n = topic_len < sizeof shown - 1 ? topic_len : sizeof shown - 1;
        for (size_t i = 0; i < n; i++)
            shown[i] = topic[i] >= 0x20 && topic[i] < 0x7f ? topic[i] : '?';
        shown[n] = '\0';
        nd_log_limited(&rl, 10, ND_LOG_WARN, "dropped an invalid dumpling (topic '%s'): %s", shown,
                       why[0] ? why : "topic does not match the body");
        return;
    }
    /* Straight from msgpack to JSON text (json_text.c): no jansson tree, and
     * no allocation once the buffer is warm. */
    hub->text.len = 0;
    size_t ct_at, ct_len;
    if (nd_dumpling_json_text_ct(&hub->dumpling, hub->opts->seconds, &hub->text, &ct_at, &ct_len) !=
        0) {
        hub->invalid++;
        return;
    }
    if (strcmp(hub->dumpling.chef, ND_STATUS_CHEF) == 0) {
        json_t *payload = nd_msgpack_to_json(&hub->dumpling.payload);
        s_note_status(&hub->status, payload);
        json_decref(payload);
    }

    gw_msg_t msg;
    /* Both are valid names (at most 64 bytes), checked by the decoder. */
    memcpy(msg.chef, hub->dumpling.chef, strlen(hub->dumpling.chef) + 1);
    memcpy(msg.kitchen, hub->dumpling.kitchen, strlen(hub->dumpling.kitchen) + 1);
    /* Exactly the size, so the ring's memory follows the dumplings' sizes. */
    size_t n = hub->text.len;
    msg.buf = malloc(LWS_PRE + n);
    if (!msg.buf)
        return;
    memcpy(msg.buf + LWS_PRE, hub->text.data, n);
    msg.len = n;
    msg.ct_ms = hub->dumpling.creation_time;
    msg.ct_at = ct_at;
    msg.ct_len = ct_len;
    uint64_t lost = gw_loss_dumpling(hub->loss, &hub->dumpling);
    if (lost)
        hub->on_lost(hub->on_lost_arg, msg.chef, msg.kitchen, lost);
    gw_ring_push(ring, &msg);
    hub->received++;
}

bool gw_hub_drain(gw_hub_t *hub, gw_ring_t *ring, size_t max)
{
    zmq_msg_t topic, body;
    for (size_t i = 0; i < max; i++) {
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, hub->sub, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&topic);
            return true; /* EAGAIN: empty, the edge is re-armed */
        }
        bool ok = false;
        if (zmq_msg_more(&topic)) {
            zmq_msg_init(&body);
            zmq_msg_recv(&body, hub->sub, 0);
            ok = !zmq_msg_more(&body);
            /* Skip any surplus frames: a message is exactly topic + body. */
            while (zmq_msg_more(&body)) {
                zmq_msg_close(&body);
                zmq_msg_init(&body);
                zmq_msg_recv(&body, hub->sub, 0);
            }
            if (ok)
                s_handle(hub, ring, zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&body),
                         zmq_msg_size(&body));
            zmq_msg_close(&body);
        }
        if (!ok)
            hub->invalid++;
        zmq_msg_close(&topic);
    }
    return false;
}

static bool s_has(char **set, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(set[i], s) == 0)
            return true;
    return false;
}

/* What the clients want: "" when any client takes every chef (or has not said
 * yet), else "<chef>/" for each chef asked for. SystemStatusChef is always
 * taken: /metrics shows the hub's figures. */
void gw_hub_subscribe(gw_hub_t *hub, const gw_ws_t *ws)
{
    if (!hub->sub)
        return;

    size_t cap = 3, n = 0;
    for (const gw_client_t *c = ws->clients; c; c = c->next)
        cap += c->filter.nchefs + 1;
    char **want = calloc(cap + 1, sizeof *want);
    if (!want)
        return;
    bool all = false;
    for (const gw_client_t *c = ws->clients; c; c = c->next)
        if (c->filter.nchefs == 0)
            all = true;
    if (all) {
        want[n++] = strdup("");
    } else {
        want[n++] = strdup(S_STATUS_TOPIC);
        /* The hub's tables of what kitchens sent, for the loss (loss.c). */
        want[n++] = strdup(S_SENT_TOPIC);
        for (const gw_client_t *c = ws->clients; c; c = c->next)
            for (size_t i = 0; i < c->filter.nchefs; i++) {
                char t[80];
                snprintf(t, sizeof t, "%s/", c->filter.chefs[i]);
                if (!s_has(want, n, t))
                    want[n++] = strdup(t);
            }
    }
    /* The chefs, by name, for counting the loss. */
    char **names = calloc(n, sizeof *names);
    size_t nnames = 0;
    for (size_t i = 0; names && !all && i < n; i++) {
        size_t l = want[i] ? strlen(want[i]) : 0;
        if (l > 1 && want[i][0] != '$' && want[i][l - 1] == '/' &&
            (names[nnames] = strndup(want[i], l - 1)))
            nnames++;
    }
    gw_loss_subscribed(hub->loss, names, nnames, all || !names);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    /* Registration with the hub, as the eater library does it: a subscription
     * "$eater/<name>/<id>" that nobody publishes on, for the gateway itself
     * and for every WebSocket eater (gw_client_reg_name), so the hub's status
     * lists them; the heartbeat gives their own addresses. */
    char reg[2 * ND_NAME_MAX + 16];
    snprintf(reg, sizeof reg, "$eater/nd-gateway/%ld", (long)getpid());
    want[n++] = strdup(reg);
    for (const gw_client_t *c = ws->clients; c; c = c->next) {
        char id[ND_NAME_MAX + 1];
        gw_client_reg_id(c, id, sizeof id);
        snprintf(reg, sizeof reg, "$eater/%s/%s", gw_client_reg_name(c), id);
        want[n++] = strdup(reg);
    }
    /* Subscribe to the new before dropping the old, so no dumpling a client
     * still wants falls between the two. */
    for (size_t i = 0; i < n; i++)
        if (want[i] && !s_has(hub->subs, hub->nsubs, want[i])) {
            zmq_setsockopt(hub->sub, ZMQ_SUBSCRIBE, want[i], strlen(want[i]));
            nd_debug("subscribed to '%s'", want[i]);
        }
    for (size_t i = 0; i < hub->nsubs; i++) {
        if (!s_has(want, n, hub->subs[i])) {
            zmq_setsockopt(hub->sub, ZMQ_UNSUBSCRIBE, hub->subs[i], strlen(hub->subs[i]));
            nd_debug("unsubscribed from '%s'", hub->subs[i]);
        }
        free(hub->subs[i]);
    }
    free(hub->subs);
    hub->subs = want;
    hub->nsubs = n;
}
