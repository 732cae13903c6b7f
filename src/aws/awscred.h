/* AWS credentials and region, resolved as the AWS CLI does: environment, then AWS_PROFILE in
 * ~/.aws/credentials and ~/.aws/config (keys, role_arn + source_profile through STS
 * AssumeRole, credential_process), then EC2 instance metadata (IMDSv2). */
#ifndef TEJUN_AWSCRED_H
#define TEJUN_AWSCRED_H

struct awscred {
	char *akid, *secret, *token; /* token may be NULL */
	double expires;              /* wall clock; 0 = does not expire */
	char *source;                /* "env", "profile:NAME", "assume-role:ARN", "process", "imds" */
};

/* Fills out with a copy of current credentials (cached, refreshed 5 minutes before they
 * expire). Secret parts are registered with secret_add. 0, or -1 with *err (malloc'd). */
int awscred_get(struct awscred *out, char **err);
void awscred_free(struct awscred *c);
/* Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, IMDS; NULL if none (malloc'd). */
char *awscred_region(void);
/* A key of the active profile in ~/.aws/config (malloc'd or NULL). */
char *awscred_config(const char *key);
/* role_arn profiles need an STS call, which needs the signed-call layer above this one:
 * that layer installs the call here, so credentials never include it (no cycle). The
 * function calls op ("sts:AssumeRole") with params signed by base and returns the answer
 * document (new reference), or NULL with *err (malloc'd). */
#include <jansson.h>
typedef json_t *(*awscred_call_fn)(const char *op, json_t *params, const struct awscred *base, char **err);
void awscred_set_call(awscred_call_fn fn);
/* Forget cached credentials (tests, profile switch). */
void awscred_reset(void);
#endif
