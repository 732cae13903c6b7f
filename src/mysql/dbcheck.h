/* Safety checks a runbook calls before the window: each gives ok/warn/fail and a one-line reason. */
#ifndef TEJUN_DBCHECK_H
#define TEJUN_DBCHECK_H
#include <jansson.h>

struct dbconn;

/* Names: connections, binlog, version, read_only, timezone, charset (the last two and the
 * version compatibility need a target). params: optional {min_retention_hours, expect_read_only,
 * headroom}. Returns {name, status, reason, ...values}; NULL with c->err on a query error or an
 * unknown name. */
json_t *dbcheck_one(struct dbconn *c, struct dbconn *target, const char *name, json_t *params);
/* Every check: {status (worst), checks: [...]}. */
json_t *dbcheck_all(struct dbconn *c, struct dbconn *target, json_t *params);
#endif
