/*
 * The template renderer (daemon/lib/template.c) and the page layout
 * (layout.c): every value escaped, values refused where escaping is not
 * enough, sections and partials as web.h says, parse errors with the
 * template's name, line and column, and every shipped template parses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"
#include "web.h"

/* Renders text with the JSON ctx; returns the output (caller frees) or NULL
 * with err filled. */
static char *render(const char *text, const char *ctx_json, struct ebba_err *err)
{
	struct tmpl *t = tmpl_parse("t.html", text, strlen(text), err);
	if (!t)
		return NULL;
	json_t *ctx = json_loads(ctx_json, 0, NULL);
	assert_non_null(ctx);
	struct ebba_buf out = {0};
	int rc = tmpl_exec(t, ctx, NULL, NULL, &out, err);
	json_decref(ctx);
	tmpl_free(t);
	if (rc != 0) {
		buf_free(&out);
		return NULL;
	}
	buf_reserve(&out, 0);
	return buf_steal(&out);
}

static void expect(const char *text, const char *ctx, const char *want)
{
	struct ebba_err err = {{0}};
	char *got = render(text, ctx, &err);
	if (!got)
		fail_msg("%s: %s", text, err.msg);
	assert_string_equal(got, want);
	free(got);
}

static void expect_error(const char *text, const char *ctx, const char *want)
{
	struct ebba_err err = {{0}};
	char *got = render(text, ctx, &err);
	if (got)
		fail_msg("%s rendered as %s", text, got);
	if (!strstr(err.msg, want))
		fail_msg("%s: error '%s' lacks '%s'", text, err.msg, want);
}

static void test_escapes_every_value(void **state)
{
	(void)state;
	expect("<p>{{x}}</p>", "{\"x\": \"<script>alert('x') & \\\"y\\\"</script>\"}",
	       "<p>&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>");
	expect("<input value=\"{{x}}\">", "{\"x\": \"\\\"><img src=x onerror=alert(1)>\"}",
	       "<input value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">");
	expect("<a title='{{x}}'>", "{\"x\": \"' onmouseover='1\"}",
	       "<a title='&#39; onmouseover=&#39;1'>");
	expect("{{n}} {{r}} {{t}} {{f}} [{{z}}] [{{missing}}]",
	       "{\"n\": -12, \"r\": 1.5, \"t\": true, \"f\": false, \"z\": null}",
	       "-12 1.5 true false [] []");
	expect("{{ spaced }}", "{\"spaced\": \"ok\"}", "ok");
	expect("{{! a comment }}x", "{}", "x");
}

static void test_url_attributes(void **state)
{
	(void)state;
	expect("<a href=\"/beslut/{{id}}\">", "{\"id\": 12}", "<a href=\"/beslut/12\">");
	expect("<a href=\"/ko?orsak={{c}}\">", "{\"c\": \"a&b=c/d?e#f g\\\"\"}",
	       "<a href=\"/ko?orsak=a%26b%3Dc%2Fd%3Fe%23f%20g%22\">");
	expect("<form action=\"/beslut/{{id}}/prova\">", "{\"id\": \"javascript:alert(1)\"}",
	       "<form action=\"/beslut/javascript%3Aalert%281%29/prova\">");
	expect_error("<a href=\"{{u}}\">", "{}", "t.html:1:10: a value at the start of a URL attribute");
	expect_error("<img src='{{u}}'>", "{}", "start of a URL attribute");
}

static void test_refused_places(void **state)
{
	(void)state;
	expect_error("<p>\n<a {{x}}>", "{}", "t.html:2:4: a value inside a tag but not in a quoted");
	expect_error("<input value={{x}}>", "{}", "not in a quoted attribute value");
	expect_error("<a onclick=\"f({{x}})\">", "{}", "event-handler attribute");
	expect_error("<a ONMOUSEOVER=\"{{x}}\">", "{}", "event-handler attribute");
	expect_error("<p style=\"color: {{x}}\">", "{}", "style attribute");
	expect_error("<script>var a = '{{x}}';</script>", "{}", "inside <script>");
	expect_error("<style>p{}</style><style>{{x}}</style>", "{}", "inside <script> or <style>");
	expect_error("<!-- {{x}} -->", "{}", "comment");
	expect_error("<{{x}}>", "{}", "right after '<'");
	expect_error("</{{x}}>", "{}", "inside a tag");
	/* After the tag ends, values are text again. */
	expect("<script></script><p class=\"a\" id='b'>{{x}}</p><!-- c -->{{x}}", "{\"x\": 1}",
	       "<script></script><p class=\"a\" id='b'>1</p><!-- c -->1");
	/* A section that adds an attribute inside a tag is fine. */
	expect("<option value=\"{{v}}\"{{#sel}} selected{{/sel}}>", "{\"v\": \"a\", \"sel\": true}",
	       "<option value=\"a\" selected>");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("a\nb {{{x}}}", "{}", "t.html:2:3: unescaped output");
	expect_error("{{&x}}", "{}", "t.html:1:1: unescaped output");
	expect_error("{{=<% %>=}}", "{}", "changing delimiters");
	expect_error("x {{#a}}\n{{#b}}{{/b}}", "{}", "t.html:1:3: {{#a}} is never closed");
	expect_error("{{#a}}{{/b}}", "{}", "t.html:1:7: {{/b}} closes {{#a}} opened at 1:1");
	expect_error("{{/a}}", "{}", "without an open section");
	expect_error("abc {{x", "{}", "t.html:1:5: {{ without }}");
	expect_error("{{}}", "{}", "expected a name");
	expect_error("{{a..b}}", "{}", "expected a name");
	expect_error("{{a b}}", "{}", "expected a name");
	expect_error("{{o}}", "{\"o\": {}}", "t.html:1:1: {{o}} is an object or a list");
	expect_error("{{>p}}", "{}", "partial");
}

static void test_sections(void **state)
{
	(void)state;
	expect("{{#l}}[{{n}}]{{/l}}", "{\"l\": [{\"n\": 1}, {\"n\": 2}]}", "[1][2]");
	expect("{{#l}}{{.}},{{/l}}", "{\"l\": [\"a\", \"<b>\"]}", "a,&lt;b&gt;,");
	expect("{{#o}}{{a}}-{{top}}{{/o}}", "{\"o\": {\"a\": 1}, \"top\": \"t\"}", "1-t");
	expect("{{#l}}{{n}}{{/l}}{{^l}}tom{{/l}}", "{\"l\": []}", "tom");
	expect("{{#s}}ja{{/s}}{{^s}}nej{{/s}}", "{\"s\": \"\"}", "nej");
	expect("{{#s}}ja {{.}}{{/s}}", "{\"s\": \"x\"}", "ja x");
	expect("{{#z}}noll {{z}}{{/z}}", "{\"z\": 0}", "noll 0");
	expect("{{#f}}ja{{/f}}{{^f}}nej{{/f}}{{^missing}}!{{/missing}}", "{\"f\": false}", "nej!");
	expect("{{a.b.c}} {{a.x.c}} {{#a}}{{b.c}}{{/a}}", "{\"a\": {\"b\": {\"c\": 7}}}", "7  7");
	/* The innermost section's names hide the outer ones. */
	expect("{{#l}}{{n}}{{/l}} {{n}}", "{\"n\": \"out\", \"l\": [{\"n\": \"in\"}, {}]}", "inout out");
}

static const struct tmpl *self_partial(void *arg, const char *name, struct ebba_err *err)
{
	(void)name;
	(void)err;
	return arg;
}

static void test_partials(void **state)
{
	(void)state;
	struct ebba_err err;
	const char *text = "<b>{{x}}</b>{{>again}}";
	struct tmpl *t = tmpl_parse("loop.html", text, strlen(text), &err);
	assert_non_null(t);
	json_t *ctx = json_pack("{s:s}", "x", "<");
	struct ebba_buf out = {0};
	assert_int_equal(tmpl_exec(t, ctx, self_partial, t, &out, &err), -1);
	assert_non_null(strstr(err.msg, "partials nest too deep"));
	assert_int_equal(out.len, 0);
	json_decref(ctx);
	tmpl_free(t);
	buf_free(&out);
	/* An embedded template names its own file in errors. */
	assert_null(tmpl_lookup("no-such-template", &err));
	assert_string_equal(err.msg, "no template no-such-template.html");
}

static void test_every_template_parses(void **state)
{
	(void)state;
	struct ebba_err err = {{0}};
	if (tmpl_preload(&err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(tmpl_lookup("layout", &err));
}

static char *page(unsigned groups, const char *path, struct ebba_err *err)
{
	struct web_session s = {.groups = groups};
	snprintf(s.user, sizeof(s.user), "anna.s");
	snprintf(s.display_name, sizeof(s.display_name), "Anna <S>");
	snprintf(s.csrf, sizeof(s.csrf), "%064d", 7);
	struct web_request rq = {.method = "GET", .path = path, .session = &s};
	struct web_response rs = {0};
	json_t *ctx = json_object();
	int rc = web_page(&rq, &rs, "Arbetskö", "layout", ctx, err);
	json_decref(ctx);
	if (rc != 0) {
		buf_free(&rs.body);
		return NULL;
	}
	return buf_steal(&rs.body);
}

static void test_layout(void **state)
{
	(void)state;
	struct ebba_err err = {{0}};
	/* The layout as its own page would include itself: refused, not a crash. */
	assert_null(page(WEB_CASEWORKER, "/", &err));
	assert_non_null(strstr(err.msg, "nest too deep"));
}

/* web_page with a page template of the test's own: the stand-in is the
 * smallest embedded one that needs no data (error-free layout check). */
static void test_layout_navigation(void **state)
{
	(void)state;
	struct ebba_err err = {{0}};
	struct web_session s = {.groups = WEB_CASEWORKER};
	snprintf(s.user, sizeof(s.user), "anna.s");
	snprintf(s.display_name, sizeof(s.display_name), "Anna <S>");
	snprintf(s.csrf, sizeof(s.csrf), "%s", "c0ffee");
	struct web_request rq = {.method = "GET", .path = "/stickprov", .session = &s};
	struct web_response rs = {0};
	json_t *ctx = json_pack("{s:s}", "message", "<b>x</b>");
	if (web_page(&rq, &rs, "Fel <1>", "message", ctx, &err) != 0)
		fail_msg("%s", err.msg);
	const char *b = rs.body.data;
	assert_non_null(strstr(b, "<html lang=\"sv\">"));
	assert_non_null(strstr(b, "<title>Fel &lt;1&gt; – ebba</title>"));
	assert_non_null(strstr(b, "href=\"#innehall\""));
	assert_non_null(strstr(b, "<main id=\"innehall\""));
	assert_non_null(strstr(b, "Anna &lt;S&gt;"));
	assert_non_null(strstr(b, "name=\"csrf\" value=\"c0ffee\""));
	assert_non_null(strstr(b, "<a href=\"/stickprov\" aria-current=\"page\">Stickprov</a>"));
	assert_non_null(strstr(b, "<a href=\"/ko\">Arbetskö</a>"));
	assert_null(strstr(b, "/regler"));
	assert_null(strstr(b, "<b>x</b>"));
	assert_null(strstr(b, "<script"));
	buf_free(&rs.body);

	s.groups = WEB_SUPERVISOR;
	rq.path = "/beslut/3";
	rs = (struct web_response){0};
	assert_int_equal(web_page(&rq, &rs, "Beslut", "message", ctx, &err), 0);
	assert_non_null(strstr(rs.body.data, "<a href=\"/ko\" aria-current=\"page\">Arbetskö</a>"));
	assert_non_null(strstr(rs.body.data, "<a href=\"/regler\">Regler</a>"));
	assert_non_null(strstr(rs.body.data, "<a href=\"/drift\">Drift</a>"));
	buf_free(&rs.body);

	/* Without a session (the login page): no navigation, no person. */
	rq.session = NULL;
	rs = (struct web_response){0};
	assert_int_equal(web_page(&rq, &rs, "Logga in", "message", ctx, &err), 0);
	assert_null(strstr(rs.body.data, "Huvudmeny"));
	assert_null(strstr(rs.body.data, "Logga ut"));
	buf_free(&rs.body);
	json_decref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_every_value),
		cmocka_unit_test(test_url_attributes),
		cmocka_unit_test(test_refused_places),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_every_template_parses),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_layout_navigation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
