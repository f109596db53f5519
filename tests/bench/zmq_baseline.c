/* SPDX-License-Identifier: MIT */
/* zmq_baseline.c: the bare libzmq baseline for the benchmark: a publisher, a
 * zmq_proxy(XSUB, XPUB) forwarder and a SUB, three processes on loopback TCP,
 * sending N two-frame messages of a given size with sequence numbers. Prints
 * one JSON line: messages received, lost (sequence gaps), and messages/s.
 *
 * It is built to be the same shape as kitchen -> hub -> eater with nothing of
 * ours in it: the publisher's socket is set up as nd-snifty's (an XPUB that
 * waits for the subscription, ZMQ_XPUB_NODROP, the same high-water mark), so
 * it is paced by TCP as the kitchen is. Past the forwarder there is no flow
 * control in ZeroMQ: with the hub's 100,000-message high-water marks a bare
 * forwarder outruns its subscriber and drops (measured: 1-4% of 1M), so the
 * forwarder's XPUB and the SUB have no limit here. The number is then the
 * rate libzmq carries end to end with nothing lost: the ceiling. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/cli.h"

#define B_HWM 100000

static double s_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void s_set_hwm(void *sock, int opt)
{
    int hwm = B_HWM;
    zmq_setsockopt(sock, opt, &hwm, sizeof hwm);
}

/* The forwarder: binds both sides on loopback, reports the ports on `fd`,
 * then forwards until killed. */
static int s_proxy(int fd)
{
    void *ctx = zmq_ctx_new();
    void *xsub = zmq_socket(ctx, ZMQ_XSUB);
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    s_set_hwm(xsub, ZMQ_RCVHWM);
    int unlimited = 0;
    zmq_setsockopt(xpub, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
    if (zmq_bind(xsub, "tcp://127.0.0.1:*") != 0 || zmq_bind(xpub, "tcp://127.0.0.1:*") != 0) {
        fprintf(stderr, "zmq_baseline: bind: %s\n", zmq_strerror(errno));
        return 1;
    }
    char in[128], out[128], line[300];
    size_t len = sizeof in;
    zmq_getsockopt(xsub, ZMQ_LAST_ENDPOINT, in, &len);
    len = sizeof out;
    zmq_getsockopt(xpub, ZMQ_LAST_ENDPOINT, out, &len);
    int n = snprintf(line, sizeof line, "%s %s\n", in, out);
    if (write(fd, line, (size_t)n) != n)
        return 1;
    close(fd);
    zmq_proxy(xsub, xpub, NULL); /* returns when the context is terminated */
    return 0;
}

/* The subscriber: receives until it has seen sequence `count`, or nothing came
 * for `idle` seconds. */
static int s_sub(const char *endpoint, long count, double idle, int ready_fd)
{
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int unlimited = 0;
    zmq_setsockopt(sub, ZMQ_RCVHWM, &unlimited, sizeof unlimited);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    zmq_connect(sub, endpoint);
    if (write(ready_fd, "r", 1) != 1)
        return 1;
    close(ready_fd);

    uint64_t received = 0, lost = 0, last = 0, bytes = 0;
    double first_t = 0, last_t = 0;
    int timeout_ms = (int)(idle * 1000);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    for (;;) {
        if (zmq_msg_recv(&topic, sub, 0) < 0) {
            if (errno == EINTR)
                continue;
            break; /* idle timeout */
        }
        if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, sub, 0) < 0)
            continue;
        double now = s_mono();
        if (!received)
            first_t = now;
        last_t = now;
        received++;
        bytes += zmq_msg_size(&topic) + zmq_msg_size(&body);
        uint64_t seq = 0;
        if (zmq_msg_size(&body) >= sizeof seq)
            memcpy(&seq, zmq_msg_data(&body), sizeof seq);
        if (seq > last + 1)
            lost += seq - last - 1;
        last = seq;
        if ((long)seq >= count)
            break;
    }
    if ((long)last < count)
        lost += (uint64_t)count - last; /* the tail that never came */
    double secs = last_t - first_t;
    printf("{\"received\": %llu, \"lost\": %llu, \"seconds\": %.6f, \"rate\": %.1f, "
           "\"avg_bytes\": %.1f}\n",
           (unsigned long long)received, (unsigned long long)lost, secs,
           secs > 0 ? (double)(received - 1) / secs : 0.0,
           received ? (double)bytes / (double)received : 0.0);
    fflush(stdout);
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    int linger = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return 0;
}

/* The publisher: waits for the subscription to come through the forwarder,
 * then sends `count` messages as fast as the queue takes them. */
static int s_pub(const char *endpoint, long count, size_t size, const char *topic)
{
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_XPUB);
    int one = 1;
    s_set_hwm(pub, ZMQ_SNDHWM);
    zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
    zmq_connect(pub, endpoint);
    char sub[64];
    if (zmq_recv(pub, sub, sizeof sub, 0) < 1 || sub[0] != 1) {
        fprintf(stderr, "zmq_baseline: no subscription\n");
        return 1;
    }
    uint8_t *body = calloc(1, size < 8 ? 8 : size);
    if (!body)
        return 1;
    for (size_t i = 8; i < size; i++)
        body[i] = (uint8_t)('a' + i % 26);
    size_t tlen = strlen(topic);
    for (uint64_t seq = 1; seq <= (uint64_t)count; seq++) {
        memcpy(body, &seq, sizeof seq);
        while (zmq_send(pub, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            if (errno != EAGAIN && errno != EINTR)
                return 1;
            /* Full queue: the same back-off as nd-snifty's publisher. */
            zmq_pollitem_t item = {pub, 0, ZMQ_POLLIN, 0};
            zmq_poll(&item, 1, 5);
        }
        while (zmq_send(pub, body, size, 0) < 0)
            if (errno != EINTR)
                return 1;
    }
    int linger = 30000;
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    free(body);
    return 0;
}

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: nd-bench-zmq-baseline [-n COUNT] [-s BODY_BYTES] [-t TOPIC] [--idle S]\n"
                 "Bare libzmq PUB -> zmq_proxy(XSUB, XPUB) -> SUB on loopback, three processes.\n"
                 "Prints {\"received\", \"lost\", \"seconds\", \"rate\", \"avg_bytes\"}.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'}, {"size", required_argument, NULL, 's'},
        {"topic", required_argument, NULL, 't'}, {"idle", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    long count = 1000000, size = 120;
    double idle = 3;
    const char *topic = "DNSLookupChef/bench";
    int c;
    while ((c = getopt_long(argc, argv, "n:s:t:i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (nd_parse_long(optarg, 1, 1000000000, &count) != 0)
                return ND_EXIT_USAGE;
            break;
        case 's':
            if (nd_parse_long(optarg, 8, 1 << 20, &size) != 0)
                return ND_EXIT_USAGE;
            break;
        case 't':
            topic = optarg;
            break;
        case 'i':
            if (nd_parse_double(optarg, 0.1, 600, &idle) != 0)
                return ND_EXIT_USAGE;
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        default:
            s_usage(stderr);
            return ND_EXIT_USAGE;
        }
    }

    /* Fork before any ZeroMQ context exists: contexts do not survive fork. */
    int pfd[2], sfd[2];
    if (pipe(pfd) != 0 || pipe(sfd) != 0)
        return ND_EXIT_RUNTIME;
    pid_t proxy = fork();
    if (proxy == 0) {
        close(pfd[0]);
        _exit(s_proxy(pfd[1]));
    }
    close(pfd[1]);
    char ports[300] = "";
    ssize_t got = read(pfd[0], ports, sizeof ports - 1);
    close(pfd[0]);
    char in[128], out[128];
    if (proxy < 0 || got <= 0 || sscanf(ports, "%127s %127s", in, out) != 2) {
        if (proxy > 0)
            kill(proxy, SIGKILL);
        fprintf(stderr, "zmq_baseline: the forwarder did not start\n");
        return ND_EXIT_RUNTIME;
    }
    pid_t sub = fork();
    if (sub == 0) {
        close(sfd[0]);
        _exit(s_sub(out, count, idle, sfd[1]));
    }
    close(sfd[1]);
    char r;
    if (read(sfd[0], &r, 1) != 1) {
        kill(proxy, SIGKILL);
        return ND_EXIT_RUNTIME;
    }
    close(sfd[0]);
    pid_t pub = fork();
    if (pub == 0)
        _exit(s_pub(in, count, (size_t)size, topic));
    int st_sub = 0, st_pub = 0;
    waitpid(sub, &st_sub, 0);
    /* The subscriber is done (or gave up): nothing more to send. */
    kill(pub, SIGKILL);
    waitpid(pub, &st_pub, 0);
    kill(proxy, SIGKILL);
    waitpid(proxy, NULL, 0);
    return WIFEXITED(st_sub) && WEXITSTATUS(st_sub) == 0 ? ND_EXIT_OK : ND_EXIT_RUNTIME;
}
