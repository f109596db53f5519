/* SPDX-License-Identifier: MIT */
/* guard.c: nd-gateway's checks before a client gets anything (see guard.h and
 * docs/security.md). Refusals happen on the HTTP upgrade request, with an HTTP
 * status, so that a browser or a script sees why: 403 origin, 401 token,
 * 429 too many from one address. */
#include "guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"

#define S_MAX_ORIGINS 32
#define S_TOKEN_MAX 1024

static struct {
    char *origins[S_MAX_ORIGINS];
    size_t norigins;
    const char *token_file;
    char token[S_TOKEN_MAX + 1];
    size_t token_len;
    const char *cert, *key;
    long per_ip;
    long handshake_timeout;
    nd_ratelimit_t rl;
} s_guard = {.per_ip = 100, .handshake_timeout = 10};

static int s_add_origins(const char *list)
{
    char *copy = strdup(list);
    if (!copy)
        return -1;
    char *save = NULL;
    for (char *o = strtok_r(copy, ", ", &save); o; o = strtok_r(NULL, ", ", &save)) {
        if (s_guard.norigins == S_MAX_ORIGINS) {
            nd_usage("--allow-origin: at most %d origins", S_MAX_ORIGINS);
            free(copy);
            return -1;
        }
        /* "https://host/" and "https://host" are the same origin. */
        size_t n = strlen(o);
        while (n > 0 && o[n - 1] == '/')
            o[--n] = '\0';
        if (!(s_guard.origins[s_guard.norigins++] = strdup(o))) {
            free(copy);
            return -1;
        }
    }
    free(copy);
    return 0;
}

int gw_guard_option(int opt, const char *arg)
{
    switch (opt) {
    case GW_OPT_ALLOW_ORIGIN:
        return s_add_origins(arg);
    case GW_OPT_TOKEN_FILE:
        s_guard.token_file = arg;
        return 0;
    case GW_OPT_CERT:
        s_guard.cert = arg;
        return 0;
    case GW_OPT_KEY:
        s_guard.key = arg;
        return 0;
    case GW_OPT_PER_IP:
        if (nd_parse_long(arg, 1, 100000, &s_guard.per_ip) != 0) {
            nd_usage("--max-clients-per-ip: '%s' is not in 1-100000", arg);
            return -1;
        }
        return 0;
    case GW_OPT_HANDSHAKE_TIMEOUT:
        if (nd_parse_long(arg, 1, 3600, &s_guard.handshake_timeout) != 0) {
            nd_usage("--handshake-timeout: '%s' is not in 1-3600 seconds", arg);
            return -1;
        }
        return 0;
    default:
        return nd_curve_client_option(opt, arg) ? 0 : 1;
    }
}

int gw_guard_setup(char *err, size_t errlen)
{
    if (!s_guard.cert != !s_guard.key)
        return nd_errf(err, errlen, "--cert and --key go together");
    if (s_guard.cert && (access(s_guard.cert, R_OK) != 0 || access(s_guard.key, R_OK) != 0))
        return nd_errf(err, errlen, "cannot read --cert '%s' or --key '%s': %s", s_guard.cert,
                       s_guard.key, strerror(errno));
    if (s_guard.token_file) {
        FILE *f = fopen(s_guard.token_file, "r");
        if (!f)
            return nd_errf(err, errlen, "cannot read --token-file '%s': %s", s_guard.token_file,
                           strerror(errno));
        size_t n = fread(s_guard.token, 1, S_TOKEN_MAX, f);
        fclose(f);
        s_guard.token[n] = '\0';
        while (n > 0 && strchr(" \t\r\n", s_guard.token[n - 1]))
            s_guard.token[--n] = '\0';
        if (n < 8 || strpbrk(s_guard.token, " \t\r\n&#"))
            return nd_errf(err, errlen,
                           "--token-file '%s': the token must be one line of at least 8 characters "
                           "without spaces, '&' or '#'",
                           s_guard.token_file);
        s_guard.token_len = n;
    }
    if (nd_curve_client_setup(NULL, NULL, err, errlen) != 0)
        return -1;
    return 0;
}

bool gw_guard_tls(void)
{
    return s_guard.cert != NULL;
}

void gw_guard_context_info(struct lws_context_creation_info *info)
{
    /* A client that connects and never finishes its request holds a socket
     * and a header buffer: give it this long. */
    info->timeout_secs = (unsigned int)s_guard.handshake_timeout;
    info->timeout_secs_ah_idle = (unsigned int)s_guard.handshake_timeout;
    if (s_guard.cert) {
        info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info->ssl_cert_filepath = s_guard.cert;
        info->ssl_private_key_filepath = s_guard.key;
    }
}

/* Compares without leaking where the first difference is. */
static bool s_token_equal(const char *given, size_t len)
{
    if (len != s_guard.token_len)
        return false;
    unsigned char d = 0;
    for (size_t i = 0; i < len; i++)
        d |= (unsigned char)given[i] ^ (unsigned char)s_guard.token[i];
    return d == 0;
}

static bool s_token_ok(struct lws *wsi)
{
    if (!s_guard.token_len)
        return true;
    char buf[S_TOKEN_MAX + 16];
    int n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 7 && strncasecmp(buf, "Bearer ", 7) == 0 && s_token_equal(buf + 7, (size_t)n - 7))
        return true;
    const char *v = lws_get_urlarg_by_name(wsi, "token=", buf, sizeof buf);
    return v && s_token_equal(v, strlen(v));
}

static bool s_origin_ok(struct lws *wsi, char *origin, size_t cap)
{
    origin[0] = '\0';
    if (!s_guard.norigins)
        return true;
    int n = lws_hdr_copy(wsi, origin, (int)cap, WSI_TOKEN_ORIGIN);
    if (n <= 0)
        return true; /* not a browser: Origin guards against other web pages only */
    while (n > 0 && origin[n - 1] == '/')
        origin[--n] = '\0';
    for (size_t i = 0; i < s_guard.norigins; i++)
        if (strcmp(s_guard.origins[i], "*") == 0 || strcasecmp(s_guard.origins[i], origin) == 0)
            return true;
    return false;
}

static int s_refuse(struct lws *wsi, unsigned int status, const char *peer, const char *why)
{
    nd_log_limited(&s_guard.rl, 5, ND_LOG_WARN, "refused WebSocket from %s: %u, %s", peer, status,
                   why);
    lws_return_http_status(wsi, status, why);
    return 1;
}

int gw_guard_upgrade(const gw_ws_t *ws, struct lws *wsi)
{
    char peer[64] = "?", origin[256];
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (!s_origin_ok(wsi, origin, sizeof origin))
        return s_refuse(wsi, HTTP_STATUS_FORBIDDEN, peer, "origin not allowed");
    if (!s_token_ok(wsi))
        return s_refuse(wsi, HTTP_STATUS_UNAUTHORIZED, peer, "missing or wrong access token");
    long same = 0;
    for (const gw_client_t *c = ws->clients; c; c = c->next)
        if (c->is_ws && strcmp(c->peer, peer) == 0)
            same++;
    if (same >= s_guard.per_ip)
        return s_refuse(wsi, 429, peer, "too many clients from this address");
    return 0;
}

unsigned int gw_guard_http(struct lws *wsi, const char *uri)
{
    if (strcmp(uri, "/metrics") == 0 && !s_token_ok(wsi)) {
        char peer[64] = "?";
        lws_get_peer_simple(wsi, peer, sizeof peer);
        nd_log_limited(&s_guard.rl, 5, ND_LOG_WARN, "refused /metrics from %s: 401", peer);
        return HTTP_STATUS_UNAUTHORIZED;
    }
    return 0;
}
