-- 当日作業2日目: promote the Aurora read replica, move the other RDS's database into it with a
-- dump, rename it, and switch the private TTL-0 CNAME — the seed runbook's day 2.
-- Rehearse locally: scripts/demo runbooks/aurora-day2.lua
-- Locally the sandbox stands in: source = production MySQL, replica = the Aurora cluster
-- (really replicating until promotion), target = the other RDS whose database moves.
local maint = require "cutover.maintenance"

runbook {
  id = "aurora-day2",
  title = "RDS MySQL → Aurora (day 2)",
  params = maint.params {
    prod = { doc = "production MySQL (replication source of the Aurora cluster)", env = "TEJUN_SRC_DSN" },
    aurora = { doc = "Aurora cluster writer", env = "TEJUN_REPLICA_DSN" },
    legacy = { doc = "the other RDS whose database moves into Aurora", env = "TEJUN_TARGET_DSN" },
    legacy_db = { doc = "database to move from the other RDS", default = "legacy" },
    new_db = { doc = "its name on Aurora (the names differed between stg and prod)", default = "legacy_app" },
    instance = { doc = "RDS instance the Aurora replica follows", default = "prod-mysql" },
    cluster = { doc = "Aurora cluster to promote", default = "prod-aurora" },
    zone = { doc = "Route53 private hosted zone id", default = "Z0PRIVATE0001" },
    record = { doc = "private CNAME the application connects to (TTL 0)", default = "rds-app-writer.private" },
    dump_dir = { doc = "where dumps are written (one directory per session)", default = "/tmp/tejun-day2-dump" },
    threads = { doc = "dump and load threads", default = "2" },
    max_lag = { doc = "replica lag (s) to accept before promotion", default = "1" },
    deploy = { doc = "command that deploys the new DB host/name/user to the application",
      default = "echo deploy: DB_HOST=$DB_HOST DB_NAME=$DB_NAME" },
  },
}

local function connect(ctx, name)
  local db, err = mysql.connect(ctx.params[name])
  if not db then ctx.fail(name .. ": " .. err) end
  return db
end

phase "事前作業"

step "replica" {
  title = "auroraリードレプリカを作成",
  timeout = 4 * 3600,
  run = function(ctx)
    local ok, c = pcall(aws.rds.cluster, ctx.params.cluster)
    if ok and c then
      ctx.log("cluster", ctx.params.cluster, "exists:", c.Status, "following", tostring(c.ReplicationSourceIdentifier))
    else
      local i = aws.rds.instance(ctx.params.instance)
      aws.rds.create_replica { cluster = ctx.params.cluster, source_arn = i.DBInstanceArn,
        instance_class = "db.r5.large", interval = 1 }
      c = aws.rds.cluster(ctx.params.cluster)
    end
    ctx.set("aurora_endpoint", c.Endpoint)
  end,
}

step "lag" {
  title = "レプリカ遅延を確認 (heartbeat)",
  timeout = 900,
  run = function(ctx)
    local prod, aurora = connect(ctx, "prod"), connect(ctx, "aurora")
    local hb = mysql.heartbeat { source = prod, interval = 0.2 }
    local last, err = mysql.wait_lag { replica = aurora, heartbeat = hb, max = tonumber(ctx.params.max_lag),
      timeout = 600, stable = 2 }
    hb:stop()
    if not last then ctx.fail(err) end
    ctx.log(string.format("replica lag %.3f s (Seconds_Behind_Master %s)", last.lag or -1,
      tostring(last.seconds_behind)))
  end,
}

phase "Maintenance"
maint.enter()

step "dump" {
  title = "mysqldump",
  timeout = 6 * 3600,
  run = function(ctx)
    -- a retry or a resumed session reuses a dump that finished: it is never taken twice
    local done = ctx.get("dump_path")
    if done then
      ctx.log("the dump in", done, "is complete already (manifest written); keeping it")
      return
    end
    local dir = ctx.params.dump_dir .. "/" .. ctx.session
    local legacy = connect(ctx, "legacy")
    local m = mysql.dump { source = legacy, schemas = { ctx.params.legacy_db }, dir = dir,
      threads = tonumber(ctx.params.threads) }
    ctx.set("dump_path", dir)
    ctx.log(string.format("dumped %d rows (%s) into %s; snapshot at %s:%s", m.rows,
      require("tejun.util").human_bytes(m.bytes), dir, m.consistency.binlog_file or "?",
      m.consistency.binlog_pos or "?"))
  end,
}

step "promote" {
  title = "auroraをmasterに昇格",
  critical = true,
  confirm = { text = "Promote the Aurora cluster to a standalone writer? Replication from RDS stops for good.",
              challenge = "prod-aurora" },
  timeout = 3600,
  run = function(ctx)
    aws.rds.promote { cluster = ctx.params.cluster, interval = 1 }
    local aurora = connect(ctx, "aurora")
    if aurora.flavour ~= "aurora" and not ctx.dry_run then
      -- the local stand-in: promotion is stopping replication and accepting writes
      assert(aurora:exec("STOP SLAVE"))
      assert(aurora:exec("RESET SLAVE ALL"))
      assert(aurora:exec("SET GLOBAL read_only = 0"))
      ctx.log("stand-in", aurora.flavour, "stopped replicating and accepts writes")
    end
  end,
}

step "load" {
  title = "dumpファイルをauroraに流し込む",
  timeout = 6 * 3600,
  run = function(ctx)
    local aurora = connect(ctx, "aurora")
    local dir = ctx.get("dump_path")
    if not dir then ctx.fail("no finished dump in this session: run the dump step first") end
    -- files already loaded (journaled as restore:DIR:FILE) are skipped after a crash
    local r = mysql.restore { target = aurora, dir = dir, threads = tonumber(ctx.params.threads) }
    ctx.log(string.format("loaded %d files, %d rows (%d already loaded before)", r.files, r.rows, r.files_skipped))
  end,
}

step "rename" {
  title = "DB名変更",
  confirm = "Rename the loaded database to its new name?",
  run = function(ctx)
    local aurora = connect(ctx, "aurora")
    local plan, err = aurora:rename_database(ctx.params.legacy_db, ctx.params.new_db, { recreate = true })
    if not plan then ctx.fail(err) end
    ctx.log("renamed", ctx.params.legacy_db, "→", ctx.params.new_db)
  end,
}

step "route53" {
  title = "Route53で一気にドメイン切り替える",
  confirm = "Point the application's private CNAME at Aurora?",
  timeout = 600,
  run = function(ctx)
    local endpoint = ctx.get("aurora_endpoint")
    if not endpoint then
      -- the replica step ran in an earlier session (or was skipped): ask RDS
      local ok, c = pcall(aws.rds.cluster, ctx.params.cluster)
      endpoint = ok and c and c.Endpoint
      if not endpoint then
        ctx.fail("no Aurora endpoint to point " .. ctx.params.record .. " at: the replica step did not run in " ..
          "this session, and cluster " .. ctx.params.cluster .. ": " .. (ok and "not found" or tostring(c)))
      end
      ctx.log("Aurora endpoint of cluster", ctx.params.cluster, "is", endpoint)
    end
    local r = aws.route53.upsert { zone = ctx.params.zone, name = ctx.params.record,
      value = endpoint, ttl = 0, interval = 1 }
    ctx.set("dns_previous", r.previous and r.previous.value or false)
  end,
  undo = function(ctx)
    local prev = ctx.get("dns_previous")
    if prev then aws.route53.upsert { zone = ctx.params.zone, name = ctx.params.record, value = prev, ttl = 0 } end
  end,
}

step "deploy" {
  title = "DB名、ユーザ、パスワード、ホスト名変更デプロイ",
  run = function(ctx)
    sh.run("DB_HOST=" .. ctx.params.record .. " DB_NAME=" .. ctx.params.new_db .. "; export DB_HOST DB_NAME; " ..
      ctx.params.deploy, { timeout = 1800 })
  end,
}

step "verify" {
  title = "確認作業",
  timeout = 3600,
  run = function(ctx)
    local legacy, aurora = connect(ctx, "legacy"), connect(ctx, "aurora")
    local report, err = mysql.verify { source = legacy, target = aurora, schemas = { ctx.params.legacy_db },
      map = { [ctx.params.legacy_db] = ctx.params.new_db } }
    if not report then ctx.fail(err) end
    ctx.log("verified: rows and checksums match for", ctx.params.new_db)
  end,
}

phase "Reopen"
maint.leave()
