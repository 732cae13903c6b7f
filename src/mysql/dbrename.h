/* Rename a database the only way MySQL allows: CREATE the new one and one atomic RENAME TABLE,
 * after checking (and optionally moving) the views, triggers, routines, events and grants
 * that RENAME TABLE would break or leave behind. */
#ifndef TEJUN_DBRENAME_H
#define TEJUN_DBRENAME_H
#include <jansson.h>
#include <stdbool.h>

struct dbconn;

/* Builds the plan: {old, new, charset, collation, tables: [...], blockers: [{kind, name,
 * why, movable}], statements: [sql, ...]}. With recreate, statements also drop and recreate
 * what blocks; without it, statements are only CREATE DATABASE + RENAME TABLE. NULL with
 * c->err when old is missing, new already has tables, or a query fails. */
json_t *dbrename_plan(struct dbconn *c, const char *old, const char *new_name, bool recreate);

/* Refusal message when the plan cannot run as asked (blockers without recreate, or blockers
 * no recreate can move); NULL when it may run. Caller frees. */
char *dbrename_refusal(json_t *plan, bool recreate);

/* Runs the statements in order, then checks old has no tables left. Sets plan.executed (how
 * many ran) and, on failure, plan.failed_at. -1 with c->err on error. */
int dbrename_run(struct dbconn *c, json_t *plan);

/* Replaces references to schema old (`old`. and old.) by new in SQL text; caller frees. */
char *dbrename_rewrite(const char *sql, const char *old, const char *new_name);
#endif
