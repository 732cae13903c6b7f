-- A step that sleeps long enough to be signalled.
runbook { id = "sleeper", title = "Sleeps" }
step "nap" { title = "sleeps", run = function(ctx) ctx.log("napping") ctx.sleep(30) ctx.log("woke up") end }
step "after" { title = "never reached", run = function(ctx) ctx.log("after ran") end }
