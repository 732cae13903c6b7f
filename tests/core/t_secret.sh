#!/usr/bin/env bash
# A secret param (from the environment) never appears in the journal, on stdout or on stderr,
# though the runbook logs it, prints it, sets it, runs it in shell commands, asks with it, is
# answered with it, and fails with it in a Lua error and in a failing command.
. "$(dirname "$0")/lib.sh"
PW='Zx9-tejun-s3cret-pw'
export TEJUN_TEST_DB_PASSWORD=$PW
printf 'use: %s\nfails: skip login broken for %s\n' "$PW" "$PW" >"$tmp/answers"
run "$RB/secret.lua" --answers "$tmp/answers"
expect_rc 1 "the last step fails, no decision"
J=$(journal)
for f in "$J" "$out" "$err"; do
  expect_lacks "secret in $(basename "$f")" "$PW" "$f"
done
# ... and it is not just absent: every use is there, masked
expect_jq "header: the secret param is masked, the other kept" "$J" 'dict(sorted(of("session")[0]["data"]["params"].items()))' '{"password":"***","user":"admin"}'
expect_has "ctx.log masked" "connecting as admin with password ***" "$J"
expect_has "ctx.warn masked" "warned: ***" "$J"
expect_has "print masked" "printed: ***" "$J"
expect_jq "ctx.set values masked" "$J" '[e["data"]["value"] for e in of("set")]' '["***",{"dsn":"mysql://admin:***@db1/app"}]'
expect_has "shell output masked" "from the shell: ***" "$J"
expect_has "shell stderr masked" "on stderr: ***" "$J"
expect_jq "the journaled command is masked" "$J" '[e["data"]["detail"] for e in of("call", "use")]' '["echo from the shell: ***; echo on stderr: *** >&2"]'
expect_jq "prompt text and default masked" "$J" '[(e["data"]["text"], e["data"]["default"]) for e in of("prompt", "use")]' '[["Type the password for admin (***)","***"]]'
expect_jq "the typed answer masked" "$J" '[e["data"]["answer"] for e in of("answer", "use")]' '["***"]'
expect_jq "Lua error masked (step error)" "$J" '[e["data"].get("error") for e in of("step_end", "fails")][0]' "\"$RB/secret.lua:18: login failed for admin:***\""
expect_jq "skip reason masked" "$J" '[e["data"].get("reason") for e in of("step_end", "fails")][1]' '"login broken for ***"'
expect_jq "failing command masked in the step error" "$J" '[e["data"].get("error") for e in of("step_end", "shell-fails")]' '["command failed (exit status 3): exit 3 # mysql -p***"]'
expect_has "the operator sees masked values" "connecting as admin with password ***" "$out"
expect_verified "$J"

# the same secret given with --param is just as secret
unset TEJUN_TEST_DB_PASSWORD
run "$RB/secret.lua" --param password="$PW" --answers "$tmp/answers"
J=$(journal)
for f in "$J" "$out" "$err"; do
  expect_lacks "--param secret in $(basename "$f")" "$PW" "$f"
done
expect_has "--param secret: still used (masked)" "connecting as admin with password ***" "$J"

# a DSN in a param that is not declared secret: the password part is masked, the host is not
dsn_pw='dsn-Pa%40ss-77'
TEJUN_TEST_DSN="mysql://app:$dsn_pw@db.internal:3306/app" run "$RB/dsn_param.lua"
J=$(journal)
for f in "$J" "$out" "$err"; do
  expect_lacks "DSN password (as written) in $(basename "$f")" "$dsn_pw" "$f"
  expect_lacks "DSN password (decoded) in $(basename "$f")" "dsn-Pa@ss-77" "$f"
done
expect_has "the session header keeps the host of the DSN" 'mysql://app:***@db.internal:3306/app' "$J"

finish
