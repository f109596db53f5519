/* SPDX-License-Identifier: MIT */
/* buf.h: a bounds-checked reader over untrusted bytes. Every dissector reads
 * packets only through this: a read past the end returns zero and sets a sticky
 * error flag instead of touching memory it does not own. */
#ifndef ND_BUF_H
#define ND_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t off;
    bool err; /* set by any read or skip that did not fit */
} nd_buf_t;

static inline nd_buf_t nd_buf(const uint8_t *data, size_t len)
{
    nd_buf_t b = {data, len, 0, false};
    return b;
}

static inline size_t nd_buf_left(const nd_buf_t *b)
{
    return b->off <= b->len ? b->len - b->off : 0;
}

static inline bool nd_buf_has(nd_buf_t *b, size_t n)
{
    if (b->err || nd_buf_left(b) < n) {
        b->err = true;
        return false;
    }
    return true;
}

static inline const uint8_t *nd_buf_ptr(const nd_buf_t *b)
{
    return b->data + b->off;
}

static inline uint8_t nd_buf_u8(nd_buf_t *b)
{
    if (!nd_buf_has(b, 1))
        return 0;
    return b->data[b->off++];
}

static inline uint16_t nd_buf_be16(nd_buf_t *b)
{
    if (!nd_buf_has(b, 2))
        return 0;
    uint16_t v = (uint16_t)(b->data[b->off] << 8 | b->data[b->off + 1]);
    b->off += 2;
    return v;
}

static inline uint32_t nd_buf_be32(nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return 0;
    const uint8_t *p = b->data + b->off;
    b->off += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t nd_buf_le32(nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return 0;
    const uint8_t *p = b->data + b->off;
    b->off += 4;
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Copies n bytes out; on a short buffer zero-fills `out` and sets err. */
static inline bool nd_buf_copy(nd_buf_t *b, void *out, size_t n)
{
    if (!nd_buf_has(b, n)) {
        memset(out, 0, n);
        return false;
    }
    memcpy(out, b->data + b->off, n);
    b->off += n;
    return true;
}

static inline bool nd_buf_skip(nd_buf_t *b, size_t n)
{
    if (!nd_buf_has(b, n))
        return false;
    b->off += n;
    return true;
}

/* A reader over the next n bytes (advancing this one past them). */
static inline nd_buf_t nd_buf_sub(nd_buf_t *b, size_t n)
{
    nd_buf_t s = {NULL, 0, 0, true};
    if (!nd_buf_has(b, n))
        return s;
    s = nd_buf(b->data + b->off, n);
    b->off += n;
    return s;
}

#endif
