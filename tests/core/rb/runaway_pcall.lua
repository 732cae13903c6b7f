-- A runaway loop that spends most of its time inside pcall.
runbook { id = "runaway-pcall", title = "A busy loop inside pcall" }
step "spin" { title = "spins in pcall", timeout = 1, run = function(ctx)
  while true do pcall(function() local x = 0 for i = 1, 100 do x = x + i end end) end end }
step "next" { title = "never reached without a decision", run = function(ctx) ctx.log("next ran") end }
