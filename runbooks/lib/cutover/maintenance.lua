-- Maintenance steps shared by the cut-over days (手順書: steps 1–5 and the closing ones).
-- Each function declares steps; what a step changed is kept with ctx.set so the closing step
-- (or its undo, or a resumed session) restores exactly that.
local M = {}

-- Params every maintenance window needs; merge into runbook{ params = ... }.
function M.params(p)
  p.site_bucket = p.site_bucket or { doc = "S3 bucket hosting the static site", default = "prod-web" }
  p.alb = p.alb or { doc = "application load balancer name", default = "prod-alb" }
  p.alb_port = p.alb_port or { doc = "listener port of the ALB", default = "443" }
  p.batch_prefix = p.batch_prefix or { doc = "EventBridge rule name prefix of the batches", default = "batch-" }
  p.lambda = p.lambda or { doc = "Lambda function whose SQS triggers are paused", default = "video-encoder" }
  p.video_queue = p.video_queue or { doc = "SQS queue that must be empty", default = "video-queue" }
  p.slack_webhook = p.slack_webhook or { doc = "Slack webhook for step notices (secret)", secret = true,
    env = "SLACK_WEBHOOK", optional = true }
  return p
end

local function notify(ctx, text)
  local hook = ctx.params.slack_webhook
  if hook and hook ~= "" then
    slack.notify { webhook = hook, text = text }
  end
end
M.notify = notify

function M.enter()
  step "s3-maint" {
    title = "s3 hostingをメンテにする",
    confirm = "Switch the static site to the maintenance page?",
    run = function(ctx)
      local prev = aws.s3.maintenance_on { bucket = ctx.params.site_bucket }
      ctx.set("s3_previous", prev or false)
      ctx.log("site", ctx.params.site_bucket, "now serves maintenance.html")
      notify(ctx, "maintenance page is up")
    end,
    undo = function(ctx)
      local prev = ctx.get("s3_previous")
      aws.s3.maintenance_off { bucket = ctx.params.site_bucket, previous = prev or nil }
    end,
  }

  step "batches-off" {
    title = "各batch止める",
    run = function(ctx)
      local was = aws.events.disable_rules { prefix = ctx.params.batch_prefix }
      ctx.set("rules_enabled_before", was)
      ctx.log(#was, "rule(s) disabled; they are the ones re-enabled at the end")
    end,
    undo = function(ctx)
      aws.events.enable_rules { names = ctx.get("rules_enabled_before", {}) }
    end,
  }

  step "lambda-off" {
    title = "Lambdaのトリガーを無効化する",
    timeout = 900,
    run = function(ctx)
      local uuids = aws.lambda.disable_triggers { func = ctx.params.lambda, interval = 2 }
      ctx.set("lambda_triggers", uuids)
      ctx.log(#uuids, "trigger(s) now Disabled")
    end,
    undo = function(ctx)
      aws.lambda.enable_triggers { uuids = ctx.get("lambda_triggers", {}), interval = 2 }
    end,
  }

  step "alb-maint" {
    title = "ALBをメンテにする",
    confirm = "Put the production ALB into maintenance (API answers 503)?",
    run = function(ctx)
      local listener = aws.elb.listener(ctx.params.alb, tonumber(ctx.params.alb_port))
      local rule, existing = aws.elb.maintenance_on { listener = listener, priority = 1 }
      ctx.set("alb_rule", rule or false)
      ctx.log("maintenance rule", tostring(rule))
      if existing then ctx.log("it was already in place: left by an earlier run; maint-off removes it") end
    end,
    undo = function(ctx)
      local rule = ctx.get("alb_rule")
      if rule then aws.elb.maintenance_off { rule = rule } end
    end,
  }

  step "queue-empty" {
    title = "動画のキューが0なことを確認",
    timeout = 1800,
    run = function(ctx)
      aws.sqs.wait_empty { queue = ctx.params.video_queue, interval = 1, timeout = 1800 }
    end,
  }
end

function M.leave()
  step "lambda-on" {
    title = "Lambdaのトリガーを有効化する",
    timeout = 900,
    run = function(ctx)
      local uuids = ctx.get("lambda_triggers", {})
      aws.lambda.enable_triggers { uuids = uuids, interval = 2 }
      ctx.log(#uuids, "trigger(s) Enabled again")
    end,
  }

  step "maint-off" {
    title = "メンテ解除",
    confirm = "Open the service again (ALB, static site, batches)?",
    run = function(ctx)
      local rule = ctx.get("alb_rule")
      if rule then aws.elb.maintenance_off { rule = rule } end
      local prev = ctx.get("s3_previous")
      aws.s3.maintenance_off { bucket = ctx.params.site_bucket, previous = prev or nil }
      aws.events.enable_rules { names = ctx.get("rules_enabled_before", {}) }
      notify(ctx, "maintenance is over")
    end,
  }
end

return M
