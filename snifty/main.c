/* SPDX-License-Identifier: MIT */
/* main.c: nd-snifty, the kitchen: captures packets (live or from a file), runs
 * the chefs on them, and publishes their dumplings to the hub (or prints them
 * as JSON lines with --stdout). Opening the capture is in capture.c, the hub
 * connection in publish.c. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "builtin.h"
#include "capture.h"
#include "modules.h"
#include "heartbeat.h"
#include "netdumplings/address.h"
#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"
#include "netdumplings/log.h"
#include "netdumplings/packet.h"
#include "netdumplings/curve.h"
#include "privs.h"
#include "publish.h"

#define SN_MAX_CHEFS 64
#define SN_MAX_CHEF_OPTS 64
#define SN_MAX_MODULES 32

typedef struct {
    /* Options. */
    const char *interface;
    const char *file;
    bool realtime;
    const char *filter;
    const char *kitchen_name;
    const char *hub;
    const char *chefs[SN_MAX_CHEFS];
    size_t nchefs;
    const char *chef_opts[SN_MAX_CHEF_OPTS];
    size_t nchef_opts;
    const char *modules[SN_MAX_MODULES]; /* --chef-module, in order */
    size_t nmodules;
    bool chef_list;
    double poke_interval;
    double linger;
    bool to_stdout;
    const char *user;          /* --user: drop to it after opening the capture */
    sn_capture_opts_t capture; /* --buffer-size, --snaplen, --immediate */

    /* State. */
    pcap_t *pcap;
    int linktype;
    nd_kitchen_t *kitchen;
    sn_modules_t *mods; /* the built-in chefs and those of every --chef-module */
    sn_pub_t *pub;
    sn_heartbeat_t *hb; /* NULL with --stdout */
    nd_dumpling_t out;  /* --stdout: decoded to print */
    nd_packet_t pkt;
    nd_dissect_stats_t dstats;
    sn_drop_watch_t drops; /* live: warns when the capture drops packets */
    double next_poke;      /* offline: capture time; live: monotonic */
    double first_ts;       /* offline: the first packet's time, for --speed realtime */
    double start_mono;     /* offline: when the first packet was handled */
    double last_ts;        /* the latest packet's time */
    bool have_packet;
} sn_t;

/* A setup step's answer when the program goes on (else it is the exit status). */
enum { SN_GO_ON = -1 };

static volatile sig_atomic_t s_stop = 0;

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: nd-snifty [OPTION]...\n"
        "A netdumplings kitchen: captures packets, hands them to chefs, and publishes\n"
        "the chefs' dumplings to a hub (nd-shifty).\n"
        "\n"
        "  -i, --interface IFACE   capture live on IFACE ('any' for all; default: libpcap's\n"
        "                          default device). Needs root or CAP_NET_RAW.\n"
        "  -r, --read FILE         read packets from a pcap or pcapng FILE instead\n"
        "      --speed max|realtime  how fast to read FILE (default max)\n"
        "  -f, --filter BPF        capture filter (default \"tcp or udp or arp\")\n"
        "  -B, --buffer-size MIB   the kernel's capture ring, %d-%d MiB (default %d: rides\n"
        "                          out a stall of the kitchen of ~0.5 s)\n"
        "  -s, --snaplen BYTES     bytes kept of each packet, %d-%d (default %d: whole\n"
        "                          packets; costs ring space only with --immediate)\n"
        "      --immediate         hand over each packet as it comes (TPACKET_V2) rather\n"
        "                          than in blocks every %d ms; every packet then takes a\n"
        "                          slot sized from --snaplen (at least ~64 KiB with\n"
        "                          receive offloads): the ring holds far fewer packets\n"
        "  -n, --kitchen-name NAME this kitchen's name (default default_kitchen)\n"
        "  -H, --hub ENDPOINT      the hub's in port (default " ND_HUB_IN_DEFAULT "; IPv6\n"
        "                          in brackets: tcp://[2001:db8::1]:" ND_STR(
            ND_PORT_HUB_IN) ")\n"
                            "  -c, --chef NAME         run this chef (repeatable; default: every "
                            "built-in and\n"
                            "                          every loaded chef)\n"
                            "      --chef-opt CHEF:KEY=VALUE  an option for a chef (repeatable)\n"
                            "  -l, --chef-list         list the chefs (built-in, then per module) "
                            "and exit\n"
                            "      --chef-module PATH  load the plugin chefs of the shared object "
                            "PATH\n"
                            "                          (repeatable; docs/writing-chefs.md)\n"
                            "  -p, --poke-interval SECS  seconds between interval dumplings "
                            "(default 5;\n"
                            "                          0: none, except the one at the end of a "
                            "file)\n"
                            "      --stdout            print each dumpling as one JSON line on "
                            "stdout instead\n"
                            "                          of publishing to a hub\n"
                            "      --linger SECS       at exit, wait up to SECS for dumplings "
                            "still queued to\n"
                            "                          leave (default 10)\n"
                            "      --vxlan-port N, --geneve-port N, --gtpu-port N, --teredo-port "
                            "N\n"
                            "                          the UDP port of each tunnel whose inner "
                            "packets the\n"
                            "                          chefs see (defaults 4789, 6081, 2152, 3544; "
                            "0: off)\n"
                            "  -Z, --user USER         after opening the capture, run as USER with "
                            "no\n"
                            "                          capabilities (default when root: "
                            "nobody)\n" ND_CURVE_CLIENT_HELP
                            "  -v, --verbose           more log lines (repeat for more)\n"
                            "  -q, --quiet             errors only\n"
                            "  -h, --help              show this help and exit\n"
                            "      --version           show the version and exit\n"
                            "\n" ND_CLI_ENV_HELP "\n"
                            "Reading a file (-r), the kitchen waits for the hub before the first "
                            "dumpling\n"
                            "(as long as it takes, saying once that it waits) and never drops one; "
                            "pokes\n"
                            "follow the capture's clock, plus one at the end of the file. "
                            "Capturing live, it\n"
                            "never waits: dumplings made while the hub is away are dropped and "
                            "counted, and\n"
                            "delivery resumes by itself when the hub is back. A capture file cut "
                            "short is\n"
                            "read up to the break, with a warning. A one-line summary goes to "
                            "stderr at the\n"
                            "end (packets, malformed, dumplings made, sent to the hub, not sent).\n"
                            "Exit status: 0 done or stopped by SIGINT/SIGTERM, 1 runtime error "
                            "(capture,\n"
                            "file), 2 usage error (flags, names, filter, hub endpoint).\n",
        SN_BUFFER_MIB_MIN, SN_BUFFER_MIB_MAX, SN_BUFFER_MIB_DEFAULT, SN_SNAPLEN_MIN, SN_SNAPLEN_MAX,
        SN_SNAPLEN_DEFAULT, SN_BLOCK_TIMEOUT_MS);
}

/* --stdout's serve callback: one compact JSON line per dumpling. */
static int s_serve_stdout(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                          size_t body_len)
{
    sn_t *sn = arg;
    char err[160];
    if (nd_dumpling_decode(&sn->out, body, body_len, err, sizeof err) != 0) {
        nd_error("the kitchen made an undecodable dumpling (%.*s): %s", (int)topic_len, topic, err);
        return -1;
    }
    /* jansson's compact text, written straight from msgpack (json_text.c). */
    static nd_strbuf_t text;
    text.len = 0;
    if (nd_dumpling_json_text(&sn->out, false, &text) != 0)
        return -1;
    text.data[text.len++] = '\n'; /* the NUL's place: there is room */
    if (fwrite(text.data, 1, text.len, stdout) != text.len) {
        if (errno == EPIPE)
            s_stop = 1; /* the reader went away (e.g. | head): nothing more to do */
        return -1;
    }
    return 0;
}

/* Parses argv into sn. Returns SN_GO_ON, else the exit status. */
static int s_parse(sn_t *sn, int argc, char **argv)
{
    enum {
        OPT_SPEED = 256,
        OPT_STDOUT,
        OPT_LINGER,
        OPT_CHEF_OPT,
        OPT_CHEF_MODULE,
        OPT_IMMEDIATE,
        OPT_VXLAN_PORT, /* these four in nd_udp_tunnel_t order */
        OPT_GENEVE_PORT,
        OPT_GTPU_PORT,
        OPT_TEREDO_PORT,
        OPT_VERSION
    };
    static const struct option opts[] = {
        {"interface", required_argument, NULL, 'i'},
        {"read", required_argument, NULL, 'r'},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"filter", required_argument, NULL, 'f'},
        {"buffer-size", required_argument, NULL, 'B'},
        {"snaplen", required_argument, NULL, 's'},
        {"immediate", no_argument, NULL, OPT_IMMEDIATE},
        {"kitchen-name", required_argument, NULL, 'n'},
        {"hub", required_argument, NULL, 'H'},
        {"chef", required_argument, NULL, 'c'},
        {"chef-opt", required_argument, NULL, OPT_CHEF_OPT},
        {"chef-list", no_argument, NULL, 'l'},
        {"chef-module", required_argument, NULL, OPT_CHEF_MODULE},
        {"poke-interval", required_argument, NULL, 'p'},
        {"stdout", no_argument, NULL, OPT_STDOUT},
        {"linger", required_argument, NULL, OPT_LINGER},
        {"user", required_argument, NULL, 'Z'},
        {"vxlan-port", required_argument, NULL, OPT_VXLAN_PORT},
        {"geneve-port", required_argument, NULL, OPT_GENEVE_PORT},
        {"gtpu-port", required_argument, NULL, OPT_GTPU_PORT},
        {"teredo-port", required_argument, NULL, OPT_TEREDO_PORT},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        ND_CURVE_CLIENT_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    int level = ND_LOG_INFO;
    int c;
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, opts, "chef") != 0)
        return ND_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "i:r:f:B:s:n:H:c:lp:vqZ:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            sn->interface = optarg;
            break;
        case 'r':
            sn->file = optarg;
            break;
        case OPT_SPEED:
            if (strcmp(optarg, "max") == 0)
                sn->realtime = false;
            else if (strcmp(optarg, "realtime") == 0)
                sn->realtime = true;
            else
                return nd_usage("invalid --speed '%s' (max or realtime)", optarg);
            break;
        case 'f':
            sn->filter = optarg;
            break;
        case 'B': {
            long v;
            if (nd_parse_long(optarg, SN_BUFFER_MIB_MIN, SN_BUFFER_MIB_MAX, &v) != 0)
                return nd_usage("invalid --buffer-size '%s' (MiB, %d-%d)", optarg,
                                SN_BUFFER_MIB_MIN, SN_BUFFER_MIB_MAX);
            sn->capture.buffer_mib = (int)v;
            break;
        }
        case 's': {
            long v;
            if (nd_parse_long(optarg, SN_SNAPLEN_MIN, SN_SNAPLEN_MAX, &v) != 0)
                return nd_usage("invalid --snaplen '%s' (bytes, %d-%d)", optarg, SN_SNAPLEN_MIN,
                                SN_SNAPLEN_MAX);
            sn->capture.snaplen = (int)v;
            break;
        }
        case OPT_IMMEDIATE:
            sn->capture.immediate = true;
            break;
        case 'n':
            if (!nd_name_valid(optarg))
                return nd_usage("invalid kitchen name '%s' (1-64 chars of [A-Za-z0-9_.-])", optarg);
            sn->kitchen_name = optarg;
            break;
        case 'H': {
            char err[512];
            if (nd_endpoint_check(optarg, "hub endpoint", ND_PORT_HUB_IN, err, sizeof err) != 0)
                return nd_usage("%s", err);
            sn->hub = optarg;
            break;
        }
        case 'c':
            if (sn->nchefs == SN_MAX_CHEFS)
                return nd_usage("too many --chef options (at most %d)", SN_MAX_CHEFS);
            sn->chefs[sn->nchefs++] = optarg;
            break;
        case OPT_CHEF_OPT:
            if (sn->nchef_opts == SN_MAX_CHEF_OPTS)
                return nd_usage("too many --chef-opt options (at most %d)", SN_MAX_CHEF_OPTS);
            sn->chef_opts[sn->nchef_opts++] = optarg;
            break;
        case OPT_CHEF_MODULE:
            if (sn->nmodules == SN_MAX_MODULES)
                return nd_usage("too many --chef-module options (at most %d)", SN_MAX_MODULES);
            sn->modules[sn->nmodules++] = optarg;
            break;
        case 'l':
            sn->chef_list = true; /* after every --chef-module is loaded */
            break;
        case 'p':
            if (nd_parse_double(optarg, 0, 86400, &sn->poke_interval) != 0)
                return nd_usage("invalid --poke-interval '%s' (seconds, 0-86400; 0 disables)",
                                optarg);
            break;
        case OPT_STDOUT:
            sn->to_stdout = true;
            break;
        case OPT_LINGER:
            if (nd_parse_double(optarg, 0, 3600, &sn->linger) != 0)
                return nd_usage("invalid --linger '%s' (seconds, 0-3600)", optarg);
            break;
        case OPT_VXLAN_PORT:
        case OPT_GENEVE_PORT:
        case OPT_GTPU_PORT:
        case OPT_TEREDO_PORT: {
            long port;
            if (nd_parse_long(optarg, 0, 65535, &port) != 0)
                return nd_usage("invalid tunnel port '%s' (0-65535; 0: off)", optarg);
            nd_packet_set_udp_tunnel_port((nd_udp_tunnel_t)(c - OPT_VXLAN_PORT), (uint16_t)port);
            break;
        }
        case 'Z':
            sn->user = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case OPT_VERSION:
            nd_print_version("nd-snifty");
            return ND_EXIT_OK;
        default:
            if (nd_cli_verbosity(c, &level) || nd_curve_client_option(c, optarg))
                break;
            return nd_cli_try_help(NULL);
        }
    }
    if (nd_cli_no_operands(argc, argv, optind, NULL) != 0)
        return ND_EXIT_USAGE;
    if (sn->interface && sn->file)
        return nd_usage("give either -i/--interface or -r/--read, not both");
    nd_log_setup("nd-snifty", (nd_log_level_t)level);
    return SN_GO_ON;
}

/* Loads the --chef-module plugins, so that a bad one is a usage error (exit 2)
 * and --chef-list and -c see every chef. Called only once privileges are
 * dropped (privs.c): no plugin code, not even its constructors, runs as root.
 * Returns SN_GO_ON, else the exit status. */
static int s_load_modules(sn_t *sn)
{
    char err[1024];
    sn->mods = sn_modules_new(sn->modules, sn->nmodules, err, sizeof err);
    if (!sn->mods) {
        if (!strstr(err, strerror(EACCES)))
            return nd_usage("--chef-module %s", err);
        struct passwd *pw = getpwuid(geteuid());
        return nd_usage("--chef-module %s (the kitchen reads plugins after dropping "
                        "privileges, as user %s: make the file and its folders readable by "
                        "that user, or name another user with --user)",
                        err, pw ? pw->pw_name : "?");
    }
    if (sn->chef_list) {
        sn_modules_print(sn->mods, stdout);
        sn_modules_destroy(&sn->mods);
        return ND_EXIT_OK;
    }
    return SN_GO_ON;
}

/* Builds the kitchen with the chosen chefs. Returns SN_GO_ON, else the exit status. */
static int s_make_kitchen(sn_t *sn)
{
    char err[512];
    nd_serve_fn *serve = sn->to_stdout ? s_serve_stdout : sn_pub_serve;
    void *arg = sn->to_stdout ? (void *)sn : (void *)sn->pub;
    sn->kitchen = nd_kitchen_new(sn->kitchen_name, serve, arg, err, sizeof err);
    if (!sn->kitchen)
        return nd_usage("%s", err);
    for (size_t i = 0; i < sn->nchef_opts; i++) {
        if (nd_kitchen_chef_opt(sn->kitchen, sn->chef_opts[i], err, sizeof err) != 0)
            return nd_usage("--chef-opt '%s': %s", sn->chef_opts[i], err);
    }
    if (sn->nchefs == 0) {
        const nd_chef_def_t *def;
        for (size_t i = 0; (def = sn_modules_chef(sn->mods, i)); i++) {
            if (nd_kitchen_add_chef(sn->kitchen, def, err, sizeof err) != 0) {
                nd_error("chef %s: %s", def->name, err);
                return ND_EXIT_RUNTIME;
            }
        }
        return SN_GO_ON;
    }
    for (size_t i = 0; i < sn->nchefs; i++) {
        const nd_chef_def_t *def = sn_modules_find(sn->mods, sn->chefs[i]);
        if (!def) {
            char known[1024];
            sn_modules_names(sn->mods, known, sizeof known);
            return nd_usage("unknown chef '%s'; known chefs: %s", sn->chefs[i], known);
        }
        if (nd_kitchen_add_chef(sn->kitchen, def, err, sizeof err) != 0)
            return nd_usage("chef %s: %s", sn->chefs[i], err);
    }
    return SN_GO_ON;
}

static void s_handle_packet(sn_t *sn, const struct pcap_pkthdr *h, const u_char *bytes)
{
    if (nd_packet_dissect(&sn->pkt, sn->linktype, bytes, h->caplen, h->len, &h->ts) != 0)
        return; /* cannot happen: the link type was checked at open */
    sn->dstats.packets++;
    if (sn->pkt.malformed) {
        sn->dstats.malformed++;
        nd_debug("malformed packet %llu: %s", (unsigned long long)sn->dstats.packets,
                 sn->pkt.malformed_reason ? sn->pkt.malformed_reason : "?");
    }
    sn->last_ts = sn->pkt.ts;
    sn->have_packet = true;
    nd_kitchen_packet(sn->kitchen, &sn->pkt);
}

/* pcap_dispatch's callback (live capture). */
static void s_on_live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    sn_t *sn = (sn_t *)user;
    s_handle_packet(sn, h, bytes);
    if (s_stop)
        pcap_breakloop(sn->pcap);
}

/* --speed realtime: sleeps until `ts` is as far from the first packet as the
 * wall clock is from when that packet was handled. */
static void s_pace(sn_t *sn, double ts)
{
    if (!sn->have_packet) {
        sn->first_ts = ts;
        sn->start_mono = nd_monotonic();
        return;
    }
    for (;;) {
        double left = sn->start_mono + (ts - sn->first_ts) - nd_monotonic();
        if (left <= 0 || s_stop)
            return;
        if (left > 0.1)
            left = 0.1; /* wake up now and then to see a signal */
        if (sn->pub) {
            sn_pub_flush(sn->pub); /* nothing waits in a batch while we sleep */
            /* Wait on the hub socket, so that news of the hub going away is
             * read while it happens, not at the next dumpling. */
            zmq_pollitem_t item = {sn_pub_socket(sn->pub), 0, ZMQ_POLLIN, 0};
            zmq_poll(&item, 1, (long)(left * 1000) + 1);
            sn_pub_events(sn->pub);
            sn_heartbeat_tick(sn->hb);
        } else {
            struct timespec t = {0, (long)(left * 1e9)};
            nanosleep(&t, NULL);
        }
    }
}

/* Reads the whole file. Returns 0 (a truncated file is read up to where it
 * breaks, with a warning). */
static int s_run_offline(sn_t *sn)
{
    struct pcap_pkthdr *h;
    const u_char *bytes;
    int rc = 0;
    while (!s_stop && (rc = pcap_next_ex(sn->pcap, &h, &bytes)) >= 0) {
        if (rc == 0)
            continue;
        double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
        if (sn->realtime)
            s_pace(sn, ts);
        if (sn->poke_interval > 0) {
            if (!sn->have_packet) {
                sn->next_poke = ts + sn->poke_interval;
            } else if (ts >= sn->next_poke) {
                /* One poke per boundary crossed, at the boundary's time; a
                 * quiet stretch of the capture gives one poke, not one per
                 * empty interval. */
                nd_kitchen_poke(sn->kitchen, sn->next_poke);
                while (sn->next_poke <= ts)
                    sn->next_poke += sn->poke_interval;
            }
        }
        s_handle_packet(sn, h, bytes);
        /* Both read the clock: not for every packet of a file read at full
         * speed (64 take some 30 us). */
        if ((sn->dstats.packets & 63) == 0 || sn->realtime) {
            if (sn->pub)
                sn_pub_tick(sn->pub);
            sn_heartbeat_tick(sn->hb);
        }
    }
    if (s_stop)
        return 0;
    if (rc == PCAP_ERROR) {
        /* Typically a capture cut short (tcpdump killed mid-write): what was
         * read is good, so finish it like a complete file, but say so. */
        nd_warn("'%s' ends early after %llu packet(s): %s", sn->file,
                (unsigned long long)sn->dstats.packets, pcap_geterr(sn->pcap));
    }
    /* End of file: the last interval, at the last packet's time. */
    nd_kitchen_poke(sn->kitchen, sn->have_packet ? sn->last_ts : nd_now());
    if (sn->pub)
        sn_pub_flush(sn->pub);
    return 0;
}

/* Captures until a signal. Returns 0, or -1 on a capture error. */
static int s_run_live(sn_t *sn)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    if (pcap_setnonblock(sn->pcap, 1, errbuf) != 0) {
        nd_error("cannot make the capture non-blocking: %s", errbuf);
        return -1;
    }
    int fd = pcap_get_selectable_fd(sn->pcap);
    double started = nd_monotonic();
    if (sn->poke_interval > 0)
        sn->next_poke = nd_monotonic() + sn->poke_interval;
    if (sn->pub)
        sn_pub_events(sn->pub);
    while (!s_stop) {
        long wait_ms = 200; /* also bounds the delay when fd is -1 */
        if (sn->poke_interval > 0) {
            double left = sn->next_poke - nd_monotonic();
            if (left < 0)
                left = 0;
            if (left * 1000 < wait_ms)
                wait_ms = (long)(left * 1000) + 1;
        }
        zmq_pollitem_t items[2] = {{NULL, fd, ZMQ_POLLIN, 0}, {NULL, -1, 0, 0}};
        int n = 0;
        if (fd >= 0)
            n++;
        else
            items[0] = items[1];
        if (sn->pub) {
            sn_pub_flush(sn->pub); /* what the last packets made leaves now */
            items[n++] = (zmq_pollitem_t){sn_pub_socket(sn->pub), 0, ZMQ_POLLIN, 0};
        }
        if (zmq_poll(items, n, wait_ms) < 0 && errno != EINTR) {
            nd_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        if (s_stop)
            break;
        if (sn->pub) {
            sn_pub_events(sn->pub);
            /* A hub that is there answers within milliseconds. */
            if (nd_monotonic() - started > 1.0)
                sn_pub_say_waiting(sn->pub);
            sn_heartbeat_tick(sn->hb);
        }
        /* Non-blocking: returns at once when nothing is waiting. */
        int rc = pcap_dispatch(sn->pcap, 10000, s_on_live_packet, (u_char *)sn);
        if (rc == PCAP_ERROR) {
            nd_error("capture failed: %s", pcap_geterr(sn->pcap));
            return -1;
        }
        sn_drop_watch(sn->pcap, sn->interface, &sn->drops);
        if (sn->poke_interval > 0 && nd_monotonic() >= sn->next_poke) {
            nd_kitchen_poke(sn->kitchen, nd_now());
            sn->next_poke += sn->poke_interval;
            if (sn->next_poke <= nd_monotonic())
                sn->next_poke = nd_monotonic() + sn->poke_interval;
        }
    }
    if (sn->pub)
        sn_pub_flush(sn->pub);
    return 0;
}

static void s_summary(sn_t *sn)
{
    nd_kitchen_stats_t ks;
    nd_kitchen_stats(sn->kitchen, &ks);
    char kernel[128] = "";
    struct pcap_stat ps;
    if (!sn->file && pcap_stats(sn->pcap, &ps) == 0)
        snprintf(kernel, sizeof kernel, ", kernel dropped %u, interface dropped %u", ps.ps_drop,
                 ps.ps_ifdrop);
    unsigned long long sent =
        sn->to_stdout ? ks.dumplings - ks.serve_failures : (unsigned long long)sn_pub_sent(sn->pub);
    unsigned long long failed =
        sn->to_stdout ? ks.serve_failures : (unsigned long long)sn_pub_failed(sn->pub);
    nd_info("summary: packets %llu, malformed %llu, dumplings %llu, sent %llu, not sent %llu, "
            "invalid %llu%s",
            (unsigned long long)sn->dstats.packets, (unsigned long long)sn->dstats.malformed,
            (unsigned long long)ks.dumplings, sent, failed, (unsigned long long)ks.invalid, kernel);
    nd_reasm_stats_t rs;
    nd_kitchen_reasm_stats(sn->kitchen, &rs);
    if (rs.segments)
        nd_info("summary: TCP streams: segments %llu, out of order %llu, gaps %llu, dropped bytes "
                "%llu, cap hits %llu, evicted %llu, timed out %llu, peak memory %llu bytes",
                (unsigned long long)rs.segments, (unsigned long long)rs.out_of_order,
                (unsigned long long)rs.gaps, (unsigned long long)rs.dropped_bytes,
                (unsigned long long)rs.cap_hits, (unsigned long long)rs.evicted,
                (unsigned long long)rs.timeouts, (unsigned long long)rs.memory_peak);
}

int main(int argc, char **argv)
{
    sn_t sn = {
        .filter = "tcp or udp or arp",
        .kitchen_name = "default_kitchen",
        .hub = ND_HUB_IN_DEFAULT,
        .poke_interval = 5,
        .linger = 10,
        .capture = {SN_BUFFER_MIB_DEFAULT, SN_SNAPLEN_DEFAULT, false},
    };
    nd_cli_start(argc, argv, "nd-snifty");
    int rc = s_parse(&sn, argc, argv);
    if (rc != SN_GO_ON)
        return rc;
    if (sn.chef_list) {
        /* Listing loads the plugins too: not as root either. */
        char perr[512];
        if (sn_drop_privileges(sn.user, perr, sizeof perr) != 0) {
            nd_error("%s", perr);
            return ND_EXIT_RUNTIME;
        }
        return s_load_modules(&sn);
    }

    char err[2048];
    char device[256];
    nd_dumpling_init(&sn.out);
    rc = ND_EXIT_RUNTIME;
    nd_signals_install(&s_stop);

    if (!sn.to_stdout) {
        /* Keys are read now, while the secret file is still readable. */
        if (nd_curve_client_setup(NULL, NULL, err, sizeof err) != 0) {
            rc = nd_usage("%s", err);
            goto done;
        }
        sn.pub = sn_pub_new(sn.hub, sn.file != NULL, &s_stop, err, sizeof err);
        if (!sn.pub) {
            rc = nd_usage("%s", err);
            goto done;
        }
    } else {
        setvbuf(stdout, NULL, _IOLBF, 0);
    }
    if (sn.file) {
        sn.pcap = sn_open_file(sn.file, err, sizeof err);
    } else {
        if (!sn.interface) {
            if (sn_default_device(device, sizeof device, err, sizeof err) != 0) {
                nd_error("%s", err);
                goto done;
            }
            sn.interface = device;
        }
        sn.pcap = sn_open_live(sn.interface, &sn.capture, err, sizeof err);
    }
    if (!sn.pcap) {
        nd_error("%s", err);
        goto done;
    }
    if (sn_check_linktype(sn.pcap, err, sizeof err) != 0) {
        nd_error("%s", err);
        goto done;
    }
    sn.linktype = pcap_datalink(sn.pcap);
    sn_filter_result_t frc = sn_set_filter(sn.pcap, sn.filter, err, sizeof err);
    if (frc == SN_FILTER_INVALID) {
        rc = nd_usage("%s", err);
        goto done;
    }
    if (frc != SN_FILTER_SET) {
        nd_error("%s", err);
        goto done;
    }
    /* Least privilege: the capture is open, so root (or CAP_NET_RAW) is no
     * longer needed; drop it before any packet is parsed or plugin loaded. */
    if (sn_drop_privileges(sn.user, err, sizeof err) != 0) {
        nd_error("%s", err);
        goto done;
    }
    int krc = s_load_modules(&sn);
    if (krc == SN_GO_ON)
        krc = s_make_kitchen(&sn);
    if (krc != SN_GO_ON) {
        rc = krc;
        goto done;
    }
    nd_info("kitchen %s: %s %s, filter \"%s\", %zu chef(s), %s%s", sn.kitchen_name,
            sn.file ? "reading" : "capturing on", sn.file ? sn.file : sn.interface, sn.filter,
            nd_kitchen_chef_count(sn.kitchen), sn.to_stdout ? "printing to stdout" : "hub ",
            sn.to_stdout ? "" : sn.hub);
    if (!sn.file) {
        char mode[64] = "immediate (TPACKET_V2)";
        if (!sn.capture.immediate)
            snprintf(mode, sizeof mode, "TPACKET_V3, block timeout %d ms", SN_BLOCK_TIMEOUT_MS);
        nd_info("capture ring %d MiB (%zu MiB mapped), snaplen %d, %s", sn.capture.buffer_mib,
                sn_ring_bytes(sn.pcap) >> 20, sn.capture.snaplen, mode);
    }
    sn_heartbeat_info_t hbi = {sn.kitchen_name, sn.interface,     sn.file,
                               sn.filter,       sn.poke_interval, sn.file ? NULL : &sn.capture};
    if (sn.pub && !(sn.hb = sn_heartbeat_new(&hbi, sn.pcap, sn.kitchen, &sn.dstats, sn.pub))) {
        nd_error("out of memory");
        goto done;
    }

    if (sn.file) {
        /* Wait for the hub before the first dumpling (documented in --help):
         * a file is read in a moment, and what the hub misses is lost. */
        if (sn.pub && !sn_pub_wait_ready(sn.pub, -1)) {
            rc = ND_EXIT_OK; /* stopped by a signal while waiting */
            s_summary(&sn);
            goto done;
        }
        rc = s_run_offline(&sn) == 0 ? ND_EXIT_OK : ND_EXIT_RUNTIME;
    } else {
        rc = s_run_live(&sn) == 0 ? ND_EXIT_OK : ND_EXIT_RUNTIME;
    }
    s_summary(&sn);
    if (sn.to_stdout)
        fflush(stdout);

done:
    if (sn.pub && sn.file)
        nd_debug("flushing queued dumplings (up to %.1f s)", sn.linger);
    /* Live capture: don't hold a stopped kitchen for a hub that is gone. */
    sn_heartbeat_destroy(&sn.hb); /* sends a last heartbeat with the final counters */
    sn_pub_destroy(&sn.pub, sn.file ? sn.linger : (sn.linger < 1 ? sn.linger : 1));
    nd_kitchen_destroy(&sn.kitchen);
    sn_modules_destroy(&sn.mods); /* after the kitchen: it holds their chefs */
    if (sn.pcap)
        pcap_close(sn.pcap);
    nd_dumpling_release(&sn.out);
    return rc;
}
