/* Splits a dump file into statements the way the mysql client does: quotes, backticks and
 * comments respected, DELIMITER lines honoured, executable comments kept verbatim. */
#ifndef TEJUN_RESTORESQL_H
#define TEJUN_RESTORESQL_H
#include <stdbool.h>

struct sbuf;
struct dumpfile_r;
struct restoresql;

/* Reads statements from r (not owned). */
struct restoresql *restoresql_new(struct dumpfile_r *r);
/* Next statement into stmt (replaced, without its delimiter, trimmed): 1, 0 at end,
 * -1 and *err on a read error. */
int restoresql_next(struct restoresql *s, struct sbuf *stmt, char **err);
/* SQL text bytes consumed so far (for progress). */
unsigned long long restoresql_offset(const struct restoresql *s);
void restoresql_free(struct restoresql *s);
#endif
