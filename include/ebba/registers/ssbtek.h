/*
 * SSBTEK v10 ("Sammansatt bastjänst ekonomiskt bistånd"): the documents of
 * operation hamtaBastjanstInformation, without the networking.
 *
 *   ssbtek_build_request()   the SOAP 1.1 request ebba sends for one person
 *   ssbtek_request_parse()   checks such a request (the register simulator)
 *   ssbtek_soap_fault()      a SOAP 1.1 fault (the register simulator)
 *   ssbtek_parse_response()  the response, as normalised facts per agency
 *
 * Contract: reference/sundsvall-ssbtek-v10/ (WSDL Sammansatt_Bastjanst_v10,
 * sammansatt_bastjanst_v10.xsd and the agencies' schemas).  docs/registers.md
 * says which facts ebba takes from which element and how amounts are rounded.
 *
 * Money is fixed point: payments keep öre (1/100 krona) exactly as the
 * register gave them, and sums are rounded once, to whole kronor, half away
 * from zero (ssbtek_round_kronor()).
 */
#ifndef EBBA_SSBTEK_H
#define EBBA_SSBTEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ebba/lib/error.h"
#include "ebba/registers/evidence.h"
#include "ebba/intake/application.h"
#include "ebba/lib/util.h"

#define SSBTEK_NS   "http://schema.forsakringskassan.se/integration/ssbt/10"
#define SOAP11_NS   "http://schemas.xmlsoap.org/soap/envelope/"

/* The agency parts, in the order of the XSD's SpecifikaFrageparametrar. */
enum ssbtek_agency {
	SSBTEK_AF,   /* Arbetsförmedlingen */
	SSBTEK_CSN,  /* Centrala studiestödsnämnden */
	SSBTEK_FK,   /* Försäkringskassan and Pensionsmyndigheten (LEFI) */
	SSBTEK_SKV,  /* Skatteverket */
	SSBTEK_SO,   /* Arbetslöshetskassornas samorganisation */
	SSBTEK_TNS,  /* Transportstyrelsen */
	SSBTEK_MIV,  /* Migrationsverket */
	SSBTEK_AGENCY_COUNT
};

#define SSBTEK_ALL_AGENCIES ((1u << SSBTEK_AGENCY_COUNT) - 1)

/* "AF", "CSN", ... (the element names); -1 from _parse if unknown. */
const char *ssbtek_agency_name(enum ssbtek_agency a);
int ssbtek_agency_parse(const char *name);

/* ---------------------------------------------------------------- request */

struct ssbtek_request_params {
	const char *pnr;            /* 12 digits, valid check digit */
	const char *case_id;        /* arendeidentitet, non-empty */
	const char *from_date;      /* tidsperiod, YYYY-MM-DD, from <= to */
	const char *to_date;
	const char *org_number;     /* ingivare: 12 digits as the XSD wants, or 10 (then "16" is put in front) */
	const char *org_name;       /* ingivare/namn, e.g. the municipality */
	const char *caseworker;     /* ingivare/handlaggare; NULL means "ebba" */
	const char *purpose;        /* syfte */
	const char *law_text;       /* lagtext */
	const char *correlation_id; /* korrelationsid; NULL to leave out */
	unsigned agencies;          /* bit (1u << SSBTEK_xx) per agency asked */
	const char *fk_aktorsid;    /* LEFI aktörs-id; required when FK is asked */
};

/*
 * Appends the SOAP envelope to out.  Every value is XML-escaped.  Agencies
 * not asked get inkludera="false"; the FK part carries the LEFI question
 * (JSON, base64) for every benefit group over the same period.  Fails on a
 * missing or malformed parameter, saying which.
 */
int ssbtek_build_request(const struct ssbtek_request_params *p, struct ebba_buf *out,
			 struct ebba_err *err);

/*
 * The LEFI benefit groups of the contract (LefiExternFormanGruppKod): the
 * request asks for payments in all of them, and the shipped mapping covers
 * every one.  SSBTEK_LEFI_N_CODES entries.
 */
extern const char *const SSBTEK_LEFI_CODES[];
extern const size_t SSBTEK_LEFI_N_CODES;

/* What a register (the simulator) needs to know about a request. */
struct ssbtek_request_info {
	char pnr[13];
	char from_date[11];
	char to_date[11];
	unsigned agencies;          /* those with inkludera="true" */
};

/*
 * Checks that body is a SOAP 1.1 envelope whose Body holds exactly one
 * ssbt:hamtaBastjanstInformation with the elements the XSD requires, and
 * takes out the person, period and agencies.  Hardened like the response
 * parser.  On failure err says what is wrong (fit for a SOAP fault).
 */
int ssbtek_request_parse(const char *body, size_t len, struct ssbtek_request_info *out,
			 struct ebba_err *err);
int ssbtek_request_pnr(const char *body, size_t len, char pnr_out[13], struct ebba_err *err);

/*
 * Appends a SOAP 1.1 Fault envelope to out (which is not reset).
 * faultcode without a prefix ("Client", "Server") gets "soap:".
 */
void ssbtek_soap_fault(struct ebba_buf *out, const char *faultcode, const char *msg);

/* ---------------------------------------------------------- LEFI mapping */

/*
 * The LEFI benefit code -> ebba income type table (schema/lefi-mapping.yaml,
 * compiled in).  Codes are looked up with or without the "FK:" prefix;
 * Pensionsmyndigheten's codes keep theirs ("PM:AP").
 */
struct lefi_mapping;

/* From a file, or the compiled-in default when path is NULL. */
int lefi_mapping_load(const char *path, struct lefi_mapping **out, struct ebba_err *err);
/* From YAML text; name is used in error messages (file:line:column). */
int lefi_mapping_parse(const char *yaml, size_t len, const char *name,
		       struct lefi_mapping **out, struct ebba_err *err);
void lefi_mapping_free(struct lefi_mapping *m);

/* 0 and *type if the code is mapped, -1 if not. */
int lefi_mapping_lookup(const struct lefi_mapping *m, const char *code, enum income_type *type);
size_t lefi_mapping_count(const struct lefi_mapping *m);
/* The i-th code in normalised form (no "FK:"), and its type. */
const char *lefi_mapping_code(const struct lefi_mapping *m, size_t i, enum income_type *type);

/* -------------------------------------------------------------- response */

#define SSBTEK_MAX_RESPONSE (4u << 20)   /* bytes */

/*
 * Scratch space for parsing responses (docs/architecture.md §14.15): the
 * XPath context and the expressions compiled once, kept from response to
 * response.  Made and freed by whoever owns the loop that parses (ebbad's
 * registers object, a what-if run's inputs); one thread at a time.
 */
struct ssbtek_scratch;
struct ssbtek_scratch *ssbtek_scratch_new(void);
void ssbtek_scratch_free(struct ssbtek_scratch *s);   /* NULL: nothing */

struct ssbtek_parse_opts {
	size_t max_bytes;                   /* 0: SSBTEK_MAX_RESPONSE */
	const struct lefi_mapping *mapping; /* borrowed; NULL: mapping_path */
	const char *mapping_path;           /* NULL: the compiled-in default */
	const char *expect_pnr;             /* if set, a part about another person is an error */
	/* Parts without their own raw XML (raw NULL): for the offline sources,
	 * whose decisions are never stored, so the parts' evidence is never
	 * written; copying each part out was a fifth of parsing a response. */
	bool skip_raw;
	/* borrowed; NULL: one made and freed for this response */
	struct ssbtek_scratch *scratch;
};

enum ssbtek_status {
	SSBTEK_ABSENT,   /* the response has no part for the agency */
	SSBTEK_OK,       /* data, read without fault */
	SSBTEK_ERROR,    /* an error part, or data ebba could not read */
};
/* A part's status as its evidence row stores it: EV_ABSENT, EV_OK, EV_ERROR. */
enum ev_status ssbtek_status_evidence(enum ssbtek_status s);
const char *ssbtek_status_name(enum ssbtek_status s);   /* "absent", "ok", "error" */

struct ssbtek_part {
	enum ssbtek_status status;
	/*
	 * For SSBTEK_ERROR: the error part's kalla ("SSBT" or "BT"), felkod and
	 * felmeddelande (several joined with "; ").  When the data could not be
	 * read, kalla is "ebba", felkod "malformed" and felmeddelande says why.
	 * NULL otherwise.
	 */
	char *kalla, *felkod, *felmeddelande;
	/*
	 * The agency element exactly as serialised from the response (evidence);
	 * for a part that appears more than once, every copy, one after another.
	 */
	char *raw;
	size_t raw_len;
};

/* Arbetsförmedlingen: ArbetssokandeInfo. */
struct ssbtek_af {
	bool known;                 /* ArbetssokandeInfo/Arbetssokande was given */
	bool registered;            /* ... and it was true */
	char since[11];             /* ArbetssokandeRegistrerad, "" if not given */
	int scope_percent;          /* ArbetssokandeOmfattning, -1 if not given */
	char latest_report[11];     /* AktivetetsRapportDatum/SenasteAktivitetsRapportDatum */
	char deregistered[11];      /* ArbetssokandeAvaktualiserad */
	int status_code;            /* StatusSokandeinformationKod, -1 if not given */
};

/* One payment to the person, from SO, CSN or FK/PM. */
struct ssbtek_payment {
	enum ssbtek_agency agency;
	char date[11];              /* payment date, YYYY-MM-DD */
	int64_t net_ore;            /* net amount in öre, as given (may be negative: a reclaim) */
	enum income_type type;
	char code[24];              /* LEFI code, CSN stödform, "" for SO */
	bool planned;               /* announced but not paid (CSN "Planerad"); not summed */
};

/*
 * A granted decision on a benefit for sickness, from LEFI's
 * formansinformation (sjukpenningarende, sjukOchAktivitetsersattningsarende,
 * rehabersattningsarende): its period and extent (omfattning, taljare /
 * namnare, in whole per cent).  The aktivitetskrav does not apply to the
 * extent of such a benefit (socialtjänstlagen (2025:400) 12 kap. 4 a § 5).
 */
struct ssbtek_sick_decision {
	char from[11], to[11];      /* "YYYY-MM-DD"; to "9999-12-31" when open */
	int percent;                /* 1-100 */
	char code[24];              /* the benefit (forman.id), e.g. "SJP" */
};

struct ssbtek_result {
	struct ssbtek_part part[SSBTEK_AGENCY_COUNT];
	struct ssbtek_af af;        /* meaningful when part[SSBTEK_AF] is ok */
	struct ssbtek_payment *payments;   /* only from agencies whose part is ok */
	size_t n_payments;
	char **unknown_codes;       /* LEFI codes not in the mapping (counted as "other") */
	size_t n_unknown_codes;
	struct ssbtek_sick_decision *sick;   /* from an ok FK part only */
	size_t n_sick;
};

/*
 * Parses a response.  Returns -1 only when the response as a whole is
 * unusable: too large, not well-formed, a DOCTYPE, nesting too deep, not a
 * SOAP envelope with a hamtaBastjanstInformationResponse, or a SOAP Fault
 * (err then says "SOAP fault: <code>: <string>").  Everything wrong inside
 * one agency's part makes only that part SSBTEK_ERROR.  On success *out is
 * filled (free with ssbtek_result_free); on failure it holds nothing to free.
 */
int ssbtek_parse_response(const char *body, size_t len, const struct ssbtek_parse_opts *opts,
			  struct ssbtek_result *out, struct ebba_err *err);
void ssbtek_result_free(struct ssbtek_result *r);

/*
 * Net paid in month "YYYY-MM" (by payment date) of that income type, summed
 * in öre over all agencies and rounded to whole kronor.  Planned payments
 * and parts that are not ok contribute nothing: check the statuses first.
 */
int64_t ssbtek_month_net(const struct ssbtek_result *r, enum income_type type, const char *yyyy_mm);
/* The same for every type at once. */
void ssbtek_month_net_all(const struct ssbtek_result *r, const char *yyyy_mm,
			  int64_t out[INCOME_TYPE_COUNT]);

/*
 * The highest extent (whole per cent) of a granted sickness decision that
 * covers a day of month "YYYY-MM"; -1 when none does.
 */
int ssbtek_month_sickness_percent(const struct ssbtek_result *r, const char *yyyy_mm);

/* Öre to whole kronor, half away from zero: 50 -> 1, 149 -> 1, -50 -> -1. */
int64_t ssbtek_round_kronor(int64_t ore);

/* Evidence of one agency part (raw element, status); out is evidence_free()'d by the caller. */
void ssbtek_part_evidence(const struct ssbtek_result *r, enum ssbtek_agency a,
			  struct evidence *out);
/* The part's status and the SHA-256 (hex) of its raw element, as
 * ssbtek_part_evidence() would give them, without copying the element:
 * what a summary row needs. */
enum ev_status ssbtek_part_summary(const struct ssbtek_result *r, enum ssbtek_agency a,
				   char sha256[65]);

#endif
