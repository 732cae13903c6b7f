/* Shared by the runbook DSL (runbook.c) and its params (rbparams.c); not used elsewhere. */
#ifndef TEJUN_RUNBOOK_INT_H
#define TEJUN_RUNBOOK_INT_H
#include "core/runbook.h"

/* Appends "FILE:LINE: message" to rb->errors (the library's file while one is checked). */
void runbook_error(struct runbook *rb, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
