/* Restore: scheduling (schema, data in parallel, deferred indexes, post objects), resume
 * markers in the target, progress measured on the target. Loading itself: restoreload.c. */
#include "config.h"
#include "mysql/restore.h"
#include "mysql/restore_int.h"
#include "mysql/dbconn.h"
#include "mysql/manifest.h"
#include "core/util.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A row costs the server about as much as 100 bytes of its data: on MariaDB 10.11 with
 * 2 threads, 60-byte rows loaded at 29 MB/s, 280-byte rows at 63 MB/s and 1.6 KB rows at
 * 79 MB/s. Weighing bytes alone put the ETA off by the mix of tables still to come. */
#define ROW_COST 100.0

struct restore *restore_new(const struct restore_opts *o)
{
	struct restore *r = xcalloc(1, sizeof *r);
	r->o = *o;
	r->o.dir = xstrdup(o->dir);
	size_t n = 0;
	while (o->map && o->map[n])
		n++;
	r->map = xcalloc(n + 1, sizeof *r->map);
	for (size_t i = 0; i < n; i++)
		r->map[i] = xstrdup(o->map[i]);
	r->o.map = (const char *const *)r->map;
	if (r->o.threads <= 0)
		r->o.threads = 4;
	if (r->o.threads > 64)
		r->o.threads = 64;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->done_set = json_object();
	opbox_init(&r->box, "prepare");
	return r;
}

void restore_free(struct restore *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfiles; i++) {
		json_decref(r->files[i]->e);
		free(r->files[i]->tschema);
		free(r->files[i]);
	}
	for (size_t i = 0; i < r->ntables; i++) {
		free(r->tables[i]->schema);
		free(r->tables[i]->name);
		free(r->tables[i]->tschema);
		free(r->tables[i]);
	}
	free(r->files);
	free(r->tables);
	for (size_t i = 0; r->map[i]; i++)
		free(r->map[i]);
	free(r->map);
	free((char *)r->o.dir);
	json_decref(r->manifest);
	json_decref(r->result);
	json_decref(r->done_set);
	opbox_free(&r->box);
	free(r->err);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

void restore_note(struct restore *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	opbox_note(r->o.notes_to ? r->o.notes_to : &r->box, "%s", s);
	free(s);
}

struct opbox *restore_box(struct restore *r)
{
	return &r->box;
}

json_t *restore_result(struct restore *r)
{
	return r->result;
}

const char *restore_target_schema(struct restore *r, const char *schema)
{
	for (size_t i = 0; r->map[i] && r->map[i + 1]; i += 2)
		if (strcmp(r->map[i], schema) == 0)
			return r->map[i + 1];
	return schema;
}

bool restore_failed(struct restore *r)
{
	return r->err || (r->o.cancel && __atomic_load_n(r->o.cancel, __ATOMIC_SEQ_CST));
}

void restore_fail(struct restore *r, char *err)
{
	pthread_mutex_lock(&r->mu);
	if (!r->err)
		r->err = err;
	else
		free(err);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static struct rtable *table_for(struct restore *r, const char *schema, const char *name)
{
	for (size_t i = 0; i < r->ntables; i++)
		if (strcmp(r->tables[i]->schema, schema) == 0 && strcmp(r->tables[i]->name, name) == 0)
			return r->tables[i];
	struct rtable *t = xcalloc(1, sizeof *t);
	t->schema = xstrdup(schema);
	t->name = xstrdup(name);
	t->tschema = xstrdup(restore_target_schema(r, schema));
	t->files_total = -1;
	t->ix = r->ntables;
	r->tables = xrealloc(r->tables, (r->ntables + 1) * sizeof *r->tables);
	r->tables[r->ntables++] = t;
	return t;
}

static enum rkind kind_of(const char *k)
{
	static const struct { const char *name; enum rkind kind; } kinds[] = {
		{"schema", RK_SCHEMA}, {"data", RK_DATA}, {"indexes", RK_INDEXES},
		{"mysqldump", RK_MYSQLDUMP},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (k && strcmp(k, kinds[i].name) == 0)
			return kinds[i].kind;
	return RK_POST;
}

bool restore_is_loaded(const struct restore *r, const char *tschema, const char *path)
{
	char *key = xasprintf("%s|%s", tschema ? tschema : "", path);
	bool marked = json_is_true(json_object_get(r->done_set, key));
	free(key);
	return marked || (r->o.is_done && r->o.is_done(r->o.ud, path));
}

/* Called with r->mu held. */
void restore_add_file(struct restore *r, json_t *e)
{
	struct rfile *f = xcalloc(1, sizeof *f);
	f->e = json_incref(e);
	f->path = json_string_value(json_object_get(e, "path"));
	f->kind = kind_of(json_string_value(json_object_get(e, "kind")));
	f->bytes = (unsigned long long)json_integer_value(json_object_get(e, "bytes"));
	f->raw = (unsigned long long)json_integer_value(json_object_get(e, "raw_bytes"));
	f->sha = json_string_value(json_object_get(e, "sha256"));
	const char *schema = json_string_value(json_object_get(e, "schema"));
	const char *table = json_string_value(json_object_get(e, "table"));
	f->tschema = schema ? xstrdup(restore_target_schema(r, schema)) : NULL;
	if (schema && table)
		f->t = table_for(r, schema, table);
	if (restore_is_loaded(r, f->tschema, f->path))
		f->state = RF_DONE;
	if (f->t && f->kind == RK_DATA) {
		json_int_t rows = json_integer_value(json_object_get(e, "rows"));
		f->t->w += (double)f->raw;
		if ((double)f->raw > f->t->max_raw)
			f->t->max_raw = (double)f->raw;
		f->t->cost += (double)f->raw + ROW_COST * (double)rows;
		f->t->rows_manifest += (unsigned long long)rows;
		if (f->state == RF_DONE) {
			f->t->files_done++;
			f->t->committed += (double)f->raw;
		}
	}
	if (f->t && f->kind == RK_SCHEMA && f->state == RF_DONE)
		f->t->schema_done = true;
	if (f->t && f->kind == RK_INDEXES)
		f->t->indexes = f;
	if (f->state == RF_DONE)
		r->skipped++;
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	r->files[r->nfiles++] = f;
}

void restore_set_dump_id(struct restore *r, const char *id)
{
	pthread_mutex_lock(&r->mu);
	snprintf(r->dump_id, sizeof r->dump_id, "%s", id);
	pthread_mutex_unlock(&r->mu);
}

void restore_feed(struct restore *r, json_t *file)
{
	pthread_mutex_lock(&r->mu);
	restore_add_file(r, file);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Data files per table come from the manifest's table list; until then (stream) a
 * table's indexes wait. Called with r->mu held. */
void restore_learn_manifest(struct restore *r, json_t *m)
{
	size_t i, k;
	json_t *s, *t;
	json_array_foreach(json_object_get(m, "schemas"), i, s)
		json_array_foreach(json_object_get(s, "tables"), k, t) {
			struct rtable *rt = table_for(r, json_string_value(json_object_get(s, "name")),
						      json_string_value(json_object_get(t, "name")));
			rt->files_total = (int)json_integer_value(json_object_get(t, "files"));
			rt->idx_w = json_number_value(json_object_get(t, "index_length"));
		}
	const char *id = json_string_value(json_object_get(m, "id"));
	if (id)
		snprintf(r->dump_id, sizeof r->dump_id, "%s", id);
}

void restore_feed_end(struct restore *r, json_t *manifest)
{
	pthread_mutex_lock(&r->mu);
	if (manifest) {
		r->manifest = json_incref(manifest);
		restore_learn_manifest(r, manifest);
	} else if (!r->err) {
		r->err = xstrdup("the dump failed: restore stopped");
	}
	r->feed_ended = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* ---- scheduling ---- */

/* MariaDB 10.6+ inserts into an empty table under a table lock when foreign and unique
 * checks are off (MDEV-515, MDEV-24818): a second load into it would wait, idle, until the
 * first commits. Such a table takes one loader until its first file is in. */
static bool fresh(const struct rtable *t)
{
	return t && t->files_done == 0;
}

static bool locked(const struct restore *r, const struct rtable *t)
{
	return r->empty_lock && fresh(t) && t->loading > 0;
}

/* Which data file to load first: tables with an index build to come go first, so their
 * builds overlap the loading of the others instead of running alone at the end; then the
 * largest file, so the run ends on small files that finish together. A table not yet
 * started opens with its smallest file, the one that holds its table lock the shortest. */
bool restore_before(const struct rfile *a, const struct rfile *b)
{
	bool ia = a->t && a->t->indexes, ib = b->t && b->t->indexes;
	if (ia != ib)
		return ia;
	if (a->t == b->t && fresh(a->t))
		return a->raw < b->raw;
	double ra = fresh(a->t) ? a->t->max_raw : (double)a->raw;
	double rb = fresh(b->t) ? b->t->max_raw : (double)b->raw;
	return ra > rb;
}

struct rfile *restore_pick(struct restore *r, bool *more)
{
	struct rfile *data = NULL, *idx = NULL;
	*more = !r->feed_ended;
	for (size_t i = 0; i < r->nfiles; i++) {
		struct rfile *f = r->files[i];
		if (f->kind == RK_POST || f->kind == RK_MYSQLDUMP)
			continue;
		if (f->state == RF_RUNNING)
			*more = true;
		if (f->state != RF_PENDING)
			continue;
		*more = true;
		if (f->kind == RK_SCHEMA)
			return f;
		if (f->kind == RK_INDEXES && !idx && f->t->schema_done && f->t->files_total >= 0 &&
		    f->t->files_done >= f->t->files_total)
			idx = f;
		if (f->kind == RK_DATA && (!f->t || f->t->schema_done) && !locked(r, f->t) &&
		    (!data || restore_before(f, data)))
			data = f;
	}
	/* an index build is long: start it as soon as its table is loaded */
	return idx ? idx : data;
}

/* ---- progress ---- */

static double table_frac(const struct restore *r, const struct rtable *t)
{
	if (t->w <= 0)
		return 1;
	if (t->files_total >= 0 && t->files_done >= t->files_total)
		return 1;
	double committed = t->committed / t->w, client = (t->committed + t->inflight) / t->w;
	double f = client;
	/* the target's own count, when it has one, keeps the client's bytes honest; InnoDB
	 * holds it still while LOAD DATA fills an empty table in bulk, and the bytes handed
	 * to LOAD DATA are what the server has read, give or take a socket buffer */
	if (r->have_rows && t->rows_manifest > 0 && !t->streaming) {
		double rows = (double)t->rows_target / (double)t->rows_manifest;
		f = rows < client ? rows : client;
	}
	if (f < committed)
		f = committed;
	return f > 1 ? 1 : f;
}

/* An index build says nothing of its own progress (MariaDB reports none for ALTER ADD
 * INDEX); credit it as if it ran at the restore's rate so far, never beyond 90 %, so the
 * bar and the ETA move through it instead of jumping at its end. */
double restore_index_credit(const struct restore *r, const struct rfile *f, double iw)
{
	double rate = r->prog_started ? progress_rate(&r->prog) : 0;
	if (rate <= 0 || iw <= 0)
		return 0;
	double c = (now_mono() - f->started) * rate / (double)r->o.threads;
	return c < 0.9 * iw ? c : 0.9 * iw;
}

/* ALTER ... ADD KEY reads the whole table, then sorts and writes the keys. Timed against
 * the data loads' own per-loader pace (units a loader moves a second): on the 1 GB bench,
 * big's two keys (95 MB of index, 495 MB of rows) took 2.4-2.6 s, about 144 MB of load
 * time, and small's one key (96 MB, 95 MB) 1.7-2.2 s, about 107 MB; so the index's size
 * plus a tenth of its table's (the 574 MB bench's 1.4 and 0.9 s fit too). The half-weight
 * used before left the ETA 13-28 % short all through a mixed restore. */
double restore_index_weight(const struct rtable *t)
{
	return (t->idx_w < t->w ? t->idx_w : t->w) + 0.1 * t->w;
}

double restore_raw_done(const struct restore *r, double *total)
{
	double done = 0, tot = 0;
	for (size_t i = 0; i < r->ntables; i++) {
		const struct rtable *t = r->tables[i];
		tot += t->cost;
		done += t->cost * table_frac(r, t);
		if (t->indexes) {
			double iw = restore_index_weight(t);
			tot += iw;
			if (t->indexes->state == RF_DONE)
				done += iw;
			else if (t->indexes->state == RF_RUNNING)
				done += restore_index_credit(r, t->indexes, iw);
		}
	}
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i]->kind == RK_MYSQLDUMP || r->files[i]->kind == RK_POST) {
			const struct rfile *f = r->files[i];
			tot += (double)f->raw;
			done += f->state == RF_DONE ? (double)f->raw : (double)f->inflight;
		}
	*total = tot;
	return done;
}

void restore_stat(struct restore *r, struct restore_stat *st)
{
	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&r->mu);
	double total, raw = restore_raw_done(r, &total), now = now_mono();
	if (!r->prog_started && r->feed_ended && !r->o.stream) {
		/* from now: connecting and checking files are not the load's pace, nor are the
		 * files an interrupted run loaded */
		progress_init_from(&r->prog, total, raw, now);
		r->prog_started = true;
	}
	if (r->prog_started) {
		if (!r->finished)
			progress_update(&r->prog, raw, now);
		st->done = r->prog.shown;
		st->total = r->prog.total;
		st->start_done = r->prog.base;
		st->rate = progress_rate(&r->prog);
		st->eta = progress_eta(&r->prog);
		if (st->eta > 0)
			st->eta = restore_sched_eta(r, st->rate);
	} else {
		/* stream: the total grows as files arrive; the caller scales it */
		st->done = raw;
		st->total = total;
		st->eta = -1;
	}
	for (size_t i = 0; i < r->ntables; i++)
		st->rows_target += r->tables[i]->rows_target;
	/* InnoDB's live count skips rows bulk-loaded into an empty table until its statistics
	 * are next computed (day 2 ended on 105k of 205k): at the end, the rows the server
	 * acknowledged loading (each LOAD DATA's row count is checked) when more */
	if (r->finished && (double)r->rows_loaded > (double)st->rows_target)
		st->rows_target = r->rows_loaded;
	for (size_t i = 0; i < r->nfiles; i++) {
		st->files_done += r->files[i]->state == RF_DONE;
		st->sql_bytes += (double)r->files[i]->raw;
	}
	st->files_total = (int)r->nfiles;
	opbox_phase_now(&r->box, st->phase, sizeof st->phase);
	snprintf(st->label, sizeof st->label, "%s", r->label);
	pthread_mutex_unlock(&r->mu);
}
