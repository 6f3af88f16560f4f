#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ebba/registers/evidence.h"
#include "ebba/registers/reg_offline.h"

static int set_ssbtek(struct reg_person *p, const char *status, const char *raw, size_t len,
		      const char *reason, struct ebba_err *err)
{
	if (strcmp(status, "ok") != 0) {
		p->ssbtek_status = REG_UNAVAILABLE;
		snprintf(p->ssbtek_reason, sizeof(p->ssbtek_reason), "%s",
			 reason ? reason : "register unavailable: SSBTEK");
		evidence_set(&p->evidence[p->n_evidence++], "ssbtek", "", "unavailable", raw, len, 0);
		return 0;
	}
	struct ssbtek_parse_opts opts = {.expect_pnr = p->pnr};
	if (ssbtek_parse_response(raw, len, &opts, &p->ssbtek, err) != 0)
		return ebba_err_prefix(err, "SSBTEK answer");
	p->ssbtek_status = REG_OK;
	evidence_set(&p->evidence[p->n_evidence++], "ssbtek", "", "ok", raw, len, 0);
	return 0;
}

static int set_attendance(struct reg_person *p, const char *period, const char *status,
			  const char *raw, size_t len, const char *reason, struct ebba_err *err)
{
	if (strcmp(status, "not_found") == 0) {
		p->attendance_status = REG_NO_PLAN;
		evidence_set(&p->evidence[p->n_evidence++], "attendance", "", "not_found", raw, len, 0);
		return 0;
	}
	if (strcmp(status, "ok") != 0) {
		p->attendance_status = REG_UNAVAILABLE;
		snprintf(p->attendance_reason, sizeof(p->attendance_reason), "%s",
			 reason ? reason : "register unavailable: attendance");
		evidence_set(&p->evidence[p->n_evidence++], "attendance", "", "unavailable", raw, len, 0);
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
	evidence_set(&p->evidence[p->n_evidence++], "attendance", "", "ok", raw, len, 0);
	return 0;
}

int reg_offline_set(struct reg_person *p, const char *period, const char *source,
		    const char *status, const char *raw, size_t len, const char *reason,
		    struct ebba_err *err)
{
	if (p->n_evidence >= REG_MAX_EVIDENCE)
		return ebba_errf(err, "more than %d look-ups recorded for one person", REG_MAX_EVIDENCE);
	if (strcmp(source, "ssbtek") == 0)
		return set_ssbtek(p, status, raw, len, reason, err);
	if (strcmp(source, "attendance") == 0)
		return set_attendance(p, period, status, raw, len, reason, err);
	return ebba_errf(err, "unknown evidence source '%s'", source);
}

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

int reg_offline_from_fixtures(const struct application *app, const char *dir,
			      struct reg_person *persons, struct ebba_err *err)
{
	struct ebba_buf b = {0};
	int rc = 0;
	for (size_t i = 0; i < app->n_persons && rc == 0; i++) {
		struct reg_person *p = &persons[i];
		const struct app_person *ap = &app->persons[i];
		p->pnr = ap->pnr;
		p->age = ap->age;
		p->adult = ap->role != ROLE_CHILD;
		bool found = false;
		if (ap->age >= 16) {
			rc = read_fixture(dir, "ssbtek", ap->pnr, &b, &found, err);
			if (rc == 0)
				rc = found ? reg_offline_set(p, app->period, "ssbtek", "ok", b.data, b.len, NULL, err)
					   : reg_offline_set(p, app->period, "ssbtek", "ok", EMPTY_SSBTEK,
							     sizeof(EMPTY_SSBTEK) - 1, NULL, err);
		}
		if (rc == 0 && p->adult) {
			rc = read_fixture(dir, "plan", ap->pnr, &b, &found, err);
			if (rc == 0)
				rc = found ? reg_offline_set(p, app->period, "attendance", "ok", b.data, b.len, NULL, err)
					   : reg_offline_set(p, app->period, "attendance", "not_found", "", 0, NULL, err);
		}
	}
	buf_free(&b);
	return rc;
}
