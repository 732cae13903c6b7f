#!/usr/bin/env bash
# tejun check: a broken runbook gives FILE:LINE: messages for each mistake and exit 2; a good
# one exits 0. tejun plan: shows phases, steps, confirmations and the critical mark, and runs
# nothing (not even a check function).
. "$(dirname "$0")/lib.sh"

# --- check on broken runbooks
cat >"$tmp/syntax.lua" <<'LUA'
runbook { id = "s", title = "s" }
step "a" { run = function(ctx)
  if then end
end }
LUA
tj check "$tmp/syntax.lua"
expect_rc 2 "check: syntax error"
expect_has "check: syntax error at its line" "$tmp/syntax.lua:3:" "$err"

cat >"$tmp/broken.lua" <<'LUA'
runbook { id = "b", title = "b",
  params = { env = { choices = { "staging", "prod" }, default = "dev" } } }
step "one" { title = "one", run = function(ctx) end }
step "two" { tittle = "two", run = function(ctx) end }
step "one" { title = "again", run = function(ctx) end }
step "norun" { title = "no run" }
step "slow" { run = function(ctx) end, timeout = "soon", retries = -1 }
step "promote" { critical = true, run = function(ctx) end }
LUA
tj check "$tmp/broken.lua"
expect_rc 2 "check: broken runbook"
for want in \
  "$tmp/broken.lua:1: param 'env': default 'dev' is not one of its choices" \
  "$tmp/broken.lua:4: step 'two': unknown field 'tittle' (did you mean 'title'?)" \
  "$tmp/broken.lua:5: duplicate step id 'one' (first defined at line 3)" \
  "$tmp/broken.lua:6: step 'norun': missing 'run' function" \
  "$tmp/broken.lua:7: step 'slow': 'timeout' must be a number of seconds, above 0 and at most a week" \
  "$tmp/broken.lua:7: step 'slow': 'retries' must be a whole number from 0 to 100" \
  "$tmp/broken.lua:8: step 'promote': a critical step must have a confirm"; do
  expect_has "check: reported" "$want" "$err"
done
expect_eq "check: one line per mistake, nothing else" 7 "$(grep -c . "$err")"
expect_eq "check: nothing on stdout for a broken runbook" "" "$(cat "$out")"

cat >"$tmp/sandbox.lua" <<LUA
runbook { id = "x", title = "x" }
os.execute("touch $tmp/escaped")
LUA
tj check "$tmp/sandbox.lua"
expect_rc 2 "check: a runbook calling os.execute at load"
expect_has "check: os.execute is not there" "$tmp/sandbox.lua:2:" "$err"
expect_no_file "check: os.execute did not run" "$tmp/escaped"

tj check "$tmp/no-such-file.lua"
expect_rc 2 "check: missing file"
expect_has "check: missing file named" "$tmp/no-such-file.lua" "$err"

# --- check on good runbooks
for good in "$RB"/*.lua; do
  tj check "$good"
  expect_rc 0 "check $(basename "$good")"
  expect_has "check $(basename "$good") says ok" "$good: ok" "$out"
done

# --- plan: shows everything, runs nothing
d="$tmp/work"
mkdir -p "$d"
cat >"$tmp/plan.lua" <<'LUA'
runbook { id = "planned", title = "RDS MySQL → Aurora", params = { dir = { doc = "scratch dir" } } }
phase "Maintenance"
step "alb" { title = "ALBをメンテにする", confirm = "Put the ALB into maintenance?",
  check = function(ctx) sh.run("touch " .. ctx.params.dir .. "/checked") return true end,
  run = function(ctx) sh.run("touch " .. ctx.params.dir .. "/marker") end, timeout = 60 }
phase "Cut-over"
step "promote" { title = "auroraをmasterに昇格", critical = true,
  confirm = { text = "Promote the cluster?", challenge = "prod-aurora" },
  run = function(ctx) sh.run("touch " .. ctx.params.dir .. "/marker") end, retries = 2 }
step "verify" { title = "確認作業", run = function(ctx) sh.run("touch " .. ctx.params.dir .. "/marker") end }
LUA
tj plan "$tmp/plan.lua" --param dir="$d"
expect_rc 0 "plan"
expect_no_file "plan ran no step" "$d/marker"
expect_no_file "plan ran no check" "$d/checked"
[ ! -d "$LOGS" ] || fail "plan started a session"
expect_has "plan: title" "planned — RDS MySQL → Aurora" "$out"
expect_has "plan: phase 1" "== Maintenance ==" "$out"
expect_has "plan: phase 2" "== Cut-over ==" "$out"
expect_has "plan: step 1" "1. alb" "$out"
expect_has "plan: step 3 with its Japanese title" "3. verify" "$out"
expect_has "plan: the Japanese title" "auroraをmasterに昇格" "$out"
expect_has "plan: the confirmation" "confirm: Put the ALB into maintenance?" "$out"
expect_has "plan: the challenge word" "confirm: Promote the cluster? (type 'prod-aurora')" "$out"
expect_has "plan: the critical mark" "CRITICAL: point of no return" "$out"
expect_has "plan: the resolved param" "= $d" "$out"
expect_has "plan: check, timeout and retries" "timeout 1min" "$out"
expect_has "plan: retries" "retries 2" "$out"
# the phases come in order, and the critical mark belongs to promote
expect_eq "plan: order of phases and steps" "== Maintenance ==|1. alb|== Cut-over ==|2. promote|CRITICAL|3. verify" \
  "$(grep -oE '== [A-Za-z-]+ ==|[0-9]\. [a-z]+|CRITICAL' "$out" | paste -sd'|')"

tj plan "$tmp/broken.lua"
expect_rc 2 "plan of a broken runbook"
expect_has "plan of a broken runbook: FILE:LINE" "$tmp/broken.lua:5: duplicate step id" "$err"

# a title or a log line cannot drive the terminal: plan and the line view show escapes as '?'
cat >"$tmp/esc.lua" <<'LUA'
runbook { id = "esc", title = "escapes" }
step "esc" { title = "evil[2Jtitle", run = function(ctx) ctx.log("]0;ownedlog line") end }
LUA
tj plan "$tmp/esc.lua"
expect_rc 0 "plan of a title with escapes"
expect_has "plan: the title, escapes shown as ?" "evil?[2Jtitle?" "$out"
expect_lacks "plan: no ESC reaches the terminal" $'\033' "$out"
tj run "$tmp/esc.lua" --no-tui --log-dir "$LOGS-esc"
expect_rc 0 "run of a title with escapes"
expect_has "line view: the log line, escapes shown as ?" "?]0;owned?log line" "$out"
expect_lacks "line view: no ESC reaches the terminal" $'\033' "$out"

finish
