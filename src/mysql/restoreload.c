/* Restore execution: bulk-load sessions, exactly-once file loads (data and marker in one
 * transaction), the worker pool, the target-side row monitor and the run itself. */
#include "config.h"
#include "mysql/restore_int.h"
#include "mysql/dbconn.h"
#include "mysql/dumpfile.h"
#include "mysql/manifest.h"
#include "mysql/restoreinfile.h"
#include "mysql/restoresql.h"
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKERS "`tejun`.`restore_done`"

static int session(struct restore *r, struct dbconn *c)
{
	mysql_set_character_set(c->mysql, "utf8mb4");
	if (dbconn_exec(c, "SET SESSION foreign_key_checks=0, unique_checks=0, time_zone='+00:00', "
			"sql_mode='NO_AUTO_VALUE_ON_ZERO', net_read_timeout=3600, net_write_timeout=3600, "
			"wait_timeout=86400", NULL, NULL) < 0)
		return -1;
	/* not replicated onward and no binlog write cost, where the account may say so */
	if (dbconn_exec(c, "SET SESSION sql_log_bin=0", NULL, NULL) < 0) {
		static int told;
		if (!__atomic_exchange_n(&told, 1, __ATOMIC_SEQ_CST))
			restore_note(r, "sql_log_bin=0 refused (%s): the load is binlogged", c->err);
	}
	return 0;
}

static struct dbconn *open_conn(struct restore *r, char **err)
{
	unsigned en = 0;
	struct dbopts o;
	dbopts_copy(&o, r->o.dst);
	o.local_infile = !r->o.sql_inserts;
	struct dbconn *c = dbconn_open(&o, err, &en);
	dbopts_free(&o);
	if (c && session(r, c) < 0) {
		*err = xasprintf("session settings: %s", c->err);
		dbconn_close(c);
		return NULL;
	}
	return c;
}

static int run_sql(struct dbconn *c, const char *sql, size_t len)
{
	MYSQL *m = c->mysql;
	if (mysql_real_query(m, sql, (unsigned long)len) != 0)
		return -1;
	do {
		MYSQL_RES *res = mysql_store_result(m);
		mysql_free_result(res);
	} while (mysql_next_result(m) == 0);
	return mysql_errno(m) ? -1 : 0;
}

/* Inserts the marker (dump_id, f's target schema, path); once (INSERT IGNORE) for an intent
 * a resumed run may record again, while a second done marker is an error. Outside a transaction a deadlock
 * or lock wait timeout undoes only this insert (markers of neighbouring files meet in the
 * table's gap locks), so it is run again; inside one the caller rolls the whole file back
 * and loads it again. */
static int insert_marker(struct restore *r, struct dbconn *c, const struct rfile *f, const char *path, bool trx,
			 bool once)
{
	struct dbval v[4] = {{.kind = DBV_STRING, .s = r->dump_id, .len = strlen(r->dump_id)},
			     {.kind = DBV_STRING, .s = f->tschema ? f->tschema : "", .len = f->tschema ? strlen(f->tschema) : 0},
			     {.kind = DBV_STRING, .s = path, .len = strlen(path)},
			     {.kind = DBV_STRING, .s = f->sha, .len = strlen(f->sha)}};
	char *sql = dbconn_format(c, once ? "INSERT IGNORE INTO " MARKERS " (dump_id, target_schema, path, sha256) "
				  "VALUES (?, ?, ?, ?)" : "INSERT INTO " MARKERS " (dump_id, target_schema, path, sha256) "
				  "VALUES (?, ?, ?, ?)", v, 4);
	int rc = -1;
	for (int attempt = 1; sql && attempt <= 5; attempt++) {
		rc = dbconn_exec(c, sql, NULL, NULL);
		unsigned en = rc < 0 ? mysql_errno(c->mysql) : 0;
		if (rc == 0 || trx || (en != 1213 && en != 1205) || attempt == 5)
			break;
		restore_note(r, "%s: recording it as loaded: %s; trying again", f->path, c->err);
		usleep(50000u * (unsigned)attempt);
	}
	free(sql);
	return rc;
}

/* Records f as loaded. */
static int mark_done(struct restore *r, struct dbconn *c, struct rfile *f, bool trx)
{
	return r->dump_id[0] ? insert_marker(r, c, f, f->path, trx, false) : 0;
}

/* Before a schema file's DDL, "creating:PATH" is recorded: DDL commits on its own, so a run
 * killed between CREATE TABLE and the file's marker leaves a table only this mark shows to
 * be ours (a later run drops it if empty, instead of refusing it as someone else's). */
static char *intent_path(const struct rfile *f)
{
	return xasprintf("creating:%s", f->path);
}

static int mark_intent(struct restore *r, struct dbconn *c, const struct rfile *f)
{
	if (!r->dump_id[0])
		return 0;
	char *p = intent_path(f);
	int rc = insert_marker(r, c, f, p, false, true);
	free(p);
	return rc;
}

/* An earlier run of this restore began creating f's table. */
static bool began_here(const struct restore *r, const struct rfile *f)
{
	char *p = intent_path(f);
	bool yes = restore_is_loaded(r, f->tschema, p);
	free(p);
	return yes;
}

static bool is_word(const char *s, const char *w)
{
	return strcasecmp(s, w) == 0;
}

/* mysqldump --databases output names its schemas in USE and CREATE DATABASE: map them. */
static char *map_stmt(struct restore *r, const char *s)
{
	if (strncasecmp(s, "USE ", 4) != 0 && strncasecmp(s, "CREATE DATABASE", 15) != 0)
		return NULL;
	const char *a = strchr(s, '`'), *b = a ? strchr(a + 1, '`') : NULL;
	if (!b)
		return NULL;
	char *name = xstrndup(a + 1, (size_t)(b - a - 1));
	const char *to = restore_target_schema(r, name);
	free(name);
	struct sbuf o;
	sbuf_init(&o);
	sbuf_add(&o, s, (size_t)(a - s));
	dbconn_quote_ident(&o, to);
	sbuf_adds(&o, b + 1);
	return sbuf_steal(&o);
}

/* Refuses to load a table over rows it did not put there; an empty leftover of an
 * interrupted run (DDL is not transactional) is dropped and created again, when the
 * markers show that a run of this restore did load files here. */
static int prepare_table(struct restore *r, struct dbconn *c, struct rfile *f, char **err)
{
	struct sbuf q;
	sbuf_init(&q);
	dbconn_quote_ident(&q, f->tschema);
	sbuf_add(&q, ".", 1);
	dbconn_quote_ident(&q, f->t->name);
	char *one = xasprintf("SELECT 1 FROM %s LIMIT 1", q.data);
	struct dbres *res = NULL;
	int rc = 0;
	if (dbconn_query(c, one, &res) == 0) {
		if (res->nrows > 0) {
			*err = xasprintf("target table %s already holds rows: refusing to load over them "
					 "(restore into an empty schema)", q.data);
			rc = -1;
		} else if (r->skipped == 0 && !began_here(r, f)) {
			/* no file of this dump was ever loaded here: the table is not an interrupted
			 * run's but someone's, however empty */
			*err = xasprintf("target table %s already exists (empty) and no earlier run of this "
					 "restore loaded anything: refusing to replace it (drop it, or restore "
					 "into an empty schema)", q.data);
			rc = -1;
		} else {
			char *drop = xasprintf("DROP TABLE %s", q.data);
			rc = dbconn_exec(c, drop, NULL, NULL);
			if (rc < 0)
				*err = xasprintf("%s: %s", drop, c->err);
			else
				restore_note(r, "dropped empty %s left by an interrupted run", q.data);
			free(drop);
		}
	}
	dbres_free(res);
	free(one);
	sbuf_free(&q);
	return rc;
}

/* Progress: SQL text of f consumed so far. */
static void note_offset(struct restore *r, struct rfile *f, struct restoresql *s)
{
	unsigned long long off = restoresql_offset(s);
	pthread_mutex_lock(&r->mu);
	if (f->t && f->kind == RK_DATA)
		f->t->inflight += (double)(off - f->inflight);
	f->inflight = off;
	pthread_mutex_unlock(&r->mu);
}

/* One LOAD DATA LOCAL statement fed from consecutive INSERTs of one file that share a
 * head; the first other statement ends the stream and is handed back to the caller. */
struct stream {
	struct restore *r;
	struct rfile *f;
	struct restoresql *s;
	struct sbuf *st, head, out;
	size_t pos;
	bool started, ended, pending;
	unsigned long long rows;
	char *err;
};

static int stream_init(void **ptr, const char *name, void *ud)
{
	struct stream *x = ud;
	*ptr = x;
	if (strcmp(name, RESTOREINFILE_NAME) != 0) {
		x->err = xasprintf("the server asked for local file \"%s\": refused", name);
		return 1;
	}
	x->started = true;
	return 0;
}

static int stream_read(void *ptr, char *buf, unsigned len)
{
	struct stream *x = ptr;
	while (x->pos == x->out.len) {
		if (x->ended)
			return 0;
		x->out.len = x->pos = 0;
		if (restore_failed(x->r)) {
			x->err = xstrdup("restore cancelled");
			return -1;
		}
		int k = restoresql_next(x->s, x->st, &x->err);
		if (k < 0)
			return -1;
		if (k == 0) {
			x->ended = true;
			return 0;
		}
		note_offset(x->r, x->f, x->s);
		if (restoreinfile_convert(x->st->data, x->st->len, x->head.data, x->head.len, &x->out,
					  &x->rows) < 0) {
			x->ended = x->pending = true;
			return 0;
		}
	}
	size_t n = x->out.len - x->pos < len ? x->out.len - x->pos : len;
	memcpy(buf, x->out.data + x->pos, n);
	x->pos += n;
	return (int)n;
}

static void stream_end(void *ptr)
{
	(void)ptr;
}

static int stream_error(void *ptr, char *msg, unsigned len)
{
	struct stream *x = ptr;
	snprintf(msg, len, "%s", x->err ? x->err : "local data stream failed");
	return 2000;
}

static bool infile_refused(unsigned en)
{
	/* not allowed by this server, local_infile=OFF, rejected by the client library */
	return en == 1148 || en == 3948 || en == 2068;
}

/* The charset LOAD DATA reads f's text in. The dump's strings are utf8mb4. Read as binary,
 * the server skips its per-byte multibyte scan (about 8 % of its CPU in a load) and stores
 * each string's bytes unchanged, which is the same result only where every text column
 * holds utf8mb4, utf8mb3 or ascii bytes: a latin1 column must convert, and ENUM and SET
 * convert binary input byte by byte. Asked once per table; any doubt keeps utf8mb4. */
static const char *load_charset(struct restore *r, struct dbconn *c, struct rfile *f)
{
	if (!f->t || !f->tschema)
		return "utf8mb4";
	pthread_mutex_lock(&r->mu);
	int cs = f->t->load_cs;
	pthread_mutex_unlock(&r->mu);
	if (cs == 0) {
		struct dbval v[2] = {{.kind = DBV_STRING, .s = f->tschema, .len = strlen(f->tschema)},
				     {.kind = DBV_STRING, .s = f->t->name, .len = strlen(f->t->name)}};
		char *sql = dbconn_format(c, "SELECT COUNT(*), COALESCE(SUM(CHARACTER_SET_NAME IS NOT NULL AND NOT "
					  "(CHARACTER_SET_NAME IN ('utf8mb4', 'utf8mb3', 'utf8', 'ascii') AND DATA_TYPE IN "
					  "('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'))), 0) "
					  "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", v, 2);
		struct dbres *res = NULL;
		cs = 2;
		if (sql && dbconn_query(c, sql, &res) == 0 && res->nrows == 1) {
			const char *cols = dbres_get(res, 0, 0), *other = dbres_get(res, 0, 1);
			if (cols && atoi(cols) > 0 && other && atoi(other) == 0)
				cs = 1;
		}
		dbres_free(res);
		free(sql);
		pthread_mutex_lock(&r->mu);
		f->t->load_cs = cs;
		pthread_mutex_unlock(&r->mu);
	}
	return cs == 1 ? "binary" : "utf8mb4";
}

/* Loads st, if it is an INSERT of the dump's shape, and the INSERTs after it through
 * LOAD DATA. 0 done (*pending: st holds the next statement), 1 not started (run st as
 * SQL), -1 and *err. */
static int stream_load(struct restore *r, struct dbconn *c, struct rfile *f, struct restoresql *s,
		       struct sbuf *st, bool *pending, char **err)
{
	size_t head_len = 0;
	char *load_sql = NULL;
	if (r->o.sql_inserts || __atomic_load_n(&r->infile_off, __ATOMIC_SEQ_CST) ||
	    !(load_sql = restoreinfile_load_sql(st->data, st->len, load_charset(r, c, f), &head_len)))
		return 1;
	MYSQL *m = c->mysql;
	struct stream x = {.r = r, .f = f, .s = s, .st = st};
	sbuf_init(&x.head);
	sbuf_init(&x.out);
	sbuf_add(&x.head, st->data, head_len);
	int rc = 1;
	if (restoreinfile_convert(st->data, st->len, x.head.data, head_len, &x.out, &x.rows) < 0)
		goto out;
	mysql_set_local_infile_handler(m, stream_init, stream_read, stream_end, stream_error, &x);
	pthread_mutex_lock(&r->mu);
	if (f->t)
		f->t->streaming++;
	pthread_mutex_unlock(&r->mu);
	int q = mysql_real_query(m, load_sql, (unsigned long)strlen(load_sql));
	pthread_mutex_lock(&r->mu);
	if (f->t)
		f->t->streaming--;
	pthread_mutex_unlock(&r->mu);
	dbconn_refuse_local_infile(c);
	if (q != 0) {
		unsigned en = mysql_errno(m);
		if (!x.started && infile_refused(en)) {
			if (!__atomic_exchange_n(&r->infile_off, 1, __ATOMIC_SEQ_CST))
				restore_note(r, "the target refused LOAD DATA LOCAL (%s): loading with INSERT "
					     "statements, about 2.5x slower", mysql_error(m));
			goto out;
		}
		*err = xasprintf("%s: LOAD DATA: %s", f->path, x.err ? x.err : mysql_error(m));
		rc = -1;
		goto out;
	}
	unsigned long long got = (unsigned long long)mysql_affected_rows(m);
	if (mysql_warning_count(m) > 0) {
		/* LOCAL turns errors into warnings: a changed value is refused, not loaded */
		struct dbres *w = NULL;
		struct sbuf msg;
		sbuf_init(&msg);
		if (dbconn_query(c, "SHOW WARNINGS LIMIT 3", &w) == 0)
			for (size_t i = 0; i < w->nrows; i++)
				sbuf_addf(&msg, "%s%s", i ? "; " : "", dbres_get(w, i, 2) ? dbres_get(w, i, 2) : "");
		dbres_free(w);
		*err = xasprintf("%s: the target changed values while loading (%u warnings): %s",
				 f->path, mysql_warning_count(m), msg.len ? msg.data : "?");
		sbuf_free(&msg);
		rc = -1;
	} else if (got != x.rows) {
		*err = xasprintf("%s: the target took %llu of %llu rows (a duplicate key?)", f->path, got, x.rows);
		rc = -1;
	} else {
		*pending = x.pending;
		__atomic_add_fetch(&r->rows_infile, got, __ATOMIC_SEQ_CST);
		rc = 0;
	}
out:
	sbuf_free(&x.head);
	sbuf_free(&x.out);
	free(x.err);
	free(load_sql);
	return rc;
}

static int load_file(struct restore *r, struct dbconn *c, struct rfile *f, char **err)
{
	char *path = xasprintf("%s/%s", r->o.dir, f->path);
	/* A streamed file was hashed by this process's dump as it wrote it, moments ago, and
	 * never left its hands: hashing it again would cost a third of the copy's own CPU for
	 * nothing. Files of an earlier run (restore, resumed copy) are all checked. */
	int rc = r->o.stream ? dumpfile_check_size(path, f->bytes, err) : dumpfile_verify(path, f->bytes, f->sha, err);
	if (rc < 0) {
		free(path);
		return -1;
	}
	if (f->tschema) {
		struct sbuf q;
		sbuf_init(&q);
		sbuf_adds(&q, "CREATE DATABASE IF NOT EXISTS ");
		dbconn_quote_ident(&q, f->tschema);
		if (f->kind == RK_SCHEMA && dbconn_exec(c, q.data, NULL, NULL) < 0)
			rc = -1;
		sbuf_free(&q);
		if (rc == 0 && mysql_select_db(c->mysql, f->tschema) != 0)
			rc = -1;
		if (rc < 0) {
			*err = xasprintf("%s: %s", f->tschema, mysql_error(c->mysql));
			free(path);
			return -1;
		}
	}
	if (f->kind == RK_SCHEMA && prepare_table(r, c, f, err) < 0) {
		free(path);
		return -1;
	}
	if (f->kind == RK_SCHEMA && mark_intent(r, c, f) < 0) {
		*err = xasprintf("%s: recording its creation: %s", f->path, c->err);
		free(path);
		return -1;
	}
	struct dumpfile_r *in = dumpfile_open(path, err);
	free(path);
	if (!in)
		return -1;
	struct restoresql *s = restoresql_new(in);
	struct sbuf st;
	sbuf_init(&st);
	bool trx = false, pending = false;
	int k = 1;
	while (pending || (k = restoresql_next(s, &st, err)) == 1) {
		pending = false;
		if (restore_failed(r)) {
			*err = xstrdup("restore cancelled");
			rc = -1;
			break;
		}
		if (f->kind == RK_DATA && (is_word(st.data, "BEGIN") || is_word(st.data, "COMMIT"))) {
			/* the file's own transaction is ours, so the marker can join it */
			if (is_word(st.data, "BEGIN") && !trx) {
				rc = dbconn_exec(c, "START TRANSACTION", NULL, NULL);
				trx = true;
			}
		} else if (f->kind == RK_DATA && (rc = stream_load(r, c, f, s, &st, &pending, err)) != 1) {
			if (rc < 0)
				break;
			if (pending)
				continue;
		} else {
			char *mapped = f->kind == RK_MYSQLDUMP ? map_stmt(r, st.data) : NULL;
			rc = mapped ? run_sql(c, mapped, strlen(mapped)) : run_sql(c, st.data, st.len);
			free(mapped);
			/* an index built just before an interruption is already there */
			if (rc < 0 && f->kind == RK_INDEXES && mysql_errno(c->mysql) == 1061) {
				restore_note(r, "%s: indexes already present (resumed run)", f->path);
				rc = 0;
			}
		}
		if (rc < 0) {
			char *head = xstrndup(st.data, st.len > 120 ? 120 : st.len);
			*err = xasprintf("%s: %s: %s", f->path, head, mysql_error(c->mysql));
			free(head);
			break;
		}
		note_offset(r, f, s);
	}
	if (k < 0)
		rc = -1;
	if (rc == 0 && mark_done(r, c, f, trx) < 0) {
		*err = xasprintf("%s: recording it as loaded: %s", f->path, c->err);
		rc = -1;
	}
	if (rc == 0 && trx && dbconn_exec(c, "COMMIT", NULL, NULL) < 0) {
		*err = xasprintf("%s: COMMIT: %s", f->path, c->err);
		rc = -1;
	}
	/* InnoDB rolled the whole transaction back, marker included: the file may run again */
	unsigned en = rc < 0 ? mysql_errno(c->mysql) : 0;
	if (rc < 0 && trx && (en == 1213 || en == 1205) && f->kind == RK_DATA)
		rc = -2;
	if (rc < 0 && trx)
		dbconn_exec(c, "ROLLBACK", NULL, NULL);
	sbuf_free(&st);
	restoresql_free(s);
	dumpfile_close(in);
	return rc;
}

/* load_file, again after a deadlock or lock wait timeout (loads of neighbouring key ranges
 * of one table can meet in InnoDB's locks): the rolled-back progress is taken back first. */
static int load_file_retrying(struct restore *r, struct dbconn *c, struct rfile *f, char **err)
{
	for (int attempt = 1;; attempt++) {
		int rc = load_file(r, c, f, err);
		if (rc != -2 || attempt == 5)
			return rc < 0 ? -1 : 0;
		restore_note(r, "%s: %s; loading it again (attempt %d)", f->path, *err, attempt + 1);
		free(*err);
		*err = NULL;
		pthread_mutex_lock(&r->mu);
		if (f->t)
			f->t->inflight -= (double)f->inflight;
		f->inflight = 0;
		pthread_mutex_unlock(&r->mu);
		usleep(50000u * (unsigned)attempt);
	}
}

static void finish_file(struct restore *r, struct rfile *f)
{
	pthread_mutex_lock(&r->mu);
	f->state = RF_DONE;
	if (f->t && f->kind == RK_SCHEMA)
		f->t->schema_done = true;
	if (f->t && f->kind == RK_DATA) {
		f->t->files_done++;
		f->t->loading--;
		f->t->inflight -= (double)f->inflight;
		f->t->committed += (double)f->raw;
		r->rows_loaded += (unsigned long long)json_integer_value(json_object_get(f->e, "rows"));
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->o.on_done)
		r->o.on_done(r->o.ud, f->path);
	if (r->o.remove_loaded && f->kind == RK_DATA) {
		char *p = xasprintf("%s/%s", r->o.dir, f->path);
		unlink(p);
		free(p);
	}
}

/* A first run (no file of this dump loaded here yet) into a schema that already has
 * tables of the dump's names: refused before any DDL, naming them all (one at a time, the
 * tables checked before had been created by then). 0, or -1 and *err. */
static int taken_names(struct restore *r, struct dbconn *c, char **err)
{
	struct sbuf q, found;
	sbuf_init(&q);
	sbuf_init(&found);
	sbuf_adds(&q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE (TABLE_SCHEMA, "
		      "TABLE_NAME) IN (");
	size_t n = 0;
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rfile *f = r->files[i];
		if (f->kind != RK_SCHEMA || !f->t || began_here(r, f)) /* ours, from a killed run */
			continue;
		sbuf_adds(&q, n++ ? ",(" : "(");
		dbconn_quote(c, &q, f->t->tschema, strlen(f->t->tschema));
		sbuf_add(&q, ",", 1);
		dbconn_quote(c, &q, f->t->name, strlen(f->t->name));
		sbuf_add(&q, ")", 1);
	}
	sbuf_adds(&q, ") ORDER BY 1, 2 LIMIT 20");
	struct dbres *res = NULL;
	int rc = 0;
	if (n && dbconn_query(c, q.data, &res) == 0 && res->nrows > 0) {
		for (size_t i = 0; i < res->nrows; i++)
			sbuf_addf(&found, "%s%s.%s", i ? ", " : "", res->cells[i * 2], res->cells[i * 2 + 1]);
		*err = xasprintf("the target already has %s: refusing to restore over them (restore into an "
				 "empty schema, or drop them first)", found.data);
		rc = -1;
	}
	dbres_free(res);
	sbuf_free(&q);
	sbuf_free(&found);
	return rc;
}

/* A data or index file whose table has no schema file: it could never load. */
static const struct rfile *schemaless_file(const struct restore *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rfile *f = r->files[i];
		if ((f->kind != RK_DATA && f->kind != RK_INDEXES) || !f->t)
			continue;
		bool has = false;
		for (size_t k = 0; k < r->nfiles && !has; k++)
			has = r->files[k]->kind == RK_SCHEMA && r->files[k]->t == f->t;
		if (!has)
			return f;
	}
	return NULL;
}

/* Nothing runs, nothing more will arrive, yet files wait: one of them, or NULL. (Called
 * with mu held, by a worker that found nothing to pick.) */
static struct rfile *blocked_forever(struct restore *r)
{
	if (!r->feed_ended)
		return NULL;
	struct rfile *waiting = NULL;
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rfile *f = r->files[i];
		if (f->kind == RK_POST || f->kind == RK_MYSQLDUMP) /* run after the workers */
			continue;
		if (f->state == RF_RUNNING)
			return NULL;
		if (f->state == RF_PENDING && !waiting)
			waiting = r->files[i];
	}
	return waiting;
}

static void *worker(void *arg)
{
	struct restore *r = arg;
	dbconn_thread_init();
	char *err = NULL;
	struct dbconn *c = open_conn(r, &err);
	if (!c) {
		restore_fail(r, err);
		return NULL;
	}
	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (restore_failed(r))
			break;
		bool more;
		struct rfile *f = restore_pick(r, &more);
		if (!f) {
			if (!more)
				break;
			struct rfile *stuck = blocked_forever(r);
			if (stuck) {
				char *msg = xasprintf("%s can never load: the manifest has no schema file for its "
						      "table (a damaged manifest.json?)", stuck->path);
				pthread_mutex_unlock(&r->mu);
				restore_fail(r, msg);
				pthread_mutex_lock(&r->mu);
				break;
			}
			/* timed: a cancel (^C) sets a flag, nobody signals */
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 200000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&r->cv, &r->mu, &until);
			continue;
		}
		f->state = RF_RUNNING;
		f->started = now_mono();
		if (f->t && f->kind == RK_DATA)
			f->t->loading++;
		snprintf(r->label, sizeof r->label, "%s %s", f->kind == RK_INDEXES ? "building indexes of" :
			 f->kind == RK_SCHEMA ? "creating" : "loading", f->path);
		if (f->kind == RK_INDEXES)
			opbox_phase(&r->box, "building indexes");
		pthread_mutex_unlock(&r->mu);
		int rc = load_file_retrying(r, c, f, &err);
		if (rc < 0) {
			restore_fail(r, err);
			err = NULL;
			pthread_mutex_lock(&r->mu);
			break;
		}
		finish_file(r, f);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	dbconn_close(c);
	return NULL;
}

/* Live row counts of the restored tables from InnoDB (counted as rows are inserted, before
 * commit): the target's own measure of how far each table is. */
static void *monitor(void *arg)
{
	struct restore *r = arg;
	dbconn_thread_init();
	char *err = NULL;
	unsigned en;
	struct dbconn *c = dbconn_open(r->o.dst, &err, &en);
	free(err);
	if (!c)
		return NULL;
	const char *view = c->flavour == DB_MARIADB ? "information_schema.INNODB_SYS_TABLESTATS"
						    : "information_schema.INNODB_TABLESTATS";
	char *sql = xasprintf("SELECT NAME, NUM_ROWS FROM %s", view);
	for (;;) {
		pthread_mutex_lock(&r->mu);
		bool stop = r->monitor_stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;
		struct dbres *res = NULL;
		if (dbconn_query(c, sql, &res) < 0) {
			restore_note(r, "target row counts unavailable (%s): progress from bytes loaded", c->err);
			break;
		}
		pthread_mutex_lock(&r->mu);
		r->have_rows = true;
		for (size_t i = 0; i < res->nrows; i++) {
			const char *name = dbres_get(res, i, 0), *slash = name ? strchr(name, '/') : NULL;
			if (!slash)
				continue;
			for (size_t k = 0; k < r->ntables; k++) {
				struct rtable *t = r->tables[k];
				size_t sl = strlen(t->tschema);
				if ((size_t)(slash - name) == sl && strncmp(name, t->tschema, sl) == 0 &&
				    strcmp(slash + 1, t->name) == 0)
					t->rows_target = strtoull(dbres_get(res, i, 1), NULL, 10);
			}
		}
		pthread_mutex_unlock(&r->mu);
		dbres_free(res);
		/* a second between polls; the end of the restore wakes it at once, since the
		 * result (and the bar's 100 %) waits for this thread */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&r->mu);
		while (!r->monitor_stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0)
			;
		pthread_mutex_unlock(&r->mu);
	}
	free(sql);
	dbconn_close(c);
	return NULL;
}

static int markers_load(struct restore *r, struct dbconn *c, char **err)
{
	if (dbconn_exec(c, "CREATE DATABASE IF NOT EXISTS `tejun`", NULL, NULL) < 0 ||
	    dbconn_exec(c, "CREATE TABLE IF NOT EXISTS " MARKERS " (dump_id CHAR(32) CHARACTER SET ascii NOT NULL,"
			" target_schema VARCHAR(64) NOT NULL, path VARCHAR(700) CHARACTER SET ascii NOT NULL,"
			" sha256 CHAR(64) CHARACTER SET ascii NOT NULL, loaded_at TIMESTAMP(6) NOT NULL"
			" DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (dump_id, target_schema, path))"
			" ENGINE=InnoDB", NULL, NULL) < 0) {
		*err = xasprintf("resume markers in the target: %s", c->err);
		return -1;
	}
	struct dbval v = {.kind = DBV_STRING, .s = r->dump_id, .len = strlen(r->dump_id)};
	char *sql = dbconn_format(c, "SELECT target_schema, path FROM " MARKERS " WHERE dump_id=?", &v, 1);
	struct dbres *res = NULL;
	int rc = sql ? dbconn_query(c, sql, &res) : -1;
	free(sql);
	if (rc < 0) {
		*err = xasprintf("resume markers: %s", c->err);
		return -1;
	}
	for (size_t i = 0; i < res->nrows; i++)
	{
		char *key = xasprintf("%s|%s", dbres_get(res, i, 0), dbres_get(res, i, 1));
		json_object_set_new(r->done_set, key, json_true());
		free(key);
	}
	dbres_free(res);
	return 0;
}

/* Every file not yet loaded is there at its size (a resumed copy removed the loaded ones). */
static int check_files(struct restore *r, json_t *m, char **err)
{
	size_t i, loaded = 0;
	json_t *f;
	json_array_foreach(json_object_get(m, "files"), i, f) {
		const char *path = json_string_value(json_object_get(f, "path"));
		const char *schema = json_string_value(json_object_get(f, "schema"));
		if (restore_is_loaded(r, schema ? restore_target_schema(r, schema) : NULL, path)) {
			loaded++;
			continue;
		}
		char *p = xasprintf("%s/%s", r->o.dir, path);
		struct stat sb;
		unsigned long long want = (unsigned long long)json_integer_value(json_object_get(f, "bytes"));
		int rc = stat(p, &sb);
		if (rc < 0 || (unsigned long long)sb.st_size != want) {
			*err = xasprintf("%s: %s: refusing to restore an incomplete dump", p,
					 rc < 0 ? "missing" : "size differs from the manifest");
			free(p);
			return -1;
		}
		free(p);
	}
	/* markers of the same dump loaded under other names (a rehearsal) do not count */
	if (loaded)
		restore_note(r, "resuming: %zu of %zu files already loaded by an earlier run", loaded,
			     json_array_size(json_object_get(m, "files")));
	return 0;
}

static int create_schemas(struct restore *r, struct dbconn *c, char **err)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(r->manifest, "schemas"), i, s) {
		const char *cs = json_string_value(json_object_get(s, "charset"));
		const char *co = json_string_value(json_object_get(s, "collation"));
		if (!cs)
			continue;
		struct sbuf q;
		sbuf_init(&q);
		sbuf_adds(&q, "CREATE DATABASE IF NOT EXISTS ");
		dbconn_quote_ident(&q, restore_target_schema(r, json_string_value(json_object_get(s, "name"))));
		sbuf_addf(&q, " CHARACTER SET %s%s%s", cs, co ? " COLLATE " : "", co ? co : "");
		int rc = dbconn_exec(c, q.data, NULL, NULL);
		sbuf_free(&q);
		if (rc < 0) {
			*err = xasprintf("create schema: %s", c->err);
			return -1;
		}
	}
	return 0;
}

int restore_run(struct restore *r, char **err)
{
	*err = NULL;
	r->t0 = now_mono();
	double wall0 = now_wall();
	struct dbconn *c = open_conn(r, err);
	if (!c)
		return -1;
	r->empty_lock = c->flavour == DB_MARIADB && c->vnum >= 100600;
	int rc = -1;
	if (!r->o.stream) {
		json_t *m = manifest_load(r->o.dir, err);
		if (!m)
			goto out;
		snprintf(r->dump_id, sizeof r->dump_id, "%s", json_string_value(json_object_get(m, "id")));
		if (markers_load(r, c, err) < 0 || check_files(r, m, err) < 0) {
			json_decref(m);
			goto out;
		}
		pthread_mutex_lock(&r->mu);
		r->manifest = m;
		pthread_mutex_unlock(&r->mu);
		size_t i;
		json_t *f;
		if (create_schemas(r, c, err) < 0)
			goto out;
		pthread_mutex_lock(&r->mu);
		json_array_foreach(json_object_get(m, "files"), i, f)
			restore_add_file(r, f);
		restore_learn_manifest(r, m);
		r->feed_ended = true;
		const struct rfile *orphan = schemaless_file(r);
		pthread_mutex_unlock(&r->mu);
		if (orphan) {
			*err = xasprintf("%s/manifest.json: %s has no schema file for its table in the manifest: "
					 "refusing to restore (a damaged manifest?)", r->o.dir, orphan->path);
			goto out;
		}
		if (r->skipped == 0 && taken_names(r, c, err) < 0)
			goto out;
	} else if (r->dump_id[0] && markers_load(r, c, err) < 0) {
		goto out; /* a copy marks each file as it loads it, so it can be resumed */
	}
	pthread_mutex_lock(&r->mu);
	opbox_phase(&r->box, "data");
	pthread_mutex_unlock(&r->mu);
	pthread_t mon;
	pthread_create(&mon, NULL, monitor, r);
	int n = r->o.threads;
	pthread_t *ths = xcalloc((size_t)n, sizeof *ths);
	for (int i = 0; i < n; i++)
		pthread_create(&ths[i], NULL, worker, r);
	for (int i = 0; i < n; i++)
		pthread_join(ths[i], NULL);
	free(ths);
	pthread_mutex_lock(&r->mu);
	opbox_phase(&r->box, "post");
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < r->nfiles && !restore_failed(r); i++) {
		struct rfile *f = r->files[i];
		if ((f->kind != RK_POST && f->kind != RK_MYSQLDUMP) || f->state == RF_DONE)
			continue;
		snprintf(r->label, sizeof r->label, "creating %s", f->path);
		char *e = NULL;
		if (load_file(r, c, f, &e) < 0)
			restore_fail(r, e);
		else
			finish_file(r, f);
	}
	pthread_mutex_lock(&r->mu);
	r->monitor_stop = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(mon, NULL);
	if (restore_failed(r)) {
		*err = xstrdup(r->err ? r->err : "restore cancelled");
		goto out;
	}
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i]->state != RF_DONE) {
			*err = xasprintf("%s was never loaded (missing data files?)", r->files[i]->path);
			goto out;
		}
	pthread_mutex_lock(&r->mu);
	if (!r->prog_started) {
		double total, raw = restore_raw_done(r, &total);
		progress_init_from(&r->prog, total, raw, r->t0);
		r->prog_started = true;
	}
	progress_finish(&r->prog, now_mono());
	r->finished = true;
	opbox_phase(&r->box, "done");
	r->result = json_pack("{s:i,s:i,s:I,s:f,s:s,s:I}", "files", (int)r->nfiles, "files_skipped", (int)r->skipped,
			      "rows", (json_int_t)r->rows_loaded, "secs", now_wall() - wall0, "dump_id", r->dump_id,
			      "rows_by_load_data", (json_int_t)r->rows_infile);
	pthread_mutex_unlock(&r->mu);
	rc = 0;
out:
	dbconn_close(c);
	return rc;
}
