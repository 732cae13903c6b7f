/* asciicast v2 recorder: a tee stream to the terminal whose copy is scrubbed of secrets,
 * held back just long enough to see a secret that arrives in two writes. */
#include "config.h" /* _GNU_SOURCE: fopencookie */
#include "ui/cast.h"
#include "core/secret.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* One arrival: bytes up to end (offset in pending) written at t, or a marker at that point. */
struct seg {
	size_t end;
	double t;
	char *marker;
};

struct cast {
	struct event_sink sink;
	FILE *term, *rec, *stream;
	pthread_mutex_t lock; /* the pty thread records while the loop thread adds markers */
	int master, wake[2];
	pthread_t thread;
	bool threaded;
	double t0, last_t;
	struct sbuf pend;
	struct seg *segs;
	size_t nseg, capseg;
};

static double elapsed(struct cast *c)
{
	return now_mono() - c->t0;
}

/* asciicast is JSON: invalid UTF-8 (a byte cut from a sequence at the very end) becomes U+FFFD. */
static char *valid_utf8(const char *s, size_t n)
{
	struct sbuf b;
	sbuf_init(&b);
	size_t i = 0;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		size_t len = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : (ch & 0xF8) == 0xF0 ? 4 : 0;
		bool ok = len > 0 && i + len <= n && !(len == 2 && ch < 0xC2);
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
		if (ok && len == 3)
			ok = !(ch == 0xE0 && (unsigned char)s[i + 1] < 0xA0) && !(ch == 0xED && (unsigned char)s[i + 1] >= 0xA0);
		if (ok && len == 4)
			ok = ch <= 0xF4 && !(ch == 0xF0 && (unsigned char)s[i + 1] < 0x90) &&
			     !(ch == 0xF4 && (unsigned char)s[i + 1] >= 0x90);
		if (ok) {
			sbuf_add(&b, s + i, len);
			i += len;
		} else {
			sbuf_adds(&b, "\xEF\xBF\xBD");
			i++;
		}
	}
	if (!b.data)
		sbuf_adds(&b, "");
	return sbuf_steal(&b);
}

static void put_event(struct cast *c, double t, const char *kind, const char *text, size_t n)
{
	if (t < c->last_t)
		t = c->last_t; /* merged output keeps the file's times in order */
	c->last_t = t;
	char *u = valid_utf8(text, n);
	json_t *e = json_pack("[f,s,s]", t, kind, u);
	char *line = e ? json_dumps(e, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	if (line) {
		fputs(line, c->rec);
		fputc('\n', c->rec);
	}
	free(line);
	json_decref(e);
	free(u);
}

static char *redacted(const char *s, size_t n)
{
	char *raw = xstrndup(s, n);
	char *r = secret_redact(raw);
	free(raw);
	return r;
}

/* Can the recording be cut at offset e of pending (group starting at from)? Not inside a
 * UTF-8 sequence, and not through a secret: masking each side alone must give the same
 * text as masking the whole, or a secret straddles the cut. */
static bool clean_cut(struct cast *c, size_t from, size_t e)
{
	const char *p = c->pend.data;
	size_t len = c->pend.len;
	if (e < len && ((unsigned char)p[e] & 0xC0) == 0x80)
		return false;
	if (e == from || e == len)
		return true;
	char *whole = redacted(p + from, len - from), *a = redacted(p + from, e - from), *b = redacted(p + e, len - e);
	size_t al = strlen(a);
	bool same = strlen(whole) == al + strlen(b) && memcmp(whole, a, al) == 0 && strcmp(whole + al, b) == 0;
	free(whole);
	free(a);
	free(b);
	return same;
}

/* Writes out what is safe: everything when all, else all but the last CAST_HOLD bytes. */
static void drain(struct cast *c, bool all)
{
	size_t len = c->pend.len, limit = all ? len : len > CAST_HOLD ? len - CAST_HOLD : 0;
	size_t from = 0, i = 0, done = 0; /* segs[done..i) form the group being built */
	for (; i < c->nseg; i++) {
		struct seg *s = &c->segs[i];
		if (s->end > limit)
			break;
		if (!s->marker && !(all && s->end == len) && !clean_cut(c, from, s->end))
			continue;
		if (s->marker && s->end > from && !clean_cut(c, from, s->end))
			continue;
		if (s->end > from) {
			char *text = redacted(c->pend.data + from, s->end - from);
			put_event(c, s->t, "o", text, strlen(text));
			free(text);
			from = s->end;
		}
		for (size_t k = done; k <= i; k++) {
			const char *m = c->segs[k].marker;
			if (m) { /* "m..." a marker, "r..." a resize */
				put_event(c, c->segs[k].t, m[0] == 'r' ? "r" : "m", m + 1, strlen(m + 1));
				free(c->segs[k].marker);
			}
		}
		done = i + 1;
	}
	if (done == 0 || !c->pend.data)
		return;
	memmove(c->pend.data, c->pend.data + from, len - from);
	c->pend.len = len - from;
	c->pend.data[c->pend.len] = '\0';
	memmove(c->segs, c->segs + done, (c->nseg - done) * sizeof *c->segs);
	c->nseg -= done;
	for (size_t k = 0; k < c->nseg; k++)
		c->segs[k].end -= from;
	fflush(c->rec);
}

static void add_seg(struct cast *c, char *marker)
{
	if (c->nseg == c->capseg) {
		c->capseg = c->capseg ? c->capseg * 2 : 32;
		c->segs = xrealloc(c->segs, c->capseg * sizeof *c->segs);
	}
	c->segs[c->nseg++] = (struct seg){c->pend.len, elapsed(c), marker};
}

void cast_record(struct cast *c, const char *data, size_t n)
{
	pthread_mutex_lock(&c->lock);
	/* NUL never comes from a terminal writer, and would cut the scrubber's strings short */
	for (size_t i = 0; i < n; i++)
		if (data[i])
			sbuf_add(&c->pend, data + i, 1);
	add_seg(c, NULL);
	drain(c, false);
	pthread_mutex_unlock(&c->lock);
}

static ssize_t cookie_write(void *arg, const char *buf, size_t n)
{
	struct cast *c = arg;
	if (c->term) {
		fwrite(buf, 1, n, c->term);
		fflush(c->term);
	}
	cast_record(c, buf, n);
	return (ssize_t)n;
}

static int cookie_close(void *arg)
{
	(void)arg;
	return 0;
}

static void cast_on_event(struct event_sink *sink, const struct event *ev)
{
	struct cast *c = (struct cast *)sink;
	if (ev->type != EV_STEP_START && ev->type != EV_STEP_END)
		return;
	/* the screen for this event may still sit in the stream's buffer: it comes first */
	fflush(c->stream);
	const char *state = json_string_value(json_object_get(ev->data, "state"));
	char *m = ev->type == EV_STEP_START ? xasprintf("mstep %s start", ev->step ? ev->step : "-")
					    : xasprintf("mstep %s end %s", ev->step ? ev->step : "-", state ? state : "");
	char *safe = secret_redact(m);
	free(m);
	pthread_mutex_lock(&c->lock);
	add_seg(c, safe);
	drain(c, false);
	pthread_mutex_unlock(&c->lock);
}

struct cast *cast_open(const char *path, int cols, int rows, FILE *terminal, char **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *rec = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!rec) {
		*err = xasprintf("cannot create recording %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct cast *c = xcalloc(1, sizeof *c);
	c->sink.on_event = cast_on_event;
	c->term = terminal;
	c->rec = rec;
	c->t0 = now_mono();
	c->master = c->wake[0] = c->wake[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	sbuf_init(&c->pend);
	const char *term = getenv("TERM");
	json_t *h = json_pack("{s:i,s:i,s:i,s:I,s:{s:s}}", "version", 2, "width", cols > 0 ? cols : 80, "height",
			      rows > 0 ? rows : 24, "timestamp", (json_int_t)now_wall(), "env", "TERM",
			      term && *term ? term : "xterm-256color");
	char *line = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(rec, "%s\n", line);
	free(line);
	json_decref(h);
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	c->stream = fopencookie(c, "w", io);
	if (!c->stream) {
		*err = xasprintf("cannot make the recording stream: %s", strerror(errno));
		fclose(rec);
		unlink(path);
		sbuf_free(&c->pend);
		free(c);
		return NULL;
	}
	setvbuf(c->stream, NULL, _IOFBF, 1 << 16);
	return c;
}

FILE *cast_stream(struct cast *c)
{
	return c->stream;
}

struct event_sink *cast_sink(struct cast *c)
{
	return &c->sink;
}

/* ---- the pty: for writers that need a descriptor (ncurses) ---- */

/* Copies the master to the terminal and the recording until cast_close wakes it, then
 * takes what is still buffered. */
static void *pty_thread(void *arg)
{
	struct cast *c = arg;
	char buf[8192];
	for (;;) {
		struct pollfd pf[2] = {{c->master, POLLIN, 0}, {c->wake[0], POLLIN, 0}};
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		bool stop = pf[1].revents != 0;
		ssize_t r;
		while ((r = read(c->master, buf, sizeof buf)) > 0) {
			if (c->term) {
				fwrite(buf, 1, (size_t)r, c->term);
				fflush(c->term);
			}
			cast_record(c, buf, (size_t)r);
		}
		/* EIO: every slave descriptor is closed; EAGAIN: drained */
		if (stop || (r < 0 && errno != EAGAIN && errno != EINTR) || r == 0)
			break;
	}
	return NULL;
}

int cast_tty(struct cast *c, int cols, int rows, char **err)
{
	int slave = -1;
	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *name = c->master >= 0 && grantpt(c->master) == 0 && unlockpt(c->master) == 0 ? ptsname(c->master) : NULL;
	if (name)
		slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 || pipe2(c->wake, O_CLOEXEC) != 0) {
		*err = xasprintf("cannot make a pty for the recording: %s", strerror(errno));
		if (slave >= 0)
			close(slave);
		if (c->master >= 0)
			close(c->master);
		c->master = -1;
		return -1;
	}
	fcntl(c->master, F_SETFL, fcntl(c->master, F_GETFL) | O_NONBLOCK);
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	ioctl(slave, TIOCSWINSZ, &ws);
	if (pthread_create(&c->thread, NULL, pty_thread, c) != 0) {
		*err = xstrdup("cannot start the recording thread");
		close(slave);
		return -1;
	}
	c->threaded = true;
	return slave;
}

void cast_resize(struct cast *c, int cols, int rows)
{
	if (c->master >= 0) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		ioctl(c->master, TIOCSWINSZ, &ws);
	}
	char size[32];
	snprintf(size, sizeof size, "%dx%d", cols, rows);
	pthread_mutex_lock(&c->lock);
	add_seg(c, NULL);
	c->segs[c->nseg - 1].marker = xasprintf("r%s", size); /* 'r' + size: a resize event */
	drain(c, false);
	pthread_mutex_unlock(&c->lock);
}

void cast_close(struct cast *c)
{
	if (!c)
		return;
	if (c->threaded) {
		ssize_t w = write(c->wake[1], "x", 1);
		(void)w;
		pthread_join(c->thread, NULL);
	}
	if (c->master >= 0)
		close(c->master);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	fclose(c->stream);
	drain(c, true);
	for (size_t k = 0; k < c->nseg; k++)
		free(c->segs[k].marker);
	free(c->segs);
	sbuf_free(&c->pend);
	fclose(c->rec);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
