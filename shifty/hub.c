/* hub.c: the hub's main loop. Kitchens' dumplings arrive on the XSUB socket,
 * are validated and forwarded unchanged on the XPUB socket, where ZeroMQ filters
 * them by topic prefix for each eater; subscription messages on the XPUB tell
 * the hub which eaters listen. Every status_freq seconds the hub publishes a
 * SystemStatusChef dumpling of its own. */
#include "hub.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"
#include "netdumplings/payload.h"

#define SH_MAX_KITCHENS 4096
#define SH_MAX_EATERS 4096

/* A kitchen the hub has seen dumplings from (the heartbeat issue adds what the
 * kitchen says about itself). */
typedef struct {
    char name[ND_NAME_MAX + 1];
    uint64_t dumplings;
    double last_seen; /* epoch seconds */
} sh_kitchen_t;

/* An eater that registered with a "$eater/<name>/<id>" subscription. */
typedef struct {
    char *topic; /* the whole subscription, unique per eater instance */
    char name[ND_NAME_MAX + 1];
    double since; /* epoch seconds */
} sh_eater_t;

struct sh_hub {
    sh_config_t config;
    void *ctx;
    void *xsub;
    void *xpub;
    double started_mono;
    double next_status;     /* monotonic */
    uint64_t in;            /* valid dumplings received from kitchens */
    uint64_t out;           /* dumplings forwarded on the XPUB (once each, not per eater) */
    uint64_t invalid;       /* messages from kitchens dropped as invalid */
    uint64_t control;       /* '$' control messages from kitchens */
    uint64_t subscriptions; /* subscriptions eaters hold right now */
    uint64_t status_seq;
    sh_kitchen_t *kitchens;
    size_t nkitchens, kitchencap;
    sh_eater_t *eaters;
    size_t neaters, eatercap;
    nd_dumpling_t d;
    nd_payload_t *pl;
    nd_ratelimit_t invalid_rl;
    nd_ratelimit_t table_rl;
};

static int s_bind(void *sock, const char *address, int port, const char *what, char *err,
                  size_t errlen)
{
    char ep[300];
    snprintf(ep, sizeof ep, "tcp://%s:%d", address, port);
    if (zmq_bind(sock, ep) == 0) {
        nd_info("%s on %s", what, ep);
        return 0;
    }
    if (errno == EADDRINUSE)
        snprintf(err, errlen, "cannot bind %s on %s: port %d is already in use", what, ep, port);
    else
        snprintf(err, errlen, "cannot bind %s on %s: %s", what, ep, zmq_strerror(errno));
    return -1;
}

void sh_hub_destroy(sh_hub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sh_hub_t *self = *self_p;
    if (self->xsub)
        zmq_close(self->xsub);
    if (self->xpub)
        zmq_close(self->xpub);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    for (size_t i = 0; i < self->neaters; i++)
        free(self->eaters[i].topic);
    free(self->eaters);
    free(self->kitchens);
    nd_payload_destroy(&self->pl);
    nd_dumpling_release(&self->d);
    free(self);
    *self_p = NULL;
}

sh_hub_t *sh_hub_new(const sh_config_t *config, char *err, size_t errlen)
{
    sh_hub_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->config = *config;
    nd_dumpling_init(&self->d);
    if (!(self->pl = nd_payload_new())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    self->ctx = zmq_ctx_new();
    if (!self->ctx || !(self->xsub = zmq_socket(self->ctx, ZMQ_XSUB)) ||
        !(self->xpub = zmq_socket(self->ctx, ZMQ_XPUB))) {
        snprintf(err, errlen, "cannot create ZeroMQ sockets: %s", zmq_strerror(errno));
        goto fail;
    }
    int linger = 0, one = 1, hwm = 100000;
    zmq_setsockopt(self->xsub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->xpub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->xsub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    /* Per eater: a slow eater loses dumplings past this, the others never wait. */
    zmq_setsockopt(self->xpub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    /* Every subscribe and unsubscribe, also repeated ones and those of an eater
     * that disconnects: that is how eaters are counted. */
    zmq_setsockopt(self->xpub, ZMQ_XPUB_VERBOSER, &one, sizeof one);

    if (s_bind(self->xsub, config->address, config->in_port, "kitchens (XSUB)", err, errlen) ||
        s_bind(self->xpub, config->address, config->out_port, "eaters (XPUB)", err, errlen))
        goto fail;

    /* Subscribe to everything upstream: a kitchen's PUB filters at the sender
     * and sends nothing until it has a subscription. XSUB passes this message
     * to every kitchen that connects, now or later. */
    if (zmq_send(self->xsub, "\x01", 1, 0) != 1) {
        snprintf(err, errlen, "cannot subscribe upstream: %s", zmq_strerror(errno));
        goto fail;
    }
    self->started_mono = nd_monotonic();
    self->next_status = self->started_mono + config->status_freq;
    return self;
fail:
    sh_hub_destroy(&self);
    return NULL;
}

static void s_kitchen_seen(sh_hub_t *self, const char *name)
{
    for (size_t i = 0; i < self->nkitchens; i++) {
        if (strcmp(self->kitchens[i].name, name) == 0) {
            self->kitchens[i].dumplings++;
            self->kitchens[i].last_seen = nd_now();
            return;
        }
    }
    /* Names come from the network: bound the table (and the status dumpling). */
    if (self->nkitchens >= SH_MAX_KITCHENS) {
        nd_log_limited(&self->table_rl, 60, ND_LOG_WARN,
                       "more than %d kitchens: %s is forwarded but not listed", SH_MAX_KITCHENS,
                       name);
        return;
    }
    if (self->nkitchens == self->kitchencap) {
        size_t cap = self->kitchencap ? self->kitchencap * 2 : 8;
        sh_kitchen_t *n = realloc(self->kitchens, cap * sizeof *n);
        if (!n)
            return;
        self->kitchens = n;
        self->kitchencap = cap;
    }
    sh_kitchen_t *k = &self->kitchens[self->nkitchens++];
    snprintf(k->name, sizeof k->name, "%s", name);
    k->dumplings = 1;
    k->last_seen = nd_now();
    nd_info("new kitchen: %s", name);
}

/* Reads the rest of a multi-frame message; returns the number of frames read. */
static int s_drain(void *sock)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        n++;
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return n;
}

/* One message from a kitchen. Returns -1 when nothing was there. */
static int s_from_kitchen(sh_hub_t *self)
{
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    if (zmq_msg_recv(&topic, self->xsub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&topic);
        return -1;
    }
    zmq_msg_init(&body);
    int frames = 1;
    if (zmq_msg_more(&topic) && zmq_msg_recv(&body, self->xsub, 0) >= 0) {
        frames++;
        if (zmq_msg_more(&body))
            frames += s_drain(self->xsub);
    }
    const char *t = zmq_msg_data(&topic);
    size_t tlen = zmq_msg_size(&topic);
    char err[160];
    if (tlen > 0 && t[0] == '$') {
        /* Control traffic (kitchen heartbeats) is for the hub alone. */
        self->control++;
    } else if (frames != 2) {
        self->invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN,
                       "dropped a message of %d frame(s) from a kitchen (dumplings have 2)",
                       frames);
    } else if (nd_dumpling_decode(&self->d, zmq_msg_data(&body), zmq_msg_size(&body), err,
                                  sizeof err) != 0) {
        self->invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN, "dropped an invalid dumpling: %s", err);
    } else if (!nd_dumpling_topic_matches(&self->d, t, tlen)) {
        self->invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN,
                       "dropped a dumpling from %s whose topic is not %s/%s", self->d.kitchen,
                       self->d.chef, self->d.kitchen);
    } else {
        self->in++;
        s_kitchen_seen(self, self->d.kitchen);
        /* XPUB never blocks: past an eater's high-water mark ZeroMQ drops for
         * that eater only. */
        if (zmq_msg_send(&topic, self->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
            zmq_msg_send(&body, self->xpub, ZMQ_DONTWAIT) >= 0)
            self->out++;
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return 0;
}

static void s_eater_subscribed(sh_hub_t *self, const char *topic, size_t len)
{
    /* "$eater/<name>/<id>" */
    const char *name = topic + 7;
    const char *slash = memchr(name, '/', len - 7);
    size_t nlen = slash ? (size_t)(slash - name) : len - 7;
    if (!nd_name_validn(name, nlen))
        return;
    for (size_t i = 0; i < self->neaters; i++)
        if (strlen(self->eaters[i].topic) == len && memcmp(self->eaters[i].topic, topic, len) == 0)
            return;
    if (self->neaters >= SH_MAX_EATERS) {
        nd_log_limited(&self->table_rl, 60, ND_LOG_WARN, "more than %d eaters: not listing more",
                       SH_MAX_EATERS);
        return;
    }
    if (self->neaters == self->eatercap) {
        size_t cap = self->eatercap ? self->eatercap * 2 : 8;
        sh_eater_t *n = realloc(self->eaters, cap * sizeof *n);
        if (!n)
            return;
        self->eaters = n;
        self->eatercap = cap;
    }
    sh_eater_t *e = &self->eaters[self->neaters];
    if (!(e->topic = malloc(len + 1)))
        return;
    memcpy(e->topic, topic, len);
    e->topic[len] = '\0';
    memcpy(e->name, name, nlen);
    e->name[nlen] = '\0';
    e->since = nd_now();
    self->neaters++;
    nd_info("eater %s connected (%zu eater(s))", e->name, self->neaters);
}

static void s_eater_unsubscribed(sh_hub_t *self, const char *topic, size_t len)
{
    for (size_t i = 0; i < self->neaters; i++) {
        sh_eater_t *e = &self->eaters[i];
        if (strlen(e->topic) == len && memcmp(e->topic, topic, len) == 0) {
            nd_info("eater %s left (%zu eater(s))", e->name, self->neaters - 1);
            free(e->topic);
            self->eaters[i] = self->eaters[--self->neaters];
            return;
        }
    }
}

/* One subscription message from an eater: \x01topic or \x00topic. */
static int s_from_eater(sh_hub_t *self)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, self->xpub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    if (zmq_msg_more(&m))
        s_drain(self->xpub);
    const char *data = zmq_msg_data(&m);
    size_t len = zmq_msg_size(&m);
    if (len >= 1 && (data[0] == 0 || data[0] == 1)) {
        bool sub = data[0] == 1;
        const char *topic = data + 1;
        size_t tlen = len - 1;
        nd_debug("%s '%.*s'", sub ? "subscribe" : "unsubscribe", (int)tlen, topic);
        if (sub)
            self->subscriptions++;
        else if (self->subscriptions)
            self->subscriptions--;
        if (tlen > 7 && memcmp(topic, "$eater/", 7) == 0) {
            if (sub)
                s_eater_subscribed(self, topic, tlen);
            else
                s_eater_unsubscribed(self, topic, tlen);
        }
    }
    zmq_msg_close(&m);
    return 0;
}

static void s_publish_status(sh_hub_t *self)
{
    nd_payload_t *p = self->pl;
    nd_dumpling_meta_t meta = {
        .chef = "SystemStatusChef",
        .kitchen = self->config.name,
        .driver = ND_DRIVER_INTERVAL,
        .creation_time = nd_now() * 1000.0,
        .sequence = ++self->status_seq,
    };
    nd_payload_reset(p);
    nd_dumpling_begin(p, &meta);
    nd_pl_map(p);
    nd_pl_kv_uint(p, "total_dumplings_in", self->in);
    nd_pl_kv_uint(p, "total_dumplings_out", self->out);
    nd_pl_kv_double(p, "server_uptime", nd_monotonic() - self->started_mono);
    nd_pl_kv_uint(p, "dumpling_kitchen_count", self->nkitchens);
    nd_pl_kv_uint(p, "dumpling_eater_count", self->neaters);
    nd_pl_key(p, "dumpling_kitchens");
    nd_pl_array(p);
    for (size_t i = 0; i < self->nkitchens; i++) {
        nd_pl_map(p);
        nd_pl_key(p, "info_from_kitchen");
        nd_pl_map(p);
        nd_pl_kv_str(p, "kitchen_name", self->kitchens[i].name);
        nd_pl_end(p);
        nd_pl_key(p, "info_from_hub");
        nd_pl_map(p);
        nd_pl_kv_uint(p, "dumplings", self->kitchens[i].dumplings);
        nd_pl_kv_double(p, "last_seen", self->kitchens[i].last_seen);
        nd_pl_end(p);
        nd_pl_end(p);
    }
    nd_pl_end(p);
    nd_pl_key(p, "dumpling_eaters");
    nd_pl_array(p);
    for (size_t i = 0; i < self->neaters; i++) {
        nd_pl_map(p);
        nd_pl_key(p, "info_from_eater");
        nd_pl_map(p);
        nd_pl_kv_str(p, "eater_name", self->eaters[i].name);
        nd_pl_end(p);
        nd_pl_key(p, "info_from_hub");
        nd_pl_map(p);
        nd_pl_kv_double(p, "connected_since", self->eaters[i].since);
        nd_pl_end(p);
        nd_pl_end(p);
    }
    nd_pl_end(p);
    nd_pl_kv_uint(p, "invalid_dumplings_in", self->invalid);
    nd_pl_kv_uint(p, "control_messages_in", self->control);
    nd_pl_kv_uint(p, "subscriptions", self->subscriptions);
    nd_pl_end(p);
    const char *why = NULL;
    if (nd_dumpling_finish(p, &why) != 0) {
        nd_error("cannot build SystemStatusChef dumpling: %s", why ? why : "?");
        return;
    }
    char topic[2 * ND_NAME_MAX + 2];
    int tlen = nd_topic(topic, sizeof topic, meta.chef, meta.kitchen);
    if (tlen < 0)
        return;
    /* Counted after it was built: the payload says how many went out before it. */
    if (zmq_send(self->xpub, topic, (size_t)tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(self->xpub, nd_pl_data(p), nd_pl_size(p), ZMQ_DONTWAIT) < 0)
        nd_warn("cannot publish SystemStatusChef: %s", zmq_strerror(errno));
    else
        self->out++;
    nd_debug("status: in %llu, out %llu, invalid %llu, kitchens %zu, eaters %zu",
             (unsigned long long)self->in, (unsigned long long)self->out,
             (unsigned long long)self->invalid, self->nkitchens, self->neaters);
}

int sh_hub_run(sh_hub_t *self, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        double now = nd_monotonic();
        if (now >= self->next_status) {
            s_publish_status(self);
            /* Keep to the grid; after a long stall, skip rather than burst. */
            self->next_status += self->config.status_freq;
            if (self->next_status <= now)
                self->next_status = now + self->config.status_freq;
        }
        long wait_ms = (long)((self->next_status - now) * 1000) + 1;
        if (wait_ms < 0)
            wait_ms = 0;
        zmq_pollitem_t items[] = {{self->xsub, 0, ZMQ_POLLIN, 0}, {self->xpub, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, wait_ms) < 0) {
            if (errno == EINTR)
                continue;
            nd_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        /* Bounded batches so that neither side starves the other or the clock. */
        if (items[1].revents & ZMQ_POLLIN)
            for (int i = 0; i < 1000 && s_from_eater(self) == 0; i++)
                ;
        if (items[0].revents & ZMQ_POLLIN)
            for (int i = 0; i < 1000 && s_from_kitchen(self) == 0; i++)
                ;
    }
    nd_info("stopping: %llu dumplings in, %llu out, %llu invalid", (unsigned long long)self->in,
            (unsigned long long)self->out, (unsigned long long)self->invalid);
    return 0;
}
