/*
 * How the rules stage words an error for the people who read it
 * (supervisors at load, caseworkers in check messages): a Swedish lead
 * chosen by the error's kind, CEL's own English words after it in
 * parentheses for whoever debugs the expression.  Errors the rules stage
 * made itself (CEL_ERR_OTHER) are Swedish already and stand alone.
 */
#include "rules_model.h"

static const char *lead(enum cel_error_kind k)
{
	switch (k) {
	case CEL_ERR_NONE: return "inget fel";
	case CEL_ERR_SYNTAX: return "uttrycket går inte att tolka";
	case CEL_ERR_UNKNOWN_IDENT: return "värdet finns inte";
	case CEL_ERR_UNKNOWN_FUNCTION: return "okänd funktion";
	case CEL_ERR_NO_SUCH_KEY: return "fältet finns inte";
	case CEL_ERR_TYPE: return "typfel";
	case CEL_ERR_CONVERSION: return "värdet går inte att omvandla";
	case CEL_ERR_INVALID: return "ogiltigt värde";
	case CEL_ERR_DIV_ZERO: return "division med noll";
	case CEL_ERR_OVERFLOW: return "talet blir för stort";
	case CEL_ERR_RANGE: return "utanför det tillåtna intervallet";
	case CEL_ERR_BUDGET: return "uttrycket kräver för mycket beräkning";
	case CEL_ERR_LIMIT: return "uttrycket är för stort";
	case CEL_ERR_OTHER: return "fel";
	}
	return "fel";
}

void rs_error_words(enum cel_error_kind k, const char *msg, size_t len, struct ebba_buf *out)
{
	if (k == CEL_ERR_OTHER) {
		buf_append(out, msg, len);
		return;
	}
	buf_printf(out, "%s (%.*s)", lead(k), (int)len, msg);
}

bool rs_is_mistake(struct cel_value v)
{
	switch (cel_error_kind_of(v)) {
	case CEL_ERR_NO_SUCH_KEY:
	case CEL_ERR_TYPE:
	case CEL_ERR_UNKNOWN_FUNCTION:
	case CEL_ERR_CONVERSION:
		return true;
	default:
		return false;
	}
}
