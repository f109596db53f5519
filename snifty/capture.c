/* SPDX-License-Identifier: MIT */
/* capture.c: opening nd-snifty's packet source with libpcap (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netdumplings/err.h"
#include "netdumplings/cli.h"
#include "netdumplings/log.h"
#include "netdumplings/packet.h"

#define SN_FILE_BUFFER (256 * 1024)
/* The drop watch: how often it reads the counters, and logs at most. */
#define SN_DROP_CHECK_S 1.0
#define SN_DROP_LOG_S 10.0

/* Writes "a, b, c" (the interfaces libpcap can open) into buf. */
static void s_list_devices(char *buf, size_t len)
{
    pcap_if_t *all = NULL;
    char errbuf[PCAP_ERRBUF_SIZE];
    size_t used = 0;
    buf[0] = '\0';
    if (pcap_findalldevs(&all, errbuf) != 0 || !all) {
        snprintf(buf, len, "(none found)");
        return;
    }
    for (pcap_if_t *d = all; d && used < len; d = d->next) {
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", d->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    pcap_freealldevs(all);
}

int sn_default_device(char *buf, size_t len, char *err, size_t errlen)
{
    pcap_if_t *all = NULL;
    char errbuf[PCAP_ERRBUF_SIZE];
    if (pcap_findalldevs(&all, errbuf) != 0)
        return nd_errf(err, errlen, "cannot list interfaces: %s", errbuf);
    if (!all) {
        nd_errf(err, errlen,
                "no interface to capture on (capturing needs root or CAP_NET_RAW); "
                "give one with -i");
        return -1;
    }
    /* libpcap sorts up, running, non-loopback interfaces first. */
    snprintf(buf, len, "%s", all->name);
    pcap_freealldevs(all);
    return 0;
}

size_t sn_ring_bytes(pcap_t *pcap)
{
    /* libpcap does not say how big a ring it made, and on ENOMEM it quietly
     * asks for less; the ring is the process's mapping of the socket. */
    struct stat st;
    if (fstat(pcap_fileno(pcap), &st) != 0)
        return 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return 0;
    char want[64], line[512];
    snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)st.st_ino);
    size_t bytes = 0;
    while (fgets(line, sizeof line, maps)) {
        unsigned long long lo, hi;
        if (strstr(line, want) && sscanf(line, "%llx-%llx", &lo, &hi) == 2 && hi > lo)
            bytes += (size_t)(hi - lo);
    }
    fclose(maps);
    return bytes;
}

pcap_t *sn_open_live(const char *dev, const sn_capture_opts_t *opts, char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(dev, errbuf);
    if (!p) {
        nd_errf(err, errlen, "cannot capture on '%s': %s", dev, errbuf);
        return NULL;
    }
    pcap_set_snaplen(p, opts->snaplen);
    pcap_set_promisc(p, 1);
    pcap_set_buffer_size(p, opts->buffer_mib * 1024 * 1024);
    /* Immediate mode makes libpcap fall back to TPACKET_V2, whose slots are
     * all snaplen long: a burst of more packets than the ring has slots is
     * lost in the kernel. Without it, TPACKET_V3 packs packets by their real
     * length into blocks, and the block timeout keeps dumplings fresh on a
     * quiet link (docs/performance.md has the measurements). */
    pcap_set_immediate_mode(p, opts->immediate);
    pcap_set_timeout(p, SN_BLOCK_TIMEOUT_MS);
    errno = 0;
    int rc = pcap_activate(p);
    if (rc < 0) {
        char devs[1024];
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            s_list_devices(devs, sizeof devs);
            nd_errf(err, errlen, "no such interface '%s'; available: %s", dev, devs);
            break;
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            nd_errf(err, errlen,
                    "no permission to capture on '%s': capturing needs root or the "
                    "CAP_NET_RAW capability (e.g. sudo setcap cap_net_raw,cap_net_admin=eip "
                    "nd-snifty) (%s)",
                    dev, pcap_geterr(p));
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            nd_errf(err, errlen, "interface '%s' is not up", dev);
            break;
        case PCAP_ERROR:
            /* The ring is the one big thing activating allocates. */
            if (errno == ENOMEM || errno == EINVAL) {
                nd_errf(err, errlen,
                        "cannot capture on '%s': the kernel would not make a %d MiB ring "
                        "(--buffer-size, %d-%d MiB; this host's free memory limits it): %s",
                        dev, opts->buffer_mib, SN_BUFFER_MIB_MIN, SN_BUFFER_MIB_MAX,
                        pcap_geterr(p));
                break;
            }
            /* fall through */
        default:
            nd_errf(err, errlen, "cannot capture on '%s': %s (%s)", dev, pcap_statustostr(rc),
                    pcap_geterr(p));
            break;
        }
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        nd_warn("capture on '%s': %s (%s)", dev, pcap_statustostr(rc), pcap_geterr(p));
    size_t asked = (size_t)opts->buffer_mib << 20, ring = sn_ring_bytes(p);
    if (ring && ring < asked - asked / 20) {
        nd_errf(err, errlen,
                "cannot capture on '%s': the kernel made a ring of %zu MiB, not the %d MiB "
                "asked (not enough free memory): give --buffer-size %zu or less",
                dev, ring >> 20, opts->buffer_mib, ring >> 20);
        pcap_close(p);
        return NULL;
    }
    return p;
}

void sn_drop_watch(pcap_t *pcap, const char *dev, sn_drop_watch_t *w)
{
    double now = nd_monotonic();
    if (now < w->next_check)
        return;
    w->next_check = now + SN_DROP_CHECK_S;
    struct pcap_stat ps;
    if (pcap_stats(pcap, &ps) != 0)
        return;
    w->drop = ps.ps_drop;
    w->ifdrop = ps.ps_ifdrop;
    /* Unsigned differences: right across a wrap of libpcap's 32-bit counters. */
    unsigned int drop = w->drop - w->logged_drop, ifdrop = w->ifdrop - w->logged_ifdrop;
    if ((drop == 0 && ifdrop == 0) || now < w->next_log)
        return;
    nd_warn("capture on '%s' is losing packets: %u dropped by the kernel (ring full), %u by the "
            "interface since %s (in all: %u, %u); a bigger --buffer-size or fewer chefs may help",
            dev, drop, ifdrop, w->next_log > 0 ? "the last warning" : "the start", w->drop,
            w->ifdrop);
    w->logged_drop = w->drop;
    w->logged_ifdrop = w->ifdrop;
    w->next_log = now + SN_DROP_LOG_S;
}

pcap_t *sn_open_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) != 0) {
            nd_errf(err, errlen, "cannot read capture file '%s': %s", path, strerror(errno));
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            nd_errf(err, errlen, "cannot read capture file '%s': it is a directory", path);
            return NULL;
        }
    }
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    /* Opened here rather than by libpcap for a bigger stdio buffer: with the
     * default 4 KiB, reading a capture costs a system call per ~20 packets. */
    errno = 0;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        nd_errf(err, errlen, "cannot read capture file '%s': %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, SN_FILE_BUFFER);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        nd_errf(err, errlen, "'%s' is not a pcap or pcapng capture file (libpcap: %s)", path,
                errbuf);
        if (fp != stdin)
            fclose(fp); /* libpcap closes it only once it has taken it */
    }
    return p;
}

int sn_check_linktype(pcap_t *pcap, char *err, size_t errlen)
{
    int dlt = pcap_datalink(pcap);
    if (nd_linktype_supported(dlt))
        return 0;
    const char *name = pcap_datalink_val_to_name(dlt);
    const char *descr = pcap_datalink_val_to_description(dlt);
    char num[32];
    snprintf(num, sizeof num, "DLT_%d", dlt);
    nd_errf(err, errlen,
            "link type %s (%s, %d) is not supported; supported: EN10MB, RAW, IPV4, IPV6, "
            "LINUX_SLL, LINUX_SLL2, NULL, LOOP, IEEE802_11, IEEE802_11_RADIO, PPI, PPP, "
            "PPP_SERIAL, PPP_ETHER, C_HDLC, FRELAY, MFR, SLIP, ATM_RFC1483, ATM_CLIP, NFLOG, "
            "IPNET, PKTAP",
            name ? name : num, descr ? descr : "no description", dlt);
    return -1;
}

sn_filter_result_t sn_set_filter(pcap_t *pcap, const char *filter, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        nd_errf(err, errlen, "invalid filter '%s': %s", filter, pcap_geterr(pcap));
        return SN_FILTER_INVALID;
    }
    int rc = pcap_setfilter(pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        nd_errf(err, errlen, "cannot install filter '%s': %s", filter, pcap_geterr(pcap));
        return SN_FILTER_NOT_INSTALLED;
    }
    return SN_FILTER_SET;
}
