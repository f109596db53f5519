/* SPDX-License-Identifier: MIT */
/* main.c: nd-print, an eater that prints every dumpling the hub sends, as
 * netdumplings' text format or as JSON lines (--json), built on eater.h. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/eater.h"
#include "netdumplings/log.h"
#include "netdumplings/loss.h"

#define PR_MAX_FILTERS 64

typedef struct {
    bool interval;
    bool packet;
    bool payload;
    bool color;
    bool json;
    long count; /* 0: no limit */
    long printed;
    bool verbose; /* -v: loss as it happens */
} pr_t;

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: nd-print [OPTION]...\n"
        "Prints the dumplings a netdumplings hub (nd-shifty) sends.\n"
        "\n" ND_EATER_HELP(
            "nd-print") "  -c, --chef NAME         only this chef's dumplings (repeatable; "
                        "filtered at\n"
                        "                          the hub)\n"
                        "  -k, --kitchen NAME      only this kitchen's dumplings (repeatable)\n"
                        "      --[no-]interval-dumplings  print interval dumplings (default yes)\n"
                        "      --[no-]packet-dumplings    print packet dumplings (default yes)\n"
                        "      --[no-]payload      print the payload under each header (default "
                        "yes)\n"
                        "      --[no-]color        colour the header (default: when stdout is a "
                        "terminal)\n"
                        "      --json              one compact JSON dumpling per line, as\n"
                        "                          {\"metadata\": {...}, \"payload\": ...} (for "
                        "jq)\n"
                        "      --count N           exit after N dumplings\n"
                        "      --timeout SECS      exit after SECS; with --count, exit 1 when "
                        "fewer\n"
                        "                          than N dumplings came\n"
                        "  -h, --help              show this help and exit\n"
                        "      --version           show the version and exit\n"
                        "\n" ND_CLI_ENV_HELP "\n"
                        "Text format, as netdumplings' printer, one header line per dumpling:\n"
                        "  2026-01-20T14:42:11.040829Z [packet  ] DNSLookupChef from "
                        "default_kitchen\n"
                        "then the payload as JSON indented by 4 spaces. The time is the "
                        "dumpling's\n"
                        "creation_time in UTC (the trailing Z; netdumplings shows local time).\n"
                        "Exit status: 0 done, --count reached or stopped by SIGINT/SIGTERM; 1 "
                        "runtime\n"
                        "error or --timeout before --count; 2 usage error.\n");
}

static int s_print_json(const nd_dumpling_t *d)
{
    /* The same bytes as jansson's compact dump (json_text.c), without a tree. */
    static nd_strbuf_t text;
    text.len = 0;
    if (nd_dumpling_json_text(d, false, &text) != 0)
        return -1;
    text.data[text.len++] = '\n'; /* the NUL's place: there is room */
    size_t n = fwrite(text.data, 1, text.len, stdout);
    fflush(stdout);
    return n == text.len ? 0 : -1;
}

static int s_print_text(const pr_t *pr, const nd_dumpling_t *d)
{
    char when[64];
    nd_time_iso8601(d->creation_time / 1000.0, 6, 1, when, sizeof when);
    const char *on = pr->color ? "\033[1;36m" : "";
    const char *dim = pr->color ? "\033[2m" : "";
    const char *off = pr->color ? "\033[0m" : "";
    printf("%s%s%s [%-8s] %s%s%s from %s\n", dim, when, off, nd_driver_name(d->driver), on, d->chef,
           off, d->kitchen);
    if (pr->payload) {
        json_t *j = nd_msgpack_to_json(&d->payload);
        if (!j)
            return -1;
        char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        json_decref(j);
        if (!s)
            return -1;
        printf("%s\n", s);
        free(s);
    }
    fflush(stdout);
    return 0;
}

static int s_on_dumpling(nd_eater_t *eater, const nd_dumpling_t *d, void *arg)
{
    pr_t *pr = arg;
    if ((d->driver == ND_DRIVER_INTERVAL && !pr->interval) ||
        (d->driver == ND_DRIVER_PACKET && !pr->packet))
        return 0;
    if (pr->json ? s_print_json(d) != 0 : s_print_text(pr, d) != 0)
        nd_warn("cannot print a %s dumpling from %s", d->chef, d->kitchen);
    pr->printed++;
    return pr->count > 0 && pr->printed >= pr->count;
}

/* Loss as it happens: the library logs it with -v; --json also writes it as
 * a JSON line on stderr, for scripts. */
static void s_on_loss(nd_eater_t *eater, const char *kitchen, uint64_t lost, void *arg)
{
    pr_t *pr = arg;
    if (!pr->json || !pr->verbose)
        return;
    nd_eater_stats_t st;
    nd_eater_stats(eater, &st);
    fprintf(stderr,
            "{\"loss\": {\"final\": false, \"kitchen\": \"%s\", \"lost\": %llu, "
            "\"total_lost\": %llu}}\n",
            kitchen, (unsigned long long)lost, (unsigned long long)st.gaps);
}

/* At exit, with --json: what was received and lost, per kitchen, as one
 * JSON line on stderr (kitchen names are valid names: nothing to escape). */
static void s_print_loss_json(const nd_eater_t *eater, const nd_eater_stats_t *st)
{
    const nd_loss_t *loss = nd_eater_loss(eater);
    fprintf(stderr,
            "{\"loss\": {\"final\": true, \"received\": %llu, \"lost\": %llu, "
            "\"invalid\": %llu, \"suspicious\": %llu, \"kitchens\": {",
            (unsigned long long)st->received, (unsigned long long)st->gaps,
            (unsigned long long)st->invalid, (unsigned long long)st->suspicious);
    for (size_t i = 0; i < nd_loss_kitchen_count(loss); i++) {
        uint64_t r, l;
        const char *k = nd_loss_kitchen(loss, i, &r, &l);
        fprintf(stderr, "%s\"%s\": {\"received\": %llu, \"lost\": %llu}", i ? ", " : "", k,
                (unsigned long long)r, (unsigned long long)l);
    }
    fprintf(stderr, "}}}\n");
}

static void s_on_connect(nd_eater_t *eater, void *arg)
{
    nd_info("connected to the hub");
}

static void s_on_lost(nd_eater_t *eater, void *arg)
{
    nd_warn("connection to the hub lost; reconnecting");
}

int main(int argc, char **argv)
{
    enum {
        OPT_INTERVAL = 256,
        OPT_NO_INTERVAL,
        OPT_PACKET,
        OPT_NO_PACKET,
        OPT_PAYLOAD,
        OPT_NO_PAYLOAD,
        OPT_COLOR,
        OPT_NO_COLOR,
        OPT_JSON,
        OPT_COUNT,
        OPT_TIMEOUT,
        OPT_VERSION
    };
    static const struct option opts[] = {
        {"chef", required_argument, NULL, 'c'},
        {"kitchen", required_argument, NULL, 'k'},
        {"interval-dumplings", no_argument, NULL, OPT_INTERVAL},
        {"no-interval-dumplings", no_argument, NULL, OPT_NO_INTERVAL},
        {"packet-dumplings", no_argument, NULL, OPT_PACKET},
        {"no-packet-dumplings", no_argument, NULL, OPT_NO_PACKET},
        {"payload", no_argument, NULL, OPT_PAYLOAD},
        {"no-payload", no_argument, NULL, OPT_NO_PAYLOAD},
        {"color", no_argument, NULL, OPT_COLOR},
        {"colour", no_argument, NULL, OPT_COLOR},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"no-colour", no_argument, NULL, OPT_NO_COLOR},
        {"json", no_argument, NULL, OPT_JSON},
        {"count", required_argument, NULL, OPT_COUNT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        ND_EATER_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    pr_t pr = {.interval = true, .packet = true, .payload = true, .color = isatty(1) == 1};
    const char *chefs[PR_MAX_FILTERS], *kitchens[PR_MAX_FILTERS];
    size_t nchefs = 0, nkitchens = 0;
    nd_eater_config_t config = {.hub = ND_HUB_OUT_DEFAULT, .eater_name = "nd-print"};
    double timeout = -1;
    int level = ND_LOG_INFO;
    int c;
    nd_cli_start(argc, argv, "nd-print");
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, opts, "chef,kitchen") != 0)
        return ND_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, ND_EATER_SHORTOPTS "hc:k:", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
        case 'k':
            if (!nd_name_valid(optarg))
                return nd_usage("invalid %s name '%s' (1-64 chars of [A-Za-z0-9_.-])",
                                c == 'c' ? "chef" : "kitchen", optarg);
            if ((c == 'c' ? nchefs : nkitchens) == PR_MAX_FILTERS)
                return nd_usage("too many --%s options (at most %d)", c == 'c' ? "chef" : "kitchen",
                                PR_MAX_FILTERS);
            if (c == 'c')
                chefs[nchefs++] = optarg;
            else
                kitchens[nkitchens++] = optarg;
            break;
        case OPT_INTERVAL:
        case OPT_NO_INTERVAL:
            pr.interval = c == OPT_INTERVAL;
            break;
        case OPT_PACKET:
        case OPT_NO_PACKET:
            pr.packet = c == OPT_PACKET;
            break;
        case OPT_PAYLOAD:
        case OPT_NO_PAYLOAD:
            pr.payload = c == OPT_PAYLOAD;
            break;
        case OPT_COLOR:
        case OPT_NO_COLOR:
            pr.color = c == OPT_COLOR;
            break;
        case OPT_JSON:
            pr.json = true;
            break;
        case OPT_COUNT:
            if (nd_parse_long(optarg, 1, 1000000000L, &pr.count) != 0)
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
            nd_print_version("nd-print");
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
    nd_log_setup("nd-print", (nd_log_level_t)level);
    pr.verbose = level >= ND_LOG_DEBUG;
    config.chefs = nchefs ? chefs : NULL;
    config.nchefs = nchefs;
    config.kitchens = nkitchens ? kitchens : NULL;
    config.nkitchens = nkitchens;

    static volatile sig_atomic_t stop = 0;
    nd_signals_install(&stop);
    nd_eater_callbacks_t cb = {.on_connect = s_on_connect,
                               .on_dumpling = s_on_dumpling,
                               .on_connection_lost = s_on_lost,
                               .on_loss = s_on_loss};
    char err[512];
    nd_eater_t *eater = nd_eater_new(&config, &cb, &pr, err, sizeof err);
    if (!eater)
        return nd_usage("%s", err);
    int rc = nd_eater_run(eater, &stop, timeout);
    nd_eater_stats_t st;
    nd_eater_stats(eater, &st);
    if (pr.json)
        s_print_loss_json(eater, &st);
    nd_eater_destroy(&eater);
    nd_debug("received %llu, invalid %llu, lost %llu, suspicious %llu",
             (unsigned long long)st.received, (unsigned long long)st.invalid,
             (unsigned long long)st.gaps, (unsigned long long)st.suspicious);
    if (st.gaps)
        nd_warn("%llu dumpling(s) lost on the way (sequence gaps and stream tails)",
                (unsigned long long)st.gaps);
    if (rc < 0)
        return ND_EXIT_RUNTIME;
    if (rc == 0 && pr.count > 0 && pr.printed < pr.count && !stop) {
        nd_error("timed out after %g s with %ld of %ld dumpling(s)", timeout, pr.printed, pr.count);
        return ND_EXIT_RUNTIME;
    }
    return ND_EXIT_OK;
}
