/*
 * The frame around every page (web.h, web_page): templates/layout.html
 * with the page's own template as its {{>page}} partial, the navigation
 * the person's groups allow, and the session's CSRF token for every form.
 */
#include <stdbool.h>
#include <string.h>

#include "template.h"
#include "web.h"

struct nav_item {
	const char *path;       /* the first path segment, without "/" */
	const char *label;
	unsigned groups;        /* shown to members of any of these */
};

static const struct nav_item nav[] = {
	{"ko", "Arbetskö", WEB_CASEWORKER | WEB_SUPERVISOR},
	{"sok", "Sök", WEB_CASEWORKER | WEB_SUPERVISOR},
	{"stickprov", "Stickprov", WEB_CASEWORKER | WEB_SUPERVISOR},
	{"regler", "Regler", WEB_SUPERVISOR},
	{"statistik", "Statistik", WEB_SUPERVISOR},
	{"regelverk", "Regelverket", WEB_CASEWORKER | WEB_SUPERVISOR},
	{"whatif", "What-if", WEB_SUPERVISOR},
	{"drift", "Drift", WEB_SUPERVISOR},
	/* auditors read no case data: Loggar is all they see */
	{"loggar", "Loggar", WEB_AUDITOR},
};

/* Whether path is under /SEG (the queue is also "/" and every decision,
 * reached from it, counts as the queue's; a household counts as Sök's). */
static bool under(const char *path, const char *seg)
{
	if (!path)
		return false;
	if (strcmp(seg, "ko") == 0 && (strcmp(path, "/") == 0 || str_starts_with(path, "/beslut")))
		return true;
	/* a household is reached from Sök */
	if (strcmp(seg, "sok") == 0 && str_starts_with(path, "/hushall/"))
		return true;
	size_t n = strlen(seg);
	return path[0] == '/' && strncmp(path + 1, seg, n) == 0 &&
	       (path[n + 1] == '\0' || path[n + 1] == '/');
}

static json_t *layout_ctx(const struct web_request *rq, const char *title)
{
	json_t *l = json_pack("{s:s}", "title", title);
	const struct web_session *s = rq->session;
	if (!s)
		return l;
	json_t *items = json_array();
	for (size_t i = 0; i < ARRAY_LEN(nav); i++)
		if (s->groups & nav[i].groups)
			json_array_append_new(items, json_pack("{s:s,s:s,s:b}", "path", nav[i].path,
							       "label", nav[i].label, "current",
							       under(rq->path, nav[i].path)));
	json_object_set_new(l, "has_nav", json_boolean(json_array_size(items) > 0));
	json_object_set_new(l, "nav", items);
	/* title always set ("" when none), so no page's own "title" shows. */
	json_object_set_new(l, "user", json_pack("{s:s,s:s,s:s}", "name",
						 s->display_name[0] ? s->display_name : s->user,
						 "role", s->user, "title", s->title));
	return l;
}

struct page_partials {
	const char *page;
};

/* "page" is the page's own template; every other partial is embedded. */
static const struct tmpl *page_partial(void *arg, const char *name, struct ebba_err *err)
{
	const struct page_partials *pp = arg;
	return tmpl_lookup(strcmp(name, "page") == 0 ? pp->page : name, err);
}

int web_page(const struct web_request *rq, struct web_response *rs, const char *title,
	     const char *name, json_t *ctx, struct ebba_err *err)
{
	const struct tmpl *layout = tmpl_lookup("layout", err);
	if (!layout || !tmpl_lookup(name, err))
		return -1;
	json_t *all = ctx ? json_copy(ctx) : json_object();
	json_object_set_new(all, "layout", layout_ctx(rq, title));
	json_object_set_new(all, "csrf", json_string(rq->session ? rq->session->csrf : ""));
	struct page_partials pp = {name};
	int rc = tmpl_exec(layout, all, page_partial, &pp, &rs->body, err);
	json_decref(all);
	if (rc != 0)
		return ebba_err_prefix(err, "page %s", name);
	if (!rs->content_type)
		rs->content_type = "text/html; charset=utf-8";
	return 0;
}
