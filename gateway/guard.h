/* SPDX-License-Identifier: MIT */
/* guard.h: nd-gateway's defences at the door: allowed origins and the access
 * token on the WebSocket upgrade, the token on /metrics, clients per IP, TLS,
 * handshake timeouts, and the CURVE keys of its sockets to the hub. */
#ifndef GW_GUARD_H
#define GW_GUARD_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>

#include "gateway.h"
#include "netdumplings/curve.h"

enum {
    GW_OPT_ALLOW_ORIGIN = 0x1000,
    GW_OPT_TOKEN_FILE,
    GW_OPT_CERT,
    GW_OPT_KEY,
    GW_OPT_PER_IP,
    GW_OPT_HANDSHAKE_TIMEOUT,
};

/* Entries for the getopt_long table. */
#define GW_GUARD_OPTIONS                                                                           \
    {"allow-origin", required_argument, NULL, GW_OPT_ALLOW_ORIGIN},                                \
        {"token-file", required_argument, NULL, GW_OPT_TOKEN_FILE},                                \
        {"cert", required_argument, NULL, GW_OPT_CERT},                                            \
        {"key", required_argument, NULL, GW_OPT_KEY},                                              \
        {"max-clients-per-ip", required_argument, NULL, GW_OPT_PER_IP},                            \
        {"handshake-timeout", required_argument, NULL, GW_OPT_HANDSHAKE_TIMEOUT},                  \
        ND_CURVE_CLIENT_OPTIONS

#define GW_GUARD_HELP                                                                              \
    "      --allow-origin LIST  WebSocket upgrades whose Origin header is not in the\n"            \
    "                          comma-separated LIST are refused with 403 (requests\n"              \
    "                          without Origin, i.e. not from a browser, pass)\n"                   \
    "      --token-file FILE   require the token in FILE for WebSocket and /metrics:\n"            \
    "                          'Authorization: Bearer TOKEN' or ?token=TOKEN (else 401)\n"         \
    "      --cert FILE --key FILE  serve https:// and wss:// with this PEM certificate\n"          \
    "      --max-clients-per-ip N  WebSocket clients from one address (default 100;\n"             \
    "                          more are refused with 429)\n"                                       \
    "      --handshake-timeout SECS  close connections that have not finished their\n"             \
    "                          HTTP or WebSocket handshake after SECS (default "                   \
    "10)\n" ND_CURVE_CLIENT_HELP

/* Handles a guard option. Returns 0, 1 when `opt` is not a guard option, -1
 * (message logged) on a bad value. */
int gw_guard_option(int opt, const char *arg);

/* After parsing: reads the token file and the CURVE keys, checks the TLS
 * files. Returns 0, or -1 with err set. */
int gw_guard_setup(char *err, size_t errlen);

/* Fills TLS and timeout fields of the context/vhost creation info. */
void gw_guard_context_info(struct lws_context_creation_info *info);
bool gw_guard_tls(void);

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 lets the upgrade go on; 1 means a
 * refusal status was sent. */
int gw_guard_upgrade(const gw_ws_t *ws, struct lws *wsi);

/* An HTTP request for `uri`: 0 to serve it, or the status to refuse with. */
unsigned int gw_guard_http(struct lws *wsi, const char *uri);

#endif
