/* SPDX-License-Identifier: MIT */
/* log.h: log lines with UTC ISO-8601 timestamps and levels, on stderr. */
#ifndef ND_LOG_H
#define ND_LOG_H

#include <stdarg.h>

typedef enum {
    ND_LOG_ERROR = 0,
    ND_LOG_WARN = 1,
    ND_LOG_INFO = 2,
    ND_LOG_DEBUG = 3,
} nd_log_level_t;

/* Sets the program name shown in every line and the most verbose level shown
 * (default ND_LOG_INFO). -v raises the level by one, -q lowers it to ERROR. */
void nd_log_setup(const char *prog, nd_log_level_t level);
nd_log_level_t nd_log_get_level(void);

/* One line: "2026-11-26T03:10:43.123Z nd-shifty[4242] warn: message". */
void nd_log(nd_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nd_vlog(nd_log_level_t level, const char *fmt, va_list ap);

#define nd_error(...) nd_log(ND_LOG_ERROR, __VA_ARGS__)
#define nd_warn(...) nd_log(ND_LOG_WARN, __VA_ARGS__)
#define nd_info(...) nd_log(ND_LOG_INFO, __VA_ARGS__)
#define nd_debug(...) nd_log(ND_LOG_DEBUG, __VA_ARGS__)

/* Rate limiting for lines that hostile input could trigger at line rate: at most
 * one line per `interval` seconds; the next line that passes says how many were
 * suppressed. Zero-initialise one per call site. */
typedef struct {
    double last;
    unsigned long suppressed;
} nd_ratelimit_t;

void nd_log_limited(nd_ratelimit_t *rl, double interval, nd_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the UTC ISO-8601 form of `epoch` seconds with `decimals` fractional
 * digits (0..6) and a trailing 'Z' when `zulu`. Returns `buf`. */
char *nd_time_iso8601(double epoch, int decimals, int zulu, char *buf, unsigned long len);

/* Wall clock, epoch seconds. Monotonic clock, seconds. */
double nd_now(void);
double nd_monotonic(void);

#endif
