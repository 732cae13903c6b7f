-- verify: passes on the replica, finds a one-byte change made on the replica with replication
-- stopped (table and key range), a missing index, and a missing row; honours a schema map.
local F = dofile(os.getenv("TEJUN_TOP") .. "/tests/lua/fixture.lua")
local src = assert(mysql.connect(F.env("TEJUN_SRC_DSN")))
local replica = assert(mysql.connect(F.env("TEJUN_REPLICA_DSN")))
local target = assert(mysql.connect(F.env("TEJUN_TARGET_DSN")))
F.create(src, "tj_ver", {orders = 2500})
assert(mysql.wait_lag{replica = replica, max = 1, timeout = 30})

local rep = assert(mysql.verify{source = src, target = replica, schemas = {"tj_ver"}, chunk = 500})
F.eq(rep.ok, true, "replica matches")
F.eq(rep.tables_checked, 4, "four tables")
F.eq(rep.rows, 2500 + 4 + 3 + 4, "exact rows counted")
local orders
for _, t in ipairs(rep.tables) do if t.table == "orders" then orders = t end end
F.eq(orders.chunks, 6, "2500 rows in chunks of 500 (+ the open end)")
F.eq(orders.rows_target, 2500, "target rows")

local ok, err = pcall(function()
  assert(replica:exec("STOP SLAVE"))
  -- One byte of one blob, on the replica only.
  assert(replica:exec("SET SESSION sql_log_bin = 0"))
  F.eq(replica:exec("UPDATE tj_ver.orders SET payload = CONCAT(LEFT(payload, 3), 'X', SUBSTRING(payload, 5)) WHERE id = 1234"),
    1, "one row changed")
  local r, e, _, report = mysql.verify{source = src, target = replica, schemas = {"tj_ver"}, chunk = 500}
  F.eq(r, nil, "verify fails on a changed byte")
  F.has(e, "verify found 1 mismatch", "one mismatch")
  F.has(e, "`tj_ver`.`orders`", "table named")
  F.has(e, "key range (1000, 1500]", "key range named")
  F.has(e, "first key 1234", "row found")
  F.eq(report.ok, false, "report says not ok")
  assert(replica:exec("UPDATE tj_ver.orders SET payload = (SELECT 1) WHERE 0"))
  -- NULL versus empty string is a difference too.
  assert(replica:exec("UPDATE tj_ver.orders SET payload = NULL WHERE id = 1234"))
  r, e = mysql.verify{source = src, target = replica, schemas = {"tj_ver"}, chunk = 500}
  F.has(e, "first key 1234", "NULL payload found")

  -- Fix it back (the source value) so replication can resume cleanly.
  local v = src:query("SELECT payload FROM tj_ver.orders WHERE id = 1234")[1].payload
  assert(replica:exec("UPDATE tj_ver.orders SET payload = ? WHERE id = 1234", v))

  -- A missing index is a schema difference.
  assert(replica:exec("ALTER TABLE tj_ver.customers DROP INDEX idx_name"))
  r, e, _, report = mysql.verify{source = src, target = replica, schemas = {"tj_ver"}, no_data = true}
  F.has(e, "tj_ver.customers: index idx_name is missing on the target", "missing index")
  assert(replica:exec("ALTER TABLE tj_ver.customers ADD INDEX idx_name (name)"))

  -- A deleted row in the table without a primary key: counts differ.
  assert(replica:exec("DELETE FROM tj_ver.events_log WHERE msg IS NULL"))
  r, e, _, report = mysql.verify{source = src, target = replica, schemas = {"tj_ver"}}
  F.has(e, "events_log", "no-PK table difference found")
  local found = false
  for _, p in ipairs(report.problems) do if p:find("3 rows on the source, 2 on the target", 1, true) then found = true end end
  assert(found, "row count difference reported")
  assert(replica:exec("INSERT INTO tj_ver.events_log VALUES (NULL, NULL)"))
  assert(mysql.verify{source = src, target = replica, schemas = {"tj_ver"}}, "all repaired")
end)
replica:exec("SET SESSION sql_log_bin = 1")
replica:exec("START SLAVE")

-- A schema map: the same data under another name on the standalone target.
F.create(target, "tj_ver_copy", {orders = 2500})
local m = assert(mysql.verify{source = src, target = target, schemas = {"tj_ver"}, map = {tj_ver = "tj_ver_copy"}})
F.eq(m.ok, true, "mapped schema matches (views and routines compared with the name mapped)")
F.drop(target, "tj_ver_copy")
local r2, e2 = mysql.verify{source = src, target = target, schemas = {"tj_ver"}}
F.has(e2, "schema tj_ver has no tables on the target", "unmapped schema is missing")

F.drop(src, "tj_ver")
if not ok then error(err, 0) end
assert(mysql.wait_lag{replica = replica, max = 1, timeout = 30}, "replication resumed cleanly")
print("verify: ok")
