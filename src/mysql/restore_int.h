/* Internals shared by restore.c (state, scheduling, progress) and restoreload.c
 * (connections, loading files, markers, the run). Not used outside the restore. */
#ifndef TEJUN_RESTORE_INT_H
#define TEJUN_RESTORE_INT_H
#include "core/progress.h"
#include "mysql/op.h"
#include "mysql/restore.h"
#include "core/util.h"
#include <pthread.h>

enum rkind { RK_SCHEMA, RK_DATA, RK_INDEXES, RK_POST, RK_MYSQLDUMP };
enum rstate { RF_PENDING, RF_RUNNING, RF_DONE };

struct rtable;
struct rfile {
	json_t *e;
	const char *path, *sha;        /* borrowed from e */
	enum rkind kind;
	enum rstate state;
	char *tschema;                 /* target schema (mapped) */
	struct rtable *t;
	unsigned long long bytes, raw, inflight;
	double started;                /* now_mono() when a worker took it */
};

struct rtable {
	char *schema, *name, *tschema;
	int files_total, files_done;   /* data files; total -1 until known */
	double w, idx_w, committed, inflight; /* bytes of the dump files */
	double cost;                   /* w plus its rows' share: the progress weight */
	unsigned long long rows_manifest, rows_target;
	bool schema_done;
	int streaming;                 /* LOAD DATA statements running into it */
	int loading;                   /* data files being loaded into it */
	double max_raw;                /* its largest data file */
	int load_cs;                   /* LOAD DATA reads its text as: 0 not asked yet, 1 binary, 2 utf8mb4 */
	struct rfile *indexes;
	size_t ix;                     /* its place in restore.tables */
};

struct restore {
	struct restore_opts o;
	char **map;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rfile **files;
	size_t nfiles;
	struct rtable **tables;
	size_t ntables;
	json_t *manifest, *result, *done_set;
	char dump_id[64];
	bool feed_ended, prog_started, finished, have_rows, monitor_stop;
	struct progress prog;
	double t0;
	char label[160];
	struct opbox box;              /* notes and phases for whoever polls */
	char *err;
	size_t skipped;
	unsigned long long rows_loaded, rows_infile; /* rows_infile: loaded by LOAD DATA */
	int infile_off;                /* the target refused LOAD DATA LOCAL: INSERTs from now */
	bool empty_lock;               /* a load into an empty table locks the table (MariaDB 10.6+) */
};

void restore_note(struct restore *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *restore_target_schema(struct restore *r, const char *schema);
bool restore_failed(struct restore *r);
void restore_fail(struct restore *r, char *err);
/* A file a marker in the target (or the caller's journal) says was loaded into tschema. */
bool restore_is_loaded(const struct restore *r, const char *tschema, const char *path);
/* With r->mu held: one manifest file entry joins the plan; table sizes from a manifest. */
void restore_add_file(struct restore *r, json_t *e);
void restore_learn_manifest(struct restore *r, json_t *m);
/* With r->mu held: the next file a worker may load, NULL if none now (*more: some may
 * come, or are running). */
struct rfile *restore_pick(struct restore *r, bool *more);
/* Is data file a loaded before b? (pick's order, which the ETA follows too) */
bool restore_before(const struct rfile *a, const struct rfile *b);
/* With r->mu held: raw bytes done and the total, before the estimator. */
double restore_raw_done(const struct restore *r, double *total);
/* A table's deferred index build, in the progress's units; what a running one has done. */
double restore_index_weight(const struct rtable *t);
double restore_index_credit(const struct restore *r, const struct rfile *f, double iw);
/* With r->mu held: seconds the files still to load take on the workers at this total rate
 * (progress units per second), -1 when unknown. */
double restore_sched_eta(const struct restore *r, double rate);
#endif
