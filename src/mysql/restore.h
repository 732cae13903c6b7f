/* Parallel restore of a tejun dump directory (or of files streamed from a running dump):
 * sha256 checked before each file is loaded, one transaction per data file with its
 * completion marker in the same transaction (so an interrupted restore resumes without
 * loading any file twice), deferred indexes built after the data, progress measured on
 * the target. Knows nothing of Lua. */
#ifndef TEJUN_RESTORE_H
#define TEJUN_RESTORE_H
#include <jansson.h>
#include <stdbool.h>

struct dbopts;
struct opbox;

struct restore_opts {
	const struct dbopts *dst;
	const char *dir;
	int threads;                     /* default 4 */
	const char *const *map;          /* pairs old, new, ..., NULL */
	int *cancel;
	/* Files the caller already knows as loaded (journal); the target's markers count too. */
	bool (*is_done)(void *ud, const char *path);
	/* A file was loaded and committed (worker thread). */
	void (*on_done)(void *ud, const char *path);
	void *ud;
	bool stream;                     /* files come from restore_feed (copy) */
	bool remove_loaded;              /* stream: delete each data file once loaded */
	bool sql_inserts;                /* run data files' INSERTs as SQL, never LOAD DATA */
	struct opbox *notes_to;          /* a copy's mailbox for the notes; NULL: the restore's own */
};

struct restore_stat {
	double done, total, rate, eta;   /* work: bytes plus the rows' share; monotonic, 100 % only at the end */
	double sql_bytes;                /* the SQL text of every file: what done/total amount to */
	double start_done;               /* of done, what an interrupted run had loaded */
	unsigned long long rows_target;  /* live InnoDB row count of the restored tables */
	int files_done, files_total;
	char phase[24], label[160];
};

struct restore;
struct restore *restore_new(const struct restore_opts *o);
/* Blocking: the whole restore. -1 and *err (refused file, SQL error, cancel). */
int restore_run(struct restore *r, char **err);
/* stream mode: one file entry of the dump (copied), then the end with the manifest
 * (NULL when the dump failed). */
void restore_feed(struct restore *r, json_t *file);
/* stream mode, before restore_run: the dump's id, so each file is marked as it loads. */
void restore_set_dump_id(struct restore *r, const char *id);
void restore_feed_end(struct restore *r, json_t *manifest);
void restore_stat(struct restore *r, struct restore_stat *st);
/* {files, files_skipped, rows, secs, dump_id, notes} after restore_run (borrowed). */
json_t *restore_result(struct restore *r);
/* Its notes and phases, for whoever polls. */
struct opbox *restore_box(struct restore *r);
void restore_free(struct restore *r);
/* The same restore as a long operation (mysql/op.h), what ldump and the CLI drive: its bar
 * counts in the dump's SQL bytes, with a "target rows" gauge. */
struct op;
struct op *restore_op(const struct restore_opts *o);
#endif
