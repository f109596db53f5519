/* SPDX-License-Identifier: MIT */
/* security.h: the hub's defences on its sockets: CURVE servers with the
 * allow-list authenticator, the inbound message size cap, the warning for an
 * unprotected non-loopback bind, and their counts in SystemStatusChef. */
#ifndef SH_SECURITY_H
#define SH_SECURITY_H

#include <stddef.h>

#include "hub.h"
#include "netdumplings/curve.h"
#include "netdumplings/payload.h"
#include "status.h"

typedef struct sh_limits sh_limits_t;

/* Before the sockets bind: starts the authenticator and makes both sockets
 * CURVE servers (config->curve_secret), sets ZMQ_MAXMSGSIZE on `xsub` and
 * starts counting its disconnects, and warns about a non-loopback bind without
 * CURVE. Fills *auth (NULL without CURVE) and *limits. Returns 0, or -1 with err. */
int sh_security_setup(void *ctx, void *xsub, void *xpub, const sh_config_t *config,
                      nd_curve_auth_t **auth, sh_limits_t **limits, char *err, size_t errlen);

/* Sets the security keys of the SystemStatusChef payload in `st`. */
void sh_security_status(sh_status_t *st, const sh_config_t *config, nd_curve_auth_t *auth,
                        sh_limits_t *limits);

void sh_limits_destroy(sh_limits_t **self_p);

#endif
