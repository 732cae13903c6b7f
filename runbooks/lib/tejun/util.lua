-- Small helpers shared by runbooks: require "tejun.util".
local M = {}

-- A value near base, for simulated gauges.
function M.jitter(base)
  return base * (0.5 + math.random())
end

-- "1.9 GB" style sizes (powers of 1000, like the console shows).
function M.human_bytes(n)
  local units = { "B", "KB", "MB", "GB", "TB" }
  local u = 1
  while n >= 1000 and u < #units do
    n = n / 1000
    u = u + 1
  end
  return u == 1 and string.format("%d %s", n, units[u]) or string.format("%.1f %s", n, units[u])
end

return M
