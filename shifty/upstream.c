/* SPDX-License-Identifier: MIT */
/* upstream.c: a site hub's link to a central hub (see upstream.h). Like a
 * kitchen's (snifty/publish.c), an XPUB socket connecting to the central hub's
 * XSUB, so that the site hub knows when the central hub listens: nothing is
 * queued for a central hub that is not there, and the link comes back by
 * itself. The via frame is msgpack: {"via": [{"hub", "boot_id", "from"}, ...]}. */
#include "upstream.h"

#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/address.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"
#include "netdumplings/wire.h"

#define SH_MAX_VIA_BYTES 4096

struct sh_upstream {
    void *sock;
    char *endpoint;
    long subscriptions;
    sh_upstream_stats_t stats;
    nd_ratelimit_t drop_rl;
    msgpack_sbuffer sbuf;
};

static bool s_str_eq(const msgpack_object *o, const char *s)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* A string value into dst: printable ASCII only, cut to fit. */
static void s_copy(char *dst, size_t size, const msgpack_object *o)
{
    size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)o->via.str.ptr[i];
        dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[n] = '\0';
}

static int s_hop_decode(sh_hop_t *hop, const msgpack_object *o, char *err, size_t errlen)
{
    memset(hop, 0, sizeof *hop);
    if (o->type != MSGPACK_OBJECT_MAP)
        return nd_errf(err, errlen, "a via hop is not a map");
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        const msgpack_object *v = &o->via.map.ptr[i].val;
        if (v->type != MSGPACK_OBJECT_STR)
            continue;
        if (s_str_eq(k, "hub")) {
            if (!nd_name_validn(v->via.str.ptr, v->via.str.size))
                return nd_errf(err, errlen, "a via hop has a bad hub name");
            s_copy(hop->hub, sizeof hop->hub, v);
        } else if (s_str_eq(k, "boot_id")) {
            s_copy(hop->boot_id, sizeof hop->boot_id, v);
        } else if (s_str_eq(k, "from")) {
            s_copy(hop->from, sizeof hop->from, v);
        }
    }
    if (!hop->hub[0] || !hop->boot_id[0])
        return nd_errf(err, errlen, "a via hop without hub or boot_id");
    return 0;
}

int sh_via_decode(sh_via_t *out, const void *data, size_t len, bool *too_many, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    *too_many = false;
    if (len > SH_MAX_VIA_BYTES)
        return nd_errf(err, errlen, "via frame of %zu bytes (at most %d)", len, SH_MAX_VIA_BYTES);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = -1;
    char why[128];
    if (nd_msgpack_unpack_one(&u, data, len, why, sizeof why) != 0 ||
        u.data.type != MSGPACK_OBJECT_MAP) {
        nd_errf(err, errlen, "via frame is not one msgpack map");
        goto done;
    }
    const msgpack_object *list = NULL;
    for (uint32_t i = 0; i < u.data.via.map.size; i++)
        if (s_str_eq(&u.data.via.map.ptr[i].key, "via"))
            list = &u.data.via.map.ptr[i].val;
    if (!list || list->type != MSGPACK_OBJECT_ARRAY) {
        nd_errf(err, errlen, "via frame without a via list");
        goto done;
    }
    if (list->via.array.size > SH_MAX_HOPS) {
        *too_many = true;
        nd_errf(err, errlen, "%u hops (at most %d)", list->via.array.size, SH_MAX_HOPS);
        goto done;
    }
    for (uint32_t i = 0; i < list->via.array.size; i++)
        if (s_hop_decode(&out->hops[out->n++], &list->via.array.ptr[i], err, errlen) != 0)
            goto done;
    rc = 0;
done:
    msgpack_unpacked_destroy(&u);
    return rc;
}

bool sh_via_has(const sh_via_t *via, const char *boot_id)
{
    for (size_t i = 0; i < via->n; i++)
        if (strcmp(via->hops[i].boot_id, boot_id) == 0)
            return true;
    return false;
}

void sh_via_pack(nd_payload_t *p, const sh_via_t *via)
{
    nd_pl_array(p);
    for (size_t i = 0; i < via->n; i++) {
        nd_pl_map(p);
        nd_pl_kv_str(p, "hub", via->hops[i].hub);
        nd_pl_kv_str(p, "boot_id", via->hops[i].boot_id);
        nd_pl_kv_str(p, "from", via->hops[i].from);
        nd_pl_end(p);
    }
    nd_pl_end(p);
}

static void s_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

sh_upstream_t *sh_upstream_new(void *ctx, const char *endpoint, char *err, size_t errlen)
{
    sh_upstream_t *self = calloc(1, sizeof *self);
    if (!self || !(self->endpoint = strdup(endpoint))) {
        free(self);
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    msgpack_sbuffer_init(&self->sbuf);
    if (!(self->sock = zmq_socket(ctx, ZMQ_XPUB))) {
        nd_errf(err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
        sh_upstream_destroy(&self);
        return NULL;
    }
    int one = 1, zero = 0, hwm = 100000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    /* As in snifty/publish.c: the central hub's "\x00" when it goes away, a
     * full queue as EAGAIN, and no pipe kept across a reconnect. */
    zmq_setsockopt(self->sock, ZMQ_XPUB_VERBOSER, &one, sizeof one);
    zmq_setsockopt(self->sock, ZMQ_XPUB_NODROP, &one, sizeof one);
    zmq_setsockopt(self->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    nd_zmq_ipv6(self->sock);
    if (nd_curve_client_apply(self->sock, err, errlen) != 0) {
        sh_upstream_destroy(&self);
        return NULL;
    }
    if (nd_endpoint_check(endpoint, "--upstream", ND_PORT_HUB_IN, err, errlen) != 0) {
        sh_upstream_destroy(&self);
        return NULL;
    }
    if (zmq_connect(self->sock, endpoint) != 0) {
        nd_errf(err, errlen, "invalid --upstream '%s': %s (expected e.g. tcp://host:%d)", endpoint,
                zmq_strerror(errno), ND_PORT_HUB_IN);
        sh_upstream_destroy(&self);
        return NULL;
    }
    nd_info("forwarding to the central hub at %s", endpoint);
    return self;
}

void sh_upstream_destroy(sh_upstream_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sh_upstream_t *self = *self_p;
    if (self->sock)
        zmq_close(self->sock);
    msgpack_sbuffer_destroy(&self->sbuf);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

void *sh_upstream_socket(sh_upstream_t *self)
{
    return self->sock;
}

const char *sh_upstream_endpoint(const sh_upstream_t *self)
{
    return self->endpoint;
}

bool sh_upstream_ready(const sh_upstream_t *self)
{
    return self->subscriptions > 0;
}

void sh_upstream_events(sh_upstream_t *self)
{
    for (int i = 0; i < 1000; i++) {
        int ev = nd_wire_xpub_event(self->sock);
        if (ev == ND_WIRE_NONE)
            return;
        bool was = sh_upstream_ready(self);
        if (ev > 0)
            self->subscriptions++;
        else if (ev < 0 && self->subscriptions > 0)
            self->subscriptions--;
        if (!was && sh_upstream_ready(self)) {
            self->stats.connects++;
            nd_info("central hub at %s is listening", self->endpoint);
        } else if (was && !sh_upstream_ready(self)) {
            nd_warn("lost the central hub at %s; not forwarding until it is back", self->endpoint);
        }
    }
}

int sh_upstream_forward(sh_upstream_t *self, const void *topic, size_t topic_len, const void *body,
                        size_t body_len, const sh_via_t *via, const char *name, const char *boot_id,
                        const char *from)
{
    size_t n = via ? via->n : 0;
    if (n >= SH_MAX_HOPS) {
        self->stats.hop_limit++;
        nd_log_limited(&self->drop_rl, 10, ND_LOG_WARN,
                       "not forwarding a message that went through %d hubs already", SH_MAX_HOPS);
        return -1;
    }
    if (!sh_upstream_ready(self)) {
        self->stats.dropped++;
        return -1;
    }
    msgpack_sbuffer_clear(&self->sbuf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &self->sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    s_pack_str(&pk, "via");
    msgpack_pack_array(&pk, n + 1);
    for (size_t i = 0; i <= n; i++) {
        const char *h = i < n ? via->hops[i].hub : name;
        const char *b = i < n ? via->hops[i].boot_id : boot_id;
        const char *f = i < n ? via->hops[i].from : from;
        msgpack_pack_map(&pk, 3);
        s_pack_str(&pk, "hub");
        s_pack_str(&pk, h);
        s_pack_str(&pk, "boot_id");
        s_pack_str(&pk, b);
        s_pack_str(&pk, "from");
        s_pack_str(&pk, f);
    }
    if (zmq_send(self->sock, topic, topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        self->stats.dropped++;
        nd_log_limited(&self->drop_rl, 10, ND_LOG_WARN, "cannot forward to %s: %s", self->endpoint,
                       zmq_strerror(errno));
        return -1;
    }
    /* Past the first frame the rest of the message always goes (ZeroMQ
     * queues a multi-frame message whole). */
    zmq_send(self->sock, body, body_len, ZMQ_SNDMORE);
    zmq_send(self->sock, self->sbuf.data, self->sbuf.size, 0);
    self->stats.forwarded++;
    return 0;
}

void sh_upstream_stats(const sh_upstream_t *self, sh_upstream_stats_t *out)
{
    *out = self->stats;
}
