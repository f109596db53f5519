/* SPDX-License-Identifier: MIT */
/* hub.c: the hub's main loop. Kitchens' dumplings arrive on the XSUB socket,
 * are validated and forwarded unchanged on the XPUB socket, where ZeroMQ filters
 * them by topic prefix for each eater; subscription messages on the XPUB tell
 * the hub which eaters listen. Heartbeats ("$kitchen/...", "$gateway/...") and
 * per-kitchen sequence numbers keep the kitchen table and the loss counts.
 * Every status_freq seconds the hub publishes a SystemStatusChef dumpling. */
#include "hub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "control.h"
#include "upstream.h"
#include "security.h"
#include "status.h"

#include "netdumplings/address.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/wire.h"
#include "netdumplings/payload.h"

#define SH_MAX_KITCHENS 1024
#define SH_MAX_EATERS 4096
#define SH_MAX_GATEWAYS 64
/* Dumplings queued from all kitchens before the hub stops reading their
 * connections. Kitchens wait on TCP rather than drop (ZMQ_XPUB_NODROP), and
 * each queued dumpling costs ~0.5 KiB here: a deep queue bought nothing but
 * memory (100,000 took the hub to 37-43 MiB at full speed). */
#define SH_IN_HWM 1000

/* Where a message came from: the TCP peer of the connection it arrived on. */
typedef struct {
    char host[INET6_ADDRSTRLEN];
    int port; /* 0 when unknown */
} sh_peer_t;

/* A kitchen the hub hears from: its heartbeats (what it says about itself)
 * and its dumplings (what the hub sees). */
typedef struct {
    char name[ND_NAME_MAX + 1];
    bool has_info; /* a heartbeat came; else only dumplings did (an old kitchen) */
    sh_kitchen_info_t info;
    sh_peer_t peer;
    double first_seen, last_heartbeat, last_seen; /* epoch s */
    double last_heard_mono;                       /* heartbeat, or dumpling without them */
    uint64_t dumplings, heartbeats, restarts, lost;
    bool has_seq;
    uint64_t last_seq; /* highest sequence number accounted for, this boot */
    bool from_start;   /* this hub saw this boot from its first number on */
    double boot_seen;  /* epoch s (hub clock): this boot first heard of */
    sh_via_t via;      /* the hubs its heartbeats came through (federation) */
} sh_kitchen_t;

/* An eater that registered with a "$eater/<name>/<id>" subscription. */
typedef struct {
    char *topic; /* the whole subscription, unique per eater instance */
    char name[ND_NAME_MAX + 1];
    char id[ND_NAME_MAX + 1];
    sh_peer_t peer;
    double since;  /* epoch seconds */
    bool has_info; /* its "$eater/<name>/<id>" heartbeat came (issue 18) */
    sh_eater_info_t *info;
    uint64_t heartbeats;
} sh_eater_t;

/* A gateway that sends "$gateway/<name>" heartbeats. */
typedef struct {
    sh_gateway_info_t info;
    sh_peer_t peer;
    double first_seen, last_heartbeat, last_heard_mono;
    uint64_t heartbeats, restarts;
} sh_gateway_t;

struct sh_hub {
    sh_config_t config;
    void *ctx;
    void *xsub;
    void *xpub;
    nd_curve_auth_t *auth; /* CURVE authenticator, NULL without --curve-secret */
    sh_limits_t *limits;   /* counts disconnects on the XSUB (--max-message) */
    char boot_id[ND_BOOT_ID_LEN + 1];
    double started, started_mono;
    double next_status;     /* monotonic */
    double next_expiry;     /* monotonic */
    uint64_t in;            /* valid dumplings received from kitchens */
    uint64_t out;           /* dumplings forwarded on the XPUB (once each, not per eater) */
    uint64_t invalid;       /* messages from kitchens dropped as invalid */
    uint64_t control;       /* '$' control messages from kitchens */
    uint64_t subscriptions; /* subscriptions eaters hold right now */
    uint64_t lost;          /* sequence gaps over all kitchens, ever */
    uint64_t restarts;      /* kitchen restarts (new boot id under a known name) */
    uint64_t suspicious;    /* heartbeats with impossible sequence numbers */
    uint64_t eater_lost_gone, eater_received_gone; /* of eaters no longer listed */
    nd_payload_t *sent_pl;                         /* the "$sent/<kitchen>" table */
    uint64_t status_seq;
    sh_upstream_t *up;    /* --upstream, or NULL */
    uint64_t loops;       /* messages dropped because they came through this hub before */
    uint64_t hop_limited; /* messages dropped for having gone through too many hubs */
    sh_kitchen_t *kitchens;
    size_t nkitchens, kitchencap;
    sh_eater_t *eaters;
    size_t neaters, eatercap;
    sh_gateway_t gateways[SH_MAX_GATEWAYS];
    size_t ngateways;
    nd_dumpling_t d;
    nd_payload_t *pl;
    nd_ratelimit_t invalid_rl;
    nd_ratelimit_t control_rl;
    nd_ratelimit_t loss_rl;
    nd_ratelimit_t table_rl;
    nd_ratelimit_t loop_rl;
    /* The clock read once per batch of messages, not per dumpling: a
     * kitchen's last_seen is good to a batch (< 1 ms at full speed). */
    double batch_now, batch_mono;
    size_t last_kitchen; /* index of the kitchen found last: usually the next one too */
};

/* The peer of the connection a message came in on. ZMQ_SRCFD is the socket's
 * file descriptor (libzmq 4.3 still fills it for TCP); "Peer-Address" metadata
 * gives at least the host when it does not, as when the peer has closed the
 * connection before the hub reads its last message (a kitchen's heartbeat as
 * it exits). A port known from an earlier message of the same host is kept
 * then, so `out` is the peer as last known. An IPv4 kitchen on the dual-stack
 * socket of a hub bound to * shows as IPv4, not as ::ffff:a.b.c.d. */
static void s_peer(zmq_msg_t *m, sh_peer_t *out)
{
    sh_peer_t now = {.port = 0};
    snprintf(now.host, sizeof now.host, "unknown");
    int fd = zmq_msg_get(m, ZMQ_SRCFD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
        nd_sockaddr_host((struct sockaddr *)&ss, now.host, sizeof now.host, &now.port)) {
        *out = now;
        return;
    }
    now.port = 0;
    const char *pa = zmq_msg_gets(m, "Peer-Address");
    if (pa) {
        snprintf(now.host, sizeof now.host, "%s", pa);
        nd_host_unmap(now.host);
    }
    if (out->port != 0 && strcmp(out->host, now.host) == 0)
        return;
    *out = now;
}

/* Says where a socket listens; for * whether IPv6 was there to take too. */
static void s_log_bound(void *sock, const char *ep, const char *what)
{
    char last[ND_HOST_MAX + 16] = "";
    size_t len = sizeof last;
    if (strncmp(ep, "tcp://*:", 8) != 0) {
        nd_info("%s on %s", what, ep);
        return;
    }
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, last, &len);
    if (strncmp(last, "tcp://[::]:", 11) == 0)
        nd_info("%s on %s: every address, IPv4 and IPv6 (%s)", what, ep, last);
    else
        nd_info("%s on %s: every IPv4 address, no IPv6 on this host (%s)", what, ep, last);
}

/* Binds `sock` on every host --address stands for. When a name stands for
 * several addresses, one that is not on this host is skipped (with a warning)
 * as long as another binds; anything else is an error. */
static int s_bind(void *sock, const nd_bind_list_t *hosts, int port, const char *what, char *err,
                  size_t errlen)
{
    size_t bound = 0;
    for (size_t i = 0; i < hosts->n; i++) {
        char ep[ND_HOST_MAX + 16];
        if (nd_endpoint_format(ep, sizeof ep, hosts->host[i], port) < 0)
            return nd_errf(err, errlen, "address too long: %s", hosts->host[i]);
        if (zmq_bind(sock, ep) == 0) {
            s_log_bound(sock, ep, what);
            bound++;
            continue;
        }
        int e = errno;
        char why[300];
        if (e == EADDRINUSE)
            return nd_errf(err, errlen, "cannot bind %s on %s: port %d is already in use", what, ep,
                           port);
        if (e == EADDRNOTAVAIL || e == ENODEV)
            snprintf(why, sizeof why, "%s is not an address of this host", hosts->host[i]);
        else
            snprintf(why, sizeof why, "%s", zmq_strerror(e));
        if (!hosts->named || hosts->n == 1)
            return nd_errf(err, errlen, "cannot bind %s on %s: %s", what, ep, why);
        nd_warn("%s: not listening on %s: %s", what, ep, why);
    }
    if (bound == 0)
        return nd_errf(err, errlen, "cannot bind %s on any address of '%s'", what,
                       hosts->n ? hosts->host[0] : "?");
    return 0;
}

void sh_hub_destroy(sh_hub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sh_hub_t *self = *self_p;
    sh_upstream_destroy(&self->up);
    sh_limits_destroy(&self->limits);
    if (self->xsub)
        zmq_close(self->xsub);
    if (self->xpub)
        zmq_close(self->xpub);
    nd_curve_auth_destroy(&self->auth);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    for (size_t i = 0; i < self->neaters; i++) {
        free(self->eaters[i].topic);
        free(self->eaters[i].info);
    }
    free(self->eaters);
    free(self->kitchens);
    nd_payload_destroy(&self->pl);
    nd_payload_destroy(&self->sent_pl);
    nd_dumpling_release(&self->d);
    free(self);
    *self_p = NULL;
}

sh_hub_t *sh_hub_new(const sh_config_t *config, char *err, size_t errlen)
{
    sh_hub_t *self = calloc(1, sizeof *self);
    if (!self) {
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    self->config = *config;
    nd_dumpling_init(&self->d);
    if (!(self->pl = nd_payload_new()) || !(self->sent_pl = nd_payload_new())) {
        nd_errf(err, errlen, "out of memory");
        goto fail;
    }
    self->ctx = zmq_ctx_new();
    if (!self->ctx || !(self->xsub = zmq_socket(self->ctx, ZMQ_XSUB)) ||
        !(self->xpub = zmq_socket(self->ctx, ZMQ_XPUB))) {
        nd_errf(err, errlen, "cannot create ZeroMQ sockets: %s", zmq_strerror(errno));
        goto fail;
    }
    int linger = 0, one = 1, hwm = 100000, in_hwm = SH_IN_HWM;
    zmq_setsockopt(self->xsub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->xpub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->xsub, ZMQ_RCVHWM, &in_hwm, sizeof in_hwm);
    /* Per eater: a slow eater loses dumplings past this, the others never wait. */
    int out_hwm = config->out_hwm > 0 ? config->out_hwm : hwm;
    zmq_setsockopt(self->xpub, ZMQ_SNDHWM, &out_hwm, sizeof out_hwm);
    /* Every subscribe and unsubscribe, also repeated ones and those of an eater
     * that disconnects: that is how eaters are counted. */
    zmq_setsockopt(self->xpub, ZMQ_XPUB_VERBOSER, &one, sizeof one);

    /* Both families: "*" takes IPv4 and IPv6 on one socket, IPv6 peers show. */
    nd_zmq_ipv6(self->xsub);
    nd_zmq_ipv6(self->xpub);

    nd_bind_list_t hosts;
    if (nd_address_resolve(config->address, &hosts, err, errlen) != 0)
        goto fail;
    if (sh_security_setup(self->ctx, self->xsub, self->xpub, config, &self->auth, &self->limits,
                          err, errlen) != 0)
        goto fail;
    if (s_bind(self->xsub, &hosts, config->in_port, "kitchens (XSUB)", err, errlen) ||
        s_bind(self->xpub, &hosts, config->out_port, "eaters (XPUB)", err, errlen))
        goto fail;

    /* Subscribe to everything upstream: a kitchen's PUB filters at the sender
     * and sends nothing until it has a subscription. XSUB passes this message
     * to every kitchen that connects, now or later. */
    if (zmq_send(self->xsub, "\x01", 1, 0) != 1) {
        nd_errf(err, errlen, "cannot subscribe upstream: %s", zmq_strerror(errno));
        goto fail;
    }
    self->started_mono = nd_monotonic();
    self->started = nd_now();
    self->next_expiry = self->started_mono;
    nd_boot_id(self->boot_id);
    nd_info("boot id %s", self->boot_id);
    if (config->upstream && !(self->up = sh_upstream_new(self->ctx, config->upstream, err, errlen)))
        goto fail;
    self->next_status = self->started_mono + config->status_freq;
    return self;
fail:
    sh_hub_destroy(&self);
    return NULL;
}

/* Sums of counters from the network saturate instead of wrapping. */
static void s_add(uint64_t *sum, uint64_t v)
{
    *sum = *sum + v < *sum || *sum + v > SH_UINT_MAX ? SH_UINT_MAX : *sum + v;
}

static sh_kitchen_t *s_kitchen_find(sh_hub_t *self, const char *name, bool create)
{
    /* Dumplings come in runs from one kitchen: try the last one first. */
    if (self->last_kitchen < self->nkitchens &&
        strcmp(self->kitchens[self->last_kitchen].name, name) == 0)
        return &self->kitchens[self->last_kitchen];
    for (size_t i = 0; i < self->nkitchens; i++)
        if (strcmp(self->kitchens[i].name, name) == 0) {
            self->last_kitchen = i;
            return &self->kitchens[i];
        }
    if (!create)
        return NULL;
    /* Names come from the network: bound the table (and the status dumpling). */
    if (self->nkitchens >= SH_MAX_KITCHENS) {
        nd_log_limited(&self->table_rl, 60, ND_LOG_WARN,
                       "more than %d kitchens: %s is forwarded but not listed", SH_MAX_KITCHENS,
                       name);
        return NULL;
    }
    if (self->nkitchens == self->kitchencap) {
        size_t cap = self->kitchencap ? self->kitchencap * 2 : 8;
        sh_kitchen_t *n = realloc(self->kitchens, cap * sizeof *n);
        if (!n)
            return NULL;
        self->kitchens = n;
        self->kitchencap = cap;
    }
    sh_kitchen_t *k = &self->kitchens[self->nkitchens++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->first_seen = nd_now();
    k->boot_seen = k->first_seen;
    k->last_heard_mono = nd_monotonic();
    nd_info("new kitchen: %s", name);
    return k;
}

/* More than a kitchen can make between two heartbeats: a number that jumps
 * further ahead is not believed (nor counted as loss). */
#define SH_SEQ_ABSURD 1000000000ULL

/* Sequence numbers up to `seq` are accounted for: count the ones skipped. */
static void s_account(sh_hub_t *self, sh_kitchen_t *k, uint64_t seq, bool dumpling)
{
    if (seq > SH_UINT_MAX)
        seq = SH_UINT_MAX; /* a hostile number: keep the status readable as JSON */
    if (!k->has_seq) {
        k->has_seq = true;
        k->last_seq = seq;
        k->from_start = dumpling ? seq == 1 : seq == 0;
        return;
    }
    /* A dumpling: seq itself arrived, so seq - last - 1 are missing. A
     * heartbeat: every dumpling up to seq was sent before it on the same
     * ordered connection, so seq - last are missing. */
    uint64_t arrived = dumpling ? 1 : 0;
    if (!dumpling && (seq < k->last_seq || seq - k->last_seq > SH_SEQ_ABSURD)) {
        /* A heartbeat says fewer were sent than arrived, or absurdly many:
         * the same boot cannot do either. Believe neither. */
        self->suspicious++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN,
                       "kitchen %s: heartbeat with impossible sequence %llu (last %llu), ignored",
                       k->name, (unsigned long long)seq, (unsigned long long)k->last_seq);
        return;
    }
    if (seq >= k->last_seq + arrived) {
        uint64_t gap = seq - k->last_seq - arrived;
        if (gap) {
            s_add(&k->lost, gap);
            s_add(&self->lost, gap);
            nd_log_limited(&self->loss_rl, 10, ND_LOG_WARN,
                           "kitchen %s: %llu dumpling(s) lost before sequence %llu", k->name,
                           (unsigned long long)gap, (unsigned long long)seq);
        }
        k->last_seq = seq;
    } else if (dumpling) {
        /* Going back: the kitchen restarted (its heartbeat will say so) or
         * repeats itself; count from here. */
        k->last_seq = seq;
    }
}

static void s_kitchen_dumpling(sh_hub_t *self, const nd_dumpling_t *d)
{
    sh_kitchen_t *k = s_kitchen_find(self, d->kitchen, true);
    if (!k)
        return;
    k->dumplings++;
    k->last_seen = self->batch_now;
    /* Dumplings are a sign of life too: a kitchen whose heartbeats wait behind
     * a full queue is not gone. */
    k->last_heard_mono = self->batch_mono;
    if (d->has_sequence)
        s_account(self, k, d->sequence, true);
}

/* After each valid kitchen heartbeat, "$sent/<kitchen>" to the eaters that
 * subscribe to it: the last number sent on each of its topics. It follows the
 * kitchen's dumplings on the same ordered path, so an eater that gets it has
 * had (or lost) every dumpling up to those numbers: the tail of a stream. */
static void s_publish_sent(sh_hub_t *self, const sh_kitchen_t *k)
{
    const sh_kitchen_info_t *info = &k->info;
    char topic[ND_NAME_MAX + 8];
    int tlen = snprintf(topic, sizeof topic, "$sent/%s", info->kitchen_name);
    nd_payload_t *p = self->sent_pl;
    nd_payload_reset(p);
    nd_pl_map(p);
    sh_kitchen_sent_pack(p, info);
    /* An eater that registered before this boot was first heard of (the
     * hub's clock, see s_welcome) and that the hub saw from its first
     * number, was there for every dumpling of it. */
    nd_pl_kv_double(p, "first_seen", k->boot_seen);
    nd_pl_kv_bool(p, "from_start", k->from_start);
    nd_pl_end(p);
    if (nd_pl_error(p))
        return;
    if (zmq_send(self->xpub, topic, (size_t)tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        zmq_send(self->xpub, nd_pl_data(p), nd_pl_size(p), ZMQ_DONTWAIT);
}

static void s_kitchen_heartbeat(sh_hub_t *self, const char *name, zmq_msg_t *body,
                                const sh_via_t *via)
{
    sh_kitchen_info_t info;
    char err[200];
    if (sh_kitchen_info_decode(&info, name, zmq_msg_data(body), zmq_msg_size(body), err,
                               sizeof err) != 0) {
        self->invalid++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN, "dropped a kitchen heartbeat: %s", err);
        return;
    }
    sh_kitchen_t *k = s_kitchen_find(self, name, true);
    if (!k)
        return;
    if (k->has_info && strcmp(k->info.boot_id, info.boot_id) != 0) {
        /* Same name, new boot id: the kitchen restarted. Its numbering starts
         * again; nothing is lost by that. */
        k->restarts++;
        self->restarts++;
        k->has_seq = false;
        k->boot_seen = nd_now();
        nd_info("kitchen %s restarted (boot id %s, was %s)", name, info.boot_id, k->info.boot_id);
    } else if (!k->has_info) {
        nd_info("kitchen %s: heartbeat from %s pid %llu (boot id %s)", name, info.hostname,
                (unsigned long long)info.pid, info.boot_id);
    }
    k->info = info;
    k->has_info = true;
    s_peer(body, &k->peer);
    k->via = *via;
    k->heartbeats++;
    k->last_heartbeat = nd_now();
    k->last_heard_mono = nd_monotonic();
    if (info.topics_refused) {
        self->suspicious++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN,
                       "kitchen %s: %llu topic(s) of its heartbeat refused (not a chef name, or "
                       "past its sequence %llu)",
                       name, (unsigned long long)info.topics_refused,
                       (unsigned long long)info.sequence);
    }
    s_account(self, k, info.sequence, false);
    s_publish_sent(self, k);
}

static void s_gateway_heartbeat(sh_hub_t *self, const char *name, zmq_msg_t *body)
{
    sh_gateway_info_t info;
    char err[200];
    if (sh_gateway_info_decode(&info, name, zmq_msg_data(body), zmq_msg_size(body), err,
                               sizeof err) != 0) {
        self->invalid++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN, "dropped a gateway heartbeat: %s", err);
        return;
    }
    sh_gateway_t *g = NULL;
    for (size_t i = 0; i < self->ngateways; i++)
        if (strcmp(self->gateways[i].info.gateway_name, name) == 0)
            g = &self->gateways[i];
    if (!g) {
        if (self->ngateways == SH_MAX_GATEWAYS) {
            nd_log_limited(&self->table_rl, 60, ND_LOG_WARN, "more than %d gateways: %s not listed",
                           SH_MAX_GATEWAYS, name);
            return;
        }
        g = &self->gateways[self->ngateways++];
        memset(g, 0, sizeof *g);
        g->first_seen = nd_now();
        nd_info("new gateway: %s", name);
    } else if (strcmp(g->info.boot_id, info.boot_id) != 0) {
        g->restarts++;
        nd_info("gateway %s restarted (boot id %s)", name, info.boot_id);
    }
    g->info = info;
    s_peer(body, &g->peer);
    g->heartbeats++;
    g->last_heartbeat = nd_now();
    g->last_heard_mono = nd_monotonic();
}

/* "$eater/<name>/<id>" on the in port: what an eater received and lost. It
 * belongs to the eater registered with the same subscription topic; one that
 * is not (yet) registered is ignored. */
static void s_eater_heartbeat(sh_hub_t *self, const char *t, size_t tlen, zmq_msg_t *body)
{
    sh_eater_t *e = NULL;
    for (size_t i = 0; i < self->neaters && !e; i++)
        if (strlen(self->eaters[i].topic) == tlen && memcmp(self->eaters[i].topic, t, tlen) == 0)
            e = &self->eaters[i];
    if (!e || !e->id[0])
        return;
    if (!e->info && !(e->info = malloc(sizeof *e->info)))
        return;
    sh_eater_info_t info;
    char err[200];
    if (sh_eater_info_decode(&info, e->name, e->id, zmq_msg_data(body), zmq_msg_size(body), err,
                             sizeof err) != 0) {
        self->invalid++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN, "dropped an eater heartbeat: %s", err);
        return;
    }
    *e->info = info;
    e->heartbeats++;
}

/* Federation: passes a valid message on to the central hub, adding this hub
 * and the peer it came from to its via list. */
static void s_forward(sh_hub_t *self, const char *t, size_t tlen, zmq_msg_t *body,
                      const sh_via_t *via)
{
    if (!self->up)
        return;
    sh_peer_t from = {.port = 0};
    s_peer(body, &from);
    char f[sizeof from.host + 8];
    if (from.port)
        nd_host_port(f, sizeof f, from.host, (unsigned)from.port);
    else
        snprintf(f, sizeof f, "%s", from.host);
    sh_upstream_forward(self->up, t, tlen, zmq_msg_data(body), zmq_msg_size(body), via,
                        self->config.name, self->boot_id, f);
}

/* A "$..." message from the in port. */
static void s_control(sh_hub_t *self, const char *t, size_t tlen, int frames, zmq_msg_t *body,
                      const sh_via_t *via)
{
    self->control++;
    char name[ND_NAME_MAX + 1];
    const char *kind = NULL;
    size_t plen = 0;
    if (tlen > 9 && memcmp(t, "$kitchen/", 9) == 0)
        kind = "kitchen", plen = 9;
    else if (tlen > 9 && memcmp(t, "$gateway/", 9) == 0)
        kind = "gateway", plen = 9;
    else if (tlen > 7 && memcmp(t, "$eater/", 7) == 0) {
        if (frames == 2)
            s_eater_heartbeat(self, t, tlen, body);
        else
            self->invalid++;
        return;
    }
    if (!kind)
        return; /* other control traffic: reserved, ignored */
    /* Two frames, or three with a via list for kitchens (federation). */
    if ((frames != 2 && !(frames == 3 && kind[0] == 'k')) ||
        !nd_name_validn(t + plen, tlen - plen)) {
        self->invalid++;
        nd_log_limited(&self->control_rl, 10, ND_LOG_WARN,
                       "dropped a %s heartbeat with a bad topic or %d frame(s)", kind, frames);
        return;
    }
    memcpy(name, t + plen, tlen - plen);
    name[tlen - plen] = '\0';
    if (kind[0] == 'k') {
        uint64_t invalid = self->invalid;
        s_kitchen_heartbeat(self, name, body, via);
        if (self->invalid == invalid)
            s_forward(self, t, tlen, body, via);
    } else
        s_gateway_heartbeat(self, name, body);
}

/* Forgets kitchens and gateways not heard from for kitchen_timeout seconds. */
static void s_expire(sh_hub_t *self)
{
    double now = nd_monotonic();
    for (size_t i = 0; i < self->nkitchens;) {
        sh_kitchen_t *k = &self->kitchens[i];
        if (now - k->last_heard_mono > self->config.kitchen_timeout) {
            nd_info("kitchen %s gone: nothing heard for %.1f s", k->name, now - k->last_heard_mono);
            self->kitchens[i] = self->kitchens[--self->nkitchens];
            continue;
        }
        i++;
    }
    for (size_t i = 0; i < self->ngateways;) {
        sh_gateway_t *g = &self->gateways[i];
        if (now - g->last_heard_mono > self->config.kitchen_timeout) {
            nd_info("gateway %s gone: nothing heard for %.1f s", g->info.gateway_name,
                    now - g->last_heard_mono);
            self->gateways[i] = self->gateways[--self->ngateways];
            continue;
        }
        i++;
    }
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
    zmq_msg_t vmsg;
    zmq_msg_init(&body);
    zmq_msg_init(&vmsg);
    int frames = 1;
    if (zmq_msg_more(&topic) && zmq_msg_recv(&body, self->xsub, 0) >= 0) {
        frames++;
        /* A third frame is the via list of a message a site hub forwarded. */
        if (zmq_msg_more(&body) && zmq_msg_recv(&vmsg, self->xsub, 0) >= 0) {
            frames++;
            if (zmq_msg_more(&vmsg))
                frames += nd_wire_drain(self->xsub);
        }
    }
    const char *t = zmq_msg_data(&topic);
    size_t tlen = zmq_msg_size(&topic);
    char err[160];
    sh_via_t via = {.n = 0};
    bool too_many = false;
    if (frames == 3 && sh_via_decode(&via, zmq_msg_data(&vmsg), zmq_msg_size(&vmsg), &too_many, err,
                                     sizeof err) != 0) {
        if (too_many)
            self->hop_limited++;
        else
            self->invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN, "dropped a forwarded message: %s", err);
    } else if (frames == 3 && sh_via_has(&via, self->boot_id)) {
        /* It went through this hub before: a loop of --upstream links. */
        self->loops++;
        nd_log_limited(&self->loop_rl, 10, ND_LOG_WARN,
                       "dropped a message that came back through this hub (%s): the --upstream "
                       "links make a loop (%llu dropped so far)",
                       via.hops[0].hub, (unsigned long long)self->loops);
    } else if (tlen > 0 && t[0] == '$') {
        /* Control traffic (heartbeats) is for the hub alone. */
        s_control(self, t, tlen, frames, &body, &via);
    } else if (frames != 2 && frames != 3) {
        self->invalid++;
        nd_log_limited(&self->invalid_rl, 10, ND_LOG_WARN,
                       "dropped a message of %d frame(s) from a kitchen (dumplings have 2)",
                       frames);
    } else if (nd_dumpling_scan(&self->d, zmq_msg_data(&body), zmq_msg_size(&body), err,
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
        s_kitchen_dumpling(self, &self->d);
        /* XPUB never blocks: past an eater's high-water mark ZeroMQ drops for
         * that eater only. */
        s_forward(self, t, tlen, &body, &via);
        if (zmq_msg_send(&topic, self->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
            zmq_msg_send(&body, self->xpub, ZMQ_DONTWAIT) >= 0)
            self->out++;
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    zmq_msg_close(&vmsg);
    return 0;
}

/* One message on an eater's own registration topic, which only it
 * subscribes to: when the hub registered it, on the hub's clock. With the
 * "first_seen" of the "$sent/" tables it tells the eater which kitchens'
 * streams it was there for from their first dumpling. */
static void s_welcome(sh_hub_t *self, const sh_eater_t *e)
{
    nd_payload_t *p = self->sent_pl;
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_kv_double(p, "registered", e->since);
    nd_pl_kv_str(p, "hub_boot_id", self->boot_id);
    nd_pl_end(p);
    if (nd_pl_error(p))
        return;
    if (zmq_send(self->xpub, e->topic, strlen(e->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        zmq_send(self->xpub, nd_pl_data(p), nd_pl_size(p), ZMQ_DONTWAIT);
}

static void s_eater_subscribed(sh_hub_t *self, const char *topic, size_t len, zmq_msg_t *m)
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
    e->info = NULL;
    e->heartbeats = 0;
    memcpy(e->name, name, nlen);
    e->name[nlen] = '\0';
    /* The id after the name, shown as given when it is a plain token. */
    e->id[0] = '\0';
    if (slash) {
        size_t ilen = len - 7 - nlen - 1;
        if (nd_name_validn(slash + 1, ilen)) {
            memcpy(e->id, slash + 1, ilen);
            e->id[ilen] = '\0';
        }
    }
    e->peer = (sh_peer_t){.port = 0};
    s_peer(m, &e->peer);
    e->since = nd_now();
    self->neaters++;
    s_welcome(self, e);
    nd_info("eater %s connected from %s:%d (%zu eater(s))", e->name, e->peer.host, e->peer.port,
            self->neaters);
}

static void s_eater_unsubscribed(sh_hub_t *self, const char *topic, size_t len)
{
    for (size_t i = 0; i < self->neaters; i++) {
        sh_eater_t *e = &self->eaters[i];
        if (strlen(e->topic) == len && memcmp(e->topic, topic, len) == 0) {
            nd_info("eater %s left (%zu eater(s))", e->name, self->neaters - 1);
            if (e->info) {
                /* Its loss stays in the totals. */
                s_add(&self->eater_lost_gone, e->info->lost);
                s_add(&self->eater_received_gone, e->info->received);
            }
            free(e->topic);
            free(e->info);
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
        nd_wire_drain(self->xpub);
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
                s_eater_subscribed(self, topic, tlen, &m);
            else
                s_eater_unsubscribed(self, topic, tlen);
        }
    }
    zmq_msg_close(&m);
    return 0;
}

static void s_hub_peer(sh_st_hub_t *h, const sh_peer_t *peer)
{
    sh_st_hub_str(h, SH_ST_HOST, peer->host);
    sh_st_hub_uint(h, SH_ST_PORT, (uint64_t)peer->port);
}

/* An eater's address in its info_from_hub. A WebSocket eater registers
 * through its gateway's connection, so the hub would see the gateway; when a
 * gateway's heartbeat lists the registration (same id and name), the eater's
 * own connection to the gateway is shown instead, and the gateway's one beside. */
static void s_eater_address(sh_hub_t *self, sh_st_hub_t *h, const sh_eater_t *e)
{
    for (size_t g = 0; e->id[0] && g < self->ngateways; g++) {
        const sh_gw_eater_t *w = sh_gateway_info_eater(&self->gateways[g].info, e->name, e->id);
        if (!w)
            continue;
        sh_st_hub_str(h, SH_ST_HOST, w->host);
        sh_st_hub_uint(h, SH_ST_PORT, w->port);
        sh_st_hub_double(h, SH_ST_CONNECTED_SINCE,
                         w->connected_since ? w->connected_since : e->since);
        sh_st_hub_str(h, SH_ST_GATEWAY, self->gateways[g].info.gateway_name);
        sh_st_hub_str(h, SH_ST_GATEWAY_HOST, e->peer.host);
        sh_st_hub_uint(h, SH_ST_GATEWAY_PORT, (uint64_t)e->peer.port);
        return;
    }
    s_hub_peer(h, &e->peer);
    sh_st_hub_double(h, SH_ST_CONNECTED_SINCE, e->since);
    sh_st_hub_str(h, SH_ST_GATEWAY, "");
}

static void s_kitchen_entry(nd_payload_t *p, const sh_kitchen_t *k)
{
    nd_pl_key(p, ND_ST_INFO_FROM_KITCHEN);
    nd_pl_map(p);
    if (k->has_info)
        sh_kitchen_info_pack(p, &k->info);
    else
        nd_pl_kv_str(p, "kitchen_name", k->name);
    nd_pl_end(p);
    sh_st_hub_t h = {.set = 0};
    s_hub_peer(&h, &k->peer);
    sh_st_hub_bool(&h, SH_ST_HEARTBEAT, k->has_info);
    sh_st_hub_uint(&h, SH_ST_HEARTBEATS, k->heartbeats);
    sh_st_hub_double(&h, SH_ST_FIRST_SEEN, k->first_seen);
    sh_st_hub_double(&h, SH_ST_LAST_HEARTBEAT, k->last_heartbeat);
    sh_st_hub_double(&h, SH_ST_LAST_SEEN, k->last_seen);
    sh_st_hub_uint(&h, SH_ST_DUMPLINGS, k->dumplings);
    sh_st_hub_uint(&h, SH_ST_DUMPLINGS_LOST, k->lost);
    sh_st_hub_uint(&h, SH_ST_LAST_SEQUENCE, k->last_seq);
    sh_st_hub_uint(&h, SH_ST_RESTARTS, k->restarts);
    sh_st_hub_via(&h, &k->via);
    sh_st_hub_str(&h, SH_ST_THROUGH_HUB, k->via.n ? k->via.hops[k->via.n - 1].hub : "");
    sh_status_hub_write(p, &h);
}

static void s_eater_entry(sh_hub_t *self, nd_payload_t *p, const sh_eater_t *e)
{
    nd_pl_key(p, ND_ST_INFO_FROM_EATER);
    nd_pl_map(p);
    if (e->info && e->heartbeats)
        sh_eater_info_pack(p, e->info);
    else {
        nd_pl_kv_str(p, "eater_name", e->name);
        nd_pl_kv_str(p, "eater_id", e->id);
    }
    nd_pl_end(p);
    sh_st_hub_t h = {.set = 0};
    s_eater_address(self, &h, e);
    sh_st_hub_uint(&h, SH_ST_HEARTBEATS, e->heartbeats);
    sh_status_hub_write(p, &h);
}

static void s_gateway_entry(nd_payload_t *p, const sh_gateway_t *g)
{
    nd_pl_key(p, ND_ST_INFO_FROM_GATEWAY);
    nd_pl_map(p);
    sh_gateway_info_pack(p, &g->info);
    nd_pl_end(p);
    sh_st_hub_t h = {.set = 0};
    s_hub_peer(&h, &g->peer);
    sh_st_hub_uint(&h, SH_ST_HEARTBEATS, g->heartbeats);
    sh_st_hub_double(&h, SH_ST_FIRST_SEEN, g->first_seen);
    sh_st_hub_double(&h, SH_ST_LAST_HEARTBEAT, g->last_heartbeat);
    sh_st_hub_uint(&h, SH_ST_RESTARTS, g->restarts);
    sh_status_hub_write(p, &h);
}

/* The entries of dumpling_kitchens, dumpling_eaters or dumpling_gateways. */
static void s_status_list(nd_payload_t *p, sh_st_id_t id, void *arg)
{
    sh_hub_t *self = arg;
    size_t n = id == SH_ST_DUMPLING_KITCHENS ? self->nkitchens
               : id == SH_ST_DUMPLING_EATERS ? self->neaters
                                             : self->ngateways;
    for (size_t i = 0; i < n; i++) {
        nd_pl_map(p);
        if (id == SH_ST_DUMPLING_KITCHENS)
            s_kitchen_entry(p, &self->kitchens[i]);
        else if (id == SH_ST_DUMPLING_EATERS)
            s_eater_entry(self, p, &self->eaters[i]);
        else
            s_gateway_entry(p, &self->gateways[i]);
        nd_pl_end(p);
    }
}

/* The sums over the kitchens, eaters and gateways listed now. */
static void s_status_sums(sh_hub_t *self, sh_st_value_t *v)
{
    v[SH_ST_TOTAL_EATER_LOST].u = self->eater_lost_gone;
    v[SH_ST_TOTAL_EATER_RECEIVED].u = self->eater_received_gone;
    for (size_t i = 0; i < self->neaters; i++)
        if (self->eaters[i].info && self->eaters[i].heartbeats) {
            s_add(&v[SH_ST_TOTAL_EATER_LOST].u, self->eaters[i].info->lost);
            s_add(&v[SH_ST_TOTAL_EATER_RECEIVED].u, self->eaters[i].info->received);
            v[SH_ST_EATERS_REPORTING].u++;
        }
    for (size_t i = 0; i < self->nkitchens; i++) {
        s_add(&v[SH_ST_TOTAL_PS_DROP].u, self->kitchens[i].info.ps_drop);
        s_add(&v[SH_ST_TOTAL_PS_IFDROP].u, self->kitchens[i].info.ps_ifdrop);
        s_add(&v[SH_ST_TOTAL_KITCHEN_SEND_FAILURES].u, self->kitchens[i].info.send_failures);
        s_add(&v[SH_ST_TOTAL_REASM_GAPS].u, self->kitchens[i].info.reasm_gaps);
        s_add(&v[SH_ST_TOTAL_REASM_DROPPED_BYTES].u, self->kitchens[i].info.reasm_dropped_bytes);
    }
    for (size_t i = 0; i < self->ngateways; i++) {
        s_add(&v[SH_ST_TOTAL_GATEWAY_LAG_DROPS].u, self->gateways[i].info.dumplings_lag_dropped);
        s_add(&v[SH_ST_TOTAL_GATEWAY_LAG_CLOSED].u, self->gateways[i].info.clients_lag_closed);
    }
}

/* The hub's federation keys (docs/protocol.md). */
static void s_status_federation(sh_hub_t *self, sh_st_value_t *v)
{
    sh_upstream_stats_t st = {0};
    if (self->up)
        sh_upstream_stats(self->up, &st);
    v[SH_ST_HUB_NAME].s = self->config.name;
    v[SH_ST_UPSTREAM].s = self->up ? sh_upstream_endpoint(self->up) : "";
    v[SH_ST_UPSTREAM_CONNECTED].b = self->up && sh_upstream_ready(self->up);
    v[SH_ST_UPSTREAM_FORWARDED].u = st.forwarded;
    v[SH_ST_UPSTREAM_DROPPED].u = st.dropped + st.hop_limit;
    v[SH_ST_FEDERATION_LOOPS_DROPPED].u = self->loops;
    v[SH_ST_FEDERATION_HOP_LIMIT_DROPPED].u = self->hop_limited + st.hop_limit;
}

/* Every value of the payload but the lists, which s_status_list writes. */
static void s_status_fill(sh_hub_t *self, sh_status_t *st)
{
    sh_st_value_t *v = st->v;
    v[SH_ST_TOTAL_DUMPLINGS_IN].u = self->in;
    v[SH_ST_TOTAL_DUMPLINGS_OUT].u = self->out;
    v[SH_ST_SERVER_UPTIME].d = nd_monotonic() - self->started_mono;
    v[SH_ST_DUMPLING_KITCHEN_COUNT].u = self->nkitchens;
    v[SH_ST_DUMPLING_EATER_COUNT].u = self->neaters;
    v[SH_ST_HUB_BOOT_ID].s = self->boot_id;
    v[SH_ST_HUB_START_TIME].d = self->started;
    v[SH_ST_INVALID_DUMPLINGS_IN].u = self->invalid;
    v[SH_ST_CONTROL_MESSAGES_IN].u = self->control;
    v[SH_ST_SUBSCRIPTIONS].u = self->subscriptions;
    v[SH_ST_TOTAL_DUMPLINGS_LOST].u = self->lost;
    v[SH_ST_TOTAL_KITCHEN_RESTARTS].u = self->restarts;
    v[SH_ST_SUSPICIOUS_HEARTBEATS].u = self->suspicious;
    v[SH_ST_DUMPLING_GATEWAY_COUNT].u = self->ngateways;
    v[SH_ST_KITCHEN_TIMEOUT].d = self->config.kitchen_timeout;
    s_status_sums(self, v);
    s_status_federation(self, v);
    sh_security_status(st, &self->config, self->auth, self->limits);
    st->list = s_status_list;
    st->arg = self;
}

static void s_publish_status(sh_hub_t *self)
{
    nd_payload_t *p = self->pl;
    self->status_seq++;
    /* The hub's one topic: both numbers are the same. */
    nd_dumpling_meta_t meta = {
        .chef = ND_STATUS_CHEF,
        .kitchen = self->config.name,
        .driver = ND_DRIVER_INTERVAL,
        .creation_time = nd_now() * 1000.0,
        .sequence = self->status_seq,
        .topic_sequence = self->status_seq,
    };
    /* Again every status: an eater whose queue was full when a kitchen's
     * heartbeat passed (the hub dropped the table with the dumplings) learns
     * the tail later, as long as the kitchen is listed. */
    for (size_t i = 0; i < self->nkitchens; i++)
        if (self->kitchens[i].has_info)
            s_publish_sent(self, &self->kitchens[i]);
    sh_status_t st = {.list = NULL};
    s_status_fill(self, &st);
    nd_payload_reset(p);
    nd_dumpling_begin(p, &meta);
    sh_status_write(p, &st);
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
        if (now >= self->next_expiry) {
            s_expire(self);
            self->next_expiry = now + 0.1;
        }
        if (now >= self->next_status) {
            s_publish_status(self);
            /* Keep to the grid; after a long stall, skip rather than burst. */
            self->next_status += self->config.status_freq;
            if (self->next_status <= now)
                self->next_status = now + self->config.status_freq;
        }
        double until =
            self->next_status < self->next_expiry ? self->next_status : self->next_expiry;
        long wait_ms = (long)((until - now) * 1000) + 1;
        if (wait_ms < 0)
            wait_ms = 0;
        zmq_pollitem_t items[] = {
            {self->xsub, 0, ZMQ_POLLIN, 0},
            {self->xpub, 0, ZMQ_POLLIN, 0},
            {self->up ? sh_upstream_socket(self->up) : NULL, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, self->up ? 3 : 2, wait_ms) < 0) {
            if (errno == EINTR)
                continue;
            nd_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        /* Bounded batches so that neither side starves the other or the clock. */
        if (items[1].revents & ZMQ_POLLIN)
            for (int i = 0; i < 1000 && s_from_eater(self) == 0; i++)
                ;
        if (self->up && (items[2].revents & ZMQ_POLLIN))
            sh_upstream_events(self->up);
        if (items[0].revents & ZMQ_POLLIN) {
            self->batch_now = nd_now();
            self->batch_mono = nd_monotonic();
            for (int i = 0; i < 1000 && s_from_kitchen(self) == 0; i++)
                ;
        }
    }
    nd_info("stopping: %llu dumplings in, %llu out, %llu invalid", (unsigned long long)self->in,
            (unsigned long long)self->out, (unsigned long long)self->invalid);
    return 0;
}
