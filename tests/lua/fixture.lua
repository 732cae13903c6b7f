-- Fixture schema with the awkward cases; used by the mysql Lua tests.
-- fixture.create(db, name, {orders = n}) builds it on db; fixture.drop(db, name).
local F = {}

local function must(ok, err, errno)
  if not ok then error(string.format("fixture: %s (%s)", tostring(err), tostring(errno)), 2) end
  return ok
end

function F.create(db, name, opt)
  opt = opt or {}
  local n = opt.orders or 2500
  local q = "`" .. name .. "`"
  must(db:exec("DROP DATABASE IF EXISTS " .. q))
  must(db:exec("CREATE DATABASE " .. q .. " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"))
  must(db:exec("CREATE TABLE " .. q .. [[.customers (
      id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      name VARCHAR(100) NOT NULL,
      note TEXT NULL,
      created DATETIME(6) NOT NULL DEFAULT '2024-01-01 00:00:00.000000',
      balance DECIMAL(12,2) NOT NULL DEFAULT 0,
      flags BIT(8) NULL,
      doc JSON NULL,
      name_len INT AS (CHAR_LENGTH(name)) VIRTUAL,
      KEY idx_name (name)) ENGINE=InnoDB]]))
  must(db:exec("CREATE TABLE " .. q .. [[.orders (
      id BIGINT NOT NULL PRIMARY KEY,
      customer_id INT NOT NULL,
      payload BLOB NULL,
      CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES ]] .. q .. [[.customers (id))
      ENGINE=InnoDB]]))
  must(db:exec("CREATE TABLE " .. q .. ".events_log (msg VARCHAR(50) NULL, at DATETIME(6) NULL) ENGINE=InnoDB"))
  must(db:exec("CREATE TABLE " .. q .. ".audit (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id INT, what VARCHAR(20)) ENGINE=InnoDB"))
  must(db:exec("CREATE TRIGGER " .. q .. ".trg_customers_ins AFTER INSERT ON " .. q ..
    ".customers FOR EACH ROW INSERT INTO audit (customer_id, what) VALUES (NEW.id, 'insert')"))
  must(db:exec("CREATE VIEW " .. q .. ".v_orders AS SELECT o.id, c.name FROM " .. q .. ".orders o JOIN " ..
    q .. ".customers c ON c.id = o.customer_id"))
  must(db:exec("CREATE FUNCTION " .. q .. ".order_count(cid INT) RETURNS INT READS SQL DATA " ..
    "RETURN (SELECT COUNT(*) FROM orders WHERE customer_id = cid)"))
  local people = {
    {"山田太郎", "日本語のメモ", 12.5, "{\"a\": 1}"},
    {"emoji 🍣🍺", nil, 0, nil},
    {"empty note", "", -3.25, "[1, 2, 3]"},
    {"quote ' and \\ backslash", "tab\tnewline\n", 99999.99, "{}"},
  }
  for _, p in ipairs(people) do
    must(db:exec("INSERT INTO " .. q .. ".customers (name, note, balance, flags, doc) VALUES (?, ?, ?, b'10100101', ?)",
      p[1], p[2], p[3], p[4]))
  end
  -- Binary payloads with NUL bytes, some NULL; numbers from a digits cross join (up to 10000,
  -- no recursion limits to trip over on either server).
  local d = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " ..
    "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
  must(db:exec("INSERT INTO " .. q .. ".orders (id, customer_id, payload) " ..
    "SELECT n, 1 + n % 4, IF(n % 7 = 0, NULL, UNHEX(CONCAT('00', LPAD(HEX(n), 8, '0'), '00FF'))) FROM " ..
    "(SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n FROM " .. d .. " a, " .. d .. " b, " .. d ..
    " c, " .. d .. " e) s WHERE n <= " .. n))
  must(db:exec("INSERT INTO " .. q .. ".events_log VALUES ('a', '2024-01-01 00:00:00.123456'), (NULL, NULL), ('a', '2024-01-01 00:00:00.123456')"))
end

function F.drop(db, name)
  db:exec("DROP DATABASE IF EXISTS `" .. name .. "`")
end

function F.env(name)
  local v = os.getenv(name)
  if not v or v == "" then
    error(name .. " is not set: run scripts/sandbox up; eval \"$(scripts/sandbox env)\"", 2)
  end
  return v
end

-- Tiny assertion helpers that say what was expected.
function F.eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what, tostring(got), tostring(want)), 2)
  end
end

function F.has(text, needle, what)
  if type(text) ~= "string" or not text:find(needle, 1, true) then
    error(string.format("%s: %q does not contain %q", what, tostring(text), needle), 2)
  end
end

return F
