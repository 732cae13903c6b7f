-- The awkward fixture of the dump tests: binary with NUL bytes, NULLs, emoji and Japanese,
-- latin1 and utf8mb3 text, a non-ASCII ENUM,
-- JSON, DECIMAL, DATETIME(6), BIT, generated columns, a table without primary key, foreign
-- keys, a secondary index to defer, triggers, a view on a view, a procedure, a function and
-- an event. Loaded into schema `dumpfx` by the tests (mariadb dumpfx < fixture.sql).
SET NAMES utf8mb4;
CREATE TABLE customers (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note TEXT NULL,
  created DATETIME(6) NOT NULL DEFAULT '2024-01-01 00:00:00.000000',
  balance DECIMAL(12,2) NOT NULL DEFAULT 0,
  flags BIT(8) NULL,
  doc JSON NULL,
  name_len INT AS (CHAR_LENGTH(name)) VIRTUAL,
  upper_name VARCHAR(100) AS (UPPER(name)) STORED,
  ts TIMESTAMP(3) NULL,
  KEY idx_name (name),
  KEY idx_bal_created (balance, created)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  customer_id INT NOT NULL,
  payload BLOB NULL,
  amount DOUBLE NULL,
  status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
  tags SET('a','b','c') NULL,
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE nopk (msg VARCHAR(50) NULL, at DATETIME(6) NULL, raw VARBINARY(16) NULL, KEY (msg)) ENGINE=InnoDB;
CREATE TABLE audit (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id INT, what VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE `odd name-表` (`key` INT NOT NULL PRIMARY KEY, `semi;colon` VARCHAR(20), `back``tick` INT) ENGINE=InnoDB;
CREATE TABLE empty_one (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TABLE neg_keys (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
-- text that is not utf8mb4 on the server: the load must convert it, not copy its bytes
CREATE TABLE legacy_cs (id INT NOT NULL PRIMARY KEY, l1 VARCHAR(20) CHARACTER SET latin1,
  memo TEXT CHARACTER SET latin1, mood ENUM('ok','süß') NULL, u3 VARCHAR(20) CHARACTER SET utf8mb3) ENGINE=InnoDB;

INSERT INTO customers (name, note, balance, flags, doc, ts) VALUES
 ('山田太郎', '日本語のメモ', 12.50, b'10100101', '{"a": 1, "ja": "日本"}', '2024-03-01 12:00:00.123'),
 ('emoji 🍣🍺', NULL, 0, NULL, NULL, NULL),
 ('empty note', '', -3.25, b'0', '[1, 2, 3]', '1970-01-01 00:00:01.000'),
 ('quote '' and \\ backslash', 'tab\tnewline\ncr\rctrlZ\Z;semi', 9999999999.99, b'11111111', '{}', '2038-01-19 03:14:07.999');
-- 3000 orders with binary payloads holding NUL bytes, some NULL
INSERT INTO orders (id, customer_id, payload, amount, status, tags)
SELECT n, 1 + n % 4,
       CASE WHEN n % 7 = 0 THEN NULL WHEN n % 5 = 0 THEN '' ELSE CONCAT(UNHEX('00FF00'), SHA2(n, 256), CHAR(0), '\'";') END,
       CASE WHEN n % 11 = 0 THEN NULL ELSE n * 1.000001 / 3 END,
       ELT(1 + n % 3, 'new', 'paid', 'shipped'), IF(n % 2, 'a,c', '')
FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS n
      FROM (SELECT 0 d UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) a,
           (SELECT 0 d UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) b,
           (SELECT 0 d UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) c,
           (SELECT 0 d UNION SELECT 1 UNION SELECT 2) e) nums;
INSERT INTO orders (id, customer_id, payload) VALUES (18446744073709551615, 2, UNHEX('00')), (0, 3, NULL);
INSERT INTO nopk VALUES ('dup', '2024-01-01 00:00:00.000001', UNHEX('0000')), ('dup', '2024-01-01 00:00:00.000001', UNHEX('0000')),
 (NULL, NULL, NULL), ('ünïcödé ✓', '9999-12-31 23:59:59.999999', UNHEX('FF')),
 -- what LOAD DATA text would misread: a literal \N, and tab, newline, backslash bytes
 ('\\N', NULL, UNHEX('5C4E090A0D5C00')), ('a\tb\\N\nc', NULL, UNHEX('09'));
INSERT INTO `odd name-表` VALUES (1, 'a;b', 2), (2, NULL, NULL);
INSERT INTO legacy_cs VALUES (1, 'café Ä', 'naïve £5', 'süß', 'ß ✓'), (2, 'plain', NULL, 'ok', NULL);
INSERT INTO neg_keys VALUES (-9223372036854775808, 'min'), (-1, 'neg'), (0, 'zero'), (9223372036854775807, 'max');

CREATE TRIGGER trg_customers_ins AFTER INSERT ON customers FOR EACH ROW
  INSERT INTO audit (customer_id, what) VALUES (NEW.id, 'insert');
DELIMITER ;;
CREATE TRIGGER trg_orders_upd BEFORE UPDATE ON orders FOR EACH ROW
BEGIN
  IF NEW.amount < 0 THEN SET NEW.amount = 0; END IF;
  SET NEW.tags = 'b';
END;;
CREATE PROCEDURE add_audit(IN cid INT, IN w VARCHAR(20))
BEGIN
  DECLARE x INT DEFAULT 0;
  INSERT INTO audit (customer_id, what) VALUES (cid, CONCAT(w, ';'));
  SET x = x + 1;
END;;
CREATE FUNCTION order_count(cid INT) RETURNS INT READS SQL DATA
  RETURN (SELECT COUNT(*) FROM orders WHERE customer_id = cid);;
DELIMITER ;
CREATE VIEW v_orders AS SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id;
CREATE VIEW v_top AS SELECT name, COUNT(*) AS n FROM v_orders GROUP BY name;
CREATE EVENT ev_cleanup ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE
  DO DELETE FROM audit WHERE what = 'old';
