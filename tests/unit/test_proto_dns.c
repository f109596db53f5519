/* SPDX-License-Identifier: MIT */
/* test_proto_dns.c: DNS name decoding (compression, bounds, presentation
 * form) and the header/question parser over UDP and TCP, on hand-built
 * messages and on the malicious captures' payloads. */
#include "test_proto_util.h"

#include "../../common/proto/proto.h" /* nd_dissect_dns */
#include "netdumplings/app.h"

static char s_name[ND_DNS_NAME_MAX];

/* Reads the name at `off` of msg[0..len). Returns 0/-1; *reason on error. */
static int s_read(const uint8_t *msg, size_t len, size_t off, const char **reason, size_t *end)
{
    nd_buf_t m = nd_buf(msg, len);
    nd_buf_t b = m;
    b.off = off;
    *reason = NULL;
    int rc = nd_dns_read_name(&m, &b, s_name, sizeof s_name, reason);
    if (end)
        *end = b.off;
    return rc;
}

static void test_plain_and_root(void **state)
{
    const char *why;
    size_t end;
    static const uint8_t m[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0};
    assert_int_equal(s_read(m, sizeof m, 0, &why, &end), 0);
    assert_string_equal(s_name, "www.example");
    assert_int_equal(end, 13);
    assert_int_equal(s_read(m, sizeof m, 13, &why, &end), 0);
    assert_string_equal(s_name, ".");
    assert_int_equal(end, 14);
    /* Every cut of the name is truncated, never read past. */
    for (size_t n = 0; n < 13; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, m, n);
        nd_buf_t mm = nd_buf(copy, n), b = mm;
        why = NULL;
        assert_int_equal(nd_dns_read_name(&mm, &b, s_name, sizeof s_name, &why), -1);
        assert_string_equal(why, "dns: truncated name");
        assert_true(b.err);
        free(copy);
    }
}

/* RFC 1035 5.1 master-file escapes: "\DDD" decimal for bytes outside
 * 0x21..0x7e (space included), "\." and "\\" inside a label. */
static void test_escapes(void **state)
{
    const char *why;
    static const uint8_t m[] = {9, 'a', ' ', 'b', '.', 'c', '\\', 0x7f, 0xff, 0x0a, 2, 'c', 0, 0};
    assert_int_equal(s_read(m, sizeof m, 0, &why, NULL), 0);
    assert_string_equal(s_name, "a\\032b\\.c\\\\\\127\\255\\010.c\\000");
}

static void test_compression(void **state)
{
    const char *why;
    size_t end;
    /* "example.com" at 0, "www" + pointer to 0 at 13. */
    static const uint8_t m[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',  'e', 3,    'c', 'o',
                                'm', 0,   3,   'w', 'w', 'w', 0xc0, 0,   0xc0, 13};
    assert_int_equal(s_read(m, sizeof m, 13, &why, &end), 0);
    assert_string_equal(s_name, "www.example.com");
    assert_int_equal(end, 19); /* past the pointer, not the target */
    assert_int_equal(s_read(m, sizeof m, 19, &why, &end), 0);
    assert_string_equal(s_name, "www.example.com");
    assert_int_equal(end, 21);

    /* A pointer to itself: a loop. */
    static const uint8_t self[] = {0xc0, 0x00};
    assert_int_equal(s_read(self, sizeof self, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: compression loop");
    /* A forward pointer is followed (resolvers and tshark do)... */
    static const uint8_t fwd[] = {0xc0, 0x02, 1, 'a', 0x00};
    assert_int_equal(s_read(fwd, sizeof fwd, 0, &why, &end), 0);
    assert_string_equal(s_name, "a");
    assert_int_equal(end, 2);
    /* ...but two pointing at each other are a loop, */
    static const uint8_t pingpong[] = {0xc0, 0x02, 0xc0, 0x00};
    assert_int_equal(s_read(pingpong, sizeof pingpong, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: compression loop");
    /* and so is a forward pointer to a label that points back before it. */
    static const uint8_t round[] = {1, 'a', 0xc0, 0x04, 1, 'b', 0xc0, 0x00};
    assert_int_equal(s_read(round, sizeof round, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: compression loop");
    /* A target past the end of the message. */
    static const uint8_t past[] = {0xc0, 0x09, 0};
    assert_int_equal(s_read(past, sizeof past, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: truncated name");
    /* Backwards from the pointer but into the name being read: a loop. */
    static const uint8_t back[] = {0, 1, 'a', 0xc0, 0x01};
    assert_int_equal(s_read(back, sizeof back, 1, &why, NULL), -1);
    assert_string_equal(why, "dns: compression loop");
    /* A pointer cut in half. */
    assert_int_equal(s_read(m, 18, 13, &why, NULL), -1);
    assert_string_equal(why, "dns: truncated name");
}

/* A chain of pointers, each to the one before it, ending at a root label. */
static void test_pointer_hops(void **state)
{
    static uint8_t m[1 + 2 * 200];
    const char *why;
    m[0] = 0;
    for (size_t i = 0; i < 200; i++) {
        size_t at = 1 + 2 * i, to = i == 0 ? 0 : at - 2;
        m[at] = (uint8_t)(0xc0 | to >> 8);
        m[at + 1] = (uint8_t)to;
    }
    /* The pointer at index k follows k+1 pointers. */
    assert_int_equal(s_read(m, sizeof m, 1 + 2 * 127, &why, NULL), 0);
    assert_string_equal(s_name, ".");
    assert_int_equal(s_read(m, sizeof m, 1 + 2 * 128, &why, NULL), -1);
    assert_string_equal(why, "dns: too many compression pointers");
}

static void test_label_types_and_length(void **state)
{
    const char *why;
    static const uint8_t ext[] = {0x41, 0, 0};
    assert_int_equal(s_read(ext, sizeof ext, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: bad label type");
    static const uint8_t ten[] = {1, 'a', 0x80, 0};
    assert_int_equal(s_read(ten, sizeof ten, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: bad label type");

    /* 63+63+63+61 label bytes, 4 length bytes and the root: 255 octets. */
    static uint8_t m[300];
    size_t n = 0;
    static const int lens[] = {63, 63, 63, 61};
    for (int l = 0; l < 4; l++) {
        m[n++] = (uint8_t)lens[l];
        for (int i = 0; i < lens[l]; i++)
            m[n++] = 0xff; /* each needs "\255": the longest presentation form */
    }
    m[n++] = 0;
    assert_int_equal(n, 255);
    assert_int_equal(s_read(m, n, 0, &why, NULL), 0);
    assert_int_equal(strlen(s_name), 250 * 4 + 3);
    /* One octet more is too long. */
    m[3 * 64] = 62;
    m[3 * 64 + 62] = 0xff;
    m[3 * 64 + 63] = 0;
    assert_int_equal(s_read(m, 256, 0, &why, NULL), -1);
    assert_string_equal(why, "dns: name too long");
    /* Without an output buffer the name is only checked. */
    nd_buf_t mm = nd_buf(m, 300), b = mm;
    assert_int_equal(nd_dns_read_name(&mm, &b, NULL, 0, &why), -1);
}

/* A header and `qd` questions for "a.b" A IN. */
static size_t s_msg(uint8_t *m, uint16_t qdcount, int present)
{
    size_t n = 0;
    static const uint8_t hdr[] = {0x12, 0x34, 0x81, 0x83, 0, 0, 0, 1, 0, 2, 0, 3};
    memcpy(m, hdr, 12);
    m[4] = (uint8_t)(qdcount >> 8);
    m[5] = (uint8_t)qdcount;
    n = 12;
    for (int i = 0; i < present; i++) {
        static const uint8_t q[] = {1, 'a', 1, 'b', 0, 0, 1, 0, 1};
        memcpy(m + n, q, sizeof q);
        m[n + 1] = (uint8_t)('a' + i);
        n += sizeof q;
    }
    return n;
}

static void test_header_and_questions(void **state)
{
    static uint8_t m[512];
    nd_packet_t *p = &t_pkt;
    size_t n = s_msg(m, 6, 6);
    memset(p, 0, sizeof *p);
    nd_buf_t b = nd_buf(m, n);
    assert_int_equal(nd_dissect_dns(p, &b), 0);
    assert_true(ND_HAS(p, ND_L_DNS));
    assert_int_equal(p->dns.id, 0x1234);
    assert_true(p->dns.qr);
    assert_int_equal(p->dns.opcode, 0);
    assert_int_equal(p->dns.rcode, 3);
    assert_int_equal(p->dns.qdcount, 6);
    assert_int_equal(p->dns.ancount, 1);
    assert_int_equal(p->dns.nscount, 2);
    assert_int_equal(p->dns.arcount, 3);
    assert_int_equal(p->dns.nquestions, ND_DNS_MAX_QUESTIONS);
    assert_string_equal(p->dns.q[0].name, "a.b");
    assert_string_equal(p->dns.q[3].name, "d.b");

    /* The sixth question is cut: the whole DNS layer is refused. */
    for (size_t cut = 0; cut < n; cut++) {
        memset(p, 0, sizeof *p);
        b = nd_buf(m, cut);
        assert_int_equal(nd_dissect_dns(p, &b), -1);
        assert_true(p->malformed);
        assert_false(ND_HAS(p, ND_L_DNS));
        assert_int_equal(p->dns.nquestions, 0);
    }
    /* Questions announced but absent. */
    memset(p, 0, sizeof *p);
    n = s_msg(m, 2, 1);
    b = nd_buf(m, n);
    assert_int_equal(nd_dissect_dns(p, &b), -1);
    assert_string_equal(p->malformed_reason, "dns: truncated name");
}

static void test_over_tcp(void **state)
{
    static uint8_t seg[1024];
    nd_packet_t *p = &t_pkt;
    /* Two messages in one segment: the first is read. */
    size_t n = s_msg(seg + 2, 1, 1);
    seg[0] = 0;
    seg[1] = (uint8_t)n;
    size_t n2 = s_msg(seg + 2 + n + 2, 1, 1);
    seg[2 + n] = 0;
    seg[2 + n + 1] = (uint8_t)n2;
    seg[2 + n + 2 + 12 + 1] = 'z';
    memset(p, 0, sizeof *p);
    nd_buf_t b = nd_buf(seg, 2 + n + 2 + n2);
    assert_int_equal(nd_dissect_dns_tcp(p, &b), 0);
    assert_true(ND_HAS(p, ND_L_DNS));
    assert_true(p->dns.over_tcp);
    assert_string_equal(p->dns.q[0].name, "a.b");

    /* Every cut is a possible continuation: neither DNS nor malformed. */
    for (size_t cut = 0; cut < 2 + n; cut++) {
        memset(p, 0, sizeof *p);
        b = nd_buf(seg, cut);
        assert_int_equal(nd_dissect_dns_tcp(p, &b), 0);
        assert_false(p->malformed);
        assert_false(ND_HAS(p, ND_L_DNS));
    }
    /* A message wholly inside the segment with a broken name is malformed. */
    seg[2 + 12] = 0xc0;
    seg[2 + 13] = 12; /* itself */
    memset(p, 0, sizeof *p);
    b = nd_buf(seg, 2 + n);
    assert_int_equal(nd_dissect_dns_tcp(p, &b), -1);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, "dns: compression loop");
    /* ...but not when the length prefix says it goes on in a later segment. */
    seg[1] = 200;
    memset(p, 0, sizeof *p);
    b = nd_buf(seg, 2 + n);
    assert_int_equal(nd_dissect_dns_tcp(p, &b), 0);
    assert_false(p->malformed);
}

/* The DNS bytes of the tcpdump "zlip" captures (name-compression loops). Their
 * UDP length field is 8, so tshark and tcpdump see no DNS message at all and
 * neither do we (see test_proto_pcaps.c); here the bytes after the UDP header,
 * to the IP total length, are fed to the DNS parser directly. */
static void s_zlip(const char *file, const char *want)
{
    uint32_t caplen = t_load(file, 1);
    size_t ip_total = (size_t)t_data[14 + 2] << 8 | t_data[14 + 3];
    assert_true(14 + ip_total <= caplen);
    size_t off = 14 + 20 + 8;
    nd_packet_t *p = &t_pkt;
    memset(p, 0, sizeof *p);
    nd_buf_t b = nd_buf(t_data + off, 14 + ip_total - off);
    assert_int_equal(nd_dissect_dns(p, &b), -1);
    assert_true(p->malformed);
    assert_string_equal(p->malformed_reason, want);
    assert_false(ND_HAS(p, ND_L_DNS));
}

static void test_zlip_payloads(void **state)
{
    /* 1: "c0 0c" at offset 12 points at itself. 2: "c0 0e" points forward.
     * 3: a label then "c0 0c" back to the label: the name points into itself. */
    s_zlip("tcpdump-dns-zlip-1.pcap", "dns: compression loop");
    s_zlip("tcpdump-dns-zlip-2.pcap", "dns: compression loop");
    s_zlip("tcpdump-dns-zlip-3.pcap", "dns: compression loop");
}

/* nd_dns_msg_*: every question of a message, however many, in order; the
 * ones before a broken question are read, none after it. */
static void test_msg_questions(void **state)
{
    uint8_t m[12 + 6 * 8] = {0x12, 0x34, 0x01, 0x00, 0, 6};
    for (size_t i = 0; i < 6; i++) {
        uint8_t *q = m + 12 + 8 * i;
        q[0] = 2;
        q[1] = 'q';
        q[2] = (uint8_t)('0' + i);
        q[3] = 0;
        q[4] = 0;
        q[5] = 1;
        q[6] = 0;
        q[7] = 1;
    }
    nd_dns_msg_t msg;
    char name[ND_DNS_NAME_MAX], want[8];
    uint16_t qtype, qclass;
    const char *why;
    assert_int_equal(nd_dns_msg_open(&msg, m, 11), ND_APP_MALFORMED);
    assert_int_equal(nd_dns_msg_open(&msg, m, sizeof m - 1), ND_APP_OK);
    assert_false(msg.qr);
    assert_int_equal(msg.opcode, 0);
    assert_int_equal(msg.qdcount, 6);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                         ND_APP_OK);
        snprintf(want, sizeof want, "q%zu", i);
        assert_string_equal(name, want);
        assert_int_equal(qtype, 1);
    }
    /* The last one lost its final byte. */
    assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                     ND_APP_MALFORMED);
    assert_string_equal(why, "dns: truncated question");
    assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                     ND_APP_NOT_MINE);
    /* Whole: all six, then the end. */
    assert_int_equal(nd_dns_msg_open(&msg, m, sizeof m), ND_APP_OK);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                         ND_APP_OK);
    assert_string_equal(name, "q5");
    assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                     ND_APP_NOT_MINE);
    /* A loop in the second question ends the message there. */
    m[12 + 8] = 0xc0;
    m[12 + 9] = 12 + 8;
    assert_int_equal(nd_dns_msg_open(&msg, m, sizeof m), ND_APP_OK);
    assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                     ND_APP_OK);
    assert_int_equal(nd_dns_msg_question(&msg, name, sizeof name, &qtype, &qclass, &why),
                     ND_APP_MALFORMED);
    assert_string_equal(why, "dns: compression loop");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_root),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_compression),
        cmocka_unit_test(test_pointer_hops),
        cmocka_unit_test(test_label_types_and_length),
        cmocka_unit_test(test_header_and_questions),
        cmocka_unit_test(test_over_tcp),
        cmocka_unit_test(test_zlip_payloads),
        cmocka_unit_test(test_msg_questions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
