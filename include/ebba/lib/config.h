/*
 * /etc/ebba/ebba.yaml.  Every setting has a default (config_defaults) and
 * its meaning is documented in packaging/ebba.yaml and ebba.yaml(5).
 * A config is loaded whole or not at all: on reload a failure keeps the
 * old one.
 */
#ifndef EBBA_CONFIG_H
#define EBBA_CONFIG_H

#include <stdbool.h>

#include "ebba/lib/error.h"

#define EBBA_DEFAULT_CONFIG "/etc/ebba/ebba.yaml"

struct register_config {
	char *ssbtek_url;          /* NULL: no SSBTEK configured */
	char *attendance_url;      /* NULL: no attendance service configured */
	char *client_cert;
	char *client_key;
	char *ca_file;
	bool insecure_skip_verify; /* test only; logged loudly at every start */
	int timeout_ms;            /* one attempt */
	int deadline_ms;           /* all attempts for one application */
	int retries;
	int concurrency;
	char *organisation_number; /* the municipality, sent as ingivare */
	/* Asking again before asking a person (schema 029, ebbad.c): a
	 * referral only for want of a register is decided again once they
	 * answer; a failed probe waits retry_every_seconds (0: never ask
	 * again), for retry_window_hours after the first referral, sending
	 * retry_batch at a time. */
	int retry_every_seconds;
	int retry_window_hours;
	int retry_batch;
	char *organisation_name;
};

/* Sample rates: a share 0..1, or -1 (the default) for the rule set's own. */
struct audit_config {
	double sample_approved;    /* share of automatic approvals sampled */
	double sample_referred;
	double sample_rejected;
	char *secret;              /* key of the sample draw; NULL: none set */
	/* Loggar's monthly list of bursts: a day on which a person's views are
	 * at least log_burst_minimum and more than log_burst_factor times
	 * their own median of the 30 days before (store/audit_log.h). */
	int log_burst_factor;
	int log_burst_minimum;
};

/* ebba-web (ebba-web(8)). */
struct web_config {
	char *address;             /* IP address, or an absolute path: a Unix socket */
	int port;
	char *auth;                /* "database" or "proxy" */
	char *database;            /* ebba-web's own connection; NULL: the top-level one */
	char *proxy_header;        /* auth: proxy: the header naming the person */
	char *proxy_peers;         /* trusted to send it, and X-Forwarded-For */
	int session_idle_seconds;
	int session_absolute_seconds;
	int max_sessions;          /* each holds one database connection */
	int max_connections;       /* HTTP connections at once */
	int max_request_bytes;
	int connection_timeout_seconds;   /* an idle connection */
	int header_timeout_seconds;       /* a request's head, from its first byte */
	int request_timeout_seconds;      /* a request arriving, however slowly */
	int max_connections_per_ip;       /* per client address; 0: no limit */
	int threads;
	int login_max_failures;    /* per user name and per client ... */
	int login_lockout_seconds; /* ... within this window, then refused */
	int denied_log_seconds;    /* refusals before a login: one row per this */
	int assign_idle_minutes;   /* a taken case is released after this idle; 0: never */
	char *tls_cert;            /* PEM files; both or neither */
	char *tls_key;
	bool cookie_secure;        /* Secure cookies without tls_cert (TLS at a proxy) */
	char *metrics_listen;      /* HOST:PORT of ebba-web's /metrics; NULL: off */
	/* auth: proxy, signing in through the municipality's identity
	 * provider (daemon/web/sso.h): the trusted headers with the ID
	 * token's claims, what a sign-in must show, where Logga ut goes. */
	char *proxy_acr_header;    /* the acr (or amr) claim */
	char *proxy_required_acr;  /* accepted values, space-separated; NULL: none asked */
	char *proxy_groups_header; /* the provider's groups; NULL: the database's alone */
	char *proxy_group_map;     /* "provider-group=caseworker ..." */
	char *proxy_name_header;   /* the person's name, for the page header */
	char *proxy_title_header;  /* their title */
	char *proxy_logout_url;    /* after Logga ut (RP-initiated logout); NULL: /login */
};

/* ebba-deliver (ebba-deliver(8), docs/delivery.md). */
struct deliver_config {
	char *database;            /* ebba-deliver's own connection; NULL: the top-level one */
	char *print_spool;         /* the print service's directory (0700) */
	char *protected_spool;     /* protected cases, for manual handling */
	int batch_size;            /* letters claimed at once */
	int lease_seconds;         /* a claimed letter is another worker's after this */
	int deadline_seconds;      /* from queued to failed, all attempts */
	int retry_min_seconds;     /* the first backoff, doubled each attempt ... */
	int retry_max_seconds;     /* ... up to this */
	int poll_interval_ms;      /* fallback when no NOTIFY arrives */
	char *metrics_listen;      /* HOST:PORT of its /metrics; NULL: off */
	/* The digital mailbox, Mina meddelanden (daemon/deliver/mailbox.c).
	 * Only ebba-deliver reads these, and only it may read the key files. */
	char *mailbox_url;         /* the recipient service (isReachable v3); NULL: print only */
	char *mailbox_client_cert; /* PEM, mutual TLS to the recipient service and suppliers */
	char *mailbox_client_key;
	char *mailbox_ca_file;     /* PEM bundle; NULL: the system store */
	bool mailbox_insecure_skip_verify;   /* test only; logged loudly */
	int mailbox_timeout_ms;    /* one request */
	int mailbox_retries;       /* quick retries of one request, before the outbox's backoff */
	char *signing_key;         /* PEM: the municipality's key that signs each delivery */
	char *signing_cert;        /* PEM: its certificate, sent in the signature's KeyInfo */
	char *sender_org_number;   /* 16 + ten digits; NULL: 16 + registers.organisation_number */
	char *sender_name;         /* NULL: registers.organisation_name */
	char *support_text;        /* the message's support information, shown with the letter */
};

/* retention: (gallring, docs/retention.md); the years themselves are the
 * rule set's (rules/retention.yaml) */
struct retention_config {
	bool keep_all;             /* keep every case (the research areas of SoF 13 kap. 1 §) */
	int access_log_years;      /* access-log rows go after this many years */
	int batch_size;            /* cases removed per transaction */
};

struct ebba_config {
	char *path;                /* where it was read from, or NULL */
	char *database;            /* libpq conninfo; "" = libpq environment */
	char *rules_dir;
	char *whatif_rules_dir;    /* candidates for ebba-web's What-if: its subdirectories; NULL: none */
	char *worker_name;         /* NULL: hostname:pid */
	int batch_size;
	int lease_seconds;
	int max_attempts;          /* claims before a row is quarantined */
	int poll_interval_ms;      /* fallback when no NOTIFY arrives */
	int statement_timeout_ms;
	int max_document_bytes;
	int shutdown_grace_ms;     /* SIGTERM: finish the batch within this */
	bool allow_reject;         /* may checks reject automatically? */
	char *log_level;
	char *metrics_listen;      /* HOST:PORT of /metrics, /healthz, /readyz; NULL: off */
	struct register_config registers;
	struct audit_config audit;
	struct web_config web;
	struct deliver_config deliver;
	struct retention_config retention;
};

/* Fills cfg with the defaults (all strings owned by cfg). */
void config_defaults(struct ebba_config *cfg);

/*
 * Loads path over the defaults.  A missing file is an error only when
 * must_exist; otherwise the defaults stand.  Errors are file:line:col.
 */
int config_load(const char *path, bool must_exist, struct ebba_config *cfg,
		struct ebba_err *err);

void config_free(struct ebba_config *cfg);

#endif
