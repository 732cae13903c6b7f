-- rename_database: refused with triggers/views/routines present (listed), dry run prints the
-- exact SQL and changes nothing, recreate=true moves everything and the data verifies.
local F = dofile(os.getenv("TEJUN_TOP") .. "/tests/lua/fixture.lua")
local db = assert(mysql.connect(F.env("TEJUN_SRC_DSN")))
local replica = assert(mysql.connect(F.env("TEJUN_REPLICA_DSN")))
F.drop(db, "tj_ren_new")
F.create(db, "tj_ren_old", {orders = 300})
assert(db:exec("CREATE USER IF NOT EXISTS 'tj_app'@'%' IDENTIFIED BY 'x'"))
assert(db:exec("GRANT SELECT, INSERT ON `tj_ren_old`.* TO 'tj_app'@'%'"))
local before = db:query("SELECT COUNT(*) AS n FROM tj_ren_old.orders")[1].n

-- Refused: the message lists what blocks it.
local plan, err, errno, p = db:rename_database("tj_ren_old", "tj_ren_new")
F.eq(plan, nil, "refused without recreate")
F.has(err, "refused", "refusal")
F.has(err, "view `tj_ren_old`.`v_orders`", "view listed")
F.has(err, "error 1450", "view reason")
F.has(err, "trigger `tj_ren_old`.`trg_customers_ins`", "trigger listed")
F.has(err, "error 1435", "trigger reason")
F.has(err, "routine `tj_ren_old`.`order_count`", "function listed")
F.has(err, "grant 'tj_app'@'%'", "grant listed")
F.has(err, "recreate=true", "hint")
assert(#p.blockers >= 4, "blockers returned as data")
F.eq(#db:query("SHOW TABLES FROM tj_ren_old"), 5, "nothing moved (4 tables and a view)")

-- Unknown database, existing target.
plan, err = db:rename_database("tj_no_such_db", "tj_x")
F.has(err, "database 'tj_no_such_db' does not exist", "missing old")

-- Dry run: the exact SQL, nothing executed.
local dry = assert(db:rename_database("tj_ren_old", "tj_ren_new", {recreate = true, dry_run = true}))
F.eq(dry.dry_run, true, "dry run flag")
local sql = table.concat(dry.statements, ";\n")
F.has(sql, "DROP TRIGGER `tj_ren_old`.`trg_customers_ins`", "drops trigger first")
F.has(sql, "CREATE DATABASE `tj_ren_new` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", "same charset")
F.has(sql, "RENAME TABLE `tj_ren_old`.`audit` TO `tj_ren_new`.`audit`, `tj_ren_old`.`customers` TO `tj_ren_new`.`customers`",
  "one RENAME TABLE")
F.has(sql, "GRANT INSERT,SELECT ON `tj_ren_new`.* TO 'tj_app'@'%'", "grant moved")
local renames = 0
for _, s in ipairs(dry.statements) do if s:find("^RENAME TABLE") then renames = renames + 1 end end
F.eq(renames, 1, "exactly one RENAME TABLE statement")
F.eq(#db:query("SHOW DATABASES LIKE 'tj\\_ren\\_new'"), 0, "dry run created nothing")

-- The real thing.
local done = assert(db:rename_database("tj_ren_old", "tj_ren_new", {recreate = true}))
F.eq(done.executed, #done.statements, "every statement ran")
F.eq(done.old_tables_left, 0, "old database is empty")
F.eq(db:query("SELECT COUNT(*) AS n FROM tj_ren_new.orders")[1].n, before, "rows moved")
F.eq(#db:query("SELECT * FROM tj_ren_new.v_orders WHERE id <= 3"), 3, "view works in the new database")
assert(db:exec("INSERT INTO tj_ren_new.customers (name) VALUES ('after rename')"))
F.eq(db:query("SELECT COUNT(*) AS n FROM tj_ren_new.audit WHERE what = 'insert'")[1].n, 5, "trigger fires")
F.eq(db:query("SELECT tj_ren_new.order_count(1) AS n")[1].n,
  db:query("SELECT COUNT(*) AS n FROM tj_ren_new.orders WHERE customer_id = 1")[1].n, "function moved")
F.eq(#db:query("SELECT * FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'tj_ren_old'"), 0, "function left nothing behind")
local grants = db:query("SHOW GRANTS FOR 'tj_app'@'%'")
local g = {}
for _, row in ipairs(grants) do for _, v in pairs(row) do g[#g + 1] = v end end
g = table.concat(g, "\n")
F.has(g, "`tj_ren_new`.*", "grant on the new database")
assert(not g:find("`tj_ren_old`", 1, true), "grant on the old database revoked")

-- The renamed database replicated: verify source against replica.
assert(mysql.wait_lag{replica = replica, max = 1, timeout = 30})
local rep = assert(mysql.verify{source = db, target = replica, schemas = {"tj_ren_new"}, chunk = 100})
F.eq(rep.ok, true, "replica matches after rename")
F.eq(rep.tables_checked, 4, "tables checked")

F.drop(db, "tj_ren_new")
F.drop(db, "tj_ren_old")
db:exec("DROP USER IF EXISTS 'tj_app'@'%'")
print("rename: ok")
