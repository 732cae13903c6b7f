/* Slack incoming-webhook notifications (libcurl + jansson). */
#ifndef TEJUN_SLACK_H
#define TEJUN_SLACK_H
/* Posts {"text": text} to webhook (NULL: error). 0, or -1 with *err (malloc'd, no URL in it). */
int slack_post(const char *webhook, const char *text, char **err);
#endif
