/* Row counts, PK-range chunk checksums (CRC32, BIT_XOR and SUM over CAST AS BINARY with ISNULL
 * markers, so binary-safe, NULL-aware and equal on MySQL and MariaDB) and a schema diff. */
#include "config.h"
#include "mysql/dbverify.h"
#include "mysql/dbconn.h"
#include "mysql/dbrename.h"
#include "core/util.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vctx {
	struct dbconn *src, *dst;
	const struct dbverify_opts *o;
	json_t *report, *problems;
	char **err;
	double done, total;
};

static char *lit(struct dbconn *c, const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote(c, &b, s, strlen(s));
	return sbuf_steal(&b);
}

char *dbverify_row_expr(const char *const *cols, size_t n)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, "CRC32(CONCAT_WS('#'");
	for (size_t i = 0; i < n; i++) {
		char *q = dbconn_qualified(cols[i], NULL);
		sbuf_addf(&b, ", CAST(%s AS BINARY)", q);
		free(q);
	}
	/* CONCAT_WS skips NULLs: the ISNULL markers tell NULL from '' and shifted values apart. */
	sbuf_adds(&b, ", CONCAT(''");
	for (size_t i = 0; i < n; i++) {
		char *q = dbconn_qualified(cols[i], NULL);
		sbuf_addf(&b, ", ISNULL(%s)", q);
		free(q);
	}
	sbuf_adds(&b, ")))");
	return sbuf_steal(&b);
}

static const char *map_schema(const struct dbverify_opts *o, const char *s)
{
	for (size_t i = 0; o->map && o->map[i] && o->map[i + 1]; i += 2)
		if (strcmp(o->map[i], s) == 0)
			return o->map[i + 1];
	return s;
}

static void problem(struct vctx *v, json_t *tdiff, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct vctx *v, json_t *tdiff, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(v->problems, json_string(m));
	if (tdiff)
		json_array_append_new(tdiff, json_string(m));
	free(m);
}

/* ---- schema diff ---- */

/* Integer display widths and MariaDB's quoted defaults differ from MySQL 8 for the same schema. */
static char *norm_type(const char *t)
{
	static const char *const ints[] = {"tinyint(", "smallint(", "mediumint(", "int(", "bigint(", NULL};
	for (int i = 0; ints[i]; i++)
		if (strncmp(t, ints[i], strlen(ints[i])) == 0) {
			const char *close = strchr(t, ')');
			if (close)
				return xasprintf("%.*s%s", (int)strlen(ints[i]) - 1, t, close + 1);
		}
	return xstrdup(t);
}

static char *norm_default(const char *d, bool mariadb)
{
	if (!d)
		return xstrdup("(none)");
	if (mariadb && strcmp(d, "NULL") == 0)
		return xstrdup("(none)");
	size_t n = strlen(d);
	if (mariadb && n >= 2 && d[0] == '\'' && d[n - 1] == '\'') {
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 1; i + 1 < n; i++) {
			if (d[i] == '\'' && d[i + 1] == '\'')
				i++;
			sbuf_add(&b, d + i, 1);
		}
		return sbuf_steal(&b);
	}
	if (strncasecmp(d, "current_timestamp", 17) == 0)
		return xstrdup("CURRENT_TIMESTAMP");
	return xstrdup(d);
}

/* key -> canonical description of one kind of object, schema references mapped to the target. */
static json_t *fetch_map(struct dbconn *c, const char *sql, const char *from, const char *to, bool column)
{
	struct dbres *r = NULL;
	if (dbconn_query(c, sql, &r) < 0)
		return NULL;
	json_t *m = json_object();
	for (size_t i = 0; i < r->nrows; i++) {
		struct sbuf b;
		sbuf_init(&b);
		for (unsigned k = 1; k < r->ncols; k++) {
			const char *cell = dbres_get(r, i, k);
			char *x;
			if (column && k == 1)
				x = norm_type(cell ? cell : "");
			else if (column && k == 3)
				x = norm_default(cell, c->flavour == DB_MARIADB);
			else if (column && k == 4) {
				x = xstrdup(cell ? cell : "");
				char *dg = strstr(x, "DEFAULT_GENERATED");
				if (dg)
					memmove(dg, dg + 17, strlen(dg + 17) + 1);
				while (*x && x[strlen(x) - 1] == ' ')
					x[strlen(x) - 1] = '\0';
			} else if (from && cell && strcmp(cell, from) == 0) /* REFERENCED_TABLE_SCHEMA */
				x = xstrdup(to);
			else
				x = from ? dbrename_rewrite(cell ? cell : "NULL", from, to) : xstrdup(cell ? cell : "NULL");
			sbuf_addf(&b, "%s%s", k > 1 ? " | " : "", x);
			free(x);
		}
		json_object_set_new(m, dbres_get(r, i, 0), json_string(b.data));
		sbuf_free(&b);
	}
	dbres_free(r);
	return m;
}

static void diff_maps(struct vctx *v, json_t *tdiff, const char *what, const char *where, json_t *a, json_t *b)
{
	const char *k;
	json_t *x;
	json_object_foreach(a, k, x) {
		json_t *y = json_object_get(b, k);
		if (!y)
			problem(v, tdiff, "%s: %s %s is missing on the target", where, what, k);
		else if (strcmp(json_string_value(x), json_string_value(y)) != 0)
			problem(v, tdiff, "%s: %s %s differs: source %s, target %s", where, what, k,
				json_string_value(x), json_string_value(y));
	}
	json_object_foreach(b, k, x)
		if (!json_object_get(a, k))
			problem(v, tdiff, "%s: %s %s exists only on the target", where, what, k);
}

/* One query per kind, %1$s = schema literal, %2$s = table literal (ignored for schema kinds). */
static const struct {
	const char *what;
	const char *sql;
	bool column, per_table;
} kinds[] = {
	{"column", "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, ORDINAL_POSITION, "
		   "IFNULL(GENERATION_EXPRESSION, '') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
		   "AND TABLE_NAME = %s", true, true},
	{"index", "SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(CONCAT(COLUMN_NAME, IFNULL(CONCAT('(', SUB_PART, ')'), '')) "
		  "ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
		  "GROUP BY INDEX_NAME, NON_UNIQUE", false, true},
	{"foreign key", "SELECT k.CONSTRAINT_NAME, GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION), "
			"k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, GROUP_CONCAT(k.REFERENCED_COLUMN_NAME "
			"ORDER BY k.ORDINAL_POSITION), MAX(rc.UPDATE_RULE), MAX(rc.DELETE_RULE) FROM "
			"information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc "
			"ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
			"AND rc.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA = %s AND k.TABLE_NAME = %s "
			"AND k.REFERENCED_TABLE_NAME IS NOT NULL GROUP BY k.CONSTRAINT_NAME, k.REFERENCED_TABLE_SCHEMA, "
			"k.REFERENCED_TABLE_NAME", false, true},
	{"trigger", "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT "
		    "FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = %s", false, false},
	{"view", "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS "
		 "WHERE TABLE_SCHEMA = %s", false, false},
	{"routine", "SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME), ROUTINE_DEFINITION, DTD_IDENTIFIER "
		    "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s", false, false},
};

static int diff_kind(struct vctx *v, size_t k, const char *s, const char *ts, const char *t, json_t *tdiff)
{
	char *ls = lit(v->src, s), *lts = lit(v->dst, ts), *lt = lit(v->src, t ? t : "");
	const char *a1[] = {ls, lt}, *a2[] = {lts, lt};
	char *q1 = dbconn_fill(kinds[k].sql, a1, 2), *q2 = dbconn_fill(kinds[k].sql, a2, 2);
	json_t *a = fetch_map(v->src, q1, strcmp(s, ts) ? s : NULL, ts, kinds[k].column);
	json_t *b = a ? fetch_map(v->dst, q2, NULL, NULL, kinds[k].column) : NULL;
	free(ls), free(lts), free(lt), free(q1), free(q2);
	if (!a || !b) {
		*v->err = xasprintf("schema diff (%s) on %s: %s", kinds[k].what, a ? v->dst->target : v->src->target,
				    a ? v->dst->err : v->src->err);
		json_decref(a);
		return -1;
	}
	char *where = t ? xasprintf("%s.%s", s, t) : xstrdup(s);
	diff_maps(v, tdiff, kinds[k].what, where, a, b);
	free(where);
	json_decref(a);
	json_decref(b);
	return 0;
}

/* ---- data ---- */

struct tinfo {
	char **cols, **pk;
	bool *pk_num, *pk_bin;
	size_t ncols, npk;
	char *expr, *src_name, *dst_name;
};

static void tinfo_free(struct tinfo *ti)
{
	for (size_t i = 0; i < ti->ncols; i++)
		free(ti->cols[i]);
	for (size_t i = 0; i < ti->npk; i++)
		free(ti->pk[i]);
	free(ti->cols), free(ti->pk), free(ti->pk_num), free(ti->pk_bin);
	free(ti->expr), free(ti->src_name), free(ti->dst_name);
}

static int table_info(struct vctx *v, const char *s, const char *t, struct tinfo *ti)
{
	char *ls = lit(v->src, s), *lt = lit(v->src, t);
	struct dbres *r = NULL;
	int rc = dbconn_queryf(v->src, &r, "SELECT c.COLUMN_NAME, c.DATA_TYPE, s.SEQ_IN_INDEX FROM "
			       "information_schema.COLUMNS c LEFT JOIN information_schema.STATISTICS s ON "
			       "s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND "
			       "s.COLUMN_NAME = c.COLUMN_NAME AND s.INDEX_NAME = 'PRIMARY' WHERE c.TABLE_SCHEMA = %s "
			       "AND c.TABLE_NAME = %s ORDER BY c.ORDINAL_POSITION", ls, lt);
	free(ls), free(lt);
	if (rc < 0)
		return -1;
	ti->ncols = r->nrows;
	ti->cols = xcalloc(r->nrows + 1, sizeof *ti->cols);
	ti->pk = xcalloc(r->nrows + 1, sizeof *ti->pk);
	ti->pk_num = xcalloc(r->nrows + 1, sizeof *ti->pk_num);
	ti->pk_bin = xcalloc(r->nrows + 1, sizeof *ti->pk_bin);
	for (size_t i = 0; i < r->nrows; i++) {
		ti->cols[i] = xstrdup(dbres_get(r, i, 0));
		const char *seq = dbres_get(r, i, 2), *type = dbres_get(r, i, 1);
		if (!seq)
			continue;
		size_t at = strtoul(seq, NULL, 10) - 1;
		if (at >= r->nrows)
			continue;
		ti->pk[at] = xstrdup(dbres_get(r, i, 0));
		ti->pk_num[at] = strstr(type, "int") || !strcmp(type, "decimal") || !strcmp(type, "float") ||
				 !strcmp(type, "double");
		ti->pk_bin[at] = strstr(type, "binary") || strstr(type, "blob") || !strcmp(type, "bit");
		ti->npk = at + 1 > ti->npk ? at + 1 : ti->npk;
	}
	dbres_free(r);
	ti->expr = dbverify_row_expr((const char *const *)ti->cols, ti->ncols);
	return 0;
}

static void add_value(struct dbconn *c, struct sbuf *b, const char *val, size_t len, bool num, bool bin)
{
	if (num) {
		sbuf_add(b, val, len);
	} else if (bin) {
		sbuf_adds(b, "X'");
		for (size_t i = 0; i < len; i++)
			sbuf_addf(b, "%02x", (unsigned char)val[i]);
		sbuf_adds(b, "'");
	} else {
		dbconn_quote(c, b, val, len);
	}
}

/* "(`a`,`b`) > (1,'x')" for a boundary row (NULL bound: no condition). */
static void cond(struct dbconn *c, struct sbuf *b, const struct tinfo *ti, const char *op, char **bound, size_t *lens)
{
	sbuf_adds(b, "(");
	for (size_t i = 0; i < ti->npk; i++) {
		char *q = dbconn_qualified(ti->pk[i], NULL);
		sbuf_addf(b, "%s%s", i ? "," : "", q);
		free(q);
	}
	sbuf_addf(b, ") %s (", op);
	for (size_t i = 0; i < ti->npk; i++) {
		if (i)
			sbuf_adds(b, ",");
		add_value(c, b, bound[i], lens[i], ti->pk_num[i], ti->pk_bin[i]);
	}
	sbuf_adds(b, ")");
}

static char *where_clause(struct dbconn *c, const struct tinfo *ti, char **lo, size_t *lol, char **hi, size_t *hil)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, " WHERE 1=1");
	if (lo) {
		sbuf_adds(&b, " AND ");
		cond(c, &b, ti, ">", lo, lol);
	}
	if (hi) {
		sbuf_adds(&b, " AND ");
		cond(c, &b, ti, "<=", hi, hil);
	}
	return sbuf_steal(&b);
}

static char *pk_list(const struct tinfo *ti)
{
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < ti->npk; i++) {
		char *q = dbconn_qualified(ti->pk[i], NULL);
		sbuf_addf(&b, "%s%s", i ? ", " : "", q);
		free(q);
	}
	return sbuf_steal(&b);
}

/* count:xor:sum of one range on one side. */
static char *chunk_sum(struct dbconn *c, const char *table, const struct tinfo *ti, const char *where)
{
	char *out = NULL;
	char *sql = xasprintf("SELECT CONCAT(COUNT(*), ':', COALESCE(BIT_XOR(%s), 0), ':', COALESCE(SUM(%s), 0)) "
			      "FROM %s%s", ti->expr, ti->expr, table, where);
	int rc = dbconn_scalar(c, sql, &out);
	free(sql);
	return rc < 0 ? NULL : out;
}

/* key text -> row checksum for every row of a range (only for mismatched chunks). */
static json_t *row_sums(struct dbconn *c, const char *table, const struct tinfo *ti, const char *where)
{
	char *pks = pk_list(ti);
	struct dbres *r = NULL;
	int rc = dbconn_queryf(c, &r, "SELECT CONCAT_WS(',', %s), %s FROM %s%s", pks, ti->expr, table, where);
	free(pks);
	if (rc < 0)
		return NULL;
	json_t *m = json_object();
	for (size_t i = 0; i < r->nrows; i++)
		json_object_set_new(m, dbres_get(r, i, 0) ? dbres_get(r, i, 0) : "", json_string(dbres_get(r, i, 1)));
	dbres_free(r);
	return m;
}

static json_t *key_text(char **b, size_t n)
{
	if (!b)
		return json_null();
	struct sbuf s;
	sbuf_init(&s);
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&s, "%s%s", i ? "," : "", b[i]);
	json_t *j = json_string(s.data);
	sbuf_free(&s);
	return j ? j : json_string("(binary key)");
}

static int bad_chunk(struct vctx *v, const struct tinfo *ti, json_t *tr, const char *wsrc, const char *wdst,
		     char **lo, char **hi, const char *cs, const char *cd)
{
	json_t *a = row_sums(v->src, ti->src_name, ti, wsrc), *b = a ? row_sums(v->dst, ti->dst_name, ti, wdst) : NULL;
	if (!a || !b) {
		*v->err = xasprintf("row checksums: %s", a ? v->dst->err : v->src->err);
		json_decref(a);
		return -1;
	}
	json_t *keys = json_array();
	const char *k;
	json_t *x;
	json_object_foreach(a, k, x) {
		json_t *y = json_object_get(b, k);
		if ((!y || !json_equal(x, y)) && json_array_size(keys) < 20)
			json_array_append_new(keys, json_pack("{s:s,s:s}", "key", k, "what", y ? "differs" : "missing on target"));
	}
	json_object_foreach(b, k, x)
		if (!json_object_get(a, k) && json_array_size(keys) < 20)
			json_array_append_new(keys, json_pack("{s:s,s:s}", "key", k, "what", "only on target"));
	json_decref(a);
	json_decref(b);
	json_t *lower = key_text(lo, ti->npk), *upper = key_text(hi, ti->npk);
	problem(v, NULL, "%s: rows differ in key range (%s, %s]: source %s, target %s (count:xor:sum); first key %s",
		ti->src_name, lo ? json_string_value(lower) : "-inf", hi ? json_string_value(upper) : "+inf", cs, cd,
		json_array_size(keys) ? json_string_value(json_object_get(json_array_get(keys, 0), "key")) : "?");
	json_array_append_new(json_object_get(tr, "bad_chunks"),
			      json_pack("{s:o,s:o,s:s,s:s,s:o}", "lower", lower, "upper", upper, "source", cs,
					"target", cd, "keys", keys));
	return 0;
}

static void free_bound(char **b, size_t *l, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		free(b[i]);
	free(b);
	free(l);
}

static int verify_data(struct vctx *v, const struct tinfo *ti, json_t *tr, const char *label)
{
	char **lo = NULL, **hi = NULL;
	size_t *lol = NULL, *hil = NULL;
	long long rs = 0, rd = 0, chunks = 0;
	size_t chunk = v->o->chunk ? v->o->chunk : 1000;
	char *pks = ti->npk ? pk_list(ti) : NULL;
	for (;;) {
		if (v->o->cancel && v->o->cancel(v->o->ud)) {
			*v->err = xstrdup("verify abandoned");
			goto fail;
		}
		hi = NULL;
		hil = NULL;
		if (ti->npk) { /* the upper bound of this chunk: the chunk-th key after lo */
			char *w = where_clause(v->src, ti, lo, lol, NULL, NULL);
			struct dbres *r = NULL;
			int rc = dbconn_queryf(v->src, &r, "SELECT %s FROM %s%s ORDER BY %s LIMIT 1 OFFSET %zu", pks,
					       ti->src_name, w, pks, chunk - 1);
			free(w);
			if (rc < 0) {
				*v->err = xasprintf("%s: %s", ti->src_name, v->src->err);
				goto fail;
			}
			if (r->nrows) {
				hi = xcalloc(ti->npk, sizeof *hi);
				hil = xcalloc(ti->npk, sizeof *hil);
				for (unsigned i = 0; i < ti->npk; i++) {
					hil[i] = dbres_len(r, 0, i);
					hi[i] = xstrndup(dbres_get(r, 0, i) ? dbres_get(r, 0, i) : "", hil[i]);
				}
			}
			dbres_free(r);
		}
		char *ws = where_clause(v->src, ti, lo, lol, hi, hil), *wd = where_clause(v->dst, ti, lo, lol, hi, hil);
		char *cs = chunk_sum(v->src, ti->src_name, ti, ws);
		char *cd = cs ? chunk_sum(v->dst, ti->dst_name, ti, wd) : NULL;
		if (!cs || !cd) {
			*v->err = xasprintf("checksum of %s: %s", cs ? ti->dst_name : ti->src_name,
					    cs ? v->dst->err : v->src->err);
			free(ws), free(wd), free(cs);
			free_bound(hi, hil, ti->npk);
			goto fail;
		}
		chunks++;
		rs += strtoll(cs, NULL, 10);
		rd += strtoll(cd, NULL, 10);
		int rc = 0;
		if (strcmp(cs, cd) != 0) {
			if (ti->npk)
				rc = bad_chunk(v, ti, tr, ws, wd, lo, hi, cs, cd);
			else
				problem(v, NULL, "%s (no primary key): table checksums differ: source %s, target %s "
					"(count:xor:sum)", ti->src_name, cs, cd);
		}
		free(ws), free(wd), free(cs), free(cd);
		free_bound(lo, lol, ti->npk);
		lo = hi;
		lol = hil;
		v->done += (double)chunk;
		if (v->o->progress)
			v->o->progress(v->o->ud, v->done < v->total ? v->done : v->total, v->total, label);
		if (rc < 0)
			goto fail;
		if (!hi)
			break;
	}
	free(pks);
	json_object_set_new(tr, "rows_source", json_integer(rs));
	json_object_set_new(tr, "rows_target", json_integer(rd));
	json_object_set_new(tr, "chunks", json_integer(chunks));
	if (rs != rd)
		problem(v, NULL, "%s: %lld rows on the source, %lld on the target", ti->src_name, rs, rd);
	json_object_set_new(v->report, "rows",
			    json_integer(json_integer_value(json_object_get(v->report, "rows")) + rs));
	return 0;
fail:
	free(pks);
	free_bound(lo, lol, ti->npk);
	return -1;
}

static struct dbres *tables_of(struct dbconn *c, const char *schema)
{
	char *l = lit(c, schema);
	struct dbres *r = NULL;
	int rc = dbconn_queryf(c, &r, "SELECT TABLE_NAME, AUTO_INCREMENT, TABLE_ROWS FROM information_schema.TABLES "
			       "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", l);
	free(l);
	return rc < 0 ? NULL : r;
}

static long find_row(struct dbres *r, const char *name)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(dbres_get(r, i, 0), name) == 0)
			return (long)i;
	return -1;
}

static int verify_table(struct vctx *v, const char *s, const char *ts, struct dbres *a, size_t i, struct dbres *b, long j)
{
	const char *t = dbres_get(a, i, 0);
	json_t *tr = json_pack("{s:s,s:s,s:s,s:[],s:[]}", "schema", s, "target_schema", ts, "table", t,
			       "bad_chunks", "schema_diff");
	json_array_append_new(json_object_get(v->report, "tables"), tr);
	json_t *tdiff = json_object_get(tr, "schema_diff");
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (kinds[k].per_table && diff_kind(v, k, s, ts, t, tdiff) < 0)
			return -1;
	const char *ai = dbres_get(a, i, 1), *bi = dbres_get(b, (size_t)j, 1);
	/* A lower AUTO_INCREMENT on the target would hand out ids the source already used. */
	if (ai && (!bi || strtoull(bi, NULL, 10) < strtoull(ai, NULL, 10)))
		problem(v, tdiff, "%s.%s: AUTO_INCREMENT is %s on the source but %s on the target", s, t, ai,
			bi ? bi : "unset");
	if (v->o->no_data)
		return 0;
	struct tinfo ti = {0};
	if (table_info(v, s, t, &ti) < 0) {
		*v->err = xasprintf("%s.%s: %s", s, t, v->src->err);
		tinfo_free(&ti);
		return -1;
	}
	ti.src_name = dbconn_qualified(s, t);
	ti.dst_name = dbconn_qualified(ts, t);
	char *label = xasprintf("%s.%s", s, t);
	int rc = verify_data(v, &ti, tr, label);
	free(label);
	tinfo_free(&ti);
	json_object_set_new(v->report, "tables_checked",
			    json_integer(json_integer_value(json_object_get(v->report, "tables_checked")) + 1));
	return rc;
}

static int verify_schema(struct vctx *v, const char *s)
{
	const char *ts = map_schema(v->o, s);
	struct dbres *a = tables_of(v->src, s), *b = a ? tables_of(v->dst, ts) : NULL;
	if (!a || !b) {
		*v->err = xasprintf("listing tables of %s: %s", a ? ts : s, a ? v->dst->err : v->src->err);
		dbres_free(a);
		return -1;
	}
	if (!a->nrows) {
		char *l = lit(v->src, s), *n = NULL;
		char *sql = xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", l);
		dbconn_scalar(v->src, sql, &n);
		if (n && strcmp(n, "0") == 0)
			problem(v, NULL, "schema %s does not exist on the source", s);
		free(sql), free(l), free(n);
	}
	if (a->nrows && !b->nrows)
		problem(v, NULL, "schema %s has no tables on the target (does it exist?)", ts);
	int rc = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && rc == 0; k++)
		if (!kinds[k].per_table)
			rc = diff_kind(v, k, s, ts, NULL, NULL);
	for (size_t i = 0; i < b->nrows; i++)
		if (find_row(a, dbres_get(b, i, 0)) < 0)
			problem(v, NULL, "%s.%s exists only on the target", ts, dbres_get(b, i, 0));
	for (size_t i = 0; i < a->nrows && rc == 0; i++) {
		long j = find_row(b, dbres_get(a, i, 0));
		if (j < 0)
			problem(v, NULL, "%s.%s is missing on the target", ts, dbres_get(a, i, 0));
		else
			rc = verify_table(v, s, ts, a, i, b, j);
	}
	dbres_free(a);
	dbres_free(b);
	return rc;
}

json_t *dbverify_run(struct dbconn *src, struct dbconn *dst, const struct dbverify_opts *o, char **err)
{
	*err = NULL;
	struct vctx v = {.src = src, .dst = dst, .o = o, .err = err};
	v.problems = json_array();
	v.report = json_pack("{s:b,s:i,s:i,s:i,s:o,s:[]}", "ok", 1, "mismatches", 0, "tables_checked", 0,
			     "rows", 0, "problems", v.problems, "tables");
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE ");
	if (o->schemas) {
		sbuf_adds(&q, "SCHEMA_NAME IN (''");
		for (size_t i = 0; o->schemas[i]; i++) {
			sbuf_adds(&q, ",");
			dbconn_quote(src, &q, o->schemas[i], strlen(o->schemas[i]));
		}
		sbuf_adds(&q, ")");
	} else {
		sbuf_adds(&q, "SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys', 'tejun')");
	}
	/* Estimated rows, only to size the progress bar. */
	char *est = NULL;
	char *sql = xasprintf("SELECT COALESCE(SUM(TABLE_ROWS), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (%s)",
			      q.data);
	dbconn_scalar(src, sql, &est);
	free(sql);
	v.total = est ? strtod(est, NULL) : 0;
	free(est);
	struct dbres *r = NULL;
	int rc = dbconn_query(src, q.data, &r);
	sbuf_free(&q);
	if (rc < 0) {
		*err = xasprintf("listing schemas on %s: %s", src->target, src->err);
		json_decref(v.report);
		return NULL;
	}
	for (size_t i = 0; o->schemas && o->schemas[i]; i++) /* keep the caller's order; flag unknown ones */
		if (rc == 0)
			rc = verify_schema(&v, o->schemas[i]);
	for (size_t i = 0; !o->schemas && i < r->nrows && rc == 0; i++)
		rc = verify_schema(&v, dbres_get(r, i, 0));
	dbres_free(r);
	if (rc < 0) {
		json_decref(v.report);
		return NULL;
	}
	size_t n = json_array_size(v.problems);
	json_object_set_new(v.report, "ok", json_boolean(n == 0));
	json_object_set_new(v.report, "mismatches", json_integer((json_int_t)n));
	return v.report;
}
