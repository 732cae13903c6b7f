#!/usr/bin/env bash
# Params on the command line: a missing one, an unknown one or a value outside the choices is a
# usage error (exit 2) that names the param, and no session starts (no journal, nothing runs).
. "$(dirname "$0")/lib.sh"
cat >"$tmp/params.lua" <<'LUA'
runbook { id = "params", title = "Params",
  params = { src = { doc = "source DSN" },
             env = { choices = { "staging", "production" }, default = "staging" },
             region = { env = "TEJUN_TEST_REGION", default = "ap-northeast-1" } } }
step "show" { title = "show", run = function(ctx)
  ctx.log("src=" .. ctx.params.src .. " env=" .. ctx.params.env .. " region=" .. ctx.params.region)
end }
LUA
no_session() { [ ! -d "$LOGS" ] || [ -z "$(ls -A "$LOGS")" ] || fail "$1: a session was started: $(ls "$LOGS")"; }

run "$tmp/params.lua"
expect_rc 2 "missing param"
expect_has "missing param is named with how to give it" "missing param 'src' (source DSN): give --param src=VALUE" "$err"
expect_has "missing param: FILE:LINE" "$tmp/params.lua:1:" "$err"
expect_lacks "missing param: nothing ran" "src=" "$out"
no_session "missing param"

run "$tmp/params.lua" --param src=db1 --param sorce=db2
expect_rc 2 "unknown --param"
expect_has "unknown --param is named" "--param sorce: the runbook declares no such param" "$err"
no_session "unknown --param"

run "$tmp/params.lua" --param src=db1 --param env=prod
expect_rc 2 "value outside the choices"
expect_has "choices are listed" "param 'env': 'prod' is not one of: staging, production" "$err"
no_session "choices"

run "$tmp/params.lua" --param src
expect_rc 2 "--param without a value"
expect_has "--param without =" "--param src: expected NAME=VALUE" "$err"

# given, from the environment, and defaults
TEJUN_TEST_REGION=us-east-1 run "$tmp/params.lua" --param src=db1 --param env=production
expect_rc 0 "all params resolved"
expect_has "values reach the step" "src=db1 env=production region=us-east-1" "$out"
J=$(journal)
expect_jq "the header records the params" "$J" 'dict(sorted(of("session")[0]["data"]["params"].items()))' '{"env":"production","region":"us-east-1","src":"db1"}'

finish
