/* SPDX-License-Identifier: MIT */
/* kitchen.h: runs a set of chefs over dissected packets and hands every
 * dumpling they make, as topic + msgpack body, to a serve callback (nd-snifty
 * publishes it; tests and --stdout print it). */
#ifndef ND_KITCHEN_H
#define ND_KITCHEN_H

#include <stddef.h>
#include <stdint.h>

#include "netdumplings/chef.h"
#include "netdumplings/packet.h"
#include "netdumplings/reasm.h"

typedef struct nd_kitchen nd_kitchen_t;

/* Receives one finished dumpling. `chef` is the chef's name. Returns 0, or -1
 * when it could not be sent (counted as a failed send). */
typedef int(nd_serve_fn)(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                         size_t body_len);

/* Returns a kitchen named `name` (must be a valid name), or NULL with err set. */
nd_kitchen_t *nd_kitchen_new(const char *name, nd_serve_fn *serve, void *arg, char *err,
                             size_t errlen);
void nd_kitchen_destroy(nd_kitchen_t **self_p);

/* Records a --chef-opt "CHEF:key=value". Returns 0, or -1 with err set. Must come
 * before the chef is added. */
int nd_kitchen_chef_opt(nd_kitchen_t *self, const char *spec, char *err, size_t errlen);

/* Adds a chef and creates its state. Returns 0, or -1 (bad ABI, bad or duplicate
 * name, create failed) with err set. `def` must outlive the kitchen. */
int nd_kitchen_add_chef(nd_kitchen_t *self, const nd_chef_def_t *def, char *err, size_t errlen);
size_t nd_kitchen_chef_count(const nd_kitchen_t *self);
const nd_chef_def_t *nd_kitchen_chef(const nd_kitchen_t *self, size_t i);

/* Runs every chef's packet handler. */
void nd_kitchen_packet(nd_kitchen_t *self, const nd_packet_t *pkt);
/* Runs every chef's interval handler; `now` is epoch seconds on the kitchen's
 * clock (capture time when reading a file). */
void nd_kitchen_poke(nd_kitchen_t *self, double now);

typedef struct {
    uint64_t dumplings;      /* made and handed to serve */
    uint64_t serve_failures; /* serve returned -1 */
    uint64_t invalid;        /* refused: a chef wrote an invalid payload */
    uint64_t chef_errors;    /* handlers that returned -1 */
    uint64_t sequence;       /* last sequence number given */
} nd_kitchen_stats_t;

void nd_kitchen_stats(const nd_kitchen_t *self, nd_kitchen_stats_t *out);

/* The stream reassemblers' counters (reasm.h), summed over its chefs. */
void nd_kitchen_reasm_stats(const nd_kitchen_t *self, nd_reasm_stats_t *out);

/* The last "topic_sequence" given on chef i's topic "<chef>/<kitchen>" (0:
 * none yet): each topic is numbered from 1, separately, for the kitchen's run. */
uint64_t nd_kitchen_topic_sequence(const nd_kitchen_t *self, size_t i);

#endif
