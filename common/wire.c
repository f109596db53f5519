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
