/* SPDX-License-Identifier: MIT */
/* main.c: nd-hubdetails, an eater that waits for one SystemStatusChef dumpling
 * from the hub, prints all of it (readable, or JSON with --json) and exits. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netdumplings/address.h"
#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/eater.h"
#include "netdumplings/log.h"
#include "netdumplings/status.h"

typedef struct {
    bool json;
    bool got;
    double now; /* wall clock when the status arrived, for "N s ago" */
} hd_t;

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: nd-hubdetails [OPTION]...\n"
                 "Waits for one status dumpling (SystemStatusChef) from a netdumplings hub\n"
                 "(nd-shifty), prints everything in it, and exits: the hub's counters, every\n"
                 "kitchen with what it says about itself and what the hub sees of it, every\n"
                 "eater and every gateway.\n"
                 "\n" ND_EATER_HELP(
                     "nd-hubdetails") "      --json              print the whole dumpling as one "
                                      "JSON document\n"
                                      "                          ({\"metadata\": {...}, "
                                      "\"payload\": {...}}, for jq)\n"
                                      "  -t, --timeout SECS      give up after SECS (default 15; "
                                      "the hub sends one\n"
                                      "                          every --status-freq seconds, 5 by "
                                      "default)\n"
                                      "  -h, --help              show this help and exit\n"
                                      "      --version           show the version and exit\n"
                                      "\n" ND_CLI_ENV_HELP "\n"
                                      "Exit status: 0 printed (or stopped by SIGINT/SIGTERM); 1 no "
                                      "status dumpling\n"
                                      "within --timeout (no hub, or nothing reaches us), or "
                                      "another runtime error;\n"
                                      "2 usage error.\n");
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "?";
}

static unsigned long long s_uint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        return (unsigned long long)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) >= 0)
        return (unsigned long long)json_real_value(v);
    return 0;
}

static double s_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static void s_duration(double secs, char *buf, size_t len)
{
    unsigned long long s = secs > 0 ? (unsigned long long)secs : 0;
    if (s >= 86400)
        snprintf(buf, len, "%llud %02llu:%02llu:%02llu", s / 86400, s / 3600 % 24, s / 60 % 60,
                 s % 60);
    else
        snprintf(buf, len, "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
}

/* The hub's view of a peer, "host:port" or "[v6]:port". */
static const char *s_addr(json_t *fh, char *buf, size_t size)
{
    nd_host_port(buf, size, s_str(fh, ND_ST_HOST), (unsigned)s_uint(fh, ND_ST_PORT));
    return buf;
}

static void s_print_kitchen(const hd_t *hd, json_t *k)
{
    char addr[ND_HOST_MAX + 8];
    json_t *fk = json_object_get(k, ND_ST_INFO_FROM_KITCHEN);
    json_t *fh = json_object_get(k, ND_ST_INFO_FROM_HUB);
    printf("  %s\n", s_str(fk, "kitchen_name"));
    printf("    address:        %s\n", s_addr(fh, addr, sizeof addr));
    if (json_is_true(json_object_get(fh, ND_ST_HEARTBEAT))) {
        char up[32];
        s_duration(hd->now - s_num(fk, "start_time"), up, sizeof up);
        printf("    host:           %s, pid %llu, version %s, up %s\n", s_str(fk, "hostname"),
               s_uint(fk, "pid"), s_str(fk, "version"), up);
        printf("    boot id:        %s\n", s_str(fk, "boot_id"));
        printf("    capture:        %s %s, filter \"%s\"\n", s_str(fk, "source"),
               s_str(fk, "interface"), s_str(fk, "filter"));
        printf("    chefs:          ");
        json_t *chefs = json_object_get(fk, "chefs");
        size_t i;
        json_t *c;
        json_array_foreach(chefs, i, c) printf("%s%s", i ? ", " : "", json_string_value(c));
        printf("\n    poke interval:  %g s\n", s_num(fk, "poke_interval"));
        printf("    packets:        %llu (malformed %llu; libpcap recv %llu, drop %llu, "
               "ifdrop %llu)\n",
               s_uint(fk, "packets"), s_uint(fk, "malformed"), s_uint(fk, "ps_recv"),
               s_uint(fk, "ps_drop"), s_uint(fk, "ps_ifdrop"));
        printf("    dumplings:      made %llu, sent %llu, send failures %llu\n",
               s_uint(fk, "dumplings_made"), s_uint(fk, "dumplings_sent"),
               s_uint(fk, "send_failures"));
        printf("    last heartbeat: %.1f s ago (%llu received, %llu restart(s))\n",
               hd->now - s_num(fh, ND_ST_LAST_HEARTBEAT), s_uint(fh, ND_ST_HEARTBEATS),
               s_uint(fh, ND_ST_RESTARTS));
    } else {
        printf("    (no heartbeat: an older kitchen, known by its dumplings only)\n");
    }
    printf("    at the hub:     %llu dumplings, %llu lost, last sequence %llu\n",
           s_uint(fh, ND_ST_DUMPLINGS), s_uint(fh, ND_ST_DUMPLINGS_LOST),
           s_uint(fh, ND_ST_LAST_SEQUENCE));
}

static void s_print(const hd_t *hd, const nd_dumpling_t *d, json_t *p)
{
    char when[64], up[32];
    nd_time_iso8601(d->creation_time / 1000.0, 3, 1, when, sizeof when);
    s_duration(s_num(p, ND_ST_SERVER_UPTIME), up, sizeof up);
    printf("hub %s at %s\n", d->kitchen, when);
    printf("  boot id:        %s\n", s_str(p, ND_ST_HUB_BOOT_ID));
    printf("  uptime:         %s\n", up);
    printf("  dumplings in:   %llu (invalid dropped: %llu)\n", s_uint(p, ND_ST_TOTAL_DUMPLINGS_IN),
           s_uint(p, ND_ST_INVALID_DUMPLINGS_IN));
    printf("  dumplings out:  %llu\n", s_uint(p, ND_ST_TOTAL_DUMPLINGS_OUT));
    printf("  lost:           %llu dumpling(s) between kitchens and hub\n",
           s_uint(p, ND_ST_TOTAL_DUMPLINGS_LOST));
    printf("  capture drops:  %llu (kernel), %llu (interface)\n", s_uint(p, ND_ST_TOTAL_PS_DROP),
           s_uint(p, ND_ST_TOTAL_PS_IFDROP));
    printf("  send failures:  %llu (at the kitchens)\n",
           s_uint(p, ND_ST_TOTAL_KITCHEN_SEND_FAILURES));
    printf("  gateway lag:    %llu dumpling(s) dropped, %llu client(s) closed\n",
           s_uint(p, ND_ST_TOTAL_GATEWAY_LAG_DROPS), s_uint(p, ND_ST_TOTAL_GATEWAY_LAG_CLOSED));
    size_t i;
    json_t *e;
    json_t *kitchens = json_object_get(p, ND_ST_DUMPLING_KITCHENS);
    printf("kitchens: %llu\n", s_uint(p, ND_ST_DUMPLING_KITCHEN_COUNT));
    json_array_foreach(kitchens, i, e) s_print_kitchen(hd, e);
    json_t *eaters = json_object_get(p, ND_ST_DUMPLING_EATERS);
    printf("eaters: %llu\n", s_uint(p, ND_ST_DUMPLING_EATER_COUNT));
    json_array_foreach(eaters, i, e)
    {
        json_t *fe = json_object_get(e, ND_ST_INFO_FROM_EATER);
        json_t *fh = json_object_get(e, ND_ST_INFO_FROM_HUB);
        char since[32], addr[ND_HOST_MAX + 8];
        s_duration(hd->now - s_num(fh, ND_ST_CONNECTED_SINCE), since, sizeof since);
        printf("  %-24s %s  connected %s\n", s_str(fe, "eater_name"), s_addr(fh, addr, sizeof addr),
               since);
    }
    json_t *gateways = json_object_get(p, ND_ST_DUMPLING_GATEWAYS);
    printf("gateways: %llu\n", s_uint(p, ND_ST_DUMPLING_GATEWAY_COUNT));
    json_array_foreach(gateways, i, e)
    {
        json_t *fg = json_object_get(e, ND_ST_INFO_FROM_GATEWAY);
        json_t *fh = json_object_get(e, ND_ST_INFO_FROM_HUB);
        char addr[ND_HOST_MAX + 8];
        printf("  %s on %s (%s), pid %llu: %llu client(s), lag: %llu dumpling(s) dropped, "
               "%llu client(s) closed\n",
               s_str(fg, "gateway_name"), s_str(fg, "hostname"), s_addr(fh, addr, sizeof addr),
               s_uint(fg, "pid"), s_uint(fg, "clients"), s_uint(fg, "dumplings_lag_dropped"),
               s_uint(fg, "clients_lag_closed"));
    }
}

static int s_on_dumpling(nd_eater_t *eater, const nd_dumpling_t *d, void *arg)
{
    (void)eater;
    hd_t *hd = arg;
    hd->now = nd_now();
    json_t *j = hd->json ? nd_dumpling_to_json(d, false) : nd_msgpack_to_json(&d->payload);
    if (!j || (!hd->json && !json_is_object(j))) {
        nd_warn("a SystemStatusChef dumpling from %s that cannot be shown", d->kitchen);
        json_decref(j);
        return 0;
    }
    if (hd->json) {
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
    } else {
        s_print(hd, d, j);
    }
    fflush(stdout);
    json_decref(j);
    hd->got = true;
    return 1;
}

int main(int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_VERSION };
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        ND_EATER_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    hd_t hd = {0};
    static const char *const chefs[] = {ND_STATUS_CHEF};
    nd_eater_config_t config = {
        .hub = ND_HUB_OUT_DEFAULT, .eater_name = "nd-hubdetails", .chefs = chefs, .nchefs = 1};
    double timeout = 15;
    int level = ND_LOG_INFO;
    int c;
    nd_cli_start(argc, argv, "nd-hubdetails");
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, opts, NULL) != 0)
        return ND_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, ND_EATER_SHORTOPTS "ht:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            hd.json = true;
            break;
        case 't':
            if (nd_parse_double(optarg, 0, 1e9, &timeout) != 0)
                return nd_usage("invalid --timeout '%s' (seconds >= 0)", optarg);
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case OPT_VERSION:
            nd_print_version("nd-hubdetails");
            return ND_EXIT_OK;
        default: {
            int took = nd_eater_option(c, optarg, &config, &level); /* -H -n -v -q, CURVE */
            if (took > 0)
                break;
            return took < 0 ? ND_EXIT_USAGE : nd_cli_try_help(NULL);
        }
        }
    }
    if (nd_cli_no_operands(argc, argv, optind, NULL) != 0)
        return ND_EXIT_USAGE;
    nd_log_setup("nd-hubdetails", (nd_log_level_t)level);

    static volatile sig_atomic_t stop = 0;
    nd_signals_install(&stop);
    nd_eater_callbacks_t cb = {.on_dumpling = s_on_dumpling};
    char err[512];
    nd_eater_t *eater = nd_eater_new(&config, &cb, &hd, err, sizeof err);
    if (!eater)
        return nd_usage("%s", err);
    int rc = nd_eater_run(eater, &stop, timeout);
    nd_eater_destroy(&eater);
    if (rc < 0)
        return ND_EXIT_RUNTIME;
    if (!hd.got) {
        if (stop)
            return ND_EXIT_OK;
        nd_error("no status dumpling from a hub at %s within %g s: is nd-shifty running "
                 "there (its out port)?",
                 config.hub, timeout);
        return ND_EXIT_RUNTIME;
    }
    return ND_EXIT_OK;
}
