/* SPDX-License-Identifier: MIT */
/* publish.c: nd-snifty's connection to the hub (see publish.h).
 *
 * Why XPUB and not PUB: a PUB socket silently drops what it sends before the
 * subscriber's subscription has arrived, and a TCP connection or a finished
 * handshake does not mean the subscription is there yet. An XPUB socket
 * receives the hub's subscription message itself ("\x01" = everything), so the
 * kitchen knows exactly when the hub listens, and, with ZMQ_XPUB_VERBOSER, the
 * "\x00" unsubscription ZeroMQ makes up when the hub goes away. To the hub's
 * XSUB it is an ordinary publisher. With ZMQ_XPUB_NODROP a full queue returns
 * EAGAIN instead of dropping silently.
 *
 * Dumplings leave in batches. Handing libzmq one message at a time, slower
 * than its I/O thread drains them, wakes that thread for every message and
 * gives each its own TCP write, and the hub and every eater behind it then
 * wake per message too. So sn_pub_serve only queues a dumpling here, and
 * sn_pub_flush hands the batch over in one go: when it is full, when the
 * oldest is SN_BATCH_AGE old, and whenever the kitchen is about to wait
 * (sn_pub_flush is called before every poll and sleep, and before each
 * heartbeat, so the hub never sees a heartbeat ahead of its dumplings). The
 * copy into the batch is the copy zmq_send would make anyway. */
#include "publish.h"

#include "netdumplings/address.h"
#include "netdumplings/cli.h"
#include "netdumplings/curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/wire.h"

/* Dumplings handed to libzmq at once: about one TCP write's worth (libzmq
 * writes 8 KiB at a time) of typical dumplings. */
#define SN_BATCH 64
/* How long a file replay sleeps when the hub's queue is full. */
#define SN_FULL_NAP_NS 1000000
/* The longest a dumpling waits in a batch while packets keep coming. */
#define SN_BATCH_AGE 0.001

struct sn_pub {
    void *ctx;
    void *sock;
    char *endpoint;
    bool hold;
    volatile sig_atomic_t *stop;
    long subscriptions; /* the hub's live subscriptions */
    bool said_waiting;
    bool said_dropping;
    uint64_t sent, failed;
    double events_at;             /* monotonic time subscription news was last read */
    zmq_msg_t batch[SN_BATCH][2]; /* topic, body */
    int batched;
    double batch_at; /* monotonic time the oldest in the batch was queued */
};

sn_pub_t *sn_pub_new(const char *endpoint, bool hold, volatile sig_atomic_t *stop, char *err,
                     size_t errlen)
{
    sn_pub_t *self = calloc(1, sizeof *self);
    if (!self || !(self->endpoint = strdup(endpoint))) {
        free(self);
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    self->hold = hold;
    self->stop = stop;
    self->ctx = zmq_ctx_new();
    if (!self->ctx || !(self->sock = zmq_socket(self->ctx, ZMQ_XPUB))) {
        nd_errf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        sn_pub_destroy(&self, 0);
        return NULL;
    }
    /* Live capture: a deep queue rides out a burst while the hub is slow.
     * Reading a file (hold) waits for room instead of dropping, so a deep
     * queue only costs memory: 100,000 queued dumplings are ~20 MiB. */
    int one = 1, hwm = hold ? 10000 : 100000;
    zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(self->sock, ZMQ_XPUB_VERBOSER, &one, sizeof one);
    zmq_setsockopt(self->sock, ZMQ_XPUB_NODROP, &one, sizeof one);
    /* Without it a connecting socket keeps its pipe, and the old hub's
     * subscription, across a reconnect: the kitchen could not tell that the
     * hub went away, and a restarted hub would be counted twice. With it the
     * pipe ends with the connection and ZeroMQ reports "\x00" at once. */
    zmq_setsockopt(self->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    nd_zmq_ipv6(self->sock);
    if (nd_curve_client_apply(self->sock, err, errlen) != 0 ||
        nd_endpoint_check(endpoint, "hub endpoint", ND_PORT_HUB_IN, err, errlen) != 0) {
        sn_pub_destroy(&self, 0);
        return NULL;
    }
    if (zmq_connect(self->sock, endpoint) != 0) {
        nd_errf(err, errlen, "invalid hub endpoint '%s': %s (expected e.g. tcp://host:%d)",
                endpoint, zmq_strerror(errno), ND_PORT_HUB_IN);
        sn_pub_destroy(&self, 0);
        return NULL;
    }
    return self;
}

/* Forgets the batch from index `from` on, counting it as failed. */
static void s_batch_drop(sn_pub_t *self, int from)
{
    for (int i = from; i < self->batched; i++) {
        zmq_msg_close(&self->batch[i][0]);
        zmq_msg_close(&self->batch[i][1]);
        self->failed++;
    }
    self->batched = 0;
}

void sn_pub_destroy(sn_pub_t **self_p, double linger)
{
    if (!self_p || !*self_p)
        return;
    sn_pub_t *self = *self_p;
    if (self->sock && linger > 0)
        sn_pub_flush(self);
    s_batch_drop(self, 0);
    if (self->sock) {
        int ms = linger > 0 ? (int)(linger * 1000) : 0;
        zmq_setsockopt(self->sock, ZMQ_LINGER, &ms, sizeof ms);
        zmq_close(self->sock);
    }
    /* Blocks until queued messages have gone to TCP or the linger ran out. */
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

void *sn_pub_socket(sn_pub_t *self)
{
    return self->sock;
}

bool sn_pub_ready(const sn_pub_t *self)
{
    return self->subscriptions > 0;
}

void sn_pub_events(sn_pub_t *self)
{
    for (;;) {
        int ev = nd_wire_xpub_event(self->sock);
        if (ev == ND_WIRE_NONE)
            return;
        bool was = sn_pub_ready(self);
        if (ev > 0)
            self->subscriptions++;
        else if (ev < 0 && self->subscriptions > 0)
            self->subscriptions--;
        if (!was && sn_pub_ready(self)) {
            nd_info("hub at %s is listening", self->endpoint);
            self->said_waiting = false;
            self->said_dropping = false;
        } else if (was && !sn_pub_ready(self)) {
            self->said_dropping = true; /* said here, once */
            nd_warn("lost the hub at %s; %s", self->endpoint,
                    self->hold ? "dumplings wait until it is back"
                               : "capture goes on, dumplings are dropped until it is back");
        }
    }
}

bool sn_pub_wait_ready(sn_pub_t *self, double timeout)
{
    double start = nd_monotonic();
    double deadline = start + timeout;
    sn_pub_events(self);
    while (!sn_pub_ready(self)) {
        if (self->stop && *self->stop)
            return false;
        /* A hub that is there answers within milliseconds: only say we wait
         * when it is really missing. */
        if (!self->said_waiting && nd_monotonic() - start > 0.5) {
            nd_info("waiting for hub at %s%s", self->endpoint,
                    timeout < 0 ? " (start nd-shifty; Ctrl-C to give up)" : "");
            self->said_waiting = true;
        }
        long wait_ms = 100;
        if (timeout >= 0) {
            double left = deadline - nd_monotonic();
            if (left <= 0)
                return false;
            if (left * 1000 < wait_ms)
                wait_ms = (long)(left * 1000) + 1;
        }
        zmq_pollitem_t item = {self->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, wait_ms) < 0 && errno != EINTR)
            return false;
        sn_pub_events(self);
    }
    return true;
}

/* One attempt at sending both frames. Returns 0, or -1 with errno. */
static int s_send(sn_pub_t *self, const char *topic, size_t topic_len, const uint8_t *body,
                  size_t body_len)
{
    if (zmq_send(self->sock, topic, topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    /* Once the first frame is accepted the rest of the message goes too. */
    if (zmq_send(self->sock, body, body_len, ZMQ_DONTWAIT) < 0)
        return -1;
    return 0;
}

void sn_pub_say_waiting(sn_pub_t *self)
{
    if (sn_pub_ready(self) || self->said_dropping)
        return;
    nd_info("waiting for hub at %s: capture goes on, dumplings are dropped until it is there",
            self->endpoint);
    self->said_dropping = true;
}

/* Hands batch[i] to libzmq. Returns 0 (the messages are libzmq's now), or -1
 * with errno (EAGAIN: the queue is full). */
static int s_send_batched(sn_pub_t *self, int i)
{
    if (zmq_msg_send(&self->batch[i][0], self->sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    /* Once the first frame is accepted the rest of the message goes too
     * (the high-water mark counts whole messages). */
    if (zmq_msg_send(&self->batch[i][1], self->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&self->batch[i][1]);
        zmq_msg_init(&self->batch[i][1]); /* for s_batch_drop's close */
        zmq_msg_init(&self->batch[i][0]);
        return -1;
    }
    return 0;
}

int sn_pub_flush(sn_pub_t *self)
{
    if (self->batched == 0)
        return 0;
    /* Reading subscription news costs a system call (libzmq polls its command
     * pipe): do it at most every 2 ms, not per batch. */
    double now = nd_monotonic();
    if (now - self->events_at >= 0.002) {
        self->events_at = now;
        sn_pub_events(self);
    }
    int i = 0;
    while (i < self->batched) {
        if (!sn_pub_ready(self)) {
            /* An XPUB without a subscriber drops silently: don't send. */
            if (!self->hold) {
                sn_pub_say_waiting(self);
                break;
            }
            if (!sn_pub_wait_ready(self, -1))
                break;
        }
        if (s_send_batched(self, i) == 0) {
            self->sent++;
            i++;
            continue;
        }
        if (errno != EAGAIN || !self->hold || (self->stop && *self->stop))
            break;
        /* Queue full: the hub is slower than the file. Sleep while it takes
         * a few hundred from the queue. Not zmq_poll: an XPUB always reports
         * POLLOUT, and waiting for subscription news instead wakes at every
         * command libzmq's I/O thread sends the socket, thousands a second. */
        struct timespec nap = {0, SN_FULL_NAP_NS};
        nanosleep(&nap, NULL);
        sn_pub_events(self);
    }
    int rc = i < self->batched ? -1 : 0;
    s_batch_drop(self, i); /* what is left could not go: counted as failed */
    return rc;
}

void sn_pub_tick(sn_pub_t *self)
{
    if (self->batched > 0 && nd_monotonic() - self->batch_at >= SN_BATCH_AGE)
        sn_pub_flush(self);
}

int sn_pub_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                 size_t body_len)
{
    sn_pub_t *self = arg;
    if (!sn_pub_ready(self)) {
        sn_pub_events(self);
        if (!sn_pub_ready(self)) {
            if (!self->hold) {
                sn_pub_say_waiting(self);
                self->failed++;
                return -1;
            }
            if (!sn_pub_wait_ready(self, -1)) {
                self->failed++;
                return -1;
            }
        }
    }
    zmq_msg_t *m = self->batch[self->batched];
    if (zmq_msg_init_size(&m[0], topic_len) != 0) {
        self->failed++;
        return -1;
    }
    if (zmq_msg_init_size(&m[1], body_len) != 0) {
        zmq_msg_close(&m[0]);
        self->failed++;
        return -1;
    }
    memcpy(zmq_msg_data(&m[0]), topic, topic_len);
    memcpy(zmq_msg_data(&m[1]), body, body_len);
    if (self->batched++ == 0)
        self->batch_at = nd_monotonic();
    if (self->batched == SN_BATCH)
        return sn_pub_flush(self);
    return 0;
}

int sn_pub_send_control(sn_pub_t *self, const char *topic, size_t topic_len, const uint8_t *body,
                        size_t body_len)
{
    sn_pub_flush(self); /* the dumplings it counts go first */
    if (!sn_pub_ready(self)) {
        errno = EAGAIN;
        return -1;
    }
    return s_send(self, topic, topic_len, body, body_len);
}

uint64_t sn_pub_sent(const sn_pub_t *self)
{
    return self ? self->sent : 0;
}

uint64_t sn_pub_failed(const sn_pub_t *self)
{
    return self ? self->failed : 0;
}
