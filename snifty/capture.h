/* SPDX-License-Identifier: MIT */
/* capture.h: opening nd-snifty's packet source with libpcap: a live interface
 * (a TPACKET_V3 ring of --buffer-size MiB with a short block timeout, or
 * --immediate; promiscuous) or a pcap/pcapng file, plus the BPF filter, with
 * an error message a user can act on for every failure; and watching the
 * capture's drop counters. */
#ifndef SN_CAPTURE_H
#define SN_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --buffer-size, MiB: the kernel ring, in blocks of 256 KiB. Bytes: 32 MiB
 * hold 100 ms of 1 Gb/s even of minimum-size frames (1.49 Mpps x ~144 bytes
 * each in the ring, header included). But below ~1 Gb/s a block is handed
 * over by its timeout, not full, so what the ring rides out is counted in
 * blocks: measured, each holds ~2 ms of traffic, and the 128 blocks of 32 MiB
 * covered a kitchen stalled for ~250 ms; a 10-minute soak at 100,000 packets/s
 * on a loaded machine still lost 2 packets with them. 256 blocks ride out
 * ~0.5 s (docs/performance.md). The kernel refuses a ring of 4 GiB or more. */
#define SN_BUFFER_MIB_DEFAULT 64
#define SN_BUFFER_MIB_MIN 1
#define SN_BUFFER_MIB_MAX 4095
/* --snaplen, bytes kept of each packet. The default is libpcap's (and
 * tcpdump's) maximum: whole packets, even those the NIC or the kernel merged
 * (GRO: up to 64 KiB), so that a TLS hello, HTTP headers or DNS over TCP are
 * never cut. In a TPACKET_V3 ring a packet takes its real length, not the
 * snaplen, so the default costs nothing; with --immediate it sizes every slot. */
#define SN_SNAPLEN_DEFAULT 262144
#define SN_SNAPLEN_MIN 64
#define SN_SNAPLEN_MAX 262144
/* The TPACKET_V3 block timeout, ms: the kernel hands over a block that is not
 * full after this long, which bounds the delay a quiet link adds
 * (docs/performance.md). */
#define SN_BLOCK_TIMEOUT_MS 1

typedef struct {
    int buffer_mib; /* the kernel ring, MiB */
    int snaplen;    /* bytes kept of each packet */
    bool immediate; /* per-packet delivery: TPACKET_V2, slots of snaplen */
} sn_capture_opts_t;

/* What the drop watch remembers between calls. Zero it before the first. */
typedef struct {
    double next_check, next_log; /* monotonic */
    unsigned int drop, ifdrop;   /* as of the last check */
    unsigned int logged_drop, logged_ifdrop;
} sn_drop_watch_t;

/* libpcap's default device (the first of pcap_findalldevs), written into buf.
 * Returns 0, or -1 with err set. */
int sn_default_device(char *buf, size_t len, char *err, size_t errlen);

/* Opens interface `dev` for live capture as `opts` say. Returns the handle,
 * or NULL with err set (unknown interface: names it and lists the available
 * ones; no permission: says root or CAP_NET_RAW is needed; a ring the kernel
 * will not make: says how big it was). */
pcap_t *sn_open_live(const char *dev, const sn_capture_opts_t *opts, char *err, size_t errlen);

/* The bytes of the kernel ring a live capture maps, or 0 when unknown. */
size_t sn_ring_bytes(pcap_t *pcap);

/* Reads the capture's drop counters (at most once a second: call it often)
 * and logs a warning when they grew: at once the first time, then at most
 * every 10 s with what was dropped since the last warning. */
void sn_drop_watch(pcap_t *pcap, const char *dev, sn_drop_watch_t *w);

/* Opens a capture file. Returns the handle, or NULL with err set (missing,
 * unreadable, not a capture). */
pcap_t *sn_open_file(const char *path, char *err, size_t errlen);

/* Checks that the dissector reads the handle's link type. Returns 0, or -1
 * with err naming the link type. */
int sn_check_linktype(pcap_t *pcap, char *err, size_t errlen);

/* What sn_set_filter() made of the filter. */
typedef enum {
    SN_FILTER_SET = 0,
    SN_FILTER_INVALID,       /* it does not compile: a usage error (libpcap's message in err) */
    SN_FILTER_NOT_INSTALLED, /* compiled, but the kernel would not take it (err says why) */
} sn_filter_result_t;

/* Compiles and installs `filter`. */
sn_filter_result_t sn_set_filter(pcap_t *pcap, const char *filter, char *err, size_t errlen);

#endif
