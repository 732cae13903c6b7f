#!/usr/bin/env bash
# Runs tests/lua/lag.lua against the sandbox.
. "$TEJUN_TOP/tests/mysql/common.sh"
run_lua lag.lua
