/* SPDX-License-Identifier: MIT */
/* count_allocs.h: counts the process's malloc, calloc and realloc calls in
 * s_allocs, for tests that check a path allocates nothing once warm. Include
 * it in exactly one file of a test executable: its malloc family overrides
 * libc's for the whole process. Under AddressSanitizer that would fight its
 * allocator, so S_COUNT_ALLOCS is 0 there and the checks are skipped. */
#ifndef ND_COUNT_ALLOCS_H
#define ND_COUNT_ALLOCS_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define S_COUNT_ALLOCS 0
#else
#define S_COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static volatile long s_allocs;
void *malloc(size_t n)
{
    s_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
    s_allocs++;
    return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
    s_allocs++;
    return __libc_realloc(p, n);
}
#endif

#endif
