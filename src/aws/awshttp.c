/* libcurl exchange shared by the AWS client, the credential chain and Slack. */
#include "config.h"
#include "aws/awshttp.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	sbuf_add(arg, p, size * n);
	return size * n;
}

static void header_value(const char *line, size_t n, const char *name, char **out)
{
	size_t l = strlen(name);
	if (n <= l + 1 || strncasecmp(line, name, l) != 0 || line[l] != ':')
		return;
	const char *v = line + l + 1;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vl = (size_t)(line + n - v);
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
		vl--;
	free(*out);
	*out = xstrndup(v, vl);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct awshttp_resp *r = arg;
	header_value(p, size * n, "x-amzn-RequestId", &r->request_id);
	header_value(p, size * n, "x-amz-request-id", &r->request_id);
	header_value(p, size * n, "x-amzn-ErrorType", &r->error_type);
	return size * n;
}

int awshttp_do(const char *method, const char *url, const struct curl_slist *headers,
	       const void *body, size_t len, double timeout, struct awshttp_resp *r)
{
	pthread_once(&once, global_init);
	memset(r, 0, sizeof *r);
	sbuf_init(&r->body);
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(r->error, sizeof r->error, "curl_easy_init failed");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body && len) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout < 5 ? timeout * 1000 : 5000));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tejun/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	} else {
		r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		if (!r->error[0])
			snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(rc));
	}
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void awshttp_resp_free(struct awshttp_resp *r)
{
	sbuf_free(&r->body);
	free(r->request_id);
	free(r->error_type);
	r->request_id = r->error_type = NULL;
}
