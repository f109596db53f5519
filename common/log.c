/* SPDX-License-Identifier: MIT */
/* log.c: log lines with UTC ISO-8601 timestamps, on stderr, one write per line. */
#include "netdumplings/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *s_prog = "netdumplings";
static nd_log_level_t s_level = ND_LOG_INFO;
static const char *const s_level_names[] = {"error", "warn", "info", "debug"};

void nd_log_setup(const char *prog, nd_log_level_t level)
{
    if (prog) {
        const char *slash = strrchr(prog, '/');
        s_prog = slash ? slash + 1 : prog;
    }
    if (level < ND_LOG_ERROR)
        level = ND_LOG_ERROR;
    if (level > ND_LOG_DEBUG)
        level = ND_LOG_DEBUG;
    s_level = level;
}

nd_log_level_t nd_log_get_level(void)
{
    return s_level;
}

double nd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double nd_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *nd_time_iso8601(double epoch, int decimals, int zulu, char *buf, unsigned long len)
{
    static const long scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    if (epoch < 0)
        epoch = 0;
    time_t secs = (time_t)epoch;
    long frac = (long)((epoch - (double)secs) * (double)scale[decimals]);
    if (frac >= scale[decimals]) /* rounding at the edge of a second */
        frac = scale[decimals] - 1;
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0)
        return buf;
    if (decimals > 0)
        n += (size_t)snprintf(buf + n, len > n ? len - n : 0, ".%0*ld", decimals, frac);
    if (zulu && n + 1 < len) {
        buf[n++] = 'Z';
        buf[n] = '\0';
    }
    return buf;
}

void nd_vlog(nd_log_level_t level, const char *fmt, va_list ap)
{
    if (level > s_level)
        return;
    char line[2048];
    char when[40];
    nd_time_iso8601(nd_now(), 3, 1, when, sizeof when);
    int n = snprintf(line, sizeof line, "%s %s[%d] %s: ", when, s_prog, (int)getpid(),
                     s_level_names[level < 0 || level > ND_LOG_DEBUG ? 0 : level]);
    if (n < 0)
        return;
    if ((size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t len = strlen(line);
    if (len == sizeof line - 1)
        len--; /* truncated: keep room for the newline */
    line[len++] = '\n';
    /* One write(2) per line keeps lines whole when several processes share stderr. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void nd_log(nd_log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nd_vlog(level, fmt, ap);
    va_end(ap);
}

void nd_log_limited(nd_ratelimit_t *rl, double interval, nd_log_level_t level, const char *fmt, ...)
{
    if (level > s_level)
        return;
    double now = nd_monotonic();
    if (rl->last != 0 && now - rl->last < interval) {
        rl->suppressed++;
        return;
    }
    if (rl->suppressed)
        nd_log(level, "(%lu similar lines suppressed)", rl->suppressed);
    rl->last = now;
    rl->suppressed = 0;
    va_list ap;
    va_start(ap, fmt);
    nd_vlog(level, fmt, ap);
    va_end(ap);
}
