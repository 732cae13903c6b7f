/* SQL text for a connection: literals and identifiers quoted, ? placeholders filled,
 * secrets redacted from statements that are journaled. */
#include "config.h"
#include "mysql/dbconn.h"
#include "core/secret.h"
#include "core/util.h"
#include <ctype.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void dbconn_quote(struct dbconn *c, struct sbuf *b, const char *s, size_t len)
{
	char *tmp = xmalloc(len * 2 + 3);
	tmp[0] = '\'';
	unsigned long n = mysql_real_escape_string(c->mysql, tmp + 1, s, len);
	tmp[n + 1] = '\'';
	sbuf_add(b, tmp, n + 2);
	free(tmp);
}

void dbconn_quote_ident(struct sbuf *b, const char *name)
{
	sbuf_adds(b, "`");
	for (const char *p = name; *p; p++)
		sbuf_add(b, *p == '`' ? "``" : p, *p == '`' ? 2 : 1);
	sbuf_adds(b, "`");
}

char *dbconn_format(struct dbconn *c, const char *sql, const struct dbval *vals, int nvals)
{
	struct sbuf b;
	sbuf_init(&b);
	int used = 0;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			sbuf_add(&b, p, 1);
			if (*p == '\\' && quote != '`' && p[1]) {
				sbuf_add(&b, ++p, 1);
			} else if (*p == quote) {
				quote = 0;
			}
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
		} else if ((*p == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == '\t')) || *p == '#') {
			size_t n = strcspn(p, "\n");
			sbuf_add(&b, p, n);
			p += n - 1;
			continue;
		} else if (*p == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			size_t n = e ? (size_t)(e + 2 - p) : strlen(p);
			sbuf_add(&b, p, n);
			p += n - 1;
			continue;
		} else if (*p == '?') {
			if (used >= nvals) {
				used++;
				continue;
			}
			const struct dbval *v = &vals[used++];
			switch (v->kind) {
			case DBV_NULL: sbuf_adds(&b, "NULL"); break;
			case DBV_BOOL: sbuf_adds(&b, v->i ? "TRUE" : "FALSE"); break;
			case DBV_INT: sbuf_addf(&b, "%lld", v->i); break;
			case DBV_FLOAT: sbuf_addf(&b, "%.17g", v->d); break;
			case DBV_STRING: dbconn_quote(c, &b, v->s, v->len); break;
			}
			continue;
		}
		sbuf_add(&b, p, 1);
	}
	if (used != nvals) {
		snprintf(c->err, sizeof c->err, "query has %d ? placeholder%s but %d value%s given", used,
			 used == 1 ? "" : "s", nvals, nvals == 1 ? " was" : "s were");
		c->errnum = 0;
		sbuf_free(&b);
		return NULL;
	}
	return sbuf_steal(&b);
}

char *dbconn_fill(const char *tpl, const char *const *args, int n)
{
	struct sbuf b;
	sbuf_init(&b);
	int k = 0;
	for (const char *p = tpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's' && k < n) {
			sbuf_adds(&b, args[k++]);
			p++;
		} else {
			sbuf_add(&b, p, 1);
		}
	}
	return sbuf_steal(&b);
}

char *dbconn_redact_sql(const char *sql)
{
	const size_t max = 4000;
	size_t n = strlen(sql);
	char *cut = n > max ? xasprintf("%.*s... (%zu bytes)", (int)max, sql, n) : xstrdup(sql);
	/* Blobs: keep the journal printable and valid UTF-8 (jansson rejects anything else). */
	unsigned char *p = (unsigned char *)cut;
	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			: (*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && !(len == 2 && *p < 0xc2);
		for (int k = 1; ok && k < len; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (!ok || (len == 1 && *p < 0x20 && *p != '\n' && *p != '\t')) {
			*p++ = '.';
			continue;
		}
		p += len;
	}
	char *r = secret_redact(cut);
	free(cut);
	return r;
}

char *dbconn_qualified(const char *schema, const char *name)
{
	struct sbuf s;
	sbuf_init(&s);
	dbconn_quote_ident(&s, schema);
	if (name) {
		sbuf_adds(&s, ".");
		dbconn_quote_ident(&s, name);
	}
	return sbuf_steal(&s);
}
