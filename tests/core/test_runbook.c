/* Runbook DSL unit tests: runbook_load on temporary files. Every mistake a scripter can make
 * comes back as "FILE:LINE: message" naming the right line; params resolve (override, env,
 * default) and their errors name the param; the Lua sandbox has no way out. */
#include "config.h"
#include "lua/lmodules.h"
#include "core/runbook.h"
#include "core/secret.h"
#include "core/util.h"
#include "tests/tap.h"
#include <lauxlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmpdir[] = "/tmp/tejun-test-runbook-XXXXXX";

static char *write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", p, strerror(errno));
		exit(99);
	}
	fputs(text, f);
	fclose(f);
	return p;
}

/* Writes the runbook source to NAME in the temp dir and loads it. */
static struct runbook *load(const char *name, const char *src)
{
	char *p = write_file(name, src);
	struct runbook *rb = runbook_load(p, lmodules_all);
	free(p);
	return rb;
}

static void dump_errors(const struct runbook *rb)
{
	for (size_t i = 0; i < rb->nerrors; i++)
		fprintf(stderr, "    error %zu: %s\n", i + 1, rb->errors[i]);
}

/* Is there an error "TMPDIR/NAME:LINE: ...needle..."? */
static bool has_error_at(const struct runbook *rb, const char *name, int line, const char *needle)
{
	char *prefix = xasprintf("%s/%s:%d: ", tmpdir, name, line);
	bool found = false;
	for (size_t i = 0; i < rb->nerrors && !found; i++)
		found = strncmp(rb->errors[i], prefix, strlen(prefix)) == 0 && strstr(rb->errors[i], needle);
	free(prefix);
	return found;
}

#define CHECK_ERROR_AT(rb, name, line, needle)                                                  \
	do {                                                                                    \
		bool ok_ = has_error_at(rb, name, line, needle);                                \
		CHECKF(ok_, "expected an error %s:%d: ...%s... among %zu:", name, line, needle, \
		       (rb)->nerrors);                                                          \
		if (!ok_)                                                                       \
			dump_errors(rb);                                                        \
	} while (0)

#define CHECK_NO_ERRORS(rb)                                                                     \
	do {                                                                                    \
		CHECKF((rb)->nerrors == 0, "expected no errors, got %zu:", (rb)->nerrors);      \
		if ((rb)->nerrors)                                                              \
			dump_errors(rb);                                                        \
	} while (0)

static bool any_error_has(const struct runbook *rb, const char *needle)
{
	for (size_t i = 0; i < rb->nerrors; i++)
		if (strstr(rb->errors[i], needle))
			return true;
	return false;
}

/* Loads src as name and expects an error at line naming needle. */
static void expect_load_error(const char *name, const char *src, int line, const char *needle)
{
	struct runbook *rb = load(name, src);
	CHECK_ERROR_AT(rb, name, line, needle);
	runbook_free(rb);
}

static void test_good_model(void)
{
	SECTION("a valid runbook loads into the model plan and the engine use");
	struct runbook *rb = load("good.lua",
				  "runbook { id = \"day2\", title = \"RDS → Aurora\", description = \"d\",\n"
				  "  params = { src = { doc = \"source DSN\", default = \"db1\" },\n"
				  "             env = { choices = { \"staging\", \"prod\" }, default = \"staging\" } } }\n"
				  "phase \"Maintenance\"\n"
				  "step \"alb\" { title = \"ALBをメンテにする\", confirm = \"Put the ALB into maintenance?\",\n"
				  "  run = function(ctx) end, undo = function(ctx) end }\n"
				  "phase \"Cut-over\"\n"
				  "step \"promote\" { title = \"promote\", critical = true,\n"
				  "  confirm = { text = \"Promote?\", challenge = \"prod-aurora\" },\n"
				  "  check = function(ctx) return true end, run = function(ctx) end,\n"
				  "  verify = function(ctx) return true end, timeout = 3600, retries = 2 }\n"
				  "step \"plain\" { run = function(ctx) end, confirm = true }\n");
	CHECK_NO_ERRORS(rb);
	CHECK_STR(rb->id, "day2");
	CHECK_STR(rb->title, "RDS → Aurora");
	CHECK_INT(rb->nphases, 2);
	CHECK_INT(rb->nparams, 2);
	CHECK_INT(rb->nsteps, 3);
	CHECK(rb->sha256 && strlen(rb->sha256) == 64);
	if (rb->nsteps == 3 && rb->nphases == 2) {
		struct step_def *a = &rb->steps[0], *p = &rb->steps[1], *c = &rb->steps[2];
		CHECK_STR(rb->phases[0], "Maintenance");
		CHECK_STR(a->id, "alb");
		CHECK_STR(a->title, "ALBをメンテにする");
		CHECK_STR(a->phase, "Maintenance");
		CHECK_STR(a->confirm_text, "Put the ALB into maintenance?");
		CHECK(a->challenge == NULL);
		CHECK(!a->critical);
		CHECK(a->undo_ref != LUA_NOREF);
		CHECK(a->check_ref == LUA_NOREF);
		CHECK_INT(a->line, 5);
		CHECK_STR(p->phase, "Cut-over");
		CHECK(p->critical);
		CHECK_STR(p->confirm_text, "Promote?");
		CHECK_STR(p->challenge, "prod-aurora");
		CHECK(p->timeout == 3600);
		CHECK_INT(p->retries, 2);
		CHECK(p->check_ref != LUA_NOREF && p->verify_ref != LUA_NOREF && p->run_ref != LUA_NOREF);
		CHECK_INT(p->line, 8);
		CHECK_STR(c->title, "plain"); /* the id stands in for a missing title */
		CHECK(c->confirm_text != NULL); /* confirm = true asks a generic question */
		CHECK(runbook_step(rb, "promote") == p);
		CHECK(runbook_step(rb, "nope") == NULL);
	}
	runbook_free(rb);
}

static void test_syntax_error(void)
{
	SECTION("a syntax error is FILE:LINE: with the Lua message");
	struct runbook *rb = load("syntax.lua", "runbook { id = \"s\", title = \"s\" }\n"
						"step \"x\" { run = function(ctx)\n"
						"  if then end\n"
						"end }\n");
	CHECK_INT(rb->nerrors, 1);
	CHECK_ERROR_AT(rb, "syntax.lua", 3, "near 'then'");
	runbook_free(rb);

	SECTION("a runtime error at load time is FILE:LINE:");
	expect_load_error("boom.lua", "runbook { id = \"s\", title = \"s\" }\n\nerror(\"boom at load\")\n", 3,
			  "boom at load");

	SECTION("an error raised with no position at load time still gets its line");
	expect_load_error("err0.lua", "runbook { id = 'e' }\nerror('bad config: x', 0)\n", 2, "bad config: x");
	expect_load_error("errtab.lua", "runbook { id = 'e' }\n\nerror({code = 1})\n", 3, "error raised with a table");

	SECTION("a loop outside any step stops the load after 5 s, at its line");
	expect_load_error("loop.lua", "runbook { id = 'l' }\nwhile true do end\nstep 'a' { run = function() end }\n", 2,
			  "loading took over 5 s");

	SECTION("a file that cannot be read is an error naming it");
	char *missing = xasprintf("%s/missing.lua", tmpdir);
	rb = runbook_load(missing, lmodules_all);
	CHECK_INT(rb->nerrors, 1);
	if (rb->nerrors) {
		CHECK_HAS(rb->errors[0], missing);
		CHECK_HAS(rb->errors[0], "No such file or directory");
	}
	runbook_free(rb);
	rb = runbook_load(tmpdir, lmodules_all);
	CHECK(rb->nerrors == 1 && strstr(rb->errors[0], "it is a directory"));
	runbook_free(rb);
	free(missing);
}

static void test_step_errors(void)
{
	SECTION("duplicate step id names both lines");
	struct runbook *rb = load("dup.lua", "runbook { id = \"d\", title = \"d\" }\n"
					     "step \"a\" { run = function() end }\n"
					     "step \"b\" { run = function() end }\n"
					     "step \"a\" { run = function() end }\n");
	CHECK_ERROR_AT(rb, "dup.lua", 4, "duplicate step id 'a'");
	CHECK_ERROR_AT(rb, "dup.lua", 4, "line 2");
	CHECK_INT(rb->nsteps, 2);
	runbook_free(rb);

	SECTION("unknown fields are named, with the near name suggested");
	rb = load("unknown.lua", "runbook { id = \"u\", titel = \"u\",\n"
				 "  params = { p = { defualt = \"x\" } } }\n"
				 "step \"a\" { tittle = \"A\", run = function() end }\n"
				 "step \"b\" { frobnicate = 1, run = function() end }\n"
				 "step \"c\" { run = function() end, retires = 3 }\n");
	CHECK_ERROR_AT(rb, "unknown.lua", 3, "unknown field 'tittle' (did you mean 'title'?)");
	CHECK_ERROR_AT(rb, "unknown.lua", 5, "unknown field 'retires' (did you mean 'retries'?)");
	CHECK_ERROR_AT(rb, "unknown.lua", 4, "unknown field 'frobnicate'");
	CHECK(!any_error_has(rb, "'frobnicate' (did you mean"));
	CHECK(any_error_has(rb, "unknown field 'titel' (did you mean 'title'?)"));
	CHECK(any_error_has(rb, "unknown field 'defualt' (did you mean 'default'?)"));
	runbook_free(rb);

	SECTION("a step without run, or with run not a function");
	rb = load("norun.lua", "runbook { id = \"n\", title = \"n\" }\n"
			       "step \"a\" { title = \"nothing to do\" }\n"
			       "step \"b\" { run = \"echo hi\" }\n");
	CHECK_ERROR_AT(rb, "norun.lua", 2, "step 'a': missing 'run'");
	CHECK_ERROR_AT(rb, "norun.lua", 3, "'run' must be a function");
	runbook_free(rb);

	SECTION("bad timeout, retries, critical and confirm values");
	rb = load("types.lua", "runbook { id = \"t\", title = \"t\" }\n"
			       "step \"t1\" { run = function() end, timeout = \"soon\" }\n"
			       "step \"t2\" { run = function() end, timeout = -5 }\n"
			       "step \"r1\" { run = function() end, retries = 1.5 }\n"
			       "step \"r2\" { run = function() end, retries = -1 }\n"
			       "step \"k1\" { run = function() end, critical = \"yes\", confirm = \"sure?\" }\n"
			       "step \"c1\" { run = function() end, confirm = {} }\n"
			       "step \"c2\" { run = function() end, confirm = { text = \"x\", challenge = \"\" } }\n"
			       "step \"c3\" { run = function() end, confirm = { text = \"x\", chalenge = \"w\" } }\n"
			       "step \"t3\" { run = function() end, timeout = \"30\" }\n"
			       "step \"t4\" { run = function() end, timeout = math.huge }\n");
	CHECK_ERROR_AT(rb, "types.lua", 10, "'timeout' must be a number of seconds");
	CHECK_ERROR_AT(rb, "types.lua", 11, "'timeout' must be a number of seconds");
	CHECK_ERROR_AT(rb, "types.lua", 2, "'timeout' must be a number of seconds");
	CHECK_ERROR_AT(rb, "types.lua", 3, "'timeout' must be a number of seconds");
	CHECK_ERROR_AT(rb, "types.lua", 4, "'retries' must be a whole number");
	CHECK_ERROR_AT(rb, "types.lua", 5, "'retries' must be a whole number");
	CHECK_ERROR_AT(rb, "types.lua", 6, "'critical' must be true or false");
	CHECK_ERROR_AT(rb, "types.lua", 7, "confirm needs a 'text'");
	CHECK_ERROR_AT(rb, "types.lua", 8, "challenge must not be empty");
	CHECK_ERROR_AT(rb, "types.lua", 9, "unknown field 'chalenge' (did you mean 'challenge'?)");
	runbook_free(rb);

	SECTION("confirm that is neither text, true nor a table is rejected");
	/* Regression: any truthy value (42, a function) used to be taken as `confirm = true`. */
	expect_load_error("confirm.lua", "runbook { id = \"c\", title = \"c\" }\n"
					 "step \"n\" { run = function() end, confirm = 42 }\n",
			  2, "'confirm' must be text");

	SECTION("a critical step without a confirm");
	expect_load_error("critical.lua", "runbook { id = \"c\", title = \"c\" }\n"
					  "step \"ok\" { run = function() end }\n"
					  "step \"promote\" { critical = true, run = function() end }\n",
			  3, "a critical step must have a confirm");

	SECTION("a step id that is not a plain word");
	expect_load_error("badid.lua", "runbook { id = \"b\", title = \"b\" }\n"
				       "step \"two words\" { run = function() end }\n",
			  2, "step: id must be");

	SECTION("two ids that are not plain words: two errors, no made-up duplicate");
	rb = load("badids.lua", "runbook { id = \"b\", title = \"b\" }\n"
				"step \"a b\" { run = function() end }\n"
				"step \"c/d\" { run = function() end }\n"
				"step \"ok\" { run = function() end }\n");
	CHECK_ERROR_AT(rb, "badids.lua", 3, "step: id must be");
	CHECKF(rb->nerrors == 2 && !any_error_has(rb, "duplicate"), "%zu errors", rb->nerrors);
	runbook_free(rb);

	SECTION("unknown fields come sorted, the same every time");
	rb = load("ord.lua", "runbook { id = 'o' }\nstep 'a' { zeta = 1, alpha = 2, mid = 3, run = function() end }\n");
	CHECKF(rb->nerrors == 3 && strstr(rb->errors[0], "'alpha'") && strstr(rb->errors[1], "'mid'") &&
		       strstr(rb->errors[2], "'zeta'"), "%zu errors, first %s", rb->nerrors,
	       rb->nerrors ? rb->errors[0] : "-");
	runbook_free(rb);

	SECTION("a field of the wrong type is one error, not also 'missing'");
	rb = load("casc.lua", "runbook { id = 3 }\nstep \"a\" { run = 5 }\n");
	CHECK_ERROR_AT(rb, "casc.lua", 1, "'id' must be a string");
	CHECK_ERROR_AT(rb, "casc.lua", 2, "'run' must be a function");
	CHECKF(rb->nerrors == 2, "%zu errors", rb->nerrors);
	runbook_free(rb);

	SECTION("a step without its { body } is an error at its line, not dropped");
	expect_load_error("bare.lua", "runbook { id = \"b\", title = \"b\" }\nstep \"a\"\nstep \"b\" { run = function() end }\n",
			  2, "step 'a': missing its body");

	SECTION("the runbook id names the journal file: a path or nothing is refused");
	expect_load_error("rbid.lua", "runbook { id = \"../../tmp/evil\" }\nstep \"a\" { run = function() end }\n",
			  1, "runbook: 'id' must be letters");
	expect_load_error("rbid2.lua", "runbook { id = \"\" }\nstep \"a\" { run = function() end }\n",
			  1, "runbook: 'id' must be letters");

	SECTION("no runbook{} declaration, no steps");
	rb = load("empty.lua", "phase \"x\"\n");
	CHECK(any_error_has(rb, "no runbook { id"));
	CHECK(any_error_has(rb, "has no steps"));
	runbook_free(rb);
}

static void test_param_decl_errors(void)
{
	SECTION("bad param declarations");
	struct runbook *rb = load("params.lua",
				  "runbook { id = \"p\", title = \"p\", params = {\n"
				  "  env = { choices = { \"staging\", \"prod\" }, default = \"dev\" },\n"
				  "  pw = { secret = true, default = \"hunter2\" },\n"
				  "  e = { choices = {} },\n"
				  "  s = { secret = \"yes\" } } }\n"
				  "step \"a\" { run = function() end }\n");
	CHECK(any_error_has(rb, "param 'env': default 'dev' is not one of its choices"));
	CHECK(any_error_has(rb, "param 'pw': a secret must not have a default"));
	CHECK(any_error_has(rb, "param 'e': choices is empty"));
	CHECK(any_error_has(rb, "param 's': 'secret' must be true or false"));
	char *prefix = xasprintf("%s/params.lua:", tmpdir);
	for (size_t i = 0; i < rb->nerrors; i++)
		CHECKF(strncmp(rb->errors[i], prefix, strlen(prefix)) == 0, "not FILE:LINE: %s", rb->errors[i]);
	free(prefix);
	runbook_free(rb);
}

static void test_many_errors(void)
{
	SECTION("every mistake in a file is reported in one load, each at its line");
	struct runbook *rb = load("many.lua", "runbook { id = \"m\", title = \"m\" }\n"
					      "step \"a\" { tittle = \"A\", run = function() end }\n"
					      "step \"b\" { title = \"B\" }\n"
					      "step \"a\" { run = function() end }\n"
					      "step \"c\" { run = function() end, timeout = 0 }\n"
					      "step \"d\" { run = function() end, critical = true }\n");
	CHECK_INT(rb->nerrors, 5);
	CHECK_ERROR_AT(rb, "many.lua", 2, "tittle");
	CHECK_ERROR_AT(rb, "many.lua", 3, "missing 'run'");
	CHECK_ERROR_AT(rb, "many.lua", 4, "duplicate step id 'a'");
	CHECK_ERROR_AT(rb, "many.lua", 5, "timeout");
	CHECK_ERROR_AT(rb, "many.lua", 6, "critical");
	runbook_free(rb);
}

static const char params_src[] = "runbook { id = \"p\", title = \"p\", params = {\n"
				 "  src = { doc = \"source DSN\" },\n"
				 "  env = { choices = { \"staging\", \"prod\" }, default = \"staging\" },\n"
				 "  region = { env = \"TEJUN_TEST_REGION\", default = \"ap-northeast-1\" },\n"
				 "  pw = { secret = true, env = \"TEJUN_TEST_PW\" },\n"
				 "  mode = { secret = true, env = \"TEJUN_TEST_MODE\", choices = { \"a\", \"b\" } } } }\n"
				 "step \"a\" { run = function() end }\n";

static const char *param_value(struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->nparams; i++)
		if (strcmp(rb->params[i].name, name) == 0)
			return rb->params[i].value;
	return NULL;
}

static void test_resolve_params(void)
{
	unsetenv("TEJUN_TEST_REGION");
	setenv("TEJUN_TEST_PW", "pw-Zq8-very-secret", 1);
	setenv("TEJUN_TEST_MODE", "a", 1);

	SECTION("a missing param is named, with how to give it");
	struct runbook *rb = load("p1.lua", params_src);
	CHECK_NO_ERRORS(rb);
	CHECK_INT(runbook_resolve_params(rb, NULL, 0), -1);
	CHECK(any_error_has(rb, "missing param 'src' (source DSN): give --param src=VALUE"));
	CHECK_INT(rb->nerrors, 1);
	runbook_free(rb);

	SECTION("overrides beat the env var, the env var beats the default");
	rb = load("p2.lua", params_src);
	char *ov[] = {"src=db1.internal", "env=prod"};
	CHECK_INT(runbook_resolve_params(rb, ov, 2), 0);
	CHECK_NO_ERRORS(rb);
	CHECK_STR(param_value(rb, "src"), "db1.internal");
	CHECK_STR(param_value(rb, "env"), "prod");
	CHECK_STR(param_value(rb, "region"), "ap-northeast-1");
	CHECK_STR(param_value(rb, "pw"), "pw-Zq8-very-secret");
	CHECK(secret_present("the password is pw-Zq8-very-secret"));
	runbook_free(rb);
	setenv("TEJUN_TEST_REGION", "us-east-1", 1);
	rb = load("p3.lua", params_src);
	char *ov2[] = {"src=x", "region=eu-west-1"};
	CHECK_INT(runbook_resolve_params(rb, ov2, 1), 0);
	CHECK_STR(param_value(rb, "region"), "us-east-1");
	runbook_free(rb);
	rb = load("p4.lua", params_src);
	CHECK_INT(runbook_resolve_params(rb, ov2, 2), 0);
	CHECK_STR(param_value(rb, "region"), "eu-west-1");
	runbook_free(rb);

	SECTION("an unknown --param is refused, listing the declared ones");
	rb = load("p5.lua", params_src);
	char *ov3[] = {"src=x", "sorce=y", "novalue"};
	CHECK_INT(runbook_resolve_params(rb, ov3, 3), -1);
	CHECK(any_error_has(rb, "--param sorce: the runbook declares no such param (it has: "));
	for (size_t i = 0; i < rb->nparams; i++) { /* declaration order is Lua's table order */
		char *listed = xstrdup(rb->params[i].name);
		bool named = false;
		for (size_t k = 0; k < rb->nerrors; k++)
			named |= strstr(rb->errors[k], "no such param") && strstr(rb->errors[k], listed);
		CHECKF(named, "the unknown-param error should list '%s'", listed);
		free(listed);
	}
	CHECK(any_error_has(rb, "--param novalue: expected NAME=VALUE"));
	runbook_free(rb);

	SECTION("a value outside the choices is refused; a secret value is not shown in the error");
	rb = load("p6.lua", params_src);
	setenv("TEJUN_TEST_MODE", "zz-Mode-Secret-9", 1);
	char *ov4[] = {"src=x", "env=dev"};
	CHECK_INT(runbook_resolve_params(rb, ov4, 2), -1);
	CHECK(any_error_has(rb, "param 'env': 'dev' is not one of: staging, prod"));
	CHECK(any_error_has(rb, "param 'mode': '***' is not one of: a, b"));
	for (size_t i = 0; i < rb->nerrors; i++)
		CHECK_LACKS(rb->errors[i], "zz-Mode-Secret-9");
	runbook_free(rb);
	unsetenv("TEJUN_TEST_PW");
	unsetenv("TEJUN_TEST_MODE");
	unsetenv("TEJUN_TEST_REGION");
	secret_clear();
}

static void test_sandbox(void)
{
	SECTION("the sandbox: no os.execute, io, dofile, loadfile, package.loadlib, debug, binary chunks");
	struct runbook *rb = load("sandbox.lua",
				  "local escapes = {}\n"
				  "local function escaped(what) escapes[#escapes + 1] = what end\n"
				  "if os.execute ~= nil then escaped('os.execute') end\n"
				  "if os.exit ~= nil then escaped('os.exit') end\n"
				  "if os.remove ~= nil then escaped('os.remove') end\n"
				  "if io ~= nil then escaped('io') end\n"
				  "if dofile ~= nil then escaped('dofile') end\n"
				  "if loadfile ~= nil then escaped('loadfile') end\n"
				  "if package ~= nil and package.loadlib ~= nil then escaped('package.loadlib') end\n"
				  "if debug ~= nil then escaped('debug') end\n"
				  "if pcall(function() return os.execute('true') end) then escaped('calling os.execute') end\n"
				  "local chunk = string.dump(function() return 1 end)\n"
				  "local f, err = load(chunk)\n"
				  "if f ~= nil then escaped('load(binary)') end\n"
				  "if not tostring(err):find('binary') then escaped('load(binary) said: ' .. tostring(err)) end\n"
				  "if load(chunk, 'x', 'b') ~= nil then escaped('load(binary, mode b)') end\n"
				  "local g = load('return 1 + 1')\n"
				  "if g == nil or g() ~= 2 then escaped('text load() broken') end\n"
				  "if os.time == nil or os.getenv == nil then escaped('os.time/getenv removed') end\n"
				  "runbook { id = 'sb', title = #escapes == 0 and 'sealed' or table.concat(escapes, ', ') }\n"
				  "step 'a' { run = function() end }\n");
	CHECK_NO_ERRORS(rb);
	CHECK_STR(rb->title, "sealed");
	runbook_free(rb);

	SECTION("the sandbox holds inside a step's own state too (runbook_new_state)");
	lua_State *L = runbook_new_state(tmpdir, lmodules_all);
	CHECK(luaL_dostring(L, "return os.execute == nil and io == nil and package == nil and debug == nil") == 0);
	CHECK(lua_toboolean(L, -1));
	lua_close(L);
}

static void test_require(void)
{
	SECTION("require finds text modules in the runbook's lib/ dir");
	char *libdir = xasprintf("%s/lib", tmpdir);
	char *subdir = xasprintf("%s/lib/net", tmpdir);
	mkdir(libdir, 0700);
	mkdir(subdir, 0700);
	char *m1 = write_file("lib/steps_common.lua", "return { answer = 42 }\n");
	char *m2 = write_file("lib/net/probe.lua", "local M = {} function M.name() return 'probe' end return M\n");
	struct runbook *rb = load("req.lua", "local c = require('steps_common')\n"
					     "local p = require('net.probe')\n"
					     "assert(require('steps_common') == c, 'modules are loaded once')\n"
					     "runbook { id = 'req', title = 'answer=' .. c.answer .. ' ' .. p.name() }\n"
					     "step 'a' { run = function() end }\n");
	CHECK_NO_ERRORS(rb);
	CHECK_STR(rb->title, "answer=42 probe");
	runbook_free(rb);

	SECTION("require of a missing module is an error at the require's line");
	rb = load("reqmissing.lua", "runbook { id = 'r', title = 'r' }\n"
				    "local m = require('no_such_module')\n"
				    "step 'a' { run = function() end }\n");
	CHECK(any_error_has(rb, "module 'no_such_module' not found"));
	/* Regression: the not-found error had no position, so check printed "FILE:0:". */
	CHECK_ERROR_AT(rb, "reqmissing.lua", 2, "no_such_module");
	runbook_free(rb);

	SECTION("a mistake in a step a library declares is at the library's line");
	char *m3 = write_file("lib/declares.lua", "local M = {}\n"
						 "function M.add()\n"
						 "  step 'from-lib' { titel = 'x', run = function() end }\n"
						 "end\n"
						 "return M\n");
	rb = load("uselib.lua", "runbook { id = 'u', title = 'u' }\n"
				"require('declares').add()\n"
				"step 'a' { run = function() end }\n");
	CHECK_ERROR_AT(rb, "lib/declares.lua", 3, "unknown field 'titel'");
	runbook_free(rb);

	SECTION("runbook, phase and step are closed once the runbook has loaded");
	rb = load("late.lua", "runbook { id = 'l', title = 'l' }\n"
			      "function declare_more() step 'x' { run = function() end } end\n"
			      "function new_phase() phase 'p' end\n"
			      "step 'a' { run = function() end }\n");
	CHECK_NO_ERRORS(rb);
	const char *const late[] = {"declare_more", "new_phase"};
	for (size_t i = 0; i < 2; i++) {
		lua_getglobal(rb->L, late[i]);
		int rc = lua_pcall(rb->L, 0, 0, 0);
		CHECKF(rc != LUA_OK && strstr(lua_tostring(rb->L, -1), "declared when the runbook loads"),
		       "%s: rc %d %s", late[i], rc, rc ? lua_tostring(rb->L, -1) : "");
		lua_pop(rb->L, 1);
	}
	CHECK(rb->nsteps == 1 && rb->nphases == 0);
	runbook_free(rb);

	SECTION("a module call outside a step is refused while loading (check and plan run nothing)");
	expect_load_error("topsh.lua", "runbook { id = 't', title = 't ' .. tostring(aws.region()) }\n"
				       "sh.run('touch /tmp/tejun-must-not-exist')\n"
				       "step 'a' { run = function() end }\n",
			  2, "sh.run: called while the runbook loads");
	rb = load("keep.lua", "local m = mysql\n"
			      "function kind() return type(m.connect) .. ' ' .. type(mysql.connect) .. ' ' .. tostring(getmetatable(mysql) == nil) end\n"
			      "runbook { id = 'k', title = 'k' }\nstep 'a' { run = function() end }\n");
	CHECK_NO_ERRORS(rb);
	lua_getglobal(rb->L, "kind");
	CHECK(lua_pcall(rb->L, 0, 1, 0) == LUA_OK);
	CHECKF(strcmp(lua_tostring(rb->L, -1), "function function true") == 0, "once loaded, a kept module works: %s",
	       lua_tostring(rb->L, -1));
	lua_pop(rb->L, 1);
	runbook_free(rb);

	free(m1);
	free(m2);
	free(m3);
	free(libdir);
	free(subdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	test_good_model();
	test_syntax_error();
	test_step_errors();
	test_param_decl_errors();
	test_many_errors();
	test_resolve_params();
	test_sandbox();
	test_require();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return tap_done();
}
