/* Per schema and table sizes, like the seed's size query, with totals and human output. */
#include "config.h"
#include "mysql/dbsizes.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>

static const char SYSTEM_SCHEMAS[] = "('mysql','information_schema','performance_schema','sys')";

static json_int_t num(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static void add_total(json_t *dst, json_t *src)
{
	static const char *const keys[] = {"rows", "data_length", "index_length", "total", "table_count"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(src, keys[i]);
		json_int_t add = v ? json_integer_value(v) : (strcmp(keys[i], "table_count") == 0 ? 1 : 0);
		json_int_t cur = json_integer_value(json_object_get(dst, keys[i]));
		json_object_set_new(dst, keys[i], json_integer(cur + add));
	}
	json_t *ex = json_object_get(src, "exact_rows");
	if (ex)
		json_object_set_new(dst, "exact_rows",
				    json_integer(json_integer_value(json_object_get(dst, "exact_rows")) +
						 json_integer_value(ex)));
}

static json_t *zeros(void)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "rows", (json_int_t)0, "data_length", (json_int_t)0,
			 "index_length", (json_int_t)0, "total", (json_int_t)0, "table_count", (json_int_t)0);
}

static void schema_filter(struct dbconn *c, struct sbuf *q, const char *const *schemas)
{
	if (!schemas) {
		sbuf_addf(q, " AND TABLE_SCHEMA NOT IN %s", SYSTEM_SCHEMAS);
		return;
	}
	sbuf_adds(q, " AND TABLE_SCHEMA IN (");
	for (int i = 0; schemas[i]; i++) {
		if (i)
			sbuf_adds(q, ",");
		dbconn_quote(c, q, schemas[i], strlen(schemas[i]));
	}
	if (!schemas[0])
		sbuf_adds(q, "NULL");
	sbuf_adds(q, ")");
}

static struct dbres *list_tables(struct dbconn *c, const char *const *schemas)
{
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH "
		      "FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'");
	schema_filter(c, &q, schemas);
	sbuf_adds(&q, " ORDER BY TABLE_SCHEMA, TABLE_NAME");
	struct dbres *r = NULL;
	int rc = dbconn_query(c, q.data, &r);
	sbuf_free(&q);
	return rc < 0 ? NULL : r;
}

static char *qualified(const char *schema, const char *table)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote_ident(&b, schema);
	sbuf_adds(&b, ".");
	dbconn_quote_ident(&b, table);
	return sbuf_steal(&b);
}

json_t *dbsizes_collect(struct dbconn *c, const struct dbsizes_opts *o)
{
	const char *refresh = "live";
	/* MySQL 8 caches these columns for a day unless the session says otherwise. */
	if (dbconn_is_mysql8(c)) {
		if (dbconn_query(c, "SET SESSION information_schema_stats_expiry = 0", NULL) < 0)
			return NULL;
		refresh = "information_schema_stats_expiry=0";
	}
	struct dbres *r = list_tables(c, o->schemas);
	if (!r)
		return NULL;
	if (o->analyze) {
		for (size_t i = 0; i < r->nrows; i++) {
			char *t = qualified(dbres_get(r, i, 0), dbres_get(r, i, 1));
			int rc = dbconn_execf(c, "ANALYZE NO_WRITE_TO_BINLOG TABLE %s", t);
			free(t);
			if (rc < 0) {
				dbres_free(r);
				return NULL;
			}
		}
		dbres_free(r);
		if (!(r = list_tables(c, o->schemas)))
			return NULL;
		refresh = "analyze";
	}
	json_t *schemas = json_array(), *total = zeros(), *cur = NULL;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *s = dbres_get(r, i, 0), *name = dbres_get(r, i, 1);
		if (!cur || strcmp(json_string_value(json_object_get(cur, "name")), s) != 0) {
			cur = zeros();
			json_object_set_new(cur, "name", json_string(s));
			json_object_set_new(cur, "tables", json_array());
			json_array_append_new(schemas, cur);
		}
		json_int_t dl = num(dbres_get(r, i, 4)), il = num(dbres_get(r, i, 5));
		json_t *t = json_pack("{s:s,s:s?,s:I,s:I,s:I,s:I}", "name", name, "engine",
				      dbres_get(r, i, 2), "rows", num(dbres_get(r, i, 3)), "data_length", dl,
				      "index_length", il, "total", dl + il);
		if (o->exact) {
			char *q = qualified(s, name), *n = NULL;
			char *sql = xasprintf("SELECT COUNT(*) FROM %s", q);
			int rc = dbconn_scalar(c, sql, &n);
			free(sql);
			free(q);
			if (rc < 0) {
				json_decref(t);
				json_decref(schemas);
				json_decref(total);
				dbres_free(r);
				return NULL;
			}
			json_object_set_new(t, "exact_rows", json_integer(num(n)));
			free(n);
		}
		json_array_append_new(json_object_get(cur, "tables"), t);
		add_total(cur, t);
		add_total(total, t);
	}
	dbres_free(r);
	return json_pack("{s:s,s:o,s:o}", "refresh", refresh, "schemas", schemas, "total", total);
}

static void print_line(FILE *f, const char *indent, const char *name, json_t *o)
{
	char d[32], ix[32], tot[32];
	format_bytes((double)json_integer_value(json_object_get(o, "data_length")), d, sizeof d);
	format_bytes((double)json_integer_value(json_object_get(o, "index_length")), ix, sizeof ix);
	format_bytes((double)json_integer_value(json_object_get(o, "total")), tot, sizeof tot);
	json_t *ex = json_object_get(o, "exact_rows");
	json_int_t rows = json_integer_value(ex ? ex : json_object_get(o, "rows"));
	fprintf(f, "%s%-*s %14lld %10s %10s %10s\n", indent, 40 - (int)strlen(indent), name,
		(long long)rows, d, ix, tot);
}

void dbsizes_print(json_t *report, FILE *f)
{
	json_t *schemas = json_object_get(report, "schemas"), *s, *t;
	size_t i, j;
	bool exact = false;
	fprintf(f, "%-40s %14s %10s %10s %10s\n", "schema / table", "rows", "data", "index", "total");
	json_array_foreach(schemas, i, s) {
		print_line(f, "", json_string_value(json_object_get(s, "name")), s);
		json_array_foreach(json_object_get(s, "tables"), j, t) {
			exact |= json_object_get(t, "exact_rows") != NULL;
			print_line(f, "  ", json_string_value(json_object_get(t, "name")), t);
		}
	}
	print_line(f, "", "TOTAL", json_object_get(report, "total"));
	fprintf(f, "(rows: %s; statistics: %s)\n", exact ? "exact COUNT(*)" : "estimated TABLE_ROWS",
		json_string_value(json_object_get(report, "refresh")));
}
