/*
 * Configuration file loading through lib/yaml, which keeps the line and
 * column of every node for error messages.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/config.h"
#include "ebba/lib/util.h"
#include "ebba/lib/yaml.h"

#define CONFIG_MAX_BYTES (256 * 1024)

void config_defaults(struct ebba_config *c)
{
	*c = (struct ebba_config){
		.database = xstrdup(""),
		.rules_dir = xstrdup("/usr/share/ebba/rules"),
		.batch_size = 64,
		.lease_seconds = 120,
		.max_attempts = 5,
		.poll_interval_ms = 5000,
		.statement_timeout_ms = 30000,
		.max_document_bytes = 256 * 1024,
		.shutdown_grace_ms = 10000,
		.log_level = xstrdup("info"),
		.registers = {
			.timeout_ms = 3000,
			.deadline_ms = 15000,
			.retries = 3,
			.concurrency = 64,
			.retry_every_seconds = 900,
			.retry_window_hours = 24,
			.retry_batch = 50,
		},
		/* -1: the rule set's audit section decides the rate. */
		.audit = {.sample_approved = -1, .sample_referred = -1, .sample_rejected = -1,
			  .log_burst_factor = 3, .log_burst_minimum = 50},
		.web = {
			.address = xstrdup("127.0.0.1"),
			.port = 8080,
			.auth = xstrdup("database"),
			.proxy_header = xstrdup("X-Remote-User"),
			.proxy_peers = xstrdup("127.0.0.1 ::1"),
			.session_idle_seconds = 1800,
			.session_absolute_seconds = 36000,
			.max_sessions = 100,
			.max_connections = 256,
			.max_request_bytes = 64 * 1024,
			.connection_timeout_seconds = 30,
			.header_timeout_seconds = 10,
			.request_timeout_seconds = 60,
			.max_connections_per_ip = 32,
			.threads = 4,
			.login_max_failures = 5,
			.login_lockout_seconds = 300,
			.proxy_acr_header = xstrdup("X-Ebba-Acr"),
			.proxy_group_map = xstrdup("ebba-handlaggare=caseworker ebba-chef=supervisor ebba-logg=auditor"),
			.proxy_name_header = xstrdup("X-Ebba-Name"),
			.proxy_title_header = xstrdup("X-Ebba-Title"),
			.denied_log_seconds = 60,
			.assign_idle_minutes = 240,
		},
		.deliver = {
			.print_spool = xstrdup("/var/spool/ebba/print"),
			.protected_spool = xstrdup("/var/spool/ebba/protected"),
			.batch_size = 16,
			.lease_seconds = 300,
			.deadline_seconds = 3 * 86400,
			.retry_min_seconds = 30,
			.retry_max_seconds = 3600,
			.poll_interval_ms = 5000,
			.mailbox_timeout_ms = 10000,
			.mailbox_retries = 2,
			.support_text = xstrdup("Har du frågor om beslutet? Kontakta din handläggare på socialtjänsten."),
		},
		.retention = {
			.access_log_years = 5,
			.batch_size = 100,
		},
	};
}

void config_free(struct ebba_config *c)
{
	free(c->path);
	free(c->database);
	free(c->rules_dir);
	free(c->whatif_rules_dir);
	free(c->worker_name);
	free(c->log_level);
	free(c->metrics_listen);
	struct register_config *r = &c->registers;
	free(r->ssbtek_url);
	free(r->attendance_url);
	free(r->client_cert);
	free(r->client_key);
	free(r->ca_file);
	free(r->organisation_number);
	free(r->organisation_name);
	free(c->audit.secret);
	struct web_config *w = &c->web;
	free(w->address);
	free(w->auth);
	free(w->database);
	free(w->proxy_header);
	free(w->proxy_peers);
	free(w->tls_cert);
	free(w->tls_key);
	free(w->metrics_listen);
	free(w->proxy_acr_header);
	free(w->proxy_required_acr);
	free(w->proxy_groups_header);
	free(w->proxy_group_map);
	free(w->proxy_name_header);
	free(w->proxy_title_header);
	free(w->proxy_logout_url);
	struct deliver_config *d = &c->deliver;
	free(d->database);
	free(d->print_spool);
	free(d->protected_spool);
	free(d->metrics_listen);
	free(d->mailbox_url);
	free(d->mailbox_client_cert);
	free(d->mailbox_client_key);
	free(d->mailbox_ca_file);
	free(d->signing_key);
	free(d->signing_cert);
	free(d->sender_org_number);
	free(d->sender_name);
	free(d->support_text);
	*c = (struct ebba_config){0};
}

enum kind { K_STR, K_INT, K_BOOL, K_RATE };

struct setting {
	const char *key;
	enum kind kind;
	size_t offset;
	long min, max;      /* K_INT range */
};

#define S(k, kind, field, lo, hi) {k, kind, offsetof(struct ebba_config, field), lo, hi}
static const struct setting top_settings[] = {
	S("database", K_STR, database, 0, 0),
	S("rules_dir", K_STR, rules_dir, 0, 0),
	S("whatif_rules_dir", K_STR, whatif_rules_dir, 0, 0),
	S("worker_name", K_STR, worker_name, 0, 0),
	S("batch_size", K_INT, batch_size, 1, 10000),
	S("lease_seconds", K_INT, lease_seconds, 1, 86400),
	S("max_attempts", K_INT, max_attempts, 1, 1000),
	S("poll_interval_ms", K_INT, poll_interval_ms, 10, 3600000),
	S("statement_timeout_ms", K_INT, statement_timeout_ms, 0, 3600000),
	S("max_document_bytes", K_INT, max_document_bytes, 1024, 64 * 1024 * 1024),
	S("shutdown_grace_ms", K_INT, shutdown_grace_ms, 0, 600000),
	S("allow_reject", K_BOOL, allow_reject, 0, 0),
	S("log_level", K_STR, log_level, 0, 0),
	S("metrics_listen", K_STR, metrics_listen, 0, 0),
};
static const struct setting register_settings[] = {
	S("ssbtek_url", K_STR, registers.ssbtek_url, 0, 0),
	S("attendance_url", K_STR, registers.attendance_url, 0, 0),
	S("client_cert", K_STR, registers.client_cert, 0, 0),
	S("client_key", K_STR, registers.client_key, 0, 0),
	S("ca_file", K_STR, registers.ca_file, 0, 0),
	S("insecure_skip_verify", K_BOOL, registers.insecure_skip_verify, 0, 0),
	S("timeout_ms", K_INT, registers.timeout_ms, 1, 600000),
	S("deadline_ms", K_INT, registers.deadline_ms, 1, 3600000),
	S("retries", K_INT, registers.retries, 0, 100),
	S("concurrency", K_INT, registers.concurrency, 1, 10000),
	S("retry_every_seconds", K_INT, registers.retry_every_seconds, 0, 86400),
	S("retry_window_hours", K_INT, registers.retry_window_hours, 1, 720),
	S("retry_batch", K_INT, registers.retry_batch, 1, 10000),
	S("organisation_number", K_STR, registers.organisation_number, 0, 0),
	S("organisation_name", K_STR, registers.organisation_name, 0, 0),
};
static const struct setting audit_settings[] = {
	S("sample_approved", K_RATE, audit.sample_approved, 0, 0),
	S("sample_referred", K_RATE, audit.sample_referred, 0, 0),
	S("sample_rejected", K_RATE, audit.sample_rejected, 0, 0),
	S("secret", K_STR, audit.secret, 0, 0),
	S("log_burst_factor", K_INT, audit.log_burst_factor, 1, 1000),
	S("log_burst_minimum", K_INT, audit.log_burst_minimum, 1, 1000000),
};
static const struct setting web_settings[] = {
	S("address", K_STR, web.address, 0, 0),
	S("port", K_INT, web.port, 0, 65535),
	S("auth", K_STR, web.auth, 0, 0),
	S("database", K_STR, web.database, 0, 0),
	S("proxy_header", K_STR, web.proxy_header, 0, 0),
	S("proxy_peers", K_STR, web.proxy_peers, 0, 0),
	S("session_idle_seconds", K_INT, web.session_idle_seconds, 10, 86400),
	S("session_absolute_seconds", K_INT, web.session_absolute_seconds, 60, 7 * 86400),
	S("max_sessions", K_INT, web.max_sessions, 1, 10000),
	S("max_connections", K_INT, web.max_connections, 1, 10000),
	S("max_request_bytes", K_INT, web.max_request_bytes, 1024, 64 * 1024 * 1024),
	S("connection_timeout_seconds", K_INT, web.connection_timeout_seconds, 1, 3600),
	S("header_timeout_seconds", K_INT, web.header_timeout_seconds, 1, 3600),
	S("request_timeout_seconds", K_INT, web.request_timeout_seconds, 1, 3600),
	S("max_connections_per_ip", K_INT, web.max_connections_per_ip, 0, 10000),
	S("threads", K_INT, web.threads, 1, 64),
	S("login_max_failures", K_INT, web.login_max_failures, 1, 1000),
	S("login_lockout_seconds", K_INT, web.login_lockout_seconds, 1, 86400),
	S("denied_log_seconds", K_INT, web.denied_log_seconds, 1, 3600),
	S("assign_idle_minutes", K_INT, web.assign_idle_minutes, 0, 7 * 24 * 60),
	S("tls_cert", K_STR, web.tls_cert, 0, 0),
	S("tls_key", K_STR, web.tls_key, 0, 0),
	S("cookie_secure", K_BOOL, web.cookie_secure, 0, 0),
	S("metrics_listen", K_STR, web.metrics_listen, 0, 0),
	S("proxy_acr_header", K_STR, web.proxy_acr_header, 0, 0),
	S("proxy_required_acr", K_STR, web.proxy_required_acr, 0, 0),
	S("proxy_groups_header", K_STR, web.proxy_groups_header, 0, 0),
	S("proxy_group_map", K_STR, web.proxy_group_map, 0, 0),
	S("proxy_name_header", K_STR, web.proxy_name_header, 0, 0),
	S("proxy_title_header", K_STR, web.proxy_title_header, 0, 0),
	S("proxy_logout_url", K_STR, web.proxy_logout_url, 0, 0),
};
static const struct setting retention_settings[] = {
	S("keep_all", K_BOOL, retention.keep_all, 0, 0),
	S("access_log_years", K_INT, retention.access_log_years, 1, 100),
	S("batch_size", K_INT, retention.batch_size, 1, 10000),
};
static const struct setting deliver_settings[] = {
	S("database", K_STR, deliver.database, 0, 0),
	S("print_spool", K_STR, deliver.print_spool, 0, 0),
	S("protected_spool", K_STR, deliver.protected_spool, 0, 0),
	S("batch_size", K_INT, deliver.batch_size, 1, 1000),
	S("lease_seconds", K_INT, deliver.lease_seconds, 1, 86400),
	S("deadline_seconds", K_INT, deliver.deadline_seconds, 1, 90 * 86400),
	S("retry_min_seconds", K_INT, deliver.retry_min_seconds, 1, 86400),
	S("retry_max_seconds", K_INT, deliver.retry_max_seconds, 1, 86400),
	S("poll_interval_ms", K_INT, deliver.poll_interval_ms, 10, 3600000),
	S("metrics_listen", K_STR, deliver.metrics_listen, 0, 0),
	S("mailbox_url", K_STR, deliver.mailbox_url, 0, 0),
	S("mailbox_client_cert", K_STR, deliver.mailbox_client_cert, 0, 0),
	S("mailbox_client_key", K_STR, deliver.mailbox_client_key, 0, 0),
	S("mailbox_ca_file", K_STR, deliver.mailbox_ca_file, 0, 0),
	S("mailbox_insecure_skip_verify", K_BOOL, deliver.mailbox_insecure_skip_verify, 0, 0),
	S("mailbox_timeout_ms", K_INT, deliver.mailbox_timeout_ms, 100, 600000),
	S("mailbox_retries", K_INT, deliver.mailbox_retries, 0, 10),
	S("signing_key", K_STR, deliver.signing_key, 0, 0),
	S("signing_cert", K_STR, deliver.signing_cert, 0, 0),
	S("sender_org_number", K_STR, deliver.sender_org_number, 0, 0),
	S("sender_name", K_STR, deliver.sender_name, 0, 0),
	S("support_text", K_STR, deliver.support_text, 0, 0),
};
#undef S

struct loader {
	const struct ydoc *doc;
	struct ebba_config *cfg;
	struct ebba_err *err;
};

static int set_scalar(struct loader *l, const struct setting *s, const struct ynode *v)
{
	char *field = (char *)l->cfg + s->offset;
	const char *text;
	int64_t n;
	switch (s->kind) {
	case K_STR:
		if (yget_str(l->doc, v, s->key, &text, l->err) != 0)
			return -1;
		free(*(char **)field);
		*(char **)field = xstrdup(text);
		return 0;
	case K_BOOL:
		return yget_bool(l->doc, v, s->key, (bool *)field, l->err);
	case K_INT:
		if (yget_int(l->doc, v, s->key, s->min, s->max, &n, l->err) != 0)
			return -1;
		*(int *)field = (int)n;
		return 0;
	case K_RATE: {
		if (yget_str(l->doc, v, s->key, &text, l->err) != 0)
			return -1;
		char *end;
		double d = strtod(text, &end);
		if (*end || end == text || !((d >= 0.0 && d <= 1.0) || d == -1.0))
			return yerrf(l->doc, v, l->err, "%s: expected a share from 0 to 1 (e.g. 0.10), or -1 for the rule set's", s->key);
		*(double *)field = d;
		return 0;
	}
	}
	return 0;
}

static int load_map(struct loader *l, const struct ynode *map, const struct setting *set,
		    size_t nset, const char *section);

static int load_pair(struct loader *l, const struct ynode *k, const struct ynode *v,
		     const struct setting *set, size_t nset, const char *section)
{
	if (k->kind != YN_SCALAR)
		return yerrf(l->doc, k, l->err, "%s", "keys must be plain names");
	const char *key = k->text;
	if (!section && strcmp(key, "registers") == 0)
		return load_map(l, v, register_settings, ARRAY_LEN(register_settings), "registers");
	if (!section && strcmp(key, "audit") == 0)
		return load_map(l, v, audit_settings, ARRAY_LEN(audit_settings), "audit");
	if (!section && strcmp(key, "web") == 0)
		return load_map(l, v, web_settings, ARRAY_LEN(web_settings), "web");
	if (!section && strcmp(key, "deliver") == 0)
		return load_map(l, v, deliver_settings, ARRAY_LEN(deliver_settings), "deliver");
	if (!section && strcmp(key, "retention") == 0)
		return load_map(l, v, retention_settings, ARRAY_LEN(retention_settings), "retention");
	for (size_t i = 0; i < nset; i++)
		if (strcmp(set[i].key, key) == 0)
			return set_scalar(l, &set[i], v);
	return yerrf(l->doc, k, l->err, "unknown setting '%s%s%s'", section ? section : "",
		     section ? "." : "", key);
}

static int load_map(struct loader *l, const struct ynode *map, const struct setting *set,
		    size_t nset, const char *section)
{
	if (map->kind != YN_MAP)
		return yerrf(l->doc, map, l->err, "%s: expected a mapping of settings",
			     section ? section : "top level");
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (load_pair(l, &map->kids[i], &map->kids[i + 1], set, nset, section) != 0)
			return -1;
	return 0;
}

static const struct ylimits config_limits = {.max_bytes = CONFIG_MAX_BYTES, .max_depth = 4};

int config_load(const char *path, bool must_exist, struct ebba_config *cfg,
		struct ebba_err *err)
{
	FILE *probe = fopen(path, "r");
	if (!probe && !must_exist && errno == ENOENT)
		return 0;
	if (probe)
		fclose(probe);
	struct ydoc *doc = ydoc_load(path, &config_limits, err);
	if (!doc)
		return -1;
	int rc = 0;
	if (doc->root) {
		struct loader l = {doc, cfg, err};
		rc = load_map(&l, doc->root, top_settings, ARRAY_LEN(top_settings), NULL);
	}
	ydoc_free(doc);
	if (rc == 0) {
		free(cfg->path);
		cfg->path = xstrdup(path);
	}
	return rc;
}
