-- TUI end-to-end demo: Japanese titles, a confirmation, a typed challenge on the critical
-- step, progress with rate and ETA, a gauge, and a failing step.
runbook { id = "tui-demo", title = "RDS MySQL → Aurora (day 2)", params = { n = { default = "3" } } }

phase "Maintenance"
step "s3-maint" { title = "s3 hostingをメンテにする", run = function(ctx)
  ctx.log("s3 maintenance page is up")
  ctx.log("needle-one found here")
end, undo = function(ctx) ctx.log("s3 maintenance page is down again") end }
step "alb" { title = "ALBをメンテにする", confirm = "Put the production ALB into maintenance?",
  run = function(ctx)
    for i = 1, 10 do
      ctx.progress(i * 10, 100, { unit = "bytes", label = "dump" })
      ctx.gauge("replica lag", (i % 3) * 0.4, { unit = "s" })
      ctx.gauge("target rows", i * 20500, { unit = "rows" })
      ctx.sleep(0.05)
    end
    ctx.log("ALB listener rules switched")
  end }

phase "Cutover"
step "promote" { title = "auroraをmasterに昇格", critical = true,
  confirm = { text = "Promote the Aurora cluster to master?", challenge = "prod-aurora" },
  run = function(ctx) ctx.log("promoted") end }
step "boom" { title = "fails", run = function(ctx) ctx.log("needle-two before the error") error("kaboom") end }
step "last" { title = "後片付け", run = function(ctx) ctx.log("cleanup") end }
