/*
 * ebba-regsim: the register simulator (docs/architecture.md §5.3).
 *
 * Serves, on 127.0.0.1 only, from a fixtures directory:
 *   POST /ssbtek                      SSBTEK v10 SOAP (hamtaBastjanstInformation)
 *   POST /attendance                  attendance, the form body pnr=P&period=M
 *                                     (never in the URL); no plan file -> 404
 *   POST /mailbox/recipient           Mina meddelanden: isReachable v3
 *   POST /mailbox/supplier/NAME       a service supplier: distributeSecure v3,
 *                                     the signature checked with xmlsec
 *   GET  /mailbox/deliveries          what the suppliers kept, by message id
 *   GET  /control?...                 change fault injection at run time
 *   GET  /stats                       the counters, one line
 * See usage() for the options.  Fault injection is decided per request with
 * a seeded generator, so a run is reproducible given the same request order.
 *
 * Delays never block a worker thread: the connection is suspended and a
 * timer thread resumes it when the delay is over (hangs and drips too), so a
 * few threads serve thousands of slow requests at once.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "ebba/lib/log.h"
#include "ebba/lib/pnr.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/lib/util.h"
#include "regsim.h"

/* ------------------------------------------------------------ settings */

enum { EP_SSBTEK, EP_ATTENDANCE, EP_RECIPIENT, EP_SUPPLIER, EP_COUNT };
static const char *const ep_names[EP_COUNT] = { "ssbtek", "attendance", "recipient", "supplier" };

struct faults {
	int latency_ms, jitter_ms;
	double error_rate, hang_rate, truncate_rate, garbage_rate, drip_rate;
};

static struct {
	const char *dir;
	int hang_ms;                 /* how long a hang lasts before we close */
	int drip_ms;                 /* how long a dripped body takes */
	uint64_t seed;
	pthread_mutex_t lock;        /* guards f and agency_errors */
	struct faults f[EP_COUNT];
	unsigned agency_errors;
	atomic_uint_fast64_t seq;
} sim = { .dir = ".", .hang_ms = 60000, .drip_ms = 3000, .seed = 1,
	  .lock = PTHREAD_MUTEX_INITIALIZER };

/* HTTPS (--tls-cert, --tls-key); with --tls-client-ca every client must
 * present a certificate that it signed, as Mina meddelanden's services
 * and SSBTEK ask.  The files' contents; NULL: plain HTTP. */
static struct {
	char *cert, *key, *client_ca;
} tls;

static struct {
	atomic_uint_fast64_t total, ssbtek, attendance, mailbox, not_found, bad_request, soap_fault,
		control, error, hang, truncate, garbage, drip;
} stats;

/* -------------------------------------------------------------- random */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) / (double)(1ULL << 53);
}

/* --------------------------------------------------------------- timer */

/*
 * A min-heap of suspended connections and when to resume them.  stop()
 * resumes everything at once so the daemon can shut down.
 */
struct tentry {
	uint64_t at;
	struct MHD_Connection *conn;
};

static struct {
	pthread_mutex_t m;
	pthread_cond_t cv;
	struct tentry *heap;
	size_t n, cap;
	bool stop;
	pthread_t thread;
} tq = { .m = PTHREAD_MUTEX_INITIALIZER };

static void heap_push(struct tentry e)
{
	if (tq.n == tq.cap) {
		tq.cap = tq.cap ? tq.cap * 2 : 256;
		tq.heap = xrealloc(tq.heap, tq.cap * sizeof(*tq.heap));
	}
	size_t i = tq.n++;
	while (i > 0 && tq.heap[(i - 1) / 2].at > e.at) {
		tq.heap[i] = tq.heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	tq.heap[i] = e;
}

static struct tentry heap_pop(void)
{
	struct tentry top = tq.heap[0], last = tq.heap[--tq.n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= tq.n)
			break;
		if (c + 1 < tq.n && tq.heap[c + 1].at < tq.heap[c].at)
			c++;
		if (tq.heap[c].at >= last.at)
			break;
		tq.heap[i] = tq.heap[c];
		i = c;
	}
	if (tq.n)
		tq.heap[i] = last;
	return top;
}

/* The connection must already be suspended. */
static void timer_add(struct MHD_Connection *c, uint64_t delay_ms)
{
	pthread_mutex_lock(&tq.m);
	if (tq.stop) {
		pthread_mutex_unlock(&tq.m);
		MHD_resume_connection(c);
		return;
	}
	heap_push((struct tentry){ now_usec() + delay_ms * 1000, c });
	pthread_cond_signal(&tq.cv);
	pthread_mutex_unlock(&tq.m);
}

static void *timer_main(void *arg)
{
	pthread_mutex_lock(&tq.m);
	for (;;) {
		if (tq.n == 0 && tq.stop)
			break;
		if (tq.n == 0) {
			pthread_cond_wait(&tq.cv, &tq.m);
			continue;
		}
		uint64_t now = now_usec();
		if (tq.heap[0].at > now && !tq.stop) {
			uint64_t wait = tq.heap[0].at - now;
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t ns = (uint64_t)ts.tv_nsec + (wait % 1000000) * 1000;
			ts.tv_sec += (time_t)(wait / 1000000 + ns / 1000000000);
			ts.tv_nsec = (long)(ns % 1000000000);
			pthread_cond_timedwait(&tq.cv, &tq.m, &ts);
			continue;
		}
		struct tentry e = heap_pop();
		pthread_mutex_unlock(&tq.m);
		MHD_resume_connection(e.conn);
		pthread_mutex_lock(&tq.m);
	}
	pthread_mutex_unlock(&tq.m);
	return NULL;
}

static void timer_start(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&tq.cv, &a);
	pthread_condattr_destroy(&a);
	if (pthread_create(&tq.thread, NULL, timer_main, NULL) != 0)
		fatal("regsim: cannot start the timer thread");
}

static void timer_stop(void)
{
	pthread_mutex_lock(&tq.m);
	tq.stop = true;
	pthread_cond_signal(&tq.cv);
	pthread_mutex_unlock(&tq.m);
}

/* ------------------------------------------------------------- requests */

enum phase { PH_BODY, PH_DELAYED, PH_HUNG };
enum fault { F_NONE, F_ERROR, F_HANG, F_TRUNCATE, F_GARBAGE, F_DRIP };

#define MAX_REQUEST (16u << 20)   /* a delivery carries a PDF */

struct req {
	enum phase phase;
	struct ebba_buf in;
	bool too_big;
	struct MHD_Connection *conn;
	/* The answer, prepared before any delay. */
	unsigned status;
	const char *ctype;
	struct ebba_buf out;
	enum fault fault;
	size_t chunk;                /* drip chunk size */
	uint64_t rng;
	char supplier[32];           /* EP_SUPPLIER: which */
};

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *req_cls;
	if (!r)
		return;
	buf_free(&r->in);
	buf_free(&r->out);
	free(r);
	*req_cls = NULL;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
				const char *data, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	enum MHD_Result rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return send_buf(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* Serves truncated (cut half way, then the connection drops) and dripped bodies. */
static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct req *r = cls;
	size_t limit = r->fault == F_TRUNCATE ? r->out.len / 2 : r->out.len;
	if (pos >= limit)
		return r->fault == F_TRUNCATE ? MHD_CONTENT_READER_END_WITH_ERROR
					      : MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = limit - (size_t)pos;
	if (n > max)
		n = max;
	if (r->fault == F_DRIP && n > r->chunk)
		n = r->chunk;
	memcpy(buf, r->out.data + pos, n);
	if (r->fault == F_DRIP && pos + n < limit) {
		/* The next chunk goes out after a pause; the thread is not held. */
		MHD_suspend_connection(r->conn);
		timer_add(r->conn, (uint64_t)sim.drip_ms / 20);
	}
	return (ssize_t)n;
}

static enum MHD_Result send_prepared(struct MHD_Connection *c, struct req *r)
{
	if (r->fault == F_TRUNCATE || r->fault == F_DRIP) {
		r->chunk = r->out.len / 20 ? r->out.len / 20 : 1;
		struct MHD_Response *resp = MHD_create_response_from_callback(
			r->out.len, 4096, body_reader, r, NULL);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type", r->ctype);
		enum MHD_Result rc = MHD_queue_response(c, r->status, resp);
		MHD_destroy_response(resp);
		return rc;
	}
	return send_buf(c, r->status, r->ctype, r->out.data ? r->out.data : "", r->out.len);
}

static enum fault pick_fault(const struct faults *f, uint64_t *rng)
{
	double u = uniform(rng), acc = 0;
	if (u < (acc += f->hang_rate))
		return F_HANG;
	if (u < (acc += f->error_rate))
		return F_ERROR;
	if (u < (acc += f->truncate_rate))
		return F_TRUNCATE;
	if (u < (acc += f->garbage_rate))
		return F_GARBAGE;
	if (u < (acc += f->drip_rate))
		return F_DRIP;
	return F_NONE;
}

static void prepare_ssbtek(struct req *r, unsigned agency_errors)
{
	char pnr[13], masked[PNR_MASK_BUF];
	struct ebba_err err;
	r->ctype = "text/xml; charset=utf-8";
	if (r->too_big || ssbtek_request_pnr(r->in.data ? r->in.data : "", r->in.len, pnr, &err) != 0) {
		atomic_fetch_add(&stats.soap_fault, 1);
		r->status = 500;   /* SOAP 1.1: faults travel with HTTP 500 */
		ssbtek_soap_fault(&r->out, "Client", r->too_big ? "request larger than 16 MiB" : err.msg);
		return;
	}
	if (sim_ssbtek_response(sim.dir, pnr, agency_errors, &r->out, &err) != 0) {
		log_warn("regsim: fixture for %s: %s", pnr_mask(pnr, masked), err.msg);
		r->status = 500;
		ssbtek_soap_fault(&r->out, "Server", "fixture unreadable");
		return;
	}
	r->status = 200;
}

/* The value of name in an application/x-www-form-urlencoded body, decoded
 * into out; false if it is not there or does not fit. */
static bool form_value(const char *body, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < len;) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;
		if (end - i > nl && !memcmp(body + i, name, nl) && body[i + nl] == '=') {
			size_t o = 0;
			for (size_t k = i + nl + 1; k < end; k++) {
				char c = body[k];
				if (c == '+')
					c = ' ';
				else if (c == '%' && k + 2 < end && hex_digit_value(body[k + 1]) >= 0 &&
					 hex_digit_value(body[k + 2]) >= 0) {
					c = (char)(hex_digit_value(body[k + 1]) * 16 +
						   hex_digit_value(body[k + 2]));
					k += 2;
				}
				if (o + 1 >= cap)
					return false;
				out[o++] = c;
			}
			out[o] = '\0';
			return true;
		}
		i = end + 1;
	}
	return false;
}

static void prepare_attendance(struct req *r)
{
	char pnr[16], period[16];
	const char *body = r->in.data ? r->in.data : "";
	r->ctype = "text/plain; charset=utf-8";
	if (r->too_big || !form_value(body, r->in.len, "pnr", pnr, sizeof(pnr)) ||
	    !form_value(body, r->in.len, "period", period, sizeof(period)) ||
	    strlen(pnr) != 12 || !digits_only(pnr, 12) ||
	    strlen(period) != 7 || period[4] != '-' ||
	    !digits_only(period, 4) || !digits_only(period + 5, 2)) {
		atomic_fetch_add(&stats.bad_request, 1);
		r->status = 400;
		buf_puts(&r->out, "need the form body pnr=YYYYMMDDNNNC&period=YYYY-MM\n");
		return;
	}
	char *path = xasprintf("%s/plan/%s.xml", sim.dir, pnr);
	struct ebba_err err;
	if (access(path, F_OK) != 0) {
		atomic_fetch_add(&stats.not_found, 1);
		r->status = 404;
		buf_puts(&r->out, "no plan on record\n");
	} else if (read_file_limited(path, 8u << 20, &r->out, &err) != 0) {
		r->status = 500;
		buf_reset(&r->out);
		buf_puts(&r->out, "fixture unreadable\n");
	} else {
		r->status = 200;
		r->ctype = "application/xml; charset=utf-8";
	}
	free(path);
}

static void prepare_mailbox(struct req *r, int ep)
{
	r->ctype = "text/xml; charset=utf-8";
	const char *body = r->in.data ? r->in.data : "";
	if (r->too_big) {
		r->status = 500;
		sim_mailbox_fault(&r->out, "Client", 4999, "request larger than 16 MiB");
	} else if (ep == EP_RECIPIENT) {
		r->status = sim_mailbox_recipient(body, r->in.len, &r->out);
	} else {
		/* half the injected errors come after the supplier kept the
		 * delivery: the answer is lost, the sender must send it again */
		bool keep = r->fault != F_ERROR || (splitmix(&r->rng) & 1);
		r->status = sim_mailbox_supplier(r->supplier, body, r->in.len, keep, &r->out);
	}
	if (r->status != 200)
		atomic_fetch_add(&stats.soap_fault, 1);
}

/* Replaces the prepared answer with what the fault calls for. */
static void apply_fault(struct req *r, int ep)
{
	switch (r->fault) {
	case F_ERROR:
		atomic_fetch_add(&stats.error, 1);
		r->status = (splitmix(&r->rng) & 1) ? 503 : 500;
		buf_reset(&r->out);
		if (ep == EP_SSBTEK) {
			r->ctype = "text/xml; charset=utf-8";
			ssbtek_soap_fault(&r->out, "Server", "simulated register error");
		} else if (ep == EP_RECIPIENT || ep == EP_SUPPLIER) {
			r->ctype = "text/xml; charset=utf-8";
			sim_mailbox_fault(&r->out, "Server", 5000, "simulated service error");
		} else {
			r->ctype = "text/plain; charset=utf-8";
			buf_puts(&r->out, "simulated error\n");
		}
		break;
	case F_GARBAGE: {
		atomic_fetch_add(&stats.garbage, 1);
		size_t n = 64 + splitmix(&r->rng) % 2048;
		buf_reset(&r->out);
		for (size_t i = 0; i < n; i++)
			buf_putc(&r->out, (char)(splitmix(&r->rng) & 0xff));
		r->status = 200;
		break;
	}
	case F_TRUNCATE:
		atomic_fetch_add(&stats.truncate, 1);
		break;
	case F_DRIP:
		atomic_fetch_add(&stats.drip, 1);
		break;
	case F_HANG:
		atomic_fetch_add(&stats.hang, 1);
		break;
	case F_NONE:
		break;
	}
}

static enum MHD_Result serve_register(struct MHD_Connection *c, struct req *r, int ep)
{
	pthread_mutex_lock(&sim.lock);
	struct faults f = sim.f[ep];
	unsigned agency_errors = sim.agency_errors;
	pthread_mutex_unlock(&sim.lock);

	atomic_fetch_add(ep == EP_SSBTEK ? &stats.ssbtek : ep == EP_ATTENDANCE ? &stats.attendance
			 : &stats.mailbox, 1);
	r->rng = sim.seed * 0x100000001b3ULL + atomic_fetch_add(&sim.seq, 1);
	r->fault = pick_fault(&f, &r->rng);
	if (ep == EP_SSBTEK)
		prepare_ssbtek(r, agency_errors);
	else if (ep == EP_ATTENDANCE)
		prepare_attendance(r);
	else
		prepare_mailbox(r, ep);
	apply_fault(r, ep);

	if (r->fault == F_HANG) {
		r->phase = PH_HUNG;
		MHD_suspend_connection(c);
		timer_add(c, (uint64_t)sim.hang_ms);
		return MHD_YES;
	}
	uint64_t delay = (uint64_t)(f.latency_ms > 0 ? f.latency_ms : 0);
	if (f.jitter_ms > 0)
		delay += splitmix(&r->rng) % ((uint64_t)f.jitter_ms + 1);
	if (delay == 0)
		return send_prepared(c, r);
	r->phase = PH_DELAYED;
	MHD_suspend_connection(c);
	timer_add(c, delay);
	return MHD_YES;
}

/* ------------------------------------------------------------- control */

struct control_ctx {
	struct faults *f[EP_COUNT];
	unsigned *agency_errors;
	char error[256];
};

static int parse_rate(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d < 0 || d > 1)
		return -1;
	*out = d;
	return 0;
}

static int parse_ms(const char *v, int *out)
{
	char *end;
	errno = 0;
	long l = strtol(v, &end, 10);
	if (errno || end == v || *end || l < 0 || l > 3600000)
		return -1;
	*out = (int)l;
	return 0;
}

static int parse_agencies(const char *v, unsigned *mask)
{
	unsigned m = 0;
	char *copy = xstrdup(v), *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i = sim_agency_index(tok);
		if (i < 0) {
			rc = -1;
			break;
		}
		m |= 1u << i;
	}
	free(copy);
	if (rc == 0)
		*mask = m;
	return rc;
}

/* Sets one fault setting on f; returns -1 for an unknown name or bad value. */
static int set_fault(struct faults *f, const char *name, const char *v)
{
	if (!strcmp(name, "latency-ms"))
		return parse_ms(v, &f->latency_ms);
	if (!strcmp(name, "jitter-ms"))
		return parse_ms(v, &f->jitter_ms);
	if (!strcmp(name, "error-rate"))
		return parse_rate(v, &f->error_rate);
	if (!strcmp(name, "hang-rate"))
		return parse_rate(v, &f->hang_rate);
	if (!strcmp(name, "truncate-rate"))
		return parse_rate(v, &f->truncate_rate);
	if (!strcmp(name, "garbage-rate"))
		return parse_rate(v, &f->garbage_rate);
	if (!strcmp(name, "drip-rate"))
		return parse_rate(v, &f->drip_rate);
	return -1;
}

static enum MHD_Result control_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct control_ctx *ctx = cls;
	if (ctx->error[0] || !strcmp(key, "endpoint"))
		return MHD_YES;
	const char *v = value ? value : "";
	int rc = 0;
	if (!strcmp(key, "tamper") || !strcmp(key, "supplier-down")) {
		rc = sim_mailbox_control(key, v);
	} else if (!strcmp(key, "reset")) {
		for (int i = 0; i < EP_COUNT; i++)
			if (ctx->f[i])
				memset(ctx->f[i], 0, sizeof(*ctx->f[i]));
		*ctx->agency_errors = 0;
	} else if (!strcmp(key, "agency-error")) {
		rc = parse_agencies(v, ctx->agency_errors);
	} else {
		for (int i = 0; i < EP_COUNT && rc == 0; i++)
			if (ctx->f[i])
				rc = set_fault(ctx->f[i], key, v);
	}
	if (rc != 0)
		snprintf(ctx->error, sizeof(ctx->error), "bad control %s=%s\n", key, v);
	return MHD_YES;
}

/*
 * GET /control?[endpoint=ssbtek|attendance&]NAME=VALUE...  Names are the
 * fault options without "--"; agency-error=AF,FK (empty clears); reset=1
 * clears every fault.  All-or-nothing: a bad value changes nothing.
 */
static enum MHD_Result serve_control(struct MHD_Connection *c)
{
	atomic_fetch_add(&stats.control, 1);
	const char *ep = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "endpoint");
	pthread_mutex_lock(&sim.lock);
	struct faults f[EP_COUNT];
	memcpy(f, sim.f, sizeof(f));
	unsigned agency_errors = sim.agency_errors;
	struct control_ctx ctx = { .agency_errors = &agency_errors };
	for (int i = 0; i < EP_COUNT; i++)
		if (!ep || !strcmp(ep, ep_names[i]))
			ctx.f[i] = &f[i];
	bool any = false;
	for (int i = 0; i < EP_COUNT; i++)
		any = any || ctx.f[i];
	if (!any)
		snprintf(ctx.error, sizeof(ctx.error), "unknown endpoint %s\n", ep);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, control_arg, &ctx);
	if (!ctx.error[0]) {
		memcpy(sim.f, f, sizeof(f));
		sim.agency_errors = agency_errors;
	}
	pthread_mutex_unlock(&sim.lock);
	return ctx.error[0] ? send_text(c, 400, ctx.error) : send_text(c, 200, "ok\n");
}

static void stats_line(char *out, size_t cap)
{
	char mail[160];
	sim_mailbox_stats(mail, sizeof(mail));
	snprintf(out, cap,
		 "requests %lu (ssbtek %lu, attendance %lu, mailbox %lu, not found %lu, bad request %lu, "
		 "soap faults %lu, control %lu); injected: errors %lu, hangs %lu, truncated %lu, "
		 "garbage %lu, drips %lu; %s",
		 (unsigned long)stats.total, (unsigned long)stats.ssbtek,
		 (unsigned long)stats.attendance, (unsigned long)stats.mailbox, (unsigned long)stats.not_found,
		 (unsigned long)stats.bad_request, (unsigned long)stats.soap_fault,
		 (unsigned long)stats.control, (unsigned long)stats.error,
		 (unsigned long)stats.hang, (unsigned long)stats.truncate,
		 (unsigned long)stats.garbage, (unsigned long)stats.drip, mail);
}

/* ------------------------------------------------------------- routing */

/* Did the client present a certificate that --tls-client-ca signed? */
static bool client_verified(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	unsigned status = 1;
	return ci && ci->tls_session &&
	       gnutls_certificate_verify_peers2(ci->tls_session, &status) == 0 && status == 0;
}

static enum MHD_Result route(struct MHD_Connection *c, struct req *r, const char *url,
			     const char *method)
{
	atomic_fetch_add(&stats.total, 1);
	if (tls.client_ca && !client_verified(c))
		return send_text(c, 403, "a client certificate signed by --tls-client-ca is required\n");
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	if (!strcmp(url, "/ssbtek"))
		return post ? serve_register(c, r, EP_SSBTEK) : send_text(c, 405, "use POST\n");
	/* An identity number in a URL stays in access logs: GET is refused. */
	if (!strcmp(url, "/attendance"))
		return post ? serve_register(c, r, EP_ATTENDANCE)
			    : send_text(c, 405, "use POST with the form body pnr=...&period=...\n");
	if (!strcmp(url, "/mailbox/recipient"))
		return post ? serve_register(c, r, EP_RECIPIENT) : send_text(c, 405, "use POST\n");
	if (!strncmp(url, "/mailbox/supplier/", 18)) {
		snprintf(r->supplier, sizeof(r->supplier), "%s", url + 18);
		return post ? serve_register(c, r, EP_SUPPLIER) : send_text(c, 405, "use POST\n");
	}
	if (!strcmp(url, "/mailbox/deliveries") && get) {
		struct ebba_buf list = {0};
		sim_mailbox_deliveries(&list);
		enum MHD_Result rc = send_buf(c, 200, "text/plain; charset=utf-8",
					      list.data ? list.data : "", list.len);
		buf_free(&list);
		return rc;
	}
	if (!strcmp(url, "/control") && get)
		return serve_control(c);
	if (!strcmp(url, "/stats") && get) {
		char line[768];
		stats_line(line, sizeof(line) - 1);
		strcat(line, "\n");
		return send_text(c, 200, line);
	}
	return send_text(c, 404, "unknown path\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct req *r = *req_cls;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->conn = c;
		*req_cls = r;
		return MHD_YES;
	}
	if (r->phase == PH_HUNG)
		return MHD_NO;   /* close the connection without an answer */
	if (r->phase == PH_DELAYED)
		return send_prepared(c, r);
	if (*upload_size) {
		if (r->in.len + *upload_size > MAX_REQUEST)
			r->too_big = true;
		else
			buf_append(&r->in, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return route(c, r, url, method);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fputs("usage: ebba-regsim [options]\n"
	      "Serves SSBTEK v10 (POST /ssbtek) and attendance (POST /attendance, form body\n"
	      "pnr=&period=; a GET is refused: an identity number never goes in a URL)\n"
	      "on 127.0.0.1 from a fixtures directory (DIR/ssbtek/<pnr>.xml, DIR/plan/<pnr>.xml).\n"
	      "  --dir DIR            fixtures directory (default .)\n"
	      "  --port N             TCP port; 0 picks a free one (default 8089)\n"
	      "  --port-file FILE     write the port there once listening\n"
	      "  --threads N          worker threads (default 4)\n"
	      "  --seed N             fault-injection seed (default 1)\n"
	      "Faults, each globally or for one endpoint as [ssbtek=|attendance=]VALUE:\n"
	      "  --latency-ms MS      delay every answer\n"
	      "  --jitter-ms MS       plus uniform 0..MS\n"
	      "  --error-rate P       share answered HTTP 500/503 (0..1)\n"
	      "  --hang-rate P        share never answered (closed after --hang-ms)\n"
	      "  --truncate-rate P    share whose body is cut half way\n"
	      "  --garbage-rate P     share answered 200 with random bytes\n"
	      "  --drip-rate P        share whose body trickles out over --drip-ms\n"
	      "  --hang-ms MS         how long a hang lasts (default 60000)\n"
	      "  --drip-ms MS         how long a drip lasts (default 3000)\n"
	      "  --agency-error AG    SSBTEK answers carry an error part for agency AG\n"
	      "                       (AF CSN FK SKV SO TNS MIV; repeatable or comma-separated)\n"
	      "Mina meddelanden (POST /mailbox/recipient, /mailbox/supplier/NAME; the people with\n"
	      "a mailbox in DIR/mailbox/people.tsv, PNR<TAB>SUPPLIER[<TAB>declined]):\n"
	      "  --mailbox-trust PEM  the certificate(s) a supplier trusts for signatures\n"
	      "  --mailbox-tamper     alter each delivery's signed subject before the check\n"
	      "  --supplier-down A,B  these suppliers answer every delivery with a Server fault\n"
	      "  --mailbox-save DIR   write each kept delivery, as received, to DIR/KEY.xml\n"
	      "HTTPS (all endpoints):\n"
	      "  --tls-cert PEM --tls-key PEM   serve HTTPS with this certificate and key\n"
	      "  --tls-client-ca PEM  and require a client certificate signed by this CA\n"
	      "  (faults for one of them: recipient=VALUE, supplier=VALUE)\n"
	      "At run time: GET /control?[endpoint=E&]latency-ms=..&error-rate=..&agency-error=AF\n"
	      "             GET /control?tamper=1&supplier-down=a    GET /control?reset=1\n"
	      "             GET /stats    GET /mailbox/deliveries\n"
	      "SIGTERM/SIGINT print a summary and exit.\n", f);
}

enum {
	OPT_DIR = 256, OPT_PORT, OPT_PORT_FILE, OPT_THREADS, OPT_SEED, OPT_HANG_MS, OPT_DRIP_MS,
	OPT_AGENCY, OPT_FAULT, OPT_TRUST, OPT_TAMPER, OPT_DOWN, OPT_SAVE, OPT_TLS_CERT, OPT_TLS_KEY,
	OPT_TLS_CA
};

/* The whole of a PEM file named by an option, or exit 2 saying why. */
static char *pem_option(const char *name, const char *path)
{
	struct ebba_buf b = {0};
	struct ebba_err err;
	if (read_file_limited(path, 1u << 20, &b, &err) != 0) {
		fprintf(stderr, "ebba-regsim: --%s %s: %s\n", name, path, err.msg);
		exit(2);
	}
	buf_putc(&b, '\0');
	return buf_steal(&b);
}

static void set_fault_option(const char *name, const char *arg)
{
	const char *v = arg;
	int only = -1;
	for (int i = 0; i < EP_COUNT; i++) {
		size_t n = strlen(ep_names[i]);
		if (!strncmp(arg, ep_names[i], n) && arg[n] == '=') {
			only = i;
			v = arg + n + 1;
		}
	}
	for (int i = 0; i < EP_COUNT; i++)
		if ((only < 0 || only == i) && set_fault(&sim.f[i], name, v) != 0) {
			fprintf(stderr, "ebba-regsim: --%s %s: bad value\n", name, arg);
			exit(2);
		}
}

static int int_arg(const char *name, const char *v, int lo, int hi)
{
	char *end;
	errno = 0;
	long l = strtol(v, &end, 10);
	if (errno || end == v || *end || l < lo || l > hi) {
		fprintf(stderr, "ebba-regsim: --%s %s: expected %d..%d\n", name, v, lo, hi);
		exit(2);
	}
	return (int)l;
}

static void write_port_file(const char *path, unsigned port)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		fatal("ebba-regsim: cannot write %s: %s", path, strerror(errno));
	free(tmp);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "port-file", required_argument, NULL, OPT_PORT_FILE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "hang-ms", required_argument, NULL, OPT_HANG_MS },
		{ "drip-ms", required_argument, NULL, OPT_DRIP_MS },
		{ "agency-error", required_argument, NULL, OPT_AGENCY },
		{ "mailbox-trust", required_argument, NULL, OPT_TRUST },
		{ "mailbox-tamper", no_argument, NULL, OPT_TAMPER },
		{ "supplier-down", required_argument, NULL, OPT_DOWN },
		{ "mailbox-save", required_argument, NULL, OPT_SAVE },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "tls-client-ca", required_argument, NULL, OPT_TLS_CA },
		{ "latency-ms", required_argument, NULL, OPT_FAULT },
		{ "jitter-ms", required_argument, NULL, OPT_FAULT },
		{ "error-rate", required_argument, NULL, OPT_FAULT },
		{ "hang-rate", required_argument, NULL, OPT_FAULT },
		{ "truncate-rate", required_argument, NULL, OPT_FAULT },
		{ "garbage-rate", required_argument, NULL, OPT_FAULT },
		{ "drip-rate", required_argument, NULL, OPT_FAULT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int port = 8089, threads = 4, c, idx;
	const char *port_file = NULL, *trust = NULL, *save_dir = NULL;
	log_init("ebba-regsim", LOG_LVL_INFO);
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case OPT_DIR: sim.dir = optarg; break;
		case OPT_PORT: port = int_arg("port", optarg, 0, 65535); break;
		case OPT_PORT_FILE: port_file = optarg; break;
		case OPT_THREADS: threads = int_arg("threads", optarg, 1, 256); break;
		case OPT_SEED: sim.seed = strtoull(optarg, NULL, 10); break;
		case OPT_HANG_MS: sim.hang_ms = int_arg("hang-ms", optarg, 0, 3600000); break;
		case OPT_DRIP_MS: sim.drip_ms = int_arg("drip-ms", optarg, 0, 3600000); break;
		case OPT_AGENCY: {
			unsigned m;
			if (parse_agencies(optarg, &m) != 0) {
				fprintf(stderr, "ebba-regsim: --agency-error %s: unknown agency\n", optarg);
				return 2;
			}
			sim.agency_errors |= m;
			break;
		}
		case OPT_FAULT: set_fault_option(opts[idx].name, optarg); break;
		case OPT_TRUST: trust = optarg; break;
		case OPT_TAMPER: sim_mailbox_control("tamper", "1"); break;
		case OPT_DOWN: sim_mailbox_control("supplier-down", optarg); break;
		case OPT_SAVE: save_dir = optarg; break;
		case OPT_TLS_CERT: tls.cert = pem_option("tls-cert", optarg); break;
		case OPT_TLS_KEY: tls.key = pem_option("tls-key", optarg); break;
		case OPT_TLS_CA: tls.client_ca = pem_option("tls-client-ca", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!tls.cert != !tls.key || (tls.client_ca && !tls.cert)) {
		fprintf(stderr, "ebba-regsim: --tls-cert and --tls-key go together (and --tls-client-ca needs them)\n");
		return 2;
	}

	/* Signals are taken by sigwait() below; every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	struct ebba_err err;
	if (sim_mailbox_init(sim.dir, trust, save_dir, &err) != 0) {
		fprintf(stderr, "ebba-regsim: %s\n", err.msg);
		return 2;
	}
	timer_start();

	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 (tls.cert ? MHD_USE_TLS : 0);
	struct MHD_OptionItem tls_opts[] = {
		{ tls.cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls.cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, tls.key },
		{ tls.client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, tls.client_ca },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_ARRAY, tls_opts,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
		MHD_OPTION_CONNECTION_LIMIT, 8192u,
		MHD_OPTION_CONNECTION_TIMEOUT, 300u,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (!d)
		fatal("ebba-regsim: cannot listen on 127.0.0.1:%d", port);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : (unsigned)port;
	sim_mailbox_set_base(tls.cert ? "https" : "http", bound);
	if (port_file)
		write_port_file(port_file, bound);
	printf("ebba-regsim listening on 127.0.0.1:%u%s\n", bound, tls.cert ? " (HTTPS)" : "");
	fflush(stdout);

	int sig = 0;
	sigwait(&sigs, &sig);

	/* Stop taking connections, let every suspended one go, then stop. */
	MHD_socket lfd = MHD_quiesce_daemon(d);
	timer_stop();
	pthread_join(tq.thread, NULL);
	usleep(100 * 1000);
	MHD_stop_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	char line[768];
	stats_line(line, sizeof(line));
	log_info("ebba-regsim: %s: %s", sig == SIGINT ? "SIGINT" : "SIGTERM", line);
	free(tq.heap);
	pthread_cond_destroy(&tq.cv);
	xmlCleanupParser();
	return 0;
}
