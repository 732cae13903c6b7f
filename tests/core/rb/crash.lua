-- Crash and resume: "first" finishes, "long" is in flight (sleeping) when the process dies.
runbook { id = "crash", title = "Crash and resume",
  params = { dir = { doc = "scratch directory" }, nap = { default = "30", doc = "seconds long sleeps" } } }
step "first" { title = "finishes before the crash", run = function(ctx)
  ctx.log("first ran")
  ctx.set("color", "blue")
  ctx.set("plan", { tables = 3, names = { "users", "orders" } })
end }
step "long" { title = "in flight at the crash", run = function(ctx)
  ctx.log("long attempt started")
  sh.run("touch " .. ctx.params.dir .. "/long.started")
  ctx.sleep(tonumber(ctx.params.nap))
  ctx.log("long finished")
end }
step "last" { title = "after the crash", run = function(ctx)
  local p = ctx.get("plan")
  ctx.log("last sees color=" .. tostring(ctx.get("color")) .. " tables=" .. tostring(p and p.tables)
          .. " second=" .. tostring(p and p.names[2]))
end }
