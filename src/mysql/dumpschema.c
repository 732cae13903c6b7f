/* Dump planning: tables, columns and primary keys from information_schema, PK ranges for
 * chunks, and the DDL files (tables, deferred indexes, views, routines, triggers, events). */
#include "config.h"
#include "mysql/dump_int.h"
#include "mysql/dbconn.h"
#include "mysql/dumpsql.h"
#include "mysql/manifest.h"
#include "util.h"
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

static char *qlit(struct dbconn *c, const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote(c, &b, s, strlen(s));
	return sbuf_steal(&b);
}

static struct dtable *find_table(struct dump *d, const char *schema, const char *name)
{
	for (size_t i = 0; i < d->ntables; i++)
		if (strcmp(d->tables[i]->schema, schema) == 0 && strcmp(d->tables[i]->name, name) == 0)
			return d->tables[i];
	return NULL;
}

static int load_columns(struct dump *d, struct dbconn *c, const char *schema, const char *qs, char **err)
{
	struct dbres *r = NULL;
	/* generated columns are computed by the target: never in INSERT lists */
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, EXTRA "
			  "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=%s "
			  "ORDER BY TABLE_NAME, ORDINAL_POSITION", qs) < 0)
		goto fail;
	struct sbuf b;
	sbuf_init(&b);
	struct dtable *cur = NULL;
	for (size_t i = 0; i <= r->nrows; i++) {
		struct dtable *t = i < r->nrows ? find_table(d, schema, dbres_get(r, i, 0)) : NULL;
		if (cur && t != cur) {
			cur->collist = sbuf_steal(&b);
			sbuf_init(&b);
		}
		cur = t;
		if (!t)
			continue;
		const char *extra = dbres_get(r, i, 4);
		if (extra && (strcasestr(extra, "VIRTUAL GENERATED") || strcasestr(extra, "STORED GENERATED") ||
			      strcasestr(extra, "PERSISTENT GENERATED")))
			continue;
		if (b.len)
			sbuf_add(&b, ",", 1);
		dbconn_quote_ident(&b, dbres_get(r, i, 1));
	}
	sbuf_free(&b);
	dbres_free(r);
	if (dbconn_queryf(c, &r, "SELECT s.TABLE_NAME, s.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE "
			  "FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c "
			  "ON c.TABLE_SCHEMA=s.TABLE_SCHEMA AND c.TABLE_NAME=s.TABLE_NAME AND "
			  "c.COLUMN_NAME=s.COLUMN_NAME WHERE s.TABLE_SCHEMA=%s AND s.INDEX_NAME='PRIMARY' "
			  "AND s.SEQ_IN_INDEX=1", qs) < 0)
		goto fail;
	for (size_t i = 0; i < r->nrows; i++) {
		struct dtable *t = find_table(d, schema, dbres_get(r, i, 0));
		if (!t || !is_int_type(dbres_get(r, i, 2)))
			continue;
		t->pk = xstrdup(dbres_get(r, i, 1));
		t->pk_unsigned = strcasestr(dbres_get(r, i, 3), "unsigned") != NULL;
	}
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
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE "
			  "WHERE TABLE_SCHEMA=%s AND REFERENCED_TABLE_NAME IS NOT NULL UNION "
			  "SELECT REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE "
			  "WHERE REFERENCED_TABLE_SCHEMA=%s", qs, qs) < 0) {
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

static int table_range(struct dtable *t, struct dbconn *c, char **err)
{
	struct dbres *r = NULL;
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "SELECT MIN(");
	dbconn_quote_ident(&q, t->pk);
	sbuf_adds(&q, "), MAX(");
	dbconn_quote_ident(&q, t->pk);
	sbuf_adds(&q, ") FROM ");
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
		t->min = xstrdup(dbres_get(r, 0, 0));
		t->max = xstrdup(dbres_get(r, 0, 1));
	}
	dbres_free(r);
	return 0;
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
		if (t->pk && table_range(t, c, err) < 0)
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
		if (t->pk && t->min && t->max) {
			lo = parse_key(t->min, t->pk_unsigned);
			hi = parse_key(t->max, t->pk_unsigned);
			double want = t->data_length / (double)d->o.chunk_bytes;
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
			if (n > 1) {
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
