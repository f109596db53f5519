/* SPDX-License-Identifier: MIT */
/* client_parse.h: what nd-gateway makes of a WebSocket eater's own words, the
 * query-string arguments of its upgrade request and its first message, with no
 * libwebsockets in sight, so that unit tests and a fuzz target reach it. */
#ifndef GW_CLIENT_PARSE_H
#define GW_CLIENT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "netdumplings/cli.h"

#define GW_MAX_FILTER 16        /* chefs or kitchens one client may name */
#define GW_CLOSE_BAD_FIRST 4000 /* the close code for a refused filter or first message */

/* Who a client is and what it wants: the query string and the first message
 * both add to it; an empty list means "all". */
typedef struct {
    char eater_name[ND_NAME_MAX + 1]; /* "anonymous" until the first message names it */
    bool named;                       /* eater_name was given and is a valid name */
    char *chefs[GW_MAX_FILTER];
    size_t nchefs;
    char *kitchens[GW_MAX_FILTER];
    size_t nkitchens;
    char time_unit; /* creation_time: 0 as the gateway's --time-unit, 'm' ms, 's' seconds */
    bool loss;      /* ?loss=1: served with holes when it lags, told {"$loss": ...} */
    bool batch;     /* ?batch=1: a JSON array of messages per text frame */
} gw_filter_t;

/* An empty filter (everything) for an eater called "anonymous". */
void gw_filter_init(gw_filter_t *self);
/* Frees the names; the filter is empty again. */
void gw_filter_release(gw_filter_t *self);
/* Whether a dumpling of `chef` in `kitchen` passes the filter. */
bool gw_filter_wants(const gw_filter_t *self, const char *chef, const char *kitchen);

/* One argument of the upgrade request's query string as lws hands it over
 * (split at '&' and ';', %-escapes and '+' decoded, a C string): "chef=NAME"
 * or "kitchen=NAME" adds NAME, "time_unit=ms|s" sets the client's unit of
 * creation_time, "loss=1|0" whether it wants to hear of its loss, "batch=1|0" whether
 * it takes its messages as JSON arrays, several per text frame; other arguments (token=, ...) are
 * not ours. Returns 0, or the close code to use, with *reason set to a static string. */
int gw_parse_query_arg(gw_filter_t *self, const char *arg, const char **reason);

/* The first message, {"eater_name": "x", "chef_filter": [...],
 * "kitchen_filter": [...], "time_unit": "ms"|"s"}, every key optional, a
 * filter also as one string.
 * Returns 0, or the close code to use, with *reason set to a static string. */
int gw_parse_first_message(gw_filter_t *self, const char *msg, size_t len, const char **reason);

#endif
