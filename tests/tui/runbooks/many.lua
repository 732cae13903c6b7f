-- TUI end-to-end: more steps than rows, to scroll the steps pane.
runbook { id = "tui-many", title = "多すぎる手順" }
for p = 1, 3 do
  phase("フェーズ " .. p)
  for i = 1, 12 do
    local n = (p - 1) * 12 + i
    step(string.format("s%02d", n)) { title = string.format("手順その%d", n), critical = (n == 30),
      confirm = (n == 30) and "Really?" or nil, run = function(ctx) ctx.log("step " .. n) end }
  end
end
