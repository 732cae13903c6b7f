/* Schema and table sizes from information_schema, with an explicit refresh policy. */
#ifndef TEJUN_DBSIZES_H
#define TEJUN_DBSIZES_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct dbconn;

struct dbsizes_opts {
	const char *const *schemas; /* NULL-terminated; NULL = every non-system schema */
	bool analyze;               /* ANALYZE LOCAL TABLE first (fresh statistics, not replicated) */
	bool exact;                 /* also SELECT COUNT(*) per table (exact_rows) */
};

/* Returns {refresh, schemas: [{name, rows, data_length, index_length, total, tables: [...]}],
 * total: {...}}; NULL with c->err on error. */
json_t *dbsizes_collect(struct dbconn *c, const struct dbsizes_opts *o);
/* Prints the report as an aligned table in human units. */
void dbsizes_print(json_t *report, FILE *f);
#endif
