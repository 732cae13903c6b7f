/* Secret registry: values added here never reach the journal, the screen or an error. */
#include "config.h"
#include "core/secret.h"
#include "core/util.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets;

void secret_add(const char *value)
{
	if (!value || !*value)
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], value) == 0)
			goto out;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof *secrets);
	secrets[nsecrets++] = xstrdup(value);
	/* Longest first, so a secret containing another is masked whole. */
	for (size_t i = nsecrets - 1; i > 0 && strlen(secrets[i]) > strlen(secrets[i - 1]); i--) {
		char *t = secrets[i];
		secrets[i] = secrets[i - 1];
		secrets[i - 1] = t;
	}
out:
	pthread_mutex_unlock(&lock);
}

char *secret_redact(const char *text)
{
	if (!text)
		return NULL;
	pthread_mutex_lock(&lock);
	char *cur = xstrdup(text);
	for (size_t i = 0; i < nsecrets; i++) {
		const char *s = secrets[i];
		size_t sl = strlen(s);
		if (sl < 3) {
			if (strcmp(cur, s) == 0) {
				free(cur);
				cur = xstrdup(SECRET_MASK);
			}
			continue;
		}
		if (!strstr(cur, s))
			continue;
		struct sbuf b;
		sbuf_init(&b);
		const char *p = cur, *hit;
		while ((hit = strstr(p, s))) {
			sbuf_add(&b, p, (size_t)(hit - p));
			sbuf_adds(&b, SECRET_MASK);
			p = hit + sl;
		}
		sbuf_adds(&b, p);
		free(cur);
		cur = sbuf_steal(&b);
	}
	pthread_mutex_unlock(&lock);
	return cur;
}

int secret_present(const char *text)
{
	int found = 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets && !found; i++)
		found = strlen(secrets[i]) >= 3 ? strstr(text, secrets[i]) != NULL
						: strcmp(text, secrets[i]) == 0;
	pthread_mutex_unlock(&lock);
	return found;
}

void secret_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	pthread_mutex_unlock(&lock);
}
