/* Streaming copy: a native dump whose files are loaded into the target as each one is
 * complete, so a cut-over window costs about max(dump, load) instead of their sum. Keeps
 * the manifest and checksums; the data files are removed once loaded unless kept. */
#ifndef TEJUN_COPY_H
#define TEJUN_COPY_H
#include <jansson.h>
#include <stdbool.h>

struct dbopts;
struct opbox;

struct copy_opts {
	const struct dbopts *src, *dst;
	const char *const *schemas;
	const char *const *map;
	const char *dir;
	int threads;
	bool keep_files;
	bool sql_inserts;                /* see restore_opts */
	int *cancel;
	void (*on_done)(void *ud, const char *path); /* a file loaded (worker thread) */
	void *ud;
};

struct copy_stat {
	double done, total, rate, eta;   /* per mille of the whole copy, monotonic */
	double dump_pct, load_pct;
	char phase[24], label[160];
};

struct copy;
struct copy *copy_new(const struct copy_opts *o);
int copy_run(struct copy *c, char **err);
void copy_stat(struct copy *c, struct copy_stat *st);
/* {dump: manifest summary, restore: result} after success (borrowed). */
json_t *copy_result(struct copy *c);
/* Its notes (its dump's and load's too) and phases, for whoever polls. */
struct opbox *copy_box(struct copy *c);
void copy_free(struct copy *c);
/* The same copy as a long operation (mysql/op.h), what ldump and the CLI drive. */
struct op;
struct op *copy_op(const struct copy_opts *o);
#endif
