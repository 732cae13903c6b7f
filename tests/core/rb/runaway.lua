runbook { id = "runaway", title = "A loop that never yields" }
step "spin" { title = "spins", timeout = 1, run = function(ctx) local i = 0 while true do i = i + 1 pcall(function() end) end end }
step "next" { title = "never reached without a decision", run = function(ctx) ctx.log("next ran") end }
