-- Dry run: mutating shell commands are journaled, not executed; readonly ones still run.
runbook { id = "dryrun", title = "Dry run", params = { dir = { doc = "scratch directory" } } }
step "change" { title = "changes something", run = function(ctx)
  ctx.log("dry_run is " .. tostring(ctx.dry_run))
  sh.run("touch " .. ctx.params.dir .. "/marker")
  local r = sh.run("echo probe-output", { readonly = true })
  ctx.log("readonly said " .. r.output)
end }
