/* INSERT ... VALUES text to LOAD DATA text (fields by tab, rows by newline, backslash
 * escapes, \N for NULL). */
#include "config.h"
#include "mysql/restoreinfile.h"
#include "core/util.h"
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* A `quoted` identifier (`` inside is one backtick): the byte after it, NULL if malformed. */
static const char *ident(const char *p, const char *end)
{
	if (p >= end || *p != '`')
		return NULL;
	for (p++; p < end; p++)
		if (*p == '`') {
			if (p + 1 < end && p[1] == '`')
				p++;
			else
				return p + 1;
		}
	return NULL;
}

char *restoreinfile_load_sql(const char *stmt, size_t len, const char *charset, size_t *head_len)
{
	const char *end = stmt + len, *p = stmt;
	if (len < 12 || strncasecmp(p, "INSERT INTO ", 12) != 0)
		return NULL;
	const char *tname = p + 12, *tend = ident(tname, end);
	if (!tend)
		return NULL;
	p = skip_ws(tend, end);
	if (p >= end || *p != '(')
		return NULL;
	const char *cols = p;
	p = skip_ws(p + 1, end);
	while (p < end && *p != ')') {
		if (!(p = ident(p, end)))
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	if (p >= end)
		return NULL;
	const char *cols_end = ++p;
	p = skip_ws(p, end);
	if ((size_t)(end - p) < 6 || strncasecmp(p, "VALUES", 6) != 0)
		return NULL;
	*head_len = (size_t)(p + 6 - stmt);
	struct sbuf s;
	sbuf_init(&s);
	sbuf_adds(&s, "LOAD DATA LOCAL INFILE '" RESTOREINFILE_NAME "' INTO TABLE ");
	sbuf_add(&s, tname, (size_t)(tend - tname));
	sbuf_addf(&s, " CHARACTER SET %s FIELDS TERMINATED BY '\\t' ENCLOSED BY '' "
		      "ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' STARTING BY '' ", charset);
	/* "()" (a table of generated columns only) means every column, as in INSERT */
	if (cols_end - cols > 2)
		sbuf_add(&s, cols, (size_t)(cols_end - cols));
	return sbuf_steal(&s);
}

/* Bytes of a number literal. */
static const bool numch[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
};

/* Raw bytes as LOAD DATA field text: only what the reader would misread is escaped. */
static char *put_raw(char *o, unsigned char b)
{
	switch (b) {
	case 0: *o++ = '\\'; *o++ = '0'; break;
	case '\t': *o++ = '\\'; *o++ = 't'; break;
	case '\n': *o++ = '\\'; *o++ = 'n'; break;
	case '\\': *o++ = '\\'; *o++ = '\\'; break;
	default: *o++ = (char)b;
	}
	return o;
}

/* The escapes the dump writes inside '...' mean the same to LOAD DATA, so they pass
 * through; raw tabs and newlines would end the field or row and are escaped. Writes at
 * *op (room for 2 bytes per input byte); the byte after the closing quote, NULL if not ours. */
static const char *quoted(const char *p, const char *end, char **op)
{
	char *o = *op;
	for (p++; p < end;) {
		size_t k = mem_span_not4(p, (size_t)(end - p), '\'', '\\', '\t', '\n');
		memcpy(o, p, k);
		o += k;
		p += k;
		if (p >= end)
			return NULL;
		switch (*p) {
		case '\'':
			if (p + 1 < end && p[1] == '\'') { /* SQL's doubled quote */
				*o++ = '\'';
				p += 2;
				break;
			}
			*op = o;
			return p + 1;
		case '\\':
			if (p + 1 >= end || !p[1] || !strchr("0nrZ\\'\"", p[1]))
				return NULL; /* an escape the dump never writes: leave it to SQL */
			*o++ = p[0];
			*o++ = p[1];
			p += 2;
			break;
		case '\t': *o++ = '\\'; *o++ = 't'; p++; break;
		default: *o++ = '\\'; *o++ = 'n'; p++; break;
		}
	}
	return NULL;
}

static const char *value(const char *p, const char *end, char **op)
{
	if (p >= end)
		return NULL;
	if (*p == '\'')
		return quoted(p, end, op);
	char *o = *op;
	if (end - p >= 4 && (p[0] == 'N' || p[0] == 'n') && strncasecmp(p, "NULL", 4) == 0) {
		*o++ = '\\';
		*o++ = 'N';
		*op = o;
		return p + 4;
	}
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; p + 1 < end && hex_value(p[0]) >= 0 && hex_value(p[1]) >= 0; p += 2)
			o = put_raw(o, (unsigned char)(hex_value(p[0]) << 4 | hex_value(p[1])));
		if (p < end && hex_value(*p) >= 0)
			return NULL; /* an odd digit count is not ours */
		*op = o;
		return p;
	}
	const char *s = p;
	while (p < end && numch[(unsigned char)*p])
		p++;
	if (p == s)
		return NULL;
	memcpy(o, s, (size_t)(p - s));
	*op = o + (p - s);
	return p;
}

int restoreinfile_convert(const char *stmt, size_t len, const char *head, size_t head_len,
			  struct sbuf *out, unsigned long long *rows)
{
	if (len < head_len || memcmp(stmt, head, head_len) != 0)
		return -1;
	const char *end = stmt + len, *p = skip_ws(stmt + head_len, end);
	/* no construct writes more than twice its input: a raw tab or a hex byte to escape */
	char *o0 = sbuf_reserve(out, 2 * len + 2), *o = o0;
	unsigned long long n = 0;
	while (p < end) {
		if (*p != '(')
			goto bad;
		p = skip_ws(p + 1, end);
		for (;;) {
			if (!(p = value(p, end, &o)))
				goto bad;
			p = skip_ws(p, end);
			if (p < end && *p == ',') {
				*o++ = '\t';
				p = skip_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == ')')
				break;
			goto bad;
		}
		*o++ = '\n';
		n++;
		p = skip_ws(p + 1, end);
		if (p < end) {
			if (*p != ',')
				goto bad;
			p = skip_ws(p + 1, end);
			if (p >= end)
				goto bad;
		}
	}
	if (n == 0)
		goto bad;
	out->len += (size_t)(o - o0);
	out->data[out->len] = '\0';
	*rows += n;
	return 0;
bad:
	*o0 = '\0'; /* out as it was, terminated */
	return -1;
}
