/* SPDX-License-Identifier: MIT */
/* http.c: the HTTP/1.x request line (RFC 9112 3) and the Host (RFC 9110 7.2)
 * and User-Agent (RFC 9110 10.1.5) header fields of a request, and where its
 * head and body end (RFC 9112 6.3) so that pipelined requests can be found. */
#include <string.h>

#include "netdumplings/app.h"

/* RFC 9110 9.3 and RFC 5789. A method is any token (WebDAV's PROPFIND,
 * SSDP's M-SEARCH...); these nine are taken on their request line alone, any
 * other only with a well-formed "target HTTP/1.x" after it, so that random
 * TCP payloads are not read as requests. */
static const char *const s_methods[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH", NULL};

/* RFC 9110 5.6.2 tchar. */
static bool s_tchar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the line starting at p[i] (index of its CR or LF), or n. */
static size_t s_eol(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    return i;
}

/* Past the line ending at p[i] (CRLF or a bare LF, RFC 9112 2.2). */
static size_t s_next_line(const uint8_t *p, size_t n, size_t i)
{
    if (i < n && p[i] == '\r')
        i++;
    if (i < n && p[i] == '\n')
        i++;
    return i;
}

static bool s_name_is(const uint8_t *p, size_t len, const char *name)
{
    if (len != strlen(name))
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)name[i])
            return false;
    }
    return true;
}

/* One header field value, trimmed of optional whitespace (RFC 9110 5.5). */
static void s_value(const uint8_t *v, size_t len, char *out, size_t outlen, bool *truncated)
{
    while (len > 0 && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    *truncated = !nd_app_text(v, len, out, outlen);
}

/* Content-Length: digits only, at most 18 of them; anything else (or two
 * different values) leaves the length unknown, which ends the pipeline. */
static void s_content_length(const uint8_t *v, size_t len, nd_http_request_t *out)
{
    while (len > 0 && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    uint64_t value = 0;
    if (len == 0 || len > 18)
        goto unknown;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            goto unknown;
        value = value * 10 + (uint64_t)(v[i] - '0');
    }
    if (out->has_content_length && out->content_length != value)
        goto unknown;
    out->has_content_length = true;
    out->content_length = value;
    return;
unknown:
    out->has_content_length = false;
    out->body_unknown = true;
}

int nd_http_request(const uint8_t *p, size_t n, nd_http_request_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        n = 0;
    size_t sp = 0;
    while (sp < n && sp < ND_HTTP_METHOD_MAX && s_tchar(p[sp]))
        sp++;
    if (sp == 0 || sp == ND_HTTP_METHOD_MAX)
        return ND_APP_NOT_MINE;
    if (sp == n)
        return ND_APP_INCOMPLETE; /* a token so far: it may still become a request */
    if (p[sp] != ' ')
        return ND_APP_NOT_MINE;
    bool known = false;
    for (size_t m = 0; s_methods[m] && !known; m++)
        known = strlen(s_methods[m]) == sp && memcmp(s_methods[m], p, sp) == 0;
    /* A bad line after a known method is a broken request; after any other
     * token it is most likely not HTTP at all. */
    int bad = known ? ND_APP_MALFORMED : ND_APP_NOT_MINE;
    memcpy(out->method, p, sp);
    out->method[sp] = '\0';

    size_t eol = s_eol(p, n, sp + 1);
    if (eol == n)
        return ND_APP_INCOMPLETE;
    /* request-target SP HTTP-version: the version is the last 8 bytes. */
    const uint8_t *line = p + sp + 1;
    size_t line_len = eol - sp - 1;
    if (line_len < 10 || line[line_len - 9] != ' ' || memcmp(line + line_len - 8, "HTTP/1.", 7) ||
        (line[line_len - 1] != '0' && line[line_len - 1] != '1'))
        return bad;
    size_t target_len = line_len - 9;
    for (size_t i = 0; i < target_len; i++)
        if (line[i] <= 0x20 || line[i] >= 0x7f) /* no whitespace or controls in a target */
            return bad;
    memcpy(out->version, line + line_len - 8, 8);
    out->version[8] = '\0';
    out->path_truncated = !nd_app_text(line, target_len, out->path, sizeof out->path);

    /* Header fields as far as this segment holds them; a field cut by the
     * segment's end is not taken (its value would be wrong). */
    size_t i = s_next_line(p, n, eol);
    while (i < n) {
        size_t end = s_eol(p, n, i);
        if (end == n)
            break;
        if (end == i) {
            out->headers_complete = true;
            out->head_len = s_next_line(p, n, end);
            break;
        }
        const uint8_t *colon = memchr(p + i, ':', end - i);
        if (colon) {
            size_t name_len = (size_t)(colon - (p + i));
            const uint8_t *v = colon + 1;
            size_t vlen = end - (size_t)(v - p);
            if (!out->has_host && s_name_is(p + i, name_len, "host")) {
                out->has_host = true;
                s_value(v, vlen, out->host, sizeof out->host, &out->host_truncated);
            } else if (!out->has_user_agent && s_name_is(p + i, name_len, "user-agent")) {
                out->has_user_agent = true;
                s_value(v, vlen, out->user_agent, sizeof out->user_agent,
                        &out->user_agent_truncated);
            } else if (s_name_is(p + i, name_len, "content-length")) {
                s_content_length(v, vlen, out);
            } else if (s_name_is(p + i, name_len, "transfer-encoding")) {
                /* RFC 9112 6.3: chunked last means the length is in the body. */
                out->body_unknown |= vlen >= 7 && s_name_is(v + vlen - 7, 7, "chunked");
            }
        }
        i = s_next_line(p, n, end);
    }
    return ND_APP_OK;
}
