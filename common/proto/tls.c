/* SPDX-License-Identifier: MIT */
/* tls.c: the TLS record layer and the handshake ClientHello, RFC 8446 4.1.2
 * and 5.1 (RFC 5246 7.4.1.2 for TLS 1.2), with the server_name (RFC 6066 3),
 * supported_versions (RFC 8446 4.2.1) and ALPN (RFC 7301 3.1) extensions;
 * the SSL 2.0-compatible CLIENT-HELLO (RFC 5246 E.2). */
#include <stdio.h>
#include <string.h>

#include "netdumplings/app.h"
#include "netdumplings/buf.h"
#include "proto.h"

#define S_HANDSHAKE 22
#define S_CLIENT_HELLO 1
#define S_EXT_SERVER_NAME 0
#define S_EXT_ALPN 16
#define S_EXT_SUPPORTED_VERSIONS 43

bool nd_tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *nd_tls_version_name(uint16_t v, char *buf, size_t len)
{
    switch (v) {
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        if (nd_tls_is_grease(v))
            return "GREASE";
        snprintf(buf, len, "0x%04x", v);
        return buf;
    }
}

/* server_name: a list of (type, name); the first host_name (type 0) counts. */
static int s_server_name(nd_buf_t *e, nd_tls_hello_t *out)
{
    uint16_t list_len = nd_buf_be16(e);
    nd_buf_t l = nd_buf_sub(e, list_len);
    if (e->err || nd_buf_left(e) != 0)
        return ND_APP_MALFORMED;
    while (nd_buf_left(&l) > 0) {
        uint8_t type = nd_buf_u8(&l);
        uint16_t len = nd_buf_be16(&l);
        nd_buf_t name = nd_buf_sub(&l, len);
        if (l.err)
            return ND_APP_MALFORMED;
        if (type == 0 && !out->has_sni) {
            out->has_sni = true;
            out->sni_truncated = !nd_app_text(name.data, name.len, out->sni, sizeof out->sni);
        }
    }
    return ND_APP_OK;
}

static int s_supported_versions(nd_buf_t *e, nd_tls_hello_t *out)
{
    uint8_t len = nd_buf_u8(e);
    nd_buf_t l = nd_buf_sub(e, len);
    if (e->err || nd_buf_left(e) != 0 || len % 2 != 0)
        return ND_APP_MALFORMED;
    while (nd_buf_left(&l) >= 2) {
        uint16_t v = nd_buf_be16(&l);
        if (out->nversions < ND_TLS_MAX_VERSIONS)
            out->versions[out->nversions++] = v;
        else
            out->versions_truncated = true;
    }
    return ND_APP_OK;
}

static int s_alpn(nd_buf_t *e, nd_tls_hello_t *out)
{
    uint16_t list_len = nd_buf_be16(e);
    nd_buf_t l = nd_buf_sub(e, list_len);
    if (e->err || nd_buf_left(e) != 0)
        return ND_APP_MALFORMED;
    while (nd_buf_left(&l) > 0) {
        uint8_t len = nd_buf_u8(&l);
        nd_buf_t name = nd_buf_sub(&l, len);
        if (l.err || len == 0)
            return ND_APP_MALFORMED;
        if (out->nalpn < ND_TLS_MAX_ALPN) {
            if (!nd_app_text(name.data, name.len, out->alpn[out->nalpn], ND_TLS_ALPN_MAX))
                out->alpn_truncated = true;
            out->nalpn++;
        } else {
            out->alpn_truncated = true;
        }
    }
    return ND_APP_OK;
}

/* The ClientHello body in `h` (the handshake header already read). */
static int s_hello(nd_buf_t *h, nd_tls_hello_t *out)
{
    out->legacy_version = nd_buf_be16(h);
    nd_buf_skip(h, 32); /* random */
    uint8_t sid_len = nd_buf_u8(h);
    if (sid_len > 32)
        return ND_APP_MALFORMED;
    nd_buf_skip(h, sid_len);
    uint16_t cs_len = nd_buf_be16(h);
    if (cs_len < 2 || cs_len % 2 != 0)
        return ND_APP_MALFORMED;
    nd_buf_skip(h, cs_len);
    uint8_t comp_len = nd_buf_u8(h);
    if (comp_len < 1)
        return ND_APP_MALFORMED;
    nd_buf_skip(h, comp_len);
    if (h->err)
        return ND_APP_MALFORMED;
    if (nd_buf_left(h) == 0) /* no extensions: legal before TLS 1.3 */
        return ND_APP_OK;
    uint16_t ext_len = nd_buf_be16(h);
    nd_buf_t x = nd_buf_sub(h, ext_len);
    if (h->err)
        return ND_APP_MALFORMED;
    while (nd_buf_left(&x) > 0) {
        uint16_t type = nd_buf_be16(&x);
        uint16_t len = nd_buf_be16(&x);
        nd_buf_t e = nd_buf_sub(&x, len);
        if (x.err)
            return ND_APP_MALFORMED;
        int rc = ND_APP_OK;
        if (type == S_EXT_SERVER_NAME && len > 0)
            rc = s_server_name(&e, out);
        else if (type == S_EXT_SUPPORTED_VERSIONS)
            rc = s_supported_versions(&e, out);
        else if (type == S_EXT_ALPN)
            rc = s_alpn(&e, out);
        if (rc != ND_APP_OK)
            return rc;
    }
    return ND_APP_OK;
}

/* The handshake message in `m` (type already checked): its 3-byte length and
 * the ClientHello body, which must fill it exactly. */
static int s_handshake(nd_buf_t *m, nd_tls_hello_t *out)
{
    nd_buf_skip(m, 1);
    uint32_t hs_len = (uint32_t)nd_buf_u8(m) << 16;
    hs_len |= nd_buf_be16(m);
    if (m->err || hs_len > nd_buf_left(m)) /* a hello over several records */
        return ND_APP_MALFORMED;
    nd_buf_t h = nd_buf_sub(m, hs_len);
    int rc = s_hello(&h, out);
    if (rc == ND_APP_OK && nd_buf_left(&h) != 0)
        rc = ND_APP_MALFORMED;
    return rc;
}

/* An SSL 2.0-compatible CLIENT-HELLO (RFC 6101 E.1, RFC 5246 E.2): a 2-byte
 * record header with the high bit set, message type 1, the version, then
 * three lengths that must add up to the record. It carries no extensions:
 * no server name. record_version is 0x0002. */
static int s_sslv2_hello(const uint8_t *p, size_t n, nd_tls_hello_t *out)
{
    if (n < 2)
        return ND_APP_INCOMPLETE;
    size_t len = (size_t)(p[0] & 0x7f) << 8 | p[1];
    if (len < 9)
        return ND_APP_NOT_MINE;
    out->need = len + 2;
    if (n >= 3 && p[2] != S_CLIENT_HELLO)
        return ND_APP_NOT_MINE;
    if (n >= 4 && p[3] != 0 && p[3] != 3)
        return ND_APP_NOT_MINE;
    if (n < 11)
        return ND_APP_INCOMPLETE;
    nd_buf_t b = nd_buf(p + 3, n - 3);
    uint16_t version = nd_buf_be16(&b);
    uint16_t cs_len = nd_buf_be16(&b);
    uint16_t sid_len = nd_buf_be16(&b);
    uint16_t ch_len = nd_buf_be16(&b);
    if (version != 0x0002 && (version >> 8) != 3)
        return ND_APP_NOT_MINE;
    if (cs_len == 0 || cs_len % 3 != 0 || (sid_len != 0 && sid_len != 16 && sid_len != 32) ||
        ch_len < 16 || ch_len > 32 || (size_t)9 + cs_len + sid_len + ch_len != len)
        return ND_APP_NOT_MINE;
    if (n < out->need)
        return ND_APP_INCOMPLETE;
    out->record_version = 0x0002;
    out->legacy_version = version;
    return ND_APP_OK;
}

int nd_tls_client_hello(const uint8_t *p, size_t n, nd_tls_hello_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p)
        n = 0;
    if (n >= 1 && (p[0] & 0x80))
        return s_sslv2_hello(p, n, out);
    /* Check what is there of the header byte by byte, so that a record cut
     * after one byte is "incomplete" only if it could still be a hello. */
    if (n >= 1 && p[0] != S_HANDSHAKE)
        return ND_APP_NOT_MINE;
    if (n >= 2 && p[1] != 3)
        return ND_APP_NOT_MINE;
    if (n >= 3 && p[2] > 4)
        return ND_APP_NOT_MINE;
    if (n < 5)
        return ND_APP_INCOMPLETE;
    nd_buf_t b = nd_buf(p, n);
    nd_buf_skip(&b, 1);
    out->record_version = nd_buf_be16(&b);
    uint16_t rec_len = nd_buf_be16(&b);
    if (rec_len == 0 || (size_t)rec_len + 5 > ND_TLS_MAX_RECORD)
        return ND_APP_NOT_MINE;
    out->need = (size_t)rec_len + 5;
    if (n >= 6 && p[5] != S_CLIENT_HELLO)
        return ND_APP_NOT_MINE;
    if (n < out->need)
        return ND_APP_INCOMPLETE;
    nd_buf_t rec = nd_buf_sub(&b, rec_len);
    return s_handshake(&rec, out);
}

int nd_tls_handshake_hello(const uint8_t *p, size_t n, nd_tls_hello_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p || n < 1 || p[0] != S_CLIENT_HELLO)
        return ND_APP_NOT_MINE;
    nd_buf_t b = nd_buf(p, n);
    return s_handshake(&b, out);
}
