runbook { id = "flaky", title = "Retry, skip and errors" }
step "count" { title = "fails twice then works", retries = 2,
  run = function(ctx)
    local n = (ctx.get("tries") or 0) + 1
    ctx.set("tries", n)
    if n < 3 then error("transient failure " .. n) end
    ctx.log("worked on try", n)
  end }
step "broken" { title = "a Lua error", run = function(ctx) local t = nil; return t.field end }
step "after" { title = "runs after the skip", run = function(ctx) ctx.log("after ran") end }
