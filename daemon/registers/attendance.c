/* The attendance document (docs/architecture.md §5.2); see include/ebba/registers/attendance.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ebba/lib/date.h"
#include "ebba/registers/attendance.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"
#include "ebba/lib/xmlsafe.h"

/* An attribute's value, copied into out[0..cap); -1 if missing, empty or too long. */
static int attr(const xmlNode *n, const char *name, char *out, size_t cap, struct ebba_err *err)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	int rc = 0;
	if (!v || !*v)
		rc = ebba_errf(err, "attendance:%d: %s: %s is missing", n->line,
			       (const char *)n->name, name);
	else if (strlen((const char *)v) >= cap)
		rc = ebba_errf(err, "attendance:%d: %s: %s is longer than %zu characters", n->line,
			       (const char *)n->name, name, cap - 1);
	else
		memcpy(out, v, strlen((const char *)v) + 1);
	xmlFree(v);
	return rc;
}

/* "57", "7.5", "0.25" -> hundredths; no sign, at most two decimals. */
static int parse_hours(const char *s, int64_t *out)
{
	int64_t v = 0;
	int nint = 0, nfrac = 0;
	for (; *s >= '0' && *s <= '9' && nint < 7; s++, nint++)
		v = v * 10 + (*s - '0');
	v *= 100;
	if (*s == '.') {
		int64_t frac = 0;
		for (s++; *s >= '0' && *s <= '9' && nfrac < 3; s++, nfrac++)
			frac = frac * 10 + (*s - '0');
		if (nfrac == 0 || nfrac > 2)
			return -1;
		v += nfrac == 1 ? frac * 10 : frac;
	}
	if (*s || nint == 0 || v > (int64_t)ATTENDANCE_MAX_HOURS * 100)
		return -1;
	*out = v;
	return 0;
}

static int hours_attr(const xmlNode *n, const char *name, int64_t *out, struct ebba_err *err)
{
	char v[32];
	if (attr(n, name, v, sizeof(v), err) != 0)
		return -1;
	if (parse_hours(v, out) != 0)
		return ebba_errf(err, "attendance:%d: %s: %s is not a number of hours from 0 to %d "
				      "with at most two decimals", n->line, (const char *)n->name, name,
				 ATTENDANCE_MAX_HOURS);
	return 0;
}

static int read_root(const xmlNode *root, const char *expect_pnr, const char *expect_period,
		     struct attendance *a, struct ebba_err *err)
{
	if (!xmlsafe_is(root, ATTENDANCE_NS, "attendance"))
		return ebba_errf(err, "attendance: the root element is not {%s}attendance",
				 ATTENDANCE_NS);
	struct pnr p;
	struct ebba_err perr;
	if (attr(root, "pnr", a->pnr, sizeof(a->pnr), err) != 0)
		return -1;
	if (strlen(a->pnr) != 12 || pnr_parse(a->pnr, 12, &p, &perr) != 0)
		return ebba_errf(err, "attendance:%d: pnr is not a valid 12-digit identity number",
				 root->line);
	if (expect_pnr && strcmp(expect_pnr, a->pnr))
		return ebba_errf(err, "attendance: the document is about another person");
	if (attr(root, "period", a->period, sizeof(a->period), err) != 0)
		return -1;
	if (!date_is_month(a->period))
		return ebba_errf(err, "attendance:%d: period is not YYYY-MM", root->line);
	if (expect_period && strcmp(expect_period, a->period))
		return ebba_errf(err, "attendance: the document is for %s, not %s", a->period,
				 expect_period);
	return 0;
}

static int read_plan(const xmlNode *n, struct attendance *a, struct ebba_err *err)
{
	char hpw[16];
	if (a->plan_id[0])
		return ebba_errf(err, "attendance:%d: more than one plan", n->line);
	if (attr(n, "id", a->plan_id, sizeof(a->plan_id), err) != 0 ||
	    attr(n, "hours-per-week", hpw, sizeof(hpw), err) != 0 ||
	    attr(n, "from", a->plan_from, sizeof(a->plan_from), err) != 0)
		return -1;
	char *end;
	long h = strtol(hpw, &end, 10);
	if (*end || hpw[0] < '0' || hpw[0] > '9' || h > 168)
		return ebba_errf(err, "attendance:%d: plan: hours-per-week is not a whole number "
				      "from 0 to 168", n->line);
	a->hours_per_week = (int)h;
	if (!date_is_iso(a->plan_from))
		return ebba_errf(err, "attendance:%d: plan: from is not a date YYYY-MM-DD", n->line);
	return 0;
}

static int read_activity(const xmlNode *n, struct attendance *a, struct ebba_err *err)
{
	struct attendance_activity act = {0};
	if (a->n_activities >= ATTENDANCE_MAX_ACTIVITIES)
		return ebba_errf(err, "attendance:%d: more than %d activities", n->line,
				 ATTENDANCE_MAX_ACTIVITIES);
	if (attr(n, "type", act.type, sizeof(act.type), err) != 0 ||
	    hours_attr(n, "scheduled-hours", &act.scheduled, err) != 0 ||
	    hours_attr(n, "attended-hours", &act.attended, err) != 0 ||
	    hours_attr(n, "excused-hours", &act.excused, err) != 0)
		return -1;
	if (act.attended + act.excused > act.scheduled)
		return ebba_errf(err, "attendance:%d: activity %s: attended + excused hours exceed "
				      "the scheduled hours", n->line, act.type);
	if ((a->n_activities & (a->n_activities - 1)) == 0)   /* 0, 1, 2, 4, ...: grow */
		a->activities = xrealloc(a->activities, (a->n_activities ? a->n_activities * 2 : 4) *
								sizeof(*a->activities));
	a->activities[a->n_activities++] = act;
	a->scheduled += act.scheduled;
	a->attended += act.attended;
	a->excused += act.excused;
	return 0;
}

static int read_children(const xmlNode *root, struct attendance *a, struct ebba_err *err)
{
	for (xmlNode *n = xmlsafe_first_elem(root); n; n = xmlsafe_next_elem(n)) {
		int rc = 0;
		if (xmlsafe_is(n, ATTENDANCE_NS, "plan"))
			rc = read_plan(n, a, err);
		else if (xmlsafe_is(n, ATTENDANCE_NS, "activity"))
			rc = read_activity(n, a, err);
		else if (n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ATTENDANCE_NS))
			rc = ebba_errf(err, "attendance:%d: unknown element %s", n->line,
				       (const char *)n->name);
		/* Elements of other namespaces are extensions and are ignored. */
		if (rc < 0)
			return -1;
	}
	if (!a->plan_id[0])
		return ebba_errf(err, "attendance: no plan element");
	return 0;
}

static int permille(int64_t part, int64_t whole)
{
	return whole > 0 ? (int)(part * 1000 / whole) : -1;
}

int attendance_parse(const char *body, size_t len, const char *expect_pnr,
		     const char *expect_period, struct attendance *out, struct ebba_err *err)
{
	*out = (struct attendance){0};
	xmlDoc *doc = xmlsafe_read(body, len, ATTENDANCE_MAX_BYTES, "attendance", err);
	if (!doc)
		return -1;
	xmlNode *root = xmlDocGetRootElement(doc);
	int rc = read_root(root, expect_pnr, expect_period, out, err);
	if (rc == 0)
		rc = read_children(root, out, err);
	xmlFreeDoc(doc);
	if (rc < 0) {
		attendance_free(out);
		return -1;
	}
	out->attended_permille = permille(out->attended, out->scheduled);
	out->accounted_permille = permille(out->attended + out->excused, out->scheduled);
	return 0;
}

void attendance_free(struct attendance *a)
{
	if (!a)
		return;
	free(a->activities);
	*a = (struct attendance){0};
}
