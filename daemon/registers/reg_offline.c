/*
 * The register sources without a network: a fixtures directory (for
 * `ebbactl calc`) and stored evidence (for `ebbactl replay`).  Both apply
 * recorded answers with the parsers and options the live source uses, so
 * everything after "the registers answered" is the daemon's own code path.
 * See include/ebba/registers/registers.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/lib/log.h"
#include "ebba/registers/evidence.h"
#include "reg_backend.h"

/* ------------------------------------------------- one recorded answer */

static int set_ssbtek(struct reg_person *p, enum ev_status status, const char *raw, size_t len,
		      const char *reason, struct ssbtek_scratch *scratch, struct ebba_err *err)
{
	if (status != EV_OK) {
		reg_set_unavailable(p, true, xstrdup(reason ? reason : "register unavailable: SSBTEK"));
		evidence_set(&p->evidence[p->n_evidence++], EV_SOURCE_SSBTEK, "", EV_UNAVAILABLE, raw, len, 0);
		return 0;
	}
	/* Offline sources re-decide (calc, replay, what-if); nothing they
	 * decide is stored, so the parts need no raw copies of their own. */
	struct ssbtek_parse_opts opts = {.expect_pnr = p->pnr, .skip_raw = true, .scratch = scratch};
	if (ssbtek_parse_response(raw, len, &opts, &p->ssbtek, err) != 0)
		return ebba_err_prefix(err, "SSBTEK answer");
	p->ssbtek_status = REG_OK;
	evidence_set(&p->evidence[p->n_evidence++], EV_SOURCE_SSBTEK, "", EV_OK, raw, len, 0);
	return 0;
}

static int set_attendance(struct reg_person *p, const char *period, enum ev_status status,
			  const char *raw, size_t len, const char *reason, struct ebba_err *err)
{
	if (status == EV_NOT_FOUND) {
		p->attendance_status = REG_NO_PLAN;
		evidence_set(&p->evidence[p->n_evidence++], EV_SOURCE_ATTENDANCE, "", EV_NOT_FOUND, raw, len, 0);
		return 0;
	}
	if (status != EV_OK) {
		reg_set_unavailable(p, false,
				    xstrdup(reason ? reason : "register unavailable: attendance"));
		evidence_set(&p->evidence[p->n_evidence++], EV_SOURCE_ATTENDANCE, "", EV_UNAVAILABLE, raw, len, 0);
		return 0;
	}
	char month[8];
	if (date_prev_month(period, month, err) != 0)
		return -1;
	if (attendance_parse(raw, len, p->pnr, month, &p->attendance, err) != 0)
		return ebba_err_prefix(err, "attendance document");
	p->attendance_status = REG_OK;
	p->attendance_xml = xstrndup(raw, len);
	p->attendance_len = len;
	evidence_set(&p->evidence[p->n_evidence++], EV_SOURCE_ATTENDANCE, "", EV_OK, raw, len, 0);
	return 0;
}

/* scratch: borrowed for SSBTEK's answers, or NULL (ssbtek_parse_opts) */
static int apply(struct reg_application *a, const struct reg_record *rec,
		 struct ssbtek_scratch *scratch, struct ebba_err *err)
{
	if (rec->person >= a->n_persons)
		return ebba_errf(err, "evidence names person %zu of %zu", rec->person, a->n_persons);
	struct reg_person *p = &a->persons[rec->person];
	const char *raw = rec->raw ? rec->raw : "";
	if (p->n_evidence >= REG_MAX_EVIDENCE)
		return ebba_errf(err, "more than %d look-ups recorded for one person", REG_MAX_EVIDENCE);
	if (rec->source == EV_SOURCE_SSBTEK)
		return set_ssbtek(p, rec->status, raw, rec->len, rec->reason, scratch, err);
	return set_attendance(p, a->period, rec->status, raw, rec->len, rec->reason, err);
}

/* ------------------------------------------------------------ fixtures */

struct fixtures {
	struct registers base;         /* first: what registers_fetch() gets */
	char *dir;
};

/* An SSBTEK answer with no agency data, as docs/architecture.md §5.3 specifies for a
 * person without a fixture. */
static const char EMPTY_SSBTEK[] =
	"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	"<ssbt:hamtaBastjanstInformationResponse"
	" xmlns:ssbt=\"http://schema.forsakringskassan.se/integration/ssbt/10\">"
	"<ssbt:svarsdata/></ssbt:hamtaBastjanstInformationResponse>"
	"</soap:Body></soap:Envelope>";

static int read_fixture(const char *dir, const char *kind, const char *pnr, struct ebba_buf *out,
			bool *found, struct ebba_err *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s.xml", dir, kind, pnr);
	FILE *f = fopen(path, "rb");
	*found = f != NULL;
	if (!f)
		return errno == ENOENT ? 0 : ebba_errf(err, "%s: %s", path, strerror(errno));
	fclose(f);
	return read_file_limited(path, 4u << 20, out, err);
}

/* The one look-up of a person the directory answers, as a stored one. */
static int fixture_lookup(const char *dir, struct reg_application *a, size_t person,
			  bool ssbtek, struct ebba_buf *b, struct ebba_err *err)
{
	bool found;
	if (read_fixture(dir, ssbtek ? "ssbtek" : "plan", a->persons[person].pnr, b, &found, err) != 0)
		return -1;
	struct reg_record rec = {.person = person, .source = ssbtek ? EV_SOURCE_SSBTEK : EV_SOURCE_ATTENDANCE,
				 .status = EV_OK, .raw = b->data, .len = b->len};
	if (!found && ssbtek) {
		rec.raw = EMPTY_SSBTEK;
		rec.len = sizeof(EMPTY_SSBTEK) - 1;
	} else if (!found) {
		rec.status = EV_NOT_FOUND;
		rec.raw = "";
		rec.len = 0;
	}
	return apply(a, &rec, NULL, err);   /* one application: no scratch to keep */
}

static int fixtures_fetch(struct registers *base, struct reg_application *apps, size_t n_apps,
			  const struct reg_fetch_ctl *ctl, struct ebba_err *err)
{
	(void)ctl;   /* reading files ends promptly */
	const char *dir = ((struct fixtures *)base)->dir;
	struct ebba_buf b = {0};
	int rc = 0;
	for (size_t i = 0; i < n_apps && rc == 0; i++) {
		struct reg_application *a = &apps[i];
		for (size_t j = 0; j < a->n_persons && rc == 0; j++) {
			if (a->persons[j].age >= 16)
				rc = fixture_lookup(dir, a, j, true, &b, err);
			if (rc == 0 && a->persons[j].adult)
				rc = fixture_lookup(dir, a, j, false, &b, err);
		}
	}
	buf_free(&b);
	return rc;
}

static void fixtures_free(struct registers *base)
{
	struct fixtures *f = (struct fixtures *)base;
	free(f->dir);
	free(f);
}

static const struct reg_backend_ops fixtures_ops = {.fetch = fixtures_fetch,
						    .free = fixtures_free};

struct registers *registers_fixtures_new(const char *dir)
{
	struct fixtures *f = xcalloc(1, sizeof(*f));
	f->base.ops = &fixtures_ops;
	f->dir = xstrdup(dir);
	return &f->base;
}

/* ------------------------------------------------------------ evidence */

struct stored {
	struct registers base;         /* first: what registers_fetch() gets */
	struct reg_record *records;    /* every pointer in them owned */
	size_t n, cap;
	struct ssbtek_scratch *scratch;   /* borrowed, or NULL */
};

static int evidence_fetch(struct registers *base, struct reg_application *apps, size_t n_apps,
			  const struct reg_fetch_ctl *ctl, struct ebba_err *err)
{
	(void)ctl;   /* nothing to wait for */
	const struct stored *s = (const struct stored *)base;
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_record *rec = &s->records[i];
		if (rec->app >= n_apps)
			return ebba_errf(err, "evidence names application %zu of %zu", rec->app, n_apps);
		if (apply(&apps[rec->app], rec, s->scratch, err) != 0)
			return -1;
	}
	return 0;
}

static void evidence_free_all(struct registers *base)
{
	struct stored *s = (struct stored *)base;
	for (size_t i = 0; i < s->n; i++) {
		free((void *)s->records[i].raw);
		free((char *)s->records[i].reason);
	}
	free(s->records);
	free(s);
}

static const struct reg_backend_ops evidence_ops = {.fetch = evidence_fetch,
						    .free = evidence_free_all};

struct registers *registers_evidence_new(struct ssbtek_scratch *scratch)
{
	struct stored *s = xcalloc(1, sizeof(*s));
	s->base.ops = &evidence_ops;
	s->scratch = scratch;
	return &s->base;
}

void registers_evidence_add(struct registers *r, const struct reg_record *rec)
{
	if (r->ops != &evidence_ops)
		fatal("registers_evidence_add: not an evidence source");
	struct stored *s = (struct stored *)r;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->records = xrealloc(s->records, s->cap * sizeof(*s->records));
	}
	char *raw = xmalloc(rec->len + 1);
	if (rec->len)
		memcpy(raw, rec->raw, rec->len);
	raw[rec->len] = '\0';
	s->records[s->n++] = (struct reg_record){
		.app = rec->app, .person = rec->person, .source = rec->source,
		.status = rec->status, .raw = raw, .len = rec->len,
		.reason = rec->reason ? xstrdup(rec->reason) : NULL};
}
