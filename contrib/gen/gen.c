/*
 * ebba-gen: synthetic households for tests, the demo and the benchmark.
 *
 *   ebba-gen --out DIR [--count N] [--seed S] [--period YYYY-MM]
 *            [--deviations P] [--kinds K1,K2,...] [--pnr-list FILE]
 *
 * Writes
 *   DIR/applications/<id>.xml        application documents (docs/architecture.md §3)
 *   DIR/cases/<case>.yaml            case frames (docs/architecture.md §4)
 *   DIR/registers/ssbtek/<pnr>.xml   complete SSBTEK v10 SOAP responses
 *   DIR/registers/plan/<pnr>.xml     attendance documents (docs/architecture.md §5.2)
 *   DIR/manifest.tsv                 id, case, persons, deviation
 * using only Skatteverket's test identity numbers (--pnr-list).  The same
 * seed gives byte-identical output.
 *
 * Registers agree with what is declared unless the household draws a
 * deviation (share P, default 0.3; kinds uniformly from --kinds):
 *   af_missing          an adult who must seek work is not registered at AF
 *   low_attendance      an adult attended about half the planned hours
 *   undeclared_income   FK paid a benefit the application does not declare
 *   changes             the applicant declares changed circumstances
 *   rent_over_frame     rent above what the case frame accepts
 *   no_plan             an adult with a required plan has none on record
 *   part_time_plan      an adult's plan is part time (fails the aktivitetskrav);
 *                       every other plan is full time, 40 hours a week
 * The case frame's last_decision amount is estimated from the 2026 norm
 * (approximate, for the rules' "amount changed" check), not computed by the
 * rules.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ebba/lib/base64.h"
#include "ebba/lib/pnr.h"
#include "ebba/lib/util.h"

enum dev { DEV_NONE, DEV_AF_MISSING, DEV_LOW_ATTENDANCE, DEV_UNDECLARED_INCOME, DEV_CHANGES,
	   DEV_RENT_OVER_FRAME, DEV_NO_PLAN, DEV_PART_TIME_PLAN, DEV_COUNT };
static const char *const dev_names[DEV_COUNT] = {
	"none", "af_missing", "low_attendance", "undeclared_income", "changes",
	"rent_over_frame", "no_plan", "part_time_plan",
};

/* ----------------------------------------------------------------- random */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int between(int lo, int hi)   /* inclusive */
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static bool chance(double p)
{
	return (double)(rnd() >> 11) / (double)(1ULL << 53) < p;
}

/* ------------------------------------------------------ identity numbers */

/* The test numbers by birth year, each handed out at most once. */
struct pool {
	char (*pnr)[13];
	size_t n;
	size_t by_year[200][2];   /* [year-1890] = {first index, count} */
	bool *used;
};

static void load_pool(const char *path, struct pool *p)
{
	struct ebba_buf b = {0};
	struct ebba_err err;
	if (read_file_limited(path, 16u << 20, &b, &err) != 0) {
		fprintf(stderr, "ebba-gen: %s\n", err.msg);
		exit(2);
	}
	/* The file is sorted by number, so each year is one run. */
	size_t cap = b.len / 13 + 1;
	p->pnr = xcalloc(cap, sizeof(*p->pnr));
	char *save = NULL;
	for (char *l = strtok_r(b.data, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		if (strlen(l) != 12 || !pnr_is_valid(l))
			continue;
		int year = (l[0] - '0') * 1000 + (l[1] - '0') * 100 + (l[2] - '0') * 10 + (l[3] - '0');
		/* Coordination numbers (day + 60) are valid but we want plain ones here. */
		if (l[6] >= '6' || year < 1890 || year >= 2090)
			continue;
		size_t *y = p->by_year[year - 1890];
		if (!y[1])
			y[0] = p->n;
		y[1]++;
		memcpy(p->pnr[p->n++], l, 13);
	}
	p->used = xcalloc(p->n ? p->n : 1, sizeof(bool));
	buf_free(&b);
	if (!p->n) {
		fprintf(stderr, "ebba-gen: %s holds no valid identity numbers\n", path);
		exit(2);
	}
}

/* An unused number born in year, or NULL when that year is used up. */
static const char *take(struct pool *p, int year)
{
	if (year < 1890 || year >= 2090)
		return NULL;
	size_t first = p->by_year[year - 1890][0], n = p->by_year[year - 1890][1];
	if (!n)
		return NULL;
	size_t start = (size_t)(rnd() % n);
	for (size_t k = 0; k < n; k++) {
		size_t i = first + (start + k) % n;
		if (!p->used[i]) {
			p->used[i] = true;
			return p->pnr[i];
		}
	}
	return NULL;
}

/* A person of about age (years) on the first day of the period. */
static const char *take_aged(struct pool *p, int period_year, int age, int *got_age,
			     int period_month)
{
	for (int d = 0; d < 40; d++) {
		int a = age + (d % 2 ? -(d + 1) / 2 : d / 2);
		if (a < 0)
			continue;
		const char *s = take(p, period_year - a - 1);
		if (s) {
			/* Born in year period_year-a-1: a or a+1 years old, depending on the day. */
			int bm = (s[4] - '0') * 10 + (s[5] - '0');
			*got_age = a + (bm < period_month || (bm == period_month && s[6] == '0' && s[7] == '1') ? 1 : 0);
			return s;
		}
	}
	return NULL;
}

/* --------------------------------------------------------------- household */

struct person {
	const char *pnr;
	const char *role;        /* applicant, co-applicant, child */
	int age;
	bool full_capacity;      /* adults: can work; plan required */
	int salary, activity_support, sickness, housing, child_allowance, undeclared;
	bool preschool_lunch;
};

struct household {
	struct person p[8];
	int n;
	int rent, electricity, insurance, bank;
	int frame_rent, frame_electricity;
	enum dev dev;
	int dev_person;          /* which adult the deviation concerns */
};

static int norm_child(int age, bool lunch_out)
{
	/* 2023 per-age amounts x 1.13 (uprating to 2026, approximate). */
	static const int t[] = { 2420, 2700, 2700, 2410, 2700, 2700, 2700, 3380, 3380, 3380, 3380,
				 3890, 3890, 3890, 3890, 4390, 4390, 4390, 4390, 4430, 4430 };
	int v = t[age < 0 ? 0 : age > 20 ? 20 : age];
	if (lunch_out && age <= 6)
		v = v * 93 / 100;
	return v * 113 / 100;
}

static int estimate_amount(const struct household *h)
{
	static const int common[] = { 0, 1130, 1250, 1580, 1790, 2060, 2330, 2510 };
	int adults = 0, norm = 0, incomes = 0;
	for (int i = 0; i < h->n; i++) {
		const struct person *q = &h->p[i];
		if (strcmp(q->role, "child") == 0)
			norm += norm_child(q->age, q->preschool_lunch);
		else
			adults++;
		incomes += q->salary + q->activity_support + q->sickness + q->housing +
			   q->child_allowance;
	}
	norm += adults == 2 ? 8510 - common[2] * 113 / 100 : 5220 - common[1] * 113 / 100;
	norm += common[h->n < 7 ? h->n : 7] * 113 / 100;
	return norm + h->rent + h->electricity + h->insurance - incomes;
}

static void make_adult(struct person *q, struct pool *pool, int py, int pm, const char *role)
{
	q->role = role;
	q->pnr = take_aged(pool, py, between(20, 63), &q->age, pm);
	q->full_capacity = chance(0.7);
	if (q->full_capacity) {
		if (chance(0.25))
			q->salary = between(20, 60) * 100;
		else if (chance(0.25))
			q->activity_support = between(30, 70) * 100;
	} else {
		q->sickness = between(40, 90) * 100;
	}
}

static void make_household(struct household *h, struct pool *pool, int py, int pm,
			   double dev_share, const bool *kinds)
{
	memset(h, 0, sizeof(*h));
	int kind = between(0, 99);
	bool couple = kind >= 40 && kind < 55 ? true : kind >= 80;
	int children = kind < 40 ? 0 : kind < 65 ? between(1, 3) : kind < 80 ? 0 : between(1, 4);
	make_adult(&h->p[h->n++], pool, py, pm, "applicant");
	if (couple)
		make_adult(&h->p[h->n++], pool, py, pm, "co-applicant");
	int youngest_parent = h->p[0].age;
	if (couple && h->p[1].age < youngest_parent)
		youngest_parent = h->p[1].age;
	int u16 = 0;
	for (int c = 0; c < children; c++) {
		struct person *q = &h->p[h->n];
		int max_age = youngest_parent - 18 < 20 ? youngest_parent - 18 : 20;
		if (max_age < 0)
			break;
		q->role = "child";
		q->pnr = take_aged(pool, py, between(0, max_age), &q->age, pm);
		if (!q->pnr || q->age > 20)
			continue;
		q->preschool_lunch = q->age >= 1 && q->age <= 6 && chance(0.8);
		u16 += q->age < 16;
		h->n++;
	}
	if (u16)
		h->p[0].child_allowance = 1250 * u16;
	if (h->n > 1 && chance(0.5))
		h->p[0].housing = between(10, 30) * 100;
	h->rent = between(100, 220) * 50;
	h->electricity = between(20, 60) * 10;
	h->insurance = between(10, 25) * 10;
	h->bank = chance(0.5) ? between(0, 30) * 100 : 0;
	h->frame_rent = h->rent;
	h->frame_electricity = h->electricity + 50;

	/* Incomes must leave a need, or every household would be "amount <= 0". */
	while (estimate_amount(h) < 1500) {
		for (int i = 0; i < h->n; i++)
			h->p[i].salary /= 2, h->p[i].activity_support /= 2, h->p[i].sickness /= 2;
		h->p[0].housing /= 2;
		if (estimate_amount(h) < 1500 && !h->p[0].salary && !h->p[0].sickness)
			break;
	}

	h->dev = DEV_NONE;
	if (chance(dev_share)) {
		enum dev cand[DEV_COUNT];
		int nc = 0;
		for (int d = 1; d < DEV_COUNT; d++)
			if (kinds[d])
				cand[nc++] = (enum dev)d;
		if (nc)
			h->dev = cand[between(0, nc - 1)];
	}
	/* Attendance/AF deviations need an adult who must seek work. */
	h->dev_person = 0;
	if (h->dev == DEV_AF_MISSING || h->dev == DEV_LOW_ATTENDANCE || h->dev == DEV_NO_PLAN ||
	    h->dev == DEV_PART_TIME_PLAN) {
		int a = h->p[0].full_capacity ? 0 : (h->n > 1 && strcmp(h->p[1].role, "co-applicant") == 0 && h->p[1].full_capacity) ? 1 : -1;
		if (a < 0)
			h->p[0].full_capacity = true, h->p[0].sickness = 0, a = 0;
		h->dev_person = a;
	}
	if (h->dev == DEV_UNDECLARED_INCOME)
		h->p[0].undeclared = between(10, 40) * 100;
	if (h->dev == DEV_RENT_OVER_FRAME)
		h->rent = h->frame_rent + between(5, 30) * 100;
}

/* ----------------------------------------------------------------- output */

static char *out_dir;

static void write_out(const char *rel, const struct ebba_buf *b)
{
	char *path = xasprintf("%s/%s", out_dir, rel);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "ebba-gen: cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	free(path);
}

static void mkdirs(const char *rel)
{
	char *path = xasprintf("%s/%s", out_dir, rel);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "ebba-gen: cannot create %s: %s\n", path, strerror(errno));
		exit(2);
	}
	free(path);
}

struct when {
	int py, pm;              /* the period applied for */
	int iy, im;              /* the income month before it */
};

static void write_application(const struct household *h, const char *id, const char *case_id,
			      const struct when *w)
{
	struct ebba_buf b = {0};
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<application xmlns=\"urn:ebba:application:1\" id=\"%s\" case=\"%s\" kind=\"repeat\">\n"
		       "  <period>%04d-%02d</period>\n"
		       "  <submitted>%04d-%02d-24T21:13:05+01:00</submitted>\n"
		       "  <household shared-with=\"0\">\n", id, case_id, w->py, w->pm, w->iy, w->im);
	for (int i = 0; i < h->n; i++)
		buf_printf(&b, "    <person pnr=\"%s\" role=\"%s\"%s/>\n", h->p[i].pnr, h->p[i].role,
			   h->p[i].preschool_lunch ? " preschool-lunch=\"true\"" : "");
	buf_puts(&b, "  </household>\n  <incomes>\n");
	for (int i = 0; i < h->n; i++) {
		const struct person *q = &h->p[i];
		const struct { const char *type; int amount; } inc[] = {
			{ "salary", q->salary }, { "activity_support", q->activity_support },
			{ "sickness_benefit", q->sickness }, { "housing_allowance", q->housing },
			{ "child_allowance", q->child_allowance },
		};
		for (size_t k = 0; k < ARRAY_LEN(inc); k++)
			if (inc[k].amount)
				buf_printf(&b, "    <income person=\"%s\" type=\"%s\" amount=\"%d\"/>\n",
					   q->pnr, inc[k].type, inc[k].amount);
	}
	buf_printf(&b, "  </incomes>\n  <costs>\n"
		       "    <cost type=\"rent\" amount=\"%d\"/>\n"
		       "    <cost type=\"electricity\" amount=\"%d\"/>\n"
		       "    <cost type=\"home_insurance\" amount=\"%d\"/>\n"
		       "  </costs>\n  <assets>\n",
		   h->rent, h->electricity, h->insurance);
	if (h->bank)
		buf_printf(&b, "    <asset person=\"%s\" type=\"bank\" amount=\"%d\"/>\n", h->p[0].pnr, h->bank);
	buf_printf(&b, "  </assets>\n  <changes>%s</changes>\n  <message></message>\n</application>\n",
		   h->dev == DEV_CHANGES ? "true" : "false");
	char *rel = xasprintf("applications/%s.xml", id);
	write_out(rel, &b);
	free(rel);
	buf_free(&b);
}

static void write_case(const struct household *h, const char *case_id, const struct when *w)
{
	struct ebba_buf b = {0};
	buf_printf(&b, "case: %s\nautomation: allowed\nvalid_until: %04d-02-28\nhousehold: [", case_id,
		   w->py + 1);
	for (int i = 0; i < h->n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", h->p[i].pnr);
	buf_puts(&b, "]\nadults:\n");
	for (int i = 0; i < h->n; i++) {
		const struct person *q = &h->p[i];
		if (strcmp(q->role, "child") == 0)
			continue;
		if (q->full_capacity)
			buf_printf(&b, "  %s: { capacity: full, plan: required }\n", q->pnr);
		else
			buf_printf(&b, "  %s: { capacity: none, plan: exempt, reason: sjukskriven }\n", q->pnr);
	}
	int amount = estimate_amount(h);
	amount += amount * between(-3, 3) / 100;
	buf_printf(&b, "approved_costs:\n  rent: %d\n  electricity: %d\n  home_insurance: %d\n"
		       "months_on_assistance: %d\nlast_decision: { period: %04d-%02d, amount: %d }\n",
		   h->frame_rent, h->frame_electricity, h->insurance, between(1, 36), w->iy, w->im,
		   amount > 0 ? amount : 0);
	char *rel = xasprintf("cases/%s.yaml", case_id);
	write_out(rel, &b);
	free(rel);
	buf_free(&b);
}

static void fk_payment(struct ebba_buf *j, bool *first, const char *date, int amount,
		       const char *code)
{
	buf_printf(j, "%s{\"datum\":\"%s\",\"nettobelopp\":{\"summa\":%d,\"valuta\":\"SEK\"},"
		      "\"formansfamilj\":{\"id\":\"%s\"}}", *first ? "" : ",", date, amount, code);
	*first = false;
}

/* The FK part: the LEFI JSON of the person's payments in the income month, base64. */
static void fk_part(struct ebba_buf *b, const struct person *q, const struct when *w)
{
	char d20[32], d25[32];
	snprintf(d20, sizeof(d20), "%04d-%02d-20", w->iy, w->im);
	snprintf(d25, sizeof(d25), "%04d-%02d-25", w->iy, w->im);
	struct ebba_buf j = {0};
	bool first = true;
	buf_printf(&j, "{\"utlamnare\":[{\"utlamnare\":{\"kod\":\"FK\",\"namn\":\"Försäkringskassan\"},"
		       "\"tillstand\":{\"kod\":\"OK\",\"beskrivning\":\"Tillgänglig\"}}],"
		       "\"formansinformation\":{\"generellPersoninformation\":[{\"personnummer\":\"%s\"}],"
		       "\"utbetalningsuppgift\":[", q->pnr);
	if (q->child_allowance)
		fk_payment(&j, &first, d20, q->child_allowance, "ABB");
	if (q->housing)
		fk_payment(&j, &first, d25, q->housing, "BOB");
	if (q->sickness)
		fk_payment(&j, &first, d25, q->sickness, "SJP");
	if (q->activity_support)
		fk_payment(&j, &first, d25, q->activity_support, "AS");
	if (q->undeclared)
		fk_payment(&j, &first, d25, q->undeclared, "FP");
	buf_puts(&j, "]}}");
	buf_puts(b, "                <ssbt:FK>\n                    <ssbt:data>\n"
		    "                        <ssbt:lefiJsonSvar>");
	base64_encode(j.data, j.len, b);
	buf_puts(b, "</ssbt:lefiJsonSvar>\n                    </ssbt:data>\n                </ssbt:FK>\n");
	buf_free(&j);
}

static void af_part(struct ebba_buf *b, const struct person *q, bool registered,
		    const struct when *w, int n)
{
	buf_printf(b,
		   "                <ssbt:AF>\n                    <ssbt:data>\n"
		   "                        <er:Svar>\n"
		   "                            <er:Schemaversion>4.0</er:Schemaversion>\n"
		   "                            <er:Referensnummer>AID%08d</er:Referensnummer>\n"
		   "                            <er:IdentitetsbeteckningFysiskPerson>%s</er:IdentitetsbeteckningFysiskPerson>\n"
		   "                            <er:Sekretessmarkering>false</er:Sekretessmarkering>\n"
		   "                            <er:ArbetssokandeInfo>\n"
		   "                                <er:Arbetssokande>%s</er:Arbetssokande>\n",
		   n, q->pnr, registered ? "true" : "false");
	if (registered)
		buf_printf(b,
			   "                                <er:ArbetssokandeRegistrerad>%04d-%02d-%02d+01:00</er:ArbetssokandeRegistrerad>\n"
			   "                                <er:ArbetssokandeOmfattning>100</er:ArbetssokandeOmfattning>\n"
			   "                                <er:AktivetetsRapportDatum><er:SenasteAktivitetsRapportDatum>%04d-%02d-%02d</er:SenasteAktivitetsRapportDatum></er:AktivetetsRapportDatum>\n",
			   w->iy - between(0, 3), between(1, 12), between(1, 28), w->iy, w->im,
			   between(10, 14));
	buf_puts(b, "                            </er:ArbetssokandeInfo>\n"
		    "                            <er:StatusSokandeinformationKod>0</er:StatusSokandeinformationKod>\n"
		    "                            <er:StatusSokandeinformationKodText>Frågan har behandlats normalt och ett giltigt svar har returnerats.</er:StatusSokandeinformationKodText>\n"
		    "                        </er:Svar>\n                    </ssbt:data>\n                </ssbt:AF>\n");
}

static void write_ssbtek(const struct household *h, int i, const struct when *w, int n)
{
	const struct person *q = &h->p[i];
	bool adult = strcmp(q->role, "child") != 0;
	struct ebba_buf b = {0};
	buf_puts(&b, "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\n"
		     "    <soap:Body>\n"
		     "        <ssbt:hamtaBastjanstInformationResponse xmlns:ssbt=\"http://schema.forsakringskassan.se/integration/ssbt/10\"\n"
		     "                                                xmlns:er=\"http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2\">\n"
		     "            <ssbt:svarsdata>\n");
	if (adult && q->full_capacity)
		af_part(&b, q, !(h->dev == DEV_AF_MISSING && h->dev_person == i), w, n);
	fk_part(&b, q, w);
	buf_puts(&b, "            </ssbt:svarsdata>\n"
		     "        </ssbt:hamtaBastjanstInformationResponse>\n"
		     "    </soap:Body>\n</soap:Envelope>\n");
	char *rel = xasprintf("registers/ssbtek/%s.xml", q->pnr);
	write_out(rel, &b);
	free(rel);
	buf_free(&b);
}

static void write_plan(const struct household *h, int i, const struct when *w, int n)
{
	const struct person *q = &h->p[i];
	if (strcmp(q->role, "child") == 0 || !q->full_capacity)
		return;
	if (h->dev == DEV_NO_PLAN && h->dev_person == i)
		return;
	bool low = h->dev == DEV_LOW_ATTENDANCE && h->dev_person == i;
	/* Plans are full time (the aktivitetskrav) unless the household draws a
	 * part-time plan. */
	bool part_time = h->dev == DEV_PART_TIME_PLAN && h->dev_person == i;
	int hours = part_time ? between(3, 7) * 5 : 40;
	int sfi = hours * 43 / 10 / 2, work = hours * 43 / 10 - sfi;
	int pct = low ? between(45, 60) : between(92, 100);
	int sfi_att = sfi * pct / 100, work_att = work * pct / 100;
	int sfi_exc = low ? 0 : (sfi - sfi_att) / 2, work_exc = low ? 0 : (work - work_att) / 2;
	struct ebba_buf b = {0};
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<attendance xmlns=\"urn:ebba:plan:1\" pnr=\"%s\" period=\"%04d-%02d\">\n"
		       "  <plan id=\"P-%d\" hours-per-week=\"%d\" from=\"%04d-%02d-01\"/>\n"
		       "  <activity type=\"sfi\" scheduled-hours=\"%d\" attended-hours=\"%d\" excused-hours=\"%d\"/>\n"
		       "  <activity type=\"work_training\" scheduled-hours=\"%d\" attended-hours=\"%d\" excused-hours=\"%d\"/>\n"
		       "</attendance>\n",
		   q->pnr, w->iy, w->im, 100 + n, hours, w->iy - 1, between(1, 12), sfi, sfi_att,
		   sfi_exc, work, work_att, work_exc);
	char *rel = xasprintf("registers/plan/%s.xml", q->pnr);
	write_out(rel, &b);
	free(rel);
	buf_free(&b);
}

/* ------------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fputs("usage: ebba-gen --out DIR [--count N] [--seed S] [--period YYYY-MM]\n"
	      "                [--deviations P] [--kinds K,...] [--pnr-list FILE]\n"
	      "Generates applications, case frames and register fixtures for N synthetic\n"
	      "households (Skatteverket test identity numbers only).  A share P (default 0.3)\n"
	      "gets one deviation; kinds: af_missing low_attendance undeclared_income changes\n"
	      "rent_over_frame no_plan part_time_plan (default all).  Same seed, same output.\n", f);
}

static void parse_kinds(const char *s, bool kinds[DEV_COUNT])
{
	memset(kinds, 0, DEV_COUNT * sizeof(bool));
	char *copy = xstrdup(s), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int d;
		for (d = 1; d < DEV_COUNT && strcmp(t, dev_names[d]); d++)
			;
		if (d == DEV_COUNT) {
			fprintf(stderr, "ebba-gen: unknown deviation kind %s\n", t);
			exit(2);
		}
		kinds[d] = true;
	}
	free(copy);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "period", required_argument, NULL, 'p' },
		{ "deviations", required_argument, NULL, 'd' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "pnr-list", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *list = "reference/skatteverket-testpersonnummer/skatteverket-testpersonnummer.txt";
	long count = 10;
	uint64_t seed = 1;
	int py = 2026, pm = 12;
	double dev_share = 0.3;
	bool kinds[DEV_COUNT];
	for (int d = 0; d < DEV_COUNT; d++)
		kinds[d] = true;
	int c;
	char tail;
	while ((c = getopt_long(argc, argv, "o:n:s:p:d:k:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_dir = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'p':
			if (sscanf(optarg, "%4d-%2d%c", &py, &pm, &tail) != 2 || pm < 1 || pm > 12 ||
			    py < 1950 || py > 2080) {
				fprintf(stderr, "ebba-gen: --period %s: expected YYYY-MM\n", optarg);
				return 2;
			}
			break;
		case 'd': dev_share = strtod(optarg, NULL); break;
		case 'k': parse_kinds(optarg, kinds); break;
		case 'l': list = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!out_dir || count < 1 || count > 1000000 || dev_share < 0 || dev_share > 1) {
		usage(stderr);
		return 2;
	}
	rng_state = seed;
	struct pool pool = {0};
	load_pool(list, &pool);
	struct when w = { py, pm, pm == 1 ? py - 1 : py, pm == 1 ? 12 : pm - 1 };

	mkdirs("");
	mkdirs("applications");
	mkdirs("cases");
	mkdirs("registers");
	mkdirs("registers/ssbtek");
	mkdirs("registers/plan");
	struct ebba_buf manifest = {0};
	buf_puts(&manifest, "# id\tcase\tpersons\tdeviation\n");
	long made = 0;
	for (long i = 0; i < count; i++) {
		struct household h;
		make_household(&h, &pool, py, pm, dev_share, kinds);
		if (!h.p[0].pnr || (h.n > 1 && !h.p[1].pnr)) {
			fprintf(stderr, "ebba-gen: ran out of test identity numbers after %ld households\n", made);
			break;
		}
		char id[32], case_id[16];
		snprintf(id, sizeof(id), "EB-%04d-%02d-%06ld", py, pm, i + 1);
		snprintf(case_id, sizeof(case_id), "C-%05ld", 10000 + i);
		write_application(&h, id, case_id, &w);
		write_case(&h, case_id, &w);
		for (int k = 0; k < h.n; k++) {
			if (h.p[k].age >= 16)
				write_ssbtek(&h, k, &w, (int)i);
			write_plan(&h, k, &w, (int)i);
		}
		buf_printf(&manifest, "%s\t%s\t%d\t%s\n", id, case_id, h.n, dev_names[h.dev]);
		made++;
	}
	write_out("manifest.tsv", &manifest);
	buf_free(&manifest);
	free(pool.pnr);
	free(pool.used);
	printf("ebba-gen: %ld households in %s\n", made, out_dir);
	return made == count ? 0 : 1;
}
