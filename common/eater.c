/* SPDX-License-Identifier: MIT */
/* eater.c: the C eater library: a SUB socket on the hub's XPUB, chef filtering
 * by topic prefix at the hub, kitchen filtering here, validation of every body,
 * per-topic loss counting (loss.c, with the hub's "$sent/" tables) and
 * connection events from a socket monitor. */
#include "netdumplings/eater.h"

#include "netdumplings/curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/loss.h"
#include "netdumplings/monitor.h"
#include "netdumplings/payload.h"
#include "netdumplings/wire.h"

/* Kitchens listed in a heartbeat, at most (the hub keeps fewer). */
#define S_HB_MAX_KITCHENS 256

struct nd_eater {
    void *ctx;
    void *sub;
    void *monitor;
    char *hub;
    char *name;
    char **kitchens;
    size_t nkitchens;
    nd_eater_callbacks_t cb;
    void *arg;
    nd_eater_stats_t stats;
    nd_loss_t *loss;
    nd_dumpling_t d;
    nd_ratelimit_t invalid_rl;
    nd_ratelimit_t loss_rl;
    /* The heartbeat to the hub's in port: an XPUB like nd-snifty's, so it
     * sends only while the hub listens. NULL when there is nowhere to send. */
    void *hb;
    char *hb_endpoint;
    char hb_topic[2 * ND_NAME_MAX + 16];
    char id[ND_NAME_MAX + 1];       /* the <id> of "$eater/<name>/<id>" */
    char reg[2 * ND_NAME_MAX + 16]; /* "$eater/<name>/<id>" */
    int hb_subscribed;
    uint64_t hb_seq;
    double hb_next, start_time;
    nd_payload_t *hb_pl;
};

static char *s_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* ---- the "$eater/" heartbeat's body (eater.h) ---------------------------- */

void nd_eater_heartbeat_begin(nd_payload_t *p, const nd_eater_heartbeat_t *hb)
{
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_kv_str(p, "eater_name", hb->eater_name);
    nd_pl_kv_str(p, "eater_id", hb->eater_id);
    nd_pl_kv_uint(p, "pid", (uint64_t)getpid());
    nd_pl_kv_str(p, "version", nd_version());
    nd_pl_kv_double(p, "start_time", hb->start_time);
    nd_pl_kv_double(p, "heartbeat_interval", hb->interval);
    nd_pl_kv_uint(p, "heartbeat_seq", hb->seq);
    nd_pl_kv_double(p, "time", nd_now());
    nd_pl_kv_uint(p, "received", hb->received);
    nd_pl_kv_uint(p, "lost", hb->lost);
    nd_pl_kv_uint(p, "invalid", hb->invalid);
    nd_pl_kv_uint(p, "suspicious", hb->suspicious);
    nd_pl_key(p, "kitchens");
    nd_pl_array(p);
}

void nd_eater_heartbeat_kitchen(nd_payload_t *p, const char *kitchen, uint64_t received,
                                uint64_t lost)
{
    nd_pl_map(p);
    nd_pl_kv_str(p, "kitchen", kitchen);
    nd_pl_kv_uint(p, "received", received);
    nd_pl_kv_uint(p, "lost", lost);
    nd_pl_end(p);
}

void nd_eater_heartbeat_end(nd_payload_t *p)
{
    nd_pl_end(p); /* kitchens */
    nd_pl_end(p);
}

static void s_heartbeat_tick(nd_eater_t *self, bool last);

void nd_eater_destroy(nd_eater_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_eater_t *self = *self_p;
    /* The final counts, so that the hub has them when we leave. */
    self->hb_next = 0;
    s_heartbeat_tick(self, true);
    if (self->hb) {
        int linger = 200; /* time for that last heartbeat to leave */
        zmq_setsockopt(self->hb, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(self->hb);
    }
    nd_payload_destroy(&self->hb_pl);
    free(self->hb_endpoint);
    nd_monitor_close(self->sub, &self->monitor);
    if (self->sub)
        zmq_close(self->sub);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    for (size_t i = 0; i < self->nkitchens; i++)
        free(self->kitchens[i]);
    free(self->kitchens);
    free(self->hub);
    free(self->name);
    nd_loss_destroy(&self->loss);
    nd_dumpling_release(&self->d);
    free(self);
    *self_p = NULL;
}

static int s_subscribe(nd_eater_t *self, const char *topic, char *err, size_t errlen)
{
    if (zmq_setsockopt(self->sub, ZMQ_SUBSCRIBE, topic, strlen(topic)) != 0)
        return nd_errf(err, errlen, "cannot subscribe to '%s': %s", topic, zmq_strerror(errno));
    return 0;
}

/* "tcp://host:11349" -> "tcp://host:11347": the hub's in port on its host. */
static char *s_derive_in(const char *out)
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

static int s_heartbeat_open(nd_eater_t *self, const char *hub_in, const char *topic, char *err,
                            size_t errlen)
{
    self->hb_endpoint = hub_in ? s_strdup(hub_in) : s_derive_in(self->hub);
    if (!self->hb_endpoint) {
        /* Not an error: the loss is still counted here. */
        nd_debug("no heartbeat: cannot tell the hub's in port from '%s'", self->hub);
        return 0;
    }
    snprintf(self->hb_topic, sizeof self->hb_topic, "%s", topic);
    self->start_time = nd_now();
    if (!(self->hb_pl = nd_payload_new()) || !(self->hb = zmq_socket(self->ctx, ZMQ_XPUB)))
        return nd_errf(err, errlen, "cannot create the heartbeat socket: %s", zmq_strerror(errno));
    int one = 1, zero = 0, hwm = 10;
    zmq_setsockopt(self->hb, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(self->hb, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(self->hb, ZMQ_XPUB_VERBOSER, &one, sizeof one);
    zmq_setsockopt(self->hb, ZMQ_IMMEDIATE, &one, sizeof one);
    nd_zmq_ipv6(self->hb);
    if (hub_in && nd_endpoint_check(hub_in, "hub in endpoint", ND_PORT_HUB_IN, err, errlen) != 0)
        return -1;
    if (nd_curve_client_apply(self->hb, err, errlen) != 0)
        return -1;
    if (zmq_connect(self->hb, self->hb_endpoint) != 0)
        return nd_errf(err, errlen, "invalid hub in endpoint '%s': %s", self->hb_endpoint,
                       zmq_strerror(errno));
    self->hb_next = nd_monotonic();
    return 0;
}

/* Every second while the hub listens (and once more at the end): the
 * "$eater/<name>/<id>" heartbeat with what this eater received and lost. */
static void s_heartbeat_tick(nd_eater_t *self, bool last)
{
    if (!self->hb)
        return;
    bool was = self->hb_subscribed > 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->hb, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        const unsigned char *d = zmq_msg_data(&m);
        if (zmq_msg_size(&m) >= 1 && d[0] == 1)
            self->hb_subscribed++;
        else if (zmq_msg_size(&m) >= 1 && d[0] == 0 && self->hb_subscribed > 0)
            self->hb_subscribed--;
        zmq_msg_close(&m);
    }
    double now = nd_monotonic();
    if (self->hb_subscribed <= 0 || (was && !last && now < self->hb_next))
        return;
    self->hb_next = now + 1.0;
    self->hb_seq++;
    nd_eater_stats_t st;
    nd_eater_stats(self, &st);
    nd_payload_t *p = self->hb_pl;
    nd_eater_heartbeat_t hb = {self->name,  self->id, self->start_time, 1.0,          self->hb_seq,
                               st.received, st.gaps,  st.invalid,       st.suspicious};
    nd_eater_heartbeat_begin(p, &hb);
    for (size_t i = 0; i < nd_loss_kitchen_count(self->loss) && i < S_HB_MAX_KITCHENS; i++) {
        uint64_t r, l;
        const char *k = nd_loss_kitchen(self->loss, i, &r, &l);
        nd_eater_heartbeat_kitchen(p, k, r, l);
    }
    nd_eater_heartbeat_end(p);
    if (nd_pl_error(p))
        return;
    if (zmq_send(self->hb, self->hb_topic, strlen(self->hb_topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) <
            0 ||
        zmq_send(self->hb, nd_pl_data(p), nd_pl_size(p), ZMQ_DONTWAIT) < 0)
        nd_debug("eater heartbeat not sent: %s", zmq_strerror(errno));
}

nd_eater_t *nd_eater_new(const nd_eater_config_t *config, const nd_eater_callbacks_t *cb, void *arg,
                         char *err, size_t errlen)
{
    const char *hub = config && config->hub ? config->hub : ND_HUB_OUT_DEFAULT;
    const char *name = config && config->eater_name ? config->eater_name : "nd_eater";
    if (!cb || !cb->on_dumpling) {
        nd_errf(err, errlen, "on_dumpling callback is required");
        return NULL;
    }
    if (!nd_name_valid(name)) {
        nd_errf(err, errlen, "invalid eater name '%s' (1-64 chars of [A-Za-z0-9_.-])", name);
        return NULL;
    }
    nd_eater_t *self = calloc(1, sizeof *self);
    if (!self) {
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    nd_dumpling_init(&self->d);
    self->cb = *cb;
    self->arg = arg;
    self->hub = s_strdup(hub);
    self->name = s_strdup(name);
    if (!self->hub || !self->name)
        goto oom;
    if (config && config->nkitchens) {
        self->kitchens = calloc(config->nkitchens, sizeof *self->kitchens);
        if (!self->kitchens)
            goto oom;
        for (size_t i = 0; i < config->nkitchens; i++) {
            if (!nd_name_valid(config->kitchens[i])) {
                nd_errf(err, errlen, "invalid kitchen name '%s'", config->kitchens[i]);
                goto fail;
            }
            if (!(self->kitchens[i] = s_strdup(config->kitchens[i])))
                goto oom;
            self->nkitchens++;
        }
    }

    self->ctx = zmq_ctx_new();
    if (!self->ctx || !(self->sub = zmq_socket(self->ctx, ZMQ_SUB))) {
        nd_errf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        goto fail;
    }
    int linger = 0;
    zmq_setsockopt(self->sub, ZMQ_LINGER, &linger, sizeof linger);
    nd_zmq_ipv6(self->sub);
    /* The hub fans out with no flow control: a generous queue here means a
     * burst waits for us rather than being dropped at the hub. */
    int hwm = 100000;
    zmq_setsockopt(self->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);

    if (config && config->nchefs) {
        for (size_t i = 0; i < config->nchefs; i++) {
            char topic[ND_NAME_MAX + 2];
            if (!nd_name_valid(config->chefs[i])) {
                nd_errf(err, errlen, "invalid chef name '%s'", config->chefs[i]);
                goto fail;
            }
            /* Once per chef: a SUB passes every repeated subscribe to the hub
             * but only the last unsubscribe, which would skew its count. */
            bool seen = false;
            for (size_t j = 0; j < i; j++)
                seen = seen || strcmp(config->chefs[j], config->chefs[i]) == 0;
            if (seen)
                continue;
            snprintf(topic, sizeof topic, "%s/", config->chefs[i]);
            if (s_subscribe(self, topic, err, errlen) != 0)
                goto fail;
        }
    } else {
        /* Everything; '$' control topics that come with it are skipped below. */
        if (s_subscribe(self, "", err, errlen) != 0)
            goto fail;
    }
    /* The hub's "last sent" tables, for the loss at the end of a stream
     * (already there with "" but harmless twice). */
    if (config && config->nchefs && s_subscribe(self, "$sent/", err, errlen) != 0)
        goto fail;
    if (!(self->loss = nd_loss_new(config && config->nchefs ? config->chefs : NULL,
                                   config ? config->nchefs : 0)))
        goto oom;
    /* Registration: the hub sees this subscription (ZMQ_XPUB_VERBOSER) and its
     * removal when we go away, which is how it knows eaters by name. No
     * kitchen publishes on it, so it costs nothing. The suffix makes two
     * eaters with the same name two subscriptions. */
    snprintf(self->id, sizeof self->id, "%ld.%lx", (long)getpid(), (unsigned long)self);
    snprintf(self->reg, sizeof self->reg, "$eater/%s/%s", name, self->id);
    if (s_subscribe(self, self->reg, err, errlen) != 0)
        goto fail;

    self->monitor = nd_monitor_open(self->ctx, self->sub,
                                    ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED, err, errlen);
    if (!self->monitor)
        goto fail;
    /* CURVE keys from the environment (ND_CURVE_*) or the program's options. */
    if (nd_curve_client_apply(self->sub, err, errlen) != 0)
        goto fail;
    if (nd_endpoint_check(self->hub, "hub endpoint", ND_PORT_HUB_OUT, err, errlen) != 0)
        goto fail;
    if (zmq_connect(self->sub, self->hub) != 0) {
        nd_errf(err, errlen, "invalid hub endpoint '%s': %s", self->hub, zmq_strerror(errno));
        goto fail;
    }
    if (s_heartbeat_open(self, config ? config->hub_in : NULL, self->reg, err, errlen) != 0)
        goto fail;
    return self;
oom:
    nd_errf(err, errlen, "out of memory");
fail:
    nd_eater_destroy(&self);
    return NULL;
}

/* Reads one monitor event and calls the matching callback. */
static void s_monitor_event(nd_eater_t *self)
{
    unsigned event = nd_monitor_read(self->monitor, ZMQ_DONTWAIT);
    if (event == ZMQ_EVENT_CONNECTED) {
        nd_debug("connected to hub at %s", self->hub);
        if (self->cb.on_connect)
            self->cb.on_connect(self, self->arg);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        nd_debug("connection to hub at %s lost, retrying", self->hub);
        if (self->cb.on_connection_lost)
            self->cb.on_connection_lost(self, self->arg);
    }
}

static bool s_kitchen_wanted(const nd_eater_t *self, const char *kitchen);

static void s_lost(nd_eater_t *self, const char *kitchen, uint64_t lost)
{
    if (!lost)
        return;
    self->stats.gaps += lost;
    nd_log_limited(&self->loss_rl, 1, ND_LOG_DEBUG,
                   "kitchen %s: %llu dumpling(s) lost (%llu in all so far)", kitchen,
                   (unsigned long long)lost, (unsigned long long)self->stats.gaps);
    if (self->cb.on_loss)
        self->cb.on_loss(self, kitchen, lost, self->arg);
}

/* "$sent/<kitchen>": the last number the kitchen sent on each topic. */
static void s_sent_table(nd_eater_t *self, const char *t, size_t tlen, zmq_msg_t *body, int frames)
{
    char kitchen[ND_NAME_MAX + 1];
    if (frames != 2 || !nd_name_validn(t + 6, tlen - 6)) {
        self->stats.suspicious++;
        return;
    }
    memcpy(kitchen, t + 6, tlen - 6);
    kitchen[tlen - 6] = '\0';
    if (!s_kitchen_wanted(self, kitchen))
        return;
    s_lost(self, kitchen,
           nd_loss_sent(self->loss, kitchen, zmq_msg_data(body), zmq_msg_size(body)));
}

static bool s_kitchen_wanted(const nd_eater_t *self, const char *kitchen)
{
    if (!self->nkitchens)
        return true;
    for (size_t i = 0; i < self->nkitchens; i++)
        if (strcmp(self->kitchens[i], kitchen) == 0)
            return true;
    return false;
}

/* The hub's welcome on our registration topic: {"registered": epoch s}. */
static void s_welcome(nd_eater_t *self, zmq_msg_t *body)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    char err[128];
    if (nd_msgpack_unpack_one(&u, zmq_msg_data(body), zmq_msg_size(body), err, sizeof err) == 0 &&
        u.data.type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < u.data.via.map.size; i++) {
            const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
            if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 10 &&
                memcmp(kv->key.via.str.ptr, "registered", 10) == 0 &&
                kv->val.type == MSGPACK_OBJECT_FLOAT64)
                nd_loss_joined(self->loss, kv->val.via.f64);
        }
    }
    msgpack_unpacked_destroy(&u);
}

/* Receives one message (all its frames). Returns 1 when on_dumpling asked to
 * stop, 0 otherwise, -1 when nothing could be read. */
static int s_receive(nd_eater_t *self)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    if (zmq_msg_recv(&topic, self->sub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        return -1;
    }
    zmq_msg_init(&body);
    int frames = 1;
    if (zmq_msg_more(&topic) && zmq_msg_recv(&body, self->sub, 0) >= 0) {
        frames++;
        /* Any further frames make the message invalid; drain them. */
        if (zmq_msg_more(&body))
            frames += nd_wire_drain(self->sub);
    }

    int rc = 0;
    const char *t = zmq_msg_data(&topic);
    size_t tlen = zmq_msg_size(&topic);
    char err[160];
    if (tlen > 6 && memcmp(t, "$sent/", 6) == 0) {
        s_sent_table(self, t, tlen, &body, frames);
    } else if (frames == 2 && tlen == strlen(self->reg) && memcmp(t, self->reg, tlen) == 0) {
        s_welcome(self, &body);
    } else if (tlen > 0 && t[0] == '$') {
        /* Other control traffic is not for eaters. */
    } else if (frames != 2) {
        self->stats.invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN,
                       "dropped a message of %d frame(s) from the hub (dumplings have 2)", frames);
    } else if (nd_dumpling_decode(&self->d, zmq_msg_data(&body), zmq_msg_size(&body), err,
                                  sizeof err) != 0) {
        self->stats.invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN, "dropped an invalid dumpling: %s", err);
    } else if (!nd_dumpling_topic_matches(&self->d, t, tlen)) {
        self->stats.invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN,
                       "dropped a dumpling whose topic is not <chef>/<kitchen> of its body");
    } else if (s_kitchen_wanted(self, self->d.kitchen)) {
        s_lost(self, self->d.kitchen, nd_loss_dumpling(self->loss, &self->d));
        self->stats.received++;
        if (self->cb.on_dumpling(self, &self->d, self->arg) != 0)
            rc = 1;
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return rc;
}

int nd_eater_run(nd_eater_t *self, volatile sig_atomic_t *stop, double timeout)
{
    if (!self)
        return -1;
    double deadline = timeout >= 0 ? nd_monotonic() + timeout : 0;
    while (!(stop && *stop)) {
        long wait_ms = 1000; /* wake now and then to look at *stop */
        if (timeout >= 0) {
            double left = deadline - nd_monotonic();
            if (left <= 0)
                return 0;
            if (left * 1000 < wait_ms)
                wait_ms = (long)(left * 1000) + 1;
        }
        zmq_pollitem_t items[] = {{self->sub, 0, ZMQ_POLLIN, 0}, {self->monitor, 0, ZMQ_POLLIN, 0}};
        int n = zmq_poll(items, 2, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            nd_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_monitor_event(self);
        s_heartbeat_tick(self, false);
        if (items[0].revents & ZMQ_POLLIN) {
            /* Drain what is queued, but look at the clock and *stop now and then. */
            for (int i = 0; i < 1000; i++) {
                int rc = s_receive(self);
                if (rc == 1) {
                    s_heartbeat_tick(self, true);
                    return 1;
                }
                if (rc < 0 || (stop && *stop))
                    break;
            }
        }
    }
    return 0;
}

void nd_eater_stats(const nd_eater_t *self, nd_eater_stats_t *out)
{
    if (!out)
        return;
    if (!self) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = self->stats;
    nd_loss_totals_t t;
    nd_loss_totals(self->loss, &t);
    out->suspicious += t.suspicious;
}

const struct nd_loss *nd_eater_loss(const nd_eater_t *self)
{
    return self ? self->loss : NULL;
}
