/* Dump, restore and copy as long operations (mysql/op.h): one table of ops per kind, over
 * each module's public calls. What the drivers show of each kind is decided here. */
#include "config.h"
#include "mysql/copy.h"
#include "mysql/dump.h"
#include "mysql/op.h"
#include "mysql/restore.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- dump ---- */

struct opdump {
	struct dump *d;
	char *dir;
	json_t *summary;               /* the manifest without its file list, with the dir */
};

static int dump_run_v(void *self, char **err)
{
	return dump_run(((struct opdump *)self)->d, err);
}

static void dump_stat_v(void *self, struct op_stat *o)
{
	struct dump_stat st;
	dump_stat(((struct opdump *)self)->d, &st);
	o->done = st.done, o->total = st.total, o->rate = st.rate, o->eta = st.eta;
	o->rate_gauge = true;
	snprintf(o->phase, sizeof o->phase, "%s", st.phase);
	snprintf(o->label, sizeof o->label, "%s", st.label);
	snprintf(o->line, sizeof o->line, "%s %s", st.phase, st.label);
	for (int s = 0; s < st.nschemas && st.nschemas > 1 && s < OP_PARTS; s++) {
		snprintf(o->part[s].label, sizeof o->part[s].label, "schema %s", st.schema[s].name);
		o->part[s].done = st.schema[s].done;
		o->part[s].total = st.schema[s].total;
		o->nparts = s + 1;
	}
}

static struct opbox *dump_box_v(void *self)
{
	return dump_box(((struct opdump *)self)->d);
}

static json_t *dump_result_v(void *self)
{
	struct opdump *x = self;
	json_t *m = dump_manifest(x->d);
	if (!x->summary && m) {
		x->summary = json_deep_copy(m);
		json_object_del(x->summary, "files");
		json_object_set_new(x->summary, "dir", json_string(x->dir));
	}
	return x->summary;
}

static void dump_free_v(void *self)
{
	struct opdump *x = self;
	dump_free(x->d);
	json_decref(x->summary);
	free(x->dir);
	free(x);
}

static const struct op_ops dump_ops = {"dump", dump_run_v, dump_stat_v, dump_box_v, dump_result_v, dump_free_v};

struct op *dump_op(const struct dump_opts *o)
{
	struct op *op = op_new(&dump_ops);
	struct dump_opts c = *o;
	c.cancel = op_cancel_flag(op);
	struct opdump *x = xcalloc(1, sizeof *x);
	x->d = dump_new(&c);
	x->dir = xstrdup(o->dir);
	op_attach(op, x);
	return op;
}

/* ---- restore ---- */

static int restore_run_v(void *self, char **err)
{
	return restore_run(self, err);
}

/* The bar moves by weighted work (a row costs as much as 100 bytes) but is drawn in the
 * dump's SQL bytes, the size the operator knows from the dump. */
static void restore_stat_v(void *self, struct op_stat *o)
{
	struct restore_stat st;
	restore_stat(self, &st);
	double k = st.total > 0 && st.sql_bytes > 0 ? st.sql_bytes / st.total : 1;
	o->done = st.done * k, o->total = st.total * k, o->rate = st.rate * k, o->eta = st.eta;
	o->start_done = st.start_done * k;
	o->rate_gauge = true;
	snprintf(o->phase, sizeof o->phase, "%s", st.phase);
	snprintf(o->label, sizeof o->label, "%s", st.label);
	snprintf(o->line, sizeof o->line, "%s %d/%d files, %llu rows on target  %s", st.phase, st.files_done,
		 st.files_total, st.rows_target, st.label);
	o->gauge[0].name = "target rows";
	o->gauge[0].unit = "rows";
	o->gauge[0].value = (double)st.rows_target;
	o->ngauges = 1;
}

static struct opbox *restore_box_v(void *self)
{
	return restore_box(self);
}

static json_t *restore_result_v(void *self)
{
	return restore_result(self);
}

static void restore_free_v(void *self)
{
	restore_free(self);
}

static const struct op_ops restore_ops = {"restore", restore_run_v, restore_stat_v, restore_box_v,
					  restore_result_v, restore_free_v};

struct op *restore_op(const struct restore_opts *o)
{
	struct op *op = op_new(&restore_ops);
	struct restore_opts c = *o;
	c.cancel = op_cancel_flag(op);
	op_attach(op, restore_new(&c));
	return op;
}

/* ---- copy ---- */

static int copy_run_v(void *self, char **err)
{
	return copy_run(self, err);
}

/* A copy's phases are its dump's, then its load's, as polled. */
static void copy_stat_v(void *self, struct op_stat *o)
{
	struct copy_stat st;
	copy_stat(self, &st);
	o->done = st.done, o->total = st.total, o->rate = st.rate, o->eta = st.eta;
	o->unit = "permille";
	snprintf(o->phase, sizeof o->phase, "%s", st.phase);
	snprintf(o->label, sizeof o->label, "%s", st.label);
	snprintf(o->line, sizeof o->line, "dump %.0f%% load %.0f%%  %s", st.dump_pct, st.load_pct, st.label);
	o->gauge[0].name = "copy dumped";
	o->gauge[0].unit = "%";
	o->gauge[0].value = st.dump_pct;
	o->gauge[0].max = 100;
	o->ngauges = 1;
	struct opbox *b = copy_box(self);
	char now[sizeof o->phase];
	opbox_phase_now(b, now, sizeof now);
	if (st.phase[0] && strcmp(now, st.phase) != 0)
		opbox_phase(b, st.phase);
}

static struct opbox *copy_box_v(void *self)
{
	return copy_box(self);
}

static json_t *copy_result_v(void *self)
{
	return copy_result(self);
}

static void copy_free_v(void *self)
{
	copy_free(self);
}

static const struct op_ops copy_ops = {"copy", copy_run_v, copy_stat_v, copy_box_v, copy_result_v, copy_free_v};

struct op *copy_op(const struct copy_opts *o)
{
	struct op *op = op_new(&copy_ops);
	struct copy_opts c = *o;
	c.cancel = op_cancel_flag(op);
	op_attach(op, copy_new(&c));
	return op;
}
