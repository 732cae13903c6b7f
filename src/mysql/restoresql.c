/* Statement splitter over dump files (plain or zstd). */
#include "config.h"
#include "mysql/restoresql.h"
#include "mysql/dumpfile.h"
#include "core/util.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RBUF (1u << 20)

struct restoresql {
	struct dumpfile_r *r;
	char *buf;
	size_t pos, len;
	bool eof;
	char delim[16];
	size_t dlen;
	unsigned long long off;
};

struct restoresql *restoresql_new(struct dumpfile_r *r)
{
	struct restoresql *s = xcalloc(1, sizeof *s);
	s->r = r;
	s->buf = xmalloc(RBUF);
	s->delim[0] = ';';
	s->dlen = 1;
	return s;
}

void restoresql_free(struct restoresql *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

unsigned long long restoresql_offset(const struct restoresql *s)
{
	return s->off;
}

static bool special(unsigned char c)
{
	return c == '\'' || c == '"' || c == '`' || c == '#' || c == '-' || c == '/' || c == '\n';
}

/* -1 error, 0 eof, 1 a byte is available */
static int fill(struct restoresql *s, char **err)
{
	if (s->pos < s->len)
		return 1;
	if (s->eof)
		return 0;
	ssize_t k = dumpfile_read(s->r, s->buf, RBUF, err);
	if (k < 0)
		return -1;
	if (k == 0) {
		s->eof = true;
		return 0;
	}
	s->len = (size_t)k;
	s->pos = 0;
	return 1;
}

static void trim(struct sbuf *b)
{
	size_t i = 0;
	while (i < b->len && isspace((unsigned char)b->data[i]))
		i++;
	if (i) {
		memmove(b->data, b->data + i, b->len - i);
		b->len -= i;
	}
	while (b->len && isspace((unsigned char)b->data[b->len - 1]))
		b->len--;
	if (b->data)
		b->data[b->len] = '\0';
}

/* Is the text so far a "DELIMITER x" command (which runs to the end of its line)? */
static bool is_delim_cmd(const struct sbuf *b)
{
	size_t i = 0;
	while (i < b->len && isspace((unsigned char)b->data[i]))
		i++;
	return b->len - i >= 10 && strncasecmp(b->data + i, "DELIMITER", 9) == 0 &&
	       (b->data[i + 9] == ' ' || b->data[i + 9] == '\t');
}

/* The statement so far is blank: is it a DELIMITER line? Then switch and drop it. */
static bool delimiter_line(struct restoresql *s, struct sbuf *b)
{
	trim(b);
	if (b->len < 10 || strncasecmp(b->data, "DELIMITER", 9) != 0 || !isspace((unsigned char)b->data[9]))
		return false;
	const char *d = b->data + 10;
	while (*d == ' ' || *d == '\t')
		d++;
	size_t n = strlen(d);
	if (n == 0 || n >= sizeof s->delim)
		return false;
	memcpy(s->delim, d, n + 1);
	s->dlen = n;
	b->len = 0;
	b->data[0] = '\0';
	return true;
}

int restoresql_next(struct restoresql *s, struct sbuf *b, char **err)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	enum { CODE, SQ, DQ, BQ, LINE, BLOCK } st = CODE;
	bool at_line_start = true, esc = false;
	size_t block_at = 0;
	for (;;) {
		int f = fill(s, err);
		if (f < 0)
			return -1;
		if (f == 0)
			break;
		if (st == CODE) {
			/* fast path: numbers, hex literals and punctuation of an INSERT in one copy */
			size_t j = s->pos;
			while (j < s->len && !special((unsigned char)s->buf[j]) && s->buf[j] != s->delim[0])
				j++;
			if (j > s->pos) {
				sbuf_add(b, s->buf + s->pos, j - s->pos);
				s->off += j - s->pos;
				s->pos = j;
				continue;
			}
		}
		char c = s->buf[s->pos++];
		s->off++;
		switch (st) {
		case CODE:
			if (c == '\n') {
				/* a DELIMITER command is a whole line on its own */
				if (is_delim_cmd(b) && delimiter_line(s, b)) {
					at_line_start = true;
					continue;
				}
				size_t i = 0;
				while (i < b->len && isspace((unsigned char)b->data[i]))
					i++;
				if (i == b->len && b->len) {
					b->len = 0;
					b->data[0] = '\0';
					at_line_start = true;
					continue;
				}
				at_line_start = true;
				sbuf_add(b, &c, 1);
				continue;
			}
			if (c == s->delim[0] && !is_delim_cmd(b)) {
				/* whole delimiter? */
				size_t k = 1;
				while (k < s->dlen) {
					int g = fill(s, err);
					if (g < 0)
						return -1;
					if (g == 0 || s->buf[s->pos] != s->delim[k])
						break;
					s->pos++;
					s->off++;
					k++;
				}
				if (k == s->dlen) {
					trim(b);
					if (b->len)
						return 1;
					continue;
				}
				sbuf_add(b, s->delim, k);
				continue;
			}
			if (c == '\'' ) st = SQ;
			else if (c == '"') st = DQ;
			else if (c == '`') st = BQ;
			else if (c == '#') { st = LINE; continue; }
			else if (c == '-' && s->pos < s->len && s->buf[s->pos] == '-' &&
				 (s->pos + 1 >= s->len || isspace((unsigned char)s->buf[s->pos + 1]))) {
				st = LINE;
				continue;
			} else if (c == '/' && s->pos < s->len && s->buf[s->pos] == '*') {
				st = BLOCK;
				block_at = b->len + 2;
			}
			sbuf_add(b, &c, 1);
			at_line_start = false;
			break;
		case SQ: case DQ: {
			sbuf_add(b, &c, 1);
			if (esc) {
				esc = false;
			} else if (c == '\\') {
				esc = true;
			} else if (c == (st == SQ ? '\'' : '"')) {
				st = CODE;
			} else {
				/* copy the plain run up to the next quote or backslash in one go */
				char q = st == SQ ? '\'' : '"';
				size_t j = s->pos + mem_span_not4(s->buf + s->pos, s->len - s->pos,
								  (unsigned char)q, '\\', (unsigned char)q, '\\');
				sbuf_add(b, s->buf + s->pos, j - s->pos);
				s->off += j - s->pos;
				s->pos = j;
			}
			break;
		}
		case BQ:
			sbuf_add(b, &c, 1);
			if (c == '`')
				st = CODE;
			break;
		case LINE:
			if (c == '\n') {
				st = CODE;
				sbuf_add(b, &c, 1);
			}
			break;
		case BLOCK:
			sbuf_add(b, &c, 1);
			if (c == '/' && b->len > block_at && b->data[b->len - 2] == '*')
				st = CODE;
			break;
		}
	}
	(void)at_line_start;
	if (is_delim_cmd(b) && delimiter_line(s, b))
		return 0;
	trim(b);
	return b->len ? 1 : 0;
}
