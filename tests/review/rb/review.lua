-- Fixture for the review tests: a session with a confirmation, a file it creates (replay
-- must never create it again), progress and lag, a failure the operator skips, a critical
-- step behind a challenge, and a secret that must not reach journal, report or recording.
runbook {
  id = "review",
  title = "Review fixture <&> \"quotes\"",
  params = {
    marker = { doc = "file the touch step creates" },
    slow = { doc = "seconds the wait step sleeps", default = "0" },
    token = { doc = "a secret", secret = true, env = "REVIEW_TOKEN" },
  },
}

phase "Before"

step "prep" {
  title = "prepare <b>",
  run = function(ctx)
    ctx.log("token is", ctx.params.token)
    for i = 1, 4 do
      ctx.progress(i, 4, { unit = "rows", label = "app.users" })
      ctx.gauge("replica lag", i / 10, { unit = "s" })
      ctx.sleep(0.05)
    end
  end,
}

phase "Maintenance"

step "touch" {
  title = "creates the marker file",
  confirm = "Create the marker file?",
  run = function(ctx) sh.run("touch '" .. ctx.params.marker .. "'") end,
}

step "wait" {
  title = "waits",
  run = function(ctx) ctx.sleep(tonumber(ctx.params.slow)) end,
}

step "flaky" {
  title = "fails once",
  run = function(ctx) ctx.fail("disk | full & <angry>") end,
}

phase "After"

step "crit" {
  title = "point of no return",
  critical = true,
  confirm = { text = "Go live?", challenge = "go-live" },
  run = function(ctx) ctx.log("live") end,
}
