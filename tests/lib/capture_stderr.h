/* SPDX-License-Identifier: MIT */
/* capture_stderr.h: what a piece of code logs, for tests that check a
 * warning is said (nd_log writes to stderr). Needs cmocka.h first. */
#ifndef ND_CAPTURE_STDERR_H
#define ND_CAPTURE_STDERR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Sends stderr (where nd_log writes) to a file until s_capture_end(). */
typedef struct {
    char path[64];
    int fd;
    int saved;
} s_capture_t;

static void s_capture_begin(s_capture_t *c)
{
    snprintf(c->path, sizeof c->path, "/tmp/nd-test-stderr-XXXXXX");
    c->fd = mkstemp(c->path);
    assert_true(c->fd >= 0);
    fflush(stderr);
    c->saved = dup(2);
    dup2(c->fd, 2);
}

/* Restores stderr and returns what was written (static buffer). */
static const char *s_capture_end(s_capture_t *c)
{
    static char log[8192];
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    ssize_t n = pread(c->fd, log, sizeof log - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(c->fd);
    unlink(c->path);
    return log;
}

#endif
