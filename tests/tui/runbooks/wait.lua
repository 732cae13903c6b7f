-- A wait against a time limit: the screen says how long it has waited and when it gives up,
-- never a bar or an ETA made of its limit. The condition holds at the `polls`-th poll.
runbook { id = "tui-wait", title = "wait", params = { polls = { default = "20" } } }
step "lag" { title = "レプリカ遅延を待つ", run = function(ctx)
  local n, want = 0, tonumber(ctx.params.polls)
  ctx.wait_until(function()
    n = n + 1
    return n >= want, "lag 3.2 s"
  end, { timeout = 600, interval = 0.2, label = "replica caught up" })
  ctx.log("caught up")
end }
step "after" { title = "次", run = function(ctx) ctx.log("next") end }
