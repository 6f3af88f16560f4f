/*
 * SSBTEK v10 documents: every sample response of the contract, agency
 * errors, hostile and malformed input, the request round trip, and the LEFI
 * mapping.  Run from the repository root; the samples are read from
 * $EBBA_REFERENCE (default reference)/sundsvall-ssbtek-v10/fixtures/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ebba/lib/base64.h"
#include "ebba/registers/evidence.h"
#include "ebba/registers/ssbtek.h"
#include "ebba/lib/util.h"

/*
 * The samples' own person is read from the AF sample rather than written
 * here: only Skatteverket's test numbers belong in the repository.
 */
static char fixture_pnr_buf[13];
static const char *fixture_pnr(void);
#define FIXTURE_PNR fixture_pnr()
/* The samples' LEFI answer: {"utlamnare":[{FK, OK}]}. */
#define FIXTURE_FK_B64 "eyJ1dGxhbW5hcmUiOlt7InV0bGFtbmFyZSI6eyJrb2QiOiJGSyIsIm5hbW4iOiJGw7Zyc8Oka3Jpbmdza2Fzc2FuIn0s" \
	"InRpbGxzdGFuZCI6eyJrb2QiOiJPSyIsImJlc2tyaXZuaW5nIjoiVGlsbGfDpG5nbGlnIn19XX0="
/* Skatteverket test numbers. */
#define TEST_PNR "198503122395"
#define TEST_PNR2 "198701052386"

/* ------------------------------------------------------------ helpers */

static char *fixture(const char *name, size_t *len)
{
	const char *ref = getenv("EBBA_REFERENCE");
	char path[1024];
	snprintf(path, sizeof(path), "%s/sundsvall-ssbtek-v10/fixtures/%s",
		 ref && *ref ? ref : "reference", name);
	struct ebba_buf b = {0};
	struct ebba_err err;
	if (read_file_limited(path, 1 << 20, &b, &err) < 0) {
		fprintf(stderr, "missing SSBTEK fixture (run from the repository root, or set "
				"EBBA_REFERENCE): %s\n", err.msg);
		fail();
	}
	*len = b.len;
	return buf_steal(&b);
}

static const char *fixture_pnr(void)
{
	if (!fixture_pnr_buf[0]) {
		size_t len;
		char *af = fixture("test02_getFinancialAid_af.xml", &len);
		const char *tag = "<er:IdentitetsbeteckningFysiskPerson>";
		const char *at = strstr(af, tag);
		assert_non_null(at);
		snprintf(fixture_pnr_buf, sizeof(fixture_pnr_buf), "%.12s", at + strlen(tag));
		free(af);
	}
	return fixture_pnr_buf;
}

static const char ENV_HEAD[] =
	"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	"<ssbt:hamtaBastjanstInformationResponse "
	"xmlns:ssbt=\"http://schema.forsakringskassan.se/integration/ssbt/10\" "
	"xmlns:er=\"http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2\" "
	"xmlns:in=\"http://INT014.UBPService.Schemas\"><ssbt:svarsdata>";
static const char ENV_TAIL[] =
	"</ssbt:svarsdata></ssbt:hamtaBastjanstInformationResponse></soap:Body></soap:Envelope>";

/* A response with these agency parts; caller frees. */
static char *envelope(const char *parts)
{
	return xasprintf("%s%s%s", ENV_HEAD, parts, ENV_TAIL);
}

static char *b64(const char *s)
{
	struct ebba_buf b = {0};
	base64_encode(s, strlen(s), &b);
	return buf_steal(&b);
}

/* An FK part carrying this LEFI JSON. */
static char *fk_part(const char *json)
{
	char *e = b64(json);
	char *p = xasprintf("<ssbt:FK><ssbt:data><ssbt:lefiJsonSvar>%s</ssbt:lefiJsonSvar>"
			    "</ssbt:data></ssbt:FK>", e);
	free(e);
	return p;
}

static char *csn_part(const char *xml)
{
	char *e = b64(xml);
	char *p = xasprintf("<ssbt:CSN><ssbt:data><ssbt:svar>%s</ssbt:svar></ssbt:data></ssbt:CSN>", e);
	free(e);
	return p;
}

static int parse(const char *body, size_t len, const struct ssbtek_parse_opts *o,
		 struct ssbtek_result *r, struct ebba_err *err)
{
	err->msg[0] = '\0';
	return ssbtek_parse_response(body, len, o, r, err);
}

static int parse_parts(const char *parts, struct ssbtek_result *r, struct ebba_err *err)
{
	char *doc = envelope(parts);
	int rc = parse(doc, strlen(doc), NULL, r, err);
	free(doc);
	return rc;
}

static void assert_only(const struct ssbtek_result *r, enum ssbtek_agency a,
			enum ssbtek_status st)
{
	for (int i = 0; i < SSBTEK_AGENCY_COUNT; i++)
		assert_int_equal(r->part[i].status, i == (int)a ? st : SSBTEK_ABSENT);
}

static void assert_malformed(const struct ssbtek_result *r, enum ssbtek_agency a,
			     const char *needle)
{
	const struct ssbtek_part *p = &r->part[a];
	assert_int_equal(p->status, SSBTEK_ERROR);
	assert_string_equal(p->kalla, "ebba");
	assert_string_equal(p->felkod, "malformed");
	if (!strstr(p->felmeddelande, needle))
		fail_msg("%s: '%s' does not mention '%s'", ssbtek_agency_name(a), p->felmeddelande,
			 needle);
}

static void assert_contains(const char *s, const char *needle)
{
	if (!strstr(s, needle))
		fail_msg("'%s' does not contain '%s'", s, needle);
}

/* ------------------------------------------------------------ fixtures */

static void check_af_facts(const struct ssbtek_result *r)
{
	assert_true(r->af.known);
	assert_true(r->af.registered);
	assert_string_equal(r->af.since, "2016-11-18");
	assert_int_equal(r->af.scope_percent, 100);
	assert_string_equal(r->af.latest_report, "");
	assert_string_equal(r->af.deregistered, "");
	assert_int_equal(r->af.status_code, 0);
}

static void check_so_facts(const struct ssbtek_result *r)
{
	size_t so = 0;
	for (size_t i = 0; i < r->n_payments; i++) {
		const struct ssbtek_payment *p = &r->payments[i];
		if (p->agency != SSBTEK_SO)
			continue;
		so++;
		assert_string_equal(p->date, "2013-11-23");
		assert_int_equal(p->net_ore, 125050);
		assert_int_equal(p->type, INCOME_UNEMPLOYMENT_BENEFIT);
		assert_false(p->planned);
	}
	assert_int_equal(so, 1);
	/* 1 250,50 kr rounds half away from zero to 1 251. */
	assert_int_equal(ssbtek_month_net(r, INCOME_UNEMPLOYMENT_BENEFIT, "2013-11"), 1251);
	assert_int_equal(ssbtek_month_net(r, INCOME_UNEMPLOYMENT_BENEFIT, "2013-12"), 0);
}

static void one_fixture(const char *name, enum ssbtek_agency a)
{
	size_t len;
	char *body = fixture(name, &len);
	struct ssbtek_parse_opts o = { .expect_pnr = FIXTURE_PNR };
	struct ssbtek_result r;
	struct ebba_err err;
	if (parse(body, len, &o, &r, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	assert_only(&r, a, SSBTEK_OK);
	assert_non_null(r.part[a].raw);
	assert_true(r.part[a].raw_len > 0);
	assert_int_equal(r.n_unknown_codes, 0);
	if (a == SSBTEK_AF)
		check_af_facts(&r);
	if (a == SSBTEK_SO)
		check_so_facts(&r);
	else
		assert_int_equal(r.n_payments, 0);   /* CSN: all zero; FK: only "utlamnare" */
	ssbtek_result_free(&r);
	free(body);
}

static void test_fixture_csn(void **s) { one_fixture("test01_getFinancialAid_csn.xml", SSBTEK_CSN); }
static void test_fixture_af(void **s) { one_fixture("test02_getFinancialAid_af.xml", SSBTEK_AF); }
static void test_fixture_fk(void **s) { one_fixture("test03_getFinancialAid_fk.xml", SSBTEK_FK); }
static void test_fixture_skv(void **s) { one_fixture("test04_getFinancialAid_skv.xml", SSBTEK_SKV); }
static void test_fixture_so(void **s) { one_fixture("test05_getFinancialAid_so.xml", SSBTEK_SO); }
static void test_fixture_tns(void **s) { one_fixture("test06_getFinancialAid_tns.xml", SSBTEK_TNS); }
static void test_fixture_miv(void **s) { one_fixture("test07_getFinancialAid_miv.xml", SSBTEK_MIV); }

static void test_fixture_all(void **s)
{
	size_t len;
	char *body = fixture("test08_getFinancialAid_allAgencies.xml", &len);
	struct ssbtek_parse_opts o = { .expect_pnr = FIXTURE_PNR };
	struct ssbtek_result r;
	struct ebba_err err;
	if (parse(body, len, &o, &r, &err) < 0)
		fail_msg("%s", err.msg);
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		assert_int_equal(r.part[a].status, SSBTEK_OK);
		assert_null(r.part[a].felmeddelande);
	}
	check_af_facts(&r);
	check_so_facts(&r);
	assert_int_equal(r.n_payments, 1);
	assert_contains(r.part[SSBTEK_TNS].raw, "ABC001");
	/* Each raw part stands alone: its namespaces are declared in it. */
	assert_contains(r.part[SSBTEK_AF].raw, "xmlns:ssbt=");
	assert_contains(r.part[SSBTEK_AF].raw, "xmlns:er=");

	struct evidence ev;
	ssbtek_part_evidence(&r, SSBTEK_SO, &ev);
	assert_int_equal(ev.source, EV_SOURCE_SSBTEK);
	assert_string_equal(ev.agency, "SO");
	assert_int_equal(ev.status, EV_OK);
	assert_int_equal(ev.raw_len, r.part[SSBTEK_SO].raw_len);
	assert_int_equal(strlen(ev.sha256), 64);
	evidence_free(&ev);
	/* the summary row's status and hash are the part's evidence's, every part */
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		char sha256[65];
		enum ev_status st = ssbtek_part_summary(&r, (enum ssbtek_agency)a, sha256);
		ssbtek_part_evidence(&r, (enum ssbtek_agency)a, &ev);
		assert_int_equal(st, ev.status);
		assert_string_equal(sha256, ev.sha256);
		evidence_free(&ev);
	}
	ssbtek_result_free(&r);

	/* The same answer for someone else: the parts that name a person fail. */
	o.expect_pnr = TEST_PNR;
	assert_int_equal(parse(body, len, &o, &r, &err), 0);
	assert_malformed(&r, SSBTEK_AF, "another person");
	assert_malformed(&r, SSBTEK_SO, "another person");
	assert_malformed(&r, SSBTEK_CSN, "another person");
	assert_int_equal(r.part[SSBTEK_FK].status, SSBTEK_OK);   /* names nobody */
	assert_int_equal(r.n_payments, 0);
	assert_false(r.af.known);
	ssbtek_result_free(&r);
	free(body);
}

/* ------------------------------------------------------------ agency errors */

static void test_agency_errors(void **s)
{
	struct ebba_buf parts = {0};
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		const char *n = ssbtek_agency_name((enum ssbtek_agency)a);
		buf_printf(&parts, "<ssbt:%s><ssbt:error><ssbt:kalla>%s</ssbt:kalla>"
				   "<ssbt:felkod>E%d</ssbt:felkod>"
				   "<ssbt:felmeddelande>Fel hos %s</ssbt:felmeddelande>"
				   "<ssbt:felmeddelande>rad &lt;2&gt;</ssbt:felmeddelande>"
				   "</ssbt:error></ssbt:%s>",
			   n, a % 2 ? "BT" : "SSBT", a, n, n);
	}
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts(parts.data, &r, &err), 0);
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		const struct ssbtek_part *p = &r.part[a];
		char want[64];
		assert_int_equal(p->status, SSBTEK_ERROR);
		assert_string_equal(p->kalla, a % 2 ? "BT" : "SSBT");
		snprintf(want, sizeof(want), "E%d", a);
		assert_string_equal(p->felkod, want);
		snprintf(want, sizeof(want), "Fel hos %s; rad <2>",
			 ssbtek_agency_name((enum ssbtek_agency)a));
		assert_string_equal(p->felmeddelande, want);
		assert_non_null(p->raw);
	}
	ssbtek_result_free(&r);
	buf_free(&parts);

	/* Neither data nor error, both, or a part twice: an error for that part. */
	assert_int_equal(parse_parts("<ssbt:AF/><ssbt:SO><ssbt:data/><ssbt:error/></ssbt:SO>"
				     "<ssbt:TNS><ssbt:data/></ssbt:TNS><ssbt:TNS><ssbt:data/></ssbt:TNS>",
				     &r, &err), 0);
	assert_malformed(&r, SSBTEK_AF, "neither data nor error");
	assert_malformed(&r, SSBTEK_SO, "both data and error");
	assert_malformed(&r, SSBTEK_TNS, "more than once");
	/* The evidence of a doubled part is every copy the register sent. */
	const struct ssbtek_part *tns = &r.part[SSBTEK_TNS];
	assert_non_null(tns->raw);
	assert_int_equal(strlen(tns->raw), tns->raw_len);
	const char *second = strstr(tns->raw, "<ssbt:TNS");
	assert_non_null(second);
	assert_non_null(strstr(second + 1, "<ssbt:TNS"));
	assert_int_equal(r.part[SSBTEK_MIV].status, SSBTEK_ABSENT);
	ssbtek_result_free(&r);
}

static void test_soap_fault(void **s)
{
	struct ebba_buf b = {0};
	ssbtek_soap_fault(&b, "Client", "personidentitet saknas <&>");
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse(b.data, b.len, NULL, &r, &err), -1);
	assert_string_equal(err.msg, "SOAP fault: soap:Client: personidentitet saknas <&>");
	buf_free(&b);
}

/* ------------------------------------------------------------ malformed parts */

/* The all-agencies sample with one piece replaced; the other parts stay ok. */
static void replaced(const char *from, const char *to, enum ssbtek_agency bad,
		     const char *needle)
{
	size_t len;
	char *body = fixture("test08_getFinancialAid_allAgencies.xml", &len);
	char *at = strstr(body, from);
	assert_non_null(at);
	char *doc = xasprintf("%.*s%s%s", (int)(at - body), body, to, at + strlen(from));
	struct ssbtek_result r;
	struct ebba_err err;
	if (parse(doc, strlen(doc), NULL, &r, &err) < 0)
		fail_msg("whole response failed: %s", err.msg);
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++)
		if (a != (int)bad)
			assert_int_equal(r.part[a].status, SSBTEK_OK);
	assert_malformed(&r, bad, needle);
	if (bad != SSBTEK_AF)
		check_af_facts(&r);
	ssbtek_result_free(&r);
	free(doc);
	free(body);
}

static void test_bad_base64(void **s)
{
	replaced("<ssbt:svar>PENTT", "<ssbt:svar>*#!PENTT", SSBTEK_CSN, "base64");
	replaced("<ssbt:lefiJsonSvar>eyJ1", "<ssbt:lefiJsonSvar>eyJ", SSBTEK_FK, "base64");
	replaced("<ssbt:lefiJsonSvar>eyJ1", "<ssbt:lefiJsonSvar>=eyJ1", SSBTEK_FK, "base64");
}

static void test_bad_json(void **s)
{
	char *bad = b64("{\"utlamnare\": [");
	replaced(FIXTURE_FK_B64, bad, SSBTEK_FK, "LEFI JSON");
	free(bad);
	static const char *const cases[][2] = {
		{ "[1,2]", "not an object" },
		{ "{\"utlamnare\":[],\"utlamnare\":[]}", "LEFI JSON" },   /* duplicate key */
		{ "{}", "no utlamnare" },
		{ "{\"utlamnare\":[{\"utlamnare\":{\"kod\":\"PM\"},\"tillstand\":{\"kod\":\"OTILLGANGLIG\"}}]}",
		  "provider PM is OTILLGANGLIG" },
		{ "{\"utlamnare\":[],\"avvikelser\":{\"utbetalningar\":[{\"avvikelse\":{\"kod\":\"INTERNT_FEL\"},"
		  "\"formansgrupp\":{\"kod\":\"FK:BOB\"}}]}}", "FK:BOB (INTERNT_FEL)" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":[{\"datum\":\"2026-11-25\"}]}}",
		  "nettobelopp.summa" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":[{\"datum\":\"2026-11-31\","
		  "\"nettobelopp\":{\"summa\":5}}]}}", "payment date" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":[{\"datum\":\"2026-11-02\","
		  "\"nettobelopp\":{\"summa\":\"5\"}}]}}", "nettobelopp.summa" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":[{\"datum\":\"2026-11-02\","
		  "\"nettobelopp\":{\"summa\":1e300}}]}}", "nettobelopp.summa" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":[{\"datum\":\"2026-11-02\","
		  "\"nettobelopp\":{\"summa\":5,\"valuta\":\"EUR\"}}]}}", "SEK" },
		{ "{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":{}}}", "not an array" },
		{ "{\"utlamnare\":[],\"utbetalningar\":[{\"utbetalningsdatum\":\"2026-11-02\",\"nettobelopp\":1.5}]}",
		  "whole kronor" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *part = fk_part(cases[i][0]);
		struct ssbtek_result r;
		struct ebba_err err;
		assert_int_equal(parse_parts(part, &r, &err), 0);
		assert_malformed(&r, SSBTEK_FK, cases[i][1]);
		assert_int_equal(r.n_payments, 0);
		assert_int_equal(r.n_unknown_codes, 0);
		ssbtek_result_free(&r);
		free(part);
	}
}

static void test_deep_json(void **s)
{
	struct ebba_buf j = {0};
	for (int i = 0; i < 10000; i++)
		buf_putc(&j, '[');
	for (int i = 0; i < 10000; i++)
		buf_putc(&j, ']');
	char *part = fk_part(j.data);
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts(part, &r, &err), 0);
	assert_malformed(&r, SSBTEK_FK, "LEFI JSON");
	ssbtek_result_free(&r);
	free(part);
	buf_free(&j);
}

static void test_bad_inner_xml(void **s)
{
	static const char *const bad[][2] = {
		{ "<CSNSvar xmlns=\"http://schema.csn.se/v4.0/kommunfraga\"><Personer>", "not well-formed" },
		{ "not xml at all", "not well-formed" },
		{ "<other/>", "not a CSNSvar" },
		{ "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
		  "<CSNSvar xmlns=\"http://schema.csn.se/v4.0/kommunfraga\">&b;</CSNSvar>", "DOCTYPE" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *part = csn_part(bad[i][0]);
		struct ssbtek_result r;
		struct ebba_err err;
		assert_int_equal(parse_parts(part, &r, &err), 0);
		assert_malformed(&r, SSBTEK_CSN, bad[i][1]);
		ssbtek_result_free(&r);
		free(part);
	}
	/* Skatteverket's answer is XML in CDATA: broken XML there is an SKV error. */
	replaced("</SvarBeskattningsuppgifterEnligtSFS2008-975>", "</Svar>", SSBTEK_SKV,
		 "not well-formed");
	/* AF: a value that is not what the contract says. */
	replaced("<er:ArbetssokandeOmfattning>100<", "<er:ArbetssokandeOmfattning>lots<", SSBTEK_AF,
		 "ArbetssokandeOmfattning");
}

static void test_bad_af(void **s)
{
	static const char *const bad[][2] = {
		{ "<er:Svar><er:ArbetssokandeInfo><er:Arbetssokande>ja</er:Arbetssokande>"
		  "</er:ArbetssokandeInfo></er:Svar>", "boolean" },
		{ "<er:Svar><er:ArbetssokandeInfo><er:ArbetssokandeRegistrerad>2016-02-30"
		  "</er:ArbetssokandeRegistrerad></er:ArbetssokandeInfo></er:Svar>", "not a date" },
		{ "<er:Svar><er:ArbetssokandeInfo><er:ArbetssokandeOmfattning>101"
		  "</er:ArbetssokandeOmfattning></er:ArbetssokandeInfo></er:Svar>", "0 to 100" },
		{ "<er:Fraga/>", "no Svar" },
		{ "<er:Svar/><er:Svar/>", "at most one" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *part = xasprintf("<ssbt:AF><ssbt:data>%s</ssbt:data></ssbt:AF>", bad[i][0]);
		struct ssbtek_result r;
		struct ebba_err err;
		assert_int_equal(parse_parts(part, &r, &err), 0);
		assert_malformed(&r, SSBTEK_AF, bad[i][1]);
		assert_false(r.af.known);
		ssbtek_result_free(&r);
		free(part);
	}
	/* Contract shape (data holds Fraga and Svar) with a latest activity report. */
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts(
		"<ssbt:AF><ssbt:data><er:Fraga/><er:Svar><er:ArbetssokandeInfo>"
		"<er:Arbetssokande>false</er:Arbetssokande>"
		"<er:ArbetssokandeAvaktualiserad>2026-10-31Z</er:ArbetssokandeAvaktualiserad>"
		"<er:AktivetetsRapportDatum><er:AktivitetsRapportMeddelande>x</er:AktivitetsRapportMeddelande>"
		"<er:SenasteAktivitetsRapportDatum>2026-11-14</er:SenasteAktivitetsRapportDatum>"
		"</er:AktivetetsRapportDatum></er:ArbetssokandeInfo></er:Svar></ssbt:data></ssbt:AF>",
		&r, &err), 0);
	assert_only(&r, SSBTEK_AF, SSBTEK_OK);
	assert_true(r.af.known);
	assert_false(r.af.registered);
	assert_string_equal(r.af.deregistered, "2026-10-31");
	assert_string_equal(r.af.latest_report, "2026-11-14");
	assert_int_equal(r.af.scope_percent, -1);
	assert_int_equal(r.af.status_code, -1);
	ssbtek_result_free(&r);
}

static void test_bad_so(void **s)
{
	static const char *const bad[][2] = {
		{ "<in:Utbetalningsdatum>2013-11-23</in:Utbetalningsdatum><in:NettoEfterSkatt>12,50</in:NettoEfterSkatt>",
		  "NettoEfterSkatt" },
		{ "<in:Utbetalningsdatum>23/11/2013</in:Utbetalningsdatum><in:NettoEfterSkatt>1</in:NettoEfterSkatt>",
		  "Utbetalningsdatum" },
		{ "<in:Utbetalningsdatum>2013-11-23</in:Utbetalningsdatum>", "NettoEfterSkatt" },
		{ "<in:Utbetalningsdatum>2013-11-23</in:Utbetalningsdatum><in:NettoEfterSkatt>99999999999999</in:NettoEfterSkatt>",
		  "NettoEfterSkatt" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *part = xasprintf("<ssbt:SO><ssbt:data><in:ArbetsloshetsersattningLista>"
				       "<in:Arbetsloshetsersattning><in:Utbetalningar>"
				       "<in:Utbetalningsdatum>2013-11-01</in:Utbetalningsdatum>"
				       "<in:NettoEfterSkatt>10</in:NettoEfterSkatt></in:Utbetalningar>"
				       "<in:Utbetalningar>%s</in:Utbetalningar></in:Arbetsloshetsersattning>"
				       "</in:ArbetsloshetsersattningLista></ssbt:data></ssbt:SO>", bad[i][0]);
		struct ssbtek_result r;
		struct ebba_err err;
		assert_int_equal(parse_parts(part, &r, &err), 0);
		assert_malformed(&r, SSBTEK_SO, bad[i][1]);
		assert_int_equal(r.n_payments, 0);   /* the good first payment is dropped too */
		ssbtek_result_free(&r);
		free(part);
	}
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts("<ssbt:SO><ssbt:data/></ssbt:SO>", &r, &err), 0);
	assert_malformed(&r, SSBTEK_SO, "ArbetsloshetsersattningLista");
	ssbtek_result_free(&r);
}

/* ------------------------------------------------------------ whole-response faults */

static void whole_fails(const char *doc, size_t len, const char *needle)
{
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse(doc, len, NULL, &r, &err), -1);
	assert_contains(err.msg, needle);
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++)
		assert_null(r.part[a].raw);
	assert_null(r.payments);
	ssbtek_result_free(&r);   /* harmless on a failed parse */
}

static void test_hostile_envelopes(void **s)
{
	size_t len;
	char *body = fixture("test08_getFinancialAid_allAgencies.xml", &len);
	whole_fails(body, len / 2, "not well-formed");
	whole_fails(body, 0, "empty");
	free(body);

	whole_fails("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
		    "<lolz>&lol2;</lolz>", strlen("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
		    "<lolz>&lol2;</lolz>"), "DOCTYPE");
	static const char xxe[] = "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
				  "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
				  "<soap:Body>&x;</soap:Body></soap:Envelope>";
	whole_fails(xxe, strlen(xxe), "DOCTYPE");
	static const char ext[] = "<!DOCTYPE e SYSTEM \"http://127.0.0.1:9/x.dtd\"><e/>";
	whole_fails(ext, strlen(ext), "DOCTYPE");
	static const char undeclared[] = "<e>&x;</e>";
	whole_fails(undeclared, strlen(undeclared), "not well-formed");

	struct ebba_buf deep = {0};
	buf_puts(&deep, ENV_HEAD);
	for (int i = 0; i < 10000; i++)
		buf_puts(&deep, "<a>");
	for (int i = 0; i < 10000; i++)
		buf_puts(&deep, "</a>");
	buf_puts(&deep, ENV_TAIL);
	whole_fails(deep.data, deep.len, "nested deeper");
	buf_free(&deep);

	size_t big = SSBTEK_MAX_RESPONSE + 1;
	char *huge = xmalloc(big);
	memset(huge, ' ', big);
	whole_fails(huge, big, "limit");
	free(huge);

	static const char *const shapes[][2] = {
		{ "<x/>", "not a SOAP 1.1 Envelope" },
		{ "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body/></soap:Envelope>",
		  "not a SOAP 1.1 Envelope" },
		{ "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"/>", "Body" },
		{ "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope>",
		  "hamtaBastjanstInformationResponse" },
		{ "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
		  "<r:hamtaBastjanstInformationResponse xmlns:r=\"http://schema.forsakringskassan.se/integration/ssbt/10\"/>"
		  "</soap:Body></soap:Envelope>", "svarsdata" },
	};
	for (size_t i = 0; i < ARRAY_LEN(shapes); i++)
		whole_fails(shapes[i][0], strlen(shapes[i][0]), shapes[i][1]);
}

/* ------------------------------------------------------------ facts */

static const struct ssbtek_payment *pay(const struct ssbtek_result *r, size_t i)
{
	assert_true(i < r->n_payments);
	return &r->payments[i];
}

/* Försäkringskassan's decisions on sickness benefits give their extent for
 * a month: the highest granted omfattning covering a day of it. */
static void test_lefi_sick_decisions(void **s)
{
	(void)s;
	char *part = fk_part(
		"{\"utlamnare\":[],\"formansinformation\":{"
		"\"sjukpenningarende\":[{\"aktivt\":true,\"beslut\":["
		"{\"forman\":{\"id\":\"SJP\"},\"period\":{\"fran\":\"2026-10-05\",\"till\":\"2026-11-10\"},"
		"\"omfattning\":{\"taljare\":1,\"namnare\":2},\"beslutsutfall\":\"BEVILJAN\"},"
		"{\"forman\":{\"id\":\"SJP\"},\"period\":{\"fran\":\"2026-11-11\",\"till\":\"2026-11-30\"},"
		"\"omfattning\":{\"taljare\":3,\"namnare\":4}},"
		"{\"forman\":{\"id\":\"SJP\"},\"period\":{\"fran\":\"2026-12-01\",\"till\":\"2026-12-31\"},"
		"\"omfattning\":{\"taljare\":1,\"namnare\":1},\"beslutsutfall\":\"AVSLAG\"}]}],"
		"\"sjukOchAktivitetsersattningsarende\":[{\"beslut\":["
		"{\"forman\":{\"id\":\"SA\"},\"period\":{\"fran\":\"2027-01-01\"},"
		"\"omfattning\":{\"taljare\":1,\"namnare\":4}}]}],"
		"\"rehabersattningsarende\":[{\"beslut\":[{\"period\":{\"fran\":\"2026-09-01\",\"till\":\"2026-09-30\"},"
		"\"omfattning\":{\"taljare\":0,\"namnare\":0}}]}]}}");
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts(part, &r, &err), 0);
	assert_only(&r, SSBTEK_FK, SSBTEK_OK);
	assert_int_equal(r.n_sick, 3);          /* the refused one and the one without extent left out */
	assert_string_equal(r.sick[0].code, "SJP");
	assert_int_equal(ssbtek_month_sickness_percent(&r, "2026-10"), 50);
	assert_int_equal(ssbtek_month_sickness_percent(&r, "2026-11"), 75);
	assert_int_equal(ssbtek_month_sickness_percent(&r, "2026-12"), -1);
	assert_int_equal(ssbtek_month_sickness_percent(&r, "2026-09"), -1);
	assert_int_equal(ssbtek_month_sickness_percent(&r, "2031-05"), 25);   /* open-ended */
	ssbtek_result_free(&r);
	free(part);

	/* An extent over 100 % is not what the contract says: the part fails. */
	part = fk_part("{\"utlamnare\":[],\"formansinformation\":{\"sjukpenningarende\":[{\"beslut\":["
		       "{\"period\":{\"fran\":\"2026-11-01\"},\"omfattning\":{\"taljare\":5,\"namnare\":4}}]}]}}");
	assert_int_equal(parse_parts(part, &r, &err), 0);
	assert_malformed(&r, SSBTEK_FK, "omfattning over 100 %");
	assert_int_equal(r.n_sick, 0);
	ssbtek_result_free(&r);
	free(part);
}

static void test_lefi_payments(void **s)
{
	char *part = fk_part(
		"{\"utlamnare\":[{\"utlamnare\":{\"kod\":\"FK\"},\"tillstand\":{\"kod\":\"OK\"}},"
		"{\"utlamnare\":{\"kod\":\"PM\"},\"tillstand\":{\"kod\":\"OK\"}}],"
		"\"avvikelser\":{\"ovrigInformation\":[{\"avvikelse\":{\"kod\":\"OBEHORIG\"}}]},"
		"\"formansinformation\":{"
		"\"generellPersoninformation\":[{\"personnummer\":\"" TEST_PNR "\"}],"
		"\"utbetalningsuppgift\":["
		"{\"datum\":\"2026-11-25\",\"formansfamilj\":{\"id\":\"BOB\"},\"nettobelopp\":{\"summa\":1500.5,\"valuta\":\"SEK\"}},"
		"{\"datum\":\"2026-11-26\",\"formansfamilj\":{\"id\":\"FK:BOB\"},\"nettobelopp\":{\"summa\":0.25}},"
		"{\"datum\":\"2026-11-20\",\"formansfamilj\":{\"id\":\"ABB\"},\"nettobelopp\":{\"summa\":1250}},"
		"{\"datum\":\"2026-10-20\",\"formansfamilj\":{\"id\":\"ABB\"},\"nettobelopp\":{\"summa\":1250}},"
		"{\"datum\":\"2026-11-18\",\"formansfamilj\":{\"id\":\"SJP\"},\"nettobelopp\":{\"summa\":-200.49}},"
		"{\"datum\":\"2026-11-18\",\"formansfamilj\":{\"id\":\"XYZ\"},\"nettobelopp\":{\"summa\":10}},"
		"{\"datum\":\"2026-11-19\",\"formansfamilj\":{\"id\":\"XYZ\"},\"nettobelopp\":{\"summa\":10}},"
		"{\"datum\":\"2026-11-19\",\"nettobelopp\":{\"summa\":1}}]},"
		"\"utbetalningar\":[{\"utbetalningsdatum\":\"2026-11-19\",\"nettobelopp\":9000,"
		"\"utbetalningsrader\":[{\"formansgrupp\":{\"kod\":\"PM:AP\"},\"belopp\":11000}]}]}");
	struct ssbtek_parse_opts o = { .expect_pnr = TEST_PNR };
	char *doc = envelope(part);
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), 0);
	assert_only(&r, SSBTEK_FK, SSBTEK_OK);
	assert_int_equal(r.n_payments, 9);
	assert_string_equal(pay(&r, 0)->date, "2026-11-25");
	assert_int_equal(pay(&r, 0)->net_ore, 150050);
	assert_int_equal(pay(&r, 0)->type, INCOME_HOUSING_ALLOWANCE);
	assert_string_equal(pay(&r, 0)->code, "BOB");
	assert_int_equal(pay(&r, 1)->type, INCOME_HOUSING_ALLOWANCE);
	assert_int_equal(pay(&r, 4)->net_ore, -20049);
	assert_int_equal(pay(&r, 8)->type, INCOME_PENSION);
	assert_int_equal(pay(&r, 8)->net_ore, 900000);

	/* Sums are in öre first, then rounded once: 1500.50 + 0.25 = 1500.75 -> 1501. */
	assert_int_equal(ssbtek_month_net(&r, INCOME_HOUSING_ALLOWANCE, "2026-11"), 1501);
	assert_int_equal(ssbtek_month_net(&r, INCOME_CHILD_ALLOWANCE, "2026-11"), 1250);
	assert_int_equal(ssbtek_month_net(&r, INCOME_CHILD_ALLOWANCE, "2026-10"), 1250);
	assert_int_equal(ssbtek_month_net(&r, INCOME_SICKNESS_BENEFIT, "2026-11"), -200);
	assert_int_equal(ssbtek_month_net(&r, INCOME_OTHER, "2026-11"), 21);
	assert_int_equal(ssbtek_month_net(&r, INCOME_PENSION, "2026-11"), 9000);
	int64_t all[INCOME_TYPE_COUNT];
	ssbtek_month_net_all(&r, "2026-11", all);
	assert_int_equal(all[INCOME_HOUSING_ALLOWANCE], 1501);
	assert_int_equal(all[INCOME_SALARY], 0);

	/* Unknown codes are counted as "other" and reported once each. */
	assert_int_equal(r.n_unknown_codes, 2);
	assert_string_equal(r.unknown_codes[0], "XYZ");
	assert_string_equal(r.unknown_codes[1], "(none)");
	ssbtek_result_free(&r);

	/* The LEFI answer names the person: another person is an error. */
	o.expect_pnr = TEST_PNR2;
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), 0);
	assert_malformed(&r, SSBTEK_FK, "another person");
	assert_int_equal(r.n_payments, 0);
	assert_int_equal(r.n_unknown_codes, 0);
	assert_int_equal(ssbtek_month_net(&r, INCOME_PENSION, "2026-11"), 0);
	ssbtek_result_free(&r);
	free(doc);
	free(part);
}

static void test_csn_payments(void **s)
{
	char *part = csn_part(
		"<CSNSvar schemaVersion=\"4.0\" xmlns=\"http://schema.csn.se/v4.0/kommunfraga\" "
		"xmlns:p=\"http://schema.csn.se/v4.0/person\" xmlns:sm=\"http://schema.csn.se/v4.0/studiemedel\" "
		"xmlns:g=\"http://schema.csn.se/v4.0/csntyper\">"
		"<GemensamtSvarEkbistand><Resultat><ResultatKod>0</ResultatKod><ResultatText>OK</ResultatText>"
		"</Resultat></GemensamtSvarEkbistand><GemensamtFragaEkbistand/><Personer>"
		"<Person personnummer=\"8701052386\" sekel=\"19\"><p:Studiemedel><p:Arenden>"
		"<p:Arende lopnummer=\"1\"><sm:stodform>GRUND</sm:stodform><sm:UtbetalningsPlan>"
		"<sm:Utbetalning><g:utbetdatum>20261125</g:utbetdatum><g:utbetstatus>Utbetald</g:utbetstatus>"
		"<g:totbelopp>9999</g:totbelopp></sm:Utbetalning></sm:UtbetalningsPlan></p:Arende>"
		"</p:Arenden></p:Studiemedel></Person>"
		"<Person personnummer=\"8503122395\" sekel=\"19\"><p:Studiemedel><p:Arenden>"
		"<p:Arende lopnummer=\"1\"><sm:stodform>GRUND</sm:stodform><sm:UtbetalningsPlan>"
		"<sm:Utbetalning><g:utbetdatum>20261125</g:utbetdatum><g:utbetstatus>Utbetald</g:utbetstatus>"
		"<g:Utbetaldatider/><g:totbelopp>3200</g:totbelopp></sm:Utbetalning>"
		"<sm:Utbetalning><g:utbetdatum>20261224</g:utbetdatum><g:utbetstatus>Planerad</g:utbetstatus>"
		"<g:totbelopp>3200</g:totbelopp></sm:Utbetalning></sm:UtbetalningsPlan></p:Arende>"
		"</p:Arenden></p:Studiemedel><p:HemutrustningsLan><p:Arenden><p:Arende lopnummer=\"2\">"
		"<sm:stodform>HUT</sm:stodform><sm:UtbetalningsPlan><sm:Utbetalning>"
		"<g:utbetdatum>20261102</g:utbetdatum><g:utbetstatus>UTBETALAD</g:utbetstatus>"
		"<g:totbelopp>15000</g:totbelopp></sm:Utbetalning></sm:UtbetalningsPlan></p:Arende>"
		"</p:Arenden></p:HemutrustningsLan></Person></Personer></CSNSvar>");
	struct ssbtek_parse_opts o = { .expect_pnr = TEST_PNR };
	char *doc = envelope(part);
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), 0);
	assert_only(&r, SSBTEK_CSN, SSBTEK_OK);
	assert_int_equal(r.n_payments, 3);   /* only this person's */
	assert_string_equal(pay(&r, 0)->date, "2026-11-25");
	assert_int_equal(pay(&r, 0)->net_ore, 320000);
	assert_string_equal(pay(&r, 0)->code, "GRUND");
	assert_int_equal(pay(&r, 0)->type, INCOME_STUDENT_AID);
	assert_true(pay(&r, 1)->planned);
	assert_int_equal(pay(&r, 2)->type, INCOME_OTHER);
	assert_string_equal(pay(&r, 2)->code, "HUT");
	assert_int_equal(ssbtek_month_net(&r, INCOME_STUDENT_AID, "2026-11"), 3200);
	assert_int_equal(ssbtek_month_net(&r, INCOME_STUDENT_AID, "2026-12"), 0);  /* planned */
	assert_int_equal(ssbtek_month_net(&r, INCOME_OTHER, "2026-11"), 15000);
	ssbtek_result_free(&r);
	free(doc);
	free(part);

	static const char *const bad[][2] = {
		{ "<g:utbetdatum>2026112</g:utbetdatum><g:utbetstatus>Utbetald</g:utbetstatus><g:totbelopp>1</g:totbelopp>", "YYYYMMDD" },
		{ "<g:utbetdatum>20261131</g:utbetdatum><g:utbetstatus>Utbetald</g:utbetstatus><g:totbelopp>1</g:totbelopp>", "not a date" },
		{ "<g:utbetdatum>20261130</g:utbetdatum><g:utbetstatus>Kanske</g:utbetstatus><g:totbelopp>1</g:totbelopp>", "utbetstatus" },
		{ "<g:utbetdatum>20261130</g:utbetdatum><g:utbetstatus>Utbetald</g:utbetstatus><g:totbelopp>1.5</g:totbelopp>", "whole kronor" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *x = xasprintf("<CSNSvar xmlns=\"http://schema.csn.se/v4.0/kommunfraga\" "
				    "xmlns:g=\"http://schema.csn.se/v4.0/csntyper\"><Personer>"
				    "<Person personnummer=\"8503122395\" sekel=\"19\"><g:Utbetalning>%s"
				    "</g:Utbetalning></Person></Personer></CSNSvar>", bad[i][0]);
		char *p = csn_part(x);
		assert_int_equal(parse_parts(p, &r, &err), 0);
		assert_malformed(&r, SSBTEK_CSN, bad[i][1]);
		assert_int_equal(r.n_payments, 0);
		ssbtek_result_free(&r);
		free(p);
		free(x);
	}
}

static void test_rounding(void **s)
{
	assert_int_equal(ssbtek_round_kronor(0), 0);
	assert_int_equal(ssbtek_round_kronor(49), 0);
	assert_int_equal(ssbtek_round_kronor(50), 1);
	assert_int_equal(ssbtek_round_kronor(149), 1);
	assert_int_equal(ssbtek_round_kronor(150), 2);
	assert_int_equal(ssbtek_round_kronor(-49), 0);
	assert_int_equal(ssbtek_round_kronor(-50), -1);
	assert_int_equal(ssbtek_round_kronor(-150), -2);

	/* SO decimals: "1.005" rounds to 101 öre; ".5" and "7." are decimals too. */
	char *part = xasprintf(
		"<ssbt:SO><ssbt:data><in:ArbetsloshetsersattningLista><in:Arbetsloshetsersattning>"
		"<in:Utbetalningar><in:Utbetalningsdatum>2026-11-02</in:Utbetalningsdatum>"
		"<in:NettoEfterSkatt>1.005</in:NettoEfterSkatt></in:Utbetalningar>"
		"<in:Utbetalningar><in:Utbetalningsdatum>2026-11-03</in:Utbetalningsdatum>"
		"<in:NettoEfterSkatt>.5</in:NettoEfterSkatt></in:Utbetalningar>"
		"<in:Utbetalningar><in:Utbetalningsdatum>2026-11-04</in:Utbetalningsdatum>"
		"<in:NettoEfterSkatt>7.</in:NettoEfterSkatt></in:Utbetalningar>"
		"</in:Arbetsloshetsersattning></in:ArbetsloshetsersattningLista></ssbt:data></ssbt:SO>");
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse_parts(part, &r, &err), 0);
	assert_int_equal(r.n_payments, 3);
	assert_int_equal(pay(&r, 0)->net_ore, 101);
	assert_int_equal(pay(&r, 1)->net_ore, 50);
	assert_int_equal(pay(&r, 2)->net_ore, 700);
	assert_int_equal(ssbtek_month_net(&r, INCOME_UNEMPLOYMENT_BENEFIT, "2026-11"), 9);
	assert_int_equal(ssbtek_month_net(&r, INCOME_UNEMPLOYMENT_BENEFIT, "bogus"), 0);
	ssbtek_result_free(&r);
	free(part);
}

/* ------------------------------------------------------------ request */

static struct ssbtek_request_params good_params(void)
{
	return (struct ssbtek_request_params){
		.pnr = TEST_PNR, .case_id = "C-10042 <&\"'>", .from_date = "2026-11-01",
		.to_date = "2026-11-30", .org_number = "2120002411", .org_name = "Sundsvalls kommun",
		.purpose = "Ekonomiskt bistånd", .law_text = "SoL 11 kap. 11 §",
		.correlation_id = "EB-2026-12-000123", .agencies = SSBTEK_ALL_AGENCIES,
		.fk_aktorsid = "9255f428-4ba0-63ce-5407-e65d469fac0f",
	};
}

static void test_request_roundtrip(void **s)
{
	struct ssbtek_request_params p = good_params();
	struct ebba_buf b = {0};
	struct ebba_err err;
	if (ssbtek_build_request(&p, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_contains(b.data, "<ssbt:arendeidentitet>C-10042 &lt;&amp;&quot;&apos;&gt;</ssbt:arendeidentitet>");
	assert_contains(b.data, "<ssbt:organisationsnummer>162120002411</ssbt:organisationsnummer>");
	assert_contains(b.data, "<ssbt:handlaggare>ebba</ssbt:handlaggare>");
	assert_contains(b.data, "<ssbt:FK inkludera=\"true\">");
	char pnr[13];
	assert_int_equal(ssbtek_request_pnr(b.data, b.len, pnr, &err), 0);
	assert_string_equal(pnr, TEST_PNR);
	struct ssbtek_request_info info;
	assert_int_equal(ssbtek_request_parse(b.data, b.len, &info, &err), 0);
	assert_string_equal(info.from_date, "2026-11-01");
	assert_string_equal(info.to_date, "2026-11-30");
	assert_int_equal(info.agencies, SSBTEK_ALL_AGENCIES);

	/* The LEFI question inside FK asks for payments of every group, for this person. */
	const char *q = strstr(b.data, "<ssbt:lefiJsonFraga>") + strlen("<ssbt:lefiJsonFraga>");
	struct ebba_buf js = {0};
	assert_int_equal(base64_decode(q, strcspn(q, "<"), 1 << 16, &js, &err), 0);
	assert_contains(js.data, "\"personnummer\":\"" TEST_PNR "\"");
	assert_contains(js.data, "\"from\":\"2026-11-01\"");
	assert_contains(js.data, "\"FK:BOB\"");
	assert_contains(js.data, "\"PM:EF\"");
	/* the decisions on sickness benefits, for their extent (12 kap. 4 a § 5) */
	assert_contains(js.data, "\"formansinformation\":[\"FK:SJP\",\"FK:SA\",\"FK:RBE\"]");
	/* written as text, it is byte for byte what jansson writes of the same
	 * question (what it was built with before) */
	json_t *codes = json_array();
	for (size_t i = 0; i < SSBTEK_LEFI_N_CODES; i++)
		json_array_append_new(codes, json_string(SSBTEK_LEFI_CODES[i]));
	json_t *want = json_pack("{s:s, s:{s:s, s:s}, s:o, s:[s,s,s], s:[s]}", "personnummer", p.pnr,
				 "period", "from", p.from_date, "tom", p.to_date, "utbetalningar", codes,
				 "formansinformation", "FK:SJP", "FK:SA", "FK:RBE",
				 "ovrigInformation", "FK:GEPI");
	char *want_text = json_dumps(want, JSON_COMPACT);
	assert_non_null(want_text);
	assert_int_equal(js.len, strlen(want_text));
	assert_memory_equal(js.data, want_text, js.len);
	free(want_text);
	json_decref(want);
	buf_free(&js);

	/* Only some agencies: the others say inkludera="false" and FK needs no aktorsid. */
	buf_reset(&b);
	p.agencies = 1u << SSBTEK_AF | 1u << SSBTEK_SO;
	p.fk_aktorsid = NULL;
	p.org_number = "162120002411";
	p.caseworker = "hl001";
	assert_int_equal(ssbtek_build_request(&p, &b, &err), 0);
	assert_contains(b.data, "<ssbt:FK inkludera=\"false\"/>");
	assert_int_equal(ssbtek_request_parse(b.data, b.len, &info, &err), 0);
	assert_int_equal(info.agencies, p.agencies);
	buf_free(&b);
}

static void test_request_bad_params(void **s)
{
	static const struct { const char *field; const char *value; const char *needle; } bad[] = {
		{ "pnr", "19850312239", "12 digits" },
		{ "pnr", "198503122396", "check digit" },
		{ "pnr", NULL, "12 digits" },
		{ "case", "", "case id" },
		{ "from", "2026-11-31", "YYYY-MM-DD" },
		{ "to", "2026-10-01", "after" },
		{ "org", "21200024", "organisation number" },
		{ "org", "2110002411", "5th digit" },
		{ "purpose", "a\001b", "control character" },
		{ "fk", NULL, "aktorsid" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct ssbtek_request_params p = good_params();
		const char **f = !strcmp(bad[i].field, "pnr") ? &p.pnr
			: !strcmp(bad[i].field, "case") ? &p.case_id
			: !strcmp(bad[i].field, "from") ? &p.from_date
			: !strcmp(bad[i].field, "to") ? &p.to_date
			: !strcmp(bad[i].field, "org") ? &p.org_number
			: !strcmp(bad[i].field, "purpose") ? &p.purpose : &p.fk_aktorsid;
		*f = bad[i].value;
		struct ebba_buf b = {0};
		struct ebba_err err;
		assert_int_equal(ssbtek_build_request(&p, &b, &err), -1);
		assert_contains(err.msg, bad[i].needle);
		assert_null(strstr(err.msg, TEST_PNR));   /* never the whole number */
		buf_free(&b);
	}
	struct ssbtek_request_params p = good_params();
	p.agencies = 0;
	struct ebba_buf b = {0};
	struct ebba_err err;
	assert_int_equal(ssbtek_build_request(&p, &b, &err), -1);
	buf_free(&b);
}

static void test_request_rejects(void **s)
{
	struct ssbtek_request_params p = good_params();
	struct ebba_buf good = {0};
	struct ebba_err err;
	assert_int_equal(ssbtek_build_request(&p, &good, &err), 0);
	static const char *const cut[][3] = {
		{ "<ssbt:personidentitet>" TEST_PNR "</ssbt:personidentitet>", "", "personidentitet" },
		{ "<ssbt:personidentitet>" TEST_PNR, "<ssbt:personidentitet>198503122396", "personidentitet" },
		{ "<ssbt:tomDatum>2026-11-30", "<ssbt:tomDatum>30/11", "tidsperiod" },
		{ "<ssbt:lagtext>", "<ssbt:x>", "lagtext" },
		{ "<ssbt:MIV inkludera=\"true\"/>", "", "MIV" },
		{ "<ssbt:SKV inkludera=\"true\"/>", "<ssbt:SKV inkludera=\"ja\"/>", "boolean" },
		{ "<ssbt:SKV inkludera=\"true\"/>", "<ssbt:SKV/>", "inkludera" },
		{ "<ssbt:hamtaBastjanstInformation>", "<ssbt:hamtaBastjanstInformation xmlns:ssbt=\"urn:x\">",
		  "expected ssbt:hamtaBastjanstInformation" },
		{ "<soap:Body>", "<soap:Body><x/>", "exactly one" },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "DOCTYPE" },
		{ "</soap:Envelope>", "", "not well-formed" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cut); i++) {
		char *at = strstr(good.data, cut[i][0]);
		if (!at)
			fail_msg("case %zu: '%s' not in the request", i, cut[i][0]);
		char *doc = xasprintf("%.*s%s%s", (int)(at - good.data), good.data, cut[i][1],
				      at + strlen(cut[i][0]));
		char pnr[13] = "x";
		assert_int_equal(ssbtek_request_pnr(doc, strlen(doc), pnr, &err), -1);
		assert_contains(err.msg, cut[i][2]);
		free(doc);
	}
	buf_free(&good);
}

/* ------------------------------------------------------------ mapping */

static void test_mapping_covers_contract(void **s)
{
	struct lefi_mapping *m;
	struct ebba_err err;
	if (lefi_mapping_load(NULL, &m, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < SSBTEK_LEFI_N_CODES; i++) {
		enum income_type t;
		if (lefi_mapping_lookup(m, SSBTEK_LEFI_CODES[i], &t) < 0)
			fail_msg("%s is not in lefi-mapping.yaml", SSBTEK_LEFI_CODES[i]);
	}
	assert_int_equal(lefi_mapping_count(m), SSBTEK_LEFI_N_CODES);
	static const struct { const char *code; enum income_type t; } want[] = {
		{ "BOB", INCOME_HOUSING_ALLOWANCE }, { "FK:BOB", INCOME_HOUSING_ALLOWANCE },
		{ "SJP", INCOME_SICKNESS_BENEFIT },  { "FP", INCOME_PARENTAL_BENEFIT },
		{ "AS", INCOME_ACTIVITY_SUPPORT },   { "US", INCOME_MAINTENANCE_SUPPORT },
		{ "ET", INCOME_ESTABLISHMENT_BENEFIT }, { "ABB", INCOME_CHILD_ALLOWANCE },
		{ "SA", INCOME_ACTIVITY_COMPENSATION }, { "PM:AP", INCOME_PENSION },
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		enum income_type t;
		assert_int_equal(lefi_mapping_lookup(m, want[i].code, &t), 0);
		assert_int_equal(t, want[i].t);
	}
	enum income_type t;
	assert_int_equal(lefi_mapping_lookup(m, "XYZ", &t), -1);
	assert_int_equal(lefi_mapping_lookup(m, "AP", &t), 0);
	assert_int_equal(lefi_mapping_lookup(m, "PM:XYZ", &t), -1);
	assert_null(lefi_mapping_code(m, lefi_mapping_count(m), NULL));
	lefi_mapping_free(m);
}

static void test_mapping_errors(void **s)
{
	static const char *const bad[][2] = {
		{ "version: 1\ncodes:\n  BOB: rent\n", "x.yaml:3:8: codes: not an income type" },
		{ "version: 1\ncodes:\n  BOB: other\n  FK:BOB: other\n", "x.yaml:4:3: codes: benefit code given twice" },
		{ "version: 2\ncodes: {}\n", "x.yaml:1:10: version" },
		{ "codes: {}\n", "version and codes are both required" },
		{ "version: 1\ncodes: [BOB]\n", "x.yaml:2:8: codes: expected a mapping" },
		{ "version: 1\ncodes:\n  BOB: [a]\n", "expected an income type" },
		{ "version: 1\ncodes: {\n", "x.yaml:" },
		{ "version: 1\nextra: 1\ncodes: {}\n", "x.yaml:2:1: unknown key 'extra' (expected version, codes)" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct lefi_mapping *m = (void *)1;
		struct ebba_err err;
		assert_int_equal(lefi_mapping_parse(bad[i][0], strlen(bad[i][0]), "x.yaml", &m, &err), -1);
		assert_null(m);
		assert_contains(err.msg, bad[i][1]);
	}
}

static void test_mapping_from_path(void **s)
{
	char path[] = "/tmp/ebba-lefi-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char yaml[] = "version: 1\ncodes:\n  XYZ: salary\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);

	char *part = fk_part("{\"utlamnare\":[],\"formansinformation\":{\"utbetalningsuppgift\":["
			     "{\"datum\":\"2026-11-25\",\"formansfamilj\":{\"id\":\"XYZ\"},\"nettobelopp\":{\"summa\":100}},"
			     "{\"datum\":\"2026-11-25\",\"formansfamilj\":{\"id\":\"BOB\"},\"nettobelopp\":{\"summa\":100}}]}}");
	char *doc = envelope(part);
	struct ssbtek_parse_opts o = { .mapping_path = path };
	struct ssbtek_result r;
	struct ebba_err err;
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), 0);
	assert_int_equal(ssbtek_month_net(&r, INCOME_SALARY, "2026-11"), 100);
	assert_int_equal(r.n_unknown_codes, 1);
	assert_string_equal(r.unknown_codes[0], "BOB");
	ssbtek_result_free(&r);

	struct lefi_mapping *m;
	assert_int_equal(lefi_mapping_load(path, &m, &err), 0);
	o = (struct ssbtek_parse_opts){ .mapping = m };
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), 0);
	assert_int_equal(ssbtek_month_net(&r, INCOME_SALARY, "2026-11"), 100);
	ssbtek_result_free(&r);
	lefi_mapping_free(m);

	unlink(path);
	o = (struct ssbtek_parse_opts){ .mapping_path = path };
	assert_int_equal(parse(doc, strlen(doc), &o, &r, &err), -1);
	assert_contains(err.msg, "cannot open");
	free(doc);
	free(part);
}

/* ------------------------------------------------------------ small parts */

static void test_base64(void **s)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct ebba_err err;
	for (size_t i = 0; i < ARRAY_LEN(vec); i++) {
		struct ebba_buf e = {0}, d = {0};
		base64_encode(vec[i][0], strlen(vec[i][0]), &e);
		assert_string_equal(e.data, vec[i][1]);
		assert_int_equal(base64_decode(e.data, e.len, 100, &d, &err), 0);
		assert_string_equal(d.data, vec[i][0]);
		buf_free(&e);
		buf_free(&d);
	}
	struct ebba_buf d = {0};
	assert_int_equal(base64_decode(" Zm9v\r\n YmFy\t", 13, 100, &d, &err), 0);
	assert_string_equal(d.data, "foobar");
	static const char *const bad[] = { "Zm9", "Zm=v", "Z===", "Zg==Zg==", "Zm9v!", "=Zm9" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), 100, &d, &err), -1);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, 5, &d, &err), -1);
	assert_contains(err.msg, "larger than 5");
	buf_free(&d);
}

static void test_evidence(void **s)
{
	struct evidence ev;
	evidence_set(&ev, EV_SOURCE_SSBTEK, "FK", EV_OK, "abc", 3, 0);
	assert_string_equal(ev.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(ev.raw, "abc");
	assert_false(ev.truncated);
	evidence_free(&ev);
	evidence_set(&ev, EV_SOURCE_ATTENDANCE, NULL, EV_OK, "abcdef", 6, 2);
	assert_string_equal(ev.raw, "ab");
	assert_int_equal(ev.raw_len, 2);
	assert_int_equal(ev.full_len, 6);
	assert_true(ev.truncated);
	assert_string_equal(ev.agency, "");
	/* The hash is of everything received, not of the kept copy. */
	assert_string_equal(ev.sha256, "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721");
	evidence_free(&ev);
	evidence_set(&ev, EV_SOURCE_SSBTEK, "y", EV_ERROR, NULL, 0, 0);
	assert_string_equal(ev.raw, "");
	evidence_free(&ev);
}

static void test_names(void **s)
{
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++)
		assert_int_equal(ssbtek_agency_parse(ssbtek_agency_name((enum ssbtek_agency)a)), a);
	assert_int_equal(ssbtek_agency_parse("XX"), -1);
	for (int t = 0; t < INCOME_TYPE_COUNT; t++)
		assert_int_equal(income_type_from_name(income_type_name((enum income_type)t)), t);
	assert_string_equal(ssbtek_status_name(SSBTEK_ABSENT), "absent");
	assert_int_equal(ssbtek_status_evidence(SSBTEK_OK), EV_OK);
	assert_int_equal(ssbtek_status_evidence(SSBTEK_ERROR), EV_ERROR);
	assert_int_equal(ssbtek_status_evidence(SSBTEK_ABSENT), EV_ABSENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_csn),
		cmocka_unit_test(test_fixture_af),
		cmocka_unit_test(test_fixture_fk),
		cmocka_unit_test(test_fixture_skv),
		cmocka_unit_test(test_fixture_so),
		cmocka_unit_test(test_fixture_tns),
		cmocka_unit_test(test_fixture_miv),
		cmocka_unit_test(test_fixture_all),
		cmocka_unit_test(test_agency_errors),
		cmocka_unit_test(test_soap_fault),
		cmocka_unit_test(test_bad_base64),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_deep_json),
		cmocka_unit_test(test_bad_inner_xml),
		cmocka_unit_test(test_bad_af),
		cmocka_unit_test(test_bad_so),
		cmocka_unit_test(test_hostile_envelopes),
		cmocka_unit_test(test_lefi_payments),
		cmocka_unit_test(test_lefi_sick_decisions),
		cmocka_unit_test(test_csn_payments),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_request_bad_params),
		cmocka_unit_test(test_request_rejects),
		cmocka_unit_test(test_mapping_covers_contract),
		cmocka_unit_test(test_mapping_errors),
		cmocka_unit_test(test_mapping_from_path),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("ssbtek", tests, NULL, NULL);
}
