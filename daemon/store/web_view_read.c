/* The typed views' small readers (web_view_read.h). */
#include "web_view_read.h"

bool web_view_is_id(const char *s)
{
	if (!s || !*s)
		return false;
	size_t n = 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9' || n >= 18)
			return false;
	return true;
}

int web_view_opt_str(const json_t *v, const char *what, const char **out, struct ebba_err *err)
{
	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ebba_errf(err, "%s: expected a string or null", what);
	*out = json_string_value(v);
	return 0;
}

int web_view_opt_int(const json_t *v, const char *what, bool *has, int64_t *out, struct ebba_err *err)
{
	*has = false;
	*out = 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return ebba_errf(err, "%s: expected an integer or null", what);
	*has = true;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int web_view_outcome(const char *name, const char *what, enum outcome *out, struct ebba_err *err)
{
	if (!outcome_parse(name, out))
		return ebba_errf(err, "%s: unknown outcome \"%s\"", what, name);
	return 0;
}
