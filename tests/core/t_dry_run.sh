#!/usr/bin/env bash
# --dry-run: mutating shell commands are journaled as calls with dry_run true and not executed;
# readonly ones still run; the step sees ctx.dry_run; the header says it was a dry run.
. "$(dirname "$0")/lib.sh"
d="$tmp/work"
mkdir -p "$d"
run "$RB/dryrun.lua" --param dir="$d" --dry-run
expect_rc 0 "dry run"
expect_no_file "dry run: sh.run was not executed" "$d/marker"
expect_has "dry run: shown as such" "DRY RUN" "$out"
expect_has "dry run: the operator sees what would run" "would call sh.run touch $d/marker" "$out"
J=$(journal)
expect_jq "dry run: header" "$J" 'of("session")[0]["data"]["dry_run"]' 'true'
expect_jq "dry run: the mutating call is journaled with dry_run true" "$J" \
  '[(e["data"]["detail"], e["data"].get("dry_run", False)) for e in of("call")][0]' "[\"touch $d/marker\",true]"
# Regression test (bug fixed since; it was at src/lbind.c:153, lb_call): every call in a dry-run session is journaled with
# dry_run true, also a readonly sh.run that really ran (src/lsh.c sh_done), so the journal and
# the line view ("would call sh.run echo probe-output") claim it did not run.
expect_jq "dry run: the readonly call really ran and is not marked dry_run" "$J" \
  '[(e["data"]["detail"], e["data"].get("dry_run", False)) for e in of("call")][1:]' '[["echo probe-output",false]]'
expect_has "dry run: ctx.dry_run is true" "dry_run is true" "$J"
expect_has "dry run: a readonly command still runs" "readonly said probe-output" "$J"
# Regression test (bug fixed since; it was at src/lbind.c:139, lb_log): log events from modules (sh.run output) carry no "level",
# which docs/journal.md requires on every log event (info, warn, error).
expect_jq "every log event has a level" "$J" '[e["data"]["text"] for e in of("log") if e["data"].get("level") not in ("info", "warn", "error")]' '[]'
expect_verified "$J"

# the same runbook for real does run the command
run "$RB/dryrun.lua" --param dir="$d"
expect_rc 0 "real run"
expect_file "real run: sh.run executed" "$d/marker"
J=$(journal)
expect_jq "real run: not a dry run" "$J" '[of("session")[0]["data"]["dry_run"]] + [e["data"].get("dry_run", False) for e in of("call")]' '[false,false,false]'

finish
