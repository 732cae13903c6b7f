/* One interface for the long MySQL operations (dump, restore, copy): whoever drives one (the
 * Lua binding, the CLI) starts it, polls its state, takes its notes and phases, cancels it
 * and reads its result the same way, whatever it is. Knows nothing of Lua or of views. */
#ifndef TEJUN_OP_H
#define TEJUN_OP_H
#include "core/progress.h"
#include "core/util.h"
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

/* The mailbox an operation's threads leave news in for whoever polls: notes (how consistency
 * was ensured, fallbacks, retries) and every phase entered, even one shorter than a poll. */
#define OPBOX_PHASES 16
struct opbox {
	pthread_mutex_t mu;
	struct sbuf notes;
	struct phase phase;
	struct { char name[24]; double at; } hist[OPBOX_PHASES]; /* when each phase began */
	int nhist;
};
void opbox_init(struct opbox *b, const char *first_phase);
void opbox_free(struct opbox *b);
void opbox_note(struct opbox *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void opbox_phase(struct opbox *b, const char *name);
/* The phase now, into out. */
void opbox_phase_now(struct opbox *b, char *out, size_t n);
/* Notes and phases since the last take, one a line (caller frees), NULL if none. */
char *opbox_take_notes(struct opbox *b);
char *opbox_take_phases(struct opbox *b);
/* {phase: seconds spent in it} (a phase entered twice adds up), up to now for the last one
 * unless it is "done" (caller decrefs): what a forecast tells fixed from data-bound time by. */
json_t *opbox_phase_secs(struct opbox *b);

#define OP_GAUGES 4
#define OP_PARTS 8
/* What every driver shows of a running operation. */
struct op_stat {
	double done, total;            /* in unit; monotonic, total only at the end */
	double rate, eta;              /* unit/s over the recent window; seconds left, -1 unknown */
	double start_done;             /* of done, what an earlier (interrupted) run did */
	const char *unit;              /* "bytes", "permille" */
	bool rate_gauge;               /* the rate means something to an operator (MB/s) */
	char phase[24], label[160];
	char line[320];                /* one line for a terminal: files, rows, what runs now */
	int ngauges;                   /* extra gauges: target rows, copy dumped % */
	struct { const char *name, *unit; double value, max; } gauge[OP_GAUGES];
	int nparts;                    /* sub-bars: a dump's schemas when several */
	struct { char label[80]; double done, total; } part[OP_PARTS];
};

/* What one kind of operation provides (a table entry per kind, in its own module). */
struct op_ops {
	const char *name;                               /* "dump", "restore", "copy" */
	int (*run)(void *self, char **err);             /* blocking, on a worker thread */
	void (*stat)(void *self, struct op_stat *st);   /* any thread, while it runs */
	struct opbox *(*box)(void *self);
	json_t *(*result)(void *self);                  /* borrowed, after success */
	void (*free)(void *self);
};

struct op;
/* Wraps self (owned from now on). Its opts' cancel must be op_cancel_flag of the op: the
 * constructors (dump_op, restore_op, copy_op) do that. */
struct op *op_new(const struct op_ops *ops);
void op_attach(struct op *op, void *self);
int *op_cancel_flag(struct op *op);
const char *op_name(const struct op *op);
/* Blocking, on the caller's thread (a worker): the whole operation. 0, or -1 and *err
 * (borrowed, valid until op_free). */
int op_run(struct op *op, const char **err);
/* Or on a thread of its own: op_wait_fd becomes readable when it has returned. */
int op_start(struct op *op);
int op_wait_fd(const struct op *op);
bool op_finished(const struct op *op);
int op_join(struct op *op, const char **err);
void op_stat(struct op *op, struct op_stat *st);
char *op_take_notes(struct op *op);
char *op_take_phases(struct op *op);
json_t *op_result(struct op *op);
json_t *op_phase_secs(struct op *op);
/* Asks it to stop soon (async-signal-safe: one atomic store). */
void op_cancel(struct op *op);
bool op_cancelled(struct op *op);
void op_free(struct op *op);
/* The object behind op (for what one kind adds: a dump's manifest). */
void *op_self(struct op *op);
#endif
