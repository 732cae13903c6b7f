-- One cut-over at a time across bastions: the session holds GET_LOCK on the server `db` names.
runbook { id = "locked", title = "Server-locked cut-over", lock = "db",
  params = { db = { doc = "server that holds the lock", env = "TEJUN_SRC_DSN" },
             dir = { doc = "scratch directory" }, nap = { default = "30", doc = "seconds the step sleeps" } } }
step "hold" { title = "holds the lock while it sleeps", run = function(ctx)
  sh.run("touch " .. ctx.params.dir .. "/hold.started")
  ctx.sleep(tonumber(ctx.params.nap))
end }
