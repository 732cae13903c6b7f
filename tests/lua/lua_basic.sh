#!/usr/bin/env bash
# Runs tests/lua/basic.lua against the sandbox.
. "$TEJUN_TOP/tests/mysql/common.sh"
run_lua basic.lua
