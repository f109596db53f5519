/* SPDX-License-Identifier: MIT */
/* dumpling_ref.h: the tree-walking dumpling validator the scanner is checked
 * against (dumpling_ref.c). */
#ifndef ND_DUMPLING_REF_H
#define ND_DUMPLING_REF_H

#include "netdumplings/dumpling.h"

/* nd_dumpling_decode as it was: msgpack-c unpacks, then the objects are
 * checked. Same contract. */
int nd_ref_dumpling_decode(nd_dumpling_t *d, const void *body, size_t len, char *err,
                           size_t errlen);

#endif
