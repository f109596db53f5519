/* SPDX-License-Identifier: MIT */
/* wire.c: helpers for the two-frame wire format on raw libzmq sockets. */
#include "netdumplings/wire.h"

#include <zmq.h>

int nd_wire_drain(void *sock)
{
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        n++;
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return n;
}

int nd_wire_xpub_event(void *sock)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return ND_WIRE_NONE;
    }
    const unsigned char *data = zmq_msg_data(&m);
    int ev = 0;
    if (zmq_msg_size(&m) >= 1 && data[0] == 1)
        ev = 1;
    else if (zmq_msg_size(&m) >= 1 && data[0] == 0)
        ev = -1;
    zmq_msg_close(&m);
    return ev;
}
