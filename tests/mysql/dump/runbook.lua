-- Dump and restore from a runbook step: progress, loaded-file records and results journaled.
runbook { id = "dump-test", title = "dump test",
  params = { src = { doc = "source DSN", secret = true }, dst = { doc = "target DSN", secret = true },
            db = {}, dir = {} } }
phase "copy"
step "dump" { title = "dump",
  run = function(ctx)
    local m = mysql.dump{ source = ctx.params.src, schemas = { ctx.params.db },
      dir = ctx.params.dir, threads = 2, chunk_mb = 0.05 }
    ctx.log("dumped " .. m.rows .. " rows, binlog " .. tostring(m.consistency.binlog_file))
    ctx.set("dump_rows", m.rows)
  end }
step "restore" { title = "restore",
  run = function(ctx)
    local r = mysql.restore{ target = ctx.params.dst, dir = ctx.params.dir, threads = 2,
      map = { [ctx.params.db] = ctx.params.db .. "_lua" } }
    if r.rows ~= ctx.get("dump_rows") then ctx.fail("rows " .. r.rows) end
    local ok, err = pcall(mysql.restore, { target = ctx.params.dst, dir = ctx.params.dir .. "-none" })
    if ok or not tostring(err):find("No such file or directory", 1, true) then ctx.fail("missing dump not refused: " .. tostring(err)) end
  end }
