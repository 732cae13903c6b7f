-- mysql module basics against the sandbox: connect forms, rows and types, errors, sizes, checks.
local F = dofile(os.getenv("TEJUN_TOP") .. "/tests/lua/fixture.lua")
local src_dsn, target_dsn = F.env("TEJUN_SRC_DSN"), F.env("TEJUN_TARGET_DSN")
local password = F.env("TEJUN_SANDBOX_PASSWORD")
local port = tonumber(F.env("TEJUN_SRC_PORT"))

-- Connect with a DSN, and with a table whose password comes from the environment.
local db = assert(mysql.connect(src_dsn))
F.eq(db.flavour, "mariadb", "flavour")
F.eq(db.server_id, 1, "server_id")
F.eq(db:aurora_version(), nil, "aurora_version on MariaDB")
assert(db.version_number >= 100000, "version_number")
local db2 = assert(mysql.connect{host = "127.0.0.1", port = port, user = "root",
  password_env = "TEJUN_SANDBOX_PASSWORD", no_defaults = true})
F.eq(db2:query("SELECT @@port AS p")[1].p, port, "table connect reaches the same server")
db2:close()
local ok, closed_err = pcall(db2.query, db2, "SELECT 1")
assert(not ok and tostring(closed_err):find("closed"), "a closed connection says so")

-- dump/restore option mistakes: named with the function, and (under LeakSanitizer) the
-- half-built job is not leaked when an option of the wrong type raises
local ok2, e2 = pcall(mysql.dump, {schemas = {"x"}, dir = "/tmp/tejun-none"})
assert(not ok2 and tostring(e2):find("mysql.dump: option 'source' is required", 1, true), tostring(e2))
ok2, e2 = pcall(mysql.dump, {source = src_dsn, schemas = {"x"}, dir = "/tmp/tejun-none", threads = "many"})
assert(not ok2 and tostring(e2):find("'threads' must be a number", 1, true), tostring(e2))
ok2, e2 = pcall(mysql.restore, {target = target_dsn})
assert(not ok2 and tostring(e2):find("mysql.restore: option 'dir' is required", 1, true), tostring(e2))
-- misuse raises (a number for a DSN), and names what was wanted
ok2, e2 = pcall(mysql.connect, 12345)
assert(not ok2 and tostring(e2):find("mysql.connect: wants a DSN string or an options table, not a number", 1, true), tostring(e2))
ok2, e2 = pcall(slack.notify, {})
assert(not ok2 and tostring(e2):find("slack.notify: 'text' must be a string", 1, true), tostring(e2))
-- a mistyped option is named, not ignored (a mistyped timeout would be no timeout)
ok2, e2 = pcall(mysql.dump, {sorce = src_dsn, schemas = {"x"}, dir = "/tmp/tejun-none"})
assert(not ok2 and tostring(e2):find("mysql.dump: unknown option 'sorce' (did you mean 'source'?)", 1, true), tostring(e2))
ok2, e2 = pcall(sh.run, "true", {timout = 5})
assert(not ok2 and tostring(e2):find("sh.run: unknown option 'timout' (did you mean 'timeout'?)", 1, true), tostring(e2))

-- Rows: integers, NULL as nil, decimals as exact strings, binary-safe strings.
local blob = "a\0b'c\"d\\e?f\255"
local rows = assert(db:query("SELECT ? AS b, ? AS i, ? AS n, 1.50 AS d, 2.5e0 AS f, ? AS t",
  blob, 42, nil, true))
F.eq(#rows, 1, "one row")
F.eq(rows[1].b, blob, "binary round trip with NUL and quotes")
F.eq(math.type(rows[1].i), "integer", "integer type")
F.eq(rows[1].n, nil, "NULL is nil")
F.eq(rows[1].d, "1.50", "DECIMAL kept exact")
F.eq(rows[1].f, 2.5, "DOUBLE is a number")
F.eq(rows[1].t, 1, "true is 1")
F.eq(table.concat(rows.columns, ","), "b,i,n,d,f,t", "column order")

-- Errors: nil, the server's message, errno; the connection stays usable.
local r, err, errno = db:query("SELEKT 1")
F.eq(r, nil, "syntax error result")
F.eq(errno, 1064, "syntax errno")
F.has(err, "SELEKT", "syntax message names the bad text")
r, err = db:query("SELECT ?, ?", 1)
F.has(err, "2 ? placeholders but 1 value", "placeholder count")
F.eq(db:query("SELECT 7 AS x")[1].x, 7, "usable after errors")

-- Bad input: each a clear error naming what to check, never the password.
local function bad(arg, want, want_errno)
  local c, e, n = mysql.connect(arg)
  F.eq(c, nil, "connect should fail: " .. want)
  F.has(e, want, "connect error")
  if want_errno then F.eq(n, want_errno, "errno for " .. want) end
  assert(not e:find(password, 1, true), "password leaked in: " .. e)
  assert(not e:find("hunter2x", 1, true), "password leaked in: " .. e)
end
bad({host = "127.0.0.1", port = port, user = "root", password = "hunter2x", no_defaults = true},
  "check user and password", 1045)
bad({host = "127.0.0.1", port = 1, user = "root", password = "hunter2x", no_defaults = true},
  "check host and port", 2002)
bad({socket = "/nonexistent/tj.sock", user = "root", password = "hunter2x", no_defaults = true},
  "check the socket path", 2002)
bad(src_dsn .. "no_such_db_tj", "Unknown database 'no_such_db_tj'", 1049)
bad("mysql://root:hunter2x@127.0.0.1:notaport/", "DSN port")
bad("http://root:hunter2x@127.0.0.1/", "must start with mysql://")
bad({host = "127.0.0.1", port = 70000}, "port 70000 is out of range")
bad({dsn = src_dsn, ssl_mode = "maybe"}, "ssl_mode 'maybe' is unknown")
bad({dsn = src_dsn, ssl_mode = "REQUIRED", no_defaults = true}, "TLS")

-- exec: affected rows and insert id.
F.create(db, "tj_basic", {orders = 50})
local n, id = assert(db:exec("INSERT INTO tj_basic.customers (name) VALUES (?)", "new"))
F.eq(n, 1, "affected")
F.eq(id, 5, "insert id")
F.eq(db:exec("UPDATE tj_basic.orders SET customer_id = 2 WHERE id <= ?", 10), 10, "update affected")
local c = db:query("SELECT note, doc, name FROM tj_basic.customers ORDER BY id")
F.eq(c[1].name, "山田太郎", "Japanese text")
F.eq(c[2].name, "emoji 🍣🍺", "emoji")
F.eq(c[2].note, nil, "NULL note")
F.eq(c[3].note, "", "empty note is not NULL")

-- sizes: exact rows, totals, and the refresh policy stated.
local s = assert(db:sizes{schemas = {"tj_basic"}, exact = true, analyze = true})
F.eq(s.refresh, "analyze", "refresh policy")
F.eq(#s.schemas, 1, "one schema")
F.eq(s.schemas[1].name, "tj_basic", "schema name")
local by = {}
for _, t in ipairs(s.schemas[1].tables) do by[t.name] = t end
F.eq(by.orders.exact_rows, 50, "orders exact rows")
F.eq(by.customers.exact_rows, 5, "customers exact rows")
assert(by.orders.data_length > 0, "data_length")
F.eq(s.total.table_count, 4, "tables counted")
F.eq(s.total.exact_rows, 50 + 5 + 3 + 5, "total exact rows")
F.eq(s.total.total, s.total.data_length + s.total.index_length, "total = data + index")

-- Safety checks: ok/warn/fail with a reason.
local ck = assert(db:check("binlog"))
F.eq(ck.status, "ok", "ROW binlog with retention: " .. ck.reason)
ck = assert(db:check("binlog", {min_retention_hours = 24 * 30}))
F.eq(ck.status, "warn", "short retention warns")
F.has(ck.reason, "less than 720 h", "retention reason")
ck = assert(db:check("connections"))
F.eq(ck.status, "warn", "max_connections 100 is below the default-ish floor: " .. ck.reason)
ck = assert(db:check("read_only", {expect_read_only = true}))
F.eq(ck.status, "fail", "source is writable")
F.has(ck.reason, "read_only is OFF, expected ON", "read_only reason")
local target = assert(mysql.connect(target_dsn))
assert(target:exec("SET GLOBAL character_set_server = 'latin1'"))
local pf = assert(mysql.preflight{source = db, target = target})
target:exec("SET GLOBAL character_set_server = 'utf8mb4'")
local seen = {}
for _, x in ipairs(pf.checks) do seen[x.name] = x end
F.eq(seen.charset.status, "fail", "charset mismatch found")
F.has(seen.charset.reason, "character_set_server utf8mb4 vs latin1", "charset reason")
F.eq(seen.timezone.status, "ok", "same time zone")
F.eq(seen.version.status, "ok", "same version")
F.eq(pf.status, "fail", "worst status wins")
r, err = db:check("vibes")
F.has(err, "unknown check 'vibes'", "unknown check")

F.drop(db, "tj_basic")
db:close()
print("basic: ok")
