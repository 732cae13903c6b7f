/* Database rename: precheck dependent objects, plan exact SQL, run it, verify. */
#include "config.h"
#include "mysql/dbrename.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

char *dbrename_rewrite(const char *sql, const char *old, const char *new_name)
{
	struct sbuf b;
	sbuf_init(&b);
	size_t on = strlen(old);
	char *q_old = xasprintf("`%s`.", old);
	size_t qn = strlen(q_old);
	for (const char *p = sql; *p;) {
		if (strncmp(p, q_old, qn) == 0) {
			sbuf_addf(&b, "`%s`.", new_name);
			p += qn;
		} else if (strncmp(p, old, on) == 0 && p[on] == '.' && (p == sql || !ident_char(p[-1])) &&
			   (p == sql || p[-1] != '`')) {
			sbuf_addf(&b, "%s.", new_name);
			p += on + 1;
		} else {
			sbuf_add(&b, p++, 1);
		}
	}
	free(q_old);
	return sbuf_steal(&b);
}

/* I_S DEFINER "user@host" -> `user`@`host` */
static char *definer(const char *d)
{
	const char *at = strrchr(d, '@');
	if (!at)
		return dbconn_qualified(d, NULL);
	char *u = xstrndup(d, (size_t)(at - d));
	struct sbuf s;
	sbuf_init(&s);
	dbconn_quote_ident(&s, u);
	sbuf_adds(&s, "@");
	dbconn_quote_ident(&s, at + 1);
	free(u);
	return sbuf_steal(&s);
}

static void blocker(json_t *plan, const char *kind, const char *name, const char *why, bool movable)
{
	json_array_append_new(json_object_get(plan, "blockers"),
			      json_pack("{s:s,s:s,s:s,s:b}", "kind", kind, "name", name, "why", why,
					"movable", movable));
}

static void stmt(json_t *list, char *sql)
{
	json_array_append_new(list, json_string(sql));
	free(sql);
}

static char *quoted(struct dbconn *c, const char *s)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote(c, &b, s, strlen(s));
	return sbuf_steal(&b);
}

/* Views of old, in an order where each one's dependencies come first. */
static int plan_views(struct dbconn *c, json_t *plan, const char *old, const char *nw,
		      const char *q_old, json_t *pre, json_t *post)
{
	struct dbres *r = NULL;
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME, VIEW_DEFINITION, DEFINER, SECURITY_TYPE, CHECK_OPTION "
			  "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME", q_old) < 0)
		return -1;
	size_t n = r->nrows;
	char **defs = xcalloc(n + 1, sizeof *defs);
	bool *done = xcalloc(n + 1, sizeof *done);
	for (size_t i = 0; i < n; i++) {
		const char *v = dbres_get(r, i, 0), *chk = dbres_get(r, i, 4);
		char *name = dbconn_qualified(old, v);
		blocker(plan, "view", name, "RENAME TABLE cannot move a view to another database (error 1450)", true);
		stmt(pre, xasprintf("DROP VIEW %s", name));
		free(name);
		char *body = dbrename_rewrite(dbres_get(r, i, 1), old, nw);
		char *def = definer(dbres_get(r, i, 2)), *qn = dbconn_qualified(nw, v);
		bool check = chk && strcmp(chk, "NONE") != 0;
		defs[i] = xasprintf("CREATE DEFINER=%s SQL SECURITY %s VIEW %s AS %s%s%s%s", def,
				    dbres_get(r, i, 3), qn, body, check ? " WITH " : "", check ? chk : "",
				    check ? " CHECK OPTION" : "");
		free(body);
		free(def);
		free(qn);
	}
	/* Repeatedly emit views that mention no view still waiting; what is left (none in
	 * practice: MySQL has no view cycles) goes last in name order. */
	for (size_t left = n, round = 0; left > 0 && round <= n; round++) {
		for (size_t i = 0; i < n; i++) {
			bool ready = !done[i];
			for (size_t k = 0; k < n && ready; k++) {
				if (k == i || done[k])
					continue;
				char *ref = dbconn_qualified(nw, dbres_get(r, k, 0));
				ready = !strstr(defs[i], ref) || round == n;
				free(ref);
			}
			if (ready) {
				json_array_append_new(post, json_string(defs[i]));
				done[i] = true;
				left--;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(defs[i]);
	free(defs);
	free(done);
	dbres_free(r);
	return 0;
}

static int plan_triggers(struct dbconn *c, json_t *plan, const char *old, const char *nw,
			 const char *q_old, json_t *pre, json_t *post)
{
	struct dbres *r = NULL;
	if (dbconn_queryf(c, &r, "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
			  "ACTION_STATEMENT, DEFINER, SQL_MODE FROM information_schema.TRIGGERS "
			  "WHERE EVENT_OBJECT_SCHEMA = %s ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, "
			  "EVENT_MANIPULATION, ACTION_ORDER", q_old) < 0)
		return -1;
	for (size_t i = 0; i < r->nrows; i++) {
		char *name = dbconn_qualified(old, dbres_get(r, i, 0));
		char *why = xasprintf("trigger on table %s: RENAME TABLE refuses tables with triggers "
				      "across databases (error 1435)", dbres_get(r, i, 3));
		blocker(plan, "trigger", name, why, true);
		free(why);
		stmt(pre, xasprintf("DROP TRIGGER %s", name));
		free(name);
		char *mode = quoted(c, dbres_get(r, i, 6));
		stmt(post, xasprintf("SET SESSION sql_mode = %s", mode));
		free(mode);
		char *def = definer(dbres_get(r, i, 5)), *qn = dbconn_qualified(nw, dbres_get(r, i, 0));
		char *tbl = dbconn_qualified(nw, dbres_get(r, i, 3));
		char *body = dbrename_rewrite(dbres_get(r, i, 4), old, nw);
		stmt(post, xasprintf("CREATE DEFINER=%s TRIGGER %s %s %s ON %s FOR EACH ROW %s", def, qn,
				     dbres_get(r, i, 1), dbres_get(r, i, 2), tbl, body));
		free(def);
		free(qn);
		free(tbl);
		free(body);
	}
	dbres_free(r);
	return 0;
}

/* Routines and events of old: SHOW CREATE gives the exact text; the name is qualified with new. */
static int plan_shown(struct dbconn *c, json_t *plan, const char *old, const char *nw, const char *kind,
		      const char *list_sql, json_t *post)
{
	struct dbres *r = NULL;
	if (dbconn_query(c, list_sql, &r) < 0)
		return -1;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *type = dbres_get(r, i, 1), *nm = dbres_get(r, i, 0);
		char *name = dbconn_qualified(old, nm), *qn = dbconn_qualified(nw, nm), *shown = NULL;
		blocker(plan, kind, name, "lives in the database itself: RENAME TABLE leaves it behind", true);
		struct dbres *sc = NULL;
		if (dbconn_queryf(c, &sc, "SHOW CREATE %s %s", type, name) == 0 && sc->nrows) {
			int col = strcmp(type, "EVENT") == 0 ? 3 : 2;
			const char *text = dbres_get(sc, 0, (unsigned)col);
			char *unq = dbconn_qualified(nm, NULL), *pat = xasprintf("%s %s", type, unq);
			const char *at = text ? strstr(text, pat) : NULL;
			if (at) {
				char *body = dbrename_rewrite(at + strlen(pat), old, nw);
				shown = xasprintf("%.*s%s %s%s", (int)(at - text), text, type, qn, body);
				free(body);
			}
			free(unq);
			free(pat);
			const char *mode = dbres_get(sc, 0, 1);
			if (mode && shown) {
				char *m = quoted(c, mode);
				stmt(post, xasprintf("SET SESSION sql_mode = %s", m));
				free(m);
			}
		}
		dbres_free(sc);
		stmt(post, xasprintf("DROP %s %s", type, name));
		if (shown)
			stmt(post, shown);
		else
			blocker(plan, kind, name, "could not read its definition with SHOW CREATE", false);
		free(name);
		free(qn);
	}
	dbres_free(r);
	return 0;
}

static int plan_grants(struct dbconn *c, json_t *plan, const char *old, const char *nw,
		       const char *q_old, json_t *post)
{
	struct dbres *r = NULL;
	/* Grant patterns escape _ and %; compare unescaped. */
	if (dbconn_queryf(c, &r, "SELECT GRANTEE, GROUP_CONCAT(PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE) "
			  "FROM information_schema.SCHEMA_PRIVILEGES WHERE REPLACE(REPLACE(TABLE_SCHEMA, "
			  "'\\\\_', '_'), '\\\\%%', '%%') = %s GROUP BY GRANTEE ORDER BY GRANTEE", q_old) < 0)
		return -1;
	char *qo = dbconn_qualified(old, NULL), *qn = dbconn_qualified(nw, NULL);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *who = dbres_get(r, i, 0), *privs = dbres_get(r, i, 1);
		char *name = xasprintf("%s ON %s.*", who, qo);
		blocker(plan, "grant", name, "grants name the database: they do not follow RENAME TABLE", true);
		free(name);
		stmt(post, xasprintf("GRANT %s ON %s.* TO %s", privs, qn, who));
		stmt(post, xasprintf("REVOKE %s ON %s.* FROM %s", privs, qo, who));
	}
	dbres_free(r);
	r = NULL;
	if (dbconn_queryf(c, &r, "SELECT GRANTEE, TABLE_NAME, GROUP_CONCAT(PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE) "
			  "FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = %s "
			  "GROUP BY GRANTEE, TABLE_NAME ORDER BY 1, 2", q_old) == 0) {
		for (size_t i = 0; i < r->nrows; i++) {
			char *t = dbconn_qualified(nw, dbres_get(r, i, 1)), *ot = dbconn_qualified(old, dbres_get(r, i, 1));
			char *name = xasprintf("%s ON %s", dbres_get(r, i, 0), ot);
			blocker(plan, "grant", name, "table grants name the database: they do not follow RENAME TABLE", true);
			free(name);
			stmt(post, xasprintf("GRANT %s ON %s TO %s", dbres_get(r, i, 2), t, dbres_get(r, i, 0)));
			free(t);
			free(ot);
		}
	}
	dbres_free(r);
	free(qo);
	free(qn);
	return 0;
}

/* Objects in other databases that mention old: views are recreated, the rest only listed. */
static int plan_mentions(struct dbconn *c, json_t *plan, const char *old, const char *nw,
			  const char *q_old, json_t *post)
{
	char *m1 = xasprintf("CONCAT('`', %s, '`.')", q_old), *m2 = xasprintf("CONCAT(%s, '.')", q_old);
	struct dbres *r = NULL;
	if (dbconn_queryf(c, &r, "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
			  "WHERE TABLE_SCHEMA <> %s AND (LOCATE(%s, VIEW_DEFINITION) > 0 OR LOCATE(%s, VIEW_DEFINITION) > 0)",
			  q_old, m1, m2) == 0) {
		for (size_t i = 0; i < r->nrows; i++) {
			char *name = dbconn_qualified(dbres_get(r, i, 0), dbres_get(r, i, 1));
			blocker(plan, "view", name, "a view in another database reads from it", true);
			char *body = dbrename_rewrite(dbres_get(r, i, 2), old, nw);
			stmt(post, xasprintf("CREATE OR REPLACE VIEW %s AS %s", name, body));
			free(body);
			free(name);
		}
	}
	dbres_free(r);
	static const struct { const char *kind, *sql; } others[] = {
		{"trigger", "SELECT CONCAT('`', TRIGGER_SCHEMA, '`.`', TRIGGER_NAME, '`') FROM information_schema.TRIGGERS "
			    "WHERE EVENT_OBJECT_SCHEMA <> %s AND (LOCATE(%s, ACTION_STATEMENT) > 0 OR LOCATE(%s, ACTION_STATEMENT) > 0)"},
		{"routine", "SELECT CONCAT('`', ROUTINE_SCHEMA, '`.`', ROUTINE_NAME, '`') FROM information_schema.ROUTINES "
			    "WHERE ROUTINE_SCHEMA <> %s AND (LOCATE(%s, ROUTINE_DEFINITION) > 0 OR LOCATE(%s, ROUTINE_DEFINITION) > 0)"},
		{"event", "SELECT CONCAT('`', EVENT_SCHEMA, '`.`', EVENT_NAME, '`') FROM information_schema.EVENTS "
			  "WHERE EVENT_SCHEMA <> %s AND (LOCATE(%s, EVENT_DEFINITION) > 0 OR LOCATE(%s, EVENT_DEFINITION) > 0)"},
	};
	for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
		const char *args[] = {q_old, m1, m2};
		char *sql = dbconn_fill(others[k].sql, args, 3);
		r = NULL;
		if (dbconn_query(c, sql, &r) == 0)
			for (size_t i = 0; i < r->nrows; i++)
				blocker(plan, others[k].kind, dbres_get(r, i, 0),
					"in another database and mentions it: edit it by hand", false);
		dbres_free(r);
		free(sql);
	}
	free(m1);
	free(m2);
	return 0;
}

json_t *dbrename_plan(struct dbconn *c, const char *old, const char *nw, bool recreate)
{
	char *q_old = quoted(c, old), *q_new = quoted(c, nw);
	json_t *plan = NULL;
	struct dbres *r = NULL;
	if (strcmp(old, nw) == 0 || !*nw || strlen(nw) > 64) {
		snprintf(c->err, sizeof c->err, "new database name '%s' must differ from '%s' and be 1-64 characters", nw, old);
		c->errnum = 0;
		goto out;
	}
	if (dbconn_queryf(c, &r, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
			  "information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", q_old) < 0)
		goto out;
	if (!r->nrows) {
		snprintf(c->err, sizeof c->err, "database '%s' does not exist on %s", old, c->target);
		c->errnum = 1049;
		goto out;
	}
	plan = json_pack("{s:s,s:s,s:s,s:s,s:[],s:[],s:[]}", "old", old, "new", nw, "charset", dbres_get(r, 0, 0),
			 "collation", dbres_get(r, 0, 1), "tables", "blockers", "statements");
	dbres_free(r);
	r = NULL;
	char *n_tables = NULL, *n_exists = NULL;
	char *sql = xasprintf("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", q_new);
	int rc = dbconn_scalar(c, sql, &n_tables);
	free(sql);
	sql = xasprintf("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", q_new);
	rc = rc < 0 ? rc : dbconn_scalar(c, sql, &n_exists);
	free(sql);
	long have = n_tables ? strtol(n_tables, NULL, 10) : 0;
	bool exists = n_exists && strcmp(n_exists, "0") != 0;
	free(n_tables);
	free(n_exists);
	if (rc < 0 || have > 0) {
		if (have > 0) {
			snprintf(c->err, sizeof c->err, "database '%s' already exists with %ld tables: refusing to mix",
				 nw, have);
			c->errnum = 1007;
		}
		json_decref(plan);
		plan = NULL;
		goto out;
	}
	if (dbconn_queryf(c, &r, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
			  "AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE') ORDER BY TABLE_NAME", q_old) < 0) {
		json_decref(plan);
		plan = NULL;
		goto out;
	}
	json_t *st = json_object_get(plan, "statements"), *tables = json_object_get(plan, "tables");
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(tables, json_string(dbres_get(r, i, 0)));
	if (!r->nrows) {
		snprintf(c->err, sizeof c->err, "database '%s' has no tables to rename", old);
		c->errnum = 0;
		json_decref(plan);
		plan = NULL;
		goto out;
	}
	json_t *pre = json_array(), *post = json_array();
	char *routines = xasprintf("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
				   "WHERE ROUTINE_SCHEMA = %s ORDER BY 2, 1", q_old);
	char *events = xasprintf("SELECT EVENT_NAME, 'EVENT' FROM information_schema.EVENTS "
				 "WHERE EVENT_SCHEMA = %s ORDER BY 1", q_old);
	char *mode = NULL;
	int bad = dbconn_scalar(c, "SELECT @@SESSION.sql_mode", &mode) < 0 ||
		  plan_views(c, plan, old, nw, q_old, pre, post) < 0 ||
		  plan_triggers(c, plan, old, nw, q_old, pre, post) < 0 ||
		  plan_shown(c, plan, old, nw, "routine", routines, post) < 0 ||
		  plan_shown(c, plan, old, nw, "event", events, post) < 0 ||
		  plan_grants(c, plan, old, nw, q_old, post) < 0 ||
		  plan_mentions(c, plan, old, nw, q_old, post) < 0;
	free(routines);
	free(events);
	if (!bad) {
		if (recreate)
			json_array_extend(st, pre);
		char *qn = dbconn_qualified(nw, NULL);
		const char *cs = json_string_value(json_object_get(plan, "charset"));
		const char *co = json_string_value(json_object_get(plan, "collation"));
		stmt(st, xasprintf("%s DATABASE %s CHARACTER SET %s COLLATE %s", exists ? "ALTER" : "CREATE",
				   qn, cs, co));
		free(qn);
		struct sbuf b;
		sbuf_init(&b);
		sbuf_adds(&b, "RENAME TABLE ");
		for (size_t i = 0; i < r->nrows; i++) {
			char *from = dbconn_qualified(old, dbres_get(r, i, 0)), *to = dbconn_qualified(nw, dbres_get(r, i, 0));
			sbuf_addf(&b, "%s%s TO %s", i ? ", " : "", from, to);
			free(from);
			free(to);
		}
		json_array_append_new(st, json_string(b.data));
		sbuf_free(&b);
		if (recreate && json_array_size(post)) {
			json_array_extend(st, post);
			char *m = quoted(c, mode ? mode : "");
			stmt(st, xasprintf("SET SESSION sql_mode = %s", m));
			free(m);
		}
	}
	free(mode);
	json_decref(pre);
	json_decref(post);
	if (bad) {
		json_decref(plan);
		plan = NULL;
	}
out:
	dbres_free(r);
	free(q_old);
	free(q_new);
	return plan;
}

char *dbrename_refusal(json_t *plan, bool recreate)
{
	json_t *b, *list = json_object_get(plan, "blockers");
	size_t i, n = 0;
	struct sbuf s;
	sbuf_init(&s);
	json_array_foreach(list, i, b) {
		bool movable = json_is_true(json_object_get(b, "movable"));
		if (recreate && movable)
			continue;
		sbuf_addf(&s, "\n  %s %s: %s", json_string_value(json_object_get(b, "kind")),
			  json_string_value(json_object_get(b, "name")), json_string_value(json_object_get(b, "why")));
		n++;
	}
	if (!n) {
		sbuf_free(&s);
		return NULL;
	}
	char *msg = xasprintf("rename_database %s -> %s refused: %zu object%s depend%s on %s%s%s",
			      json_string_value(json_object_get(plan, "old")),
			      json_string_value(json_object_get(plan, "new")), n, n == 1 ? "" : "s",
			      n == 1 ? "s" : "", json_string_value(json_object_get(plan, "old")), s.data,
			      recreate ? "\n(these cannot be moved automatically)" : "\n(pass recreate=true to move them)");
	sbuf_free(&s);
	return msg;
}

int dbrename_run(struct dbconn *c, json_t *plan)
{
	json_t *st = json_object_get(plan, "statements"), *v;
	size_t i;
	json_array_foreach(st, i, v) {
		if (dbconn_query(c, json_string_value(v), NULL) < 0) {
			json_object_set_new(plan, "executed", json_integer((json_int_t)i));
			json_object_set_new(plan, "failed_at", json_integer((json_int_t)i + 1));
			char *msg = xasprintf("statement %zu of %zu failed: %s", i + 1, json_array_size(st), c->err);
			size_t n = strlen(msg) < sizeof c->err ? strlen(msg) + 1 : sizeof c->err;
			memcpy(c->err, msg, n);
			c->err[sizeof c->err - 1] = '\0';
			free(msg);
			return -1;
		}
	}
	json_object_set_new(plan, "executed", json_integer((json_int_t)json_array_size(st)));
	char *q = quoted(c, json_string_value(json_object_get(plan, "old"))), *left = NULL;
	char *sql = xasprintf("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", q);
	int rc = dbconn_scalar(c, sql, &left);
	free(sql);
	free(q);
	if (rc == 0 && left && strcmp(left, "0") != 0) {
		snprintf(c->err, sizeof c->err, "after RENAME TABLE, %s tables are still in %s", left,
			 json_string_value(json_object_get(plan, "old")));
		c->errnum = 0;
		rc = -1;
	}
	json_object_set_new(plan, "old_tables_left", json_integer(left ? strtoll(left, NULL, 10) : -1));
	free(left);
	return rc;
}
