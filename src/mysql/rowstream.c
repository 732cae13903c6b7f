/* See rowstream.h. The wire path reads the text result set of the MySQL client/server
 * protocol: column count, column definitions, EOF (unless CLIENT_DEPRECATE_EOF), rows,
 * and an EOF or OK packet at the end; an error packet may end it at any point. */
#include "config.h"
#include "mysql/rowstream.h"
#include "core/util.h"
#include <errno.h>
#include <mysql.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_PACKET 0xffffffu      /* a payload this long continues in the next packet */
#define READ_SIZE (256 * 1024)    /* one recv; the library's cache takes 16 KB */
#define DEPRECATE_EOF (1UL << 24) /* CLIENT_DEPRECATE_EOF (MySQL 5.7+ clients) */
#define MORE_RESULTS 8            /* SERVER_MORE_RESULTS_EXIST */

struct rowstream {
	MYSQL *m;
	MYSQL_RES *res; /* the library path */
	int fd;         /* the wire path; -1 on the library path */
	unsigned nf;
	struct rowstream_field *fields;
	char **row;
	unsigned long *lens;
	bool done, broken, deprecate_eof, multipart;
	int timeout_ms;
	unsigned char seq;
	unsigned char *buf; /* cap + 1 bytes: a cell's NUL may fall just past the data */
	size_t cap, pos, end; /* unread bytes are buf[pos, end) */
	struct sbuf big;      /* a payload of 16 MB or more, put back together */
	unsigned char *patch; /* byte lent to the last cell's NUL, given back before reading on */
	unsigned char patch_byte;
};

/* The socket, when the connection is a plain one of MariaDB Connector/C; else -1. */
static int wire_socket(MYSQL *m, bool *deprecate_eof)
{
#ifdef MARIADB_PACKAGE_VERSION_ID
	unsigned int type = 99;
	unsigned long caps = 0;
	my_socket fd = -1;
	if (mariadb_get_infov(m, MARIADB_CONNECTION_PVIO_TYPE, &type) || type > 1 /* unix, tcp */)
		return -1;
	if (mysql_get_ssl_cipher(m))
		return -1;
	if (mariadb_get_infov(m, MARIADB_CONNECTION_CLIENT_CAPABILITIES, &caps) ||
	    (caps & (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION)))
		return -1;
	if (mariadb_get_infov(m, MARIADB_CONNECTION_SOCKET, &fd))
		return -1;
	*deprecate_eof = (caps & DEPRECATE_EOF) != 0;
	return (int)fd;
#else
	(void)m;
	(void)deprecate_eof;
	return -1;
#endif
}

static int fail(struct rowstream *s, char **err, const char *what)
{
	s->broken = true;
	s->done = true;
	*err = xstrdup(what);
	return -1;
}

/* Makes want unread bytes available at buf + pos, reading as much as there is room for. */
static int fill(struct rowstream *s, size_t want, char **err)
{
	while (s->end - s->pos < want) {
		if (s->pos + want > s->cap) {
			memmove(s->buf, s->buf + s->pos, s->end - s->pos);
			s->end -= s->pos;
			s->pos = 0;
			if (want > s->cap) {
				s->cap = want > 2 * s->cap ? want : 2 * s->cap;
				s->buf = xrealloc(s->buf, s->cap + 1);
			}
		}
		ssize_t n = recv(s->fd, s->buf + s->end, s->cap - s->end, MSG_DONTWAIT);
		if (n > 0) {
			s->end += (size_t)n;
		} else if (n == 0) {
			return fail(s, err, "lost connection to the server while reading rows");
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			int r = poll(&p, 1, s->timeout_ms);
			if (r == 0)
				return fail(s, err, "no data from the server within read-timeout");
			if (r < 0 && errno != EINTR)
				return fail(s, err, strerror(errno));
		} else if (errno != EINTR) {
			return fail(s, err, strerror(errno));
		}
	}
	return 0;
}

/* The next packet's payload, put together when it spans several; valid until the next call. */
static int next_packet(struct rowstream *s, unsigned char **p, size_t *n, char **err)
{
	if (s->patch) {
		*s->patch = s->patch_byte;
		s->patch = NULL;
	}
	s->big.len = 0;
	s->multipart = false;
	for (;;) {
		if (fill(s, 4, err) < 0)
			return -1;
		unsigned char *h = s->buf + s->pos;
		size_t len = h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
		if (h[3] != s->seq++)
			return fail(s, err, "packets from the server out of order (protocol error)");
		if (fill(s, 4 + len, err) < 0)
			return -1;
		h = s->buf + s->pos;
		s->pos += 4 + len;
		if (len < MAX_PACKET && !s->multipart) {
			*p = h + 4;
			*n = len;
			return 0;
		}
		s->multipart = true;
		sbuf_add(&s->big, (const char *)h + 4, len);
		if (len < MAX_PACKET) {
			*p = (unsigned char *)s->big.data;
			*n = s->big.len;
			return 0;
		}
	}
}

/* A length-encoded integer at *q, before e; false when malformed or cut short. */
static bool lenenc(const unsigned char **q, const unsigned char *e, uint64_t *v)
{
	const unsigned char *c = *q;
	if (c >= e)
		return false;
	int k = *c < 0xfb ? 0 : *c == 0xfc ? 2 : *c == 0xfd ? 3 : *c == 0xfe ? 8 : -1;
	if (k < 0 || e - c - 1 < k)
		return false;
	uint64_t x = k ? 0 : *c;
	for (int i = k; i >= 1; i--)
		x = x << 8 | c[i];
	*v = x;
	*q = c + 1 + k;
	return true;
}

/* The message of an error packet, as mysql_error() gives it. */
static char *server_error(const unsigned char *p, size_t n)
{
	size_t i = 3;
	if (n > i && p[i] == '#')
		i += 6; /* SQLSTATE */
	if (i > n)
		i = n;
	return xasprintf("%.*s", (int)(n - i), (const char *)p + i);
}

static bool is_progress(const unsigned char *p, size_t n)
{
	return n >= 3 && p[0] == 0xff && p[1] == 0xff && p[2] == 0xff;
}

static int wire_field(struct rowstream *s, struct rowstream_field *f, char **err)
{
	unsigned char *p;
	size_t n;
	if (next_packet(s, &p, &n, err) < 0)
		return -1;
	const unsigned char *q = p, *e = p + n;
	uint64_t len = 0;
	for (int i = 0; i < 5; i++) { /* catalog, schema, table, org_table, name */
		if (!lenenc(&q, e, &len) || len > (uint64_t)(e - q))
			return fail(s, err, "malformed column definition (protocol error)");
		if (i < 4)
			q += len;
	}
	/* the fixed-length block closes the packet, after any extended type information */
	const unsigned char *fx = e - 13;
	if (n < 13 || fx < q + len || fx[0] != 0x0c)
		return fail(s, err, "malformed column definition (protocol error)");
	f->name = xstrndup((const char *)q, (size_t)len);
	f->charsetnr = fx[1] | (unsigned)fx[2] << 8;
	f->type = fx[7];
	f->flags = fx[8] | (unsigned)fx[9] << 8;
	if (IS_NUM(f->type))
		f->flags |= NUM_FLAG; /* as the library marks them */
	return 0;
}

/* Reads the start of the response: error, OK (no rows), or the column list. */
static int wire_start(struct rowstream *s, char **err)
{
	unsigned char *p;
	size_t n;
	do {
		if (next_packet(s, &p, &n, err) < 0)
			return -1;
	} while (is_progress(p, n));
	if (n && p[0] == 0xff) {
		*err = server_error(p, n);
		s->done = true;
		return -1;
	}
	if (n && p[0] == 0x00) {
		s->done = true;
		return 0;
	}
	const unsigned char *q = p;
	uint64_t nf;
	if (!n || p[0] == 0xfb || !lenenc(&q, p + n, &nf) || nf == 0 || nf > 4096)
		return fail(s, err, "unexpected reply to a query (protocol error)");
	s->nf = (unsigned)nf;
	s->fields = xcalloc(nf, sizeof *s->fields);
	for (unsigned i = 0; i < s->nf; i++)
		if (wire_field(s, &s->fields[i], err) < 0)
			return -1;
	if (!s->deprecate_eof) {
		if (next_packet(s, &p, &n, err) < 0)
			return -1;
		if (n >= 9 || p[0] != 0xfe)
			return fail(s, err, "no end to the column list (protocol error)");
	}
	return 0;
}

static int wire_end(struct rowstream *s, const unsigned char *p, size_t n, char **err)
{
	const unsigned char *q = p + 1, *e = p + n;
	uint64_t skip;
	unsigned status = 0;
	if (!s->deprecate_eof && n >= 5)
		status = q[2] | (unsigned)q[3] << 8;
	else if (s->deprecate_eof && lenenc(&q, e, &skip) && lenenc(&q, e, &skip) && e - q >= 2)
		status = q[0] | (unsigned)q[1] << 8;
	s->done = true;
	if (status & MORE_RESULTS)
		return fail(s, err, "the query returned more than one result");
	return 0;
}

static int wire_next(struct rowstream *s, char ***row, unsigned long **lens, char **err)
{
	unsigned char *p;
	size_t n;
	if (next_packet(s, &p, &n, err) < 0)
		return -1;
	if (n && p[0] == 0xff) {
		s->done = true;
		*err = server_error(p, n);
		return -1;
	}
	if (n && p[0] == 0xfe && !s->multipart && n < (s->deprecate_eof ? MAX_PACKET : 9))
		return wire_end(s, p, n, err) < 0 ? -1 : 0;
	const unsigned char *q = p, *e = p + n;
	unsigned char *open = NULL; /* end of the previous cell, to become its NUL */
	for (unsigned i = 0; i < s->nf; i++) {
		uint64_t len;
		if (q < e && *q == 0xfb) {
			q++;
			s->row[i] = NULL;
			s->lens[i] = 0;
		} else if (lenenc(&q, e, &len) && len <= (uint64_t)(e - q)) {
			s->row[i] = (char *)q;
			s->lens[i] = (unsigned long)len;
			q += len;
		} else {
			return fail(s, err, "malformed row (protocol error)");
		}
		if (open)
			*open = '\0'; /* its byte, the length just read, is no longer needed */
		open = s->row[i] ? (unsigned char *)q : NULL;
	}
	if (q != e)
		return fail(s, err, "malformed row (protocol error)");
	if (open) { /* the byte after the packet: spare room or the next packet's first */
		s->patch = open;
		s->patch_byte = *open;
		*open = '\0';
	}
	*row = s->row;
	*lens = s->lens;
	return 1;
}

static int library_start(struct rowstream *s, const char *sql, char **err)
{
	if (mysql_real_query(s->m, sql, strlen(sql)) != 0) {
		*err = xstrdup(mysql_error(s->m));
		return -1;
	}
	s->res = mysql_use_result(s->m);
	if (!s->res) {
		if (mysql_field_count(s->m) == 0) {
			s->done = true;
			return 0;
		}
		*err = xstrdup(mysql_error(s->m));
		return -1;
	}
	s->nf = mysql_num_fields(s->res);
	MYSQL_FIELD *fl = mysql_fetch_fields(s->res);
	s->fields = xcalloc(s->nf ? s->nf : 1, sizeof *s->fields);
	for (unsigned i = 0; i < s->nf; i++)
		s->fields[i] = (struct rowstream_field){xstrdup(fl[i].name), (int)fl[i].type,
							fl[i].charsetnr, fl[i].flags};
	return 0;
}

struct rowstream *rowstream_query(void *mysql, const char *sql, unsigned read_timeout,
				  enum rowstream_via via, char **err)
{
	struct rowstream *s = xcalloc(1, sizeof *s);
	s->m = mysql;
	s->fd = via == ROWSTREAM_ANY ? wire_socket(s->m, &s->deprecate_eof) : -1;
	s->timeout_ms = read_timeout ? (int)read_timeout * 1000 : -1;
	sbuf_init(&s->big);
	int rc;
	if (s->fd < 0) {
		rc = library_start(s, sql, err);
	} else if (mysql_send_query(s->m, sql, (unsigned long)strlen(sql)) != 0) {
		*err = xstrdup(mysql_error(s->m));
		s->done = true;
		rc = -1;
	} else {
		s->cap = READ_SIZE;
		s->buf = xmalloc(s->cap + 1);
		s->seq = 1;
		rc = wire_start(s, err);
	}
	if (rc < 0) {
		rowstream_close(s);
		return NULL;
	}
	s->row = xcalloc(s->nf ? s->nf : 1, sizeof *s->row);
	s->lens = xcalloc(s->nf ? s->nf : 1, sizeof *s->lens);
	return s;
}

unsigned rowstream_nfields(const struct rowstream *s)
{
	return s->nf;
}

const struct rowstream_field *rowstream_fields(const struct rowstream *s)
{
	return s->fields;
}

bool rowstream_is_wire(const struct rowstream *s)
{
	return s->fd >= 0;
}

int rowstream_next(struct rowstream *s, char ***row, unsigned long **lens, char **err)
{
	if (s->done)
		return 0;
	if (s->fd >= 0)
		return wire_next(s, row, lens, err);
	MYSQL_ROW r = mysql_fetch_row(s->res);
	if (!r) {
		s->done = true;
		if (mysql_errno(s->m)) {
			*err = xstrdup(mysql_error(s->m));
			return -1;
		}
		return 0;
	}
	*row = r;
	*lens = mysql_fetch_lengths(s->res);
	return 1;
}

void rowstream_close(struct rowstream *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		char **row, *err = NULL;
		unsigned long *lens;
		while (!s->done && wire_next(s, &row, &lens, &err) > 0)
			;
		free(err);
		if (s->broken)
			shutdown(s->fd, SHUT_RDWR);
	}
	if (s->res)
		mysql_free_result(s->res);
	for (unsigned i = 0; s->fields && i < s->nf; i++)
		free(s->fields[i].name);
	free(s->fields);
	free(s->row);
	free(s->lens);
	free(s->buf);
	sbuf_free(&s->big);
	free(s);
}
