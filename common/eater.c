/* eater.c: the C eater library: a SUB socket on the hub's XPUB, chef filtering
 * by topic prefix at the hub, kitchen filtering here, validation of every body,
 * per-kitchen sequence-gap counting and connection events from a socket monitor. */
#include "netdumplings/eater.h"

#include "netdumplings/curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/log.h"
#include "netdumplings/wire.h"

typedef struct {
    char kitchen[ND_NAME_MAX + 1];
    uint64_t last; /* last sequence number seen from this kitchen */
} s_seq_t;

struct nd_eater {
    void *ctx;
    void *sub;
    void *monitor;
    char *hub;
    char *name;
    char **kitchens;
    size_t nkitchens;
    bool all_chefs; /* gaps are only meaningful when we see every chef */
    nd_eater_callbacks_t cb;
    void *arg;
    nd_eater_stats_t stats;
    s_seq_t *seqs;
    size_t nseqs, seqcap;
    nd_dumpling_t d;
    nd_ratelimit_t invalid_rl;
};

static char *s_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

void nd_eater_destroy(nd_eater_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_eater_t *self = *self_p;
    if (self->monitor)
        zmq_close(self->monitor);
    if (self->sub) {
        zmq_socket_monitor(self->sub, NULL, 0);
        zmq_close(self->sub);
    }
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    for (size_t i = 0; i < self->nkitchens; i++)
        free(self->kitchens[i]);
    free(self->kitchens);
    free(self->hub);
    free(self->name);
    free(self->seqs);
    nd_dumpling_release(&self->d);
    free(self);
    *self_p = NULL;
}

static int s_subscribe(nd_eater_t *self, const char *topic, char *err, size_t errlen)
{
    if (zmq_setsockopt(self->sub, ZMQ_SUBSCRIBE, topic, strlen(topic)) != 0) {
        snprintf(err, errlen, "cannot subscribe to '%s': %s", topic, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

nd_eater_t *nd_eater_new(const nd_eater_config_t *config, const nd_eater_callbacks_t *cb, void *arg,
                         char *err, size_t errlen)
{
    const char *hub = config && config->hub ? config->hub : "tcp://localhost:11349";
    const char *name = config && config->eater_name ? config->eater_name : "nd_eater";
    if (!cb || !cb->on_dumpling) {
        snprintf(err, errlen, "on_dumpling callback is required");
        return NULL;
    }
    if (!nd_name_valid(name)) {
        snprintf(err, errlen, "invalid eater name '%s' (1-64 chars of [A-Za-z0-9_.-])", name);
        return NULL;
    }
    nd_eater_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
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
                snprintf(err, errlen, "invalid kitchen name '%s'", config->kitchens[i]);
                goto fail;
            }
            if (!(self->kitchens[i] = s_strdup(config->kitchens[i])))
                goto oom;
            self->nkitchens++;
        }
    }

    self->ctx = zmq_ctx_new();
    if (!self->ctx || !(self->sub = zmq_socket(self->ctx, ZMQ_SUB))) {
        snprintf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        goto fail;
    }
    int linger = 0;
    zmq_setsockopt(self->sub, ZMQ_LINGER, &linger, sizeof linger);
    /* The hub fans out with no flow control: a generous queue here means a
     * burst waits for us rather than being dropped at the hub. */
    int hwm = 100000;
    zmq_setsockopt(self->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);

    if (config && config->nchefs) {
        for (size_t i = 0; i < config->nchefs; i++) {
            char topic[ND_NAME_MAX + 2];
            if (!nd_name_valid(config->chefs[i])) {
                snprintf(err, errlen, "invalid chef name '%s'", config->chefs[i]);
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
        self->all_chefs = true;
        if (s_subscribe(self, "", err, errlen) != 0)
            goto fail;
    }
    /* Registration: the hub sees this subscription (ZMQ_XPUB_VERBOSER) and its
     * removal when we go away, which is how it knows eaters by name. No
     * kitchen publishes on it, so it costs nothing. The suffix makes two
     * eaters with the same name two subscriptions. */
    char reg[ND_NAME_MAX + 64];
    snprintf(reg, sizeof reg, "$eater/%s/%ld.%lx", name, (long)getpid(), (unsigned long)self);
    if (s_subscribe(self, reg, err, errlen) != 0)
        goto fail;

    char mon[64];
    snprintf(mon, sizeof mon, "inproc://nd-eater-monitor-%p", (void *)self);
    if (zmq_socket_monitor(self->sub, mon, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
        !(self->monitor = zmq_socket(self->ctx, ZMQ_PAIR)) ||
        zmq_connect(self->monitor, mon) != 0) {
        snprintf(err, errlen, "cannot monitor the hub connection: %s", zmq_strerror(errno));
        goto fail;
    }
    zmq_setsockopt(self->monitor, ZMQ_LINGER, &linger, sizeof linger);
    /* CURVE keys from the environment (ND_CURVE_*) or the program's options. */
    if (nd_curve_client_apply(self->sub, err, errlen) != 0)
        goto fail;
    if (zmq_connect(self->sub, self->hub) != 0) {
        snprintf(err, errlen, "invalid hub endpoint '%s': %s", self->hub, zmq_strerror(errno));
        goto fail;
    }
    return self;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    nd_eater_destroy(&self);
    return NULL;
}

/* Reads one monitor event and calls the matching callback. */
static void s_monitor_event(nd_eater_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, self->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return;
    }
    uint16_t event = 0;
    if (zmq_msg_size(&msg) >= 2)
        memcpy(&event, zmq_msg_data(&msg), 2);
    /* The second frame is the endpoint; drain it. */
    while (zmq_msg_more(&msg)) {
        zmq_msg_close(&msg);
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, self->monitor, 0) < 0)
            break;
    }
    zmq_msg_close(&msg);
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

/* Counts dumplings lost between two from the same kitchen. A number that does
 * not go forward means the kitchen restarted: start counting again from it. */
static void s_count_gap(nd_eater_t *self, const nd_dumpling_t *d)
{
    if (!self->all_chefs || !d->has_sequence)
        return;
    for (size_t i = 0; i < self->nseqs; i++) {
        s_seq_t *s = &self->seqs[i];
        if (strcmp(s->kitchen, d->kitchen) != 0)
            continue;
        if (d->sequence > s->last + 1)
            self->stats.gaps += d->sequence - s->last - 1;
        s->last = d->sequence;
        return;
    }
    if (self->nseqs == self->seqcap) {
        size_t cap = self->seqcap ? self->seqcap * 2 : 8;
        s_seq_t *n = realloc(self->seqs, cap * sizeof *n);
        if (!n)
            return;
        self->seqs = n;
        self->seqcap = cap;
    }
    s_seq_t *s = &self->seqs[self->nseqs++];
    snprintf(s->kitchen, sizeof s->kitchen, "%s", d->kitchen);
    s->last = d->sequence;
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
    if (tlen > 0 && t[0] == '$') {
        /* Control traffic is not for eaters. */
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
        s_count_gap(self, &self->d);
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
        if (items[0].revents & ZMQ_POLLIN) {
            /* Drain what is queued, but look at the clock and *stop now and then. */
            for (int i = 0; i < 1000; i++) {
                int rc = s_receive(self);
                if (rc == 1)
                    return 1;
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
}
