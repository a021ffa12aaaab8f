/* Go's encoding/json string encoding, as the Go datastore whose behaviour
 * probestore implements wrote its JSON (json.Marshal, Go 1.19). */
#ifndef PS_GOJSON_H
#define PS_GOJSON_H

#include <stddef.h>

#include "util.h"

/* Appends s[0..n) to b as a JSON string, quotes included: HTML-safe (<, >
 * and & as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, \n \r \t
 * \" \\ short, every other control as \u00XX (\b as \u0008, \f as
 * \u000c), each byte of invalid UTF-8 as \ufffd. 0, or PS_ENOMEM with the
 * error set. */
int ps_json_go_string(ps_buf *b, const void *s, size_t n);

/* The same for a string followed by at least 16 readable bytes (s[0..n+16)
 * in one object): a string that needs no escaping, most of them, is
 * checked and copied 16 bytes at a time. */
int ps_json_go_string_padded(ps_buf *b, const void *s, size_t n);

#endif
