/* SPDX-License-Identifier: MIT */
/* ws_clients.c: the benchmark's WebSocket eaters, in C on libwebsockets
 * (ws_clients.js does the same in node, which costs more CPU per message than
 * the gateway it measures). Opens N clients to nd-gateway, says "ready" on
 * stdout once every client has had a first dumpling (the hub's status: the path
 * is subscribed end to end), then counts packet dumplings per client (no
 * filter: the status must come through) until each has EXPECT or nothing came
 * for IDLE_S seconds, and prints one JSON line with the keys ws_clients.js
 * prints. Unlike it, a client whose connection fails before the ready deadline
 * tries again (the gateway may not listen yet); connection errors are printed
 * at the end.
 *
 * libwebsockets connects, runs the poll loop and the timers. Its WebSocket
 * client (4.1) parses every received byte through a per-byte state machine,
 * which costs about as much per message as node does; so by default a client is
 * an lws RAW connection that does the upgrade and reads the server's frames
 * itself, a whole read at a time (RFC 6455: server frames are not masked).
 * --lws-ws uses lws's own WebSocket client instead, to compare.
 *
 * Per message it only looks for two fields with memmem(): no allocation, no
 * JSON parse, so that what it measures is the gateway, not itself. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <libwebsockets.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"
#include "netdumplings/log.h"

#define WSC_MAX_MSG 65536    /* the gateway's messages are smaller */
#define WSC_TICK_MS 20       /* as the JS interval */
#define WSC_READY_MS 20000   /* "not ready" after this */
#define WSC_NOTHING_MS 60000 /* "nothing came" after this */
#define WSC_RETRY_MS 50      /* a refused connection is tried again after this */
#define WSC_PROTOCOL "nd-bench-ws"
#define WSC_CARRY (WSC_MAX_MSG + 14) /* a frame cut by a read: header and payload */
#define WSC_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" /* RFC 6455 */

typedef struct {
    int i;
    struct lws *wsi;
    bool open, sent, status;
    uint64_t n;
    double first, last; /* wall clock, ms */
    char *buf;          /* a message in pieces, put together; WSC_MAX_MSG, made when needed */
    size_t len;
    bool in_msg; /* its first piece came, not its last */
    bool was_open;
    /* raw */
    bool hs_sent, upgraded, pong_due;
    uint8_t *in; /* the reply's headers, then a frame cut by a read; WSC_CARRY */
    size_t inlen;
    uint8_t pong[125];
    size_t pong_len;
    char accept[32]; /* the Sec-WebSocket-Accept the server must send */
    char error[80];  /* why the last connection attempt failed */
    lws_sorted_usec_list_t retry;
} wsc_client_t;

typedef struct {
    struct lws_context *lws;
    lws_sorted_usec_list_t tick;
    const char *address, *path;
    int port;
    wsc_client_t *c;
    int nclients;
    long expect;
    double idle_ms;
    bool latency;
    bool lws_ws; /* lws's WebSocket client, not the RAW one */
    bool ready;
    bool done;
    double start;               /* wall clock, ms */
    double first_any, last_any; /* wall clock, ms; 0 until something came */
    double *lat;                /* client 0's receive time - creation_time, ms */
    size_t nlat, latcap;
} wsc_t;

static wsc_t s_w;

static double s_now_ms(void)
{
    return nd_now() * 1000.0;
}

/* "creation_time":<number> in msg, as the JS regular expression /([0-9.e+]+)/
 * reads it. Returns 0 and *out, or -1. */
static int s_creation_time(const char *msg, size_t len, double *out)
{
    static const char key[] = "\"creation_time\":";
    const char *p = memmem(msg, len, key, sizeof key - 1);
    if (!p)
        return -1;
    p += sizeof key - 1;
    const char *end = msg + len;
    char num[40];
    size_t k = 0;
    while (p < end && k < sizeof num - 1 &&
           ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == '+'))
        num[k++] = *p++;
    if (!k)
        return -1;
    num[k] = '\0';
    char *e;
    *out = strtod(num, &e);
    return *e == '\0' ? 0 : -1;
}

static void s_message(wsc_client_t *c, const char *msg, size_t len)
{
    static const char packet[] = "\"driver\":\"packet\"";
    if (!memmem(msg, len, packet, sizeof packet - 1)) {
        c->status = true; /* the hub's SystemStatusChef, always delivered */
        return;
    }
    double t = s_now_ms();
    if (!c->n)
        c->first = t;
    if (s_w.first_any == 0)
        s_w.first_any = t;
    c->last = s_w.last_any = t;
    c->n++;
    double ct;
    if (s_w.latency && c->i == 0 && s_creation_time(msg, len, &ct) == 0) {
        if (s_w.nlat == s_w.latcap) {
            size_t cap = s_w.latcap ? s_w.latcap * 2 : 65536;
            double *l = realloc(s_w.lat, cap * sizeof *l);
            if (!l)
                return;
            s_w.lat = l;
            s_w.latcap = cap;
        }
        s_w.lat[s_w.nlat++] = t - ct;
    }
}

/* A piece of a message, kept until its last piece. */
static void s_append(wsc_client_t *c, const void *p, size_t len)
{
    if (!c->buf && !(c->buf = malloc(WSC_MAX_MSG)))
        return;
    size_t take = len;
    if (take > WSC_MAX_MSG - c->len)
        take = WSC_MAX_MSG - c->len; /* longer than any dumpling: the rest is dropped */
    memcpy(c->buf + c->len, p, take);
    c->len += take;
}

static void s_deliver(wsc_client_t *c)
{
    if (c->buf)
        s_message(c, c->buf, c->len);
    c->len = 0;
    c->in_msg = false;
}

/* --lws-ws: whole messages straight from lws's buffer; only a split one is copied. */
static void s_lws_receive(struct lws *wsi, wsc_client_t *c, const char *in, size_t len)
{
    bool final = lws_is_final_fragment(wsi);
    if (final && !c->in_msg) {
        s_message(c, in, len);
        return;
    }
    c->in_msg = true;
    s_append(c, in, len);
    if (final)
        s_deliver(c);
}

/* RAW: a frame's header. Returns its length with *plen, or 0 when more bytes are needed. */
static size_t s_header(const uint8_t *p, size_t n, uint64_t *plen)
{
    if (n < 2)
        return 0;
    size_t h = 2;
    uint64_t l = p[1] & 0x7f;
    if (l == 126) {
        h = 4;
        if (n < h)
            return 0;
        l = (uint64_t)p[2] << 8 | p[3];
    } else if (l == 127) {
        h = 10;
        if (n < h)
            return 0;
        l = 0;
        for (size_t k = 2; k < 10; k++)
            l = l << 8 | p[k];
    }
    if (p[1] & 0x80)
        h += 4; /* masked: a server must not; the caller refuses it */
    if (n < h)
        return 0;
    *plen = l;
    return h;
}

/* Returns -1: the connection is closed. Printed now once open, else at the end. */
static int s_fail(wsc_client_t *c, const char *why)
{
    if (c->was_open)
        fprintf(stderr, "client %d: %s\n", c->i, why);
    snprintf(c->error, sizeof c->error, "%s", why);
    return -1;
}

/* RAW: one whole frame. Returns -1 to close. */
static int s_frame(struct lws *wsi, wsc_client_t *c, const uint8_t *hdr, const uint8_t *p,
                   size_t len)
{
    bool fin = hdr[0] & 0x80;
    if (hdr[1] & 0x80)
        return s_fail(c, "masked frame from the server");
    switch (hdr[0] & 0x0f) {
    case 0x1: /* text */
    case 0x2: /* binary */
        if (c->in_msg)
            return s_fail(c, "new message inside a fragmented one");
        if (fin) {
            s_message(c, (const char *)p, len);
            return 0;
        }
        c->in_msg = true;
        s_append(c, p, len);
        return 0;
    case 0x0: /* continuation */
        if (!c->in_msg)
            return s_fail(c, "continuation without a message");
        s_append(c, p, len);
        if (fin)
            s_deliver(c);
        return 0;
    case 0x8: /* close */
        return -1;
    case 0x9: /* ping */
        if (len > sizeof c->pong)
            return s_fail(c, "ping too long");
        memcpy(c->pong, p, len);
        c->pong_len = len;
        c->pong_due = true;
        lws_callback_on_writable(wsi);
        return 0;
    case 0xa: /* pong */
        return 0;
    default:
        return s_fail(c, "unknown opcode");
    }
}

/* RAW: what a read brought, after the upgrade. Whole frames are taken where
 * they lie; only a frame cut by the end of the read is copied, to c->in. */
static int s_frames(struct lws *wsi, wsc_client_t *c, const uint8_t *p, size_t len)
{
    size_t h;
    uint64_t pl;
    while (len) {
        if (!c->inlen) {
            h = s_header(p, len, &pl);
            if (h && pl <= len - h) {
                if (s_frame(wsi, c, p, p + h, (size_t)pl) < 0)
                    return -1;
                p += h + pl;
                len -= h + (size_t)pl;
                continue;
            }
            if (h && pl > WSC_CARRY - h)
                return s_fail(c, "frame too long");
            memcpy(c->in, p, len); /* len < WSC_CARRY: it is less than one frame */
            c->inlen = len;
            return 0;
        }
        h = s_header(c->in, c->inlen, &pl);
        if (!h) { /* the header itself was cut: a byte at a time */
            c->in[c->inlen++] = *p++;
            len--;
            if (!(h = s_header(c->in, c->inlen, &pl)))
                continue;
        }
        if (pl > WSC_CARRY - h)
            return s_fail(c, "frame too long");
        size_t take = h + (size_t)pl - c->inlen;
        if (take > len)
            take = len;
        memcpy(c->in + c->inlen, p, take);
        c->inlen += take;
        p += take;
        len -= take;
        if (c->inlen == h + pl) {
            c->inlen = 0;
            if (s_frame(wsi, c, c->in, c->in + h, (size_t)pl) < 0)
                return -1;
        }
    }
    return 0;
}

/* RAW: the reply to the upgrade, c->in[0..inlen) ending in an empty line. */
static int s_upgraded(wsc_client_t *c)
{
    char *r = (char *)c->in;
    r[c->inlen] = '\0';
    if (strncmp(r, "HTTP/1.1 101", 12) != 0) {
        char why[80];
        snprintf(why, sizeof why, "%.*s", (int)strcspn(r, "\r\n"), r);
        return s_fail(c, why);
    }
    char *a = strcasestr(r, "\r\nSec-WebSocket-Accept:");
    if (!a)
        return s_fail(c, "no Sec-WebSocket-Accept");
    a += 23;
    a += strspn(a, " \t");
    size_t alen = strlen(c->accept);
    if (strncmp(a, c->accept, alen) != 0 || (a[alen] != '\r' && a[alen] != ' '))
        return s_fail(c, "wrong Sec-WebSocket-Accept");
    if (strcasestr(r, "\r\nSec-WebSocket-Extensions:"))
        return s_fail(c, "an extension we did not offer");
    return 0;
}

static int s_raw_rx(struct lws *wsi, wsc_client_t *c, const uint8_t *p, size_t len)
{
    /* The reply's headers a byte at a time: once per client, and what comes
     * after the empty line is frames. */
    while (!c->upgraded && len) {
        if (c->inlen == WSC_CARRY - 1)
            return s_fail(c, "upgrade reply too long");
        c->in[c->inlen++] = *p++;
        len--;
        if (c->inlen >= 4 && memcmp(c->in + c->inlen - 4, "\r\n\r\n", 4) == 0) {
            if (s_upgraded(c) < 0)
                return -1;
            c->inlen = 0;
            c->upgraded = c->open = c->was_open = true;
            lws_callback_on_writable(wsi); /* our name */
        }
    }
    return len ? s_frames(wsi, c, p, len) : 0;
}

/* RAW: a masked frame (a client must mask). */
static int s_send(struct lws *wsi, int opcode, const void *data, size_t len)
{
    unsigned char buf[LWS_PRE + 6 + 125];
    unsigned char *f = buf + LWS_PRE;
    if (len > 125)
        return -1;
    f[0] = (unsigned char)(0x80 | opcode);
    f[1] = (unsigned char)(0x80 | len);
    if (lws_get_random(lws_get_context(wsi), f + 2, 4) != 4)
        memcpy(f + 2, "\x12\x34\x56\x78", 4);
    for (size_t k = 0; k < len; k++)
        f[6 + k] = ((const unsigned char *)data)[k] ^ f[2 + (k & 3)];
    return lws_write(wsi, f, 6 + len, LWS_WRITE_RAW) < (int)(6 + len) ? -1 : 0;
}

static int s_raw_writeable(struct lws *wsi, wsc_client_t *c)
{
    if (!c->hs_sent) {
        unsigned char key[16], digest[20];
        char k64[32], both[80], req[LWS_PRE + 768];
        if (lws_get_random(lws_get_context(wsi), key, sizeof key) != sizeof key)
            return s_fail(c, "no random key");
        lws_b64_encode_string((const char *)key, sizeof key, k64, sizeof k64);
        int n = snprintf(both, sizeof both, "%s" WSC_GUID, k64);
        lws_SHA1((const unsigned char *)both, (size_t)n, digest);
        lws_b64_encode_string((const char *)digest, sizeof digest, c->accept, sizeof c->accept);
        n = snprintf(req + LWS_PRE, sizeof req - LWS_PRE,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     s_w.path, s_w.address, s_w.port, k64);
        if (n < 0 || (size_t)n >= sizeof req - LWS_PRE ||
            lws_write(wsi, (unsigned char *)req + LWS_PRE, (size_t)n, LWS_WRITE_RAW) < n)
            return s_fail(c, "cannot send the upgrade");
        c->hs_sent = true;
        return 0;
    }
    if (c->pong_due) {
        c->pong_due = false;
        if (s_send(wsi, 0xa, c->pong, c->pong_len) < 0)
            return s_fail(c, "cannot send a pong");
        if (c->upgraded && !c->sent)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (c->upgraded && !c->sent) {
        char name[48];
        int n = snprintf(name, sizeof name, "{\"eater_name\":\"bench%d\"}", c->i);
        if (s_send(wsi, 0x1, name, (size_t)n) < 0)
            return s_fail(c, "cannot send its name");
        c->sent = true;
    }
    return 0;
}

static void s_connect(wsc_client_t *c)
{
    struct lws_client_connect_info cc;
    memset(&cc, 0, sizeof cc);
    cc.context = s_w.lws;
    cc.address = s_w.address;
    cc.port = s_w.port;
    cc.path = s_w.path;
    cc.host = s_w.address;
    cc.origin = s_w.address;
    cc.protocol = NULL; /* no subprotocol asked for, as ws_clients.js */
    cc.local_protocol_name = WSC_PROTOCOL;
    if (!s_w.lws_ws)
        cc.method = "RAW";
    c->hs_sent = c->upgraded = c->sent = c->pong_due = c->in_msg = false;
    c->inlen = c->len = 0;
    cc.opaque_user_data = c;
    cc.pwsi = &c->wsi;
    lws_client_connect_via_info(&cc); /* failures come as CONNECTION_ERROR */
}

static void s_retry(lws_sorted_usec_list_t *sul)
{
    s_connect(lws_container_of(sul, wsc_client_t, retry));
}

/* The client a wsi is: its opaque user data, or, for an error before lws set
 * that, the one whose pwsi lws filled in. */
static wsc_client_t *s_client(struct lws *wsi)
{
    wsc_client_t *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    for (int i = 0; !c && wsi && i < s_w.nclients; i++)
        if (s_w.c[i].wsi == wsi)
            c = &s_w.c[i];
    return c;
}

static int s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    (void)user;
    wsc_client_t *c = s_client(wsi);
    if (!c)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        const char *why = in ? in : "connection failed";
        int n = in && len ? (int)len : (int)strnlen(why, 256);
        snprintf(c->error, sizeof c->error, "%.*s", n, why);
        c->wsi = NULL;
        c->open = false;
        /* The gateway may not listen yet (run.py starts both at once): until
         * the ready deadline, try again; the reason is printed at the end. */
        if (!s_w.done && s_now_ms() - s_w.start < WSC_READY_MS)
            lws_sul_schedule(s_w.lws, 0, &c->retry, s_retry, WSC_RETRY_MS * LWS_US_PER_MS);
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->open = c->was_open = true;
        lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        if (c->sent)
            break;
        unsigned char buf[LWS_PRE + 64];
        int n = snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
                         "{\"eater_name\":\"bench%d\"}", c->i);
        if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n) {
            fprintf(stderr, "client %d: cannot send its name\n", c->i);
            return -1;
        }
        c->sent = true;
        break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        s_lws_receive(wsi, c, in, len);
        break;
    case LWS_CALLBACK_RAW_CONNECTED:
        lws_callback_on_writable(wsi); /* the upgrade */
        break;
    case LWS_CALLBACK_RAW_WRITEABLE:
        return s_raw_writeable(wsi, c);
    case LWS_CALLBACK_RAW_RX:
        return s_raw_rx(wsi, c, in, len);
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_RAW_CLOSE:
        c->open = false;
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        c->wsi = NULL;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols s_protocols[] = {
    /* rx_buffer_size: lws's WebSocket client hands over at most this much at once. */
    {WSC_PROTOCOL, s_callback, 0, WSC_MAX_MSG, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(double q)
{
    if (!s_w.nlat)
        return 0;
    return s_w.lat[(size_t)llround(q * (double)(s_w.nlat - 1))];
}

/* A number as JSON.stringify writes what is not finite. */
static void s_num(const char *key, double v, const char *fmt)
{
    printf(",\"%s\":", key);
    if (isfinite(v))
        printf(fmt, v);
    else
        fputs("null", stdout);
}

static void s_finish(const char *why)
{
    uint64_t min = UINT64_MAX, max = 0, total = 0;
    int open = 0, complete = 0;
    for (int i = 0; i < s_w.nclients; i++) {
        const wsc_client_t *c = &s_w.c[i];
        min = c->n < min ? c->n : min;
        max = c->n > max ? c->n : max;
        total += c->n;
        open += c->open;
        complete += c->n >= (uint64_t)s_w.expect;
    }
    if (s_w.latency && s_w.nlat)
        qsort(s_w.lat, s_w.nlat, sizeof *s_w.lat, s_cmp);
    const wsc_client_t *c0 = &s_w.c[0];
    double secs = (s_w.last_any - s_w.first_any) / 1000.0;
    printf("{\"why\":\"%s\",\"clients\":%d,\"open\":%d,\"min_received\":%llu,"
           "\"max_received\":%llu,\"complete\":%d",
           why, s_w.nclients, open, (unsigned long long)min, (unsigned long long)max, complete);
    s_num("seconds", secs, "%.6f");
    s_num("rate", c0->n > 1 ? (double)(c0->n - 1) / ((c0->last - c0->first) / 1000.0) : 0, "%.1f");
    s_num("total_rate", secs > 0 ? (double)total / secs : 0, "%.1f");
    s_num("p50_ms", s_pct(0.5), "%.4f");
    s_num("p99_ms", s_pct(0.99), "%.4f");
    s_num("p999_ms", s_pct(0.999), "%.4f");
    s_num("max_ms", s_w.nlat ? s_w.lat[s_w.nlat - 1] : 0, "%.4f");
    fputs("}\n", stdout);
    fflush(stdout); /* a pipe */
    for (int i = 0; i < s_w.nclients; i++)
        if (!s_w.c[i].was_open && s_w.c[i].error[0])
            fprintf(stderr, "client %d: %s\n", i, s_w.c[i].error);
    s_w.done = true;
    lws_cancel_service(s_w.lws);
}

static void s_tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    double now = s_now_ms();
    if (!s_w.ready) {
        bool all = true;
        for (int i = 0; all && i < s_w.nclients; i++)
            all = s_w.c[i].status;
        if (all) {
            s_w.ready = true;
            fputs("ready\n", stdout);
            fflush(stdout);
        } else if (now - s_w.start > WSC_READY_MS) {
            s_finish("not ready");
            return;
        }
    } else {
        bool all = true;
        for (int i = 0; all && i < s_w.nclients; i++)
            all = s_w.c[i].n >= (uint64_t)s_w.expect;
        if (all) {
            s_finish("complete");
            return;
        }
        if (s_w.last_any != 0 && now - s_w.last_any > s_w.idle_ms) {
            s_finish("idle");
            return;
        }
        if (s_w.last_any == 0 && now - s_w.start > WSC_NOTHING_MS) {
            s_finish("nothing came");
            return;
        }
    }
    lws_sul_schedule(s_w.lws, 0, &s_w.tick, s_tick, WSC_TICK_MS * LWS_US_PER_MS);
}

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: nd-bench-ws-clients URL NCLIENTS EXPECT IDLE_S [--latency] [--lws-ws]\n"
                 "Opens NCLIENTS WebSocket clients to nd-gateway at URL (ws://HOST:PORT/),\n"
                 "prints \"ready\" once each has had the hub's status dumpling, then counts\n"
                 "packet dumplings per client until each has EXPECT or none came for IDLE_S\n"
                 "seconds, and prints one JSON line: {why, clients, open, min_received,\n"
                 "max_received, complete, seconds, rate, total_rate, p50_ms, p99_ms, p999_ms,\n"
                 "max_ms}.\n"
                 "  --latency  client 0 records receive time - creation_time\n"
                 "  --lws-ws   libwebsockets' WebSocket client parses the frames (byte by\n"
                 "             byte: about as costly as node) instead of this program\n");
}

int main(int argc, char **argv)
{
    const char *pos[4];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return ND_EXIT_OK;
        }
        if (strcmp(argv[i], "--latency") == 0) {
            s_w.latency = true;
        } else if (strcmp(argv[i], "--lws-ws") == 0) {
            s_w.lws_ws = true;
        } else if (npos < 4 && !(argv[i][0] == '-' && argv[i][1] == '-')) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "nd-bench-ws-clients: unexpected argument '%s'\n", argv[i]);
            s_usage(stderr);
            return ND_EXIT_USAGE;
        }
    }
    long nclients;
    double idle;
    if (npos != 4) {
        s_usage(stderr);
        return ND_EXIT_USAGE;
    }
    if (nd_parse_long(pos[1], 1, 100000, &nclients) != 0 ||
        nd_parse_long(pos[2], 0, 1000000000, &s_w.expect) != 0 ||
        nd_parse_double(pos[3], 0, 86400, &idle) != 0) {
        fprintf(stderr,
                "nd-bench-ws-clients: NCLIENTS 1..100000, EXPECT 0..1e9, IDLE_S 0..86400\n");
        return ND_EXIT_USAGE;
    }
    s_w.nclients = (int)nclients;
    s_w.idle_ms = idle * 1000.0;

    char url[512];
    const char *prot, *address, *path;
    int port;
    if (strlen(pos[0]) >= sizeof url) {
        fprintf(stderr, "nd-bench-ws-clients: URL too long\n");
        return ND_EXIT_USAGE;
    }
    strcpy(url, pos[0]);
    if (lws_parse_uri(url, &prot, &address, &port, &path) != 0 || strcmp(prot, "ws") != 0 ||
        !*address) {
        fprintf(stderr, "nd-bench-ws-clients: URL must be ws://HOST:PORT/PATH: %s\n", pos[0]);
        return ND_EXIT_USAGE;
    }
    char fullpath[520];
    snprintf(fullpath, sizeof fullpath, "/%s", path); /* lws_parse_uri drops the '/' */

    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols; /* no info.extensions: no permessage-deflate */
    info.fd_limit_per_thread = (unsigned int)s_w.nclients + 16;
    info.pt_serv_buf_size = 65536; /* what one read of a socket may bring */
    s_w.lws = lws_create_context(&info);
    if (!s_w.lws) {
        fprintf(stderr, "nd-bench-ws-clients: cannot start libwebsockets\n");
        return ND_EXIT_RUNTIME;
    }
    s_w.c = calloc((size_t)s_w.nclients, sizeof *s_w.c);
    if (s_w.latency) {
        s_w.latcap = s_w.expect > 0 ? (size_t)s_w.expect : 65536;
        s_w.lat = malloc(s_w.latcap * sizeof *s_w.lat);
    }
    bool oom = !s_w.c || (s_w.latency && !s_w.lat);
    for (int i = 0; !oom && !s_w.lws_ws && i < s_w.nclients; i++)
        oom = !(s_w.c[i].in = malloc(WSC_CARRY));
    if (oom) {
        fprintf(stderr, "nd-bench-ws-clients: out of memory\n");
        lws_context_destroy(s_w.lws);
        return ND_EXIT_RUNTIME;
    }
    s_w.address = address;
    s_w.port = port;
    s_w.path = fullpath;
    s_w.start = s_now_ms();
    for (int i = 0; i < s_w.nclients; i++) {
        s_w.c[i].i = i;
        s_connect(&s_w.c[i]);
    }
    lws_sul_schedule(s_w.lws, 0, &s_w.tick, s_tick, WSC_TICK_MS * LWS_US_PER_MS);
    while (!s_w.done && lws_service(s_w.lws, 0) >= 0)
        ;
    if (!s_w.done)
        s_finish("service failed");
    lws_sul_cancel(&s_w.tick);
    for (int i = 0; i < s_w.nclients; i++)
        lws_sul_cancel(&s_w.c[i].retry);
    lws_context_destroy(s_w.lws);
    for (int i = 0; i < s_w.nclients; i++) {
        free(s_w.c[i].buf);
        free(s_w.c[i].in);
    }
    free(s_w.c);
    free(s_w.lat);
    return ND_EXIT_OK;
}
