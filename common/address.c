/* SPDX-License-Identifier: MIT */
/* address.c: bind addresses and connect endpoints, IPv4 and IPv6, read the
 * same way by every program (address.h). Literal addresses are checked with
 * inet_pton; names are left to getaddrinfo (binding) or to libzmq, which
 * resolves them again at every reconnection (connecting). */
#include "netdumplings/address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <zmq.h>

#include "netdumplings/err.h"

#define S_EXAMPLES "an IPv4 or IPv6 address, a host name, or *"

/* An IPv6 address, optionally with a %zone (an interface name or number). */
static bool s_is_v6(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *zone = strchr(buf, '%');
    if (zone) {
        *zone++ = '\0';
        if (!*zone || strlen(zone) >= IF_NAMESIZE)
            return false;
        for (const char *z = zone; *z; z++)
            if (*z == '/' || *z == ':' || *z == '%' || *z <= ' ')
                return false;
    }
    struct in6_addr a;
    return inet_pton(AF_INET6, buf, &a) == 1;
}

static bool s_is_v4(const char *s, size_t len)
{
    char buf[INET_ADDRSTRLEN];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct in_addr a;
    return inet_pton(AF_INET, buf, &a) == 1;
}

/* Digits and dots only: meant as an IPv4 address, whatever it parses as. */
static bool s_looks_v4(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

/* A host name (RFC 1123 labels, '_' allowed as some resolvers do) or an
 * interface name of that shape; a trailing dot is allowed. */
static bool s_is_name(const char *s, size_t len)
{
    if (len == 0 || len > 254 || (len == 254 && s[253] != '.'))
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 && !(i == len - 1 && i > 0))
                return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return true;
}

typedef enum { S_MALFORMED, S_ANY, S_V4, S_V6, S_NAME } s_kind_t;

/* What a bind address is; *inner and *ilen are the address without brackets. */
static s_kind_t s_classify(const char *a, const char **inner, size_t *ilen, const char **why)
{
    size_t len = strlen(a);
    *inner = a;
    *ilen = len;
    *why = "not " S_EXAMPLES;
    if (len == 0) {
        *why = "empty: give " S_EXAMPLES;
        return S_MALFORMED;
    }
    if (strcmp(a, "*") == 0)
        return S_ANY;
    if (a[0] == '[') {
        if (len < 3 || a[len - 1] != ']' || !s_is_v6(a + 1, len - 2)) {
            *why = "not an IPv6 address in brackets";
            return S_MALFORMED;
        }
        *inner = a + 1;
        *ilen = len - 2;
        return S_V6;
    }
    if (strchr(a, ':')) {
        if (!s_is_v6(a, len)) {
            *why = "not an IPv6 address";
            return S_MALFORMED;
        }
        return S_V6;
    }
    if (s_looks_v4(a, len)) {
        if (!s_is_v4(a, len)) {
            *why = "not an IPv4 address";
            return S_MALFORMED;
        }
        return S_V4;
    }
    return s_is_name(a, len) ? S_NAME : S_MALFORMED;
}

int nd_address_check(const char *address, char *err, size_t errlen)
{
    const char *inner, *why;
    size_t ilen;
    if (!address)
        return nd_errf(err, errlen, "no address given");
    if (s_classify(address, &inner, &ilen, &why) == S_MALFORMED)
        return nd_errf(err, errlen, "invalid address '%s': %s", address, why);
    return 0;
}

static void s_add(nd_bind_list_t *out, const char *host, bool v6)
{
    char h[ND_HOST_MAX];
    snprintf(h, sizeof h, v6 ? "[%s]" : "%s", host);
    for (size_t i = 0; i < out->n; i++)
        if (strcmp(out->host[i], h) == 0)
            return;
    if (out->n < ND_BIND_MAX)
        memcpy(out->host[out->n++], h, sizeof h);
}

static void s_add_sa(nd_bind_list_t *out, const struct sockaddr *sa)
{
    char host[INET6_ADDRSTRLEN];
    int port;
    if (nd_sockaddr_host(sa, host, sizeof host, &port))
        s_add(out, host, strchr(host, ':') != NULL);
}

/* An interface's addresses; IPv6 link-local ones need a zone and are rarely
 * what a hub should listen on, so they are left out. */
static int s_interface(const char *name, nd_bind_list_t *out, char *err, size_t errlen)
{
    struct ifaddrs *ifa;
    if (getifaddrs(&ifa) != 0)
        return nd_errf(err, errlen, "cannot list the addresses of interface '%s': %s", name,
                       strerror(errno));
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || strcmp(i->ifa_name, name) != 0)
            continue;
        if (i->ifa_addr->sa_family == AF_INET6 &&
            IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
            continue;
        if (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6)
            s_add_sa(out, i->ifa_addr);
    }
    freeifaddrs(ifa);
    if (out->n == 0)
        return nd_errf(err, errlen, "interface '%s' has no IPv4 or IPv6 address to listen on",
                       name);
    return 0;
}

int nd_address_resolve(const char *address, nd_bind_list_t *out, char *err, size_t errlen)
{
    const char *inner, *why;
    size_t ilen;
    memset(out, 0, sizeof *out);
    if (!address)
        address = "*";
    switch (s_classify(address, &inner, &ilen, &why)) {
    case S_MALFORMED:
        nd_errf(err, errlen, "invalid address '%s': %s", address, why);
        return ND_ADDRESS_MALFORMED;
    case S_ANY:
        s_add(out, "*", false);
        return 0;
    case S_V4:
        s_add(out, address, false);
        return 0;
    case S_V6: {
        char h[ND_HOST_MAX];
        snprintf(h, sizeof h, "%.*s", (int)ilen, inner);
        struct in6_addr a;
        /* "::" is every address of both families, as "*". */
        if (inet_pton(AF_INET6, h, &a) == 1 && IN6_IS_ADDR_UNSPECIFIED(&a))
            s_add(out, "*", false);
        else
            s_add(out, h, true);
        return 0;
    }
    case S_NAME:
        break;
    }
    out->named = true;
    if (if_nametoindex(address) != 0)
        return s_interface(address, out, err, errlen);
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(address, NULL, &hints, &res);
    if (rc != 0)
        return nd_errf(err, errlen, "address '%s' is no interface here and does not resolve: %s",
                       address, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    for (struct addrinfo *r = res; r; r = r->ai_next)
        s_add_sa(out, r->ai_addr);
    freeaddrinfo(res);
    if (out->n == 0)
        return nd_errf(err, errlen, "address '%s' resolves to no IPv4 or IPv6 address", address);
    return 0;
}

bool nd_address_is_loopback(const char *address)
{
    nd_bind_list_t l;
    if (!address || nd_address_resolve(address, &l, NULL, 0) != 0 || l.n == 0)
        return false;
    for (size_t i = 0; i < l.n; i++) {
        char h[ND_HOST_MAX];
        const char *s = l.host[i];
        size_t len = strlen(s);
        if (s[0] == '[')
            snprintf(h, sizeof h, "%.*s", (int)(len - 2), s + 1);
        else
            snprintf(h, sizeof h, "%s", s);
        char *zone = strchr(h, '%');
        if (zone)
            *zone = '\0';
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, h, &a4) == 1) {
            if ((ntohl(a4.s_addr) >> 24) != 127)
                return false;
        } else if (inet_pton(AF_INET6, h, &a6) == 1) {
            bool mapped127 = IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
            if (!IN6_IS_ADDR_LOOPBACK(&a6) && !mapped127)
                return false;
        } else {
            return false; /* "*" */
        }
    }
    return true;
}

int nd_endpoint_check(const char *endpoint, const char *what, int example_port, char *err,
                      size_t errlen)
{
    const char *why = NULL;
    char bracketed[ND_HOST_MAX + 8] = "";
    if (!endpoint || strncmp(endpoint, "tcp://", 6) != 0) {
        why = "it does not start with tcp://";
        goto bad;
    }
    const char *host = endpoint + 6;
    const char *colon;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close || !s_is_v6(host + 1, (size_t)(close - host - 1))) {
            why = "not an IPv6 address in brackets";
            goto bad;
        }
        colon = close + 1;
        if (*colon != ':') {
            why = "no :PORT after the address";
            goto bad;
        }
    } else {
        colon = strrchr(host, ':');
        if (!colon) {
            why = "no :PORT";
            goto bad;
        }
        size_t hlen = (size_t)(colon - host);
        if (memchr(host, ':', hlen)) {
            snprintf(bracketed, sizeof bracketed, "an IPv6 address goes in brackets, tcp://[%.*s]",
                     (int)(hlen < ND_HOST_MAX ? hlen : ND_HOST_MAX), host);
            why = bracketed;
            goto bad;
        }
        if (s_looks_v4(host, hlen) ? !s_is_v4(host, hlen) : !s_is_name(host, hlen)) {
            why = hlen ? "not an IPv4 address or a host name" : "no host";
            goto bad;
        }
    }
    const char *port = colon + 1;
    size_t plen = strlen(port);
    long p = 0;
    for (size_t i = 0; i < plen && i < 6; i++)
        p = (port[i] >= '0' && port[i] <= '9') ? p * 10 + (port[i] - '0') : -1;
    if (plen == 0 || plen > 5 || p < 1 || p > 65535) {
        why = "the port is not 1-65535";
        goto bad;
    }
    return 0;
bad:
    return nd_errf(err, errlen, "invalid %s '%s': %s (e.g. tcp://hub:%d or tcp://[2001:db8::1]:%d)",
                   what, endpoint ? endpoint : "", why, example_port, example_port);
}

int nd_endpoint_format(char *buf, size_t size, const char *host, int port)
{
    int n = snprintf(buf, size, "tcp://%s:%d", host, port);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

int nd_zmq_ipv6(void *sock)
{
    int one = 1;
    return zmq_setsockopt(sock, ZMQ_IPV6, &one, sizeof one);
}

bool nd_sockaddr_host(const struct sockaddr *sa, char *host, size_t size, int *port)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        *port = ntohs(a->sin_port);
        return inet_ntop(AF_INET, &a->sin_addr, host, (socklen_t)size) != NULL;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        *port = ntohs(a->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            return inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, (socklen_t)size) != NULL;
        return inet_ntop(AF_INET6, &a->sin6_addr, host, (socklen_t)size) != NULL;
    }
    return false;
}

void nd_host_unmap(char *host)
{
    if (strncasecmp(host, "::ffff:", 7) == 0 && s_is_v4(host + 7, strlen(host + 7)))
        memmove(host, host + 7, strlen(host + 7) + 1);
}

void nd_host_port(char *buf, size_t size, const char *host, unsigned port)
{
    snprintf(buf, size, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}
