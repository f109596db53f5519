/* SPDX-License-Identifier: MIT */
/* hub.c: nd-gateway's side of the hub: one SUB socket to the hub's XPUB, a
 * socket monitor that tells /healthz whether the hub is there, each dumpling
 * decoded and turned into JSON text once, and the subscription kept to the
 * union of what the WebSocket clients asked for so the hub does the filtering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "gateway.h"

#include "netdumplings/address.h"
#include "netdumplings/curve.h"
#include "netdumplings/log.h"
#include "netdumplings/monitor.h"
#include "netdumplings/status.h"

#define S_STATUS_TOPIC ND_STATUS_CHEF "/"
#define S_SENT_TOPIC "$sent/"

int gw_hub_open(gw_t *gw, char *err, size_t errlen)
{
    gw->zmq_ctx = zmq_ctx_new();
    if (!gw->zmq_ctx) {
        snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(errno));
        return -1;
    }
    gw->sub = zmq_socket(gw->zmq_ctx, ZMQ_SUB);
    if (!gw->sub) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
        return -1;
    }
    /* The gateway drains as fast as it can; a deep queue here absorbs bursts
     * while lws is writing, instead of the hub dropping at its high-water mark. */
    int hwm = 100000, linger = 0, ivl = 100, ivl_max = 2000;
    zmq_setsockopt(gw->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(gw->sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(gw->sub, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(gw->sub, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    nd_zmq_ipv6(gw->sub);
    gw->monitor = nd_monitor_open(gw->zmq_ctx, gw->sub,
                                  ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED, err, errlen);
    if (!gw->monitor)
        return -1;
    /* A bad endpoint is a usage error; an absent hub is not (zmq retries). */
    if (nd_curve_client_apply(gw->sub, err, errlen) != 0)
        return -1;
    if (zmq_connect(gw->sub, gw->hub_endpoint) != 0) {
        snprintf(err, errlen, "cannot use hub endpoint '%s': %s", gw->hub_endpoint,
                 zmq_strerror(errno));
        return GW_HUB_BAD_ENDPOINT;
    }
    nd_dumpling_init(&gw->dumpling);
    if (!(gw->loss = gw_loss_new())) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gw->subs_dirty = true;
    gw_hub_resubscribe(gw);
    return 0;
}

void gw_hub_close(gw_t *gw)
{
    if (gw->sub) {
        zmq_socket_monitor(gw->sub, NULL, 0);
        zmq_close(gw->sub);
        gw->sub = NULL;
        nd_dumpling_release(&gw->dumpling);
    }
    if (gw->monitor) {
        zmq_close(gw->monitor);
        gw->monitor = NULL;
    }
    json_decref(gw->hub_kitchen_list);
    gw->hub_kitchen_list = NULL;
    gw_loss_destroy(&gw->loss);
    if (gw->zmq_ctx) {
        zmq_ctx_term(gw->zmq_ctx);
        gw->zmq_ctx = NULL;
    }
    for (size_t i = 0; i < gw->nsubs; i++)
        free(gw->subs[i]);
    free(gw->subs);
    gw->subs = NULL;
    gw->nsubs = 0;
    nd_strbuf_release(&gw->text);
}

int gw_hub_fd(gw_t *gw)
{
    int fd = -1;
    size_t len = sizeof fd;
    if (zmq_getsockopt(gw->sub, ZMQ_FD, &fd, &len) != 0)
        return -1;
    return fd;
}

void gw_hub_poll_monitor(gw_t *gw)
{
    for (unsigned event; (event = nd_monitor_read(gw->monitor, ZMQ_DONTWAIT));) {
        if (event == ZMQ_EVENT_CONNECTED && !gw->hub_connected) {
            gw->hub_connected = true;
            nd_info("connected to the hub at %s", gw->hub_endpoint);
        } else if (event == ZMQ_EVENT_DISCONNECTED && gw->hub_connected) {
            gw->hub_connected = false;
            nd_warn("lost the hub at %s; retrying", gw->hub_endpoint);
        }
    }
}

/* Keeps the latest hub figures for /metrics. */
static void s_note_status(gw_t *gw, json_t *payload)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {ND_ST_TOTAL_DUMPLINGS_IN, offsetof(gw_t, hub_in)},
        {ND_ST_TOTAL_DUMPLINGS_OUT, offsetof(gw_t, hub_out)},
        {ND_ST_SERVER_UPTIME, offsetof(gw_t, hub_uptime)},
        {ND_ST_DUMPLING_KITCHEN_COUNT, offsetof(gw_t, hub_kitchens)},
        {ND_ST_DUMPLING_EATER_COUNT, offsetof(gw_t, hub_eaters)},
        {ND_ST_SUBSCRIPTIONS, offsetof(gw_t, hub_subscriptions)},
        {ND_ST_TOTAL_PS_DROP, offsetof(gw_t, hub_ps_drop)},
        {ND_ST_TOTAL_PS_IFDROP, offsetof(gw_t, hub_ps_ifdrop)},
    };
    if (!json_is_object(payload))
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(payload, keys[i].key);
        if (json_is_number(v))
            *(double *)((char *)gw + keys[i].off) = json_number_value(v);
    }
    json_t *kitchens = json_object_get(payload, ND_ST_DUMPLING_KITCHENS);
    json_decref(gw->hub_kitchen_list);
    gw->hub_kitchen_list = json_is_array(kitchens) ? json_incref(kitchens) : NULL;
    gw->has_status = true;
}

/* Loss the gateway found on a topic: each client that wants it counts it. */
static void s_lost(void *arg, const char *chef, const char *kitchen, uint64_t n)
{
    gw_ws_upstream_lost(arg, chef, kitchen, n);
}

/* "$sent/<kitchen>": the last number sent on each of its topics (loss.c). */
static void s_sent_table(gw_t *gw, const char *name, size_t len, const void *body, size_t body_len)
{
    char kitchen[ND_NAME_MAX + 1];
    if (!nd_name_validn(name, len))
        return;
    memcpy(kitchen, name, len);
    kitchen[len] = '\0';
    gw_loss_sent(gw->loss, kitchen, body, body_len, s_lost, gw);
}

/* One two-frame message: decode, convert to JSON once, push into the ring. */
static void s_handle(gw_t *gw, const char *topic, size_t topic_len, const void *body,
                     size_t body_len)
{
    static nd_ratelimit_t rl;
    char why[128] = "";
    if (topic_len > 6 && memcmp(topic, "$sent/", 6) == 0) {
        s_sent_table(gw, topic + 6, topic_len - 6, body, body_len);
        return;
    }
    if (topic_len > 0 && topic[0] == '$')
        return; /* other hub control traffic (welcomes), not for eaters */
    if (nd_dumpling_decode(&gw->dumpling, body, body_len, why, sizeof why) != 0 ||
        !nd_dumpling_topic_matches(&gw->dumpling, topic, topic_len)) {
        gw->invalid++;
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
    gw->text.len = 0;
    size_t ct_at, ct_len;
    if (nd_dumpling_json_text_ct(&gw->dumpling, gw->seconds, &gw->text, &ct_at, &ct_len) != 0) {
        gw->invalid++;
        return;
    }
    if (strcmp(gw->dumpling.chef, ND_STATUS_CHEF) == 0) {
        json_t *payload = nd_msgpack_to_json(&gw->dumpling.payload);
        s_note_status(gw, payload);
        json_decref(payload);
    }

    gw_msg_t msg;
    /* Both are valid names (at most 64 bytes), checked by the decoder. */
    memcpy(msg.chef, gw->dumpling.chef, strlen(gw->dumpling.chef) + 1);
    memcpy(msg.kitchen, gw->dumpling.kitchen, strlen(gw->dumpling.kitchen) + 1);
    /* Exactly the size, so the ring's memory follows the dumplings' sizes. */
    size_t n = gw->text.len;
    msg.buf = malloc(LWS_PRE + n);
    if (!msg.buf)
        return;
    memcpy(msg.buf + LWS_PRE, gw->text.data, n);
    msg.len = n;
    msg.ct_ms = gw->dumpling.creation_time;
    msg.ct_at = ct_at;
    msg.ct_len = ct_len;
    uint64_t lost = gw_loss_dumpling(gw->loss, &gw->dumpling);
    if (lost)
        s_lost(gw, msg.chef, msg.kitchen, lost);
    /* The oldest message goes: a ?loss=1 client still behind it skips it. */
    if (gw_ring_head(gw->ring) - gw_ring_oldest(gw->ring) >= gw_ring_capacity(gw->ring))
        gw_ws_evict(gw, gw_ring_oldest(gw->ring));
    gw_ring_push(gw->ring, &msg);
    gw->received++;
}

bool gw_hub_drain(gw_t *gw, int max)
{
    zmq_msg_t topic, body;
    size_t room = gw_ws_room(gw);
    if ((size_t)max > room)
        max = (int)room;
    if (max == 0) {
        /* Leave it in ZeroMQ's queue (and then the hub's) until a client
         * writes; s_writeable wakes the tick. */
        gw->throttled = true;
        return true;
    }
    for (int i = 0; i < max; i++) {
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, gw->sub, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&topic);
            return true; /* EAGAIN: empty, the edge is re-armed */
        }
        bool ok = false;
        if (zmq_msg_more(&topic)) {
            zmq_msg_init(&body);
            zmq_msg_recv(&body, gw->sub, 0);
            ok = !zmq_msg_more(&body);
            /* Skip any surplus frames: a message is exactly topic + body. */
            while (zmq_msg_more(&body)) {
                zmq_msg_close(&body);
                zmq_msg_init(&body);
                zmq_msg_recv(&body, gw->sub, 0);
            }
            if (ok)
                s_handle(gw, zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&body),
                         zmq_msg_size(&body));
            zmq_msg_close(&body);
        }
        if (!ok)
            gw->invalid++;
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
void gw_hub_resubscribe(gw_t *gw)
{
    if (!gw->subs_dirty || !gw->sub)
        return;
    gw->subs_dirty = false;

    size_t cap = 3, n = 0;
    for (gw_client_t *c = gw->clients; c; c = c->next)
        cap += c->filter.nchefs + 1;
    char **want = calloc(cap + 1, sizeof *want);
    if (!want)
        return;
    bool all = false;
    for (gw_client_t *c = gw->clients; c; c = c->next)
        if (c->filter.nchefs == 0)
            all = true;
    if (all) {
        want[n++] = strdup("");
    } else {
        want[n++] = strdup(S_STATUS_TOPIC);
        /* The hub's tables of what kitchens sent, for the loss (loss.c). */
        want[n++] = strdup(S_SENT_TOPIC);
        for (gw_client_t *c = gw->clients; c; c = c->next)
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
    gw_loss_subscribed(gw->loss, names, nnames, all || !names);
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
    for (gw_client_t *c = gw->clients; c; c = c->next) {
        char id[ND_NAME_MAX + 1];
        gw_client_reg_id(c, id, sizeof id);
        snprintf(reg, sizeof reg, "$eater/%s/%s", gw_client_reg_name(c), id);
        want[n++] = strdup(reg);
    }
    /* Subscribe to the new before dropping the old, so no dumpling a client
     * still wants falls between the two. */
    for (size_t i = 0; i < n; i++)
        if (want[i] && !s_has(gw->subs, gw->nsubs, want[i])) {
            zmq_setsockopt(gw->sub, ZMQ_SUBSCRIBE, want[i], strlen(want[i]));
            nd_debug("subscribed to '%s'", want[i]);
        }
    for (size_t i = 0; i < gw->nsubs; i++) {
        if (!s_has(want, n, gw->subs[i])) {
            zmq_setsockopt(gw->sub, ZMQ_UNSUBSCRIBE, gw->subs[i], strlen(gw->subs[i]));
            nd_debug("unsubscribed from '%s'", gw->subs[i]);
        }
        free(gw->subs[i]);
    }
    free(gw->subs);
    gw->subs = want;
    gw->nsubs = n;
    /* Any operation on a ZeroMQ socket may consume the edge of ZMQ_FD: look
     * at the socket again soon rather than wait for the next edge. */
    if (gw->lws)
        lws_sul_schedule(gw->lws, 0, &gw->tick, gw_tick, 1);
}
