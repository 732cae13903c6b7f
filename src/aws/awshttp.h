/* One HTTP exchange over libcurl for the AWS client, IMDS and Slack (no retries here). */
#ifndef TEJUN_AWSHTTP_H
#define TEJUN_AWSHTTP_H
#include "core/util.h"
#include <curl/curl.h>

struct awshttp_resp {
	long status;
	struct sbuf body;
	char *request_id; /* x-amzn-RequestId / x-amz-request-id */
	char *error_type; /* x-amzn-ErrorType (rest-json errors) */
	int timed_out;
	char error[CURL_ERROR_SIZE]; /* transport error text when -1 */
};

/* Sends the request; 0 when an HTTP answer came back (any status), -1 on a transport
 * failure (r->error says why). headers may be NULL. Caller frees with awshttp_resp_free. */
int awshttp_do(const char *method, const char *url, const struct curl_slist *headers,
	       const void *body, size_t len, double timeout, struct awshttp_resp *r);
void awshttp_resp_free(struct awshttp_resp *r);
#endif
