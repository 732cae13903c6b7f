#!/usr/bin/env bash
# Runs tests/lua/verify.lua against the sandbox.
. "$TEJUN_TOP/tests/mysql/common.sh"
run_lua verify.lua
