/* SPDX-License-Identifier: MIT */
/* dns.c: the Domain Name System message header and question section,
 * RFC 1035 section 4, over UDP and over TCP behind the 2-byte length (RFC 1035
 * 4.2.2, RFC 7766); names in RFC 1035 5.1 master-file presentation form. */
#include "netdumplings/app.h"
#include "proto.h"

#include <stdio.h>

/* RFC 1035 4.1.4 says a pointer refers to a prior occurrence of a name, but
 * resolvers and tshark follow forward pointers too, so any target inside the
 * message is accepted. What must never happen is a loop: a target already
 * visited while reading this name is refused as one, and the hop bound caps
 * the work per name (a chain of distinct targets is also refused past it). */
#define S_MAX_POINTERS 128
#define S_MAX_WIRE_NAME 255

static const char s_truncated_header[] = "dns: truncated header";
static const char s_truncated_name[] = "dns: truncated name";
static const char s_truncated_question[] = "dns: truncated question";

/* Appends one label byte in presentation form: "\." and "\\" for the two
 * characters that would be ambiguous, "\DDD" (decimal) for anything outside
 * printable ASCII, space included. Returns false when `out` is full. */
static bool s_put(char *out, size_t outlen, size_t *o, uint8_t c)
{
    char tmp[5];
    size_t n;
    if (c == '.' || c == '\\') {
        tmp[0] = '\\';
        tmp[1] = (char)c;
        n = 2;
    } else if (c < 0x21 || c > 0x7e) {
        tmp[0] = '\\';
        tmp[1] = (char)('0' + c / 100);
        tmp[2] = (char)('0' + c / 10 % 10);
        tmp[3] = (char)('0' + c % 10);
        n = 4;
    } else {
        tmp[0] = (char)c;
        n = 1;
    }
    if (*o + n >= outlen)
        return false;
    memcpy(out + *o, tmp, n);
    *o += n;
    return true;
}

int nd_dns_read_name(nd_buf_t *msg, nd_buf_t *b, char *out, size_t outlen, const char **reason)
{
    const uint8_t *d = msg->data;
    size_t len = msg->len;
    size_t pos = b->off;
    uint16_t visited[S_MAX_POINTERS]; /* pointer targets followed so far */
    size_t resume = 0;
    bool jumped = false;
    unsigned hops = 0;
    size_t wire = 0;
    size_t o = 0;
    const char *why = NULL;

    if (out && outlen > 0)
        out[0] = '\0';
    for (;;) {
        if (pos >= len) {
            why = s_truncated_name;
            break;
        }
        uint8_t c = d[pos];
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= len) {
                why = s_truncated_name;
                break;
            }
            size_t target = (size_t)(c & 0x3f) << 8 | d[pos + 1];
            if (!jumped) {
                resume = pos + 2;
                jumped = true;
            }
            if (target >= len) {
                why = s_truncated_name;
                break;
            }
            bool again = false;
            for (unsigned i = 0; i < hops && !again; i++)
                again = visited[i] == target;
            if (again) {
                why = "dns: compression loop";
                break;
            }
            if (hops == S_MAX_POINTERS) {
                why = "dns: too many compression pointers";
                break;
            }
            visited[hops++] = (uint16_t)target;
            pos = target;
            continue;
        }
        if (c & 0xc0) {
            /* 01 (extended, RFC 6891 deprecated it) and 10 are undefined. */
            why = "dns: bad label type";
            break;
        }
        wire += (size_t)c + 1;
        if (wire > S_MAX_WIRE_NAME) {
            why = "dns: name too long";
            break;
        }
        if (c == 0) {
            if (!jumped)
                resume = pos + 1;
            break;
        }
        if (pos + 1 + c > len) {
            why = s_truncated_name;
            break;
        }
        if (out) {
            bool ok = true;
            if (o > 0) {
                /* The separator is a plain '.', unlike a '.' inside a label. */
                if (o + 1 >= outlen)
                    ok = false;
                else
                    out[o++] = '.';
            }
            for (size_t i = 0; ok && i < c; i++)
                ok = s_put(out, outlen, &o, d[pos + 1 + i]);
            if (!ok) {
                why = "dns: name too long";
                break;
            }
        }
        pos += 1 + (size_t)c;
    }
    if (why) {
        if (reason)
            *reason = why;
        if (out && outlen > 0)
            out[0] = '\0';
        b->err = true;
        return -1;
    }
    if (out && outlen > 0) {
        if (o == 0 && outlen > 1)
            out[o++] = '.'; /* the root */
        out[o < outlen ? o : outlen - 1] = '\0';
    }
    b->off = resume;
    return 0;
}

/* Parses header and questions into pkt->dns; returns NULL or the reason. */
static const char *s_parse(nd_packet_t *pkt, nd_buf_t *msg)
{
    nd_dns_t *dns = &pkt->dns;
    nd_buf_t b = *msg;
    b.off = 0;
    if (!nd_buf_has(&b, 12))
        return s_truncated_header;
    dns->id = nd_buf_be16(&b);
    uint16_t flags = nd_buf_be16(&b);
    dns->qr = flags & 0x8000;
    dns->opcode = (flags >> 11) & 0x0f;
    dns->rcode = flags & 0x0f;
    dns->qdcount = nd_buf_be16(&b);
    dns->ancount = nd_buf_be16(&b);
    dns->nscount = nd_buf_be16(&b);
    dns->arcount = nd_buf_be16(&b);
    dns->nquestions = 0;
    /* Every question is checked, not only the ones we keep, so that the DNS
     * bit means the whole question section is sound. Each question takes at
     * least 5 bytes, so the message length bounds this loop. */
    for (unsigned i = 0; i < dns->qdcount; i++) {
        const char *why = NULL;
        bool keep = i < ND_DNS_MAX_QUESTIONS;
        nd_dns_question_t *q = keep ? &dns->q[i] : NULL;
        if (nd_dns_read_name(msg, &b, q ? q->name : NULL, q ? sizeof q->name : 0, &why) < 0)
            return why;
        if (!nd_buf_has(&b, 4))
            return s_truncated_question;
        uint16_t qtype = nd_buf_be16(&b);
        uint16_t qclass = nd_buf_be16(&b);
        if (q) {
            q->qtype = qtype;
            q->qclass = qclass;
            dns->nquestions = (uint8_t)(i + 1);
        }
    }
    return NULL;
}

int nd_dissect_dns(nd_packet_t *pkt, nd_buf_t *b)
{
    nd_buf_t msg = nd_buf(nd_buf_ptr(b), nd_buf_left(b));
    const char *why = s_parse(pkt, &msg);
    if (why) {
        pkt->dns.nquestions = 0;
        return nd_packet_malformed(pkt, why);
    }
    pkt->layers |= 1u << ND_L_DNS;
    return 0;
}

int nd_dissect_dns_tcp(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 2))
        return 0; /* not even a length: a continuation or a keepalive */
    size_t mlen = nd_buf_be16(b);
    size_t have = nd_buf_left(b);
    bool whole = mlen <= have;
    nd_buf_t msg = nd_buf(nd_buf_ptr(b), whole ? mlen : have);
    const char *why = s_parse(pkt, &msg);
    if (!why) {
        pkt->dns.over_tcp = true;
        pkt->layers |= 1u << ND_L_DNS;
        return 0;
    }
    pkt->dns.nquestions = 0;
    /* Without reassembly we cannot tell the start of a message from the
     * middle of one: running out of bytes, or garbage in a segment whose
     * length prefix does not fit in it, is most likely a continuation. Only
     * a message that claims to be whole here and is broken is malformed. */
    if (!whole || why == s_truncated_header || why == s_truncated_name ||
        why == s_truncated_question)
        return 0;
    return nd_packet_malformed(pkt, why);
}

int nd_dns_msg_open(nd_dns_msg_t *m, const uint8_t *p, size_t n)
{
    nd_buf_t b = nd_buf(p, n);
    memset(m, 0, sizeof *m);
    if (!nd_buf_has(&b, 12))
        return ND_APP_MALFORMED;
    m->msg = p;
    m->len = n;
    m->id = nd_buf_be16(&b);
    uint16_t flags = nd_buf_be16(&b);
    m->qr = flags & 0x8000;
    m->opcode = (flags >> 11) & 0x0f;
    m->qdcount = nd_buf_be16(&b);
    m->off = 12;
    return ND_APP_OK;
}

int nd_dns_msg_question(nd_dns_msg_t *m, char *name, size_t namelen, uint16_t *qtype,
                        uint16_t *qclass, const char **why)
{
    if (m->next >= m->qdcount)
        return ND_APP_NOT_MINE;
    nd_buf_t msg = nd_buf(m->msg, m->len);
    nd_buf_t b = msg;
    b.off = m->off;
    *why = NULL;
    if (nd_dns_read_name(&msg, &b, name, namelen, why) == 0 && !nd_buf_has(&b, 4))
        *why = s_truncated_question;
    if (*why) {
        m->next = m->qdcount; /* nothing after a broken question can be trusted */
        return ND_APP_MALFORMED;
    }
    *qtype = nd_buf_be16(&b);
    *qclass = nd_buf_be16(&b);
    m->off = b.off;
    m->next++;
    return ND_APP_OK;
}
