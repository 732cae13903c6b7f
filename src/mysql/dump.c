/* Dump orchestration: N connections on one snapshot (dumpsnap.c), parallel chunk workers
 * that stream rows into SQL files, progress against information_schema sizes, manifest last. */
#include "config.h"
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include "mysql/dump.h"
#include "mysql/dump_int.h"
#include "mysql/dbconn.h"
#include "mysql/dumpfile.h"
#include "mysql/dumpsync.h"
#include "mysql/dumpsql.h"
#include "mysql/rowstream.h"
#include "mysql/manifest.h"
#include "core/util.h"
#include <errno.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STMT_BYTES (1u << 20)   /* one INSERT: well under every max_allowed_packet default */

struct dump *dump_new(const struct dump_opts *o)
{
	struct dump *d = xcalloc(1, sizeof *d);
	d->o = *o;
	size_t n = 0;
	while (o->schemas && o->schemas[n])
		n++;
	d->schemas = xcalloc(n + 1, sizeof *d->schemas);
	for (size_t i = 0; i < n; i++)
		d->schemas[i] = xstrdup(o->schemas[i]);
	d->o.schemas = (const char *const *)d->schemas;
	d->o.dir = xstrdup(o->dir);
	d->o.lock = xstrdup(o->lock ? o->lock : "auto");
	d->o.driver = xstrdup(o->driver ? o->driver : "native");
	d->o.mysqldump = o->mysqldump ? xstrdup(o->mysqldump) : NULL;
	if (d->o.threads <= 0)
		d->o.threads = 4;
	if (d->o.threads > 64)
		d->o.threads = 64;
	if (!d->o.chunk_bytes)
		d->o.chunk_bytes = (unsigned long long)DUMP_CHUNK_MB << 20;
	pthread_mutex_init(&d->mu, NULL);
	d->schema_files = json_array();
	d->data_files = json_array();
	d->post_files = json_array();
	d->schema_info = json_array();
	opbox_init(&d->box, "connect");
	manifest_new_id(d->id);
	return d;
}

void dump_free(struct dump *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ntables; i++) {
		struct dtable *t = d->tables[i];
		free(t->schema); free(t->name); free(t->fname); free(t->collist); free(t->pk);
		free(t->min); free(t->max); free(t->pk_charset); free(t->pk_collation);
		for (int k = 0; k < t->nbounds; k++)
			free(t->bounds[k]);
		free(t->bounds);
		free(t->bound_pos);
		free(t);
	}
	for (size_t i = 0; i < d->nchunks; i++) {
		free(d->chunks[i].lo);
		free(d->chunks[i].hi);
	}
	free(d->chunks);
	free(d->tables);
	for (size_t i = 0; d->schemas[i]; i++)
		free(d->schemas[i]);
	free(d->schemas);
	free((char *)d->o.dir);
	free((char *)d->o.lock);
	free((char *)d->o.driver);
	free((char *)d->o.mysqldump);
	json_decref(d->schema_files);
	json_decref(d->data_files);
	json_decref(d->post_files);
	json_decref(d->schema_info);
	json_decref(d->manifest);
	opbox_free(&d->box);
	free(d->err);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void dump_note(struct dump *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	opbox_note(d->o.notes_to ? d->o.notes_to : &d->box, "%s", s);
	free(s);
}

struct opbox *dump_box(struct dump *d)
{
	return &d->box;
}

bool dump_cancelled(struct dump *d)
{
	return d->o.cancel && __atomic_load_n(d->o.cancel, __ATOMIC_SEQ_CST);
}

const char *dump_id(const struct dump *d)
{
	return d->id;
}

json_t *dump_manifest(struct dump *d)
{
	return d->manifest;
}

static json_t *file_entry(const char *rel, const char *kind, const char *schema, const char *table,
			  const struct dumpfile_info *fi)
{
	json_t *f = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "path", rel, "kind", kind, "schema", schema,
			      "bytes", (json_int_t)fi->bytes, "raw_bytes", (json_int_t)fi->raw_bytes,
			      "sha256", fi->sha256);
	if (table)
		json_object_set_new(f, "table", json_string(table));
	return f;
}

static void publish(struct dump *d, json_t *list, json_t *f)
{
	pthread_mutex_lock(&d->mu);
	json_array_append(list, f);
	d->bytes_written += (unsigned long long)json_integer_value(json_object_get(f, "bytes"));
	pthread_mutex_unlock(&d->mu);
	if (d->o.on_file)
		d->o.on_file(d->o.ud, f);
	json_decref(f);
}

/* DIR/<encoded schema>: where schema i's files go. */
static char *schema_dir(struct dump *d, size_t i)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "%s/", d->o.dir);
	manifest_encode_name(&b, d->schemas[i]);
	return sbuf_steal(&b);
}

/* Every file and the renames that named them on disk, before the manifest says complete. */
static int sync_all(struct dump *d, char **err)
{
	if (dumpsync_drain(d->sync, err) < 0)
		return -1;
	for (size_t i = 0; d->schemas[i]; i++) {
		char *dir = schema_dir(d, i);
		dumpfile_sync_dir(dir);
		free(dir);
	}
	return 0;
}

static char *full_path(struct dump *d, const char *rel)
{
	return xasprintf("%s/%s%s", d->o.dir, rel, d->o.zstd_level > 0 ? ".zst" : "");
}

int dump_write_file(struct dump *d, json_t *list, const char *rel, const char *kind,
		    const char *schema, const char *table, const char *text, char **err)
{
	char *path = full_path(d, rel);
	struct dumpfile_w *w = dumpfile_create(path, d->o.zstd_level, err);
	free(path);
	if (!w)
		return -1;
	dumpfile_sync_later(w, d->sync); /* NULL (mysqldump driver): synced here */
	struct dumpfile_info fi;
	if (dumpfile_write(w, text, strlen(text), err) < 0) {
		dumpfile_abort(w);
		return -1;
	}
	if (dumpfile_finish(w, &fi, err) < 0)
		return -1;
	char *r = xasprintf("%s%s", rel, d->o.zstd_level > 0 ? ".zst" : "");
	publish(d, list, file_entry(r, kind, schema, table, &fi));
	free(r);
	return 0;
}

/* ---- data ---- */

struct worker {
	struct dump *d;
	struct dbconn *c;
	pthread_t th;
};

static void set_err(struct dump *d, char *err)
{
	pthread_mutex_lock(&d->mu);
	if (!d->err)
		d->err = err;
	else
		free(err);
	pthread_mutex_unlock(&d->mu);
}

static bool failed(struct dump *d)
{
	pthread_mutex_lock(&d->mu);
	bool f = d->err != NULL;
	pthread_mutex_unlock(&d->mu);
	return f || dump_cancelled(d);
}

struct out {
	struct dump *d;
	struct dtable *t;
	struct dumpfile_w *w;
	char *rel;
	unsigned long long rows;
};

static int out_open(struct out *o, char **err)
{
	struct dump *d = o->d;
	struct dtable *t = o->t;
	pthread_mutex_lock(&d->mu);
	int seq = ++t->file_seq;
	pthread_mutex_unlock(&d->mu);
	struct sbuf b;
	sbuf_init(&b);
	manifest_encode_name(&b, t->schema);
	sbuf_addf(&b, "/2-%s.%06d.sql", t->fname, seq);
	o->rel = sbuf_steal(&b);
	char *path = full_path(d, o->rel);
	o->w = dumpfile_create(path, d->o.zstd_level, err);
	free(path);
	if (!o->w)
		return -1;
	dumpfile_sync_later(o->w, d->sync);
	o->rows = 0;
	sbuf_init(&b);
	char *what = xasprintf("data of %s.%s", t->schema, t->name);
	dumpsql_header(&b, what);
	free(what);
	sbuf_adds(&b, "BEGIN;\n");
	int rc = dumpfile_write(o->w, b.data, b.len, err);
	sbuf_free(&b);
	return rc;
}

static int out_close(struct out *o, char **err)
{
	struct dumpfile_info fi;
	int rc = dumpfile_write(o->w, "COMMIT;\n", 8, err);
	if (rc < 0)
		dumpfile_abort(o->w);
	else
		rc = dumpfile_finish(o->w, &fi, err);
	o->w = NULL;
	if (rc == 0) {
		char *r = xasprintf("%s%s", o->rel, o->d->o.zstd_level > 0 ? ".zst" : "");
		json_t *f = file_entry(r, "data", o->t->schema, o->t->name, &fi);
		json_object_set_new(f, "rows", json_integer((json_int_t)o->rows));
		free(r);
		publish(o->d, o->d->data_files, f);
	}
	free(o->rel);
	o->rel = NULL;
	return rc;
}

/* The query for pieces ch[0..n): adjacent key ranges of one table, read as one range. */
static char *chunk_sql(struct dchunk *ch, int n)
{
	struct dtable *t = ch->t;
	const char *lo = ch[0].lo, *hi = ch[n - 1].hi;
	struct sbuf q;
	sbuf_init(&q);
	sbuf_addf(&q, "SELECT %s FROM ", t->collist ? t->collist : "*");
	dbconn_quote_ident(&q, t->schema);
	sbuf_add(&q, ".", 1);
	dbconn_quote_ident(&q, t->name);
	if (lo || hi) {
		sbuf_adds(&q, " WHERE ");
		if (lo) {
			dbconn_quote_ident(&q, t->pk);
			sbuf_addf(&q, " >= %s", lo);
		}
		if (hi) {
			sbuf_adds(&q, lo ? " AND " : "");
			dbconn_quote_ident(&q, t->pk);
			sbuf_addf(&q, " < %s", hi);
		}
	}
	if (t->pk) {
		sbuf_adds(&q, " ORDER BY ");
		dbconn_quote_ident(&q, t->pk);
	}
	return sbuf_steal(&q);
}

/* Streams the n adjacent pieces ch[0..n) of one table (mysql_use_result: one row in memory
 * at a time) into data files of about 2 x chunk_bytes of SQL each, INSERTs of about
 * STMT_BYTES. Each piece is marked done as the key scan passes its upper bound. */
static int dump_chunk(struct dump *d, struct dbconn *c, struct dchunk *ch, int n, char **err)
{
	struct dtable *t = ch->t;
	struct dchunk *last = ch + n - 1;
	char *sql = chunk_sql(ch, n), *why = NULL;
	struct rowstream *res = rowstream_query(c->mysql, sql, c->opts.read_timeout, ROWSTREAM_ANY, &why);
	free(sql);
	if (!res) {
		*err = xasprintf("%s.%s: %s", t->schema, t->name, why);
		free(why);
		return -1;
	}
	unsigned nf = rowstream_nfields(res);
	const struct rowstream_field *fl = rowstream_fields(res);
	enum dumpsql_kind *kinds = xcalloc(nf ? nf : 1, sizeof *kinds);
	int pkcol = -1;
	for (unsigned i = 0; i < nf; i++) {
		kinds[i] = dumpsql_kind_of(fl[i].type, fl[i].charsetnr, fl[i].flags);
		if (t->pk && strcmp(fl[i].name, t->pk) == 0)
			pkcol = (int)i;
	}
	struct sbuf head, stmt;
	sbuf_init(&head);
	sbuf_init(&stmt);
	sbuf_adds(&head, "INSERT INTO ");
	dbconn_quote_ident(&head, t->name);
	sbuf_addf(&head, " (%s) VALUES\n", t->collist ? t->collist : "");
	struct out o = {.d = d, .t = t};
	unsigned long long rows = 0, file_limit = 2 * d->o.chunk_bytes;
	int got, rc = 0;
	char **row;
	unsigned long *lens;
	while ((got = rowstream_next(res, &row, &lens, &why)) > 0) {
		if (!o.w && out_open(&o, err) < 0) {
			rc = -1;
			break;
		}
		if (stmt.len)
			sbuf_add(&stmt, ",\n", 2);
		else
			sbuf_add(&stmt, head.data, head.len);
		dumpsql_row(&stmt, (const char *const *)row, lens, kinds, nf);
		o.rows++;
		rows++;
		if (stmt.len >= STMT_BYTES) {
			sbuf_add(&stmt, ";\n", 2);
			if (dumpfile_write(o.w, stmt.data, stmt.len, err) < 0) {
				rc = -1;
				break;
			}
			stmt.len = 0;
			if (dumpfile_raw_bytes(o.w) >= file_limit && out_close(&o, err) < 0) {
				rc = -1;
				break;
			}
		}
		if ((rows & 1023) == 0) {
			pthread_mutex_lock(&d->mu);
			if (pkcol >= 0 && row[pkcol]) {
				double pos = t->pk_charset ? dumpschema_key_pos(t, row[pkcol], lens[pkcol])
							   : strtod(row[pkcol], NULL);
				while (ch < last && pos >= ch->fhi) {
					ch->done = true;
					t->chunks_done++;
					(++ch)->started = true;
				}
				ch->cur = pos;
			}
			ch->rows = rows;
			d->rows += 1024;
			pthread_mutex_unlock(&d->mu);
			if (failed(d)) {
				rc = -1;
				if (!*err)
					*err = xstrdup("cancelled");
				break;
			}
		}
	}
	if (rc == 0 && got < 0) {
		*err = xasprintf("%s.%s: %s", t->schema, t->name, why);
		rc = -1;
	}
	free(why);
	if (rc == 0 && stmt.len) {
		sbuf_add(&stmt, ";\n", 2);
		rc = dumpfile_write(o.w, stmt.data, stmt.len, err);
	}
	if (rc == 0 && o.w)
		rc = out_close(&o, err);
	if (o.w)
		dumpfile_abort(o.w);
	free(o.rel);
	rowstream_close(res);
	sbuf_free(&head);
	sbuf_free(&stmt);
	free(kinds);
	pthread_mutex_lock(&d->mu);
	d->rows += rows & 1023;
	ch->rows = rows;
	t->rows += rows;
	for (; rc == 0 && ch <= last; ch++) {
		ch->started = ch->done = true;
		t->chunks_done++;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

/* Guided scheduling (under d->mu): while much is left a worker takes up to DUMP_PIECES
 * adjacent pieces of one table as one query, fewer as the unclaimed work shrinks, so every
 * worker ends on a small piece instead of one worker finishing a big chunk alone. */
static struct dchunk *claim(struct dump *d, int *n)
{
	if (d->next_chunk >= d->nchunks)
		return NULL;
	struct dchunk *ch = &d->chunks[d->next_chunk];
	double piece = ch->t->weight / ch->t->nchunks;
	double fit = piece > 0 ? d->unclaimed / (piece * 2 * d->o.threads) : 1;
	int most = fit >= DUMP_PIECES ? DUMP_PIECES : fit >= 1 ? (int)fit : 1;
	int k = 1;
	while (k < most && d->next_chunk + (size_t)k < d->nchunks && ch[k].t == ch->t && ch[k].idx == ch->idx + k)
		k++;
	d->next_chunk += (size_t)k;
	d->unclaimed -= piece * k;
	ch->started = true;
	*n = k;
	return ch;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dump *d = w->d;
	dbconn_thread_init();
	for (;;) {
		if (failed(d))
			break;
		pthread_mutex_lock(&d->mu);
		int n = 0;
		struct dchunk *ch = claim(d, &n);
		if (ch)
			snprintf(d->label, sizeof d->label, "%s.%s (chunk %d/%d)", ch->t->schema, ch->t->name,
				 ch->idx + 1, ch->t->nchunks);
		pthread_mutex_unlock(&d->mu);
		if (!ch)
			break;
		char *err = NULL;
		if (dump_chunk(d, w->c, ch, n, &err) < 0) {
			set_err(d, err ? err : xstrdup("dump failed"));
			break;
		}
	}
	return NULL;
}

/* ---- progress ---- */

static double chunk_frac(const struct dchunk *ch)
{
	if (ch->done)
		return 1;
	if (!ch->started)
		return 0;
	const struct dtable *t = ch->t;
	double f;
	if (t->nchunks > 1 && ch->fhi > ch->flo) {
		f = (ch->cur - ch->flo) / (ch->fhi - ch->flo);
	} else if (t->min && t->max && strcmp(t->min, t->max) != 0) {
		double lo = strtod(t->min, NULL), hi = strtod(t->max, NULL);
		f = ch->rows ? (ch->cur - lo) / (hi - lo) : 0;
	} else {
		/* no key to go by: rows against the estimate, which may well be off */
		f = t->rows_est > 0 ? (double)ch->rows / t->rows_est : 0;
	}
	return f < 0 ? 0 : f > 0.99 ? 0.99 : f;
}

static double raw_done(struct dump *d)
{
	if (strcmp(d->o.driver, "mysqldump") == 0)
		return (double)d->bytes_written;
	double done = 0;
	for (size_t i = 0; i < d->nchunks; i++) {
		const struct dchunk *ch = &d->chunks[i];
		done += ch->t->weight / ch->t->nchunks * chunk_frac(ch);
	}
	return done;
}

void dump_stat(struct dump *d, struct dump_stat *st)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&d->mu);
	double now = now_mono();
	if (d->prog_started) {
		progress_update(&d->prog, raw_done(d), now);
		st->done = d->prog.shown;
		st->total = d->prog.total;
		st->rate = progress_rate(&d->prog);
		st->eta = progress_eta(&d->prog);
	} else {
		st->eta = -1;
	}
	st->rows = d->rows;
	st->bytes_written = d->bytes_written;
	opbox_phase_now(&d->box, st->phase, sizeof st->phase);
	snprintf(st->label, sizeof st->label, "%s", d->label);
	for (size_t s = 0; d->schemas[s] && s < DUMP_STAT_SCHEMAS; s++) {
		snprintf(st->schema[s].name, sizeof st->schema[s].name, "%s", d->schemas[s]);
		for (size_t i = 0; i < d->nchunks; i++) {
			const struct dchunk *ch = &d->chunks[i];
			if (strcmp(ch->t->schema, d->schemas[s]) != 0)
				continue;
			double w = ch->t->weight / ch->t->nchunks;
			st->schema[s].total += w;
			st->schema[s].done += w * chunk_frac(ch);
		}
		st->nschemas = (int)s + 1;
	}
	pthread_mutex_unlock(&d->mu);
}

static void set_phase(struct dump *d, const char *phase)
{
	opbox_phase(&d->box, phase);
}

/* ---- the run ---- */

/* A file a dump writes: "N-table....sql[.zst]", maybe still ".tmp" */
static bool dump_file_name(const char *n)
{
	if (!isdigit((unsigned char)*n))
		return false;
	while (isdigit((unsigned char)*n))
		n++;
	if (*n != '-')
		return false;
	size_t l = strlen(n);
	static const char *const ends[] = {".sql", ".sql.zst", ".sql.tmp", ".sql.zst.tmp", NULL};
	for (const char *const *e = ends; *e; e++)
		if (l >= strlen(*e) && strcmp(n + l - strlen(*e), *e) == 0)
			return true;
	return false;
}

/* A file a dump (either driver) writes at the top of its directory */
static bool dump_top_name(const char *n)
{
	static const char *const ours[] = {MANIFEST_NAME ".tmp", ".tejun-client.cnf", ".mysqldump.stderr",
					   "mysqldump.sql", "mysqldump.sql.tmp", "mysqldump.sql.zst",
					   "mysqldump.sql.zst.tmp", NULL};
	for (const char *const *o = ours; *o; o++)
		if (strcmp(n, *o) == 0)
			return true;
	return false;
}

/* What an interrupted dump left in dir: its files are removed (a retried step dumps again;
 * the stock client fed every .sql file must not load a stale chunk). Anything else in dir is not
 * ours: refused. Returns the files removed, or -1. */
static int clear_leftovers(const char *dir, char **err)
{
	DIR *top = opendir(dir);
	if (!top) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	int removed = 0;
	struct dirent *e;
	for (int pass = 0; pass < 2 && removed >= 0; pass++) { /* check everything, then remove */
		rewinddir(top);
		while ((e = readdir(top)) && removed >= 0) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *sub = xasprintf("%s/%s", dir, e->d_name);
			bool file = dump_top_name(e->d_name);
			DIR *sd = file ? NULL : opendir(sub);
			if (!sd && !file) {
				*err = xasprintf("%s is not empty (%s is not from a tejun dump): choose a new directory",
						 dir, e->d_name);
				removed = -1;
			} else if (!sd) {
				if (pass && unlink(sub) == 0)
					removed++;
			} else {
				struct dirent *f;
				while ((f = readdir(sd)) && removed >= 0) {
					if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
						continue;
					char *fp = xasprintf("%s/%s", sub, f->d_name);
					if (!dump_file_name(f->d_name)) {
						*err = xasprintf("%s is not empty (%s/%s is not from a tejun dump): choose "
								 "a new directory", dir, e->d_name, f->d_name);
						removed = -1;
					} else if (pass && unlink(fp) == 0) {
						removed++;
					}
					free(fp);
				}
				closedir(sd);
			}
			free(sub);
		}
	}
	closedir(top);
	return removed;
}

/* Before any lock or directory: a mistyped schema is said at once, by name. */
static int schemas_exist(struct dump *d, struct dbconn *c, char **err)
{
	for (size_t i = 0; d->schemas[i]; i++) {
		struct dbres *res = NULL;
		struct sbuf q;
		sbuf_init(&q);
		sbuf_adds(&q, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ");
		dbconn_quote(c, &q, d->schemas[i], strlen(d->schemas[i]));
		int qrc = dbconn_query(c, q.data, &res);
		sbuf_free(&q);
		if (qrc < 0) {
			*err = xasprintf("schemas: %s", c->err);
			return -1;
		}
		bool there = res->nrows > 0;
		dbres_free(res);
		if (!there) {
			*err = xasprintf("schema '%s' does not exist on the source", d->schemas[i]);
			return -1;
		}
	}
	return 0;
}

static int make_dirs(struct dump *d, char **err)
{
	if (!*d->o.dir) {
		*err = xstrdup("the dump directory must not be empty");
		return -1;
	}
	if (mkdir_p(d->o.dir, 0750) < 0) {
		*err = xasprintf("mkdir %s: %s", d->o.dir, strerror(errno));
		return -1;
	}
	if (manifest_exists(d->o.dir)) {
		*err = xasprintf("%s already holds a complete dump (manifest.json): choose a new directory",
				 d->o.dir);
		return -1;
	}
	int stale = clear_leftovers(d->o.dir, err);
	if (stale < 0)
		return -1;
	if (stale)
		dump_note(d, "removed %d files an interrupted dump had left in %s", stale, d->o.dir);
	for (size_t i = 0; d->schemas[i]; i++) {
		char *dir = schema_dir(d, i);
		if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
			*err = xasprintf("mkdir %s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	const char *pa = json_string_value(json_object_get(*(json_t *const *)a, "path"));
	const char *pb = json_string_value(json_object_get(*(json_t *const *)b, "path"));
	return strcmp(pa, pb);
}

static json_t *sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = xcalloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof *v, cmp_path);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static json_t *build_manifest(struct dump *d, struct dbconn *c, const struct dumpsnap *s)
{
	json_t *files = json_array();
	json_array_extend(files, d->schema_files);
	json_t *data = sorted(d->data_files);
	json_array_extend(files, data);
	json_decref(data);
	json_array_extend(files, d->post_files);
	unsigned long long bytes = 0, rows = 0;
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
		bytes += (unsigned long long)json_integer_value(json_object_get(f, "bytes"));
	json_t *sch;
	json_array_foreach(d->schema_info, i, sch) {
		const char *name = json_string_value(json_object_get(sch, "name"));
		json_t *tl = json_object_get(sch, "tables");
		for (size_t k = 0; k < d->ntables; k++) {
			struct dtable *t = d->tables[k];
			if (strcmp(t->schema, name) != 0)
				continue;
			rows += t->rows;
			json_array_append_new(tl, json_pack("{s:s,s:f,s:f,s:f,s:I,s:i,s:i,s:b,s:s?}",
				"name", t->name, "data_length", t->data_length, "index_length", t->index_length,
				"rows_estimate", t->rows_est, "rows", (json_int_t)t->rows, "chunks", t->nchunks,
				"files", t->file_seq, "deferred_indexes", t->deferred, "chunk_key", t->pk));
		}
	}
	char started[40], finished[40];
	format_iso_time(d->t0, started, sizeof started);
	format_iso_time(now_wall(), finished, sizeof finished);
	json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:{s:s,s:s,s:s?},s:{s:s?,s:s?,s:s?,s:s?},"
			      "s:s?,s:i,s:I,s:I,s:I,s:o,s:o}",
		"format", MANIFEST_FORMAT, "id", d->id, "tool", PACKAGE_STRING, "driver", d->o.driver,
		"started", started, "secs", now_mono() - d->prog.t0,
		"source", "target", c->target, "flavour", dbflavour_name(c->flavour), "version", c->version,
		"consistency", "method", s->method, "binlog_file", s->file, "binlog_pos", s->pos, "gtid", s->gtid,
		"compress", d->o.zstd_level > 0 ? "zstd" : NULL, "threads", d->o.threads,
		"chunk_bytes", (json_int_t)d->o.chunk_bytes, "bytes", (json_int_t)bytes, "rows", (json_int_t)rows,
		"schemas", json_deep_copy(d->schema_info), "files", files);
	json_object_set_new(m, "finished", json_string(finished));
	if (d->o.on_file) /* a copy's: only a copy of the same schemas may resume from it */
		json_object_set_new(m, "made_by", json_string("copy"));
	return m;
}

int dump_run(struct dump *d, char **err)
{
	*err = NULL;
	d->t0 = now_wall();
	d->prog.t0 = now_mono();
	if (!d->schemas[0]) {
		*err = xstrdup("no schemas to dump");
		return -1;
	}
	int n = d->o.threads, rc = -1;
	struct dbconn **conns = xcalloc((size_t)n, sizeof *conns);
	struct dumpsnap s = {0};
	unsigned en = 0;
	conns[0] = dbconn_open(d->o.src, err, &en);
	if (!conns[0] || dumpsnap_setup_conn(conns[0]) < 0 || schemas_exist(d, conns[0], err) < 0 || make_dirs(d, err) < 0)
		goto out;
	if (strcmp(d->o.driver, "mysqldump") == 0) {
		rc = dumpext_run(d, conns[0], err);
		goto out;
	}
	if (strcmp(d->o.driver, "native") != 0) {
		*err = xasprintf("unknown driver \"%s\" (native or mysqldump)", d->o.driver);
		goto out;
	}
	for (int i = 1; i < n; i++) {
		conns[i] = dbconn_open(d->o.src, err, &en);
		if (!conns[i] || dumpsnap_setup_conn(conns[i]) < 0)
			goto out;
	}
	d->sync = dumpsync_new();
	set_phase(d, "snapshot");
	if (dumpsnap_take(d, conns, n, &s, err) < 0)
		goto out;
	dump_note(d, "consistency: %s; binlog %s:%s%s%s", s.method, s.file ? s.file : "(off)",
		  s.pos ? s.pos : "-", s.gtid ? " gtid " : "", s.gtid ? s.gtid : "");
	set_phase(d, "schema");
	for (size_t i = 0; d->schemas[i]; i++)
		if (dumpschema_plan(d, conns[0], d->schemas[i], err) < 0)
			goto out;
	pthread_mutex_lock(&d->mu);
	dumpschema_chunk(d);
	double total = 0;
	for (size_t i = 0; i < d->ntables; i++)
		total += d->tables[i]->weight;
	progress_init(&d->prog, total, now_mono());
	d->unclaimed = total;
	d->prog_started = true;
	opbox_phase(&d->box, "data");
	pthread_mutex_unlock(&d->mu);
	struct worker *ws = xcalloc((size_t)n, sizeof *ws);
	for (int i = 0; i < n; i++) {
		ws[i] = (struct worker){.d = d, .c = conns[i]};
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0)
			die("pthread_create failed");
	}
	for (int i = 0; i < n; i++)
		pthread_join(ws[i].th, NULL);
	free(ws);
	if (d->err || dump_cancelled(d)) {
		*err = d->err ? xstrdup(d->err) : xstrdup("dump cancelled: no manifest written");
		goto out;
	}
	for (int i = 0; i < n; i++)
		dbconn_exec(conns[i], "COMMIT", NULL, NULL);
	set_phase(d, "sync"); /* shown while the last files reach the disk */
	if (sync_all(d, err) < 0)
		goto out;
	json_t *m = build_manifest(d, conns[0], &s);
	if (manifest_write(d->o.dir, m, err) < 0) {
		json_decref(m);
		goto out;
	}
	pthread_mutex_lock(&d->mu);
	d->manifest = m;
	progress_finish(&d->prog, now_mono());
	opbox_phase(&d->box, "done");
	pthread_mutex_unlock(&d->mu);
	rc = 0;
out:
	if (rc < 0 && !*err)
		*err = xstrdup(conns[0] ? conns[0]->err : "dump failed");
	for (int i = 0; i < n; i++)
		dbconn_close(conns[i]);
	free(conns);
	dumpsnap_free(&s);
	dumpsync_free(d->sync);
	d->sync = NULL;
	return rc;
}
