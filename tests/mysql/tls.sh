#!/usr/bin/env bash
# TLS modes against the sandbox target (its certificate is for 127.0.0.1, signed by the
# sandbox CA): each mode connects or refuses as the mysql client's --ssl-mode would.
. "$TEJUN_TOP/tests/mysql/common.sh"
: "${TEJUN_SANDBOX_CA:?}" "${TEJUN_SANDBOX_OTHER_CA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dsn=${TEJUN_TARGET_DSN%/}
cat > "$tmp/t.lua" <<LUA
local function check(ok, what) if not ok then error("FAIL: " .. what, 2) end print("ok: " .. what) end
local function cipher(db) local r = db:query("SHOW SESSION STATUS LIKE 'Ssl_cipher'") return r[1] and r[1].Value or "" end
for _, mode in ipairs { "REQUIRED", "PREFERRED" } do
  local db, err = mysql.connect("$dsn/?ssl-mode=" .. mode)
  check(db, mode .. " connects (" .. tostring(err) .. ")")
  check(cipher(db) ~= "", mode .. " is encrypted (" .. cipher(db) .. ")")
  db:close()
end
local db, err = mysql.connect("$dsn/?ssl-mode=VERIFY_CA&ssl-ca=$TEJUN_SANDBOX_CA")
check(db and cipher(db) ~= "", "VERIFY_CA with the sandbox CA connects, encrypted (" .. tostring(err) .. ")")
db:close()
db, err = mysql.connect("$dsn/?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TEJUN_SANDBOX_CA")
check(db, "VERIFY_IDENTITY for 127.0.0.1 connects (" .. tostring(err) .. ")")
db:close()
db, err = mysql.connect("$dsn/?ssl-mode=VERIFY_CA&ssl-ca=$TEJUN_SANDBOX_OTHER_CA")
check(not db and err, "VERIFY_CA with a CA that did not sign the server is refused: " .. tostring(err))
-- a server without TLS (the sandbox source): PREFERRED still connects, REQUIRED does not
local src = "${TEJUN_SRC_DSN%/}"
db, err = mysql.connect(src .. "/?ssl-mode=PREFERRED")
check(db and cipher(db) == "", "PREFERRED falls back to clear text when the server has no TLS (" .. tostring(err) .. ")")
db:close()
db, err = mysql.connect(src .. "/?ssl-mode=REQUIRED")
check(not db, "REQUIRED against a server without TLS is refused: " .. tostring(err))
db, err = mysql.connect("$dsn/?ssl-mode=DISABLED")
check(db and cipher(db) == "", "DISABLED connects in clear")
db:close()
LUA
rc=0; out=$("$luarun" "$tmp/t.lua" 2>&1) || rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: TLS test exited $rc"; exit 1; }
if printf '%s' "$out" | grep -qF "$TEJUN_SANDBOX_PASSWORD"; then echo "FAIL: the password was printed"; exit 1; fi
