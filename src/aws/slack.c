/* Slack webhook post: JSON body, short timeout, the URL (a secret) never in an error. */
#include "config.h"
#include "aws/slack.h"
#include "aws/awshttp.h"
#include "core/secret.h"
#include "core/util.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int slack_post(const char *webhook, const char *text, char **err)
{
	*err = NULL;
	if (!webhook) {
		*err = xstrdup("no webhook (pass webhook= or set SLACK_WEBHOOK_URL)");
		return -1;
	}
	secret_add(webhook);
	json_t *j = json_pack("{s:s}", "text", text);
	char *body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct awshttp_resp r;
	int rc = awshttp_do("POST", webhook, h, body, strlen(body), 10, &r);
	if (rc != 0) {
		char *e = secret_redact(r.error);
		*err = xasprintf("webhook unreachable: %s", e);
		free(e);
	} else if (r.status != 200) {
		char *b = secret_redact(r.body.data ? r.body.data : "");
		*err = xasprintf("webhook answered HTTP %ld: %.200s", r.status, b);
		free(b);
		rc = -1;
	}
	awshttp_resp_free(&r);
	curl_slist_free_all(h);
	free(body);
	return rc;
}
