/* Pre-window safety checks on server variables and status, against a target when given. */
#include "config.h"
#include "mysql/dbcheck.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Variables and status every check may use, read once per server; names portable to MySQL 5.6+,
 * MariaDB and Aurora. */
static json_t *server_vars(struct dbconn *c)
{
	static const char *const q[] = {
		"SHOW GLOBAL VARIABLES WHERE Variable_name IN ('max_connections', 'log_bin', 'binlog_format', "
		"'expire_logs_days', 'binlog_expire_logs_seconds', 'read_only', 'super_read_only', 'time_zone', "
		"'system_time_zone', 'character_set_server', 'collation_server', 'version', 'server_id')",
		"SHOW GLOBAL STATUS WHERE Variable_name IN ('Max_used_connections', 'Threads_connected')",
		"SELECT 'utc_offset_minutes', TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())",
	};
	json_t *v = json_object();
	for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
		struct dbres *r = NULL;
		if (dbconn_query(c, q[k], &r) < 0) {
			json_decref(v);
			return NULL;
		}
		for (size_t i = 0; i < r->nrows; i++) {
			char *key = xstrdup(dbres_get(r, i, 0));
			for (char *p = key; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			json_object_set_new(v, key, json_string(dbres_get(r, i, 1) ? dbres_get(r, i, 1) : ""));
			free(key);
		}
		dbres_free(r);
	}
	return v;
}

static const char *sv(json_t *v, const char *k)
{
	const char *s = json_string_value(json_object_get(v, k));
	return s ? s : "";
}

static long long nv(json_t *v, const char *k)
{
	return strtoll(sv(v, k), NULL, 10);
}

static bool on(json_t *v, const char *k)
{
	return strcasecmp(sv(v, k), "ON") == 0 || strcmp(sv(v, k), "1") == 0;
}

static json_t *result(const char *name, const char *status, char *reason)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "name", name, "status", status, "reason", reason);
	free(reason);
	return o;
}

static json_t *check_connections(json_t *v, json_t *params)
{
	long long max = nv(v, "max_connections"), used = nv(v, "max_used_connections"), now = nv(v, "threads_connected");
	double headroom = json_is_number(json_object_get(params, "headroom"))
		? json_number_value(json_object_get(params, "headroom")) : 0.2;
	json_t *o;
	if (used >= max)
		o = result("connections", "fail", xasprintf("Max_used_connections %lld reached max_connections %lld: "
							  "clients were refused; raise max_connections", used, max));
	else if ((double)used > (double)max * (1 - headroom))
		o = result("connections", "warn", xasprintf("Max_used_connections %lld is within %.0f%% of "
							  "max_connections %lld", used, headroom * 100, max));
	else if (max <= 151)
		o = result("connections", "warn", xasprintf("max_connections is %lld, the server default: check it "
							  "fits the application's pools (peak %lld)", max, used));
	else
		o = result("connections", "ok", xasprintf("max_connections %lld, peak %lld, now %lld", max, used, now));
	json_object_set_new(o, "max_connections", json_integer(max));
	json_object_set_new(o, "max_used_connections", json_integer(used));
	json_object_set_new(o, "threads_connected", json_integer(now));
	return o;
}

static json_t *check_binlog(json_t *v, json_t *params)
{
	double min_h = json_is_number(json_object_get(params, "min_retention_hours"))
		? json_number_value(json_object_get(params, "min_retention_hours")) : 24;
	long long secs = nv(v, "binlog_expire_logs_seconds");
	if (!secs)
		secs = nv(v, "expire_logs_days") * 86400;
	json_t *o;
	if (!on(v, "log_bin"))
		o = result("binlog", "fail", xstrdup("log_bin is OFF: no replica can be created from this server"));
	else if (strcasecmp(sv(v, "binlog_format"), "ROW") != 0)
		o = result("binlog", "fail", xasprintf("binlog_format is %s: use ROW for replication to Aurora",
						     sv(v, "binlog_format")));
	else if (secs > 0 && secs < min_h * 3600)
		o = result("binlog", "warn", xasprintf("binlogs are kept %.1f h, less than %.0f h: a slow dump "
						     "may outlive them", secs / 3600.0, min_h));
	else
		o = result("binlog", "ok", secs ? xasprintf("ROW binlog kept %.1f h", secs / 3600.0)
					      : xstrdup("ROW binlog, never expired by the server (RDS: check "
							"mysql.rds_show_configuration)"));
	json_object_set_new(o, "binlog_format", json_string(sv(v, "binlog_format")));
	json_object_set_new(o, "retention_seconds", json_integer(secs));
	return o;
}

static json_t *check_version(struct dbconn *c, struct dbconn *t)
{
	unsigned long major = c->vnum / 100;
	json_t *o;
	if (c->flavour != DB_MARIADB && major < 507)
		o = result("version", "fail", xasprintf("%s %s cannot feed an Aurora MySQL replica: upgrade to 5.7 first",
						      dbflavour_name(c->flavour), c->version));
	else if (t && c->flavour == DB_MARIADB && t->flavour != DB_MARIADB)
		o = result("version", "warn", xasprintf("MariaDB %s to %s %s: binlog replication between them is "
						      "limited (GTIDs differ); plan a dump/restore", c->version,
						      dbflavour_name(t->flavour), t->version));
	else if (t && t->flavour == c->flavour && t->vnum / 100 < major)
		o = result("version", "fail", xasprintf("target %s is older than source %s: replication only "
						      "works to the same or a newer version", t->version, c->version));
	else
		o = result("version", "ok", xasprintf("%s %s%s%s", dbflavour_name(c->flavour), c->version,
						    t ? " -> " : "", t ? t->version : ""));
	json_object_set_new(o, "version", json_string(c->version));
	json_object_set_new(o, "flavour", json_string(dbflavour_name(c->flavour)));
	return o;
}

static json_t *check_read_only(json_t *v, json_t *params)
{
	bool ro = on(v, "read_only") || on(v, "super_read_only");
	json_t *want = json_object_get(params, "expect_read_only");
	json_t *o;
	if (json_is_boolean(want) && json_is_true(want) != ro)
		o = result("read_only", "fail", xasprintf("read_only is %s, expected %s", ro ? "ON" : "OFF",
							json_is_true(want) ? "ON" : "OFF"));
	else
		o = result("read_only", "ok", xasprintf("read_only is %s", ro ? "ON" : "OFF"));
	json_object_set_new(o, "read_only", json_boolean(ro));
	return o;
}

static json_t *check_pair(const char *name, json_t *a, json_t *b, const char *const *keys)
{
	if (!b)
		return result(name, "warn", xstrdup("no target to compare with"));
	struct sbuf diff;
	sbuf_init(&diff);
	for (int i = 0; keys[i]; i++)
		if (strcmp(sv(a, keys[i]), sv(b, keys[i])) != 0)
			sbuf_addf(&diff, "%s%s %s vs %s", diff.len ? "; " : "", keys[i], sv(a, keys[i]), sv(b, keys[i]));
	json_t *o = diff.len ? result(name, "fail", xasprintf("source and target differ: %s", diff.data))
			     : result(name, "ok", xasprintf("same %s (%s)", keys[0], sv(a, keys[0])));
	sbuf_free(&diff);
	return o;
}

json_t *dbcheck_one(struct dbconn *c, struct dbconn *t, const char *name, json_t *params)
{
	static const char *const tz_keys[] = {"utc_offset_minutes", "time_zone", NULL};
	static const char *const cs_keys[] = {"character_set_server", "collation_server", NULL};
	static const char *const names[] = {"connections", "binlog", "version", "read_only", "timezone", "charset", NULL};
	int k = -1;
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			k = i;
	if (k < 0) {
		snprintf(c->err, sizeof c->err, "unknown check '%s' (connections, binlog, version, read_only, "
			 "timezone, charset)", name);
		c->errnum = 0;
		return NULL;
	}
	json_t *v = server_vars(c), *tv = NULL, *o = NULL;
	if (!v)
		return NULL;
	if (t && (k == 4 || k == 5) && !(tv = server_vars(t))) {
		memcpy(c->err, t->err, sizeof c->err);
		c->errnum = t->errnum;
		json_decref(v);
		return NULL;
	}
	switch (k) {
	case 0: o = check_connections(v, params); break;
	case 1: o = check_binlog(v, params); break;
	case 2: o = check_version(c, t); break;
	case 3: o = check_read_only(v, params); break;
	case 4: o = check_pair("timezone", v, tv, tz_keys); break;
	default: o = check_pair("charset", v, tv, cs_keys); break;
	}
	json_decref(v);
	json_decref(tv);
	return o;
}

json_t *dbcheck_all(struct dbconn *c, struct dbconn *t, json_t *params)
{
	static const char *const names[] = {"connections", "binlog", "version", "read_only", "timezone", "charset", NULL};
	json_t *list = json_array();
	int worst = 0;
	for (int i = 0; names[i]; i++) {
		if (!t && i >= 4)
			continue;
		json_t *o = dbcheck_one(c, t, names[i], params);
		if (!o) {
			json_decref(list);
			return NULL;
		}
		const char *st = json_string_value(json_object_get(o, "status"));
		int lvl = strcmp(st, "fail") == 0 ? 2 : strcmp(st, "warn") == 0 ? 1 : 0;
		worst = lvl > worst ? lvl : worst;
		json_array_append_new(list, o);
	}
	return json_pack("{s:s,s:o}", "status", worst == 2 ? "fail" : worst == 1 ? "warn" : "ok", "checks", list);
}
