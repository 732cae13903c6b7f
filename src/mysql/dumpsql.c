/* SQL text of dump files: value literals, headers, DDL rewrites. */
#include "config.h"
#include "mysql/dumpsql.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <mysql.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#ifndef MYSQL_TYPE_JSON_ID
#define MYSQL_TYPE_JSON_ID 245 /* MySQL 8's JSON; binary charset but must load as text */
#endif

enum dumpsql_kind dumpsql_kind_of(int type, unsigned charsetnr, unsigned flags)
{
	(void)flags;
	switch (type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
	case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE: case MYSQL_TYPE_YEAR:
		return DUMPSQL_NUM;
	case MYSQL_TYPE_BIT: case MYSQL_TYPE_GEOMETRY:
		return DUMPSQL_HEX;
	case MYSQL_TYPE_TINY_BLOB: case MYSQL_TYPE_MEDIUM_BLOB: case MYSQL_TYPE_LONG_BLOB:
	case MYSQL_TYPE_BLOB: case MYSQL_TYPE_VAR_STRING: case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_VARCHAR:
		return charsetnr == 63 ? DUMPSQL_HEX : DUMPSQL_QUOTE;
	default:
		if (type == MYSQL_TYPE_JSON_ID)
			return DUMPSQL_QUOTE;
		return DUMPSQL_QUOTE;
	}
}

/* Bytes that need a backslash in a quoted literal, and the letter that follows it. */
static const char esc_of[256] = {
	[0] = '0', ['\n'] = 'n', ['\r'] = 'r', [26] = 'Z', ['\\'] = '\\', ['\''] = '\'', ['"'] = '"',
};

/* Length of the leading run of s that needs no escaping. SSE2 (every x86-64) tests 16
 * bytes at a time: text columns rarely hold a byte to escape, so the run is the value. */
static size_t plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128(), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
		      sub = _mm_set1_epi8(26), bs = _mm_set1_epi8('\\'), sq = _mm_set1_epi8('\''),
		      dq = _mm_set1_epi8('"');
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, zero), _mm_cmpeq_epi8(v, nl)),
					 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, sub)));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, bs),
						 _mm_or_si128(_mm_cmpeq_epi8(v, sq), _mm_cmpeq_epi8(v, dq))));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	while (i < n && !esc_of[s[i]])
		i++;
	return i;
}

/* Written by hand rather than mysql_real_escape_string: the connection charset is always
 * utf8mb4, where no multibyte sequence contains an ASCII byte, so byte-wise escaping is
 * exact, needs no connection and runs at memory speed on the dump's hot path.
 * The put_ functions write at o, which has room for the longest form, and return the end. */
static char *put_quoted(char *o, const unsigned char *s, size_t n)
{
	*o++ = '\'';
	for (size_t i = 0; i < n;) {
		size_t k = plain_run(s + i, n - i);
		memcpy(o, s + i, k);
		o += k;
		i += k;
		if (i < n) {
			*o++ = '\\';
			*o++ = esc_of[s[i++]];
		}
	}
	*o++ = '\'';
	return o;
}

static char *put_hex(char *o, const unsigned char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	if (n == 0) {
		memcpy(o, "''", 2);
		return o + 2;
	}
	*o++ = '0';
	*o++ = 'x';
	for (size_t i = 0; i < n; i++) {
		*o++ = hx[s[i] >> 4];
		*o++ = hx[s[i] & 15];
	}
	return o;
}

static char *put_value(char *o, const char *v, size_t len, enum dumpsql_kind k)
{
	if (!v) {
		memcpy(o, "NULL", 4);
		return o + 4;
	}
	switch (k) {
	case DUMPSQL_NUM: memcpy(o, v, len); return o + len;
	case DUMPSQL_HEX: return put_hex(o, (const unsigned char *)v, len);
	case DUMPSQL_QUOTE: break;
	}
	return put_quoted(o, (const unsigned char *)v, len);
}

void dumpsql_value(struct sbuf *b, const char *v, size_t len, enum dumpsql_kind k)
{
	char *o = sbuf_reserve(b, 2 * len + 4);
	b->len += (size_t)(put_value(o, v, len, k) - o);
	b->data[b->len] = '\0';
}

void dumpsql_row(struct sbuf *b, const char *const *row, const unsigned long *lens,
		 const enum dumpsql_kind *kinds, unsigned nf)
{
	size_t most = 2;
	for (unsigned i = 0; i < nf; i++)
		most += 2 * lens[i] + 5;
	char *o = sbuf_reserve(b, most), *start = o;
	*o++ = '(';
	for (unsigned i = 0; i < nf; i++) {
		if (i)
			*o++ = ',';
		o = put_value(o, row[i], lens[i], kinds[i]);
	}
	*o++ = ')';
	b->len += (size_t)(o - start);
	b->data[b->len] = '\0';
}

void dumpsql_header(struct sbuf *b, const char *what)
{
	sbuf_addf(b, "-- tejun dump: %s\n", what);
	/* Backslash escapes need a sql_mode without NO_BACKSLASH_ESCAPES; zero dates and
	 * explicit 0 in AUTO_INCREMENT columns must load as they were dumped. */
	sbuf_adds(b, "SET NAMES utf8mb4;\nSET time_zone='+00:00';\nSET foreign_key_checks=0;\n"
		     "SET unique_checks=0;\nSET sql_mode='NO_AUTO_VALUE_ON_ZERO';\n");
}

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

void dumpsql_split_indexes(const char *create, const char *name, char **table, char **alter)
{
	*alter = NULL;
	const char *body = strchr(create, '\n');
	const char *end = body ? strstr(body, "\n)") : NULL;
	if (!body || !end) {
		*table = xstrdup(create);
		return;
	}
	struct sbuf t, a;
	sbuf_init(&t);
	sbuf_init(&a);
	sbuf_add(&t, create, (size_t)(body - create));
	int kept = 0, moved = 0;
	const char *p = body + 1;
	while (p < end + 1) {
		const char *nl = memchr(p, '\n', (size_t)(end + 1 - p));
		if (!nl)
			nl = end + 1;
		size_t n = (size_t)(nl - p);
		if (n && p[n - 1] == ',')
			n--;
		if (starts(p, "  KEY `")) {
			sbuf_adds(&a, moved++ ? ",\n  ADD " : "ADD ");
			sbuf_add(&a, p + 2, n - 2);
		} else {
			sbuf_adds(&t, kept++ ? ",\n" : "\n");
			sbuf_add(&t, p, n);
		}
		p = nl + 1;
	}
	sbuf_adds(&t, end);
	*table = sbuf_steal(&t);
	if (moved) {
		struct sbuf s;
		sbuf_init(&s);
		sbuf_adds(&s, "ALTER TABLE ");
		dbconn_quote_ident(&s, name);
		sbuf_adds(&s, "\n  ");
		sbuf_add(&s, a.data, a.len);
		sbuf_adds(&s, ";\n");
		*alter = sbuf_steal(&s);
	}
	sbuf_free(&a);
}

void dumpsql_strip_definer(char *sql)
{
	char *d = strstr(sql, " DEFINER=");
	if (!d)
		return;
	char *p = d + 9;
	/* user@host, each part `quoted`, 'quoted' or bare (CURRENT_USER) */
	while (*p && *p != ' ' && *p != '\n') {
		if (*p == '`' || *p == '\'') {
			char q = *p++;
			while (*p && !(*p == q && p[1] != q))
				p += (*p == q) ? 2 : 1;
			if (*p)
				p++;
		} else {
			p++;
		}
	}
	memmove(d, p, strlen(p) + 1);
}

char *dumpsql_unqualify(const char *sql, const char *schema)
{
	struct sbuf pat, out;
	sbuf_init(&pat);
	sbuf_init(&out);
	dbconn_quote_ident(&pat, schema);
	sbuf_add(&pat, ".", 1);
	const char *p = sql, *q;
	while ((q = strstr(p, pat.data))) {
		sbuf_add(&out, p, (size_t)(q - p));
		p = q + pat.len;
	}
	sbuf_adds(&out, p);
	sbuf_free(&pat);
	return sbuf_steal(&out);
}
