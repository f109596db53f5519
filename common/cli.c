/* SPDX-License-Identifier: MIT */
/* cli.c: command-line helpers every netdumplings program shares. */
#include "netdumplings/cli.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <msgpack.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/log.h"
#include "nd_version.h"

const char *nd_version(void)
{
    return ND_VERSION;
}

void nd_print_version(const char *prog)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("%s (netdumplings) %s\n", prog, ND_VERSION);
    printf("libzmq %d.%d.%d, czmq %d.%d.%d, msgpack-c %s, jansson %s\n", major, minor, patch,
           CZMQ_VERSION_MAJOR, CZMQ_VERSION_MINOR, CZMQ_VERSION_PATCH, msgpack_version(),
           JANSSON_VERSION);
    printf("%s\n", pcap_lib_version());
}

void nd_boot_id(char out[ND_BOOT_ID_LEN + 1])
{
    unsigned char b[ND_BOOT_ID_LEN / 2];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        double t = nd_now();
        long pid = (long)getpid();
        memcpy(b, &t, 8);
        memcpy(b + 8, &pid, sizeof pid < 8 ? sizeof pid : 8);
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

bool nd_cli_verbosity(int opt, int *level)
{
    if (opt == 'v') {
        if (*level < ND_LOG_DEBUG)
            (*level)++;
        return true;
    }
    if (opt == 'q') {
        *level = ND_LOG_ERROR;
        return true;
    }
    return false;
}

static const char *s_prog = "netdumplings";

void nd_cli_start(int argc, char **argv, const char *prog)
{
    if (prog)
        s_prog = prog;
    if (argc > 0 && argv)
        argv[0] = (char *)s_prog; /* getopt_long's messages start with it */
    nd_log_setup(s_prog, ND_LOG_INFO);
}

const char *nd_cli_prog(void)
{
    return s_prog;
}

static int s_vusage(const char *fmt, va_list ap)
{
    /* One write, so that the lines stay whole when processes share stderr. */
    char line[2048];
    int n = snprintf(line, sizeof line, "%s: ", s_prog);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(stderr, "%s\n", line);
    return nd_cli_try_help(NULL);
}

int nd_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vusage(fmt, ap);
    va_end(ap);
    return ND_EXIT_USAGE;
}

void nd_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vusage(fmt, ap);
    va_end(ap);
    exit(ND_EXIT_USAGE);
}

int nd_cli_try_help(const char *prog)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", prog ? prog : s_prog);
    return ND_EXIT_USAGE;
}

int nd_cli_no_operands(int argc, char **argv, int first, const char *prog)
{
    if (first >= argc)
        return 0;
    fprintf(stderr, "%s: unexpected argument '%s'\n", prog ? prog : s_prog, argv[first]);
    return nd_cli_try_help(prog);
}

bool nd_name_validn(const char *name, size_t len)
{
    if (!name || len == 0 || len > ND_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool nd_name_valid(const char *name)
{
    return name && nd_name_validn(name, strnlen(name, ND_NAME_MAX + 1));
}

int nd_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int nd_parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

static volatile sig_atomic_t *s_flag;

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_flag)
        *s_flag = 1;
}

void nd_signals_install(volatile sig_atomic_t *flag)
{
    /* czmq would otherwise install its own SIGINT/SIGTERM handler on first use. */
    zsys_handler_set(NULL);
    s_flag = flag;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

const char *nd_env_or(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}
