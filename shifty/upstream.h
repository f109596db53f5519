/* SPDX-License-Identifier: MIT */
/* upstream.h: hub federation. With --upstream a site hub forwards every valid
 * dumpling and every kitchen heartbeat it receives to a central hub, as a
 * kitchen would, adding a third frame: the list of hubs the message went
 * through ("via"), which refuses loops and bounds the hops
 * (docs/protocol.md, "Federation"). */
#ifndef SH_UPSTREAM_H
#define SH_UPSTREAM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "netdumplings/cli.h"
#include "netdumplings/payload.h"

/* Hubs a message may pass through; one more is refused. */
#define SH_MAX_HOPS 8

/* One hub a message went through, and whom that hub had it from. */
typedef struct {
    char hub[ND_NAME_MAX + 1];
    char boot_id[ND_BOOT_ID_LEN + 1];
    char from[INET6_ADDRSTRLEN + 8]; /* host of the kitchen or hub it came from */
} sh_hop_t;

typedef struct {
    sh_hop_t hops[SH_MAX_HOPS];
    size_t n;
} sh_via_t;

/* Decodes a via frame (untrusted). Returns 0, or -1 with err set (not msgpack,
 * not the expected shape, a bad name, or more than SH_MAX_HOPS hops: then
 * *too_many is set). */
int sh_via_decode(sh_via_t *out, const void *data, size_t len, bool *too_many, char *err,
                  size_t errlen);
/* True when a hop of `via` is the hub with `boot_id`. */
bool sh_via_has(const sh_via_t *via, const char *boot_id);
/* Writes the value of "via": [{"hub", "boot_id", "from"}, ...] into `p`. */
void sh_via_pack(nd_payload_t *p, const sh_via_t *via);

typedef struct sh_upstream sh_upstream_t;

/* Connects (in the background) an XPUB socket of `ctx` to `endpoint`, the
 * central hub's in port. Returns NULL with err set on a bad endpoint. */
sh_upstream_t *sh_upstream_new(void *ctx, const char *endpoint, char *err, size_t errlen);
void sh_upstream_destroy(sh_upstream_t **self_p);

/* The socket, polled for ZMQ_POLLIN: the central hub's subscription news. */
void *sh_upstream_socket(sh_upstream_t *self);
void sh_upstream_events(sh_upstream_t *self);
/* True while the central hub listens. */
bool sh_upstream_ready(const sh_upstream_t *self);
const char *sh_upstream_endpoint(const sh_upstream_t *self);

/* Forwards topic and body with `via` plus this hub (`name`, `boot_id`, had it
 * from `from`) as the third frame, never waiting. Returns 0 when sent, -1 when
 * dropped (central hub not listening, queue full, or no hop left: counted). */
int sh_upstream_forward(sh_upstream_t *self, const void *topic, size_t topic_len, const void *body,
                        size_t body_len, const sh_via_t *via, const char *name, const char *boot_id,
                        const char *from);

typedef struct {
    uint64_t forwarded; /* messages sent upstream */
    uint64_t dropped;   /* not sent: central hub away or queue full */
    uint64_t hop_limit; /* not sent: SH_MAX_HOPS hubs already */
    uint64_t connects;  /* times the central hub started listening */
} sh_upstream_stats_t;
void sh_upstream_stats(const sh_upstream_t *self, sh_upstream_stats_t *out);

#endif
