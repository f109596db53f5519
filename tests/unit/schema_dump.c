/* SPDX-License-Identifier: MIT */
/* schema_dump: prints the field tables of netdumplings/status.h and the
 * metadata table of netdumplings/dumpling.h as the
 * Markdown tables docs/protocol.md holds between its "<!-- schema: NAME begin
 * -->" and "end" markers; check_schema_docs.py compares the two. */
#include <ctype.h>
#include <stdio.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/status.h"

typedef struct {
    const char *key, *type, *in, *doc;
} s_row_t;

#define S_ROW3(id, type, doc) {ND_ST_##id, #type, NULL, doc},
#define S_ROW4(id, type, in, doc) {ND_ST_##id, #type, in, doc},
static const s_row_t s_status[] = {ND_STATUS_FIELDS(S_ROW3){NULL, NULL, NULL, NULL}};
static const s_row_t s_entry[] = {ND_STATUS_ENTRY_FIELDS(S_ROW4){NULL, NULL, NULL, NULL}};
static const s_row_t s_hub[] = {ND_STATUS_HUB_FIELDS(S_ROW4){NULL, NULL, NULL, NULL}};

/* The metadata table's types, as the docs say them. */
#define S_MD_TYPE_NAME "str, a valid name"
#define S_MD_TYPE_DRIVER "str, \"packet\" or \"interval\""
#define S_MD_TYPE_MSTIME "float, epoch milliseconds (an integer is accepted on input)"
#define S_MD_TYPE_UINT "uint"
#define S_MD_ROW(id, m, type, presence, doc)                                                       \
    printf("| `%s` | %s | %s | %s |\n", ND_MD_##id, S_MD_TYPE_##type,                              \
           #presence[0] == 'R' ? "required" : "optional", doc);

static void s_metadata(void)
{
    printf("<!-- schema: metadata begin -->\n");
    printf("| key | type | on input | meaning |\n|---|---|---|---|\n");
    ND_DUMPLING_META_FIELDS(S_MD_ROW)
    printf("<!-- schema: metadata end -->\n");
}

static void s_lower(const char *s)
{
    for (; *s; s++)
        putchar(tolower((unsigned char)*s));
}

static void s_table(const char *name, const s_row_t *rows)
{
    printf("<!-- schema: %s begin -->\n", name);
    printf(rows->in ? "| key | type | in | meaning |\n|---|---|---|---|\n"
                    : "| key | type | meaning |\n|---|---|---|\n");
    for (const s_row_t *r = rows; r->key; r++) {
        printf("| `%s` | ", r->key);
        s_lower(r->type);
        if (r->in)
            printf(" | %s", r->in);
        printf(" | %s |\n", r->doc);
    }
    printf("<!-- schema: %s end -->\n", name);
}

int main(void)
{
    s_table("status", s_status);
    s_table("status-entry", s_entry);
    s_table("status-hub", s_hub);
    s_metadata();
    return 0;
}
