-- 当日作業1日目: RDS MySQL 5.6 → 5.7 (an Aurora read replica needs 5.7), as in the seed runbook.
-- Rehearse locally: scripts/demo runbooks/aurora-day1.lua
local maint = require "cutover.maintenance"

runbook {
  id = "aurora-day1",
  title = "RDS MySQL 5.6 → 5.7 (day 1)",
  params = maint.params {
    instance = { doc = "RDS instance to upgrade", default = "prod-mysql" },
    engine_version = { doc = "target engine version", default = "5.7.44" },
    parameter_group = { doc = "5.7 parameter group (not the default: max_connections must be settable)",
      default = "prod-mysql57" },
    min_max_connections = { doc = "lowest acceptable max_connections", default = "1000" },
    db = { doc = "DSN of the instance, for the checks", env = "TEJUN_SRC_DSN" },
  },
}

phase "Maintenance"
maint.enter()

step "snapshot" {
  title = "スナップショットを取る",
  timeout = 3 * 3600,
  run = function(ctx)
    local id = ctx.params.instance .. "-before-57-" .. os.date("!%Y%m%d%H%M")
    ctx.set("snapshot", id)
    aws.rds.snapshot { instance = ctx.params.instance, id = id, interval = 1, timeout = 3 * 3600 }
    ctx.log("snapshot", id, "is available")
  end,
}

step "upgrade-57" {
  title = "5.6 -> 5.7にmysqlをあげる",
  critical = true,
  confirm = { text = "Upgrade the production instance to 5.7? A rollback means restoring the snapshot.",
              challenge = "upgrade-57" },
  timeout = 4 * 3600,
  check = function(ctx)
    local value = aws.rds.parameter(ctx.params.parameter_group, "max_connections")
    if not value then return false, "parameter group " .. ctx.params.parameter_group .. " has no max_connections" end
    if not tonumber(value) or tonumber(value) < tonumber(ctx.params.min_max_connections) then
      return false, "max_connections in " .. ctx.params.parameter_group .. " is " .. value ..
        ": the seed's day 1 ran out of connections on the default group"
    end
    return true
  end,
  run = function(ctx)
    local i = aws.rds.modify { instance = ctx.params.instance, engine_version = ctx.params.engine_version,
      allow_major = true, parameter_group = ctx.params.parameter_group, interval = 1, timeout = 4 * 3600 }
    if i and i.EngineVersion then ctx.log("instance runs", i.EngineVersion) end
  end,
}

step "checks" {
  title = "確認作業",
  run = function(ctx)
    local db = assert(mysql.connect(ctx.params.db))
    local report = mysql.preflight { source = db }
    db:close()
    local failed
    for _, c in ipairs(report.checks) do
      local line = string.format("%-4s %s: %s", c.status, c.name, c.reason)
      if c.status == "ok" then ctx.log(line) else ctx.warn(line) end
      if c.status == "fail" then failed = failed or (c.name .. ": " .. c.reason) end
    end
    if failed then return false, failed end
  end,
}

phase "Reopen"
maint.leave()
