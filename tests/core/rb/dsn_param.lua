-- A DSN param not declared secret: its password must still never be journaled.
runbook { id = "dsnparam", title = "A DSN in a plain param",
  params = { db = { doc = "database DSN", env = "TEJUN_TEST_DSN" } } }
step "show" { title = "logs the DSN", run = function(ctx) ctx.log("dsn is", ctx.params.db) end }
