/*
 * The view models' lists (include/ebba/store/web_view_list.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebba/lib/util.h"
#include "ebba/store/web_view_list.h"

int store_web_unpack_list(json_t *list, const char *what, size_t elem_size, web_unpack_one one,
			  void **items, size_t *n, struct ebba_err *err)
{
	*items = NULL;
	*n = 0;
	if (!json_is_array(list))
		return ebba_errf(err, "%s: not a list", what);
	size_t count = json_array_size(list);
	if (count == 0)
		return 0;
	char *a = xcalloc(count, elem_size);
	*items = a;
	*n = count;
	for (size_t i = 0; i < count; i++)
		if (one(json_array_get(list, i), a + i * elem_size, err) != 0)
			return ebba_err_prefix(err, "%s[%zu]", what, i);
	return 0;
}

int store_web_unpack_opt_int(const json_t *v, const char *what, bool *has, int64_t *value,
			     struct ebba_err *err)
{
	*has = false;
	*value = 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return ebba_errf(err, "%s: neither an integer nor null", what);
	*has = true;
	*value = json_integer_value(v);
	return 0;
}

int store_web_unpack_opt_str(const json_t *v, const char *what, const char **out, struct ebba_err *err)
{
	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ebba_errf(err, "%s: neither a string nor null", what);
	*out = json_string_value(v);
	return 0;
}

int store_web_parse_outcome(const char *name, const char *what, enum outcome *out,
			    struct ebba_err *err)
{
	if (!outcome_parse(name, out))
		return ebba_errf(err, "%s: \"%s\" is not an outcome", what, name ? name : "(null)");
	return 0;
}

int store_web_parse_flag_kind(const char *name, const char *what,
			      enum decision_flag_kind *out, struct ebba_err *err)
{
	if (!decision_flag_kind_parse(name, out))
		return ebba_errf(err, "%s: \"%s\" is not an audit flag's kind", what,
				 name ? name : "(null)");
	return 0;
}

int store_web_parse_verdict(const char *stored, const char *what, enum audit_verdict *out,
			    const char **note, struct ebba_err *err)
{
	*note = NULL;
	const char *colon = stored ? strstr(stored, ": ") : NULL;
	char name[16];
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - stored) : 15,
		 stored ? stored : "");
	if (!audit_verdict_parse(name, out))
		return ebba_errf(err, "%s: \"%s\" is not an audit verdict", what, name);
	if (colon)
		*note = colon + 2;
	return 0;
}

bool store_web_is_id(const char *s)
{
	if (!s || !*s)
		return false;
	size_t n = 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9' || n >= 18)
			return false;
	return true;
}
