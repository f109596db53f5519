/* capture.c: opening nd-snifty's packet source with libpcap (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "netdumplings/log.h"
#include "netdumplings/packet.h"

/* Big enough that a burst does not overflow the kernel ring while the chefs
 * work, small enough for any host. */
#define SN_BUFFER_SIZE (16 * 1024 * 1024)
#define SN_SNAPLEN 262144
#define SN_FILE_BUFFER (256 * 1024)

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
    if (pcap_findalldevs(&all, errbuf) != 0) {
        snprintf(err, errlen, "cannot list interfaces: %s", errbuf);
        return -1;
    }
    if (!all) {
        snprintf(err, errlen,
                 "no interface to capture on (capturing needs root or CAP_NET_RAW); "
                 "give one with -i");
        return -1;
    }
    /* libpcap sorts up, running, non-loopback interfaces first. */
    snprintf(buf, len, "%s", all->name);
    pcap_freealldevs(all);
    return 0;
}

pcap_t *sn_open_live(const char *dev, char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(dev, errbuf);
    if (!p) {
        snprintf(err, errlen, "cannot capture on '%s': %s", dev, errbuf);
        return NULL;
    }
    pcap_set_snaplen(p, SN_SNAPLEN);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, 100);
    pcap_set_buffer_size(p, SN_BUFFER_SIZE);
    /* Dumplings are about what happens now: deliver each packet at once
     * instead of when a kernel block fills. */
    pcap_set_immediate_mode(p, 1);
    int rc = pcap_activate(p);
    if (rc < 0) {
        char devs[1024];
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            s_list_devices(devs, sizeof devs);
            snprintf(err, errlen, "no such interface '%s'; available: %s", dev, devs);
            break;
        case PCAP_ERROR_PERM_DENIED:
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            snprintf(err, errlen,
                     "no permission to capture on '%s': capturing needs root or the "
                     "CAP_NET_RAW capability (e.g. sudo setcap cap_net_raw,cap_net_admin=eip "
                     "nd-snifty) (%s)",
                     dev, pcap_geterr(p));
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            snprintf(err, errlen, "interface '%s' is not up", dev);
            break;
        default:
            snprintf(err, errlen, "cannot capture on '%s': %s (%s)", dev, pcap_statustostr(rc),
                     pcap_geterr(p));
            break;
        }
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        nd_warn("capture on '%s': %s (%s)", dev, pcap_statustostr(rc), pcap_geterr(p));
    return p;
}

pcap_t *sn_open_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (strcmp(path, "-") != 0) {
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "cannot read capture file '%s': %s", path, strerror(errno));
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "cannot read capture file '%s': it is a directory", path);
            return NULL;
        }
    }
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    /* Opened here rather than by libpcap for a bigger stdio buffer: with the
     * default 4 KiB, reading a capture costs a system call per ~20 packets. */
    errno = 0;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot read capture file '%s': %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, SN_FILE_BUFFER);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        snprintf(err, errlen, "'%s' is not a pcap or pcapng capture file (libpcap: %s)", path,
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
    snprintf(err, errlen,
             "link type %s (%s, %d) is not supported; supported: EN10MB, RAW, IPV6, LINUX_SLL, "
             "LINUX_SLL2, NULL, LOOP",
             name ? name : num, descr ? descr : "no description", dlt);
    return -1;
}

int sn_set_filter(pcap_t *pcap, const char *filter, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (pcap_compile(pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "invalid filter '%s': %s", filter, pcap_geterr(pcap));
        return -1;
    }
    int rc = pcap_setfilter(pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "cannot install filter '%s': %s", filter, pcap_geterr(pcap));
        return -2;
    }
    return 0;
}
