#!/usr/bin/env bash
# Passwords from MySQL option files, read like the mysql client does: an explicit
# defaults_file with a group, and ~/.my.cnf [client] by default. The password never shows.
. "$TEJUN_TOP/tests/mysql/common.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pw=${TEJUN_SRC_DSN#mysql://root:}; pw=${pw%%@*}
port=$TEJUN_SRC_PORT
cat > "$tmp/ops.cnf" <<CNF
[client]
user=nobody-here
password=wrong-password-1
[tejun-ops]
user=root
password=$pw
CNF
mkdir -p "$tmp/home"
printf '[client]\nuser=root\npassword=%s\n' "$pw" > "$tmp/home/.my.cnf"
chmod 600 "$tmp/ops.cnf" "$tmp/home/.my.cnf"
cat > "$tmp/t.lua" <<LUA
local function check(ok, what) if not ok then error("FAIL: " .. what, 2) end print("ok: " .. what) end
-- the named group wins over [client]
local db, err = mysql.connect { host = "127.0.0.1", port = $port, defaults_file = "$tmp/ops.cnf", group = "tejun-ops" }
check(db, "defaults_file + group connects (" .. tostring(err) .. ")")
check(db:query("SELECT CURRENT_USER() AS u")[1].u:match("^root@"), "as the group's user")
db:close()
-- [client] alone has a wrong password: a clear error without the password
local db2, err2 = mysql.connect { host = "127.0.0.1", port = $port, defaults_file = "$tmp/ops.cnf" }
check(not db2 and tostring(err2):find("denied", 1, true), "[client] with a wrong password is refused: " .. tostring(err2))
check(not tostring(err2):find("wrong%-password%-1", 1), "the refused password is not in the error")
-- ~/.my.cnf [client] is read by default, like the mysql client
local db3, err3 = mysql.connect { host = "127.0.0.1", port = $port }
check(db3, "~/.my.cnf [client] is read by default (" .. tostring(err3) .. ")")
db3:close()
-- no_defaults ignores it
local db4 = mysql.connect { host = "127.0.0.1", port = $port, user = "root", no_defaults = true }
check(not db4, "no_defaults = true ignores ~/.my.cnf")
LUA
out=$(HOME="$tmp/home" "$luarun" "$tmp/t.lua" 2>&1); rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: option-file test exited $rc"; exit 1; }
if printf '%s' "$out" | grep -qF -e "$pw" -e wrong-password-1; then echo "FAIL: a password was printed"; exit 1; fi
echo "ok: no password printed"
