/* SPDX-License-Identifier: MIT */
/* fuzz_client_parse.c: libFuzzer target for the gateway's reading of what a
 * WebSocket client says (gateway/client_parse.c): the first byte picks the
 * first message (even) or the query string (odd); whatever comes in, the
 * result is a refusal with close code 4000 and a short reason, or a filter of
 * at most 16 valid, distinct names per list. */
#include <string.h>

#include "../../gateway/client_parse.h"
#include "netdumplings/payload.h"
#include "fuzz.h"

/* What must hold for any filter the parser leaves behind, refused or not. */
static void s_check_list(char *const *list, size_t n)
{
    ND_FUZZ_CHECK(n <= GW_MAX_FILTER, "%zu names", n);
    for (size_t i = 0; i < n; i++) {
        ND_FUZZ_CHECK(nd_name_valid(list[i]), "invalid name '%s' kept", list[i]);
        for (size_t j = 0; j < i; j++)
            ND_FUZZ_CHECK(strcmp(list[i], list[j]) != 0, "'%s' kept twice", list[i]);
    }
}

static void s_check(const gw_filter_t *f)
{
    s_check_list(f->chefs, f->nchefs);
    s_check_list(f->kitchens, f->nkitchens);
    ND_FUZZ_CHECK(strlen(f->eater_name) <= ND_NAME_MAX, "eater_name too long");
    ND_FUZZ_CHECK(!f->named || nd_name_valid(f->eater_name), "named '%s'", f->eater_name);
    const char *chef = f->nchefs ? f->chefs[f->nchefs - 1] : "AnyChef";
    const char *kitchen = f->nkitchens ? f->kitchens[0] : "any";
    ND_FUZZ_CHECK(gw_filter_wants(f, chef, kitchen), "a listed chef and kitchen are not wanted");
    if (f->nchefs)
        ND_FUZZ_CHECK(!gw_filter_wants(f, "", kitchen), "an unlisted chef is wanted");
}

static void s_check_refusal(int code, const char *reason)
{
    ND_FUZZ_CHECK(code == GW_CLOSE_BAD_FIRST, "close code %d", code);
    /* A close frame's reason has room for 123 bytes (RFC 6455 5.5). */
    ND_FUZZ_CHECK(reason && reason[0] && strlen(reason) <= 123, "reason '%s'", reason);
}

/* As ws.c does it: UTF-8 first (1007), then the first message. jansson checks
 * UTF-8 on its own, so a text it loads must pass ours. */
static void s_first_message(const uint8_t *data, size_t size)
{
    bool utf8 = nd_utf8_valid(data, size);
    json_t *any = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    ND_FUZZ_CHECK(!any || utf8, "jansson loaded what gw_utf8_valid refuses");
    json_decref(any);
    if (!utf8)
        return;
    gw_filter_t f;
    gw_filter_init(&f);
    const char *reason = NULL;
    int code = gw_parse_first_message(&f, (const char *)data, size, &reason);
    if (code)
        s_check_refusal(code, reason);
    s_check(&f);
    gw_filter_release(&f);
}

/* As lws hands the query string to ws.c: split at '&' and ';' (lws has
 * decoded %-escapes and '+' by then), at most 64 arguments, each a C string
 * shorter than 256 bytes; an empty or longer one ends the list. */
static void s_query(const uint8_t *data, size_t size)
{
    gw_filter_t f;
    gw_filter_init(&f);
    size_t at = 0;
    for (int i = 0; i < 64 && at < size; i++) {
        size_t len = 0;
        while (at + len < size && data[at + len] != '&' && data[at + len] != ';')
            len++;
        if (len == 0 || len >= 256)
            break;
        char arg[256];
        memcpy(arg, data + at, len);
        arg[len] = '\0';
        const char *reason = NULL;
        int code = gw_parse_query_arg(&f, arg, &reason);
        if (code) {
            s_check_refusal(code, reason);
            break;
        }
        at += len + 1;
    }
    s_check(&f);
    gw_filter_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        s_query(data + 1, size - 1);
    else
        s_first_message(data + 1, size - 1);
    return 0;
}
