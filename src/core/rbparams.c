/* Runbook params: values from --param, the declared environment variable or the default;
 * secret ones registered for scrubbing; pushed as ctx.params. */
#include "config.h"
#include "core/runbook.h"
#include "core/runbook_int.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "scheme://user:password@host...": the password is a secret even in a param not declared
 * secret (a DSN), both as written and %-decoded, before anything is journaled. */
static void register_url_password(const char *v)
{
	const char *p = strstr(v, "://");
	if (!p)
		return;
	p += 3;
	const char *end = p + strcspn(p, "/?#");
	const char *at = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q; /* the last '@' before the path ends the userinfo */
	if (!at)
		return;
	const char *colon = memchr(p, ':', (size_t)(at - p));
	if (!colon || colon + 1 == at)
		return;
	char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
	secret_add(pw);
	struct sbuf dec;
	sbuf_init(&dec);
	for (const char *q = pw; *q; q++) {
		unsigned hi, lo;
		if (*q == '%' && sscanf(q + 1, "%1x%1x", &hi, &lo) == 2) {
			char ch = (char)(hi * 16 + lo);
			sbuf_add(&dec, &ch, 1);
			q += 2;
		} else {
			sbuf_add(&dec, q, 1);
		}
	}
	if (dec.data && strcmp(dec.data, pw) != 0)
		secret_add(dec.data);
	sbuf_free(&dec);
	free(pw);
}

static struct param_def *find_param(struct runbook *rb, const char *name, size_t n)
{
	for (size_t i = 0; i < rb->nparams; i++)
		if (strlen(rb->params[i].name) == n && strncmp(rb->params[i].name, name, n) == 0)
			return &rb->params[i];
	return NULL;
}

int runbook_resolve_params(struct runbook *rb, char **overrides, size_t noverrides)
{
	size_t before = rb->nerrors;
	for (size_t i = 0; i < noverrides; i++) {
		const char *eq = strchr(overrides[i], '=');
		if (!eq) {
			rb->errors = xrealloc(rb->errors, (rb->nerrors + 1) * sizeof *rb->errors);
			rb->errors[rb->nerrors++] = xasprintf("--param %s: expected NAME=VALUE", overrides[i]);
			continue;
		}
		struct param_def *p = find_param(rb, overrides[i], (size_t)(eq - overrides[i]));
		if (!p) {
			struct sbuf names;
			sbuf_init(&names);
			for (size_t k = 0; k < rb->nparams; k++)
				sbuf_addf(&names, "%s%s", k ? ", " : "", rb->params[k].name);
			rb->errors = xrealloc(rb->errors, (rb->nerrors + 1) * sizeof *rb->errors);
			rb->errors[rb->nerrors++] = xasprintf("--param %.*s: the runbook declares no such param (it has: %s)",
							      (int)(eq - overrides[i]), overrides[i],
							      names.data ? names.data : "none");
			sbuf_free(&names);
			continue;
		}
		free(p->value);
		p->value = xstrdup(eq + 1);
	}
	for (size_t i = 0; i < rb->nparams; i++) {
		struct param_def *p = &rb->params[i];
		if (!p->value && p->env && getenv(p->env))
			p->value = xstrdup(getenv(p->env));
		if (!p->value && p->has_default)
			p->value = xstrdup(p->def);
		if (!p->value && p->optional)
			continue;
		if (!p->value) {
			runbook_error(rb, p->line, "missing param '%s'%s%s%s: give --param %s=VALUE%s%s", p->name,
				  p->doc ? " (" : "", p->doc ? p->doc : "", p->doc ? ")" : "", p->name,
				  p->env ? " or set " : "", p->env ? p->env : "");
			continue;
		}
		if (p->secret)
			secret_add(p->value);
		register_url_password(p->value);
		if (p->nchoices) {
			bool ok = false;
			for (size_t c = 0; c < p->nchoices; c++)
				ok |= strcmp(p->choices[c], p->value) == 0;
			if (!ok) {
				struct sbuf ch;
				sbuf_init(&ch);
				for (size_t c = 0; c < p->nchoices; c++)
					sbuf_addf(&ch, "%s%s", c ? ", " : "", p->choices[c]);
				runbook_error(rb, p->line, "param '%s': '%s' is not one of: %s", p->name,
					  p->secret ? SECRET_MASK : p->value, ch.data);
				sbuf_free(&ch);
			}
		}
	}
	return rb->nerrors > before ? -1 : 0;
}

void runbook_push_params(struct runbook *rb, lua_State *L)
{
	lua_createtable(L, 0, (int)rb->nparams);
	for (size_t i = 0; i < rb->nparams; i++) {
		if (!rb->params[i].value)
			continue;
		lua_pushstring(L, rb->params[i].value);
		lua_setfield(L, -2, rb->params[i].name);
	}
}
