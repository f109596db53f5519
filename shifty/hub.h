/* SPDX-License-Identifier: MIT */
/* hub.h: the nd-shifty hub: kitchens in on XSUB, eaters out on XPUB, one poll
 * loop that validates, forwards, counts and publishes SystemStatusChef. */
#ifndef SH_HUB_H
#define SH_HUB_H

#include <signal.h>
#include <stddef.h>

typedef struct {
    const char *address;    /* interface to bind, "*" for all */
    int in_port;            /* XSUB, kitchens connect here */
    int out_port;           /* XPUB, eaters connect here */
    const char *name;       /* kitchen name of the hub's own SystemStatusChef dumplings */
    double status_freq;     /* seconds between SystemStatusChef dumplings */
    double kitchen_timeout; /* seconds without a heartbeat before a kitchen is dropped */
    int out_hwm;            /* ZMQ_SNDHWM per eater on the XPUB (0: default 100000) */
    const char *upstream;   /* central hub's in port to forward to (upstream.h), or NULL */
    /* The hub's secret certificate (both sockets become CURVE servers) and
     * the folder of allowed client certificates (security.h). */
    const char *curve_secret;
    const char *curve_allow;
    /* ZMQ_MAXMSGSIZE on the XSUB, bytes (0: no limit). */
    long max_message;
} sh_config_t;

typedef struct sh_hub sh_hub_t;

/* Binds both sockets. Returns the hub, or NULL with a message in err (a port in
 * use says so). */
sh_hub_t *sh_hub_new(const sh_config_t *config, char *err, size_t errlen);
void sh_hub_destroy(sh_hub_t **self_p);

/* The poll loop; returns 0 when *stop is set, -1 on a socket error. */
int sh_hub_run(sh_hub_t *self, volatile sig_atomic_t *stop);

#endif
