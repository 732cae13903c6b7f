#!/usr/bin/env bash
# Every AWS step of the seed runbook through the Lua helpers, against the fake endpoint.
source "$TEJUN_TOP/tests/aws/lib.sh"
export TEJUN_AWS_POLL=0.02
out=$("$LUARUN" "$TEJUN_TOP/tests/aws/ops.lua" 2>"$T/err") || { cat "$T/err" >&2; fail "ops.lua"; }
expect "ops" "ok" "$out"
# The waiters showed the real state sequences on the way.
err=$(cat "$T/err")
expect "snapshot sequence" "snapshot before-57: backing-up" "$err"
expect "upgrade sequence" "instance prod-mysql: upgrading" "$err"
expect "lambda sequence" "lambda triggers Disabled: Disabling" "$err"
expect "route53 sequence" "PENDING" "$err"
echo ok
