/*
 * libFuzzer target for the SSBTEK v10 documents: any bytes in, a result or
 * a one-line error out; never a crash, leak or hang.  Seeds:
 * fuzz/corpus/ssbtek/.
 *
 * Input starting with '<' is a whole response (and, the same bytes, a
 * request for the simulator's checker).  Otherwise the first byte chooses
 * which agency part the rest is wrapped into, so the fuzzer reaches the
 * inner parsers without having to invent valid base64 first:
 *   'J' LEFI JSON in an FK part (base64)     'C' CSN XML in a CSN part (base64)
 *   'A' XML inside an AF data element        'S' XML inside an SO data element
 *   'K' text inside SKV's svar (CDATA)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/base64.h"
#include "ebba/registers/ssbtek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char HEAD[] =
	"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	"<ssbt:hamtaBastjanstInformationResponse "
	"xmlns:ssbt=\"http://schema.forsakringskassan.se/integration/ssbt/10\" "
	"xmlns:er=\"http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2\" "
	"xmlns:in=\"http://INT014.UBPService.Schemas\"><ssbt:svarsdata>";
static const char TAIL[] =
	"</ssbt:svarsdata></ssbt:hamtaBastjanstInformationResponse></soap:Body></soap:Envelope>";

static void check(const struct ssbtek_result *r)
{
	for (int a = 0; a < SSBTEK_AGENCY_COUNT; a++) {
		const struct ssbtek_part *p = &r->part[a];
		if (p->status == SSBTEK_ERROR && (!p->kalla || !p->felkod || !p->felmeddelande))
			abort();
		if (p->status != SSBTEK_ABSENT && (!p->raw || strlen(p->raw) != p->raw_len))
			abort();
	}
	for (size_t i = 0; i < r->n_payments; i++) {
		const struct ssbtek_payment *p = &r->payments[i];
		if (r->part[p->agency].status != SSBTEK_OK || strlen(p->date) != 10 ||
		    (unsigned)p->type >= INCOME_TYPE_COUNT)
			abort();
	}
	int64_t sums[INCOME_TYPE_COUNT];
	ssbtek_month_net_all(r, r->n_payments ? r->payments[0].date : "2026-11", sums);
}

static void run(const char *body, size_t len)
{
	struct ssbtek_parse_opts o = { .expect_pnr = "198503122395" };
	struct ssbtek_result r;
	struct ebba_err err;
	if (ssbtek_parse_response(body, len, &o, &r, &err) == 0) {
		check(&r);
		ssbtek_result_free(&r);
	}
	o.expect_pnr = NULL;
	if (ssbtek_parse_response(body, len, &o, &r, &err) == 0)
		ssbtek_result_free(&r);
}

static void wrapped(char kind, const char *in, size_t len)
{
	struct ebba_buf b = {0};
	buf_puts(&b, HEAD);
	switch (kind) {
	case 'J':
	case 'C':
		buf_puts(&b, kind == 'J' ? "<ssbt:FK><ssbt:data><ssbt:lefiJsonSvar>"
					 : "<ssbt:CSN><ssbt:data><ssbt:svar>");
		base64_encode(in, len, &b);
		buf_puts(&b, kind == 'J' ? "</ssbt:lefiJsonSvar></ssbt:data></ssbt:FK>"
					 : "</ssbt:svar></ssbt:data></ssbt:CSN>");
		break;
	case 'A':
	case 'S':
		buf_puts(&b, kind == 'A' ? "<ssbt:AF><ssbt:data>" : "<ssbt:SO><ssbt:data>");
		buf_append(&b, in, len);
		buf_puts(&b, kind == 'A' ? "</ssbt:data></ssbt:AF>" : "</ssbt:data></ssbt:SO>");
		break;
	default:
		buf_puts(&b, "<ssbt:SKV><ssbt:data><svar><![CDATA[");
		buf_append(&b, in, len);
		buf_puts(&b, "]]></svar></ssbt:data></ssbt:SKV>");
	}
	buf_puts(&b, TAIL);
	run(b.data, b.len);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	if (size == 0)
		return 0;
	if (in[0] == '<') {
		run(in, size);
		struct ssbtek_request_info info;
		struct ebba_err err;
		if (ssbtek_request_parse(in, size, &info, &err) == 0 && strlen(info.pnr) != 12)
			abort();
		return 0;
	}
	wrapped(in[0], in + 1, size - 1);
	return 0;
}
