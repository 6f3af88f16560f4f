/*
 * The one entry point to every register source, and what is done with the
 * records they fill.  See include/ebba/registers/registers.h; the sources
 * are reg_live.c (HTTP) and reg_offline.c (fixtures, stored evidence).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/date.h"
#include "ebba/lib/pnr.h"
#include "reg_backend.h"

const char *reg_status_name(enum reg_status s)
{
	switch (s) {
	case REG_NOT_ASKED: return "not_asked";
	case REG_OK: return "ok";
	case REG_NO_PLAN: return "no_plan";
	case REG_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

void reg_application_init(struct reg_application *a, const struct application *app,
			  struct reg_person *persons)
{
	for (size_t i = 0; i < app->n_persons; i++) {
		persons[i].pnr = app->persons[i].pnr;
		persons[i].age = app->persons[i].age;
		persons[i].adult = app->persons[i].role != ROLE_CHILD;
	}
	*a = (struct reg_application){.id = app->id, .case_id = app->case_id,
		.period = app->period, .persons = persons, .n_persons = app->n_persons};
}

uint64_t reg_fetch_stop_deadline(const struct reg_fetch_ctl *ctl)
{
	return ctl && ctl->stop_deadline ? ctl->stop_deadline(ctl->arg) : UINT64_MAX;
}

void reg_set_unavailable(struct reg_person *p, bool ssbtek, char *reason)
{
	char **slot = ssbtek ? &p->ssbtek_reason : &p->attendance_reason;
	free(*slot);
	*slot = reason;
	if (ssbtek)
		p->ssbtek_status = REG_UNAVAILABLE;
	else
		p->attendance_status = REG_UNAVAILABLE;
}

static int check_input(const struct reg_application *a, struct ebba_err *err)
{
	char month[8];
	if (date_prev_month(a->period, month, err) != 0)
		return ebba_err_prefix(err, "application %s", a->id ? a->id : "?");
	for (size_t i = 0; i < a->n_persons; i++) {
		const char *pnr = a->persons[i].pnr;
		if (!pnr || strlen(pnr) != PNR_LEN || !pnr_is_valid(pnr)) {
			char m[PNR_MASK_BUF];
			return ebba_errf(err, "application %s: person %zu (%s) has no valid identity number",
					 a->id ? a->id : "?", i, pnr_mask(pnr ? pnr : "", m));
		}
	}
	return 0;
}

/* SSBTEK first, then attendance, whatever order they completed in. */
static void order_evidence(struct reg_person *p)
{
	if (p->n_evidence == 2 && p->evidence[0].source != EV_SOURCE_SSBTEK) {
		struct evidence t = p->evidence[0];
		p->evidence[0] = p->evidence[1];
		p->evidence[1] = t;
	}
}

int registers_fetch(struct registers *r, struct reg_application *apps, size_t n_apps,
		    const struct reg_fetch_ctl *ctl, struct ebba_err *err)
{
	for (size_t i = 0; i < n_apps; i++)
		if (check_input(&apps[i], err) != 0)
			return ebba_err_prefix(err, "registers");
	for (size_t i = 0; i < n_apps; i++) {
		apps[i].seconds = 0;
		apps[i].abandoned = false;
		for (size_t j = 0; j < apps[i].n_persons; j++)
			apps[i].persons[j].ssbtek_status = apps[i].persons[j].attendance_status =
				REG_NOT_ASKED;
	}
	if (r->ops->fetch(r, apps, n_apps, ctl, err) != 0)
		return -1;
	for (size_t i = 0; i < n_apps; i++)
		for (size_t j = 0; j < apps[i].n_persons; j++)
			order_evidence(&apps[i].persons[j]);
	return 0;
}

void registers_free(struct registers *r)
{
	if (r)
		r->ops->free(r);
}

size_t reg_person_reasons(const struct reg_person *p, struct ebba_buf *out)
{
	size_t n = 0;
	if (p->ssbtek_status == REG_UNAVAILABLE) {
		buf_printf(out, "%s\n", p->ssbtek_reason);
		n++;
	}
	if (p->ssbtek_status == REG_OK) {
		for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
			const struct ssbtek_part *part = &p->ssbtek.part[a];
			if (part->status != SSBTEK_ERROR)
				continue;
			buf_printf(out, "register unavailable: %s (%s: %s)\n",
				   ssbtek_agency_name((enum ssbtek_agency)a),
				   part->felkod ? part->felkod : "?",
				   part->felmeddelande ? part->felmeddelande : "");
			n++;
		}
	}
	if (p->attendance_status == REG_UNAVAILABLE) {
		buf_printf(out, "%s\n", p->attendance_reason);
		n++;
	}
	return n;
}

void reg_person_clear(struct reg_person *p)
{
	if (p->ssbtek_status == REG_OK)
		ssbtek_result_free(&p->ssbtek);
	memset(&p->ssbtek, 0, sizeof(p->ssbtek));
	if (p->attendance_status == REG_OK)
		attendance_free(&p->attendance);
	memset(&p->attendance, 0, sizeof(p->attendance));
	free(p->attendance_xml);
	p->attendance_xml = NULL;
	p->attendance_len = 0;
	for (size_t i = 0; i < p->n_evidence; i++)
		evidence_free(&p->evidence[i]);
	p->n_evidence = 0;
	p->ssbtek_status = p->attendance_status = REG_NOT_ASKED;
	free(p->ssbtek_reason);
	free(p->attendance_reason);
	p->ssbtek_reason = p->attendance_reason = NULL;
}

void reg_application_clear(struct reg_application *a)
{
	for (size_t i = 0; i < a->n_persons; i++)
		reg_person_clear(&a->persons[i]);
}
