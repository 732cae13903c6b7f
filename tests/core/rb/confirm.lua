-- Confirmations: a plain yes/no, then a critical step behind a typed challenge.
-- Each step's side effect is a marker file in --param dir, so a test can tell what really ran.
runbook { id = "confirm", title = "Confirm and challenge",
  params = { dir = { doc = "scratch directory for the marker files" } } }
phase "Prepare"
step "prep" { title = "prepare", run = function(ctx) ctx.log("prep ran") end }
phase "Cut-over"
step "go" { title = "ALBをメンテにする", confirm = "Put the ALB into maintenance?",
  run = function(ctx) sh.run("touch " .. ctx.params.dir .. "/marker") end }
step "promote" { title = "auroraをmasterに昇格", critical = true,
  confirm = { text = "Promote the Aurora cluster?", challenge = "prod-aurora" },
  run = function(ctx) sh.run("touch " .. ctx.params.dir .. "/promoted") end }
