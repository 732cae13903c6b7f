/* tejun replay SESSION: the journal fed back into a view through the player. Nothing runs:
 * no engine is created, and views get no controller. */
#include "config.h"
#include "cmd/cmd.h"
#include "core/jindex.h"
#include "core/loop.h"
#include "review/player.h"
#include "core/session.h"
#include "core/util.h"
#include "ui/view.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Resolved at link time, like cmd_run: the TUI may not be built in. tui_view_set_player is
 * the TUI's hook for the player's keys and footer; without it the TUI plays at --speed and
 * keeps its own keys (navigate, search, quit). */
extern const struct view_ops tui_view_ops __attribute__((weak));
bool tui_view_quit_requested(const struct view *v) __attribute__((weak));
void tui_view_set_player(struct view *v, struct player *p) __attribute__((weak));

static int cmd_replay(int argc, char **argv);
const struct cmd_entry cmd_replay_entry = {"replay", "SESSION [--speed X] [--no-tui] [--log-dir DIR]",
					   "replay a recorded session (runs nothing)", cmd_replay};

struct target {
	const struct view_ops *ops;
	struct view *v;
};

static void t_reset(void *arg)
{
	struct target *t = arg;
	t->ops->reset(t->v);
}

static void t_flush(void *arg)
{
	struct target *t = arg;
	t->ops->flush(t->v);
}

/* Said before anything is shown: a reviewer must know whether to trust what follows. */
static void integrity_line(FILE *f, const char *path, const struct journal_scan *s)
{
	switch (s->problem) {
	case JOURNAL_OK:
		fprintf(f, "journal %s: chain intact (%ld events)\n", path, s->lines);
		break;
	case JOURNAL_TORN:
		fprintf(f, "journal %s: chain intact up to line %ld; %s\n", path, s->lines, s->message);
		break;
	default:
		fprintf(f, "WARNING: journal %s was TAMPERED WITH: %s; replaying only the %ld intact lines before it\n",
			path, s->message, s->lines);
		break;
	}
}

static bool tampered(const struct journal_scan *s)
{
	return s->problem != JOURNAL_OK && s->problem != JOURNAL_TORN;
}

static int replay_lines(struct jindex *ix, const char *path, const struct journal_scan *scan)
{
	integrity_line(stdout, path, scan);
	char *err = NULL;
	struct view_config vc = {.replay = true, .out = stdout};
	struct view *v = line_view_ops.open(&vc, &err);
	if (!v) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	struct target tg = {&line_view_ops, v};
	struct player_target pt = {line_view_ops.sink(v), t_reset, t_flush, &tg};
	struct player *p = player_new(ix, &pt);
	player_seek(p, player_count(p));
	player_free(p);
	line_view_ops.close(v);
	return tampered(scan) ? EXIT_FAILED : EXIT_DONE;
}

/* The hash check runs on a worker while the reviewer already watches; a bad line found
 * then cuts the replay there and says so on screen, in the session log. */
struct verify_job {
	struct jindex *ix;
	struct player *p;
	struct target *tg;
	struct journal_scan scan;
	bool done;
};

static void verify_work(void *arg)
{
	struct verify_job *j = arg;
	jindex_verify(j->ix, &j->scan);
}

static void verify_done(void *arg)
{
	struct verify_job *j = arg;
	j->done = true;
	if (!tampered(&j->scan))
		return;
	player_limit(j->p, (size_t)j->scan.lines);
	char *text = xasprintf("replay: this journal was TAMPERED WITH: %s; only the %ld lines before it are shown",
			       j->scan.message, j->scan.lines);
	struct event ev = {.type = EV_LOG, .seq = j->scan.lines + 1, .ts = 0,
			   .data = json_pack("{s:s,s:s}", "text", text, "level", "error")};
	if (j->scan.lines > 0)
		ev.ts = jindex_ts(j->ix, (size_t)j->scan.lines - 1);
	struct event_sink *sink = j->tg->ops->sink(j->tg->v);
	sink->on_event(sink, &ev);
	json_decref(ev.data);
	free(text);
	j->tg->ops->flush(j->tg->v);
}

/* ---- the player's keys while the TUI has no hook for them ----
 * The TUI reads its keys from stdin. Replay puts a pty there instead and reads the real
 * terminal itself: the player's keys (its own table, player_key) are taken, everything
 * else goes on to the TUI unchanged. Escape sequences (arrows) and text typed after '/'
 * (the TUI's search) pass through whole. The terminal's modes stay the TUI's business:
 * ncurses sets them on its output, which is still the real terminal. */
struct keyfilter {
	int tty, master, watch;
	struct player *p;
	struct loop *loop;
	int esc;     /* bytes of an escape sequence seen so far, 0 outside one */
	bool typing; /* after '/': the TUI's search line, until Enter or Esc */
	char shown[160];
};

static void forward(struct keyfilter *k, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(k->master, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
}

/* The player's state in the terminal title (OSC 2): the TUI's footer is its own. */
static void show_status(struct keyfilter *k)
{
	char st[128], osc[160];
	player_status(k->p, st, sizeof st);
	snprintf(osc, sizeof osc, "\033]2;tejun replay %s\007", st);
	if (strcmp(osc, k->shown) == 0)
		return;
	snprintf(k->shown, sizeof k->shown, "%s", osc);
	ssize_t w = write(STDOUT_FILENO, osc, strlen(osc));
	(void)w;
}

static void filter_byte(struct keyfilter *k, unsigned char c)
{
	if (k->esc) { /* ESC [ ... final, ESC O x, or ESC x (alt) */
		k->esc++;
		bool csi_body = k->esc > 2 || c == '[' || c == 'O';
		if (!csi_body || (k->esc > 2 && c >= 0x40 && c <= 0x7e))
			k->esc = 0;
		forward(k, (const char *)&c, 1);
		return;
	}
	if (c == 0x1b) {
		k->esc = 1;
		k->typing = false;
	} else if (k->typing) {
		k->typing = c != '\r' && c != '\n';
	} else if (c == '/') {
		k->typing = true;
	} else if (c < 0x80 && player_key(k->p, c, now_mono())) {
		return;
	}
	forward(k, (const char *)&c, 1);
}

static void tty_readable(void *arg, int fd, short revents)
{
	struct keyfilter *k = arg;
	unsigned char buf[256];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n <= 0 && (revents & (POLLHUP | POLLERR))) {
		loop_unwatch(k->loop, k->watch);
		k->watch = 0;
		close(k->master); /* the TUI sees its terminal go away */
		k->master = -1;
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		filter_byte(k, buf[i]);
	show_status(k);
}

static int keyfilter_open(struct keyfilter *k, char **err)
{
	memset(k, 0, sizeof *k);
	k->tty = k->master = -1;
	int slave = -1;
	k->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *name = k->master >= 0 && grantpt(k->master) == 0 && unlockpt(k->master) == 0 ? ptsname(k->master) : NULL;
	if (name)
		slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios tio;
	if (slave < 0 || tcgetattr(slave, &tio) != 0) {
		*err = xasprintf("cannot make a pty for the replay keys: %s", strerror(errno));
		if (slave >= 0)
			close(slave);
		if (k->master >= 0)
			close(k->master);
		return -1;
	}
	cfmakeraw(&tio); /* bytes reach the TUI as typed: no line editing, no echo */
	tcsetattr(slave, TCSANOW, &tio);
	k->tty = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(slave, STDIN_FILENO);
	close(slave);
	return 0;
}

static void keyfilter_start(struct keyfilter *k, struct loop *loop, struct player *p)
{
	k->loop = loop;
	k->p = p;
	k->watch = loop_watch(loop, k->tty, POLLIN, tty_readable, k);
}

static void keyfilter_close(struct keyfilter *k)
{
	if (k->watch)
		loop_unwatch(k->loop, k->watch);
	if (k->tty >= 0) {
		dup2(k->tty, STDIN_FILENO);
		close(k->tty);
	}
	if (k->master >= 0)
		close(k->master);
	ssize_t w = write(STDOUT_FILENO, "\033]2;\007", 6); /* leave no stale title */
	(void)w;
}

static int replay_tui(struct jindex *ix, const char *path, const struct journal_scan *scan0, double speed)
{
	char *err = NULL;
	struct loop *loop = loop_new();
	struct view_config vc = {.replay = true, .loop = loop, .out = stdout};
	struct keyfilter kf = {.tty = -1, .master = -1};
	bool own_keys = !tui_view_set_player;
	if (own_keys && keyfilter_open(&kf, &err) != 0) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		loop_free(loop);
		return EXIT_USAGE;
	}
	struct view *v = tui_view_ops.open(&vc, &err);
	if (!v) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		if (own_keys)
			keyfilter_close(&kf);
		loop_free(loop);
		return EXIT_USAGE;
	}
	struct target tg = {&tui_view_ops, v};
	struct player_target pt = {tui_view_ops.sink(v), t_reset, t_flush, &tg};
	struct player *p = player_new(ix, &pt);
	if (tui_view_set_player)
		tui_view_set_player(v, p);
	else
		keyfilter_start(&kf, loop, p);
	struct verify_job vj = {.ix = ix, .p = p, .tg = &tg, .scan = *scan0};
	loop_submit(loop, verify_work, verify_done, &vj);
	player_seek(p, 1);
	player_set_speed(p, speed, now_mono());
	player_play(p, now_mono());
	while (!(tui_view_quit_requested && tui_view_quit_requested(v))) {
		double due = player_tick(p, now_mono());
		loop_once(loop, due < 0 || due > 0.25 ? 0.25 : due);
		tui_view_ops.flush(v);
		if (own_keys)
			show_status(&kf);
	}
	while (!vj.done) /* the worker reads ix: it must finish before ix goes */
		loop_once(loop, 0.25);
	tui_view_ops.close(v);
	if (own_keys)
		keyfilter_close(&kf);
	player_free(p);
	loop_free(loop);
	integrity_line(stderr, path, &vj.scan);
	return tampered(&vj.scan) ? EXIT_FAILED : EXIT_DONE;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {{"speed", required_argument, NULL, 's'},
					     {"no-tui", no_argument, NULL, 'n'},
					     {"log-dir", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	const char *log_dir = NULL;
	double speed = 1.0;
	bool no_tui = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 's':
			speed = strtod(optarg, &end);
			if (end == optarg || *end || speed < PLAYER_SPEED_MIN || speed > PLAYER_SPEED_MAX) {
				fprintf(stderr, "tejun replay: --speed takes %g to %g\n", PLAYER_SPEED_MIN, PLAYER_SPEED_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'n': no_tui = true; break;
		case 'l': log_dir = optarg; break;
		default: return cmd_usage(&cmd_replay_entry);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(&cmd_replay_entry);
	char *dir = session_log_dir(log_dir), *err = NULL;
	char *path = session_resolve(dir, argv[optind], &err);
	free(dir);
	if (!path) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	struct journal_scan scan;
	struct jindex *ix = jindex_open(path, no_tui ? 0 : JINDEX_VERIFY_LATER, &scan, &err);
	int rc = EXIT_USAGE;
	if (!ix) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
	} else if (scan.problem == JOURNAL_IOERR) {
		fprintf(stderr, "tejun replay: %s\n", scan.message);
	} else {
		bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
		if (no_tui || !tty || &tui_view_ops == NULL)
			rc = replay_lines(ix, path, &scan);
		else
			rc = replay_tui(ix, path, &scan, speed);
	}
	jindex_free(ix);
	free(path);
	return rc;
}
