/* SPDX-License-Identifier: MIT */
/* quic.c: QUIC Initial packets from the client, RFC 9000 17.2 and 19, with
 * their protection removed as RFC 9001 5 says (v2: RFC 9369 3): keys from
 * the client's Destination Connection ID and the version's salt, header
 * protection (AES-128-ECB of a sample), then AEAD_AES_128_GCM. The CRYPTO
 * frames of a connection are put back together by offset until the
 * ClientHello they carry is whole. libcrypto does every cipher and HKDF. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "netdumplings/quic.h"
#include "proto.h"

#define S_CID_MAX 20 /* RFC 9000 17.2: a connection ID has at most 20 bytes */
/* The longest ClientHello kept: a TLS record's worth (app.h). */
#define S_HELLO_MAX (ND_TLS_MAX_RECORD - 5)
#define S_TAG 16    /* AEAD tag */
#define S_SAMPLE 16 /* header protection sample */

/* Frame types met in Initial packets (RFC 9000 12.4, 19). */
#define S_F_PADDING 0x00
#define S_F_PING 0x01
#define S_F_ACK 0x02
#define S_F_ACK_ECN 0x03
#define S_F_CRYPTO 0x06
#define S_F_CLOSE 0x1c
/* Google's T050 and T051 keep gQUIC's frames: CRYPTO is 0x08 there (with
 * the same offset and length varints). */
#define S_F_GQUIC_CRYPTO 0x08

/* ---- Versions and keys -------------------------------------------------- */

static const uint8_t s_salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t s_salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
/* draft-ietf-quic-v2-01 (version 0x709a50c4). */
static const uint8_t s_salt_v2_draft[20] = {0xa7, 0x07, 0xc2, 0x03, 0xa5, 0x9b, 0x47,
                                            0x18, 0x4a, 0x1d, 0x62, 0xca, 0x57, 0x04,
                                            0x06, 0xea, 0x7a, 0xe3, 0xe5, 0xd3};
static const uint8_t s_salt_d22[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                       0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
static const uint8_t s_salt_d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                       0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
static const uint8_t s_salt_d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                       0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
/* Google's QUIC with TLS, T050 and T051. */
static const uint8_t s_salt_t50[20] = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                                       0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
static const uint8_t s_salt_t51[20] = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                                       0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

#define S_V1 0x00000001u
#define S_V2 0x6b3343cfu
#define S_V2_DRAFT 0x709a50c4u

static bool s_is_v2(uint32_t v)
{
    return v == S_V2 || v == S_V2_DRAFT;
}

static bool s_is_gquic(uint32_t v)
{
    return v == 0x54303530u || v == 0x54303531u;
}

/* The version's salt, NULL when unknown. Drafts as their salts changed:
 * up to 22, 23-28, 29-32, then v1's (33, 34); mvfst's versions are drafts 22
 * and 27; the 0x?a?a?a?a versions that force version negotiation (RFC 9000
 * 15) carry no salt of their own, and clients use draft 29's (as tshark
 * assumes). */
static const uint8_t *s_salt(uint32_t v)
{
    if (v == S_V1)
        return s_salt_v1;
    if (v == S_V2)
        return s_salt_v2;
    if (v == S_V2_DRAFT)
        return s_salt_v2_draft;
    if (v == 0x54303530u) /* T050 */
        return s_salt_t50;
    if (v == 0x54303531u) /* T051 */
        return s_salt_t51;
    if (v == 0xfaceb001u)
        return s_salt_d22;
    if (v == 0xfaceb002u || v == 0xfaceb00eu)
        return s_salt_d23;
    if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au)
        return s_salt_d29;
    if ((v >> 8) == 0xff0000u) {
        unsigned draft = v & 0xff;
        if (draft < 22)
            return NULL; /* other packet formats */
        if (draft == 22)
            return s_salt_d22;
        if (draft <= 28)
            return s_salt_d23;
        if (draft <= 32)
            return s_salt_d29;
        if (draft <= 34)
            return s_salt_v1;
    }
    return NULL;
}

bool nd_quic_version_known(uint32_t version)
{
    return s_salt(version) != NULL;
}

static int s_hkdf(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *key,
                  size_t key_len, const uint8_t *info, size_t info_len, uint8_t *out,
                  size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!ctx)
        return -1;
    OSSL_PARAM params[6], *p = params;
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    int rc = EVP_KDF_derive(ctx, out, out_len, params) > 0 ? 0 : -1;
    EVP_KDF_CTX_free(ctx);
    return rc;
}

int nd_quic_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                         uint8_t prk[32])
{
    /* An empty connection ID is legal (a zero-length key is not to
     * OpenSSL): HMAC pads the key with zeros, so one zero byte is the same. */
    static const uint8_t zero = 0;
    if (ikm_len == 0) {
        ikm = &zero;
        ikm_len = 1;
    }
    return s_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL, 0, prk, 32);
}

int nd_quic_hkdf_expand_label(const uint8_t secret[32], const char *label, uint8_t *out,
                              size_t out_len)
{
    /* HkdfLabel: length (2), "tls13 " + label (1 + n), context (1 + 0). */
    uint8_t info[2 + 1 + 255 + 1];
    size_t n = strlen(label);
    if (n > 255 - 6 || out_len > 0xffff)
        return -1;
    size_t i = 0;
    info[i++] = (uint8_t)(out_len >> 8);
    info[i++] = (uint8_t)out_len;
    info[i++] = (uint8_t)(6 + n);
    memcpy(info + i, "tls13 ", 6);
    i += 6;
    memcpy(info + i, label, n);
    i += n;
    info[i++] = 0;
    return s_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, secret, 32, info, i, out, out_len);
}

int nd_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                         nd_quic_keys_t *out)
{
    const uint8_t *salt = s_salt(version);
    uint8_t initial[32], secret[32];
    memset(out, 0, sizeof *out);
    if (!salt || nd_quic_hkdf_extract(salt, 20, dcid, dcid_len, initial) < 0 ||
        nd_quic_hkdf_expand_label(initial, server ? "server in" : "client in", secret, 32) < 0)
        return -1;
    bool v2 = s_is_v2(version);
    int rc = 0;
    rc |= nd_quic_hkdf_expand_label(secret, v2 ? "quicv2 key" : "quic key", out->key, 16);
    rc |= nd_quic_hkdf_expand_label(secret, v2 ? "quicv2 iv" : "quic iv", out->iv, 12);
    rc |= nd_quic_hkdf_expand_label(secret, v2 ? "quicv2 hp" : "quic hp", out->hp, 16);
    return rc ? -1 : 0;
}

/* ---- The connection table ----------------------------------------------- */

typedef struct {
    bool used;
    bool done; /* the hello was reported (or given up): later packets are not read */
    uint32_t version;
    nd_ip_t src, dst; /* client, server */
    uint16_t sport, dport;
    uint8_t dcid[S_CID_MAX], dcid_len; /* the Destination Connection ID last seen */
    uint8_t scid[S_CID_MAX], scid_len; /* the client's Source Connection ID */
    nd_quic_keys_t keys;               /* from the client's first DCID */
    double last;                       /* capture time of its last packet */
    size_t hello_len;                  /* the hello's length once its header came, else 0 */
    uint8_t *data;                     /* S_HELLO_MAX bytes of CRYPTO stream */
    uint8_t *have;                     /* a bit per byte of data that arrived */
} s_flow_t;

struct nd_quic {
    size_t max_flows;
    double timeout;
    double expired_at; /* capture time of the last s_expire() scan */
    s_flow_t *flows;
    EVP_CIPHER_CTX *ecb, *gcm;
    uint64_t counts[ND_QUIC__COUNT];
    uint8_t work[65536]; /* one packet, its header protection removed */
    uint8_t plain[65536];
};

nd_quic_t *nd_quic_new(size_t max_flows, double timeout)
{
    if (max_flows == 0)
        max_flows = 1;
    nd_quic_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->max_flows = max_flows;
    q->timeout = timeout;
    q->flows = calloc(max_flows, sizeof *q->flows);
    q->ecb = EVP_CIPHER_CTX_new();
    q->gcm = EVP_CIPHER_CTX_new();
    if (!q->flows || !q->ecb || !q->gcm)
        nd_quic_destroy(&q);
    return q;
}

static void s_flow_free(s_flow_t *f)
{
    free(f->data);
    free(f->have);
    memset(f, 0, sizeof *f);
}

void nd_quic_destroy(nd_quic_t **qp)
{
    nd_quic_t *q = qp ? *qp : NULL;
    if (!q)
        return;
    if (q->flows)
        for (size_t i = 0; i < q->max_flows; i++)
            s_flow_free(&q->flows[i]);
    free(q->flows);
    EVP_CIPHER_CTX_free(q->ecb);
    EVP_CIPHER_CTX_free(q->gcm);
    free(q);
    *qp = NULL;
}

uint64_t nd_quic_count(const nd_quic_t *q, nd_quic_count_t which)
{
    return q && (unsigned)which < ND_QUIC__COUNT ? q->counts[which] : 0;
}

/* The client side of the packet's addresses is (src, sport) when `fwd`. */
static bool s_same_path(const s_flow_t *f, const nd_packet_t *pkt, bool fwd)
{
    if (fwd)
        return f->sport == pkt->sport && f->dport == pkt->dport &&
               nd_ip_equal(&f->src, &pkt->src) && nd_ip_equal(&f->dst, &pkt->dst);
    return f->sport == pkt->dport && f->dport == pkt->sport && nd_ip_equal(&f->src, &pkt->dst) &&
           nd_ip_equal(&f->dst, &pkt->src);
}

/* Forgets what timed out; gives a pending flow that goes up. The table is
 * scanned at most once a second of capture time, not for every Initial. */
static void s_expire(nd_quic_t *q, double now)
{
    if (now >= q->expired_at && now - q->expired_at < 1.0)
        return;
    q->expired_at = now;
    for (size_t i = 0; i < q->max_flows; i++) {
        s_flow_t *f = &q->flows[i];
        if (f->used && now - f->last > q->timeout) {
            if (!f->done)
                q->counts[ND_QUIC_GIVEN_UP]++;
            s_flow_free(f);
        }
    }
}

static s_flow_t *s_by_dcid(nd_quic_t *q, const uint8_t *dcid, size_t len)
{
    for (size_t i = 0; i < q->max_flows; i++) {
        s_flow_t *f = &q->flows[i];
        if (f->used && f->dcid_len == len && memcmp(f->dcid, dcid, len) == 0)
            return f;
    }
    return NULL;
}

/* A connection on the same path from the same client Source Connection ID:
 * the client's later Initial packets after it took the server's connection
 * ID (RFC 9000 7.2), or its new Initial after a Retry (17.2.5.2). */
static s_flow_t *s_by_path(nd_quic_t *q, const nd_packet_t *pkt, const uint8_t *scid,
                           size_t scid_len)
{
    for (size_t i = 0; i < q->max_flows; i++) {
        s_flow_t *f = &q->flows[i];
        if (f->used && f->scid_len == scid_len && memcmp(f->scid, scid, scid_len) == 0 &&
            s_same_path(f, pkt, true))
            return f;
    }
    return NULL;
}

static bool s_server_side(nd_quic_t *q, const nd_packet_t *pkt)
{
    for (size_t i = 0; i < q->max_flows; i++)
        if (q->flows[i].used && s_same_path(&q->flows[i], pkt, false))
            return true;
    return false;
}

/* A free slot, else the one seen longest ago. */
static s_flow_t *s_slot(nd_quic_t *q)
{
    s_flow_t *oldest = &q->flows[0];
    for (size_t i = 0; i < q->max_flows; i++) {
        if (!q->flows[i].used)
            return &q->flows[i];
        if (q->flows[i].last < oldest->last)
            oldest = &q->flows[i];
    }
    if (!oldest->done)
        q->counts[ND_QUIC_GIVEN_UP]++;
    s_flow_free(oldest);
    return oldest;
}

/* ---- One packet ----------------------------------------------------------- */

/* A variable-length integer (RFC 9000 16). */
static uint64_t s_varint(nd_buf_t *b)
{
    uint8_t first = nd_buf_u8(b);
    size_t len = (size_t)1 << (first >> 6);
    uint64_t v = first & 0x3f;
    for (size_t i = 1; i < len; i++)
        v = v << 8 | nd_buf_u8(b);
    return v;
}

/* A long-header packet's fields up to its payload. */
typedef struct {
    uint32_t version;
    bool initial;
    const uint8_t *dcid, *scid;
    size_t dcid_len, scid_len;
    size_t pn_off; /* where the packet number starts */
    size_t len;    /* the whole packet: header, packet number, payload */
} s_long_t;

/* Reads the long header at the start of `b` (which holds the rest of the
 * datagram). 1: a packet of a known version (b advanced past it), 0: not
 * one (a short header, Version Negotiation, an unknown version, a Retry:
 * what follows cannot be delimited), -1: cut short. */
static int s_long_header(nd_buf_t *b, s_long_t *h)
{
    const uint8_t *start = nd_buf_ptr(b);
    uint8_t first = nd_buf_u8(b);
    if (b->err || !(first & 0x80))
        return 0;
    h->version = nd_buf_be32(b);
    if (b->err || !nd_quic_version_known(h->version))
        return 0;
    unsigned type = (first >> 4) & 3;
    /* Packet types: v1 Initial 0, 0-RTT 1, Handshake 2, Retry 3; v2 rotates
     * them (Initial 1, 0-RTT 2, Handshake 3, Retry 0). */
    unsigned retry = s_is_v2(h->version) ? 0 : 3;
    h->initial = type == (s_is_v2(h->version) ? 1u : 0u);
    h->dcid_len = nd_buf_u8(b);
    h->dcid = nd_buf_ptr(b);
    if (h->dcid_len > S_CID_MAX || !nd_buf_skip(b, h->dcid_len))
        return b->err ? -1 : 0;
    h->scid_len = nd_buf_u8(b);
    h->scid = nd_buf_ptr(b);
    if (h->scid_len > S_CID_MAX || !nd_buf_skip(b, h->scid_len))
        return b->err ? -1 : 0;
    if (type == retry)
        return 0;
    if (h->initial) {
        uint64_t token = s_varint(b);
        if (b->err || token > nd_buf_left(b))
            return -1;
        nd_buf_skip(b, (size_t)token);
    }
    uint64_t len = s_varint(b);
    if (b->err || len > nd_buf_left(b))
        return -1;
    h->pn_off = (size_t)(nd_buf_ptr(b) - start);
    nd_buf_skip(b, (size_t)len);
    h->len = h->pn_off + (size_t)len;
    return 1;
}

/* Removes header protection and decrypts the Initial packet `p` (h->len
 * bytes) with `k` into q->plain. Returns the plaintext's length, or -1 when
 * it does not authenticate. */
static long s_decrypt(nd_quic_t *q, const uint8_t *p, const s_long_t *h, const nd_quic_keys_t *k)
{
    /* The sample starts 4 bytes past the packet number's start (RFC 9001
     * 5.4.2), and the packet must hold a tag after it. */
    if (h->len < h->pn_off + 4 + S_SAMPLE || h->len > sizeof q->work)
        return -1;
    uint8_t mask[16 + 16];
    int outl = 0, n = 0;
    if (EVP_EncryptInit_ex(q->ecb, EVP_aes_128_ecb(), NULL, k->hp, NULL) <= 0 ||
        EVP_CIPHER_CTX_set_padding(q->ecb, 0) <= 0 ||
        EVP_EncryptUpdate(q->ecb, mask, &outl, p + h->pn_off + 4, S_SAMPLE) <= 0 || outl != 16)
        return -1;
    memcpy(q->work, p, h->len);
    q->work[0] ^= mask[0] & 0x0f;
    size_t pn_len = (size_t)(q->work[0] & 3) + 1;
    uint64_t pn = 0;
    for (size_t i = 0; i < pn_len; i++) {
        q->work[h->pn_off + i] ^= mask[1 + i];
        pn = pn << 8 | q->work[h->pn_off + i];
    }
    size_t hdr = h->pn_off + pn_len;
    if (h->len < hdr + S_TAG)
        return -1;
    size_t ct_len = h->len - hdr - S_TAG;
    /* The nonce: the IV with the packet number XORed into its end. An
     * Initial packet number is small, so the truncated one is the whole. */
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (size_t i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    if (EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) <= 0 ||
        EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) <= 0 ||
        EVP_DecryptInit_ex(q->gcm, NULL, NULL, k->key, nonce) <= 0 ||
        EVP_DecryptUpdate(q->gcm, NULL, &outl, q->work, (int)hdr) <= 0 ||
        EVP_DecryptUpdate(q->gcm, q->plain, &outl, q->work + hdr, (int)ct_len) <= 0 ||
        EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_TAG, S_TAG, q->work + hdr + ct_len) <= 0 ||
        EVP_DecryptFinal_ex(q->gcm, q->plain + outl, &n) <= 0)
        return -1;
    return (long)ct_len;
}

static bool s_have(const s_flow_t *f, size_t i)
{
    return f->have[i / 8] >> (i % 8) & 1;
}

/* Keeps the bytes of a CRYPTO frame that fall inside the buffer. */
static void s_crypto(s_flow_t *f, uint64_t off, const uint8_t *p, size_t len)
{
    if (off >= S_HELLO_MAX)
        return;
    if (len > S_HELLO_MAX - off)
        len = (size_t)(S_HELLO_MAX - off);
    for (size_t i = 0; i < len; i++) {
        size_t at = (size_t)off + i;
        if (!s_have(f, at)) { /* first copy wins */
            f->data[at] = p[i];
            f->have[at / 8] |= (uint8_t)(1u << (at % 8));
        }
    }
}

/* Walks the frames of a decrypted Initial payload into `f`. Returns 0, or
 * -1 at a frame that runs past the payload or one that has no place in an
 * Initial packet: the frames before it are kept (the packet authenticated),
 * what follows cannot be delimited. */
static int s_frames(s_flow_t *f, const uint8_t *p, size_t n)
{
    nd_buf_t b = nd_buf(p, n);
    while (nd_buf_left(&b) > 0) {
        uint64_t type = s_varint(&b);
        if (type == S_F_GQUIC_CRYPTO && s_is_gquic(f->version))
            type = S_F_CRYPTO;
        switch (type) {
        case S_F_PADDING:
        case S_F_PING:
            break;
        case S_F_ACK:
        case S_F_ACK_ECN: {
            s_varint(&b); /* largest acknowledged */
            s_varint(&b); /* delay */
            uint64_t ranges = s_varint(&b);
            s_varint(&b); /* first range */
            for (uint64_t i = 0; i < ranges && !b.err; i++) {
                s_varint(&b); /* gap */
                s_varint(&b); /* range length */
            }
            if (type == S_F_ACK_ECN)
                for (int i = 0; i < 3; i++)
                    s_varint(&b);
            break;
        }
        case S_F_CRYPTO: {
            uint64_t off = s_varint(&b);
            uint64_t len = s_varint(&b);
            if (b.err || len > nd_buf_left(&b))
                return -1;
            s_crypto(f, off, nd_buf_ptr(&b), (size_t)len);
            nd_buf_skip(&b, (size_t)len);
            break;
        }
        case S_F_CLOSE: {
            s_varint(&b); /* error code */
            s_varint(&b); /* frame type */
            uint64_t len = s_varint(&b);
            if (b.err || len > nd_buf_left(&b))
                return -1;
            nd_buf_skip(&b, (size_t)len);
            break;
        }
        default:
            return -1;
        }
        if (b.err)
            return -1;
    }
    return 0;
}

/* Whether the flow's hello is whole: ND_APP_OK (parsed into out),
 * ND_APP_INCOMPLETE, or ND_APP_MALFORMED (not a ClientHello, too big,
 * broken). */
static int s_hello(nd_quic_t *q, s_flow_t *f, nd_tls_hello_t *out)
{
    if (!f->hello_len) {
        for (size_t i = 0; i < 4; i++)
            if (!s_have(f, i))
                return ND_APP_INCOMPLETE;
        if (f->data[0] != 1) /* ClientHello */
            return ND_APP_MALFORMED;
        f->hello_len = 4 + ((size_t)f->data[1] << 16 | (size_t)f->data[2] << 8 | f->data[3]);
        if (f->hello_len > S_HELLO_MAX) {
            q->counts[ND_QUIC_GIVEN_UP]++;
            return ND_APP_MALFORMED;
        }
    }
    for (size_t i = 0; i < f->hello_len; i++)
        if (!s_have(f, i))
            return ND_APP_INCOMPLETE;
    return nd_tls_handshake_hello(f->data, f->hello_len, out) == ND_APP_OK ? ND_APP_OK
                                                                           : ND_APP_MALFORMED;
}

static void s_flow_keys(s_flow_t *f, const s_long_t *h, const nd_quic_keys_t *k)
{
    f->version = h->version;
    memcpy(f->dcid, h->dcid, h->dcid_len);
    f->dcid_len = (uint8_t)h->dcid_len;
    if (k)
        f->keys = *k;
}

/* One Initial packet from the client. */
static int s_initial(nd_quic_t *q, const nd_packet_t *pkt, const uint8_t *p, const s_long_t *h,
                     nd_tls_hello_t *out)
{
    nd_quic_keys_t own;
    long n = -1;
    s_expire(q, pkt->ts);
    /* The connection: by this Destination Connection ID, else by path and
     * the client's Source Connection ID. Its keys first (the client's later
     * packets to the server's connection ID keep the first keys, RFC 9001
     * 5.2), then this packet's own: a new Initial after a Retry or a
     * Version Negotiation (another DCID or version) restarts the same
     * hello, which is not reported twice. */
    s_flow_t *f = s_by_dcid(q, h->dcid, h->dcid_len);
    if (!f)
        f = s_by_path(q, pkt, h->scid, h->scid_len);
    if (f && f->version == h->version && (n = s_decrypt(q, p, h, &f->keys)) >= 0) {
        s_flow_keys(f, h, NULL);
    } else if (nd_quic_initial_keys(h->version, h->dcid, h->dcid_len, false, &own) == 0 &&
               (n = s_decrypt(q, p, h, &own)) >= 0) {
        if (f) {
            s_flow_keys(f, h, &own);
        } else {
            f = s_slot(q);
            f->data = malloc(S_HELLO_MAX);
            f->have = calloc(1, (S_HELLO_MAX + 7) / 8);
            if (!f->data || !f->have) {
                s_flow_free(f);
                return ND_APP_NOT_MINE;
            }
            f->used = true;
            f->src = pkt->src;
            f->dst = pkt->dst;
            f->sport = pkt->sport;
            f->dport = pkt->dport;
            memcpy(f->scid, h->scid, h->scid_len);
            f->scid_len = (uint8_t)h->scid_len;
            s_flow_keys(f, h, &own);
        }
    }
    if (n < 0) {
        /* A server's Initial on a connection we follow is expected not to
         * open with the client's keys; anything else is counted. */
        if (s_server_side(q, pkt))
            return ND_APP_NOT_MINE;
        q->counts[ND_QUIC_UNDECRYPTABLE]++;
        return ND_APP_MALFORMED;
    }
    f->last = pkt->ts;
    if (f->done)
        return ND_APP_NOT_MINE;
    s_frames(f, q->plain, (size_t)n);
    int rc = s_hello(q, f, out);
    if (rc != ND_APP_INCOMPLETE) {
        /* Reported or given up: keep the connection, not its bytes, so
         * that a retransmitted hello is not read again. */
        f->done = true;
        free(f->data);
        free(f->have);
        f->data = f->have = NULL;
        if (rc == ND_APP_OK)
            q->counts[ND_QUIC_HELLOS]++;
    }
    return rc;
}

int nd_quic_client_hello(nd_quic_t *q, const nd_packet_t *pkt, nd_tls_hello_t *out)
{
    memset(out, 0, sizeof *out);
    if (!q || !pkt->l7 || pkt->l7_len == 0 || !(pkt->l7[0] & 0x80))
        return ND_APP_NOT_MINE;
    nd_buf_t b = nd_buf(pkt->l7, pkt->l7_len);
    int result = ND_APP_NOT_MINE;
    /* Coalesced packets (RFC 9000 12.2): each long header says its length. */
    while (nd_buf_left(&b) > 0) {
        const uint8_t *p = nd_buf_ptr(&b);
        s_long_t h;
        int rc = s_long_header(&b, &h);
        if (rc < 0) { /* cut short: nothing to decrypt */
            q->counts[ND_QUIC_UNDECRYPTABLE]++;
            return ND_APP_MALFORMED;
        }
        if (rc == 0)
            break;
        if (!h.initial)
            continue;
        rc = s_initial(q, pkt, p, &h, out);
        if (rc == ND_APP_OK)
            return ND_APP_OK;
        if (rc == ND_APP_MALFORMED || result == ND_APP_NOT_MINE)
            result = rc;
    }
    return result;
}
