-- A secret param from the environment, used every way a step can leak it.
runbook { id = "secret", title = "A secret param",
  params = { password = { secret = true, env = "TEJUN_TEST_DB_PASSWORD", doc = "database password" },
             user = { default = "admin" } } }
step "use" { title = "uses the password", run = function(ctx)
  local pw = ctx.params.password
  ctx.log("connecting as", ctx.params.user, "with password", pw)
  ctx.warn("warned: " .. pw)
  print("printed: " .. pw)
  ctx.set("last_password", pw)
  ctx.set("conn", { dsn = "mysql://admin:" .. pw .. "@db1/app" })
  local r = sh.run("echo from the shell: " .. pw .. "; echo on stderr: " .. pw .. " >&2")
  ctx.log("shell said:", r.output)
  local typed = ctx.ask("Type the password for " .. ctx.params.user .. " (" .. pw .. ")", pw)
  ctx.log("operator typed:", typed)
end }
step "fails" { title = "errors with the password", run = function(ctx)
  error("login failed for admin:" .. ctx.params.password)
end }
step "shell-fails" { title = "a failing command that contains the password", run = function(ctx)
  sh.run("exit 3 # mysql -p" .. ctx.params.password)
end }
