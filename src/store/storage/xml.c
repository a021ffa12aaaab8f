#include "storage/xml.h"

#include <expat.h>
#include <string.h>

#include "../error.h"
#include "../util.h"

enum { XML_MAX_PATH = 512, XML_MAX_DEPTH = 16, XML_MAX_TEXT = 64 * 1024 };

typedef struct xml_state {
	XML_Parser p;
	char path[XML_MAX_PATH];
	size_t plen;
	size_t starts[XML_MAX_DEPTH]; /* path length before each open element */
	int depth;
	ps_buf text;
	ps_xml_fn fn;
	void *ctx;
	int rc;          /* the callback's result or our own error */
	const char *err; /* a limit passed */
} xml_state;

static void xml_stop(xml_state *s, int rc, const char *err)
{
	if (!s->rc) {
		s->rc = rc;
		s->err = err;
	}
	XML_StopParser(s->p, XML_FALSE);
}

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	xml_state *s = ud;
	(void)attrs;
	if (s->rc)
		return;
	size_t n = strlen(name);
	if (s->depth >= XML_MAX_DEPTH || s->plen + n + 2 > sizeof s->path) {
		xml_stop(s, PS_ECORRUPT, "elements nest too deep");
		return;
	}
	s->starts[s->depth++] = s->plen;
	if (s->plen)
		s->path[s->plen++] = '/';
	memcpy(s->path + s->plen, name, n);
	s->plen += n;
	s->path[s->plen] = 0;
	s->text.len = 0;
	if (s->text.data)
		s->text.data[0] = 0;
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
	xml_state *s = ud;
	(void)name;
	if (s->rc || s->depth == 0)
		return;
	int rc = s->fn(s->ctx, s->path, s->text.data ? s->text.data : "", s->text.len);
	if (rc) {
		xml_stop(s, rc, NULL);
		return;
	}
	s->plen = s->starts[--s->depth];
	s->path[s->plen] = 0;
	s->text.len = 0;
	if (s->text.data)
		s->text.data[0] = 0;
}

static void XMLCALL xml_text(void *ud, const XML_Char *t, int len)
{
	xml_state *s = ud;
	if (s->rc || len <= 0)
		return;
	if (s->text.len + (size_t)len > XML_MAX_TEXT) {
		xml_stop(s, PS_ECORRUPT, "an element's text is too long");
		return;
	}
	if (ps_buf_add(&s->text, t, (size_t)len))
		xml_stop(s, PS_ENOMEM, "out of memory");
}

int ps_xml_parse(const char *doc, size_t len, const char *what, ps_xml_fn fn, void *ctx)
{
	xml_state s;
	memset(&s, 0, sizeof s);
	s.fn = fn;
	s.ctx = ctx;
	if (len > (size_t)0x7fffffff)
		return ps_err(PS_ELIMIT, "%s: XML response of %zu bytes is too large", what, len);
	s.p = XML_ParserCreate("UTF-8");
	if (!s.p)
		return ps_err_nomem();
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, xml_start, xml_end);
	XML_SetCharacterDataHandler(s.p, xml_text);
	enum XML_Status st = XML_Parse(s.p, doc, (int)len, XML_TRUE);
	int rc = 0;
	if (s.rc) {
		if (s.err)
			rc = ps_err(s.rc, "%s: XML response: %s", what, s.err);
		else
			rc = s.rc;
	} else if (st != XML_STATUS_OK) {
		rc = ps_err(PS_ECORRUPT, "%s: XML response does not parse at line %lu, column %lu: %s", what,
		            (unsigned long)XML_GetCurrentLineNumber(s.p), (unsigned long)XML_GetCurrentColumnNumber(s.p),
		            XML_ErrorString(XML_GetErrorCode(s.p)));
	}
	XML_ParserFree(s.p);
	ps_buf_free(&s.text);
	return rc;
}
