/* Internals shared by dump.c (workers, manifest), dumpsnap.c (the snapshot), dumpschema.c (plan and DDL
 * files) and dumpext.c (the external mysqldump driver). Not used outside the dump. */
#ifndef TEJUN_DUMP_INT_H
#define TEJUN_DUMP_INT_H
#include "mysql/dump.h"
#include "core/progress.h"
#include "mysql/op.h"
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

struct dbconn;

/* A chunk of chunk_bytes is planned as DUMP_PIECES key ranges (pieces); see claim(). */
#define DUMP_PIECES 4

struct dtable {
	char *schema, *name, *fname;   /* fname: encoded for file names */
	char *collist;                 /* `a`,`b` (generated columns left out) */
	char *pk;                      /* first primary key column: an integer or a string */
	bool pk_unsigned;
	char *min, *max;               /* integer pk: its range in the snapshot, NULL if empty */
	/* string pk: the column's charset and collation ("binary" for binary strings), the
	 * bytes min and max share, and the chunk bounds as SQL literals in collation order */
	char *pk_charset, *pk_collation;
	size_t pk_prefix;
	char **bounds;
	double *bound_pos;             /* key positions: min, each bound, max (progress) */
	int nbounds;
	double data_length, index_length, rows_est, weight;
	int nchunks, chunks_done, file_seq;
	unsigned long long rows, raw_bytes;
	bool deferred;
	double frac;                   /* of the table dumped, for progress */
};

struct dchunk {
	struct dtable *t;
	int idx;
	char *lo, *hi;                 /* NULL: unbounded on that side */
	double flo, fhi, cur;          /* key positions for progress */
	unsigned long long rows;
	bool started, done;
};

struct dump {
	struct dump_opts o;
	char **schemas;
	pthread_mutex_t mu;
	struct dtable **tables;
	size_t ntables;
	struct dchunk *chunks;
	size_t nchunks, next_chunk;
	double unclaimed;              /* weight of the pieces no worker has taken yet */
	json_t *schema_files, *data_files, *post_files, *schema_info, *manifest;
	struct progress prog;
	double total;
	bool prog_started;
	char label[160];
	unsigned long long rows, bytes_written;
	struct opbox box;              /* notes and phases for whoever polls */
	struct dumpsync *sync;         /* fsyncs finished files while the dump goes on */
	char *err;                     /* first worker error */
	char id[33];
	double t0;
};

/* dump.c */
void dump_note(struct dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool dump_cancelled(struct dump *d);
/* Writes one whole small file (DDL) and records it in list (schema_files or post_files). */
int dump_write_file(struct dump *d, json_t *list, const char *rel, const char *kind,
		    const char *schema, const char *table, const char *text, char **err);
/* dumpsnap.c: the snapshot every worker reads, and where the binlog stood at it. */
struct dumpsnap {
	char *method, *file, *pos, *gtid; /* method: how consistency was ensured, for the manifest */
};
/* Session settings every dump connection needs (utf8mb4, UTC, no sql_mode, REPEATABLE READ). */
int dumpsnap_setup_conn(struct dbconn *c);
/* Starts one consistent snapshot on all n connections; 0, or -1 with *err. */
int dumpsnap_take(struct dump *d, struct dbconn **conns, int n, struct dumpsnap *s, char **err);
void dumpsnap_free(struct dumpsnap *s);
/* dumpschema.c: tables, columns, keys, ranges and every DDL file of one schema. */
int dumpschema_plan(struct dump *d, struct dbconn *c, const char *schema, char **err);
/* Splits the planned tables into chunks (d->chunks). */
void dumpschema_chunk(struct dump *d);
/* Where a string key lies between its table's min and max, as a number for progress. */
double dumpschema_key_pos(const struct dtable *t, const char *key, size_t len);
/* dumpext.c: the whole dump by the external mysqldump client. */
int dumpext_run(struct dump *d, struct dbconn *c, char **err);
#endif
