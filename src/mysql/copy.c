/* Streaming copy: dump workers hand each finished file to a restore running in stream mode.
 * Each file is marked in the target as it loads, so a copy whose dump had finished (its
 * manifest is in dir) resumes as a restore of the files not yet loaded. One whose dump
 * had not finished cannot: the snapshot it read is gone. */
#include "config.h"
#include "mysql/copy.h"
#include "mysql/dump.h"
#include "mysql/manifest.h"
#include "mysql/op.h"
#include "core/progress.h"
#include "mysql/restore.h"
#include "core/util.h"
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct copy {
	struct copy_opts o;
	struct dump *d;
	struct restore *r;
	pthread_mutex_t mu;
	struct progress prog;
	bool finished;
	json_t *result, *resumed;      /* resumed: the earlier run's manifest */
	bool resuming;                 /* dir holds a finished dump: only load what is left */
	bool dump_over;                /* seen by copy_stat: the load's pace changes then */
	int stop;                      /* the dump's cancel: the caller's, or the load has failed */
	char *rerr;
	struct opbox box;              /* the copy's, its dump's and its load's notes; its phases as polled */
	int rrc;
};

static void feed(void *ud, json_t *file)
{
	struct copy *c = ud;
	restore_feed(c->r, file);
}

struct copy *copy_new(const struct copy_opts *o)
{
	struct copy *c = xcalloc(1, sizeof *c);
	c->o = *o;
	pthread_mutex_init(&c->mu, NULL);
	opbox_init(&c->box, "connect");
	struct dump_opts dopt = {.src = o->src, .schemas = o->schemas, .dir = o->dir, .threads = o->threads,
				 .cancel = &c->stop, .on_file = feed, .ud = c, .notes_to = &c->box};
	c->d = dump_new(&dopt);
	c->resuming = manifest_exists(o->dir);
	struct restore_opts ropt = {.dst = o->dst, .dir = o->dir, .threads = o->threads, .map = o->map,
				    .cancel = o->cancel, .on_done = o->on_done, .ud = o->ud, .stream = !c->resuming,
				    .remove_loaded = !o->keep_files, .sql_inserts = o->sql_inserts,
				    .notes_to = &c->box};
	c->r = restore_new(&ropt);
	if (!c->resuming)
		restore_set_dump_id(c->r, dump_id(c->d));
	progress_init(&c->prog, 1000, now_mono());
	return c;
}

void copy_free(struct copy *c)
{
	if (!c)
		return;
	dump_free(c->d);
	restore_free(c->r);
	json_decref(c->result);
	json_decref(c->resumed);
	free(c->rerr);
	opbox_free(&c->box);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void *restore_thread(void *arg)
{
	struct copy *c = arg;
	c->rrc = restore_run(c->r, &c->rerr);
	if (c->rrc < 0) /* a load that cannot go on (the target refused us): stop dumping for it */
		__atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static bool has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool any = false;
	while (!any && (e = readdir(d)))
		any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return any;
}

static int resume(struct copy *c, char **err)
{
	char *e = NULL;
	json_t *m = manifest_load(c->o.dir, &e);
	if (!m) {
		*err = e;
		return -1;
	}
	/* resuming loads this directory's snapshot and deletes its files as they load: only a
	 * copy's own, of the schemas asked for, not a dump someone keeps */
	const char *by = json_string_value(json_object_get(m, "made_by"));
	size_t asked = 0, same = 0, i;
	json_t *sch;
	for (; c->o.schemas[asked]; asked++)
		;
	json_array_foreach(json_object_get(m, "schemas"), i, sch) {
		const char *name = json_string_value(json_object_get(sch, "name"));
		for (size_t k = 0; name && c->o.schemas[k]; k++)
			same += strcmp(name, c->o.schemas[k]) == 0;
	}
	if (!by || strcmp(by, "copy") != 0 || same != asked || json_array_size(json_object_get(m, "schemas")) != asked) {
		*err = xasprintf("%s holds a finished dump that %s: a copy resumes only its own; "
				 "use a new --dir, or load it with tejun restore", c->o.dir,
				 !by || strcmp(by, "copy") != 0 ? "tejun dump made, not a copy" : "is of other schemas");
		json_decref(m);
		return -1;
	}
	pthread_mutex_lock(&c->mu);
	c->resumed = m;
	pthread_mutex_unlock(&c->mu);
	opbox_note(&c->box, "resuming from %s: its dump finished at %s; loading the files an earlier run did not",
		   c->o.dir, json_string_value(json_object_get(m, "finished")));
	return 0;
}

/* The result: the dump's summary from manifest m, the load's, and resumed=true if so. */
static void finish(struct copy *c, json_t *m)
{
	pthread_mutex_lock(&c->mu);
	c->result = json_pack("{s:{s:O?,s:O?,s:O?,s:O?},s:O}", "dump", "id", json_object_get(m, "id"),
			      "bytes", json_object_get(m, "bytes"), "rows", json_object_get(m, "rows"),
			      "consistency", json_object_get(m, "consistency"), "restore", restore_result(c->r));
	if (c->resuming)
		json_object_set_new(c->result, "resumed", json_true());
	progress_finish(&c->prog, now_mono());
	c->finished = true;
	pthread_mutex_unlock(&c->mu);
}

int copy_run(struct copy *c, char **err)
{
	*err = NULL;
	if (!c->resuming && has_entries(c->o.dir)) {
		*err = xasprintf("%s holds an interrupted copy whose dump had not finished; its "
				 "snapshot is gone, so it cannot be resumed. Drop what it loaded on the "
				 "target and empty %s (or use a new --dir and --map), then copy again",
				 c->o.dir, c->o.dir);
		return -1;
	}
	if (c->resuming) {
		if (resume(c, err) < 0)
			return -1;
		c->rrc = restore_run(c->r, &c->rerr);
		if (c->rrc < 0) {
			*err = xasprintf("load: %s", c->rerr ? c->rerr : "failed");
			return -1;
		}
		finish(c, c->resumed);
		return 0;
	}
	pthread_t th;
	pthread_create(&th, NULL, restore_thread, c);
	char *derr = NULL;
	int drc = dump_run(c->d, &derr);
	restore_feed_end(c->r, drc == 0 ? dump_manifest(c->d) : NULL);
	pthread_join(th, NULL);
	if (c->rrc < 0 && (drc == 0 || !(c->o.cancel && *c->o.cancel))) {
		/* the load's failure first: it is why the dump was stopped */
		*err = xasprintf("load: %s", c->rerr ? c->rerr : "failed");
		free(derr);
		return -1;
	}
	if (drc < 0) {
		*err = xasprintf("dump: %s", derr);
		free(derr);
		return -1;
	}
	finish(c, dump_manifest(c->d));
	return 0;
}

void copy_stat(struct copy *c, struct copy_stat *st)
{
	memset(st, 0, sizeof *st);
	struct dump_stat ds;
	struct restore_stat rs;
	if (c->resuming) {
		/* the dump is done: the load's own measure is the copy's */
		restore_stat(c->r, &rs);
		st->done = rs.done;
		st->total = rs.total;
		st->rate = rs.rate;
		st->eta = rs.eta;
		st->dump_pct = 100;
		st->load_pct = rs.total > 0 ? rs.done / rs.total * 100 : 0;
		snprintf(st->phase, sizeof st->phase, "%s", rs.phase);
		snprintf(st->label, sizeof st->label, "%s", rs.label);
		return;
	}
	if (c->o.cancel && __atomic_load_n(c->o.cancel, __ATOMIC_SEQ_CST)) /* the caller's ^C, as polled */
		__atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
	dump_stat(c->d, &ds);
	restore_stat(c->r, &rs);
	double dfrac = ds.total > 0 ? ds.done / ds.total : 0;
	/* the load's total is known only once the dump ends: extrapolate it from what the dump
	 * has produced so far against how far the dump is */
	double est_total = dfrac > 0.01 ? rs.total / dfrac : 0;
	double lfrac = est_total > 0 ? rs.done / est_total : 0;
	pthread_mutex_lock(&c->mu);
	if (!c->dump_over && strcmp(ds.phase, "done") == 0) {
		c->dump_over = true;
		progress_rebase(&c->prog, now_mono());
	}
	if (!c->finished)
		progress_update(&c->prog, lfrac * 1000, now_mono());
	st->done = c->prog.shown;
	st->total = c->prog.total;
	st->rate = progress_rate(&c->prog);
	st->eta = progress_eta(&c->prog);
	pthread_mutex_unlock(&c->mu);
	st->dump_pct = dfrac * 100;
	st->load_pct = lfrac > 1 ? 100 : lfrac * 100;
	snprintf(st->phase, sizeof st->phase, "%s", strcmp(ds.phase, "done") ? ds.phase : rs.phase);
	snprintf(st->label, sizeof st->label, "%s", rs.label[0] ? rs.label : ds.label);
}

json_t *copy_result(struct copy *c)
{
	return c->result;
}

struct opbox *copy_box(struct copy *c)
{
	return &c->box;
}
