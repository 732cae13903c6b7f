/* The TUI view (ncursesw): curses lifecycle, loop wiring (keys, SIGWINCH, timers), terminal
 * restoration on every exit path, and the view ops. Drawing and keys live in tui_draw.c and
 * tui_input.c; what is shown comes only from events, folded into tui_model.c. */
#include "config.h"
#include "ui/tui_int.h"
#include "core/loop.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#define FRAME_SECS 0.05 /* at most ~20 frames a second, however fast events come */
#define MSG_SECS 4.0
#define KEYS_PER_WAKE 512
#define IDLE_WAKES_MAX 64 /* readable but no key, again and again: the tty is gone */

struct view {
	struct tui t;
};

/* ---- restoring the terminal from anywhere ---- */

/* What a signal handler needs, prepared while things are calm: write(2) and tcsetattr(3)
 * are async-signal-safe, endwin() is not. */
static volatile sig_atomic_t active;
static struct termios saved_tio;
static bool have_tio;
static char restore_seq[256];
static size_t restore_len;
static int winch_wfd = -1;
static int winch_pty_fd = -1; /* the pty ncurses draws on when the screen is recorded */

void tui_emergency_restore(void)
{
	if (!active)
		return;
	active = 0;
	if (restore_len) {
		ssize_t r = write(STDOUT_FILENO, restore_seq, restore_len);
		(void)r;
	}
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void add_cap(const char *name)
{
	char *s = tigetstr(name);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (restore_len + n < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

static void fatal_hook(void)
{
	/* die() runs outside signal context: endwin can do the whole job */
	if (active) {
		active = 0;
		endwin();
	}
}

static const int fatal_signals[] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof fatal_signals / sizeof *fatal_signals)
static struct sigaction old_fatal[NFATAL], old_winch;

static void on_fatal_signal(int sig)
{
	tui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ncurses keeps its own SIGWINCH handler (it resizes and then returns KEY_RESIZE from
 * get_wch); ours only wakes the poll loop so that get_wch gets called at all. */
static void on_winch(int sig)
{
	int saved = errno;
	/* ncurses reads the new size from the terminal it draws on: pass it on first
	 * (ioctl is async-signal-safe) */
	struct winsize ws;
	if (winch_pty_fd >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(winch_pty_fd, TIOCSWINSZ, &ws);
	char c = (char)sig;
	ssize_t r = write(winch_wfd, &c, 1);
	(void)r; /* a full pipe already means "resize pending" */
	if (!(old_winch.sa_flags & SA_SIGINFO) && old_winch.sa_handler != SIG_DFL &&
	    old_winch.sa_handler != SIG_IGN && old_winch.sa_handler != on_winch)
		old_winch.sa_handler(sig);
	errno = saved;
}

/* Only signals nobody handles yet: a caller's handler (graceful interrupt) stays in charge
 * and closes the view itself. */
static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal_signal;
	for (size_t i = 0; i < NFATAL; i++) {
		sigaction(fatal_signals[i], NULL, &old_fatal[i]);
		if (old_fatal[i].sa_handler == SIG_DFL)
			sigaction(fatal_signals[i], &sa, NULL);
	}
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &old_winch);
}

static void restore_signals(void)
{
	struct sigaction cur;
	for (size_t i = 0; i < NFATAL; i++) {
		sigaction(fatal_signals[i], NULL, &cur);
		if (cur.sa_handler == on_fatal_signal)
			sigaction(fatal_signals[i], &old_fatal[i], NULL);
	}
	sigaction(SIGWINCH, &old_winch, NULL);
}

/* ---- drawing cadence ---- */

double tui_now(const struct tui *t)
{
	return t->cfg.replay ? t->model->t_last : now_wall();
}

static void draw_now(struct tui *t)
{
	if (t->draw_timer) {
		loop_cancel(t->cfg.loop, t->draw_timer);
		t->draw_timer = 0;
	}
	t->dirty = false;
	if (t->dead_tty || !active)
		return;
	t->last_draw = now_mono();
	tui_draw(t);
}

static void on_draw_timer(void *arg)
{
	struct tui *t = arg;
	t->draw_timer = 0;
	if (t->dirty)
		draw_now(t);
}

void tui_redraw_soon(struct tui *t)
{
	t->dirty = true;
	if (t->draw_timer || !t->cfg.loop)
		return;
	double wait = FRAME_SECS - (now_mono() - t->last_draw);
	t->draw_timer = loop_timer(t->cfg.loop, wait < 0 ? 0 : wait, on_draw_timer, t);
}

void tui_message(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_err = err;
	t->msg_until = now_mono() + MSG_SECS;
	tui_redraw_soon(t);
}

void tui_resize(struct tui *t)
{
	getmaxyx(stdscr, t->rows, t->cols);
	clearok(curscr, TRUE);
	draw_now(t);
}

/* The clock, running durations, ETAs and message expiry change without events. */
static void on_tick(void *arg)
{
	struct tui *t = arg;
	t->tick_timer = loop_timer(t->cfg.loop, 1.0, on_tick, t);
	if (t->msg[0] && now_mono() >= t->msg_until) {
		t->msg[0] = 0;
		tui_redraw_soon(t);
	}
	if (t->model->has_session && !t->model->ended && !t->cfg.replay)
		tui_redraw_soon(t);
}

/* ---- input ---- */

/* Every key waiting (or KEY_RESIZE); returns how many. */
static int read_keys(struct tui *t)
{
	int n = 0, rc;
	wint_t wc;
	while (n < KEYS_PER_WAKE && (rc = get_wch(&wc)) != ERR) {
		tui_input_key(t, rc == KEY_CODE_YES, wc);
		n++;
	}
	return n;
}

static void on_tty(void *arg, int fd, short revents)
{
	struct tui *t = arg;
	int n = read_keys(t);
	t->idle_wakes = n ? 0 : t->idle_wakes + 1;
	if ((revents & (POLLHUP | POLLERR | POLLNVAL)) || t->idle_wakes > IDLE_WAKES_MAX) {
		/* the terminal went away (ssh dropped): stop polling it; SIGHUP does the rest */
		loop_unwatch(t->cfg.loop, t->tty_watch);
		t->tty_watch = 0;
		t->dead_tty = true;
	}
	(void)fd;
}

static void on_winch_pipe(void *arg, int fd, short revents)
{
	struct tui *t = arg;
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
	struct winsize real;
	if (t->cfg.resized && ioctl(STDIN_FILENO, TIOCGWINSZ, &real) == 0)
		t->cfg.resized(t->cfg.resized_arg, real.ws_col, real.ws_row);
	if (old_winch.sa_handler == SIG_DFL || old_winch.sa_handler == SIG_IGN) {
		/* no ncurses handler (built without it): resize by hand */
		struct winsize ws;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
			resizeterm(ws.ws_row, ws.ws_col);
		tui_resize(t);
	} else if (!t->dead_tty) {
		read_keys(t);
	}
	(void)revents;
}

/* ---- events ---- */

static void on_event(struct event_sink *sink, const struct event *ev)
{
	struct tui *t = (struct tui *)sink;
	struct tui_model *m = t->model;
	int si = tui_model_apply(m, ev);
	switch (ev->type) {
	case EV_SESSION:
		t->sel = m->nsteps ? 0 : -1;
		t->follow = true;
		t->tail = true;
		t->list_top = 0;
		break;
	case EV_RESUME: {
		const char *who = json_string_value(json_object_get(ev->data, "operator"));
		tui_message(t, false, "session resumed%s%s: finished steps stay finished", who ? " by " : "", who ? who : "");
		break;
	}
	case EV_PROMPT:
		/* a question needs the operator's eyes on its step (live; replay leaves them be) */
		if (!t->cfg.replay)
			t->follow = true;
		/* fall through */
	case EV_STEP_START:
		if (t->follow && si >= 0) {
			if (t->sel != si)
				t->tail = true;
			t->sel = si;
		}
		break;
	default:
		break;
	}
	tui_redraw_soon(t);
}

/* Titles are UTF-8 (often Japanese); a C locale over ssh would draw them as '?'. */
static void ensure_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0))
		return;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
}

/* ---- view ops ---- */

static struct view *tui_open(const struct view_config *cfg, char **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*err = xstrdup("the full-screen console needs a terminal on stdin and stdout (use --no-tui)");
		return NULL;
	}
	if (active) {
		*err = xstrdup("the full-screen console is already open");
		return NULL;
	}
	ensure_utf8();
	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	struct view *v = xcalloc(1, sizeof *v);
	struct tui *t = &v->t;
	t->cfg = *cfg;
	FILE *out = cfg->tty_out ? cfg->tty_out : stdout;
	t->screen = newterm(NULL, out, stdin);
	if (!t->screen) {
		const char *term = getenv("TERM");
		*err = xasprintf("cannot drive terminal type '%s' (try TERM=xterm-256color, or --no-tui)",
				 term ? term : "(unset)");
		free(v);
		return NULL;
	}
	set_term(t->screen);
	active = 1;
	util_fatal_hook = fatal_hook;
	restore_len = 0;
	add_cap("sgr0");
	add_cap("cnorm");
	add_cap("rmkx");
	add_cap("rmcup");
	/* raw, not cbreak: ^C becomes a key that asks before aborting, and ^S cannot freeze
	 * the screen of a tired operator */
	raw();
	if (cfg->tty_out && have_tio) {
		/* ncurses sets its modes on the terminal it draws on; the keyboard is ours */
		struct termios rawtio = saved_tio;
		cfmakeraw(&rawtio);
		tcsetattr(STDIN_FILENO, TCSANOW, &rawtio);
		winch_pty_fd = fileno(cfg->tty_out);
	}
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	set_escdelay(100); /* arrows over a slow ssh link must not read as Esc (decline) */
	const char *nc = getenv("NO_COLOR");
	t->color = !(nc && *nc) && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
	}
	tui_paint_init(t);
	getmaxyx(stdscr, t->rows, t->cols);

	t->sink.on_event = on_event;
	t->model = tui_model_new();
	t->sel = -1;
	t->follow = t->tail = true;
	t->prompt_id = -1;
	t->match_line = -1;
	t->winch_pipe[0] = t->winch_pipe[1] = -1;
	if (pipe2(t->winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
		winch_wfd = t->winch_pipe[1];
	install_signals();
	if (cfg->loop) {
		t->tty_watch = loop_watch(cfg->loop, STDIN_FILENO, POLLIN, on_tty, t);
		if (t->winch_pipe[0] >= 0)
			t->winch_watch = loop_watch(cfg->loop, t->winch_pipe[0], POLLIN, on_winch_pipe, t);
		t->tick_timer = loop_timer(cfg->loop, 1.0, on_tick, t);
	}
	draw_now(t);
	return v;
}

static struct event_sink *tui_sink(struct view *v)
{
	return &v->t.sink;
}

static void tui_reset(struct view *v)
{
	struct tui *t = &v->t;
	tui_model_reset(t->model);
	tui_input_reset(t);
	t->sel = -1;
	t->follow = t->tail = true;
	t->list_top = 0;
	t->msg[0] = 0;
	tui_redraw_soon(t);
}

static void tui_flush(struct view *v)
{
	struct tui *t = &v->t;
	if (!t->dirty)
		return;
	if (now_mono() - t->last_draw >= FRAME_SECS || !t->cfg.loop)
		draw_now(t);
	else
		tui_redraw_soon(t);
}

static void tui_close(struct view *v)
{
	if (!v)
		return;
	struct tui *t = &v->t;
	if (t->cfg.loop) {
		if (t->draw_timer)
			loop_cancel(t->cfg.loop, t->draw_timer);
		if (t->tick_timer)
			loop_cancel(t->cfg.loop, t->tick_timer);
		if (t->tty_watch)
			loop_unwatch(t->cfg.loop, t->tty_watch);
		if (t->winch_watch)
			loop_unwatch(t->cfg.loop, t->winch_watch);
	}
	restore_signals();
	if (active) {
		active = 0;
		endwin();
	}
	if (t->cfg.tty_out && have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	winch_pty_fd = -1;
	delscreen(t->screen);
	if (util_fatal_hook == fatal_hook)
		util_fatal_hook = NULL;
	winch_wfd = -1;
	for (int i = 0; i < 2; i++)
		if (t->winch_pipe[i] >= 0)
			close(t->winch_pipe[i]);
	tui_model_free(t->model);
	free(v);
}

static bool tui_quit_requested(const struct view *v)
{
	return v->t.quit;
}

static void tui_add_keys(struct view *v, const struct view_keys *k)
{
	v->t.keys = *k;
	tui_redraw_soon(&v->t);
}

static void tui_set_status(struct view *v, const char *status)
{
	if (strcmp(v->t.status, status) == 0)
		return;
	snprintf(v->t.status, sizeof v->t.status, "%s", status);
	tui_redraw_soon(&v->t);
}

const struct view_ops tui_view_ops = {
	.name = "tui",
	.open = tui_open,
	.sink = tui_sink,
	.reset = tui_reset,
	.flush = tui_flush,
	.close = tui_close,
	.add_keys = tui_add_keys,
	.set_status = tui_set_status,
	.quit_requested = tui_quit_requested,
};
