-- A tour of the runbook DSL: every field and every ctx call, safe to run anywhere.
-- tejun run runbooks/examples/tour.lua            (full screen)
-- tejun run runbooks/examples/tour.lua --no-tui   (plain lines; answers from stdin)
local util = require "tejun.util"

runbook {
  id = "tour",
  title = "Tour: a rehearsal cut-over (RDS MySQL → Aurora)",
  description = "Shows every part of the DSL with simulated work; touches nothing outside /tmp.",
  params = {
    env = { doc = "which environment this rehearsal pretends to be", default = "staging",
            choices = { "staging", "production" } },
    size_mb = { doc = "how much simulated data to copy", default = "600" },
    token = { doc = "an API token (secret: never journaled or shown)", secret = true,
              env = "TOUR_TOKEN" },
  },
}

phase "Before the window"

step "preflight" {
  title = "環境を確認する (preflight)",
  check = function(ctx)
    if #ctx.params.token < 8 then return false, "token looks too short" end
    return true
  end,
  run = function(ctx)
    ctx.log("environment:", ctx.params.env, "operator:", ctx.operator)
    ctx.log("token is", ctx.params.token, "(the journal shows it masked)")
    local r = sh.run("uname -sr; df -h /tmp | tail -n 1", { readonly = true })
    ctx.set("kernel", (r.output:match("^[^\n]*")))
  end,
}

step "notice" {
  title = "メンテナンス告知 (announce)",
  run = function(ctx)
    local who = ctx.ask("Who is on call for this window?", ctx.operator)
    ctx.set("on_call", who)
    ctx.log("on call:", who)
  end,
}

phase "Maintenance"

step "maint-on" {
  title = "s3 hostingとALBをメンテにする",
  confirm = "Put the site into maintenance (users will see the maintenance page)?",
  run = function(ctx)
    for i = 1, 4 do
      ctx.progress(i, 4, { unit = "steps", label = "maintenance switches" })
      ctx.sleep(0.3)
    end
  end,
  undo = function(ctx) ctx.log("maintenance page removed") end,
}

step "drain" {
  title = "動画のキューが0なことを確認",
  timeout = 60,
  run = function(ctx)
    local depth = 12
    ctx.wait_until(function()
      depth = math.max(0, depth - 3)
      ctx.gauge("queue depth", depth, { unit = "msgs", max = 12 })
      return depth == 0, depth .. " messages left"
    end, { timeout = 30, interval = 0.4, label = "video queue empty" })
  end,
}

step "copy" {
  title = "データをコピーする (simulated dump)",
  retries = 1,
  run = function(ctx)
    local total = tonumber(ctx.params.size_mb) * 1e6
    local done = 0
    while done < total do
      done = math.min(total, done + total / 25)
      ctx.progress(done, total, { unit = "bytes", label = "schema app" })
      ctx.gauge("replica lag", util.jitter(0.3), { unit = "s" })
      ctx.sleep(0.15)
    end
    ctx.set("copied_bytes", done)
  end,
  verify = function(ctx)
    if ctx.get("copied_bytes", 0) <= 0 then return false, "nothing copied" end
    return true
  end,
}

step "promote" {
  title = "auroraをmasterに昇格",
  critical = true,
  confirm = { text = "Promote the Aurora cluster? There is no way back.", challenge = "prod-aurora" },
  run = function(ctx)
    if ctx.dry_run then ctx.log("dry run: would promote") return end
    ctx.log("promoted (simulated) by", ctx.get("on_call", ctx.operator))
  end,
}

phase "After"

step "verify" {
  title = "確認作業",
  run = function(ctx)
    if not ctx.confirm("Did the smoke tests pass?") then
      ctx.fail("smoke tests did not pass: the operator said no")
    end
    ctx.log("kernel seen in preflight:", ctx.get("kernel"))
  end,
}

step "maint-off" {
  title = "メンテ解除",
  run = function(ctx) ctx.log("maintenance off; copied", util.human_bytes(ctx.get("copied_bytes", 0))) end,
}
