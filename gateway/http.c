/* SPDX-License-Identifier: MIT */
/* http.c: the HTTP side of nd-gateway's port: the web page's static files from
 * --web-root, the libraries it uses from --vendor-root under /vendor/ (regular
 * files under each root only: unknown paths, directories, dot files and
 * anything that leaves the root are 404), GET /metrics in Prometheus text
 * format and GET /healthz (200 while the hub is connected, 503 otherwise). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gateway.h"
#include "guard.h"
#include "netdumplings/log.h"
#include "netdumplings/status.h"

/* Headers every file gets: the page is live data, and a sniffed hostname must
 * never become script, so no inline script is allowed even by mistake. */
static const char s_file_headers[] =
    "cache-control: no-cache\x0d\x0a"
    "x-content-type-options: nosniff\x0d\x0a"
    "content-security-policy: default-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'\x0d\x0a";

static const char *s_mime(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* A request path we are willing to look up: /name/name.ext of [A-Za-z0-9._-],
 * no empty or dot-led component, so no "..", no hidden files. */
static bool s_path_ok(const char *uri)
{
    size_t len = strlen(uri);
    if (len < 2 || len > 200 || uri[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = uri[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '/';
        if (!ok)
            return false;
        if (ch == '/' && (i + 1 == len || uri[i + 1] == '/' || uri[i + 1] == '.'))
            return false;
    }
    return true;
}

static int s_done(struct lws *wsi)
{
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int s_status(struct lws *wsi, unsigned int code)
{
    lws_return_http_status(wsi, code, NULL);
    return s_done(wsi);
}

/* Appends printf output to a growing buffer that keeps LWS_PRE bytes in front. */
typedef struct {
    char *buf;
    size_t len, cap;
} s_text_t;

static void __attribute__((format(printf, 2, 3))) s_add(s_text_t *t, const char *fmt, ...)
{
    for (;;) {
        size_t room = t->cap > t->len ? t->cap - t->len : 0;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + LWS_PRE + t->len : NULL, t->buf ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *b = realloc(t->buf, LWS_PRE + cap);
        if (!b)
            return;
        t->buf = b;
        t->cap = cap;
    }
}

/* After a key: where the figure comes from. */
#define S_FROM_STATUS " from the latest " ND_STATUS_CHEF " dumpling"

static void s_metric(s_text_t *t, const char *name, const char *type, const char *help,
                     double value)
{
    s_add(t, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
}

/* One counter per kitchen of the latest SystemStatusChef: `key` of its
 * info_from_kitchen, labelled with its name. */
static void s_kitchen_metric(const gw_t *gw, s_text_t *t, const char *name, const char *help,
                             const char *key)
{
    s_add(t, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    size_t i;
    json_t *k;
    json_array_foreach(gw->hub.status.kitchen_list, i, k)
    {
        json_t *info = json_object_get(k, ND_ST_INFO_FROM_KITCHEN);
        const char *kname = json_string_value(json_object_get(info, "kitchen_name"));
        json_t *v = json_object_get(info, key);
        if (!kname || !json_is_number(v))
            continue;
        /* The hub checks names ([A-Za-z0-9_.-]); a label value must not
         * break the line whatever comes. */
        char label[ND_NAME_MAX + 1];
        size_t n = 0;
        for (const char *c = kname; *c && n < ND_NAME_MAX; c++)
            label[n++] = (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) ? '_' : *c;
        label[n] = '\0';
        s_add(t, "%s{kitchen=\"%s\"} %.17g\n", name, label, json_number_value(v));
    }
}

static void s_metrics(const gw_t *gw, s_text_t *t)
{
    s_metric(t, "nd_gateway_up", "gauge", "1 while nd-gateway runs.", 1);
    s_metric(t, "nd_gateway_hub_connected", "gauge",
             "1 while the SUB socket is connected to the hub.", gw->hub.connected);
    s_metric(
        t, "nd_gateway_hub_subscriptions", "gauge",
        "Subscriptions the gateway holds at the hub: topic prefixes and $eater/ registrations.",
        (double)gw->hub.nsubs);
    s_metric(t, "nd_gateway_clients", "gauge", "WebSocket clients connected.",
             (double)gw->ws.nclients);
    s_metric(t, "nd_gateway_clients_accepted_total", "counter", "WebSocket clients ever accepted.",
             (double)gw->ws.accepted);
    s_metric(t, "nd_gateway_clients_rejected_total", "counter",
             "WebSocket clients turned away by --max-clients.", (double)gw->ws.rejected);
    s_metric(t, "nd_gateway_clients_lagged_total", "counter",
             "WebSocket clients closed (4008) for falling behind the backlog.",
             (double)gw->ws.lag_closed);
    s_metric(t, "nd_gateway_clients_bad_input_total", "counter",
             "WebSocket clients closed for a bad message.", (double)gw->ws.bad_closed);
    s_metric(t, "nd_gateway_dumplings_received_total", "counter",
             "Valid dumplings received from the hub.", (double)gw->hub.received);
    s_metric(t, "nd_gateway_dumplings_dropped_total", "counter",
             "Messages from the hub dropped as invalid.", (double)gw->hub.invalid);
    s_metric(t, "nd_gateway_dumplings_sent_total", "counter",
             "JSON dumplings written to WebSocket clients (one per client).", (double)gw->ws.sent);
    uint64_t received, lost, suspicious;
    gw_loss_totals(gw->hub.loss, &received, &lost, &suspicious);
    s_metric(t, "nd_gateway_dumplings_lost_total", "counter",
             "Dumplings the hub sent on the gateway's subscription that never reached it "
             "(per-topic sequence gaps and the hub's $sent/ tables).",
             (double)lost);
    s_metric(t, "nd_gateway_dumplings_lag_dropped_total", "counter",
             "Dumplings dropped for lagging ?loss=1 clients (one per client per dumpling).",
             (double)gw->ws.lag_dropped);
    s_metric(t, "nd_gateway_backlog_capacity", "gauge", "Dumplings the shared ring holds.",
             (double)gw_ring_capacity(gw->ring));
    s_metric(t, "nd_gateway_uptime_seconds", "gauge", "Seconds since nd-gateway started.",
             nd_monotonic() - gw->started);
    if (gw->hub.status.seen) {
        s_metric(t, "nd_hub_dumplings_in_total", "counter",
                 ND_ST_TOTAL_DUMPLINGS_IN S_FROM_STATUS ".", gw->hub.status.in);
        s_metric(t, "nd_hub_dumplings_out_total", "counter",
                 ND_ST_TOTAL_DUMPLINGS_OUT S_FROM_STATUS ".", gw->hub.status.out);
        s_metric(t, "nd_hub_uptime_seconds", "gauge", ND_ST_SERVER_UPTIME S_FROM_STATUS ".",
                 gw->hub.status.uptime);
        s_metric(t, "nd_hub_kitchens", "gauge", ND_ST_DUMPLING_KITCHEN_COUNT S_FROM_STATUS ".",
                 gw->hub.status.kitchens);
        s_metric(t, "nd_hub_eaters", "gauge", ND_ST_DUMPLING_EATER_COUNT S_FROM_STATUS ".",
                 gw->hub.status.eaters);
        s_metric(t, "nd_hub_subscriptions", "gauge", ND_ST_SUBSCRIPTIONS S_FROM_STATUS ".",
                 gw->hub.status.subscriptions);
        s_metric(t, "nd_hub_capture_kernel_dropped_total", "counter",
                 ND_ST_TOTAL_PS_DROP S_FROM_STATUS
                 ": packets the kernel "
                 "dropped (capture ring full), every kitchen listed.",
                 gw->hub.status.ps_drop);
        s_metric(t, "nd_hub_capture_interface_dropped_total", "counter",
                 ND_ST_TOTAL_PS_IFDROP S_FROM_STATUS ": packets the "
                                                     "interfaces dropped, every kitchen listed.",
                 gw->hub.status.ps_ifdrop);
        if (gw->hub.status.kitchen_list) {
            s_kitchen_metric(gw, t, "nd_kitchen_capture_kernel_dropped_total",
                             "A kitchen's ps_drop (its latest heartbeat, through the hub).",
                             "ps_drop");
            s_kitchen_metric(gw, t, "nd_kitchen_capture_interface_dropped_total",
                             "A kitchen's ps_ifdrop (its latest heartbeat, through the hub).",
                             "ps_ifdrop");
            s_kitchen_metric(gw, t, "nd_kitchen_packets_total",
                             "Packets a kitchen captured (its latest heartbeat, through the hub).",
                             "packets");
        }
    }
}

/* Sends the headers now and the body from HTTP_WRITEABLE. */
static int s_respond(struct lws *wsi, gw_client_t *c, unsigned int status, const char *type,
                     s_text_t *t)
{
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start,
                                      *end = hdr + sizeof hdr - 1;
    c->http_body = t->buf;
    c->http_len = t->len;
    if (lws_add_http_common_headers(wsi, status, type, t->len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

/* Serves root + uri: a regular file whose real path lies under root's real
 * path, or 404. uri has passed no check yet. */
static int s_serve_file(struct lws *wsi, const char *root_dir, const char *uri)
{
    if (!root_dir || !s_path_ok(uri))
        return s_status(wsi, HTTP_STATUS_NOT_FOUND);
    char path[PATH_MAX], real[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s%s", root_dir, uri) >= (int)sizeof path ||
        !realpath(path, real) || stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        return s_status(wsi, HTTP_STATUS_NOT_FOUND);
    /* A symlink may not lead out of the root. */
    char root[PATH_MAX];
    size_t rl;
    if (!realpath(root_dir, root) || (rl = strlen(root), strncmp(real, root, rl) != 0) ||
        real[rl] != '/')
        return s_status(wsi, HTTP_STATUS_NOT_FOUND);

    int n = lws_serve_http_file(wsi, real, s_mime(real), s_file_headers,
                                (int)sizeof s_file_headers - 1);
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

int gw_http_request(const gw_t *gw, struct lws *wsi, gw_client_t *c, const char *uri)
{
    if (!c)
        return -1;
    memset(c, 0, sizeof *c);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
        return s_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);

    unsigned int refuse = gw_guard_http(wsi, uri); /* the token for /metrics */
    if (refuse)
        return s_status(wsi, refuse);
    s_text_t t = {0};
    if (strcmp(uri, "/metrics") == 0) {
        s_metrics(gw, &t);
        return s_respond(wsi, c, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", &t);
    }
    if (strcmp(uri, "/healthz") == 0) {
        s_add(&t, "{\"hub_connected\":%s}\n", gw->hub.connected ? "true" : "false");
        return s_respond(wsi, c, gw->hub.connected ? HTTP_STATUS_OK : 503, "application/json", &t);
    }

    if (strcmp(uri, "/") == 0)
        uri = "/index.html";
    /* The page's libraries (Chart.js) come from where Debian installs them. */
    size_t vl = strlen(GW_VENDOR_PREFIX);
    if (strncmp(uri, GW_VENDOR_PREFIX, vl) == 0)
        return s_serve_file(wsi, gw->opts.vendor_root, uri + vl - 1);
    return s_serve_file(wsi, gw->opts.web_root, uri);
}

int gw_http_writeable(struct lws *wsi, gw_client_t *c)
{
    if (!c || !c->http_body)
        return 0;
    int n =
        lws_write(wsi, (unsigned char *)c->http_body + LWS_PRE, c->http_len, LWS_WRITE_HTTP_FINAL);
    gw_http_cleanup(c);
    if (n < 0)
        return -1;
    return s_done(wsi);
}

void gw_http_cleanup(gw_client_t *c)
{
    free(c->http_body);
    c->http_body = NULL;
    c->http_len = 0;
}
