/* Bridge between Lua modules and the engine: await on worker threads, events, dry-run. */
#include "config.h"
#include "core/lbind.h"
#include "core/loop.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HOST_KEY[] = "tejun.host";

struct lb_await {
	struct lb_host *host;
	lua_State *co;
	lb_work_fn work;
	lb_tick_fn tick;
	lb_done_fn done;
	void *job;
	double tick_secs;
	int timer;
	bool orphan;
	int *cancel;
};

void lb_set_host(lua_State *L, struct lb_host *host)
{
	lua_pushlightuserdata(L, host);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_KEY);
}

struct lb_host *lb_get_host(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_KEY);
	struct lb_host *h = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return h;
}

static void await_tick(void *arg)
{
	struct lb_await *a = arg;
	a->timer = 0;
	if (a->orphan)
		return;
	a->tick(a->co, a->job);
	a->timer = loop_timer(a->host->loop, a->tick_secs, await_tick, a);
}

/* Runs inside the coroutine once it is resumed, so done may raise Lua errors. */
static int await_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	struct lb_await *a = (struct lb_await *)ctx;
	lb_done_fn done = a->done;
	void *job = a->job;
	free(a);
	return done(L, job);
}

static void await_work(void *arg)
{
	struct lb_await *a = arg;
	a->work(a->job);
}

static void await_done(void *arg)
{
	struct lb_await *a = arg;
	if (a->timer)
		loop_cancel(a->host->loop, a->timer);
	a->timer = 0;
	if (a->orphan) {
		a->done(NULL, a->job);
		free(a);
		return;
	}
	struct lb_host *h = a->host;
	if (h->pending == a)
		h->pending = NULL;
	h->resume(h->engine, a->co, 0);
}

int lb_await(lua_State *L, lb_work_fn work, lb_tick_fn tick, double tick_secs, lb_done_fn done, void *job)
{
	return lb_await_cancelable(L, work, tick, tick_secs, done, job, NULL);
}

int lb_await_cancelable(lua_State *L, lb_work_fn work, lb_tick_fn tick, double tick_secs, lb_done_fn done,
			void *job, int *cancel)
{
	struct lb_host *h = lb_get_host(L);
	if (!h || !h->loop || h->step_co != L || !lua_isyieldable(L) || h->pending) {
		work(job);
		return done(L, job);
	}
	struct lb_await *a = xcalloc(1, sizeof *a);
	*a = (struct lb_await){.host = h, .co = L, .work = work, .tick = tick, .done = done,
			       .job = job, .tick_secs = tick_secs > 0 ? tick_secs : 0.5, .cancel = cancel};
	h->pending = a;
	loop_submit(h->loop, await_work, await_done, a);
	if (tick)
		a->timer = loop_timer(h->loop, a->tick_secs, await_tick, a);
	return lua_yieldk(L, 0, (lua_KContext)a, await_k);
}

void lb_orphan(struct lb_host *host)
{
	if (host->pending) {
		host->pending->orphan = true;
		if (host->pending->cancel)
			__atomic_store_n(host->pending->cancel, 1, __ATOMIC_SEQ_CST);
		if (host->pending->timer)
			loop_cancel(host->loop, host->pending->timer);
		host->pending->timer = 0;
		host->pending = NULL;
	}
}

void lb_emit(lua_State *L, enum event_type type, json_t *data)
{
	struct lb_host *h = lb_get_host(L);
	if (!h || !h->bus) {
		json_decref(data);
		return;
	}
	bus_emit(h->bus, type, h->step_id, data);
}

void lb_log(lua_State *L, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct lb_host *h = lb_get_host(L);
	if (h && h->bus) {
		bus_emit(h->bus, EV_LOG, h->step_id, json_pack("{s:s,s:s}", "text", msg, "level", "info"));
	} else {
		char *r = secret_redact(msg);
		fprintf(stderr, "%s\n", r);
		free(r);
	}
	free(msg);
}

void lb_call(lua_State *L, const char *module, const char *op, const char *target,
	     const char *detail, double secs, const char *error)
{
	lb_call_data(L, module, op, target, detail, secs, error, NULL);
}

void lb_call_data(lua_State *L, const char *module, const char *op, const char *target,
		  const char *detail, double secs, const char *error, json_t *data)
{
	json_t *d = json_pack("{s:s,s:s,s:f,s:b}", "module", module, "op", op, "secs", secs,
			      "ok", error == NULL);
	if (target)
		json_object_set_new(d, "target", json_string(target));
	if (detail)
		json_object_set_new(d, "detail", json_string(detail));
	if (error)
		json_object_set_new(d, "error", json_string(error));
	if (data)
		json_object_set_new(d, "data", data);
	lb_emit(L, EV_CALL, d);
}

void lb_would_call(lua_State *L, const char *module, const char *op, const char *target, const char *detail)
{
	json_t *d = json_pack("{s:s,s:s,s:f,s:b,s:b}", "module", module, "op", op, "secs", 0.0, "ok", 1,
			      "dry_run", 1);
	if (target)
		json_object_set_new(d, "target", json_string(target));
	if (detail)
		json_object_set_new(d, "detail", json_string(detail));
	lb_emit(L, EV_CALL, d);
}

/* At most ~4 progress events a second per label reach the journal; the last one always does. */
static bool progress_due(const char *label, double done, double total)
{
	static struct {
		char label[64];
		double at;
	} slots[16];
	static unsigned next;
	const char *key = label ? label : "";
	double t = now_mono();
	for (unsigned i = 0; i < 16; i++)
		if (strncmp(slots[i].label, key, sizeof slots[i].label - 1) == 0 && slots[i].at > 0) {
			if (done < total && t - slots[i].at < 0.25)
				return false;
			slots[i].at = t;
			return true;
		}
	unsigned i = next++ % 16;
	snprintf(slots[i].label, sizeof slots[i].label, "%s", key);
	slots[i].at = t;
	return true;
}

void lb_progress_eta(lua_State *L, double done, double total, const char *unit, const char *label, double eta)
{
	if (!progress_due(label, done, total))
		return;
	json_t *d = json_pack("{s:f,s:f}", "done", done, "total", total);
	if (unit)
		json_object_set_new(d, "unit", json_string(unit));
	if (label)
		json_object_set_new(d, "label", json_string(label));
	if (eta >= 0 && done < total)
		json_object_set_new(d, "eta", json_real(eta));
	lb_emit(L, EV_PROGRESS, d);
}

void lb_progress(lua_State *L, double done, double total, const char *unit, const char *label)
{
	lb_progress_eta(L, done, total, unit, label, -1);
}

void lb_progress_wait(lua_State *L, double waited, double limit, const char *label, bool finished)
{
	/* a finished wait counts as done, so the throttle lets it through like a bar's last event */
	if (!progress_due(label, finished ? limit : waited, limit))
		return;
	json_t *d = json_pack("{s:f,s:f,s:s,s:b}", "done", waited, "total", limit, "unit", "s", "limit", 1);
	if (label)
		json_object_set_new(d, "label", json_string(label));
	if (finished)
		json_object_set_new(d, "finished", json_true());
	lb_emit(L, EV_PROGRESS, d);
}

void lb_gauge(lua_State *L, const char *name, double value, const char *unit, double max)
{
	json_t *d = json_pack("{s:s,s:f}", "name", name, "value", value);
	if (unit)
		json_object_set_new(d, "unit", json_string(unit));
	if (max > 0)
		json_object_set_new(d, "max", json_real(max));
	lb_emit(L, EV_GAUGE, d);
}

bool lb_dry_run(lua_State *L)
{
	struct lb_host *h = lb_get_host(L);
	return h && h->dry_run;
}

struct loop *lb_loop(lua_State *L)
{
	struct lb_host *h = lb_get_host(L);
	return h ? h->loop : NULL;
}

void lb_open_modules(lua_State *L, const struct lb_module *modules)
{
	for (const struct lb_module *m = modules; m && m->name; m++) {
		luaL_requiref(L, m->name, m->open, 1);
		lua_pop(L, 1);
	}
}

void lb_check_options(lua_State *L, int idx, const char *fn, const char *const *known)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: options are named (found a %s key)", fn, luaL_typename(L, -1));
		const char *k = lua_tostring(L, -1);
		bool exact;
		const char *near = closest_name(k, known, &exact);
		if (!exact) {
			if (near)
				luaL_error(L, "%s: unknown option '%s' (did you mean '%s'?)", fn, k, near);
			luaL_error(L, "%s: unknown option '%s'", fn, k);
		}
	}
}
