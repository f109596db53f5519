/* SPDX-License-Identifier: MIT */
/* fuzz.h: what the libFuzzer targets, their plain-main replay driver and the
 * seed builder share: the entry point, the packet target's link-type table,
 * a check that aborts (assert() is compiled out in release builds) and the
 * JSON checks every decoded dumpling goes through. */
#ifndef ND_FUZZ_H
#define ND_FUZZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/dumpling.h"

/* libFuzzer's entry point; tests/fuzz/replay.c calls it too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_packet: the low 5 bits of the input's first byte pick one of these
 * DLT_* values (the numbers pcap_datalink() returns on Linux); the rest of the
 * input is the packet. The first eight are those of the 3-bit table this
 * replaced, so older inputs keep their link type when bits 3-4 are clear. */
#define ND_FUZZ_NLINKTYPES 32
static const int nd_fuzz_linktypes[ND_FUZZ_NLINKTYPES] = {
    1,   /* DLT_EN10MB */
    12,  /* DLT_RAW */
    228, /* DLT_IPV4 */
    229, /* DLT_IPV6 */
    113, /* DLT_LINUX_SLL */
    276, /* DLT_LINUX_SLL2 */
    0,   /* DLT_NULL */
    108, /* DLT_LOOP */
    105, /* DLT_IEEE802_11 */
    127, /* DLT_IEEE802_11_RADIO */
    192, /* DLT_PPI */
    9,   /* DLT_PPP */
    50,  /* DLT_PPP_SERIAL */
    51,  /* DLT_PPP_ETHER */
    104, /* DLT_C_HDLC */
    107, /* DLT_FRELAY */
    182, /* DLT_MFR */
    8,   /* DLT_SLIP */
    11,  /* DLT_ATM_RFC1483 */
    19,  /* DLT_ATM_CLIP */
    239, /* DLT_NFLOG */
    226, /* DLT_IPNET */
    258, /* DLT_PKTAP */
    204, /* DLT_PPP_WITH_DIR */
    205, /* DLT_C_HDLC_WITH_DIR */
    206, /* DLT_FRELAY_WITH_DIR */
    1,   /* Ethernet again, below: the tunnels hide behind it */
    1,   1, 1, 1, 1,
};

/* The first byte that selects `linktype`, or -1 when the target has no slot for
 * it. LINKTYPE_RAW (101) and OpenBSD's DLT_RAW (14) read as DLT_RAW; the
 * file values of the ATM link types as their DLT_* values. */
static inline int nd_fuzz_linktype_byte(int linktype)
{
    if (linktype == 101 || linktype == 14)
        linktype = 12;
    if (linktype == 100)
        linktype = 11;
    if (linktype == 106)
        linktype = 19;
    for (int i = 0; i < ND_FUZZ_NLINKTYPES; i++)
        if (nd_fuzz_linktypes[i] == linktype)
            return i;
    return -1;
}

/* A broken invariant: print why and abort, which libFuzzer reports as a crash
 * and the replay driver as a failed test. */
#define ND_FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The dumpling's JSON text as json_dumps(nd_dumpling_to_json(), JSON_COMPACT)
 * writes it, after checking that it exists and that nd_dumpling_json_text(),
 * the gateway's jansson-free writer, gives the very same bytes. The caller
 * frees the text. */
static inline char *nd_fuzz_dumpling_json(const nd_dumpling_t *d, bool seconds)
{
    json_t *j = nd_dumpling_to_json(d, seconds);
    ND_FUZZ_CHECK(j, "a valid dumpling has no JSON form");
    char *text = json_dumps(j, JSON_COMPACT);
    ND_FUZZ_CHECK(text, "json_dumps failed on a valid dumpling");
    json_decref(j);
    nd_strbuf_t fast = {0};
    ND_FUZZ_CHECK(nd_dumpling_json_text(d, seconds, &fast) == 0,
                  "nd_dumpling_json_text failed where jansson wrote\n%s", text);
    ND_FUZZ_CHECK(fast.len == strlen(text) && memcmp(fast.data, text, fast.len) == 0,
                  "nd_dumpling_json_text and jansson differ:\n%s\n%s", fast.data, text);
    nd_strbuf_release(&fast);
    return text;
}

#endif
