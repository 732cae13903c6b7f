/* Answers file: parsed up front so a malformed line is reported before anything runs. */
#include "config.h"
#include "core/answers.h"
#include "core/util.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *step, *answer;
	int line;
};

struct answers {
	char *path;
	struct entry *e;
	size_t n, next;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r' || s[l - 1] == '\n'))
		s[--l] = '\0';
	return s;
}

struct answers *answers_load(const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*err = xasprintf("%s: cannot open the answers file: %s", path, strerror(errno));
		return NULL;
	}
	struct answers *a = xcalloc(1, sizeof *a);
	a->path = xstrdup(path);
	char *line = NULL;
	size_t cap = 0;
	int no = 0;
	while (getline(&line, &cap, f) > 0) {
		no++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (!colon || colon == s) {
			*err = xasprintf("%s:%d: expected 'STEP_ID: ANSWER'", path, no);
			free(line);
			fclose(f);
			answers_free(a);
			return NULL;
		}
		*colon = '\0';
		a->e = xrealloc(a->e, (a->n + 1) * sizeof *a->e);
		a->e[a->n++] = (struct entry){xstrdup(trim(s)), xstrdup(trim(colon + 1)), no};
	}
	free(line);
	fclose(f);
	return a;
}

const char *answers_next(struct answers *a, const char *step, char **why)
{
	if (a->next >= a->n) {
		*why = xasprintf("%s has no answer left for step '%s'", a->path, step);
		return NULL;
	}
	struct entry *e = &a->e[a->next];
	if (strcmp(e->step, step) != 0) {
		*why = xasprintf("%s:%d answers step '%s', but the prompt is for step '%s'", a->path, e->line,
				 e->step, step);
		return NULL;
	}
	a->next++;
	return e->answer;
}

void answers_free(struct answers *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->e[i].step);
		free(a->e[i].answer);
	}
	free(a->e);
	free(a->path);
	free(a);
}
