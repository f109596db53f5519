/* SPDX-License-Identifier: MIT */
/* address.h: the network addresses every program takes, read one way. To bind
 * (-a/--address): an IPv4 address, an IPv6 address with or without brackets, a
 * host or interface name, or * for every address of both families. To connect
 * (-H/--hub, --hub-in, --upstream): tcp://HOST:PORT, HOST being an IPv4
 * address, an IPv6 address in brackets or a host name. Every ZeroMQ TCP socket
 * of the project turns IPv6 on with nd_zmq_ipv6() (libzmq's default is IPv4 only). */
#ifndef ND_ADDRESS_H
#define ND_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* Room for one host as it goes into an endpoint: "[v6%zone]", or a host name. */
#define ND_HOST_MAX 264
/* Addresses one -a may stand for (a name or an interface can have several). */
#define ND_BIND_MAX 16

/* What a bind address stands for, each host in endpoint form: "*" (every
 * address, IPv4 and IPv6), "192.0.2.1", "[2001:db8::1]". */
typedef struct {
    size_t n;
    bool named; /* from a host or interface name (some of them may not bind) */
    char host[ND_BIND_MAX][ND_HOST_MAX];
} nd_bind_list_t;

/* Checks the form of a bind address. Returns 0, or -1 with err naming it (a
 * usage error: exit 2). */
int nd_address_check(const char *address, char *err, size_t errlen);

/* nd_address_resolve()'s failures. */
enum {
    ND_ADDRESS_NOT_HERE = -1,  /* runtime error: an unknown name, an interface without addresses */
    ND_ADDRESS_MALFORMED = -2, /* usage error */
};

/* The hosts to bind for `address`: "*" and "::" are "*", an address is
 * itself, an interface name is its addresses (IPv4 and IPv6, link-local ones
 * left out), any other name every address it resolves to. Returns 0, or
 * ND_ADDRESS_MALFORMED or ND_ADDRESS_NOT_HERE with err set. */
int nd_address_resolve(const char *address, nd_bind_list_t *out, char *err, size_t errlen);

/* True when every address `address` stands for only reaches this host
 * (127.0.0.0/8, ::1, "localhost", "lo"); false for "*", "::" and unknown names. */
bool nd_address_is_loopback(const char *address);

/* Checks an endpoint to connect to: tcp://HOST:PORT with HOST an IPv4
 * address, [an IPv6 address] or a host name, PORT 1-65535. Returns 0, or -1
 * with err "invalid WHAT 'ENDPOINT': why (e.g. tcp://hub:PORT or
 * tcp://[2001:db8::1]:PORT)" (a usage error). */
int nd_endpoint_check(const char *endpoint, const char *what, int example_port, char *err,
                      size_t errlen);

/* "tcp://HOST:PORT" from a host in endpoint form (nd_bind_list_t). Returns the
 * length, or -1 when it does not fit. */
int nd_endpoint_format(char *buf, size_t size, const char *host, int port);

/* Turns ZMQ_IPV6 on for a libzmq socket, before it binds or connects: IPv6
 * endpoints and names with only AAAA records work, a bind to * takes both
 * families. Returns 0, or -1 (errno set by libzmq). */
int nd_zmq_ipv6(void *sock);

/* The numeric host and port of a socket address; an IPv4-mapped IPv6 address
 * (an IPv4 peer of a dual-stack socket) is shown as IPv4. Returns false for
 * other families. */
bool nd_sockaddr_host(const struct sockaddr *sa, char *host, size_t size, int *port);

/* Drops the "::ffff:" of an IPv4-mapped address given as text, in place. */
void nd_host_unmap(char *host);

/* "HOST:PORT" for people and logs, brackets around an IPv6 host. */
void nd_host_port(char *buf, size_t size, const char *host, unsigned port);

#endif
