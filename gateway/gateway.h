/* SPDX-License-Identifier: MIT */
/* gateway.h: the state nd-gateway's parts share: the options, the hub side
 * (hub.c), the ring of JSON dumplings (ring.c), the WebSocket and HTTP
 * callback (ws.c, http.c) and the counters /metrics shows. */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client_parse.h"
#include "netdumplings/dumpling.h"

#define GW_MAX_CLIENT_MSG 4096 /* a client's message, assembled */
#define GW_CLOSE_LAGGING 4008
/* The page's libraries: /vendor/chart.js/chart.min.js is
 * --vendor-root/chart.js/chart.min.js, by default Debian's libjs-chart.js. */
#define GW_VENDOR_PREFIX "/vendor/"
#define GW_VENDOR_ROOT "/usr/share/javascript"
#define GW_DRAIN_BATCH 4096 /* messages read from the hub per round at most */

/* ---- ring.c: one producer, a reader position per client ---------------- */

/* One dumpling, converted to JSON once, sent to every client that wants it. */
typedef struct {
    char chef[65];
    char kitchen[65];
    size_t len;         /* JSON text length */
    unsigned char *buf; /* LWS_PRE bytes of headroom, then the JSON text */
    double ct_ms;       /* creation_time, epoch ms: for clients of the other unit */
    size_t ct_at;       /* its value is text bytes [ct_at, ct_at + ct_len) */
    size_t ct_len;
} gw_msg_t;

typedef struct gw_ring gw_ring_t;

/* Called before the ring overwrites its oldest message, `seq`. */
typedef void(gw_evict_fn)(void *arg, uint64_t seq);
gw_ring_t *gw_ring_new(size_t capacity, gw_evict_fn *on_evict, void *arg);
void gw_ring_destroy(gw_ring_t **self_p);
/* Appends; takes ownership of msg->buf. When full, the oldest message is
 * told to on_evict, then freed. */
void gw_ring_push(gw_ring_t *self, gw_msg_t *msg);
/* Sequence number the next pushed message gets (starts at 1). */
uint64_t gw_ring_head(const gw_ring_t *self);
/* Oldest sequence number still held. */
uint64_t gw_ring_oldest(const gw_ring_t *self);
/* The message with sequence `seq`, or NULL if it was overwritten or not yet pushed. */
const gw_msg_t *gw_ring_get(const gw_ring_t *self, uint64_t seq);
size_t gw_ring_capacity(const gw_ring_t *self);

/* ---- loss.c: what the gateway never got from the hub -------------------- */

typedef struct gw_loss gw_loss_t;
gw_loss_t *gw_loss_new(void);
void gw_loss_destroy(gw_loss_t **self_p);
/* A valid dumpling received: the dumplings of its topic newly counted lost. */
uint64_t gw_loss_dumpling(gw_loss_t *self, const nd_dumpling_t *d);
/* A "$sent/<kitchen>" table: `fn` is called for each chef with new loss. */
typedef void(gw_lost_fn)(void *arg, const char *chef, const char *kitchen, uint64_t lost);
void gw_loss_sent(gw_loss_t *self, const char *kitchen, const void *body, size_t len,
                  gw_lost_fn *fn, void *arg);
/* The chefs subscribed to at the hub now (names), or all. */
void gw_loss_subscribed(gw_loss_t *self, char *const *chefs, size_t n, bool all);
void gw_loss_totals(const gw_loss_t *self, uint64_t *received, uint64_t *lost,
                    uint64_t *suspicious);
size_t gw_loss_kitchen_count(const gw_loss_t *self);
const char *gw_loss_kitchen(const gw_loss_t *self, size_t i, uint64_t *received, uint64_t *lost);

/* ---- the per-client state lws allocates (ws.c) -------------------------- */

typedef struct gw_client {
    struct lws *wsi;
    struct gw_client *next; /* in gw_t.clients */
    bool is_ws;             /* established WebSocket, in the list */
    gw_filter_t filter;     /* name and filters: query string, first message */
    uint64_t id;            /* 1, 2, ... in order of arrival */
    double since;           /* epoch seconds it connected, for the heartbeat */
    char peer[64];
    uint64_t next_seq; /* next ring sequence to send */
    bool got_first;    /* the first message was seen (or not expected) */
    int close_code;    /* non-zero: close with this on next writeable */
    const char *close_reason;
    unsigned char *rx; /* a fragmented client message being assembled */
    size_t rx_len;

    /* Loss (?loss=1, filter.loss): a client that lags is served with holes
     * instead of closed, and told {"$loss":{"lost":N}} (docs/protocol.md). */
    uint64_t lost;      /* dumplings it wanted and did not get, since it connected */
    uint64_t dropped;   /* of which the gateway dropped because it lagged */
    uint64_t lost_told; /* the N of the last $loss sent */
    uint64_t delivered; /* dumplings sent to it */
    /* HTTP responses built in memory (/metrics, /healthz). */
    char *http_body;
    size_t http_len;
    unsigned int http_status;
    const char *http_type;
} gw_client_t;

/* ---- the gateway's parts ------------------------------------------------
 *
 * Each part is written by one file and read by the others. Dumplings flow
 * one way: hub.c pushes them into the ring, ws.c reads them out to the
 * clients. main.c owns the loop, the timer and the ring, and is the only
 * file that makes one part act on another: hub.c and ws.c never call each
 * other, ws.c reaches main.c only through the hooks main.c gives it, and
 * heartbeat.c, http.c and guard.c only read the others' state. */

/* The options: written by main.c before the loop, read by all. */
typedef struct {
    const char *hub_endpoint;
    const char *hub_in_endpoint; /* --hub-in; NULL: the --hub host, port 11347 */
    const char *address;         /* NULL: all interfaces */
    int port;
    const char *web_root;
    const char *vendor_root; /* served under GW_VENDOR_PREFIX */
    long max_clients;
    long backlog;
    bool seconds;   /* --time-unit s */
    long ping_secs; /* idle seconds before a ping; twice that without an answer: dropped */
} gw_opts_t;

/* The latest SystemStatusChef figures, for /metrics (hub.c). */
typedef struct {
    bool seen; /* one was seen */
    double in, out, uptime, kitchens, eaters, subscriptions;
    double ps_drop, ps_ifdrop; /* capture drops of every kitchen listed */
    json_t *kitchen_list;      /* its dumpling_kitchens (owned), or NULL */
} gw_hub_status_t;

/* hub.c: the SUB socket to the hub's XPUB. */
typedef struct {
    const gw_opts_t *opts;
    void *sub;
    void *monitor;
    bool connected;
    char **subs; /* current SUB subscriptions */
    size_t nsubs;
    nd_dumpling_t dumpling; /* decoder state, reused */
    nd_strbuf_t text;       /* JSON text of the dumpling being handled, reused */
    uint64_t received;      /* dumplings from the hub, valid */
    uint64_t invalid;       /* bodies that failed validation */
    gw_loss_t *loss;        /* what never came from the hub (loss.c) */
    gw_lost_fn *on_lost;    /* told of it, with on_lost_arg */
    void *on_lost_arg;
    gw_hub_status_t status;
} gw_hub_t;

/* ws.c: the WebSocket clients. */
typedef struct {
    const gw_opts_t *opts;
    const gw_ring_t *ring; /* read from each client's own position */
    struct lws_context *lws;
    gw_client_t *clients;
    size_t nclients;
    bool changed;                /* what the clients want changed: resubscribe */
    lws_usec_t kicked_at;        /* when clients were last woken (gw_ws_kick) */
    lws_sorted_usec_list_t kick; /* a wake-up put off to GW_KICK_US after that */
    bool kick_pending;
    /* Hooks into main.c: `on_change` when `changed` was set (resubscribe
     * now), `on_room` after a client took dumplings out of the ring. */
    void (*on_change)(void *arg);
    void (*on_room)(void *arg);
    void *hook_arg;
    /* counters */
    uint64_t sent;        /* frames written to clients */
    uint64_t lag_closed;  /* clients closed for lagging */
    uint64_t bad_closed;  /* clients closed for bad input */
    uint64_t rejected;    /* clients turned away by --max-clients */
    uint64_t accepted;    /* WebSocket clients ever */
    uint64_t lag_dropped; /* dumplings dropped for ?loss=1 clients, one per client per dumpling */
    uint64_t loss_min;    /* no ?loss=1 client is behind this ring sequence */
} gw_ws_t;

/* heartbeat.c: "$gateway/<name>" every second to the hub's in port. */
typedef struct {
    char *endpoint;
    void *sock;
    long subscribed; /* the hub's live subscriptions: > 0 while it listens */
    double next;     /* monotonic */
    uint64_t seq;
    char name[ND_NAME_MAX + 1];
    char boot_id[ND_BOOT_ID_LEN + 1];
    double start_time;
    nd_payload_t *pl;
} gw_hb_t;

/* The whole gateway: the parts, and what main.c itself owns. */
typedef struct {
    gw_opts_t opts;
    gw_hub_t hub;
    gw_ws_t ws;
    gw_hb_t hb;
    /* main.c */
    void *zmq_ctx;
    struct lws_context *lws;
    struct lws_vhost *vhost;
    gw_ring_t *ring;
    struct lws *hub_wsi; /* the SUB socket's ZMQ_FD, adopted into lws's poll */
    lws_sorted_usec_list_t tick;
    bool throttled; /* stopped reading the hub: no room in the ring */
    double started; /* monotonic */
    volatile sig_atomic_t stop;
} gw_t;

/* ---- hub.c --------------------------------------------------------------- */

/* Returns 0, -1 on a runtime error, GW_HUB_BAD_ENDPOINT when the endpoint is
 * unusable (a usage error). Lost dumplings are told to `on_lost`. */
enum { GW_HUB_BAD_ENDPOINT = -2 };
int gw_hub_open(gw_hub_t *hub, void *zmq_ctx, const gw_opts_t *opts, gw_lost_fn *on_lost, void *arg,
                char *err, size_t errlen);
void gw_hub_close(gw_hub_t *hub);
/* Reads up to `max` messages into the ring; returns true when the socket
 * was left empty (it is edge-triggered: then the next edge comes). */
bool gw_hub_drain(gw_hub_t *hub, gw_ring_t *ring, size_t max);
/* Reads socket-monitor events: connected / disconnected. */
void gw_hub_poll_monitor(gw_hub_t *hub);
/* Narrows or widens the SUB subscription to what the clients want. */
void gw_hub_subscribe(gw_hub_t *hub, const gw_ws_t *ws);
/* The ZMQ_FD to hand to lws's poll loop. */
int gw_hub_fd(const gw_hub_t *hub);

/* ---- ws.c ---------------------------------------------------------------- */

/* The protocol entry for lws: WebSocket eaters, and HTTP (http.c). First in
 * the list, so that eaters that name no subprotocol (all netdumplings
 * eaters) land there. The lws context's user pointer is the gw_t. */
int gw_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);
#define GW_WS_PROTOCOL                                                                             \
    {                                                                                              \
        "netdumplings", gw_ws_callback, sizeof(gw_client_t), GW_MAX_CLIENT_MSG, 0, NULL, 0         \
    }
/* Before the loop: what ws.c reads, and main.c's hooks (see gw_ws_t). */
void gw_ws_init(gw_ws_t *ws, const gw_opts_t *opts, const gw_ring_t *ring,
                void (*on_change)(void *arg), void (*on_room)(void *arg), void *arg);
/* Once the lws context exists (for ws.c's own timer). */
void gw_ws_start(gw_ws_t *ws, struct lws_context *lws);
/* Whether what the clients want changed since the last call. */
bool gw_ws_take_changed(gw_ws_t *ws);
/* Wakes every client that has something new to send, and closes laggers. At
 * most every GW_KICK_US: dumplings that come sooner wait for the next wake-up,
 * so that at high rates each client gets several frames per send() instead of
 * a system call per dumpling, while a lone dumpling goes at once. */
#define GW_KICK_US 1000
void gw_ws_kick(gw_ws_t *ws);
/* How many dumplings may enter the ring now: the ring is paced by the client
 * furthest ahead, so that a burst overruns only the clients that really are
 * slower than the fastest one; ?loss=1 clients count only when there are no
 * others. The full capacity when there are no clients. */
size_t gw_ws_room(const gw_ws_t *ws);
/* `n` dumplings of chef/kitchen never reached the gateway: each client that
 * wants them counts them as lost. A gw_lost_fn for gw_hub_open. */
void gw_ws_upstream_lost(void *ws, const char *chef, const char *kitchen, uint64_t n);
/* Called before the ring overwrites its oldest message (`seq`) with a new
 * one: a ?loss=1 client still behind it skips ahead, and what it wanted of
 * what it skips is counted as dropped for it. A gw_evict_fn for the ring. */
void gw_ws_evict(void *ws, uint64_t seq);
/* Closes every client with `code` and `reason` on its next writeable. */
void gw_ws_close_all(gw_ws_t *ws, int code, const char *reason);
/* The id of a client's "$eater/<name>/<id>" registration, "gw<pid>.<client
 * id>": hub.c registers with it, the heartbeat lists the client under it. */
void gw_client_reg_id(const gw_client_t *c, char *buf, size_t size);
/* The name it registers under: its eater_name, or "anonymous" while it has
 * given none that is a valid name, so that every client is listed. */
const char *gw_client_reg_name(const gw_client_t *c);

/* ---- heartbeat.c --------------------------------------------------------- */

/* How many clients the heartbeat lists at most (the hub keeps 256). */
#define GW_HB_MAX_EATERS 256
int gw_heartbeat_open(gw_hb_t *hb, void *zmq_ctx, const gw_opts_t *opts, char *err, size_t errlen);
/* Sends the heartbeats when one is due: the gateway's, its own as an eater
 * (what came from the hub) and one per client. */
void gw_heartbeat_tick(gw_hb_t *hb, const gw_hub_t *hub, const gw_ws_t *ws);
void gw_heartbeat_close(gw_hb_t *hb);

/* ---- http.c: answers one HTTP request; returns what the lws callback returns. */
int gw_http_request(const gw_t *gw, struct lws *wsi, gw_client_t *c, const char *uri);
int gw_http_writeable(struct lws *wsi, gw_client_t *c);
void gw_http_cleanup(gw_client_t *c);

#endif
