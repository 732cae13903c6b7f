-- TUI end-to-end: a chatty step to scroll and search, and a long step to interrupt.
runbook { id = "tui-logs", title = "ログとシグナル" }

phase "Logs"
step "chatty" { title = "たくさんログを出す", run = function(ctx)
  for i = 1, 300 do
    if i % 100 == 0 then ctx.log(string.format("line %03d needle here", i))
    else ctx.log(string.format("line %03d", i)) end
  end
end }
step "second" { title = "二番目", run = function(ctx)
  local r = ctx.ask("Which replica should serve reads?", "replica-1")
  ctx.log("reads go to " .. tostring(r))
  ctx.log("another needle in step two")
end }

phase "Wait"
step "long" { title = "長い処理", run = function(ctx)
  for i = 1, 600 do
    ctx.progress(i, 600, { unit = "rows", label = "copy" })
    ctx.gauge("replica lag", (i % 5) * 0.1, { unit = "s" })
    ctx.sleep(0.1)
  end
end }
