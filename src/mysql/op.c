/* The long-operation wrapper and its mailbox: one thread runs the work, any other polls. */
#include "config.h"
#include "mysql/op.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void note_phase(struct opbox *b, const char *name)
{
	if (b->nhist > 0 && strcmp(b->hist[b->nhist - 1].name, name) == 0)
		return;
	if (b->nhist == OPBOX_PHASES) { /* keep the first, which the rest are timed from */
		memmove(&b->hist[1], &b->hist[2], (OPBOX_PHASES - 2) * sizeof b->hist[0]);
		b->nhist--;
	}
	snprintf(b->hist[b->nhist].name, sizeof b->hist[0].name, "%s", name);
	b->hist[b->nhist++].at = now_mono();
}

void opbox_init(struct opbox *b, const char *first_phase)
{
	memset(b, 0, sizeof *b);
	pthread_mutex_init(&b->mu, NULL);
	sbuf_init(&b->notes);
	phase_set(&b->phase, first_phase);
	note_phase(b, first_phase);
}

json_t *opbox_phase_secs(struct opbox *b)
{
	json_t *o = json_object();
	pthread_mutex_lock(&b->mu);
	double now = now_mono();
	for (int i = 0; i < b->nhist; i++) {
		const char *name = b->hist[i].name;
		if (i == b->nhist - 1 && strcmp(name, "done") == 0)
			break;
		double end = i + 1 < b->nhist ? b->hist[i + 1].at : now;
		double had = json_number_value(json_object_get(o, name));
		json_object_set_new(o, name, json_real(had + end - b->hist[i].at));
	}
	pthread_mutex_unlock(&b->mu);
	return o;
}

void opbox_free(struct opbox *b)
{
	sbuf_free(&b->notes);
	phase_free(&b->phase);
	pthread_mutex_destroy(&b->mu);
}

void opbox_note(struct opbox *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&b->mu);
	sbuf_adds(&b->notes, s);
	sbuf_add(&b->notes, "\n", 1);
	pthread_mutex_unlock(&b->mu);
	free(s);
}

void opbox_phase(struct opbox *b, const char *name)
{
	pthread_mutex_lock(&b->mu);
	phase_set(&b->phase, name);
	note_phase(b, name);
	pthread_mutex_unlock(&b->mu);
}

void opbox_phase_now(struct opbox *b, char *out, size_t n)
{
	pthread_mutex_lock(&b->mu);
	snprintf(out, n, "%s", b->phase.now);
	pthread_mutex_unlock(&b->mu);
}

char *opbox_take_notes(struct opbox *b)
{
	pthread_mutex_lock(&b->mu);
	char *s = b->notes.len ? sbuf_steal(&b->notes) : NULL;
	pthread_mutex_unlock(&b->mu);
	return s;
}

char *opbox_take_phases(struct opbox *b)
{
	pthread_mutex_lock(&b->mu);
	char *s = phase_take(&b->phase);
	pthread_mutex_unlock(&b->mu);
	return s;
}

struct op {
	const struct op_ops *ops;
	void *self;
	int cancel;
	int rc, finished;
	char *err;
	pthread_t th;
	bool started;
	int wake[2];                   /* written once when run returns */
};

struct op *op_new(const struct op_ops *ops)
{
	struct op *op = xcalloc(1, sizeof *op);
	op->ops = ops;
	op->wake[0] = op->wake[1] = -1;
	return op;
}

void op_attach(struct op *op, void *self)
{
	op->self = self;
}

int *op_cancel_flag(struct op *op)
{
	return &op->cancel;
}

const char *op_name(const struct op *op)
{
	return op->ops->name;
}

void *op_self(struct op *op)
{
	return op->self;
}

int op_run(struct op *op, const char **err)
{
	free(op->err);
	op->err = NULL;
	op->rc = op->ops->run(op->self, &op->err);
	if (op->rc < 0 && !op->err)
		op->err = xstrdup(op_cancelled(op) ? "cancelled" : "failed");
	*err = op->err;
	return op->rc;
}

static void *thread_main(void *arg)
{
	struct op *op = arg;
	const char *err;
	op_run(op, &err);
	__atomic_store_n(&op->finished, 1, __ATOMIC_SEQ_CST);
	if (write(op->wake[1], "x", 1) < 0) {
		/* the poller still sees op_finished at its next tick */
	}
	return NULL;
}

int op_start(struct op *op)
{
	if (pipe(op->wake) < 0)
		op->wake[0] = op->wake[1] = -1;
	if (pthread_create(&op->th, NULL, thread_main, op) != 0)
		return -1;
	op->started = true;
	return 0;
}

int op_wait_fd(const struct op *op)
{
	return op->wake[0];
}

bool op_finished(const struct op *op)
{
	return __atomic_load_n(&op->finished, __ATOMIC_SEQ_CST);
}

int op_join(struct op *op, const char **err)
{
	if (op->started) {
		pthread_join(op->th, NULL);
		op->started = false;
	}
	*err = op->err;
	return op->rc;
}

void op_stat(struct op *op, struct op_stat *st)
{
	memset(st, 0, sizeof *st);
	st->eta = -1;
	st->unit = "bytes";
	op->ops->stat(op->self, st);
}

char *op_take_notes(struct op *op)
{
	return opbox_take_notes(op->ops->box(op->self));
}

char *op_take_phases(struct op *op)
{
	return opbox_take_phases(op->ops->box(op->self));
}

json_t *op_phase_secs(struct op *op)
{
	return opbox_phase_secs(op->ops->box(op->self));
}

json_t *op_result(struct op *op)
{
	return op->ops->result(op->self);
}

void op_cancel(struct op *op)
{
	__atomic_store_n(&op->cancel, 1, __ATOMIC_SEQ_CST);
}

bool op_cancelled(struct op *op)
{
	return __atomic_load_n(&op->cancel, __ATOMIC_SEQ_CST);
}

void op_free(struct op *op)
{
	if (!op)
		return;
	if (op->started) {
		op_cancel(op);
		pthread_join(op->th, NULL);
	}
	if (op->self)
		op->ops->free(op->self);
	for (int i = 0; i < 2; i++)
		if (op->wake[i] >= 0)
			close(op->wake[i]);
	free(op->err);
	free(op);
}
