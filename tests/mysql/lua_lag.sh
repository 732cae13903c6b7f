#!/usr/bin/env bash
# Runs tests/mysql/lag.lua against the sandbox.
. "$TEJUN_TOP/tests/mysql/common.sh"
run_lua lag.lua
