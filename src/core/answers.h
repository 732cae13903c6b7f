/* Answers file for headless runs: one "STEP_ID: ANSWER" per line, consumed in prompt order. */
#ifndef TEJUN_ANSWERS_H
#define TEJUN_ANSWERS_H

struct answers;
/* NULL and *err (caller frees) naming FILE:LINE on a malformed file. */
struct answers *answers_load(const char *path, char **err);
/* The next answer if it is for step; NULL and *why (caller frees) otherwise. */
const char *answers_next(struct answers *a, const char *step, char **why);
void answers_free(struct answers *a);
#endif
