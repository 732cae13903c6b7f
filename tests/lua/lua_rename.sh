#!/usr/bin/env bash
# Runs tests/lua/rename.lua against the sandbox.
. "$TEJUN_TOP/tests/mysql/common.sh"
run_lua rename.lua
