/* Verification that nothing was lost between two servers: exact row counts, chunked
 * checksums over primary-key ranges, and a schema diff. Same SQL on MySQL and MariaDB. */
#ifndef TEJUN_DBVERIFY_H
#define TEJUN_DBVERIFY_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct dbconn;

struct dbverify_opts {
	const char *const *schemas;  /* source schemas, NULL-terminated; NULL = all but system/tejun */
	const char *const *map;      /* pairs old, new, ..., NULL: target schema names */
	size_t chunk;                /* rows per checksum chunk (default 1000) */
	bool no_data;                /* schema diff only */
	/* Called between chunks from the calling thread: rows done of total, label "schema.table". */
	void (*progress)(void *ud, double done, double total, const char *label);
	/* Polled between chunks: true stops the run (abandoned step). */
	bool (*cancel)(void *ud);
	void *ud;
};

/* Returns {ok, mismatches, tables_checked, rows, problems: ["one line each"], tables: [{schema,
 * target_schema, table, rows_source, rows_target, chunks, bad_chunks: [{lower, upper,
 * rows_source, rows_target, keys}], schema_diff: [...]}]}; NULL with *err on a query error. */
json_t *dbverify_run(struct dbconn *src, struct dbconn *dst, const struct dbverify_opts *o, char **err);
/* The checksum expression of one row over the given columns (exposed for tests and docs). */
char *dbverify_row_expr(const char *const *cols, size_t n);
#endif
