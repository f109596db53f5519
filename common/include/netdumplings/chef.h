/* SPDX-License-Identifier: MIT */
/* chef.h: what a chef is. A chef turns packets into dumplings: it is a table of
 * callbacks (nd_chef_def_t) with state of its own, and it is handed an nd_cook_t
 * through which it makes its dumplings. Built-in chefs and plugin chefs use
 * exactly this API; docs/writing-chefs.md walks through one.
 *
 *     static int on_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
 *     {
 *         if (!ND_HAS(pkt, ND_L_DNS) || pkt->dns.qr)
 *             return 0;
 *         nd_payload_t *p = nd_cook_begin(cook);
 *         nd_pl_map(p);
 *         nd_pl_kv_str(p, "hostname", pkt->dns.q[0].name);
 *         nd_pl_end(p);
 *         return nd_cook_serve(cook);
 *     }
 */
#ifndef ND_CHEF_H
#define ND_CHEF_H

#include <stddef.h>
#include <stdint.h>

#include "netdumplings/packet.h"
#include "netdumplings/payload.h"

/* The chef ABI: what a plugin compiled against these headers relies on, and a
 * kitchen checks before it runs the plugin. It covers nd_chef_def_t and the
 * nd_cook_* calls, and also every struct a plugin reads or owns: nd_packet_t
 * with nd_ip_t, nd_arp_t, nd_dns_t (packet.h), nd_buf_t (buf.h), the
 * parsers' results in app.h (nd_dns_msg_t, nd_tls_hello_t, nd_http_request_t,
 * nd_dhcp_t), nd_reasm_flow_t (reasm.h) and the values of nd_layer_t and
 * nd_app_rc_t. Bumped whenever any of them changes incompatibly: a field
 * moved, resized or removed, or one added that moves others. common/abi.c
 * pins their layout with static_asserts, so such a change fails the build
 * until this is bumped and the figures there are updated.
 *   1: the first.
 *   2: nd_packet_t: dns moved after tunnel, last (the per-packet reset);
 *      the ABI covers the structs above. */
#define ND_CHEF_ABI 2

typedef struct nd_cook nd_cook_t;

/* Options given on the command line as --chef-opt CHEF:key=value. */
typedef struct nd_chef_opts nd_chef_opts_t;
/* The value of `key`, or `fallback` when not given. */
const char *nd_chef_opt(const nd_chef_opts_t *opts, const char *key, const char *fallback);
/* A whole-number option in [min, max] (`fallback` when not given) into *out.
 * Returns 0, or -1 with "KEY must be a number from MIN to MAX, not 'V'" in err
 * (for create() to return). */
int nd_chef_opt_long(const nd_chef_opts_t *opts, const char *key, const char *fallback, long min,
                     long max, long *out, char *err, size_t errlen);

/* For a create() whose state is one zeroed block of `size` bytes (its
 * destroy can then be `free`): *state = calloc(1, size). Returns 0, or -1
 * with "out of memory" in err. */
int nd_chef_zeroed_state(void **state, size_t size, char *err, size_t errlen);

typedef struct nd_chef_def {
    uint32_t abi;        /* ND_CHEF_ABI */
    const char *name;    /* a valid name, e.g. "DNSLookupChef" */
    const char *summary; /* one line for --chef-list */

    /* Makes the chef's state. Returns it (NULL is fine when the chef keeps
     * none) and 0, or -1 with a message in err. May be NULL. */
    int (*create)(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen);
    /* Frees what create made. May be NULL. */
    void (*destroy)(void *state);
    /* Called for every packet the kitchen captures (malformed ones included:
     * look at pkt->layers). Returns 0, or -1 on failure. May be NULL. */
    int (*packet)(void *state, const nd_packet_t *pkt, nd_cook_t *cook);
    /* Called every poke interval and once at the end of a capture file.
     * Returns 0, or -1 on failure. May be NULL. */
    int (*interval)(void *state, nd_cook_t *cook);
} nd_chef_def_t;

/* Starts a dumpling: returns a builder that takes exactly one value, the
 * payload. Its driver is "packet" inside the packet callback and "interval"
 * inside the interval callback. */
nd_payload_t *nd_cook_begin(nd_cook_t *cook);
/* Sends the dumpling begun last. Returns 0, or -1 when the payload is invalid
 * (it is dropped and counted; the reason is logged). */
int nd_cook_serve(nd_cook_t *cook);

/* The kitchen's clock: the current packet's time inside the packet callback,
 * the poke time inside the interval callback (capture time when reading a
 * file), epoch seconds. */
double nd_cook_time(const nd_cook_t *cook);
/* The kitchen's name. */
const char *nd_cook_kitchen(const nd_cook_t *cook);

/* A plugin (chefs built with -DND_CHEF_PLUGIN) exports this, returning a
 * NULL-terminated list of the chefs it holds; `abi` is the kitchen's ND_CHEF_ABI.
 * ND_CHEF_MODULE(...) writes it. */
#define ND_CHEF_MODULE_SYMBOL "nd_chef_module"
typedef const nd_chef_def_t *const *(*nd_chef_module_fn)(uint32_t abi);

#ifdef ND_CHEF_PLUGIN
#define ND_CHEF_MODULE(...)                                                                        \
    const nd_chef_def_t *const *nd_chef_module(uint32_t abi);                                      \
    const nd_chef_def_t *const *nd_chef_module(uint32_t abi)                                       \
    {                                                                                              \
        static const nd_chef_def_t *const list[] = {__VA_ARGS__, NULL};                            \
        return abi == ND_CHEF_ABI ? list : NULL;                                                   \
    }
#else
#define ND_CHEF_MODULE(...)
#endif

#endif
