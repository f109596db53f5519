/* SPDX-License-Identifier: MIT */
/* monitor.c: ZeroMQ socket monitors (monitor.h). */
#include "netdumplings/monitor.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/err.h"

void *nd_monitor_open(void *ctx, void *sock, int events, char *err, size_t errlen)
{
    static atomic_uint s_serial;
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://nd-monitor-%ld-%u", (long)getpid(),
             atomic_fetch_add(&s_serial, 1));
    if (zmq_socket_monitor(sock, ep, events) != 0) {
        nd_errf(err, errlen, "cannot monitor a socket: %s", zmq_strerror(errno));
        return NULL;
    }
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    int linger = 0;
    if (!mon || zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_connect(mon, ep) != 0) {
        nd_errf(err, errlen, "cannot monitor a socket: %s", zmq_strerror(errno));
        if (mon)
            zmq_close(mon);
        zmq_socket_monitor(sock, NULL, 0);
        return NULL;
    }
    return mon;
}

unsigned nd_monitor_read(void *mon, int flags)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, flags) < 0) {
        zmq_msg_close(&m);
        return 0;
    }
    /* The first frame: a 16-bit event and a 32-bit value. */
    uint16_t event = 0;
    if (zmq_msg_size(&m) >= 2)
        memcpy(&event, zmq_msg_data(&m), 2);
    /* Then the endpoint (sent together with the first: never waits). */
    bool more = zmq_msg_more(&m);
    while (more) {
        zmq_msg_close(&m);
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, mon, 0) < 0)
            break;
        more = zmq_msg_more(&m);
    }
    zmq_msg_close(&m);
    return event;
}

void nd_monitor_close(void *sock, void **mon_p)
{
    if (sock)
        zmq_socket_monitor(sock, NULL, 0);
    if (mon_p && *mon_p) {
        zmq_close(*mon_p);
        *mon_p = NULL;
    }
}
