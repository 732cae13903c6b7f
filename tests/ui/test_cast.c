/* Screen recording: writes through cast_stream the way a TUI would (escape sequences,
 * UTF-8 cut between writes, more than CAST_HOLD bytes, a secret split across two writes)
 * with step markers from cast_sink, then checks the file. Usage: test_cast OUT.cast
 * (t_cast.sh then plays OUT.cast with asciinema). */
#include "config.h"
#include "ui/cast.h"
#include "core/secret.h"
#include "core/util.h"
#include "tests/tap.h"
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define SECRET "hunter2-correct-horse-battery"

static void put(FILE *s, const char *text)
{
	fputs(text, s);
	fflush(s); /* one write() per call, as a TUI frame ends with a flush */
	usleep(2000);
}

static void step(struct cast *c, enum event_type t, const char *id, const char *state)
{
	struct event ev = {.type = t, .seq = 1, .ts = now_wall(), .step = id,
			   .data = state ? json_pack("{s:s}", "state", state) : json_object()};
	cast_sink(c)->on_event(cast_sink(c), &ev);
	json_decref(ev.data);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sbuf b;
	sbuf_init(&b);
	char buf[4096];
	size_t n;
	while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
		sbuf_add(&b, buf, n);
	if (f)
		fclose(f);
	return b.data ? sbuf_steal(&b) : xstrdup("");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_cast OUT.cast\n");
		return 2;
	}
	const char *out = argv[1];
	char *term_path = xasprintf("%s.terminal", out);
	unlink(out);
	FILE *term = fopen(term_path, "w+");
	secret_add(SECRET);

	SECTION("recording through the stream");
	char *err = NULL;
	struct cast *c = cast_open(out, 100, 30, term, &err);
	CHECKF(c != NULL, "cast_open: %s", err ? err : "?");
	if (!c)
		return tap_done();
	CHECK(cast_open(out, 100, 30, term, &err) == NULL); /* never overwrites */
	free(err);
	FILE *s = cast_stream(c);
	put(s, "\x1b[2J\x1b[H\x1b[1mtejun\x1b[0m \xE2\x94\x8C review\r\n");
	step(c, EV_STEP_START, "prep", NULL);
	put(s, "password: hunter2-corr");           /* the secret, first half */
	put(s, "ect-horse-battery ok\r\n");          /* and the rest in the next write */
	put(s, "\xE6\x97");                          /* 日 cut between two writes */
	put(s, "\xA5\xE6\x9C\xAC\r\n");
	for (int i = 0; i < 300; i++) /* well past CAST_HOLD, so the hold really rolls */
		put(s, "row of a dump progress screen ............................\r\n");
	put(s, "again " SECRET " at the end of a long stream\r\n");
	step(c, EV_STEP_END, "prep", "ok");
	put(s, "bye\r\n");
	cast_close(c);
	fclose(term);

	SECTION("the terminal got every byte at once, the file none of the secret");
	char *t = slurp(term_path), *rec = slurp(out);
	CHECK_HAS(t, "password: hunter2-correct-horse-battery ok");
	CHECK_HAS(t, "\xE6\x97\xA5\xE6\x9C\xAC");
	CHECK_LACKS(rec, "hunter2");
	CHECK_LACKS(rec, "battery");
	CHECK_HAS(rec, "\"version\":2");
	CHECK_HAS(rec, "\"width\":100");
	CHECK_HAS(rec, "\"m\",\"step prep start\"");
	CHECK_HAS(rec, "\"m\",\"step prep end ok\"");

	SECTION("events: valid JSON, times in order, output joined back gives the screen, masked");
	struct sbuf all;
	sbuf_init(&all);
	double last = -1;
	bool ordered = true;
	int lines = 0, markers = 0;
	char *save = rec;
	for (char *nl; (nl = strchr(save, '\n')); save = nl + 1) {
		*nl = '\0';
		json_t *j = json_loads(save, 0, NULL);
		CHECKF(j != NULL, "line %d is not JSON: %.80s", lines + 1, save);
		if (j && lines > 0) {
			double at = json_number_value(json_array_get(j, 0));
			const char *kind = json_string_value(json_array_get(j, 1));
			ordered = ordered && at >= last;
			last = at;
			if (kind && strcmp(kind, "o") == 0)
				sbuf_adds(&all, json_string_value(json_array_get(j, 2)));
			else
				markers++;
		}
		json_decref(j);
		lines++;
	}
	CHECK(ordered);
	CHECK_INT(markers, 2);
	CHECK_HAS(all.data, "password: *** ok");
	CHECK_HAS(all.data, "again *** at the end");
	CHECK_HAS(all.data, "\xE6\x97\xA5\xE6\x9C\xAC"); /* the cut character came out whole */
	CHECK_HAS(all.data, "bye");
	sbuf_free(&all);
	free(t);
	free(rec);
	unlink(term_path);

	SECTION("cast_tty: a pty for ncurses-style writers, sized, resized, recorded, scrubbed");
	char *out2 = xasprintf("%s.tty.cast", out);
	unlink(out2);
	term = fopen(term_path, "w+");
	c = cast_open(out2, 80, 24, term, &err);
	int fd = c ? cast_tty(c, 80, 24, &err) : -1;
	CHECKF(fd >= 0, "cast_tty: %s", err ? err : "?");
	if (fd >= 0) {
		CHECK(isatty(fd));
		struct winsize ws;
		CHECK(ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80 && ws.ws_row == 24);
		struct termios tio;
		tcgetattr(fd, &tio);
		cfmakeraw(&tio); /* as ncurses would: bytes pass as written */
		tcsetattr(fd, TCSANOW, &tio);
		CHECK(write(fd, "hello from the pty, pass=hunter2-correct", 40) == 40);
		usleep(20000);
		CHECK(write(fd, "-horse-battery\r\n", 16) == 16);
		cast_resize(c, 90, 20);
		CHECK(ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 90 && ws.ws_row == 20);
		step(c, EV_STEP_START, "pty", NULL);
		CHECK(write(fd, "after resize\r\n", 14) == 14);
		usleep(20000);
		close(fd);
	}
	cast_close(c);
	fclose(term);
	t = slurp(term_path);
	rec = slurp(out2);
	CHECK_HAS(t, "hello from the pty, pass=hunter2-correct-horse-battery");
	CHECK_HAS(rec, "hello from the pty, pass=***");
	CHECK_LACKS(rec, "hunter2");
	CHECK_HAS(rec, "\"r\",\"90x20\"");
	CHECK_HAS(rec, "\"m\",\"step pty start\"");
	CHECK_HAS(rec, "after resize");
	free(t);
	free(rec);
	free(out2);
	unlink(term_path);
	free(term_path);
	secret_clear();
	return tap_done();
}
