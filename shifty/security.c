/* SPDX-License-Identifier: MIT */
/* security.c: the hub's socket defences (see security.h and docs/security.md).
 * Disconnects on the kitchens' socket are counted from a socket monitor read
 * by a small thread, so that the hub's poll loop stays as it is: libzmq 4.3
 * closes the connection of a peer whose message exceeds ZMQ_MAXMSGSIZE and
 * reports only ZMQ_EVENT_DISCONNECTED for it (no event says why). */
#include "security.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/monitor.h"

struct sh_limits {
    void *monitor[2]; /* the kitchens' (XSUB) and eaters' (XPUB) socket monitors */
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_uint_fast64_t disconnects;         /* XSUB: connections from kitchens that ended */
    atomic_uint_fast64_t handshake_failed[2]; /* failed ZMTP/CURVE handshakes, per socket */
    nd_ratelimit_t rl;
};

static void *s_monitor_thread(void *arg)
{
    sh_limits_t *self = arg;
    while (!atomic_load(&self->stop)) {
        zmq_pollitem_t it[2] = {{self->monitor[0], 0, ZMQ_POLLIN, 0},
                                {self->monitor[1], 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(it, 2, 100) <= 0)
            continue;
        int side = (it[0].revents & ZMQ_POLLIN) ? 0 : 1;
        if (!(it[side].revents & ZMQ_POLLIN))
            continue;
        unsigned event = nd_monitor_read(self->monitor[side], 0);
        if (event == ZMQ_EVENT_DISCONNECTED && side == 0) {
            atomic_fetch_add(&self->disconnects, 1);
        } else if (event &
                   (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)) {
            /* A client without CURVE, with the wrong hub key, or not ZeroMQ
             * at all. (Refusals by the allow list are counted by the
             * authenticator, as HANDSHAKE_FAILED_AUTH is not watched here.) */
            atomic_fetch_add(&self->handshake_failed[side], 1);
            nd_log_limited(&self->rl, 10, ND_LOG_WARN,
                           "a client of the %s' port failed the handshake (no CURVE, the "
                           "wrong hub key, or not ZeroMQ)",
                           side == 0 ? "kitchens" : "eaters");
        }
    }
    return NULL;
}

void sh_limits_destroy(sh_limits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sh_limits_t *self = *self_p;
    if (self->started) {
        atomic_store(&self->stop, true);
        pthread_join(self->thread, NULL);
    }
    for (int i = 0; i < 2; i++)
        nd_monitor_close(NULL, &self->monitor[i]);
    free(self);
    *self_p = NULL;
}

static sh_limits_t *s_limits_new(void *ctx, void *xsub, void *xpub, char *err, size_t errlen)
{
    sh_limits_t *self = calloc(1, sizeof *self);
    if (!self) {
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    int failed = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    if (!(self->monitor[0] =
              nd_monitor_open(ctx, xsub, ZMQ_EVENT_DISCONNECTED | failed, err, errlen)) ||
        !(self->monitor[1] = nd_monitor_open(ctx, xpub, failed, err, errlen)) ||
        pthread_create(&self->thread, NULL, s_monitor_thread, self) != 0) {
        nd_errf(err, errlen, "cannot monitor the hub's sockets: %s", zmq_strerror(errno));
        sh_limits_destroy(&self);
        return NULL;
    }
    self->started = true;
    return self;
}

/* "*", "::" and "[::]": every address of both families. */
static bool s_is_any(const char *a)
{
    return strcmp(a, "*") == 0 || strcmp(a, "::") == 0 || strcmp(a, "[::]") == 0;
}

int sh_security_setup(void *ctx, void *xsub, void *xpub, const sh_config_t *config,
                      nd_curve_auth_t **auth, sh_limits_t **limits, char *err, size_t errlen)
{
    *auth = NULL;
    *limits = NULL;
    if (config->curve_secret) {
        /* The authenticator must answer before the first client handshakes. */
        if (!(*auth = nd_curve_auth_new(ctx, config->curve_allow, err, errlen)) ||
            nd_curve_server_apply(xsub, config->curve_secret, ND_CURVE_DOMAIN_IN, err, errlen) ||
            nd_curve_server_apply(xpub, config->curve_secret, ND_CURVE_DOMAIN_OUT, err, errlen))
            return -1;
        nd_info("CURVE on: only clients in %s may connect", config->curve_allow);
    } else if (!nd_address_is_loopback(config->address)) {
        nd_warn("WARNING: listening on %s without CURVE: anyone who can reach ports %d and %d "
                "can publish dumplings to this hub and read every dumpling. Use --address "
                "localhost (127.0.0.1 and ::1), or --curve-secret and --curve-allow "
                "(docs/security.md).",
                s_is_any(config->address) ? "all interfaces" : config->address, config->in_port,
                config->out_port);
    }
    if (config->max_message > 0) {
        int64_t max = config->max_message;
        if (zmq_setsockopt(xsub, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0)
            return nd_errf(err, errlen, "cannot set --max-message: %s", zmq_strerror(errno));
    }
    if (!(*limits = s_limits_new(ctx, xsub, xpub, err, errlen)))
        return -1;
    return 0;
}

void sh_security_status(sh_status_t *st, const sh_config_t *config, nd_curve_auth_t *auth,
                        sh_limits_t *limits)
{
    nd_curve_auth_stats_t cs;
    nd_curve_auth_stats(auth, &cs);
    sh_st_value_t *v = st->v;
    v[SH_ST_CURVE].b = auth != NULL;
    v[SH_ST_UNAUTHORIZED_CONNECTIONS].u = cs.refused_in + cs.refused_out + cs.refused_other;
    v[SH_ST_UNAUTHORIZED_KITCHENS].u = cs.refused_in;
    v[SH_ST_UNAUTHORIZED_EATERS].u = cs.refused_out;
    v[SH_ST_AUTHORIZED_CONNECTIONS].u = cs.allowed;
    v[SH_ST_CURVE_ALLOWED_KEYS].u = cs.allowed_keys;
    v[SH_ST_MAX_MESSAGE].u = config->max_message > 0 ? (uint64_t)config->max_message : 0;
    v[SH_ST_KITCHEN_DISCONNECTS].u = limits ? (uint64_t)atomic_load(&limits->disconnects) : 0;
    v[SH_ST_KITCHEN_HANDSHAKE_FAILURES].u =
        limits ? (uint64_t)atomic_load(&limits->handshake_failed[0]) : 0;
    v[SH_ST_EATER_HANDSHAKE_FAILURES].u =
        limits ? (uint64_t)atomic_load(&limits->handshake_failed[1]) : 0;
}
