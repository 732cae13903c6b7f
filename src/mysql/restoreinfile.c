/* INSERT ... VALUES text to LOAD DATA text (fields by tab, rows by newline, backslash
 * escapes, \N for NULL). */
#include "config.h"
#include "mysql/restoreinfile.h"
#include "util.h"
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

char *restoreinfile_load_sql(const char *stmt, size_t len, size_t *head_len)
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
	sbuf_adds(&s, " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ENCLOSED BY '' "
		      "ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' STARTING BY '' ");
	/* "()" (a table of generated columns only) means every column, as in INSERT */
	if (cols_end - cols > 2)
		sbuf_add(&s, cols, (size_t)(cols_end - cols));
	return sbuf_steal(&s);
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Raw bytes as LOAD DATA field text: only what the reader would misread is escaped. */
static void put_raw(struct sbuf *o, unsigned char b)
{
	switch (b) {
	case 0: sbuf_add(o, "\\0", 2); break;
	case '\t': sbuf_add(o, "\\t", 2); break;
	case '\n': sbuf_add(o, "\\n", 2); break;
	case '\\': sbuf_add(o, "\\\\", 2); break;
	default: {
		char c = (char)b;
		sbuf_add(o, &c, 1);
	}
	}
}

/* The escapes the dump writes inside '...' mean the same to LOAD DATA, so they pass
 * through; raw tabs and newlines would end the field or row and are escaped. */
static const char *quoted(const char *p, const char *end, struct sbuf *o)
{
	for (p++; p < end;) {
		const char *run = p;
		while (p < end && *p != '\'' && *p != '\\' && *p != '\t' && *p != '\n')
			p++;
		sbuf_add(o, run, (size_t)(p - run));
		if (p >= end)
			return NULL;
		switch (*p) {
		case '\'':
			if (p + 1 < end && p[1] == '\'') { /* SQL's doubled quote */
				sbuf_add(o, "'", 1);
				p += 2;
				break;
			}
			return p + 1;
		case '\\':
			if (p + 1 >= end || !strchr("0nrZ\\'\"", p[1]) || !p[1])
				return NULL; /* an escape the dump never writes: leave it to SQL */
			sbuf_add(o, p, 2);
			p += 2;
			break;
		case '\t': sbuf_add(o, "\\t", 2); p++; break;
		default: sbuf_add(o, "\\n", 2); p++; break;
		}
	}
	return NULL;
}

static const char *value(const char *p, const char *end, struct sbuf *o)
{
	if (p >= end)
		return NULL;
	if (*p == '\'')
		return quoted(p, end, o);
	if (end - p >= 4 && strncasecmp(p, "NULL", 4) == 0) {
		sbuf_add(o, "\\N", 2);
		return p + 4;
	}
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; p + 1 < end && unhex(p[0]) >= 0 && unhex(p[1]) >= 0; p += 2)
			put_raw(o, (unsigned char)(unhex(p[0]) << 4 | unhex(p[1])));
		return p < end && unhex(*p) >= 0 ? NULL : p; /* an odd digit count is not ours */
	}
	const char *s = p;
	while (p < end && strchr("0123456789+-.eE", *p) && *p)
		p++;
	if (p == s)
		return NULL;
	sbuf_add(o, s, (size_t)(p - s));
	return p;
}

int restoreinfile_convert(const char *stmt, size_t len, const char *head, size_t head_len,
			  struct sbuf *out, unsigned long long *rows)
{
	if (len < head_len || memcmp(stmt, head, head_len) != 0)
		return -1;
	const char *end = stmt + len, *p = skip_ws(stmt + head_len, end);
	size_t mark = out->len;
	unsigned long long n = 0;
	while (p < end) {
		if (*p != '(')
			goto bad;
		p = skip_ws(p + 1, end);
		for (;;) {
			if (!(p = value(p, end, out)))
				goto bad;
			p = skip_ws(p, end);
			if (p < end && *p == ',') {
				sbuf_add(out, "\t", 1);
				p = skip_ws(p + 1, end);
				continue;
			}
			if (p < end && *p == ')')
				break;
			goto bad;
		}
		sbuf_add(out, "\n", 1);
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
	*rows += n;
	return 0;
bad:
	out->len = mark;
	if (out->data)
		out->data[mark] = '\0';
	return -1;
}
