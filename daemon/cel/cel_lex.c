/*
 * CEL lexer: numbers, the many string literal forms, identifiers,
 * operators, // comments.  Strings are decoded here (escapes resolved) into
 * lx->text, so the parser only sees finished values.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cel_impl.h"

void cel_lex_init(struct cel_lexer *lx, const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
}

void cel_lex_free(struct cel_lexer *lx)
{
	buf_free(&lx->text);
}

struct cel_err_pos cel_lex_position(const char *src, size_t len, size_t off)
{
	struct cel_err_pos p = {1, 1};
	for (size_t i = 0; i < off && i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '\n') {
			p.line++;
			p.column = 1;
		} else if ((c & 0xC0) != 0x80) {
			p.column++;
		}
	}
	return p;
}

static void lex_error(struct cel_lexer *lx, struct cel_token *tok, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lex_error(struct cel_lexer *lx, struct cel_token *tok, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lx->errmsg, sizeof(lx->errmsg), fmt, ap);
	va_end(ap);
	lx->errpos = at;
	tok->kind = TOK_ERROR;
	tok->end = lx->pos;
}

static int peek(const struct cel_lexer *lx, size_t ahead)
{
	size_t i = lx->pos + ahead;
	return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void skip_space_and_comments(struct cel_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			lx->pos++;
		} else if (c == '/' && peek(lx, 1) == '/') {
			while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
				lx->pos++;
		} else {
			return;
		}
	}
}

static const char *const reserved_words[] = {
	"as", "break", "const", "continue", "else", "for", "function", "if", "import",
	"let", "loop", "package", "namespace", "return", "var", "void", "while",
};

static void lex_ident(struct cel_lexer *lx, struct cel_token *tok)
{
	size_t start = lx->pos;
	while (is_ident_start(peek(lx, 0)) || is_digit(peek(lx, 0)))
		lx->pos++;
	size_t n = lx->pos - start;
	const char *s = lx->src + start;
	tok->kind = TOK_IDENT;
	if (n == 4 && memcmp(s, "true", 4) == 0)
		tok->kind = TOK_TRUE;
	else if (n == 5 && memcmp(s, "false", 5) == 0)
		tok->kind = TOK_FALSE;
	else if (n == 4 && memcmp(s, "null", 4) == 0)
		tok->kind = TOK_NULL;
	else if (n == 2 && memcmp(s, "in", 2) == 0)
		tok->kind = TOK_IN;
	for (size_t i = 0; i < ARRAY_LEN(reserved_words); i++)
		if (strlen(reserved_words[i]) == n && memcmp(reserved_words[i], s, n) == 0)
			tok->reserved = true;
	buf_reset(&lx->text);
	buf_append(&lx->text, s, n);
}

static void lex_quoted_ident(struct cel_lexer *lx, struct cel_token *tok)
{
	size_t start = ++lx->pos;
	for (;;) {
		int c = peek(lx, 0);
		if (c == '`')
			break;
		if (c < 0 || c == '\n') {
			lex_error(lx, tok, start - 1, "unterminated quoted identifier");
			return;
		}
		/* Letters, digits, _ . - / as cel-spec allows in quoted fields. */
		if (!(is_ident_start(c) || is_digit(c) || c == '.' || c == '-' || c == '/' || c == ' ')) {
			lex_error(lx, tok, lx->pos, "invalid character in quoted identifier");
			return;
		}
		lx->pos++;
	}
	buf_reset(&lx->text);
	buf_append(&lx->text, lx->src + start, lx->pos - start);
	lx->pos++;
	tok->kind = TOK_IDENT;
	tok->quoted = true;
}

static void lex_number(struct cel_lexer *lx, struct cel_token *tok)
{
	size_t start = lx->pos;
	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X')) {
		lx->pos += 2;
		uint64_t v = 0;
		bool overflow = false;
		size_t digits = 0;
		for (int h; (h = hex_digit_value(peek(lx, 0))) >= 0; lx->pos++, digits++) {
			if (v > (UINT64_MAX >> 4))
				overflow = true;
			v = (v << 4) | (uint64_t)h;
		}
		if (digits == 0) {
			lex_error(lx, tok, start, "invalid hexadecimal literal");
			return;
		}
		if (overflow) {
			lex_error(lx, tok, start, "integer literal out of range");
			return;
		}
		tok->u = v;
		tok->kind = TOK_INT;
		if (peek(lx, 0) == 'u' || peek(lx, 0) == 'U') {
			lx->pos++;
			tok->kind = TOK_UINT;
		}
		return;
	}
	bool is_double = false;
	while (is_digit(peek(lx, 0)))
		lx->pos++;
	if (peek(lx, 0) == '.' && is_digit(peek(lx, 1))) {
		is_double = true;
		lx->pos++;
		while (is_digit(peek(lx, 0)))
			lx->pos++;
	}
	if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
		size_t save = lx->pos++;
		if (peek(lx, 0) == '+' || peek(lx, 0) == '-')
			lx->pos++;
		if (!is_digit(peek(lx, 0))) {
			lx->pos = save;
			lex_error(lx, tok, save, "invalid exponent in number");
			return;
		}
		while (is_digit(peek(lx, 0)))
			lx->pos++;
		is_double = true;
	}
	char tmp[400];
	size_t n = lx->pos - start;
	if (n >= sizeof(tmp)) {
		lex_error(lx, tok, start, "number literal too long");
		return;
	}
	memcpy(tmp, lx->src + start, n);
	tmp[n] = '\0';
	if (is_double) {
		errno = 0;
		tok->d = strtod(tmp, NULL);
		if (errno == ERANGE && isinf(tok->d)) {
			lex_error(lx, tok, start, "double literal out of range");
			return;
		}
		tok->kind = TOK_DOUBLE;
		return;
	}
	errno = 0;
	tok->u = strtoull(tmp, NULL, 10);
	if (errno == ERANGE) {
		lex_error(lx, tok, start, "integer literal out of range");
		return;
	}
	tok->kind = TOK_INT;
	if (peek(lx, 0) == 'u' || peek(lx, 0) == 'U') {
		lx->pos++;
		tok->kind = TOK_UINT;
	}
}

/* One escape after the backslash; appends to lx->text.  -1 on error. */
static int lex_escape(struct cel_lexer *lx, struct cel_token *tok, bool bytes)
{
	size_t at = lx->pos - 1;
	int c = peek(lx, 0);
	lx->pos++;
	switch (c) {
	case 'a': buf_putc(&lx->text, '\a'); return 0;
	case 'b': buf_putc(&lx->text, '\b'); return 0;
	case 'f': buf_putc(&lx->text, '\f'); return 0;
	case 'n': buf_putc(&lx->text, '\n'); return 0;
	case 'r': buf_putc(&lx->text, '\r'); return 0;
	case 't': buf_putc(&lx->text, '\t'); return 0;
	case 'v': buf_putc(&lx->text, '\v'); return 0;
	case '\\': case '?': case '"': case '\'': case '`':
		buf_putc(&lx->text, (char)c);
		return 0;
	default:
		break;
	}
	uint32_t v = 0;
	int digits;
	if (c >= '0' && c <= '3') {
		v = (uint32_t)(c - '0');
		for (int i = 0; i < 2; i++, lx->pos++) {
			int d = peek(lx, 0);
			if (d < '0' || d > '7') {
				lex_error(lx, tok, at, "invalid octal escape");
				return -1;
			}
			v = v * 8 + (uint32_t)(d - '0');
		}
	} else if (c == 'x' || c == 'X' || c == 'u' || c == 'U') {
		digits = (c == 'x' || c == 'X') ? 2 : c == 'u' ? 4 : 8;
		if (bytes && digits > 2) {
			lex_error(lx, tok, at, "\\%c escape is not allowed in bytes", c);
			return -1;
		}
		for (int i = 0; i < digits; i++, lx->pos++) {
			int h = hex_digit_value(peek(lx, 0));
			if (h < 0) {
				lex_error(lx, tok, at, "invalid \\%c escape", c);
				return -1;
			}
			v = v * 16 + (uint32_t)h;
		}
	} else {
		lex_error(lx, tok, at, "invalid escape sequence");
		return -1;
	}
	if (bytes) {
		buf_putc(&lx->text, (char)v);
		return 0;
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		lex_error(lx, tok, at, "invalid code point in escape");
		return -1;
	}
	cel_utf8_put(&lx->text, v);
	return 0;
}

static void lex_string(struct cel_lexer *lx, struct cel_token *tok, bool raw, bool bytes)
{
	size_t start = lx->pos;
	char q = lx->src[lx->pos];
	bool triple = peek(lx, 1) == q && peek(lx, 2) == q;
	lx->pos += triple ? 3 : 1;
	buf_reset(&lx->text);
	for (;;) {
		int c = peek(lx, 0);
		if (c < 0) {
			lex_error(lx, tok, start, "unterminated string literal");
			return;
		}
		if (c == q) {
			if (!triple) {
				lx->pos++;
				break;
			}
			if (peek(lx, 1) == q && peek(lx, 2) == q) {
				lx->pos += 3;
				break;
			}
		}
		if (!triple && (c == '\n' || c == '\r')) {
			lex_error(lx, tok, start, "newline in string literal");
			return;
		}
		if (c == '\\' && !raw) {
			lx->pos++;
			if (lex_escape(lx, tok, bytes) < 0)
				return;
			continue;
		}
		buf_putc(&lx->text, (char)c);
		lx->pos++;
	}
	if (!bytes && !cel_utf8_valid(lx->text.data ? lx->text.data : "", lx->text.len)) {
		lex_error(lx, tok, start, "string literal is not valid UTF-8");
		return;
	}
	if (lx->text.len > CEL_MAX_STRING) {
		lex_error(lx, tok, start, "string literal too long");
		return;
	}
	tok->kind = bytes ? TOK_BYTES : TOK_STRING;
}

/* r"..", b"..", br"..", rb"..", any case. */
static bool try_prefixed_string(struct cel_lexer *lx, struct cel_token *tok)
{
	bool raw = false, bytes = false;
	size_t i = 0;
	for (; i < 2; i++) {
		int c = peek(lx, i);
		if ((c == 'r' || c == 'R') && !raw)
			raw = true;
		else if ((c == 'b' || c == 'B') && !bytes)
			bytes = true;
		else
			break;
	}
	int q = peek(lx, i);
	if (i == 0 || (q != '"' && q != '\''))
		return false;
	lx->pos += i;
	lex_string(lx, tok, raw, bytes);
	return true;
}

struct op_token {
	const char *text;
	enum cel_tok kind;
};

static const struct op_token op_tokens[] = {
	{"==", TOK_EQ}, {"!=", TOK_NE}, {"<=", TOK_LE}, {">=", TOK_GE},
	{"&&", TOK_AND}, {"||", TOK_OR},
	{"<", TOK_LT}, {">", TOK_GT}, {"!", TOK_NOT},
	{"(", TOK_LPAREN}, {")", TOK_RPAREN}, {"[", TOK_LBRACKET}, {"]", TOK_RBRACKET},
	{"{", TOK_LBRACE}, {"}", TOK_RBRACE}, {".", TOK_DOT}, {",", TOK_COMMA},
	{":", TOK_COLON}, {"?", TOK_QUESTION}, {"+", TOK_PLUS}, {"-", TOK_MINUS},
	{"*", TOK_STAR}, {"/", TOK_SLASH}, {"%", TOK_PERCENT},
};

void cel_lex_next(struct cel_lexer *lx, struct cel_token *tok)
{
	memset(tok, 0, sizeof(*tok));
	skip_space_and_comments(lx);
	tok->start = lx->pos;
	int c = peek(lx, 0);
	if (c < 0) {
		tok->kind = TOK_EOF;
	} else if (c == '"' || c == '\'') {
		lex_string(lx, tok, false, false);
	} else if (try_prefixed_string(lx, tok)) {
		/* done */
	} else if (is_ident_start(c)) {
		lex_ident(lx, tok);
	} else if (c == '`') {
		lex_quoted_ident(lx, tok);
	} else if (is_digit(c) || (c == '.' && is_digit(peek(lx, 1)))) {
		lex_number(lx, tok);
	} else {
		for (size_t i = 0; i < ARRAY_LEN(op_tokens); i++) {
			size_t n = strlen(op_tokens[i].text);
			if (lx->len - lx->pos >= n && memcmp(lx->src + lx->pos, op_tokens[i].text, n) == 0) {
				lx->pos += n;
				tok->kind = op_tokens[i].kind;
				tok->end = lx->pos;
				return;
			}
		}
		if (c >= 0x20 && c < 0x7F)
			lex_error(lx, tok, lx->pos, "unexpected character '%c'", c);
		else
			lex_error(lx, tok, lx->pos, "unexpected character 0x%02x", (unsigned)c);
		return;
	}
	if (tok->kind != TOK_ERROR)
		tok->end = lx->pos;
}
