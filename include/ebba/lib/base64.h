/* Base64 (RFC 4648, standard alphabet, padded) as SSBTEK's xsd:base64Binary uses it. */
#ifndef EBBA_BASE64_H
#define EBBA_BASE64_H

#include <stddef.h>

#include "ebba/lib/error.h"
#include "ebba/lib/util.h"

/* Appends the encoding of data[0..len) to out. */
void base64_encode(const void *data, size_t len, struct ebba_buf *out);

/*
 * Decodes in[0..len) into out (reset first).  XML white space between
 * characters is skipped, as xsd:base64Binary allows; anything else outside
 * the alphabet, a bad length or misplaced padding is an error.  Decoding
 * stops with an error once out would exceed max_out bytes.
 */
int base64_decode(const char *in, size_t len, size_t max_out, struct ebba_buf *out,
		  struct ebba_err *err);

#endif
