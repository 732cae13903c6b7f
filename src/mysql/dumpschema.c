/* Dump planning: tables, columns and primary keys from information_schema, PK ranges for
 * chunks, and the DDL files (tables, deferred indexes, views, routines, triggers, events). */
#include "config.h"
#include "mysql/dump_int.h"
#include "mysql/dbconn.h"
#include "mysql/dumpsql.h"
#include "mysql/manifest.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_int_type(const char *t)
{
	static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int", "bigint", NULL};
	for (int i = 0; ints[i]; i++)
		if (strcasecmp(t, ints[i]) == 0)
			return true;
	return false;
}

/* Key types split into ranges by interpolating between min and max: integers, and strings
 * in a charset where ASCII bytes are ASCII characters (so ASCII bounds are valid text). */
static bool is_str_type(const char *t, const char *cs)
{
	static const char *const strs[] = {"char", "varchar", "binary", "varbinary", NULL};
	static const char *const ascii_cs[] = {"utf8mb4", "utf8mb3", "utf8", "latin1", "ascii", NULL};
	bool str = false, ok_cs = !cs;
	for (int i = 0; strs[i]; i++)
		str = str || strcasecmp(t, strs[i]) == 0;
	for (int i = 0; cs && ascii_cs[i]; i++)
		ok_cs = ok_cs || strcasecmp(cs, ascii_cs[i]) == 0;
	return str && ok_cs;
}

static char *qlit(struct dbconn *c, const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote(c, &b, s, strlen(s));
	return sbuf_steal(&b);
}

static long table_index(struct dump *d, const char *schema, const char *name)
{
	for (size_t i = 0; i < d->ntables; i++)
		if (strcmp(d->tables[i]->schema, schema) == 0 && strcmp(d->tables[i]->name, name) == 0)
			return (long)i;
	return -1;
}

/* Column lists, and each table's primary key when it can be chunked. The key's type comes
 * from the column rows already read: joining STATISTICS to COLUMNS in information_schema
 * took 40 ms for four tables, where each alone takes under 1 ms. */
static int load_columns(struct dump *d, struct dbconn *c, const char *schema, const char *qs, char **err)
{
	struct dbres *r = NULL, *pk = NULL;
	/* generated columns are computed by the target: never in INSERT lists */
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, EXTRA, "
			  "CHARACTER_SET_NAME, COLLATION_NAME "
			  "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=%s "
			  "ORDER BY CAST(TABLE_NAME AS BINARY), ORDINAL_POSITION", qs) < 0)
		goto fail;
	/* byte order keeps `T` and `t` apart: each table's columns are one run of rows */
	size_t *first = xcalloc(d->ntables + 1, sizeof *first), *count = xcalloc(d->ntables + 1, sizeof *count);
	struct sbuf b;
	sbuf_init(&b);
	struct dtable *cur = NULL;
	for (size_t i = 0; i <= r->nrows; i++) {
		long ti = i < r->nrows ? table_index(d, schema, dbres_get(r, i, 0)) : -1;
		struct dtable *t = ti < 0 ? NULL : d->tables[ti];
		if (cur && t != cur) {
			cur->collist = sbuf_steal(&b);
			sbuf_init(&b);
		}
		if (t && t != cur)
			first[ti] = i;
		cur = t;
		if (!t)
			continue;
		count[ti]++;
		const char *extra = dbres_get(r, i, 4);
		if (extra && (strcasestr(extra, "VIRTUAL GENERATED") || strcasestr(extra, "STORED GENERATED") ||
			      strcasestr(extra, "PERSISTENT GENERATED")))
			continue;
		if (b.len)
			sbuf_add(&b, ",", 1);
		dbconn_quote_ident(&b, dbres_get(r, i, 1));
	}
	sbuf_free(&b);
	if (dbconn_queryf(c, &pk, "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
			  "WHERE TABLE_SCHEMA=%s AND INDEX_NAME='PRIMARY' AND SEQ_IN_INDEX=1", qs) < 0) {
		free(first);
		free(count);
		dbres_free(r);
		goto fail;
	}
	for (size_t k = 0; k < pk->nrows; k++) {
		long ti = table_index(d, schema, dbres_get(pk, k, 0));
		const char *col = dbres_get(pk, k, 1);
		size_t i = ti < 0 ? r->nrows : first[ti], end = ti < 0 ? 0 : first[ti] + count[ti];
		while (i < end && strcmp(dbres_get(r, i, 1), col) != 0)
			i++;
		if (i >= end)
			continue;
		struct dtable *t = d->tables[ti];
		const char *type = dbres_get(r, i, 2), *cs = dbres_get(r, i, 5), *coll = dbres_get(r, i, 6);
		if (!(is_int_type(type) || is_str_type(type, cs)))
			continue;
		t->pk = xstrdup(col);
		t->pk_unsigned = strcasestr(dbres_get(r, i, 3), "unsigned") != NULL;
		if (!is_int_type(type)) {
			t->pk_charset = xstrdup(cs ? cs : "binary");
			t->pk_collation = xstrdup(coll ? coll : "binary");
		}
	}
	free(first);
	free(count);
	dbres_free(pk);
	dbres_free(r);
	return 0;
fail:
	*err = xasprintf("%s: %s", schema, c->err);
	return -1;
}

/* Tables on either side of a foreign key keep their indexes: InnoDB would otherwise make
 * its own index for the constraint and the deferred ALTER would add a duplicate. */
static int mark_fk_tables(struct dump *d, struct dbconn *c, const char *schema, const char *qs,
			  bool **keep, char **err)
{
	struct dbres *r = NULL;
	/* REFERENTIAL_CONSTRAINTS: a row per constraint, where KEY_COLUMN_USAGE has one per
	 * key column of every key and took three times as long */
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
			  "WHERE CONSTRAINT_SCHEMA=%s UNION "
			  "SELECT REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
			  "WHERE UNIQUE_CONSTRAINT_SCHEMA=%s", qs, qs) < 0) {
		*err = xasprintf("%s: %s", schema, c->err);
		return -1;
	}
	*keep = xcalloc(d->ntables + 1, sizeof **keep);
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t k = 0; k < d->ntables; k++)
			if (strcmp(d->tables[k]->schema, schema) == 0 &&
			    strcmp(d->tables[k]->name, dbres_get(r, i, 0)) == 0)
				(*keep)[k] = true;
	dbres_free(r);
	return 0;
}

static char *rel_path(const char *schema, const char *prefix, const char *name, const char *suffix)
{
	struct sbuf b;
	sbuf_init(&b);
	manifest_encode_name(&b, schema);
	sbuf_addf(&b, "/%s", prefix);
	if (name)
		manifest_encode_name(&b, name);
	sbuf_adds(&b, suffix);
	return sbuf_steal(&b);
}

static int table_ddl(struct dump *d, struct dbconn *c, struct dtable *t, bool keep_indexes, char **err)
{
	struct dbres *r = NULL;
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "SHOW CREATE TABLE ");
	dbconn_quote_ident(&q, t->schema);
	sbuf_add(&q, ".", 1);
	dbconn_quote_ident(&q, t->name);
	int rc = dbconn_query(c, q.data, &r);
	sbuf_free(&q);
	if (rc < 0 || !r || r->nrows != 1 || r->ncols < 2) {
		*err = xasprintf("SHOW CREATE TABLE %s.%s: %s", t->schema, t->name, c->err);
		dbres_free(r);
		return -1;
	}
	char *table = NULL, *alter = NULL;
	if (keep_indexes)
		table = xstrdup(dbres_get(r, 0, 1));
	else
		dumpsql_split_indexes(dbres_get(r, 0, 1), t->name, &table, &alter);
	dbres_free(r);
	struct sbuf b;
	sbuf_init(&b);
	char *what = xasprintf("table %s.%s", t->schema, t->name);
	dumpsql_header(&b, what);
	sbuf_adds(&b, table);
	sbuf_adds(&b, ";\n");
	char *rel = rel_path(t->schema, "1-", t->name, ".sql");
	rc = dump_write_file(d, d->schema_files, rel, "schema", t->schema, t->name, b.data, err);
	free(rel);
	if (rc == 0 && alter) {
		t->deferred = true;
		b.len = 0;
		dumpsql_header(&b, what);
		sbuf_adds(&b, alter);
		rel = rel_path(t->schema, "3-", t->name, ".indexes.sql");
		rc = dump_write_file(d, d->post_files, rel, "indexes", t->schema, t->name, b.data, err);
		free(rel);
	}
	free(what);
	sbuf_free(&b);
	free(table);
	free(alter);
	return rc;
}

/* The 8 bytes after the shared prefix as a big-endian number: where a key lies. */
static unsigned long long key_num(const unsigned char *k, size_t len, size_t prefix)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (prefix + i < len ? k[prefix + i] : 0);
	return v;
}

double dumpschema_key_pos(const struct dtable *t, const char *key, size_t len)
{
	return (double)key_num((const unsigned char *)key, len, t->pk_prefix);
}

/* A bound as an SQL literal compared in the column's own collation, so the range scan
 * uses the primary key. Bounds are ASCII, valid in every charset is_str_type accepts. */
static void bound_literal(struct sbuf *b, const struct dtable *t, const unsigned char *k, size_t n)
{
	bool bin = strcmp(t->pk_charset, "binary") == 0;
	if (!bin)
		sbuf_adds(b, "CONVERT(");
	sbuf_adds(b, "X'");
	for (size_t i = 0; i < n; i++)
		sbuf_addf(b, "%02X", k[i]);
	sbuf_adds(b, "'");
	if (!bin)
		sbuf_addf(b, " USING %s) COLLATE %s", t->pk_charset, t->pk_collation);
}

/* HEX() output of the server back to bytes, at most cap. */
static size_t unhex_into(const char *h, unsigned char *out, size_t cap)
{
	size_t n = 0;
	for (; hex_value(h[0]) >= 0 && hex_value(h[1]) >= 0 && n < cap; h += 2)
		out[n++] = (unsigned char)(hex_value(h[0]) << 4 | hex_value(h[1]));
	return n;
}

/* String keys: bounds interpolated on the 8 bytes after what min and max share, made ASCII,
 * then sorted and made distinct by the server in the key's collation, so [b_i, b_i+1)
 * partition the keys whatever the collation (a case-insensitive one merges 'a' and 'A'). */
static int string_bounds(struct dump *d, struct dtable *t, struct dbconn *c, const char *minhex,
			 const char *maxhex, char **err)
{
	unsigned char lo[256], hi[256];
	size_t nlo = unhex_into(minhex, lo, sizeof lo), nhi = unhex_into(maxhex, hi, sizeof hi), p = 0;
	bool bin = strcmp(t->pk_charset, "binary") == 0;
	while (p < nlo && p < nhi && lo[p] == hi[p] && (bin || lo[p] < 0x80))
		p++;
	t->pk_prefix = p;
	double want = t->data_length / ((double)d->o.chunk_bytes / DUMP_PIECES);
	int n = want > 1 ? (int)(want + 0.999) : 1;
	if (n > 1024)
		n = 1024;
	unsigned long long a = key_num(lo, nlo, p), b = key_num(hi, nhi, p);
	if (n < 2 || b <= a + 1 || p + 8 > sizeof lo)
		return 0;
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "SELECT HEX(b) FROM (");
	for (int k = 1; k < n; k++) {
		unsigned long long v = a + (unsigned long long)((unsigned __int128)(b - a) * (unsigned)k / (unsigned)n);
		unsigned char key[sizeof lo];
		memcpy(key, lo, p);
		size_t len = p;
		for (int i = 7; i >= 0; i--) {
			unsigned char ch = (unsigned char)(v >> (8 * i));
			if (!bin)
				ch = ch < 0x20 ? 0x20 : ch > 0x7e ? 0x7e : ch;
			key[len++] = ch;
		}
		while (len > p + 1 && key[len - 1] == (bin ? 0 : 0x20))
			len--;
		sbuf_adds(&q, k > 1 ? " UNION ALL SELECT " : "SELECT ");
		bound_literal(&q, t, key, len);
		sbuf_adds(&q, " AS b");
	}
	sbuf_adds(&q, ") x GROUP BY b ORDER BY b");
	struct dbres *r = NULL;
	int rc = dbconn_query(c, q.data, &r);
	sbuf_free(&q);
	if (rc < 0) {
		*err = xasprintf("%s.%s: chunk bounds: %s", t->schema, t->name, c->err);
		return -1;
	}
	t->bounds = xcalloc(r->nrows + 1, sizeof *t->bounds);
	t->bound_pos = xcalloc(r->nrows + 2, sizeof *t->bound_pos);
	t->bound_pos[0] = (double)a;
	for (size_t i = 0; i < r->nrows; i++) {
		unsigned char key[sizeof lo + 8];
		size_t len = unhex_into(dbres_get(r, i, 0), key, sizeof key);
		struct sbuf lit;
		sbuf_init(&lit);
		bound_literal(&lit, t, key, len);
		t->bounds[t->nbounds++] = sbuf_steal(&lit);
		t->bound_pos[t->nbounds] = dumpschema_key_pos(t, (const char *)key, len);
	}
	t->bound_pos[t->nbounds + 1] = (double)b;
	dbres_free(r);
	return 0;
}

static int table_range(struct dump *d, struct dtable *t, struct dbconn *c, char **err)
{
	struct dbres *r = NULL;
	struct sbuf q;
	sbuf_init(&q);
	/* string keys as hex: binary-safe */
	const char *pre = t->pk_charset ? "HEX(" : "", *post = t->pk_charset ? ")" : "";
	sbuf_addf(&q, "SELECT %sMIN(", pre);
	dbconn_quote_ident(&q, t->pk);
	sbuf_addf(&q, ")%s, %sMAX(", post, pre);
	dbconn_quote_ident(&q, t->pk);
	sbuf_addf(&q, ")%s FROM ", post);
	dbconn_quote_ident(&q, t->schema);
	sbuf_add(&q, ".", 1);
	dbconn_quote_ident(&q, t->name);
	int rc = dbconn_query(c, q.data, &r);
	sbuf_free(&q);
	if (rc < 0) {
		*err = xasprintf("%s.%s: %s", t->schema, t->name, c->err);
		return -1;
	}
	if (r->nrows == 1 && dbres_get(r, 0, 0) && dbres_get(r, 0, 1)) {
		if (t->pk_charset)
			rc = string_bounds(d, t, c, dbres_get(r, 0, 0), dbres_get(r, 0, 1), err);
		else {
			t->min = xstrdup(dbres_get(r, 0, 0));
			t->max = xstrdup(dbres_get(r, 0, 1));
		}
	}
	dbres_free(r);
	return rc;
}

/* One post file of a schema: each object as DROP IF EXISTS + CREATE (so a resumed or
 * repeated load is harmless), under DELIMITER ;; because bodies contain ';'. */
struct post_kind {
	const char *kind, *file, *list_pre, *list_post, *show, *drop, *create_col;
};
static const struct post_kind post_kinds[] = {
	{"views", "4-views.sql",
	 "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA=", " ORDER BY TABLE_NAME",
	 "SHOW CREATE VIEW", "DROP VIEW IF EXISTS", "Create View"},
	{"routines", "5-routines.sql",
	 "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA=",
	 " ORDER BY ROUTINE_TYPE, ROUTINE_NAME", NULL, NULL, NULL},
	{"triggers", "6-triggers.sql",
	 "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA=",
	 " ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER", "SHOW CREATE TRIGGER", "DROP TRIGGER IF EXISTS",
	 "SQL Original Statement"},
	{"events", "7-events.sql",
	 "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA=", " ORDER BY EVENT_NAME",
	 "SHOW CREATE EVENT", "DROP EVENT IF EXISTS", "Create Event"},
};

/* Views that use other views must come after them: order by references to names. */
static void order_views(char **names, char **defs, size_t n)
{
	for (size_t pass = 0; pass < n; pass++) {
		bool moved = false;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				char *ref = xasprintf("`%s`", names[j]);
				bool uses = strstr(defs[i], ref) != NULL;
				free(ref);
				if (uses) {
					char *tn = names[i], *td = defs[i];
					memmove(names + i, names + i + 1, (j - i) * sizeof *names);
					memmove(defs + i, defs + i + 1, (j - i) * sizeof *defs);
					names[j] = tn;
					defs[j] = td;
					moved = true;
				}
			}
		if (!moved)
			break;
	}
}

static int post_file(struct dump *d, struct dbconn *c, const char *schema, const char *qs,
		     const struct post_kind *k, char **err)
{
	struct dbres *list = NULL;
	char *lq = xasprintf("%s%s%s", k->list_pre, qs, k->list_post);
	int lrc = dbconn_query(c, lq, &list);
	free(lq);
	if (lrc < 0) {
		*err = xasprintf("%s %s: %s", schema, k->kind, c->err);
		return -1;
	}
	if (list->nrows == 0) {
		dbres_free(list);
		return 0;
	}
	size_t n = list->nrows;
	char **names = xcalloc(n, sizeof *names), **defs = xcalloc(n, sizeof *defs);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = dbres_get(list, i, 0);
		const char *show = k->show, *drop = k->drop, *col = k->create_col;
		if (!show) {
			bool proc = strcasecmp(dbres_get(list, i, 1), "PROCEDURE") == 0;
			show = proc ? "SHOW CREATE PROCEDURE" : "SHOW CREATE FUNCTION";
			drop = proc ? "DROP PROCEDURE IF EXISTS" : "DROP FUNCTION IF EXISTS";
			col = proc ? "Create Procedure" : "Create Function";
		}
		struct sbuf q;
		sbuf_init(&q);
		sbuf_addf(&q, "%s ", show);
		dbconn_quote_ident(&q, schema);
		sbuf_add(&q, ".", 1);
		dbconn_quote_ident(&q, name);
		struct dbres *r = NULL;
		if (dbconn_query(c, q.data, &r) < 0 || !r || r->nrows != 1 || dbres_col(r, col) < 0 ||
		    !dbres_get(r, 0, (unsigned)dbres_col(r, col))) {
			*err = xasprintf("%s %s.%s: %s", show, schema, name,
					 c->err[0] ? c->err : "no definition returned (missing privilege?)");
			rc = -1;
		} else {
			char *def = xstrdup(dbres_get(r, 0, (unsigned)dbres_col(r, col)));
			if (!d->o.keep_definer)
				dumpsql_strip_definer(def);
			if (strcmp(k->kind, "views") == 0) {
				char *u = dumpsql_unqualify(def, schema);
				free(def);
				def = u;
			}
			int mc = dbres_col(r, "sql_mode");
			struct sbuf s;
			sbuf_init(&s);
			sbuf_addf(&s, "%s ", drop);
			dbconn_quote_ident(&s, name);
			sbuf_adds(&s, ";;\n");
			if (mc >= 0 && dbres_get(r, 0, (unsigned)mc))
				sbuf_addf(&s, "SET sql_mode='%s';;\n", dbres_get(r, 0, (unsigned)mc));
			sbuf_addf(&s, "%s;;\n", def);
			free(def);
			names[i] = xstrdup(name);
			defs[i] = sbuf_steal(&s);
		}
		dbres_free(r);
		sbuf_free(&q);
	}
	dbres_free(list);
	if (rc == 0) {
		if (strcmp(k->kind, "views") == 0)
			order_views(names, defs, n);
		struct sbuf b;
		sbuf_init(&b);
		char *what = xasprintf("%s of %s", k->kind, schema);
		dumpsql_header(&b, what);
		free(what);
		sbuf_adds(&b, "DELIMITER ;;\n");
		for (size_t i = 0; i < n; i++)
			sbuf_adds(&b, defs[i]);
		sbuf_adds(&b, "DELIMITER ;\nSET sql_mode='NO_AUTO_VALUE_ON_ZERO';\n");
		char *rel = rel_path(schema, k->file, NULL, "");
		rc = dump_write_file(d, d->post_files, rel, k->kind, schema, NULL, b.data, err);
		free(rel);
		sbuf_free(&b);
	}
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(defs[i]);
	}
	free(names);
	free(defs);
	return rc;
}

int dumpschema_plan(struct dump *d, struct dbconn *c, const char *schema, char **err)
{
	char *qs = qlit(c, schema);
	struct dbres *r = NULL;
	int rc = -1;
	bool *keep = NULL;
	size_t first = d->ntables;
	if (dbconn_queryf(c, &r, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
			  "information_schema.SCHEMATA WHERE SCHEMA_NAME=%s", qs) < 0 || r->nrows != 1) {
		*err = c->err[0] ? xasprintf("%s: %s", schema, c->err) : xasprintf("schema %s does not exist", schema);
		goto out;
	}
	json_array_append_new(d->schema_info, json_pack("{s:s,s:s?,s:s?,s:[]}", "name", schema,
		"charset", dbres_get(r, 0, 0), "collation", dbres_get(r, 0, 1), "tables"));
	dbres_free(r);
	r = NULL;
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME, DATA_LENGTH, INDEX_LENGTH, TABLE_ROWS FROM "
			  "information_schema.TABLES WHERE TABLE_SCHEMA=%s AND TABLE_TYPE='BASE TABLE' "
			  "ORDER BY TABLE_NAME", qs) < 0) {
		*err = xasprintf("%s: %s", schema, c->err);
		goto out;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		struct dtable *t = xcalloc(1, sizeof *t);
		t->schema = xstrdup(schema);
		t->name = xstrdup(dbres_get(r, i, 0));
		struct sbuf f;
		sbuf_init(&f);
		manifest_encode_name(&f, t->name);
		t->fname = sbuf_steal(&f);
		t->data_length = dbres_get(r, i, 1) ? strtod(dbres_get(r, i, 1), NULL) : 0;
		t->index_length = dbres_get(r, i, 2) ? strtod(dbres_get(r, i, 2), NULL) : 0;
		t->rows_est = dbres_get(r, i, 3) ? strtod(dbres_get(r, i, 3), NULL) : 0;
		/* an empty or tiny table still costs a round trip */
		t->weight = t->data_length > 16384 ? t->data_length : 16384;
		d->tables = xrealloc(d->tables, (d->ntables + 1) * sizeof *d->tables);
		d->tables[d->ntables++] = t;
	}
	dbres_free(r);
	r = NULL;
	if (load_columns(d, c, schema, qs, err) < 0 || mark_fk_tables(d, c, schema, qs, &keep, err) < 0)
		goto out;
	for (size_t i = first; i < d->ntables; i++) {
		struct dtable *t = d->tables[i];
		if (dump_cancelled(d)) {
			*err = xstrdup("cancelled");
			goto out;
		}
		snprintf(d->label, sizeof d->label, "schema of %s.%s", schema, t->name);
		if (table_ddl(d, c, t, d->o.no_defer_indexes || keep[i], err) < 0)
			goto out;
		if (t->pk && table_range(d, t, c, err) < 0)
			goto out;
	}
	for (size_t k = 0; k < sizeof post_kinds / sizeof post_kinds[0]; k++)
		if (post_file(d, c, schema, qs, &post_kinds[k], err) < 0)
			goto out;
	rc = 0;
out:
	dbres_free(r);
	free(keep);
	free(qs);
	return rc;
}

static char *fmt_key(__int128 v, bool uns)
{
	return uns ? xasprintf("%llu", (unsigned long long)v) : xasprintf("%lld", (long long)v);
}

static __int128 parse_key(const char *s, bool uns)
{
	return uns ? (__int128)strtoull(s, NULL, 10) : (__int128)strtoll(s, NULL, 10);
}

void dumpschema_chunk(struct dump *d)
{
	size_t cap = 16;
	d->chunks = xcalloc(cap, sizeof *d->chunks);
	for (size_t i = 0; i < d->ntables; i++) {
		struct dtable *t = d->tables[i];
		int n = 1;
		__int128 lo = 0, hi = 0;
		if (t->nbounds > 0) {
			n = t->nbounds + 1;
		} else if (t->pk && t->min && t->max) {
			lo = parse_key(t->min, t->pk_unsigned);
			hi = parse_key(t->max, t->pk_unsigned);
			double want = t->data_length / ((double)d->o.chunk_bytes / DUMP_PIECES);
			n = want > 1 ? (int)(want + 0.999) : 1;
			if (n > 4096)
				n = 4096;
			if ((__int128)n > hi - lo + 1)
				n = (int)(hi - lo + 1);
		}
		t->nchunks = n;
		for (int k = 0; k < n; k++) {
			if (d->nchunks == cap) {
				cap *= 2;
				d->chunks = xrealloc(d->chunks, cap * sizeof *d->chunks);
			}
			struct dchunk *ch = &d->chunks[d->nchunks++];
			memset(ch, 0, sizeof *ch);
			ch->t = t;
			ch->idx = k;
			if (t->nbounds > 0) {
				/* bounds are distinct and in the key's collation order: [b_k-1, b_k) */
				ch->lo = k > 0 ? xstrdup(t->bounds[k - 1]) : NULL;
				ch->hi = k < n - 1 ? xstrdup(t->bounds[k]) : NULL;
				ch->flo = t->bound_pos[k];
				ch->fhi = t->bound_pos[k + 1];
			} else if (n > 1) {
				/* first and last chunk are open so rows outside [min, max] are never lost */
				__int128 a = lo + (hi - lo + 1) * k / n, b = lo + (hi - lo + 1) * (k + 1) / n;
				ch->lo = k > 0 ? fmt_key(a, t->pk_unsigned) : NULL;
				ch->hi = k < n - 1 ? fmt_key(b, t->pk_unsigned) : NULL;
				ch->flo = (double)a;
				ch->fhi = (double)b;
			}
			ch->cur = ch->flo;
		}
	}
	/* biggest chunks first: the long tail of a parallel run is then short */
	for (size_t i = 1; i < d->nchunks; i++)
		for (size_t j = i; j > 0; j--) {
			struct dchunk *a = &d->chunks[j - 1], *b = &d->chunks[j];
			double sa = a->t->weight / a->t->nchunks, sb = b->t->weight / b->t->nchunks;
			if (sa >= sb)
				break;
			struct dchunk tmp = *a;
			*a = *b;
			*b = tmp;
		}
}
