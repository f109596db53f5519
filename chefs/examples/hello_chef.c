/* SPDX-License-Identifier: MIT */
/* hello_chef.c: HelloChef, a complete plugin chef to start from: it greets
 * every new TCP connection (a SYN without ACK) and, every poke, says how many
 * it has greeted. docs/writing-chefs.md walks through it.
 *
 * Build it against the installed SDK and load it into nd-snifty:
 *
 *     cc -shared -fPIC -o hello_chef.so hello_chef.c $(pkg-config --cflags --libs netdumplings)
 *     nd-snifty -r capture.pcap --stdout --chef-module ./hello_chef.so -c HelloChef
 *     nd-snifty -i eth0 --chef-module ./hello_chef.so -c HelloChef --chef-opt HelloChef:greeting=hi
 */
#define ND_CHEF_PLUGIN /* this file is a plugin: ND_CHEF_MODULE below exports it */
#include <stdlib.h>
#include <string.h>

#include <netdumplings/chef.h>
#include <netdumplings/err.h>
#include <netdumplings/protonum.h>

/* The chef's own state: made by create, handed to every callback. */
typedef struct {
    char greeting[32];
    unsigned long connections;
} hello_t;

static int hello_create(void **state, const nd_chef_opts_t *opts, char *err, size_t errlen)
{
    /* --chef-opt HelloChef:greeting=VALUE, "hello" when not given. */
    const char *greeting = nd_chef_opt(opts, "greeting", "hello");
    if (strlen(greeting) >= sizeof((hello_t *)0)->greeting)
        /* nd-snifty stops with this message and exit code 2 */
        return nd_errf(err, errlen, "greeting is too long (at most 31 characters)");
    hello_t *self = calloc(1, sizeof *self);
    if (!self)
        return nd_errf(err, errlen, "out of memory");
    strcpy(self->greeting, greeting);
    *state = self;
    return 0;
}

static void hello_destroy(void *state)
{
    free(state);
}

/* Every packet: chefs read the dissected packet, never raw bytes. */
static int hello_packet(void *state, const nd_packet_t *pkt, nd_cook_t *cook)
{
    hello_t *self = state;
    if (!ND_HAS(pkt, ND_L_TCP) || (pkt->tcp_flags & (ND_TCP_SYN | ND_TCP_ACK)) != ND_TCP_SYN)
        return 0;
    self->connections++;

    char client[64], server[64];
    nd_payload_t *p = nd_cook_begin(cook); /* the payload: exactly one value */
    nd_pl_map(p);
    nd_pl_kv_str(p, "greeting", self->greeting);
    nd_pl_kv_str(p, "client", nd_ip_str(&pkt->src, client, sizeof client));
    nd_pl_kv_str(p, "server", nd_ip_str(&pkt->dst, server, sizeof server));
    nd_pl_kv_uint(p, "server_port", pkt->dport);
    nd_pl_end(p);
    return nd_cook_serve(cook); /* 0, or -1 if the payload was unbalanced */
}

/* Every poke (--poke-interval), and once at the end of a capture file. */
static int hello_interval(void *state, nd_cook_t *cook)
{
    hello_t *self = state;
    nd_payload_t *p = nd_cook_begin(cook);
    nd_pl_map(p);
    nd_pl_kv_uint(p, "connections_greeted", self->connections);
    nd_pl_end(p);
    return nd_cook_serve(cook);
}

const nd_chef_def_t hello_chef = {
    .abi = ND_CHEF_ABI,
    .name = "HelloChef",
    .summary = "greets every new TCP connection (option greeting, default \"hello\")",
    .create = hello_create,
    .destroy = hello_destroy,
    .packet = hello_packet,
    .interval = hello_interval,
};

/* The module's entry point: the list of chefs this .so holds. */
ND_CHEF_MODULE(&hello_chef)
