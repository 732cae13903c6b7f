#!/usr/bin/env bash
# compare.sh SRC_SOCKET SRC_DB DST_SOCKET DST_DB: exact comparison of two schemas on two
# servers: per table row count, CHECKSUM TABLE and an order-independent BIT_XOR of CRC32
# over every column; SHOW CREATE TABLE; views, triggers, routines and events. Prints the
# differences and exits 1 if there are any.
set -euo pipefail
ss=$1 sdb=$2 ds=$3 ddb=$4
m() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$1" --batch --skip-column-names -e "$2"; }

describe() { # describe SOCKET DB
  local s=$1 db=$2 t cols
  while IFS= read -r t; do
    cols=$(m "$s" "SELECT GROUP_CONCAT(CONCAT('IFNULL(HEX(\`', REPLACE(COLUMN_NAME, '\`', '\`\`'), '\`),''~NULL'')') ORDER BY ORDINAL_POSITION SEPARATOR ',') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$db' AND TABLE_NAME='$t'")
    qt=${t//\`/\`\`}
    echo "table $t: $(m "$s" "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', $cols))),0), COALESCE(SUM(CRC32(CONCAT_WS('|', $cols))),0) FROM \`$db\`.\`$qt\`")"
    echo "checksum $t: $(m "$s" "CHECKSUM TABLE \`$db\`.\`$qt\` EXTENDED" | cut -f2)"
    m "$s" "SHOW CREATE TABLE \`$db\`.\`$qt\`" | cut -f2- | sed 's/AUTO_INCREMENT=[0-9]* //' | sed "s/^/create $t: /"
  done < <(m "$s" "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db' AND TABLE_TYPE='BASE TABLE' ORDER BY TABLE_NAME")
  m "$s" "SELECT TABLE_NAME, REPLACE(VIEW_DEFINITION, '\`$db\`.', '') FROM information_schema.VIEWS WHERE TABLE_SCHEMA='$db' ORDER BY 1" | sed 's/^/view /'
  m "$s" "SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_TIMING, ACTION_ORDER, MD5(ACTION_STATEMENT), SQL_MODE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='$db' ORDER BY 1" | sed 's/^/trigger /'
  m "$s" "SELECT ROUTINE_NAME, ROUTINE_TYPE, MD5(ROUTINE_DEFINITION), SQL_MODE, DTD_IDENTIFIER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='$db' ORDER BY 1" | sed 's/^/routine /'
  m "$s" "SELECT EVENT_NAME, MD5(EVENT_DEFINITION), STATUS, INTERVAL_VALUE, INTERVAL_FIELD, STARTS FROM information_schema.EVENTS WHERE EVENT_SCHEMA='$db' ORDER BY 1" | sed 's/^/event /'
}

a=$(describe "$ss" "$sdb") b=$(describe "$ds" "$ddb")
if [ "$a" != "$b" ]; then
  echo "compare: $sdb and $ddb differ:" >&2
  diff <(echo "$a") <(echo "$b") >&2 || true
  exit 1
fi
echo "compare: $sdb == $ddb ($(grep -c '^table ' <<<"$a") tables, $(grep -c '^view \|^trigger \|^routine \|^event ' <<<"$a") other objects)"
