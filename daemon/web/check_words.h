/*
 * What people read instead of a check id: the description the running rule
 * set gives each check (rules_dir), and ebba's own guards in words.  Read
 * from rules_dir once and again at most once a minute, shared by every
 * request (check_words.c).
 */
#ifndef EBBA_WEB_CHECK_WORDS_H
#define EBBA_WEB_CHECK_WORDS_H

#include <jansson.h>

/* {check id: description} as a new object (the caller json_decref()s it);
 * empty when the rules cannot be read. */
json_t *check_words(void);

/* The words for id in words (from check_words()), never the id itself. */
const char *check_word(const json_t *words, const char *id);

#endif
