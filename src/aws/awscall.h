/* One AWS operation: serialise by protocol, sign (SigV4), send, retry (standard mode),
 * parse the answer or the service's error. Runs on a worker thread; no Lua here. */
#ifndef TEJUN_AWSCALL_H
#define TEJUN_AWSCALL_H
#include "aws/awscred.h"
#include "aws/awsops.h"
#include <jansson.h>

struct awscall_result {
	long status;      /* last HTTP status, 0 when no answer came */
	char *code;       /* service error code ("Throttling", "DBInstanceNotFound"...), NULL on success */
	char *message;    /* error text, secrets removed */
	json_t *doc;      /* parsed answer (the Result element for query services) */
	char *request_id;
	int attempts;
	double secs;
};

/* Process-wide retry settings: attempts (standard mode: 3; AWS_MAX_ATTEMPTS), cap of the
 * exponential backoff in seconds (20; TEJUN_AWS_MAX_BACKOFF), per-attempt timeout (60). */
void awscall_configure(int max_attempts, double max_backoff, double timeout);
/* Calls opname ("rds:CreateDBSnapshot") with params (borrowed). creds NULL = the chain.
 * 0 on success (res->doc set), -1 on failure (res->code, res->message set). */
int awscall_run(const char *opname, json_t *params, const struct awscred *creds, struct awscall_result *res);
void awscall_result_free(struct awscall_result *r);
/* Endpoint URL for a service: AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL, or the default. */
char *awscall_endpoint(const struct awsops_service *svc, const char *region);
/* Is this a "resource not found" / "access denied" / throttling error code? */
int awscall_is_not_found(const char *code);
int awscall_is_denied(const char *code);
int awscall_is_throttle(const char *code);
#endif
