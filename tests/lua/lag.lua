-- Replica lag: heartbeat lag grows while the SQL thread is stopped, wait_lag fails clearly on
-- a stopped thread and on timeout, and returns once the replica catches up.
local F = dofile(os.getenv("TEJUN_TOP") .. "/tests/lua/fixture.lua")
local src = assert(mysql.connect(F.env("TEJUN_SRC_DSN")))
local replica = assert(mysql.connect(F.env("TEJUN_REPLICA_DSN")))

local st = assert(replica:replica_status())
F.eq(st.configured, true, "replica is configured")
F.eq(st.io_running, "Yes", "IO thread")
F.eq(st.sql_running, "Yes", "SQL thread")
F.eq(st.source_port, tonumber(F.env("TEJUN_SRC_PORT")), "source port")
F.eq(assert(src:replica_status()).configured, false, "the source is not a replica")

local hb = assert(mysql.heartbeat{source = src, interval = 0.1})
F.eq(hb.server_id, 1, "heartbeat carries the source server_id")
assert(mysql.wait_lag{replica = replica, heartbeat = hb, max = 0.5, timeout = 20, stable = 0.3})

-- Sleep on the server: plain Lua has no sleep, and the heartbeat thread keeps writing meanwhile.
local function sleep(s) assert(src:query("SELECT SLEEP(?)", s)) end

local ok, err = pcall(function()
  assert(replica:exec("STOP SLAVE SQL_THREAD"))
  src:exec("CREATE DATABASE IF NOT EXISTS tj_lag")
  src:exec("CREATE TABLE IF NOT EXISTS tj_lag.t (id INT PRIMARY KEY)")
  src:exec("REPLACE INTO tj_lag.t VALUES (1)")
  local l1 = assert(replica:lag{heartbeat = hb})
  sleep(1.5)
  local l2 = assert(replica:lag{heartbeat = hb})
  assert(l2.heartbeat_lag >= 1.2, "heartbeat lag grows while the SQL thread is stopped: " .. l2.heartbeat_lag)
  assert(l2.heartbeat_lag > l1.heartbeat_lag + 1, "lag grew by the time slept")
  F.eq(l2.sql_running, "No", "sample says SQL thread stopped")
  F.has(l2.sbm_lie, "Seconds_Behind_Master is NULL", "SBM NULL is flagged")
  F.has(l2.stopped, "SQL thread is stopped", "stopped reason")

  local r, e = mysql.wait_lag{replica = replica, heartbeat = hb, max = 0.5, timeout = 5}
  F.eq(r, nil, "wait_lag fails on a stopped SQL thread")
  F.has(e, "replica SQL thread is stopped", "wait_lag message")

  assert(replica:exec("START SLAVE SQL_THREAD"))
  local res = assert(mysql.wait_lag{replica = replica, heartbeat = hb, max = 0.5, timeout = 20, stable = 0.5})
  assert(res.lag <= 0.5, "caught up: " .. res.lag)
  assert(res.heartbeat_lag ~= nil, "heartbeat lag reported")
  F.eq(replica:query("SELECT COUNT(*) AS n FROM tj_lag.t")[1].n, 1, "write arrived")

  -- Timeout: an impossible max with a short timeout names the lag it saw.
  r, e = mysql.wait_lag{replica = replica, heartbeat = hb, max = 0, timeout = 1, stable = 5}
  F.eq(r, nil, "timeout fails")
  F.has(e, "after 1 s", "timeout message")

  -- IO thread stopped: Seconds_Behind_Master is NULL or lies; flagged either way.
  assert(replica:exec("STOP SLAVE IO_THREAD"))
  local l3 = assert(replica:lag{heartbeat = hb})
  assert(l3.sbm_lie, "a stopped IO thread makes SBM untrustworthy")
  F.has(l3.stopped, "IO thread is stopped", "IO stopped reason")
  r, e = mysql.wait_lag{replica = replica, heartbeat = hb, max = 5, timeout = 5}
  F.has(e, "replica IO thread is stopped", "wait_lag on stopped IO thread")
end)
replica:exec("START SLAVE")
local cleanup_ok = mysql.wait_lag{replica = replica, heartbeat = hb, max = 1, timeout = 30}
local stats = hb:stats()
local beats = hb:stop()
src:exec("DROP DATABASE IF EXISTS tj_lag")
if not ok then error(err, 0) end
assert(cleanup_ok, "replica caught up again after the test")
assert(beats >= 10, "heartbeat wrote several times a second: " .. beats)
F.eq(stats.errors, 0, "no heartbeat errors")
F.eq(hb:stats().running, false, "stopped")
print("lag: ok")
