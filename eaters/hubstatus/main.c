/* SPDX-License-Identifier: MIT */
/* main.c: nd-hubstatus, an eater that prints one line per SystemStatusChef
 * dumpling, as netdumplings' status printer does, plus what was lost. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/eater.h"
#include "netdumplings/log.h"
#include "netdumplings/status.h"

typedef struct {
    bool color;
    long count; /* 0: no limit */
    long printed;
    char boot_id[80]; /* the hub's, to tell when it restarted */
} hs_t;

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: nd-hubstatus [OPTION]...\n"
        "Prints one line for every status dumpling (SystemStatusChef) a netdumplings\n"
        "hub (nd-shifty) publishes, every --status-freq seconds of the hub:\n"
        "  2026-01-20 14:44:52  uptime: 00:04:25  dumplings in: 107  out: 92  kitchens: 1  "
        "eaters: 1\n"
        "The time is the status dumpling's creation time in UTC. When anything was\n"
        "lost the line goes on with \"lost: N\" (dumplings kitchens made that never\n"
        "reached the hub), \"capture drops: N\" (packets the kernel or the interface\n"
        "dropped at the kitchens), \"gateway lag drops: N\" and \"eaters lost: N\"\n"
        "(dumplings eaters never got, as their heartbeats say). A line \"hub restarted\"\n"
        "comes before the first status of a new hub process.\n"
        "\n" ND_EATER_HELP("nd-hubstatus") "      --[no-]color        colour the line (default: "
                                           "when stdout is a terminal)\n"
                                           "      --count N           exit after N lines\n"
                                           "      --timeout SECS      exit after SECS; with "
                                           "--count, exit 1 when fewer than\n"
                                           "                          N lines came\n"
                                           "  -h, --help              show this help and exit\n"
                                           "      --version           show the version and exit\n"
                                           "\n" ND_CLI_ENV_HELP "\n"
                                           "Exit status: 0 stopped by SIGINT/SIGTERM or --count "
                                           "reached; 1 runtime error\n"
                                           "or --timeout before --count; 2 usage error.\n");
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

static int s_on_dumpling(nd_eater_t *eater, const nd_dumpling_t *d, void *arg)
{
    (void)eater;
    hs_t *hs = arg;
    json_t *p = nd_msgpack_to_json(&d->payload);
    if (!json_is_object(p)) {
        nd_warn("a SystemStatusChef dumpling from %s without a map payload", d->kitchen);
        json_decref(p);
        return 0;
    }
    const char *on = hs->color ? "\033[1m" : "", *off = hs->color ? "\033[0m" : "";
    const char *red = hs->color ? "\033[1;31m" : "";
    const char *boot = json_string_value(json_object_get(p, ND_ST_HUB_BOOT_ID));
    if (boot) {
        if (hs->boot_id[0] && strcmp(hs->boot_id, boot) != 0)
            printf("%shub restarted%s (boot id %s)\n", red, off, boot);
        snprintf(hs->boot_id, sizeof hs->boot_id, "%s", boot);
    }
    char when[32];
    time_t t = (time_t)(d->creation_time / 1000.0);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    json_t *up = json_object_get(p, ND_ST_SERVER_UPTIME);
    unsigned long long secs = json_is_number(up) && json_number_value(up) > 0
                                  ? (unsigned long long)json_number_value(up)
                                  : 0;
    printf("%s  %suptime:%s %02llu:%02llu:%02llu  %sdumplings in:%s %llu  %sout:%s %llu  "
           "%skitchens:%s %llu  %seaters:%s %llu",
           when, on, off, secs / 3600, secs / 60 % 60, secs % 60, on, off,
           s_uint(p, ND_ST_TOTAL_DUMPLINGS_IN), on, off, s_uint(p, ND_ST_TOTAL_DUMPLINGS_OUT), on,
           off, s_uint(p, ND_ST_DUMPLING_KITCHEN_COUNT), on, off,
           s_uint(p, ND_ST_DUMPLING_EATER_COUNT));
    unsigned long long lost = s_uint(p, ND_ST_TOTAL_DUMPLINGS_LOST);
    unsigned long long cap = s_uint(p, ND_ST_TOTAL_PS_DROP) + s_uint(p, ND_ST_TOTAL_PS_IFDROP);
    unsigned long long lag = s_uint(p, ND_ST_TOTAL_GATEWAY_LAG_DROPS);
    if (lost)
        printf("  %slost:%s %llu", red, off, lost);
    if (cap) {
        /* Which kitchens lose packets, and where: the kernel (ring full) or the
         * interface. */
        printf("  %scapture drops:%s %llu (", red, off, cap);
        size_t i, shown = 0;
        json_t *k;
        json_array_foreach(json_object_get(p, ND_ST_DUMPLING_KITCHENS), i, k)
        {
            json_t *info = json_object_get(k, ND_ST_INFO_FROM_KITCHEN);
            unsigned long long kd = s_uint(info, "ps_drop"), id = s_uint(info, "ps_ifdrop");
            const char *name = json_string_value(json_object_get(info, "kitchen_name"));
            if (kd + id && name)
                printf("%s%s: kernel %llu, interface %llu", shown++ ? "; " : "", name, kd, id);
        }
        printf(")");
    }
    if (lag)
        printf("  %sgateway lag drops:%s %llu", red, off, lag);
    /* Loss between the hub and its eaters, as the eaters count it. */
    unsigned long long elost = s_uint(p, ND_ST_TOTAL_EATER_LOST);
    if (elost)
        printf("  %seaters lost:%s %llu", red, off, elost);
    printf("\n");
    fflush(stdout);
    json_decref(p);
    hs->printed++;
    return hs->count > 0 && hs->printed >= hs->count;
}

static void s_on_connect(nd_eater_t *eater, void *arg)
{
    (void)eater, (void)arg;
    nd_info("connected to the hub");
}

static void s_on_lost(nd_eater_t *eater, void *arg)
{
    (void)eater, (void)arg;
    nd_warn("connection to the hub lost; reconnecting");
}

int main(int argc, char **argv)
{
    enum { OPT_COLOR = 256, OPT_NO_COLOR, OPT_COUNT, OPT_TIMEOUT, OPT_VERSION };
    static const struct option opts[] = {
        {"color", no_argument, NULL, OPT_COLOR},
        {"colour", no_argument, NULL, OPT_COLOR},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"no-colour", no_argument, NULL, OPT_NO_COLOR},
        {"count", required_argument, NULL, OPT_COUNT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        ND_EATER_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    hs_t hs = {.color = isatty(1) == 1};
    static const char *const chefs[] = {ND_STATUS_CHEF};
    nd_eater_config_t config = {
        .hub = ND_HUB_OUT_DEFAULT, .eater_name = "nd-hubstatus", .chefs = chefs, .nchefs = 1};
    double timeout = -1;
    int level = ND_LOG_INFO;
    int c;
    nd_cli_start(argc, argv, "nd-hubstatus");
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, opts, NULL) != 0)
        return ND_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, ND_EATER_SHORTOPTS "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_COLOR:
        case OPT_NO_COLOR:
            hs.color = c == OPT_COLOR;
            break;
        case OPT_COUNT:
            if (nd_parse_long(optarg, 1, 1000000000L, &hs.count) != 0)
                return nd_usage("invalid --count '%s' (a whole number >= 1)", optarg);
            break;
        case OPT_TIMEOUT:
            if (nd_parse_double(optarg, 0, 1e9, &timeout) != 0)
                return nd_usage("invalid --timeout '%s' (seconds >= 0)", optarg);
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case OPT_VERSION:
            nd_print_version("nd-hubstatus");
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
    nd_log_setup("nd-hubstatus", (nd_log_level_t)level);

    static volatile sig_atomic_t stop = 0;
    nd_signals_install(&stop);
    nd_eater_callbacks_t cb = {
        .on_connect = s_on_connect, .on_dumpling = s_on_dumpling, .on_connection_lost = s_on_lost};
    char err[512];
    nd_eater_t *eater = nd_eater_new(&config, &cb, &hs, err, sizeof err);
    if (!eater)
        return nd_usage("%s", err);
    int rc = nd_eater_run(eater, &stop, timeout);
    nd_eater_destroy(&eater);
    if (rc < 0)
        return ND_EXIT_RUNTIME;
    if (rc == 0 && hs.count > 0 && hs.printed < hs.count && !stop) {
        nd_error("timed out after %g s with %ld of %ld status line(s): is the hub at %s "
                 "running?",
                 timeout, hs.printed, hs.count, config.hub);
        return ND_EXIT_RUNTIME;
    }
    return ND_EXIT_OK;
}
