/* SPDX-License-Identifier: MIT */
/* ws.c: the libwebsockets protocol callback of nd-gateway: WebSocket eaters
 * (connect, optional first message with a name and filters, then one JSON
 * dumpling per text frame, or with ?batch=1 a JSON array of them) and, on
 * the same port, HTTP (handed to http.c). Fan-out reads the ring (ring.c)
 * from each client's own position. It writes only gw_ws_t and the clients;
 * main.c hears from it through the hooks it gave gw_ws_init. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
#include "guard.h"
#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"
#include "netdumplings/payload.h"

/* How many ring entries one writeable callback looks at and writes, so one
 * busy client cannot starve the others or the hub side. */
#define S_SCAN_BUDGET 1024
#define S_WRITE_BUDGET 1024

static gw_t *s_gw(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* What the clients want changed: main.c resubscribes at the hub now, so that
 * the hub does not drop what a new client wants. */
static void s_changed(gw_ws_t *ws)
{
    ws->changed = true;
    if (ws->on_change)
        ws->on_change(ws->hook_arg);
}

void gw_ws_init(gw_ws_t *ws, const gw_opts_t *opts, const gw_ring_t *ring,
                void (*on_change)(void *arg), void (*on_room)(void *arg), void *arg)
{
    memset(ws, 0, sizeof *ws);
    ws->opts = opts;
    ws->ring = ring;
    ws->on_change = on_change;
    ws->on_room = on_room;
    ws->hook_arg = arg;
}

void gw_ws_start(gw_ws_t *ws, struct lws_context *lws)
{
    ws->lws = lws;
}

bool gw_ws_take_changed(gw_ws_t *ws)
{
    bool changed = ws->changed;
    ws->changed = false;
    return changed;
}

void gw_client_reg_id(const gw_client_t *c, char *buf, size_t size)
{
    snprintf(buf, size, "gw%ld.%llu", (long)getpid(), (unsigned long long)c->id);
}

const char *gw_client_reg_name(const gw_client_t *c)
{
    return nd_name_valid(c->filter.eater_name) ? c->filter.eater_name : "anonymous";
}

/* ?chef=A&chef=B&kitchen=k1 on the upgrade request: lws has split the query
 * string at '&' and ';' and decoded it; client_parse.c reads each argument. */
static int s_parse_query(struct lws *wsi, gw_client_t *c, const char **reason)
{
    char arg[256];
    for (int i = 0; i < 64; i++) {
        int n = lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            break;
        int code = gw_parse_query_arg(&c->filter, arg, reason);
        if (code)
            return code;
    }
    return 0;
}

/* Closes from inside a receive callback: the close frame carries code and reason. */
static int s_refuse(gw_ws_t *ws, struct lws *wsi, gw_client_t *c, int code, const char *reason)
{
    static nd_ratelimit_t rl;
    ws->bad_closed++;
    nd_log_limited(&rl, 5, ND_LOG_INFO, "closing client %s: %d %s", c->peer, code, reason);
    lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)reason, strlen(reason));
    return -1;
}

static int s_receive(gw_ws_t *ws, struct lws *wsi, gw_client_t *c, const void *in, size_t len)
{
    if (lws_frame_is_binary(wsi))
        return s_refuse(ws, wsi, c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                        "binary messages are not accepted");
    if (c->rx_len + len > GW_MAX_CLIENT_MSG)
        return s_refuse(ws, wsi, c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                        "message larger than 4096 bytes");
    if (!c->rx) {
        c->rx = malloc(GW_MAX_CLIENT_MSG);
        if (!c->rx)
            return -1;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(wsi))
        return 0;

    size_t n = c->rx_len;
    c->rx_len = 0;
    if (!nd_utf8_valid(c->rx, n))
        return s_refuse(ws, wsi, c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
    if (c->got_first)
        return 0; /* eaters may talk; only the first message means something */
    c->got_first = true;
    const char *why = NULL;
    int code = gw_parse_first_message(&c->filter, (const char *)c->rx, n, &why);
    if (code)
        return s_refuse(ws, wsi, c, code, why);
    s_changed(ws);
    nd_info("eater '%s' at %s: %zu chef and %zu kitchen filters", c->filter.eater_name, c->peer,
            c->filter.nchefs, c->filter.nkitchens);
    return 0;
}

/* Frames for one client are gathered here and sent with one write: lws_write
 * costs one send() per call, and at 100 clients that system call, not the
 * JSON, was the gateway's time. Written only from lws's one service thread. */
#define S_BATCH (64 * 1024)
static unsigned char s_batch[LWS_PRE + S_BATCH];

/* A server's text frame header (RFC 6455 5.2: FIN, opcode 1, unmasked). */
static size_t s_frame_header(unsigned char *h, size_t len)
{
    h[0] = 0x81;
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

/* Sends what is gathered in s_batch as it is: the frames are complete, so
 * lws passes them through (LWS_WRITE_RAW; the gateway offers no extensions
 * that would have to see them). A short send is kept by lws and flushed
 * before the next WRITEABLE, as for any lws_write. */
static int s_flush(struct lws *wsi, size_t *used)
{
    if (*used == 0)
        return 0;
    int n = lws_write(wsi, s_batch + LWS_PRE, *used, LWS_WRITE_RAW);
    size_t want = *used;
    *used = 0;
    return n < (int)want ? -1 : 0;
}

/* A message's text as one client gets it: the ring's text, or, for a client
 * that asked for the other time unit than the gateway's (?time_unit=), that
 * text with the creation_time value rewritten: head + value + tail. */
typedef struct {
    const unsigned char *head, *tail;
    const char *value;
    size_t head_len, value_len, tail_len, len;
} s_text_t;

static void s_text(const gw_ws_t *ws, const gw_client_t *c, const gw_msg_t *m, s_text_t *t)
{
    static nd_strbuf_t value; /* lws's one service thread only */
    const unsigned char *text = m->buf + LWS_PRE;
    bool other = c->filter.time_unit && (c->filter.time_unit == 's') != ws->opts->seconds;
    value.len = 0;
    if (!other || m->ct_len == 0 ||
        nd_json_creation_time(m->ct_ms, !ws->opts->seconds, &value) != 0) {
        *t = (s_text_t){text, NULL, NULL, m->len, 0, 0, m->len};
        return;
    }
    *t = (s_text_t){text,      text + m->ct_at + m->ct_len,   value.data, m->ct_at,
                    value.len, m->len - m->ct_at - m->ct_len, 0};
    t->len = t->head_len + t->value_len + t->tail_len;
}

static void s_text_copy(const s_text_t *t, unsigned char *dst)
{
    memcpy(dst, t->head, t->head_len);
    if (t->value_len)
        memcpy(dst + t->head_len, t->value, t->value_len);
    if (t->tail_len)
        memcpy(dst + t->head_len + t->value_len, t->tail, t->tail_len);
}

/* One frame too big to gather, written on its own. */
static int s_write_alone(struct lws *wsi, const gw_msg_t *m, const s_text_t *t)
{
    if (t->value_len == 0)
        return lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len ? -1 : 0;
    unsigned char *buf = malloc(LWS_PRE + t->len);
    if (!buf)
        return -1;
    s_text_copy(t, buf + LWS_PRE);
    int n = lws_write(wsi, buf + LWS_PRE, t->len, LWS_WRITE_TEXT);
    free(buf);
    return n < (int)t->len ? -1 : 0;
}

/* What a ?loss=1 client lost since it was last told, as the text of a
 * {"$loss":{"lost":N}} message (docs/protocol.md) in buf; its length, or 0
 * when there is nothing new to tell. */
#define S_LOSS_TEXT_MAX 64
static size_t s_loss_text(gw_client_t *c, char *buf)
{
    if (!c->filter.loss || c->lost == c->lost_told)
        return 0;
    c->lost_told = c->lost;
    return (size_t)snprintf(buf, S_LOSS_TEXT_MAX, "{\"$loss\":{\"lost\":%llu}}",
                            (unsigned long long)c->lost);
}

/* The next message in the ring the client wants, passing over those it does
 * not; NULL when there is none before `head` or `*budget` ring entries were
 * looked at (each look spends one). *lagged when its position is no longer
 * in the ring (gw_ws_kick marks such a client before this can happen). */
static const gw_msg_t *s_next(const gw_ws_t *ws, gw_client_t *c, uint64_t head, int *budget,
                              bool *lagged)
{
    for (; c->next_seq<head && * budget> 0; c->next_seq++) {
        const gw_msg_t *m = gw_ring_get(ws->ring, c->next_seq);
        --*budget;
        if (!m) {
            *lagged = true;
            return NULL;
        }
        if (gw_filter_wants(&c->filter, m->chef, m->kitchen))
            return m;
    }
    return NULL;
}

/* The message s_next() gave is on its way. */
static void s_sent(gw_ws_t *ws, gw_client_t *c)
{
    c->next_seq++;
    c->delivered++;
    ws->sent++;
}

/* One frame per message, gathered into s_batch (the framing invariants). */
static int s_write_frames(gw_ws_t *ws, struct lws *wsi, gw_client_t *c, uint64_t head)
{
    int written = 0, budget = S_SCAN_BUDGET;
    bool lagged = false;
    size_t used = 0;
    /* What it lost since the last one, before the dumplings that follow. */
    char text[S_LOSS_TEXT_MAX];
    size_t n = s_loss_text(c, text);
    if (n) {
        size_t h = s_frame_header(s_batch + LWS_PRE, n);
        memcpy(s_batch + LWS_PRE + h, text, n);
        used = h + n;
    }
    /* Every write is followed by a choke check and nothing is written while
     * lws still holds part of an earlier one: lws would only queue it. */
    const gw_msg_t *m;
    while (written < S_WRITE_BUDGET && (m = s_next(ws, c, head, &budget, &lagged))) {
        s_text_t t;
        s_text(ws, c, m, &t);
        bool big = 10 + t.len > S_BATCH; /* too big to gather: a frame of its own */
        if (used && (big || used + 10 + t.len > S_BATCH)) {
            if (s_flush(wsi, &used) < 0)
                return -1;
            if (lws_send_pipe_choked(wsi))
                break; /* m goes next time */
        }
        s_sent(ws, c);
        written++;
        if (big) {
            if (s_write_alone(wsi, m, &t) < 0)
                return -1;
            if (lws_send_pipe_choked(wsi))
                break;
        } else {
            unsigned char *p = s_batch + LWS_PRE + used;
            size_t h = s_frame_header(p, t.len);
            s_text_copy(&t, p + h);
            used += h + t.len;
        }
    }
    return lagged ? -1 : s_flush(wsi, &used);
}

/* ?batch=1 (docs/protocol.md): what is ready for the client goes as the
 * elements of one JSON array, each exactly the text of the message it would
 * otherwise get alone, in one text frame per WRITEABLE that lws frames itself
 * (LWS_WRITE_TEXT): one lws_write per callback. At most S_ARRAY_BYTES of
 * text, unless its first element alone is bigger, and S_WRITE_BUDGET
 * dumplings. */
#define S_ARRAY_BYTES (256 * 1024)
static unsigned char *s_array; /* LWS_PRE bytes of headroom, then s_array_size */
static size_t s_array_size;

static int s_array_room(size_t need)
{
    if (need <= s_array_size)
        return 0;
    size_t size = need < S_ARRAY_BYTES ? S_ARRAY_BYTES : need;
    unsigned char *p = realloc(s_array, LWS_PRE + size);
    if (!p)
        return -1;
    s_array = p;
    s_array_size = size;
    return 0;
}

static int s_write_array(gw_ws_t *ws, struct lws *wsi, gw_client_t *c, uint64_t head)
{
    if (s_array_room(S_ARRAY_BYTES) < 0)
        return -1;
    int elements = 0, written = 0, budget = S_SCAN_BUDGET;
    bool lagged = false;
    s_array[LWS_PRE] = '[';
    size_t used = 1, n = s_loss_text(c, (char *)s_array + LWS_PRE + used);
    if (n) {
        used += n;
        elements++;
    }
    const gw_msg_t *m;
    while (written < S_WRITE_BUDGET && (m = s_next(ws, c, head, &budget, &lagged))) {
        s_text_t t;
        s_text(ws, c, m, &t);
        size_t need = used + 1 + t.len + 1; /* ',', the element, ']' */
        if (elements && need > S_ARRAY_BYTES)
            break; /* m opens the next array */
        if (s_array_room(need) < 0)
            return -1;
        if (elements)
            s_array[LWS_PRE + used++] = ',';
        s_text_copy(&t, s_array + LWS_PRE + used);
        used += t.len;
        elements++;
        written++;
        s_sent(ws, c);
    }
    if (lagged)
        return -1;
    if (!elements)
        return 0;
    s_array[LWS_PRE + used++] = ']';
    return lws_write(wsi, s_array + LWS_PRE, used, LWS_WRITE_TEXT) < (int)used ? -1 : 0;
}

static int s_writeable(gw_ws_t *ws, struct lws *wsi, gw_client_t *c)
{
    if (c->close_code) {
        lws_close_reason(wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    uint64_t head = gw_ring_head(ws->ring);
    if ((c->filter.batch ? s_write_array : s_write_frames)(ws, wsi, c, head) < 0)
        return -1;
    if (c->next_seq < head)
        lws_callback_on_writable(wsi);
    /* The hub side may be waiting for room in the ring; this client made some. */
    if (ws->on_room)
        ws->on_room(ws->hook_arg);
    return 0;
}

static void s_mark_closing(gw_client_t *c, int code, const char *reason)
{
    c->close_code = code;
    c->close_reason = reason;
    /* A client that reads nothing may never become writeable again: give the
     * close frame a few seconds, then drop the connection. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 5);
    lws_callback_on_writable(c->wsi);
}

static void s_kick_later(lws_sorted_usec_list_t *sul)
{
    gw_ws_t *ws = lws_container_of(sul, gw_ws_t, kick);
    ws->kick_pending = false;
    gw_ws_kick(ws);
}

void gw_ws_kick(gw_ws_t *ws)
{
    lws_usec_t now = lws_now_usecs();
    if (now - ws->kicked_at < GW_KICK_US) {
        if (!ws->kick_pending) {
            ws->kick_pending = true;
            lws_sul_schedule(ws->lws, 0, &ws->kick, s_kick_later, ws->kicked_at + GW_KICK_US - now);
        }
        return;
    }
    ws->kicked_at = now;
    uint64_t head = gw_ring_head(ws->ring), oldest = gw_ring_oldest(ws->ring);
    for (gw_client_t *c = ws->clients; c; c = c->next) {
        if (c->close_code)
            continue;
        if (c->next_seq < oldest && c->filter.loss) {
            c->next_seq = oldest; /* not reached: gw_ws_evict moved it on */
            lws_callback_on_writable(c->wsi);
        } else if (c->next_seq < oldest) {
            ws->lag_closed++;
            nd_warn("closing client %s ('%s'): lagged more than %zu dumplings behind", c->peer,
                    c->filter.eater_name, gw_ring_capacity(ws->ring));
            s_mark_closing(c, GW_CLOSE_LAGGING, "lagging");
        } else if (c->next_seq < head) {
            lws_callback_on_writable(c->wsi);
        }
    }
}

size_t gw_ws_room(const gw_ws_t *ws)
{
    /* The pace is set by the clients that cannot take a hole; ?loss=1 ones
     * only when there are no others (they are served with holes rather
     * than hold the others back: a choked one may even have jumped ahead,
     * its last batch taken whole into lws's buffer). */
    uint64_t head = gw_ring_head(ws->ring), lead = 0, loss_lead = 0;
    bool any = false;
    for (const gw_client_t *c = ws->clients; c; c = c->next)
        if (!c->close_code) {
            if (c->filter.loss) {
                if (c->next_seq > loss_lead)
                    loss_lead = c->next_seq;
                continue;
            }
            any = true;
            if (c->next_seq > lead)
                lead = c->next_seq;
        }
    if (!any && loss_lead) {
        any = true;
        lead = loss_lead;
    }
    size_t cap = gw_ring_capacity(ws->ring);
    if (!any)
        return cap;
    uint64_t behind = head - lead;
    return behind >= cap ? 0 : cap - (size_t)behind;
}

void gw_ws_evict(void *arg, uint64_t seq)
{
    gw_ws_t *ws = arg;
    if (seq < ws->loss_min)
        return; /* no ?loss=1 client is that far behind */
    /* A lagger skips a sixteenth of the ring at once, so that this scan of
     * the clients happens once per that many dumplings, not for each; but
     * never past the client furthest ahead, which paces the ring
     * (gw_ws_room): there is room, so that one is past `seq`. */
    uint64_t skip = gw_ring_capacity(ws->ring) / 16, lead = seq + 1;
    for (gw_client_t *c = ws->clients; c; c = c->next)
        if (!c->close_code && c->next_seq > lead)
            lead = c->next_seq;
    uint64_t min = UINT64_MAX;
    for (gw_client_t *c = ws->clients; c; c = c->next) {
        if (!c->filter.loss || c->close_code)
            continue;
        if (c->next_seq <= seq) {
            uint64_t end = seq + (skip ? skip : 1);
            if (end > lead)
                end = lead;
            uint64_t n = 0;
            for (uint64_t s = c->next_seq; s < end; s++) {
                const gw_msg_t *m = gw_ring_get(ws->ring, s);
                if (m && gw_filter_wants(&c->filter, m->chef, m->kitchen))
                    n++;
            }
            c->next_seq = end;
            c->dropped += n;
            c->lost += n;
            ws->lag_dropped += n;
        }
        if (c->next_seq < min)
            min = c->next_seq;
    }
    ws->loss_min = min;
}

void gw_ws_upstream_lost(void *arg, const char *chef, const char *kitchen, uint64_t n)
{
    gw_ws_t *ws = arg;
    for (gw_client_t *c = ws->clients; c; c = c->next)
        if (!c->close_code && gw_filter_wants(&c->filter, chef, kitchen)) {
            c->lost += n;
            if (c->filter.loss)
                lws_callback_on_writable(c->wsi);
        }
}

void gw_ws_close_all(gw_ws_t *ws, int code, const char *reason)
{
    for (gw_client_t *c = ws->clients; c; c = c->next)
        if (!c->close_code)
            s_mark_closing(c, code, reason);
}

static void s_established(gw_ws_t *ws, struct lws *wsi, gw_client_t *c)
{
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    gw_filter_init(&c->filter);
    char ip[48] = "?";
    lws_get_peer_simple(wsi, ip, sizeof ip);
    snprintf(c->peer, sizeof c->peer, "%s", ip);
    /* A new eater sees dumplings from now on, not the ring's history. */
    c->next_seq = gw_ring_head(ws->ring);
    if (ws->nclients >= (size_t)ws->opts->max_clients) {
        ws->rejected++;
        nd_warn("refusing client %s: --max-clients %ld reached", c->peer, ws->opts->max_clients);
        s_mark_closing(c, 1013, "too many clients");
        return;
    }
    c->is_ws = true;
    c->next = ws->clients;
    ws->clients = c;
    ws->nclients++;
    c->id = ++ws->accepted;
    c->since = nd_now();
    const char *why = NULL;
    int code = s_parse_query(wsi, c, &why);
    if (code) {
        ws->bad_closed++;
        s_mark_closing(c, code, why);
    }
    if (c->filter.loss && c->next_seq < ws->loss_min)
        ws->loss_min = c->next_seq; /* gw_ws_evict looks out for it */
    s_changed(ws);
    nd_debug("client %s connected (%zu now)", c->peer, ws->nclients);
}

static void s_closed(gw_ws_t *ws, gw_client_t *c)
{
    if (c->is_ws) {
        for (gw_client_t **p = &ws->clients; *p; p = &(*p)->next)
            if (*p == c) {
                *p = c->next;
                break;
            }
        ws->nclients--;
        ws->changed = true; /* the next tick resubscribes */
        c->is_ws = false;
        nd_debug("client %s closed (%zu left)", c->peer, ws->nclients);
    }
    gw_filter_release(&c->filter);
    free(c->rx);
    c->rx = NULL;
}

int gw_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    gw_t *gw = s_gw(wsi);
    gw_ws_t *ws = &gw->ws; /* the one part this file writes */
    gw_client_t *c = user;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        s_established(ws, wsi, c);
        break;
    case LWS_CALLBACK_RECEIVE:
        return s_receive(ws, wsi, c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s_writeable(ws, wsi, c);
    case LWS_CALLBACK_CLOSED:
        s_closed(ws, c);
        break;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return gw_guard_upgrade(ws, wsi); /* origin, token, clients per address */
    case LWS_CALLBACK_HTTP:
        return gw_http_request(gw, wsi, c, in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return gw_http_writeable(wsi, c);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        if (lws_http_transaction_completed(wsi))
            return -1;
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c)
            gw_http_cleanup(c);
        break;
    default:
        break;
    }
    return 0;
}
