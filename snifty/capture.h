/* capture.h: opening nd-snifty's packet source with libpcap: a live interface
 * (large buffer, immediate mode, promiscuous) or a pcap/pcapng file, plus the
 * BPF filter, with an error message a user can act on for every failure. */
#ifndef SN_CAPTURE_H
#define SN_CAPTURE_H

#include <pcap/pcap.h>
#include <stddef.h>

/* libpcap's default device (the first of pcap_findalldevs), written into buf.
 * Returns 0, or -1 with err set. */
int sn_default_device(char *buf, size_t len, char *err, size_t errlen);

/* Opens interface `dev` for live capture. Returns the handle, or NULL with err
 * set (unknown interface: names it and lists the available ones; no
 * permission: says root or CAP_NET_RAW is needed). */
pcap_t *sn_open_live(const char *dev, char *err, size_t errlen);

/* Opens a capture file. Returns the handle, or NULL with err set (missing,
 * unreadable, not a capture). */
pcap_t *sn_open_file(const char *path, char *err, size_t errlen);

/* Checks that the dissector reads the handle's link type. Returns 0, or -1
 * with err naming the link type. */
int sn_check_linktype(pcap_t *pcap, char *err, size_t errlen);

/* Compiles and installs `filter`. Returns 0, -1 when it does not compile (a
 * usage error: libpcap's message and the filter in err), -2 when the compiled
 * filter could not be installed. */
int sn_set_filter(pcap_t *pcap, const char *filter, char *err, size_t errlen);

#endif
