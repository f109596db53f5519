/* SPDX-License-Identifier: MIT */
/* main.c: nd-gateway: options, then one loop. The hub's SUB socket (hub.c) is
 * adopted into libwebsockets' poll loop as a raw file, so lws_service() wakes
 * for WebSocket, HTTP and hub traffic alike; a 100 ms timer (s_tick) reads
 * the socket monitor, narrows or widens the hub subscription, closes laggers
 * and drains anything an edge-triggered wake-up could have left behind.
 * This file owns the loop, the timer and the ring, and wires the parts
 * (gateway.h): hub.c and ws.c never call each other. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "gateway.h"
#include "guard.h"
#include "nd_version.h"
#include "netdumplings/address.h"
#include "netdumplings/cli.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"

#define S_PROG "nd-gateway"
#define S_TICK_US (100 * LWS_US_PER_MS)

static void s_usage(FILE *out)
{
    fprintf(out,
            "Usage: " S_PROG " [OPTION]...\n"
            "Serve the hub's dumplings as JSON over WebSocket, and the live web page,\n"
            "on one HTTP port.\n"
            "\n"
            "  -H, --hub ENDPOINT      the hub's XPUB (default %s; IPv6 in\n"
            "                          brackets: tcp://[2001:db8::1]:%d)\n"
            "      --hub-in ENDPOINT   the hub's in port, for the gateway's heartbeat (its\n"
            "                          client and lag counts in the hub's status; default:\n"
            "                          the --hub host, port %d)\n"
            "  -p, --port PORT         HTTP and WebSocket port (default %d; 0 = any free)\n"
            "  -a, --address ADDR      listen on this address only: IPv4, IPv6 ([brackets]\n"
            "                          optional), a host or interface name (default *: all,\n"
            "                          IPv4 and IPv6)\n"
            "  -w, --web-root DIR      the web page's files (default: %s if it exists,\n"
            "                          else the source tree's eaters/web)\n"
            "      --vendor-root DIR   the page's libraries (Chart.js), served under\n"
            "                          /vendor/ (default %s)\n"
            "  -m, --max-clients N     WebSocket clients at once (default 1000)\n"
            "  -b, --backlog N         dumplings a client may fall behind before it is\n"
            "                          closed with 4008 \"lagging\" (default 16384)\n"
            "  -t, --time-unit UNIT    creation_time in ms (default) or s (netdumplings 0.5);\n"
            "                          a client may ask for its own: ?time_unit=s or ms\n"
            "      --ping SECS         ping a client silent for SECS, drop it after twice\n"
            "                          that without an answer (default 20)\n" GW_GUARD_HELP
            "  -v, --verbose           more log lines (repeat for lws warnings)\n"
            "  -q, --quiet             errors only\n"
            "  -h, --help              this help\n"
            "  -V, --version           version\n"
            "\n" ND_CLI_ENV_HELP "\n"
            "WebSocket: ws://HOST:PORT/?chef=NAME&kitchen=NAME, optional first message\n"
            "{\"eater_name\": \"..\", \"chef_filter\": [..], \"kitchen_filter\": [..]}.\n"
            "HTTP: / (the page), /metrics (Prometheus), /healthz (200 hub up, 503 down).\n"
            "Exit status: 0 ok, 1 runtime error (e.g. port in use), 2 usage error.\n",
            ND_HUB_OUT_DEFAULT, ND_PORT_HUB_OUT, ND_PORT_HUB_IN, ND_PORT_GATEWAY, ND_WEB_ROOT,
            GW_VENDOR_ROOT);
}

static void s_lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    nd_log(level == LLL_ERR ? ND_LOG_ERROR : ND_LOG_WARN, "lws: %.*s", (int)n, line);
}

/* lws only says "failed"; binding a test socket first gives the real reason. */
static int s_check_port(const char *address, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(address, service, &hints, &res);
    if (rc != 0)
        return nd_errf(err, errlen, "cannot use address '%s': %s", address ? address : "*",
                       gai_strerror(rc));
    int result = 0;
    for (struct addrinfo *ai = res; ai && result == 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            nd_errf(err, errlen, "cannot listen on %s port %d: %s", address ? address : "*", port,
                    errno == EADDRNOTAVAIL ? "not an address of this host" : strerror(errno));
            result = -1;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return result;
}

/* --address as libwebsockets takes it: NULL for every address (IPv4 and
 * IPv6), else one numeric address without brackets. lws listens on one
 * address per vhost, so a name standing for several takes the first. */
static int s_listen_address(gw_opts_t *o, char *host, size_t size, char *err, size_t errlen)
{
    nd_bind_list_t l;
    if (!o->address)
        return 0;
    if (nd_address_resolve(o->address, &l, err, errlen) != 0)
        return -1;
    const char *h = l.host[0];
    if (strcmp(h, "*") == 0) {
        o->address = NULL;
        return 0;
    }
    size_t n = strlen(h);
    if (h[0] == '[')
        snprintf(host, size, "%.*s", (int)(n - 2), h + 1);
    else
        snprintf(host, size, "%s", h);
    if (l.n > 1)
        nd_warn("'%s' stands for %zu addresses; the gateway listens on %s only (-a '*' for all)",
                o->address, l.n, host);
    o->address = host;
    return 0;
}

static bool s_has_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool s_has_index(const char *dir)
{
    return s_has_file(dir, "index.html");
}

/* ---- the loop: everything that crosses parts happens here --------------- */

static void s_tick(lws_sorted_usec_list_t *sul);

static void s_tick_soon(gw_t *gw)
{
    lws_sul_schedule(gw->lws, 0, &gw->tick, s_tick, 1);
}

/* Hub -> ring, as much as the clients leave room for; true when the hub
 * socket was left empty or the ring is full (then gw->throttled, until a
 * client makes room: s_on_room). */
static bool s_drain(gw_t *gw)
{
    size_t room = gw_ws_room(&gw->ws);
    if (room == 0) {
        gw->throttled = true; /* left in ZeroMQ's queue, then the hub's */
        return true;
    }
    return gw_hub_drain(&gw->hub, gw->ring, room < GW_DRAIN_BATCH ? room : GW_DRAIN_BATCH);
}

/* The clients want other chefs: subscribe at the hub. Any operation on a
 * ZeroMQ socket may consume the edge of ZMQ_FD: look at it again soon
 * rather than wait for the next edge. */
static void s_resubscribe(gw_t *gw)
{
    if (!gw_ws_take_changed(&gw->ws))
        return;
    gw_hub_subscribe(&gw->hub, &gw->ws);
    s_tick_soon(gw);
}

/* ws.c's hooks. */
static void s_on_change(void *arg)
{
    s_resubscribe(arg);
}

static void s_on_room(void *arg)
{
    gw_t *gw = arg;
    if (gw->throttled) {
        gw->throttled = false;
        s_tick_soon(gw);
    }
}

/* Every 100 ms, and at once when there is more to do: the socket monitor,
 * the heartbeat, draining, resubscription, waking the clients. */
static void s_tick(lws_sorted_usec_list_t *sul)
{
    gw_t *gw = lws_container_of(sul, gw_t, tick);
    gw_hub_poll_monitor(&gw->hub);
    gw_heartbeat_tick(&gw->hb, &gw->hub, &gw->ws);
    bool empty = s_drain(gw);
    s_resubscribe(gw);
    gw_ws_kick(&gw->ws);
    /* A batch that did not empty the socket gets the rest after lws has
     * written to the clients; otherwise this is the 100 ms safety net. */
    lws_sul_schedule(gw->lws, 0, &gw->tick, s_tick, empty ? S_TICK_US : 1);
}

/* The hub's ZMQ_FD, adopted as a raw file: readable means "look at the socket". */
static int s_hub_socket(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    (void)user, (void)in, (void)len;
    gw_t *gw = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (!s_drain(gw))
            s_tick_soon(gw); /* the rest, soon */
        gw_ws_kick(&gw->ws);
        break;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        gw->hub_wsi = NULL;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols s_protocols[] = {
    GW_WS_PROTOCOL, /* first: eaters that name no subprotocol land there */
    {"nd-hub-socket", s_hub_socket, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hub", required_argument, NULL, 'H'},
        {"hub-in", required_argument, NULL, 'I'},
        {"port", required_argument, NULL, 'p'},
        {"address", required_argument, NULL, 'a'},
        {"web-root", required_argument, NULL, 'w'},
        {"max-clients", required_argument, NULL, 'm'},
        {"backlog", required_argument, NULL, 'b'},
        {"time-unit", required_argument, NULL, 't'},
        {"ping", required_argument, NULL, 'P'},
        {"vendor-root", required_argument, NULL, 'R'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    static const struct option guard_opts[] = {GW_GUARD_OPTIONS};
    struct option all_opts[sizeof opts / sizeof opts[0] + sizeof guard_opts / sizeof guard_opts[0]];
    /* The door's options (guard.h) before the terminating entry. */
    size_t nopts = sizeof opts / sizeof opts[0] - 1;
    memcpy(all_opts, opts, nopts * sizeof opts[0]);
    memcpy(all_opts + nopts, guard_opts, sizeof guard_opts);
    all_opts[nopts + sizeof guard_opts / sizeof guard_opts[0]] = opts[nopts];
    static gw_t gw; /* static: the signal flag lives in it */
    gw_opts_t *o = &gw.opts;
    o->hub_endpoint = ND_HUB_OUT_DEFAULT;
    o->port = ND_PORT_GATEWAY;
    o->max_clients = 1000;
    o->backlog = 16384;
    o->ping_secs = 20;
    int verbose = 0;
    bool quiet = false;
    long v;

    int ch;
    nd_cli_start(argc, argv, S_PROG);
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, all_opts, NULL) != 0)
        return ND_EXIT_USAGE;
    while ((ch = getopt_long(argc, argv, "H:p:a:w:m:b:t:vqhV", all_opts, NULL)) != -1) {
        switch (ch) {
        case 'H':
        case 'I': {
            char err[512];
            if (nd_endpoint_check(optarg, ch == 'H' ? "hub endpoint" : "--hub-in endpoint",
                                  ch == 'H' ? ND_PORT_HUB_OUT : ND_PORT_HUB_IN, err,
                                  sizeof err) != 0)
                return nd_usage("%s", err);
            if (ch == 'H')
                o->hub_endpoint = optarg;
            else
                o->hub_in_endpoint = optarg;
            break;
        }
        case 'p':
            if (nd_parse_long(optarg, 0, 65535, &v) != 0)
                return nd_usage("--port: '%s' is not a port number (0-65535)", optarg);
            o->port = (int)v;
            break;
        case 'a': {
            char err[512];
            if (nd_address_check(optarg, err, sizeof err) != 0)
                return nd_usage("%s", err);
            o->address = optarg;
            break;
        }
        case 'w':
            o->web_root = optarg;
            break;
        case 'R':
            o->vendor_root = optarg;
            break;
        case 'm':
            if (nd_parse_long(optarg, 1, 100000, &o->max_clients) != 0)
                return nd_usage("--max-clients: '%s' is not in 1-100000", optarg);
            break;
        case 'b':
            if (nd_parse_long(optarg, 16, 10000000, &o->backlog) != 0)
                return nd_usage("--backlog: '%s' is not in 16-10000000", optarg);
            break;
        case 'P':
            if (nd_parse_long(optarg, 1, 3600, &o->ping_secs) != 0)
                return nd_usage("--ping: '%s' is not in 1-3600", optarg);
            break;
        case 't':
            if (strcmp(optarg, "ms") == 0) {
                o->seconds = false;
            } else if (strcmp(optarg, "s") == 0) {
                o->seconds = true;
            } else {
                return nd_usage("--time-unit: '%s' is not ms or s", optarg);
            }
            break;
        case 'v':
            verbose++;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case 'V':
            nd_print_version(S_PROG);
            return ND_EXIT_OK;
        default: {
            int grc = gw_guard_option(ch, optarg);
            if (grc < 0)
                return ND_EXIT_USAGE;
            if (grc == 0)
                break;
            return nd_cli_try_help(NULL);
        }
        }
    }
    if (nd_cli_no_operands(argc, argv, optind, NULL) != 0)
        return ND_EXIT_USAGE;
    nd_log_setup(S_PROG, quiet ? ND_LOG_ERROR : verbose ? ND_LOG_DEBUG : ND_LOG_INFO);
    lws_set_log_level(verbose >= 2 ? LLL_ERR | LLL_WARN : LLL_ERR, s_lws_log);

    /* The installed page, else the one in the source tree (running from a build). */
    if (!o->web_root)
        o->web_root = s_has_index(ND_WEB_ROOT) ? ND_WEB_ROOT : GW_SOURCE_WEB_ROOT;
    if (!s_has_index(o->web_root))
        nd_warn("no index.html in web root '%s': the page will be 404", o->web_root);
    if (!o->vendor_root)
        o->vendor_root = GW_VENDOR_ROOT;
    if (!s_has_file(o->vendor_root, "chart.js/chart.min.js"))
        nd_warn("no chart.js/chart.min.js in vendor root '%s' (Debian package libjs-chart.js): "
                "the page will have no charts",
                o->vendor_root);

    char err[512];
    char listen_host[ND_HOST_MAX];
    if (s_listen_address(o, listen_host, sizeof listen_host, err, sizeof err) != 0) {
        nd_error("%s", err);
        return ND_EXIT_RUNTIME;
    }
    if (o->port != 0 && s_check_port(o->address, o->port, err, sizeof err) != 0) {
        nd_error("%s", err);
        return ND_EXIT_RUNTIME;
    }

    if (gw_guard_setup(err, sizeof err) != 0)
        return nd_usage("%s", err);
    int rc = ND_EXIT_RUNTIME;
    gw.started = nd_monotonic();
    /* The parts, wired: hub.c pushes into the ring, whose evictions and
     * the hub's loss go to ws.c; ws.c's hooks come back here. */
    gw.ring = gw_ring_new((size_t)o->backlog, gw_ws_evict, &gw.ws);
    if (!gw.ring) {
        nd_error("out of memory for a backlog of %ld", o->backlog);
        return ND_EXIT_RUNTIME;
    }
    gw_ws_init(&gw.ws, o, gw.ring, s_on_change, s_on_room, &gw);
    nd_signals_install(&gw.stop);
    if (!(gw.zmq_ctx = zmq_ctx_new())) {
        nd_error("cannot create a ZeroMQ context: %s", zmq_strerror(errno));
        goto out;
    }
    int hrc = gw_hub_open(&gw.hub, gw.zmq_ctx, o, gw_ws_upstream_lost, &gw.ws, err, sizeof err);
    if (hrc != 0) {
        if (hrc == GW_HUB_BAD_ENDPOINT)
            rc = nd_usage("%s", err);
        else
            nd_error("%s", err);
        goto out;
    }
    gw_hub_subscribe(&gw.hub, &gw.ws); /* the hub's status and tables, before any client */
    if (gw_heartbeat_open(&gw.hb, gw.zmq_ctx, o, err, sizeof err) != 0) {
        rc = nd_usage("%s", err);
        goto out;
    }

    /* lws pings a client it has heard nothing from for ping_secs, and drops
     * it when nothing (no pong either) came back by twice that. */
    lws_retry_bo_t retry = {
        .secs_since_valid_ping = (uint16_t)o->ping_secs,
        .secs_since_valid_hangup = (uint16_t)(2 * o->ping_secs),
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = o->port;
    info.iface = o->address;
    info.protocols = s_protocols;
    info.user = &gw;
    info.retry_and_idle_policy = &retry;
    info.vhost_name = "nd-gateway";
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    gw_guard_context_info(&info); /* TLS, handshake timeouts */
    gw.lws = lws_create_context(&info);
    if (!gw.lws) {
        nd_error("cannot start libwebsockets");
        goto out;
    }
    gw.vhost = lws_create_vhost(gw.lws, &info);
    if (!gw.vhost) {
        nd_error("cannot listen on %s port %d", o->address ? o->address : "*", o->port);
        goto out;
    }
    /* lws closes what it adopts; it gets a duplicate, zmq keeps its own fd. */
    gw_ws_start(&gw.ws, gw.lws);
    int zfd = gw_hub_fd(&gw.hub);
    lws_sock_file_fd_type u;
    u.filefd = zfd >= 0 ? dup(zfd) : -1;
    if (u.filefd < 0 || !(gw.hub_wsi = lws_adopt_descriptor_vhost(gw.vhost, LWS_ADOPT_RAW_FILE_DESC,
                                                                  u, s_protocols[1].name, NULL))) {
        nd_error("cannot watch the hub socket");
        goto out;
    }
    s_tick_soon(&gw);

    char where[ND_HOST_MAX + 8];
    nd_host_port(where, sizeof where, o->address ? o->address : "*",
                 (unsigned)lws_get_vhost_listen_port(gw.vhost));
    nd_info("serving %s://%s/ (web root %s), hub %s", gw_guard_tls() ? "https" : "http", where,
            o->web_root, o->hub_endpoint);
    while (!gw.stop)
        if (lws_service(gw.lws, 0) < 0)
            break;
    /* Say goodbye properly (1001) to every client, for up to half a second. */
    gw_ws_close_all(&gw.ws, 1001, "gateway shutting down");
    for (double end = nd_monotonic() + 0.5; gw.ws.nclients && nd_monotonic() < end;)
        if (lws_service(gw.lws, 0) < 0)
            break;
    nd_info("shutting down: %llu dumplings received, %llu frames sent, %llu clients closed "
            "for lag",
            (unsigned long long)gw.hub.received, (unsigned long long)gw.ws.sent,
            (unsigned long long)gw.ws.lag_closed);
    rc = gw.stop ? ND_EXIT_OK : ND_EXIT_RUNTIME;
out:
    if (gw.lws)
        lws_context_destroy(gw.lws);
    gw_heartbeat_close(&gw.hb);
    gw_hub_close(&gw.hub);
    if (gw.zmq_ctx)
        zmq_ctx_term(gw.zmq_ctx);
    gw_ring_destroy(&gw.ring);
    return rc;
}
