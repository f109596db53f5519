/* SPDX-License-Identifier: MIT */
/* curve.h: ZeroMQ CURVE security for every netdumplings socket: loading czmq
 * certificates, making the hub's sockets CURVE servers with an allow-list
 * authenticator (a ZAP handler that counts what it refuses), and making the
 * kitchens', eaters' and gateway's sockets CURVE clients. See docs/security.md. */
#ifndef ND_CURVE_H
#define ND_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/address.h" /* nd_address_is_loopback(), once declared here */

/* ZAP domains the hub gives its two sockets, so that refusals are counted per side. */
#define ND_CURVE_DOMAIN_IN "kitchens"
#define ND_CURVE_DOMAIN_OUT "eaters"

/* ---- clients ----------------------------------------------------------- */

/* Sets the process-wide client keys: `server_key_file` is the hub's public
 * certificate (e.g. hub.key), `secret_file` this program's own certificate
 * (NAME.key_secret, or NAME.key with NAME.key_secret next to it). NULL for
 * either falls back to the environment variables ND_CURVE_SERVER_KEY and
 * ND_CURVE_SECRET. Both or neither must end up set. Returns 0, or -1 with err set. */
int nd_curve_client_setup(const char *server_key_file, const char *secret_file, char *err,
                          size_t errlen);

/* The same two options for any client program's getopt_long table: add
 * ND_CURVE_CLIENT_OPTIONS to the table, ND_CURVE_CLIENT_HELP to --help, and
 * pass unknown option values to nd_curve_client_option(), which returns true
 * when it took one. The keys are then loaded at the first
 * nd_curve_client_apply() (or explicitly with nd_curve_client_setup(NULL, NULL)). */
enum { ND_CURVE_OPT_SERVER_KEY = 0x2000, ND_CURVE_OPT_SECRET };
#define ND_CURVE_CLIENT_OPTIONS                                                                    \
    {"curve-server-key", required_argument, NULL, ND_CURVE_OPT_SERVER_KEY},                        \
    {                                                                                              \
        "curve-secret", required_argument, NULL, ND_CURVE_OPT_SECRET                               \
    }
#define ND_CURVE_CLIENT_HELP                                                                       \
    "      --curve-server-key FILE  the hub's public certificate: talk CURVE to it\n"              \
    "      --curve-secret FILE  this program's own secret certificate (nd-keygen)\n"
bool nd_curve_client_option(int opt, const char *arg);

/* True when client keys are configured (after nd_curve_client_setup). */
bool nd_curve_client_enabled(void);

/* Makes `sock` (a raw libzmq socket, before zmq_connect) a CURVE client when
 * keys are configured; does nothing otherwise. Reads the environment on first
 * use if nd_curve_client_setup was never called. Returns 0, or -1 with err set. */
int nd_curve_client_apply(void *sock, char *err, size_t errlen);

/* ---- the hub ----------------------------------------------------------- */

typedef struct nd_curve_auth nd_curve_auth_t;

/* Starts the authenticator on ZeroMQ context `ctx`: a thread answering ZAP
 * requests on inproc://zeromq.zap.01. It must start before the server sockets
 * bind. A client is let in when its public key is in one of the certificates
 * in `allow_dir` (files not ending in _secret); the folder is read again
 * whenever its contents change (names, count, sizes or mtimes), so adding or
 * removing a file takes effect at the next connection. Returns NULL with err set. */
nd_curve_auth_t *nd_curve_auth_new(void *ctx, const char *allow_dir, char *err, size_t errlen);
void nd_curve_auth_destroy(nd_curve_auth_t **self_p);

typedef struct {
    uint64_t allowed;       /* handshakes let in */
    uint64_t refused_in;    /* refused on the kitchens' socket (domain "kitchens") */
    uint64_t refused_out;   /* refused on the eaters' socket (domain "eaters") */
    uint64_t refused_other; /* refused elsewhere (other domains, other mechanisms) */
    uint64_t allowed_keys;  /* certificates in the allow folder at the last reload */
    uint64_t reloads;       /* times the allow folder was read */
} nd_curve_auth_stats_t;

void nd_curve_auth_stats(nd_curve_auth_t *self, nd_curve_auth_stats_t *out);

/* Makes `sock` (raw libzmq, before zmq_bind) a CURVE server with the secret
 * certificate in `secret_file`; `domain` is its ZAP domain. Returns 0, or -1
 * with err set. */
int nd_curve_server_apply(void *sock, const char *secret_file, const char *domain, char *err,
                          size_t errlen);

/* ---- keys -------------------------------------------------------------- */

/* Writes a new certificate pair: `base` (public, mode 0644) and `base`_secret
 * (both keys, mode 0600). Refuses to overwrite. Returns 0, or -1 with err set. */
int nd_curve_keygen(const char *base, const char *name, char *err, size_t errlen);

#endif
