/* SPDX-License-Identifier: MIT */
/* client_parse.c: the gateway's reading of a client's query-string filters
 * and first message into a gw_filter_t (UTF-8: nd_utf8_valid, payload.h); pure functions
 * (jansson, no lws), so tests/unit and tests/fuzz can call them directly. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_parse.h"

/* The reasons go into a close frame, so they are static and short (< 123 bytes). */
static const char s_bad_name[] = "filters take names of 1-64 characters [A-Za-z0-9_.-]";
static const char s_bad_list[] = "filters take at most 16 names of 1-64 characters [A-Za-z0-9_.-]";
static const char s_bad_unit[] = "time_unit must be \"ms\" or \"s\"";
static const char s_bad_loss[] = "loss must be 0 or 1";
static const char s_bad_batch[] = "batch must be 0 or 1";

/* "ms" or "s" into 'm' or 's'; 0 for anything else. */
static char s_unit(const char *v, size_t len)
{
    if (len == 2 && memcmp(v, "ms", 2) == 0)
        return 'm';
    if (len == 1 && v[0] == 's')
        return 's';
    return 0;
}

void gw_filter_init(gw_filter_t *self)
{
    memset(self, 0, sizeof *self);
    snprintf(self->eater_name, sizeof self->eater_name, "%s", "anonymous");
}

void gw_filter_release(gw_filter_t *self)
{
    for (size_t i = 0; i < self->nchefs; i++)
        free(self->chefs[i]);
    for (size_t i = 0; i < self->nkitchens; i++)
        free(self->kitchens[i]);
    self->nchefs = self->nkitchens = 0;
}

bool gw_filter_wants(const gw_filter_t *self, const char *chef, const char *kitchen)
{
    bool ok = self->nchefs == 0;
    for (size_t i = 0; !ok && i < self->nchefs; i++)
        ok = strcmp(self->chefs[i], chef) == 0;
    if (!ok)
        return false;
    if (self->nkitchens == 0)
        return true;
    for (size_t i = 0; i < self->nkitchens; i++)
        if (strcmp(self->kitchens[i], kitchen) == 0)
            return true;
    return false;
}

/* Adds one chef or kitchen name to a list, once; -1 when invalid or too many. */
static int s_add_name(char **list, size_t *n, const char *name, size_t len)
{
    if (!nd_name_validn(name, len) || *n >= GW_MAX_FILTER)
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
            return 0;
    list[*n] = strndup(name, len);
    if (!list[*n])
        return -1;
    (*n)++;
    return 0;
}

/* An on/off query argument's value: "0" or "1"; -1 for anything else. */
static int s_flag(const char *value, bool *out)
{
    if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
        return -1;
    *out = value[0] == '1';
    return 0;
}

int gw_parse_query_arg(gw_filter_t *self, const char *arg, const char **reason)
{
    int rc = 0;
    if (strncmp(arg, "chef=", 5) == 0)
        rc = s_add_name(self->chefs, &self->nchefs, arg + 5, strlen(arg + 5));
    else if (strncmp(arg, "kitchen=", 8) == 0)
        rc = s_add_name(self->kitchens, &self->nkitchens, arg + 8, strlen(arg + 8));
    else if (strncmp(arg, "time_unit=", 10) == 0) {
        if (!(self->time_unit = s_unit(arg + 10, strlen(arg + 10)))) {
            *reason = s_bad_unit;
            return GW_CLOSE_BAD_FIRST;
        }
    } else if (strncmp(arg, "loss=", 5) == 0) {
        if (s_flag(arg + 5, &self->loss) != 0) {
            *reason = s_bad_loss;
            return GW_CLOSE_BAD_FIRST;
        }
    } else if (strncmp(arg, "batch=", 6) == 0) {
        if (s_flag(arg + 6, &self->batch) != 0) {
            *reason = s_bad_batch;
            return GW_CLOSE_BAD_FIRST;
        }
    }
    if (rc == 0)
        return 0;
    *reason = s_bad_name;
    return GW_CLOSE_BAD_FIRST;
}

/* Adds a "chef_filter" or "kitchen_filter" value: null, one name, or a list. */
static const char *s_add_list(char **dst, size_t *n, json_t *list)
{
    if (!list || json_is_null(list))
        return NULL;
    if (json_is_string(list)) /* one name given without the brackets */
        return s_add_name(dst, n, json_string_value(list), json_string_length(list)) == 0
                   ? NULL
                   : s_bad_name;
    if (!json_is_array(list))
        return "chef_filter and kitchen_filter must be arrays of names";
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) ||
            s_add_name(dst, n, json_string_value(v), json_string_length(v)) != 0)
            return s_bad_list;
    }
    return NULL;
}

int gw_parse_first_message(gw_filter_t *self, const char *msg, size_t len, const char **reason)
{
    json_error_t jerr;
    json_t *root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        *reason = "first message must be a JSON object";
        return GW_CLOSE_BAD_FIRST;
    }
    const char *why = NULL;
    json_t *name = json_object_get(root, "eater_name");
    if (name) {
        if (!json_is_string(name) || json_string_length(name) > ND_NAME_MAX)
            why = "eater_name must be a string of at most 64 characters";
        else {
            snprintf(self->eater_name, sizeof self->eater_name, "%s", json_string_value(name));
            self->named = nd_name_valid(self->eater_name);
        }
    }
    if (!why)
        why = s_add_list(self->chefs, &self->nchefs, json_object_get(root, "chef_filter"));
    if (!why)
        why = s_add_list(self->kitchens, &self->nkitchens, json_object_get(root, "kitchen_filter"));
    json_t *unit = json_object_get(root, "time_unit");
    if (!why && unit &&
        !(json_is_string(unit) &&
          (self->time_unit = s_unit(json_string_value(unit), json_string_length(unit)))))
        why = s_bad_unit;
    json_decref(root);
    if (!why)
        return 0;
    *reason = why;
    return GW_CLOSE_BAD_FIRST;
}
