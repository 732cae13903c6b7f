/* tejun run RUNBOOK: wire runbook, engine, journal and a view onto one loop, and drive it. */
#include "config.h"
#include "ui/cast.h"
#include "cmd/cmd.h"
#include "lua/lmodules.h"
#include "core/engine.h"
#include "core/journal.h"
#include "core/loop.h"
#include "core/resume.h"
#include "core/runbook.h"
#include "core/secret.h"
#include "core/session.h"
#include "core/slock.h"
#include "mysql/dbconn.h"
#include "mysql/dblock.h"
#include "core/util.h"
#include "ui/view.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <unistd.h>

#define POLLIN_EVENT POLLIN

static int cmd_run(int argc, char **argv);
const struct cmd_entry cmd_run_entry = {
	"run",
	"RUNBOOK [--param K=V]... [--no-tui] [--answers FILE] [--operator NAME] [--log-dir DIR] "
	"[--resume SESSION [--force]] [--dry-run]",
	"run a runbook in the console", cmd_run};

struct run_opts {
	const char *runbook, *answers, *operator_name, *log_dir, *resume;
	char **params;
	size_t nparams;
	bool no_tui, dry_run, force;
};

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t r = write(sig_pipe[1], &c, 1);
	(void)r;
	errno = saved;
}

static void on_fatal(int sig)
{
	tui_emergency_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

struct run_ctx {
	struct engine *engine;
	struct loop *loop;
	struct bus *bus;
	struct dblock *server_lock;
	bool lock_lost_said;
};

/* The cut-over's server lock is checked by its own thread; its loss is said once, loudly. */
static void check_server_lock(void *arg)
{
	struct run_ctx *rc = arg;
	char why[512];
	if (!rc->lock_lost_said && dblock_lost(rc->server_lock, why, sizeof why)) {
		rc->lock_lost_said = true;
		char *text = xasprintf("the server lock of this cut-over is lost: %s; another bastion may run it now", why);
		bus_emit(rc->bus, EV_LOG, NULL, json_pack("{s:s,s:s}", "text", text, "level", "error"));
		free(text);
	}
	if (!rc->lock_lost_said)
		loop_timer(rc->loop, 5.0, check_server_lock, rc);
}

static void signal_readable(void *arg, int fd, short revents)
{
	(void)revents;
	struct run_ctx *rc = arg;
	unsigned char c;
	while (read(fd, &c, 1) == 1) {
		const char *why = c == SIGINT ? "interrupted by SIGINT" : c == SIGHUP ? "interrupted: terminal hung up (SIGHUP)"
										 : "interrupted by SIGTERM";
		engine_interrupt(rc->engine, why);
	}
}

static void install_signals(void)
{
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		die("pipe: %s", strerror(errno));
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct sigaction fa = {0};
	fa.sa_handler = on_fatal;
	sigemptyset(&fa.sa_mask);
	sigaction(SIGSEGV, &fa, NULL);
	sigaction(SIGABRT, &fa, NULL);
	sigaction(SIGBUS, &fa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{"param", required_argument, NULL, 'p'},   {"no-tui", no_argument, NULL, 'n'},
		{"answers", required_argument, NULL, 'a'}, {"operator", required_argument, NULL, 'o'},
		{"log-dir", required_argument, NULL, 'l'}, {"resume", required_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'd'},       {"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->params = xrealloc(o->params, (o->nparams + 1) * sizeof *o->params);
			o->params[o->nparams++] = optarg;
			break;
		case 'n': o->no_tui = true; break;
		case 'a': o->answers = optarg; break;
		case 'o': o->operator_name = optarg; break;
		case 'l': o->log_dir = optarg; break;
		case 'r': o->resume = optarg; break;
		case 'd': o->dry_run = true; break;
		case 'f': o->force = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	o->runbook = argv[optind];
	return 0;
}

static char *default_operator(void)
{
	const char *who = getenv("TEJUN_OPERATOR");
	if (who && *who)
		return xstrdup(who);
	who = getenv("SUDO_USER");
	if (!who || !*who) {
		struct passwd *pw = getpwuid(getuid());
		who = pw ? pw->pw_name : getenv("USER");
	}
	return xstrdup(who && *who ? who : "unknown");
}


/* Resume: the header's params (non-secret) come back unless given again. */
static void add_header_params(struct run_opts *o, json_t *header, char ***out, size_t *n)
{
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(header, "params"), k, v) {
		const char *s = json_string_value(v);
		if (!s || strcmp(s, SECRET_MASK) == 0)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = xasprintf("%s=%s", k, s);
	}
	for (size_t i = 0; i < o->nparams; i++) {
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = xstrdup(o->params[i]);
	}
}

/* Feed the journal's past into a freshly opened TUI so the operator sees the whole session. */
static int feed_view(void *arg, const struct journal_event *je)
{
	struct event_sink *sink = arg;
	sink->on_event(sink, &je->ev);
	return 0;
}

static void note_resize(void *arg, int cols, int rows)
{
	cast_resize(arg, cols, rows);
}

/* The TUI draws on a pty whose output goes to the terminal and to SESSION.cast
 * (SESSION.2.cast … for resumed runs). Without a recording the session still runs. */
static struct cast *start_recording(const char *journal_path, struct winsize ws, struct bus *bus, FILE **out,
				    char **path_out)
{
	size_t n = strlen(journal_path) - strlen(".jsonl");
	char *err = NULL, *path = NULL;
	struct cast *rec = NULL;
	for (int k = 1; k < 100 && !rec; k++) {
		free(path);
		path = k == 1 ? xasprintf("%.*s.cast", (int)n, journal_path)
			      : xasprintf("%.*s.%d.cast", (int)n, journal_path, k);
		if (access(path, F_OK) == 0)
			continue;
		rec = cast_open(path, ws.ws_col, ws.ws_row, stdout, &err);
	}
	int fd = rec ? cast_tty(rec, ws.ws_col, ws.ws_row, &err) : -1;
	if (fd < 0 || !(*out = fdopen(fd, "w"))) {
		fprintf(stderr, "tejun: not recording the screen: %s\n", err ? err : "no file name left");
		if (fd >= 0)
			close(fd);
		cast_close(rec);
		free(err);
		free(path);
		return NULL;
	}
	bus_add(bus, cast_sink(rec));
	*path_out = path;
	return rec;
}

static int run_session(struct run_opts *o, struct runbook *rb, struct resume_info *ri, const char *journal_path,
		       const char *const *warnings, struct dblock *server_lock)
{
	char *err = NULL;
	char *operator_name = o->operator_name ? xstrdup(o->operator_name) : default_operator();
	char host[256] = "unknown";
	gethostname(host, sizeof host - 1);
	struct winsize ws = {0};
	bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (tty)
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	char *sid = session_id_of(journal_path);

	struct journal *j = ri ? journal_reopen(journal_path, ri->scan.good_len, ri->scan.last_seq, ri->scan.last_hash, &err)
			       : journal_create(journal_path, &err);
	if (!j) {
		fprintf(stderr, "tejun run: %s\n", err);
		free(err);
		free(operator_name);
		free(sid);
		return EXIT_USAGE;
	}
	struct loop *loop = loop_new();
	struct bus bus;
	bus_init(&bus);
	bus.seq = ri ? ri->scan.last_seq : 0;
	bus_add(&bus, journal_sink(j));

	struct engine_options eo = {.operator_name = operator_name, .host = host, .session_id = sid,
				    .dry_run = o->dry_run, .term_cols = ws.ws_col, .term_rows = ws.ws_row,
				    .warnings = warnings};
	bool use_tui = tty && !o->no_tui && !o->answers;
	eo.autorun = !use_tui;
	struct engine *e = engine_new(rb, &bus, loop, &eo);
	struct view_config vc = {.ctl = engine_controller(e), .loop = loop, .answers_path = o->answers,
				 .operator_name = operator_name, .out = stdout};
	FILE *rec_out = NULL;
	char *rec_path = NULL;
	struct cast *rec = use_tui ? start_recording(journal_path, ws, &bus, &rec_out, &rec_path) : NULL;
	if (rec) {
		vc.tty_out = rec_out;
		vc.resized = note_resize;
		vc.resized_arg = rec;
	}
	const struct view_ops *vops = use_tui ? &tui_view_ops : &line_view_ops;
	struct view *v = vops->open(&vc, &err);
	if (!v) {
		fprintf(stderr, "tejun run: %s\n", err);
		free(err);
		if (rec_out)
			fclose(rec_out);
		cast_close(rec);
		free(rec_path);
		engine_free(e);
		loop_free(loop);
		journal_close(j);
		free(operator_name);
		free(sid);
		return EXIT_USAGE;
	}
	if (ri && use_tui) {
		struct journal_scan again;
		journal_scan(journal_path, feed_view, vops->sink(v), &again);
	} else if (ri) {
		fprintf(stdout, "resuming session %s (%ld events so far)\n", sid, ri->scan.last_seq);
	}
	bus_add(&bus, vops->sink(v));
	install_signals();
	struct run_ctx rc = {e, loop, &bus, server_lock, false};
	loop_watch(loop, sig_pipe[0], POLLIN_EVENT, signal_readable, &rc);
	if (server_lock)
		loop_timer(loop, 5.0, check_server_lock, &rc);

	engine_start(e, ri ? &ri->st : NULL);
	vops->flush(v);
	while (!engine_quit_requested(e)) {
		loop_once(loop, 1.0);
		vops->flush(v);
	}
	/* an interrupted step's work (a shell command's process group, a dump) was told to stop:
	 * let it, so nothing outlives the session; bounded, a signalled session must go */
	for (double until = now_mono() + 5; loop_busy(loop) && now_mono() < until;)
		loop_once(loop, 0.1);
	int code = engine_exit_code(e);
	vops->close(v);
	if (rec_out)
		fclose(rec_out);
	cast_close(rec);
	engine_free(e);
	journal_close(j);
	loop_free(loop);
	if (code == EXIT_DONE)
		fprintf(stderr, "journal: %s\n", journal_path);
	else
		fprintf(stderr, "journal: %s (resume with: tejun run %s --resume %s)\n", journal_path, o->runbook, sid);
	if (rec_path)
		fprintf(stderr, "screen recording: %s (asciinema play it; tejun replay %s shows the session)\n",
			rec_path, sid);
	free(rec_path);
	free(operator_name);
	free(sid);
	return code;
}

/* A fresh session after an unfinished one of the same runbook starts from whatever that one
 * left changed (a batch it stopped, a trigger it disabled): say so, and how to carry it on. */
static char **earlier_sessions(const char *dir, const struct run_opts *o, const struct runbook *rb)
{
	char **lines;
	size_t n = session_unfinished(dir, rb->id, 4, &lines);
	if (n == 0)
		return lines;
	/* the newest in full; older ones (rehearsals given up, most likely) on one line */
	char *id = xstrndup(lines[0], strcspn(lines[0], " "));
	char *w = xasprintf("earlier session %s: what it changed stays changed and this session starts from "
			    "there; to carry that one on instead: tejun run %s --resume %s",
			    lines[0], o->runbook, id);
	free(id);
	free(lines[0]);
	lines[0] = w;
	if (n > 1) {
		struct sbuf b;
		sbuf_init(&b);
		sbuf_adds(&b, "older sessions of this runbook did not finish either: ");
		for (size_t i = 1; i < n; i++) {
			sbuf_addf(&b, "%s%s", i > 1 ? "; " : "", lines[i]);
			free(lines[i]);
			lines[i] = NULL;
		}
		lines[1] = sbuf_steal(&b);
	}
	return lines;
}

/* One operator at a time: an unfinished session of this runbook whose process still holds
 * its lock is running now (another SSH session, another operator): refuse, naming it. */
static bool running_elsewhere(const char *dir, const struct run_opts *o, const struct runbook *rb)
{
	char **lines;
	size_t n = session_unfinished(dir, rb->id, 16, &lines);
	bool busy = false;
	for (size_t i = 0; i < n; i++) {
		char *id = xstrndup(lines[i], strcspn(lines[i], " "));
		char *path = xasprintf("%s/%s.jsonl", dir, id);
		struct slock_holder h;
		if (!busy && slock_holder(path, &h) == 1) {
			char who[512];
			slock_describe(&h, who, sizeof who);
			fprintf(stderr, "tejun run: runbook %s is running now: %s\n"
					"  one operator at a time: watch it with tejun watch %s, or take the controls with "
					"tejun attach %s\n", rb->id, who, id, id);
			busy = true;
		}
		free(path);
		free(id);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	(void)o;
	return busy;
}

/* runbook{lock = "PARAM"}: one cut-over at a time across bastions, on the server that param
 * names (GET_LOCK "tejun:RUNBOOK-ID", held for the session's life). NULL: said why. */
static struct dblock *take_server_lock(const struct runbook *rb)
{
	const char *dsn = NULL;
	for (size_t i = 0; i < rb->nparams; i++)
		if (strcmp(rb->params[i].name, rb->lock_param) == 0)
			dsn = rb->params[i].value;
	struct dbopts o;
	char *err = NULL;
	if (!dsn || dbopts_parse_dsn(dsn, &o, &err) < 0) {
		fprintf(stderr, "tejun run: lock = \"%s\": %s\n", rb->lock_param, err ? err : "the param has no value");
		free(err);
		return NULL;
	}
	char *name = xasprintf("tejun:%s", rb->id);
	struct dblock *l = dblock_take(&o, name, &err);
	dbopts_free(&o);
	if (!l) {
		fprintf(stderr, "tejun run: runbook %s: %s\n", rb->id, err);
		free(err);
	}
	free(name);
	return l;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	if (parse(argc, argv, &o) != 0) {
		free(o.params);
		return cmd_usage(&cmd_run_entry);
	}
	int rc = EXIT_USAGE;
	char *err = NULL, *dir = session_log_dir(o.log_dir), *journal_path = NULL;
	struct resume_info ri;
	bool resuming = o.resume != NULL;
	char **params = NULL;
	size_t nparams = 0;
	struct runbook *rb = runbook_load(o.runbook, lmodules_all);
	if (rb->nerrors) {
		for (size_t i = 0; i < rb->nerrors; i++)
			fprintf(stderr, "%s\n", rb->errors[i]);
		goto out;
	}
	if (resuming) {
		journal_path = session_resolve(dir, o.resume, &err);
		if (!journal_path || resume_load(journal_path, &ri, &err) != 0) {
			fprintf(stderr, "tejun run: %s\n", err);
			if (journal_path)
				resume_free(&ri);
			goto out;
		}
		const char *old_sha = json_string_value(json_object_get(json_object_get(ri.header, "runbook"), "sha256"));
		if (ri.end_status && strcmp(ri.end_status, "done") == 0) {
			fprintf(stderr, "tejun run: session %s already finished: nothing to resume\n", o.resume);
			resume_free(&ri);
			goto out;
		}
		if (!old_sha || strcmp(old_sha, rb->sha256) != 0) {
			if (!o.force) {
				fprintf(stderr, "tejun run: %s changed since session %s started (sha256 %.12s… now %.12s…); "
						"review the change, then resume with --force\n",
					o.runbook, o.resume, old_sha ? old_sha : "?", rb->sha256);
				resume_free(&ri);
				goto out;
			}
			ri.st.force = true;
		}
		add_header_params(&o, ri.header, &params, &nparams);
	} else {
		for (size_t i = 0; i < o.nparams; i++) {
			params = xrealloc(params, (nparams + 1) * sizeof *params);
			params[nparams++] = xstrdup(o.params[i]);
		}
	}
	if (runbook_resolve_params(rb, params, nparams) != 0) {
		for (size_t i = 0; i < rb->nerrors; i++)
			fprintf(stderr, "%s\n", rb->errors[i]);
		if (resuming)
			resume_free(&ri);
		goto out;
	}
	if (!resuming) {
		if (session_mkdir(dir, &err) != 0) {
			fprintf(stderr, "tejun run: %s\n", err);
			goto out;
		}
		char *sid = session_new_id(rb->id);
		journal_path = xasprintf("%s/%s.jsonl", dir, sid);
		free(sid);
	}
	if (!resuming && running_elsewhere(dir, &o, rb)) {
		rc = EXIT_USAGE;
		goto out;
	}
	char *who = o.operator_name ? xstrdup(o.operator_name) : default_operator(), host[256] = "unknown";
	gethostname(host, sizeof host - 1);
	struct slock *lock = slock_take(journal_path, who, host, &err);
	free(who);
	if (!lock) {
		char *sid = session_id_of(journal_path);
		fprintf(stderr, "tejun run: session %s: %s\n  watch it: tejun watch %s\n  take the controls: tejun attach %s\n",
			sid, err, sid, sid);
		free(sid);
		if (resuming)
			resume_free(&ri);
		rc = EXIT_USAGE;
		goto out;
	}
	struct dblock *server_lock = NULL;
	if (rb->lock_param && !(server_lock = take_server_lock(rb))) {
		slock_release(lock);
		if (resuming)
			resume_free(&ri);
		rc = EXIT_USAGE;
		goto out;
	}
	char **warnings = resuming ? NULL : earlier_sessions(dir, &o, rb);
	rc = run_session(&o, rb, resuming ? &ri : NULL, journal_path, (const char *const *)warnings, server_lock);
	dblock_release(server_lock);
	slock_release(lock);
	for (size_t i = 0; warnings && warnings[i]; i++)
		free(warnings[i]);
	free(warnings);
	if (resuming)
		resume_free(&ri);
out:
	for (size_t i = 0; i < nparams; i++)
		free(params[i]);
	free(params);
	free(err);
	free(dir);
	free(journal_path);
	free(o.params);
	runbook_free(rb);
	return rc;
}
