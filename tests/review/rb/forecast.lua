-- A small cut-over for the forecast test: a confirmation, then the window dumps a schema from
-- src and restores it into target under a new name.
runbook {
  id = "forecast-fixture",
  title = "Forecast fixture",
  params = {
    src = { doc = "source DSN", env = "TEJUN_SRC_DSN" },
    dst = { doc = "target DSN", env = "TEJUN_TARGET_DSN" },
    db = { doc = "schema to move" },
    new_db = { doc = "its name on the target" },
    dir = { doc = "dump directory" },
  },
}

phase "Prepare"
step "ready" { title = "announce", confirm = "Start the window?", run = function(ctx) ctx.log("ready") end }

phase "Maintenance"
step "dump" { title = "dump", run = function(ctx)
  mysql.dump { source = ctx.params.src, schemas = { ctx.params.db }, dir = ctx.params.dir, threads = 2,
    chunk_mb = 2 } -- many files even when small, as a big schema has
end }
step "load" { title = "load", run = function(ctx)
  mysql.restore { target = ctx.params.dst, dir = ctx.params.dir, threads = 2,
    map = { [ctx.params.db] = ctx.params.new_db } }
end }
step "pause" { title = "a fixed wait", run = function(ctx) ctx.sleep(1) end }
