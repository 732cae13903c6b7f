-- a step waiting on a shell command, for t_signal.sh: the command must not outlive tejun
runbook { id = "shsleeper", title = "A long shell command" }
step "wait" {
  run = function(ctx)
    ctx.log("waiting on the shell")
    sh.run("sleep 987; echo finished")
  end,
}
