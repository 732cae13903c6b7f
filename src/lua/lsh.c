/* sh module: sh.run(cmd, opts) runs a shell command on a worker thread, streams its output
 * into the step log, and journals the command, exit status and duration. */
#include "config.h"
#include "core/lbind.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUTPUT_KEEP (1 << 20) /* bytes of output returned to Lua; the log gets every line */

struct sh_job {
	char *cmd, *cwd;
	double timeout;
	bool check;
	int cancel;
	/* worker → loop: complete lines not yet logged */
	pthread_mutex_t mu;
	struct sbuf pending;
	struct sbuf output;
	int status;     /* exit code, or 128+signal */
	bool timed_out, cancelled;
	char *error;    /* could not start */
	double started, secs;
};

static void drain_log(lua_State *L, struct sh_job *j, bool all)
{
	pthread_mutex_lock(&j->mu);
	char *text = NULL;
	if (j->pending.len) {
		char *last_nl = strrchr(j->pending.data, '\n');
		size_t n = all ? j->pending.len : last_nl ? (size_t)(last_nl - j->pending.data) + 1 : 0;
		if (n) {
			text = xstrndup(j->pending.data, n);
			memmove(j->pending.data, j->pending.data + n, j->pending.len - n + 1);
			j->pending.len -= n;
		}
	}
	pthread_mutex_unlock(&j->mu);
	if (!text)
		return;
	size_t l = strlen(text);
	if (l && text[l - 1] == '\n')
		text[l - 1] = '\0';
	lb_log(L, "%s", text);
	free(text);
}

static void sh_tick(lua_State *L, void *arg)
{
	drain_log(L, arg, false);
}

static void sh_work(void *arg)
{
	struct sh_job *j = arg;
	int pfd[2];
	j->started = now_mono();
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		j->error = xasprintf("pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		j->error = xasprintf("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (j->cwd && chdir(j->cwd) != 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", j->cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	bool open_pipe = true, reaped = false;
	int st = 0;
	while (open_pipe) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		poll(&p, 1, 200);
		char buf[8192];
		ssize_t r;
		while ((r = read(pfd[0], buf, sizeof buf)) > 0) {
			pthread_mutex_lock(&j->mu);
			sbuf_add(&j->pending, buf, (size_t)r);
			if (j->output.len < OUTPUT_KEEP)
				sbuf_add(&j->output, buf, (size_t)r);
			pthread_mutex_unlock(&j->mu);
		}
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			open_pipe = false;
		bool cancel = __atomic_load_n(&j->cancel, __ATOMIC_SEQ_CST);
		bool late = j->timeout > 0 && now_mono() - j->started > j->timeout;
		if ((cancel || late) && !j->timed_out && !j->cancelled) {
			j->timed_out = late && !cancel;
			j->cancelled = cancel;
			kill(-pid, SIGTERM);
			/* a second to stop, but no longer than it takes: a signalled session waits */
			for (int k = 0; k < 20 && !reaped; k++) {
				struct timespec ts = {0, 50000000};
				nanosleep(&ts, NULL);
				reaped = waitpid(pid, &st, WNOHANG) == pid;
			}
			kill(-pid, SIGKILL); /* what is left of the group */
		}
	}
	close(pfd[0]);
	while (!reaped && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	j->secs = now_mono() - j->started;
}

static void sh_free(struct sh_job *j)
{
	free(j->cmd);
	free(j->cwd);
	free(j->error);
	sbuf_free(&j->pending);
	sbuf_free(&j->output);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static int sh_done(lua_State *L, void *arg)
{
	struct sh_job *j = arg;
	if (!L) {
		sh_free(j);
		return 0;
	}
	drain_log(L, j, true);
	char *err = NULL;
	if (j->error)
		err = xstrdup(j->error);
	else if (j->timed_out)
		err = xasprintf("timed out after %g s: killed", j->timeout);
	else if (j->status != 0)
		err = xasprintf("exit status %d", j->status);
	lb_call(L, "sh", "run", NULL, j->cmd, j->secs, err);
	if (err && j->check) {
		lua_pushfstring(L, "command failed (%s): %s", err, j->cmd);
		free(err);
		sh_free(j);
		return lua_error(L);
	}
	lua_createtable(L, 0, 3);
	lua_pushboolean(L, err == NULL);
	lua_setfield(L, -2, "ok");
	lua_pushinteger(L, j->error ? -1 : j->status);
	lua_setfield(L, -2, "code");
	lua_pushlstring(L, j->output.data ? j->output.data : "", j->output.len);
	lua_setfield(L, -2, "output");
	free(err);
	sh_free(j);
	return 1;
}

/* sh.run(cmd [, {timeout=, cwd=, check=true, readonly=false}]) -> {ok, code, output} */
static int sh_run(lua_State *L)
{
	const char *cmd = luaL_checkstring(L, 1);
	static const char *const known[] = {"timeout", "cwd", "check", "readonly", NULL};
	if (lua_istable(L, 2))
		lb_check_options(L, 2, "sh.run", known);
	struct sh_job *j = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	j->cmd = xstrdup(cmd);
	j->check = true;
	bool readonly = false;
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "timeout");
		j->timeout = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
		lua_getfield(L, 2, "cwd");
		j->cwd = lua_isstring(L, -1) ? xstrdup(lua_tostring(L, -1)) : NULL;
		lua_getfield(L, 2, "check");
		j->check = lua_isnil(L, -1) || lua_toboolean(L, -1);
		lua_getfield(L, 2, "readonly");
		readonly = lua_toboolean(L, -1);
		lua_pop(L, 4);
	} else if (!lua_isnoneornil(L, 2)) {
		sh_free(j);
		return luaL_argerror(L, 2, "expected a table of options");
	}
	if (lb_dry_run(L) && !readonly) {
		lb_would_call(L, "sh", "run", NULL, j->cmd);
		sh_free(j);
		lua_createtable(L, 0, 3);
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "ok");
		lua_pushinteger(L, 0);
		lua_setfield(L, -2, "code");
		lua_pushliteral(L, "");
		lua_setfield(L, -2, "output");
		return 1;
	}
	return lb_await_cancelable(L, sh_work, sh_tick, 0.2, sh_done, j, &j->cancel);
}

static const luaL_Reg sh_funcs[] = {{"run", sh_run}, {NULL, NULL}};

int luaopen_tejun_sh(lua_State *L)
{
	luaL_newlib(L, sh_funcs);
	return 1;
}
