/* The aws and slack Lua modules under a host that records events like the journal:
 * dry-run sends nothing but journals "would call"; real calls are journaled with op,
 * target and result; no secret (secret key, session token, webhook URL) in any event.
 * argv[1]: Lua file to run; argv[2]: "dry" or "live". Prints the events as JSON lines. */
#include "config.h"
#include "lua/lmodules.h"
#include "core/event.h"
#include "core/lbind.h"
#include "core/secret.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nsecret;

static void on_event(struct event_sink *self, const struct event *ev)
{
	json_t *o = json_pack("{s:s,s:O}", "type", event_type_name(ev->type), "data", ev->data ? ev->data : json_null());
	char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	const char *checks[] = {getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"), getenv("WEBHOOK"), NULL};
	for (int i = 0; checks[i]; i++)
		if (*checks[i] && strstr(line, checks[i])) {
			fprintf(stderr, "SECRET LEAKED in event: %s\n", line);
			nsecret++;
		}
	printf("%s\n", line);
	free(line);
	json_decref(o);
}

static void no_resume(void *engine, lua_State *co, int nres)
{
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct bus bus;
	bus_init(&bus);
	struct event_sink sink = {.on_event = on_event};
	bus_add(&bus, &sink);
	secret_add(getenv("AWS_SECRET_ACCESS_KEY"));
	struct lb_host host = {.bus = &bus, .step_id = "test", .dry_run = strcmp(argv[2], "dry") == 0,
			       .resume = no_resume};
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	lb_set_host(L, &host);
	lb_open_modules(L, lmodules_all);
	int rc = luaL_dofile(L, argv[1]);
	if (rc != LUA_OK)
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
	lua_close(L);
	return rc != LUA_OK || nsecret ? 1 : 0;
}
