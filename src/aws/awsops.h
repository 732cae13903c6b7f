/* The AWS services and operations tejun calls: one table entry per operation. */
#ifndef TEJUN_AWSOPS_H
#define TEJUN_AWSOPS_H
#include <stdbool.h>

enum awsops_proto { AWSOPS_QUERY, AWSOPS_JSON, AWSOPS_REST_JSON, AWSOPS_REST_XML };

struct awsops_service {
	const char *name;       /* "rds" (the first part of "rds:CreateDBSnapshot") */
	const char *signing;    /* SigV4 service name */
	const char *env;        /* AWS_ENDPOINT_URL_<env> */
	const char *host;       /* default endpoint host; %s = region */
	enum awsops_proto proto;
	const char *version;    /* query API version / json target prefix */
	bool global;            /* signed for us-east-1 whatever the region */
};

struct awsops_op {
	const char *name;     /* "rds:CreateDBSnapshot" */
	const char *target;   /* parameter naming the resource, for the journal */
	bool mutating;        /* dry-run journals it as "would call" and sends nothing */
	const char *http;     /* REST: "POST /2013-04-01/hostedzone/{Id}/rrset/?name={StartRecordName}" */
	const char *root;     /* REST-XML body: root element ("Name" or "Name xmlns") or "=Param" payload */
	const char *lists;    /* list item names: "Filters>Filter,Values>Value"; "A=B" flattened */
	const struct awsops_service *svc;
};

/* The operation called name, or NULL. */
const struct awsops_op *awsops_find(const char *name);
/* The action part of the name ("CreateDBSnapshot"). */
const char *awsops_action(const struct awsops_op *op);
/* The list item name for key in op ("member" unless the table says otherwise); sets
 * *flat when the list is flattened (the item name replaces the key). */
const char *awsops_list_item(const struct awsops_op *op, const char *key, bool *flat);
/* Every operation, NULL-terminated by name. */
extern const struct awsops_op awsops_ops[];
#endif
