/*
 * The Prometheus text exposition format, version 0.0.4: a HELP and a
 * TYPE line per family, then its samples, label values escaped.  The
 * text grows in one buffer; a failed allocation marks it unusable
 * rather than serving a truncated scrape.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"

void expo_init(struct expo *e)
{
	memset(e, 0, sizeof(*e));
}

void expo_free(struct expo *e)
{
	free(e->buf);
	expo_init(e);
}

static bool reserve(struct expo *e, size_t more)
{
	size_t cap = e->cap ? e->cap : 4096;
	char *p;

	if (e->oom)
		return false;
	while (cap - e->len <= more)
		cap *= 2;
	if (cap == e->cap)
		return true;
	p = realloc(e->buf, cap);
	if (!p) {
		e->oom = true;
		return false;
	}
	e->buf = p;
	e->cap = cap;
	return true;
}

static void put(struct expo *e, const char *s, size_t n)
{
	if (!reserve(e, n))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void puts_(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

/*
 * Backslash and newline escaped everywhere; the double quote too in
 * label values (HELP text keeps it).
 */
static void put_escaped(struct expo *e, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(e, "\\\\");
		else if (*s == '\n')
			puts_(e, "\\n");
		else if (*s == '"' && quote)
			puts_(e, "\\\"");
		else
			put(e, s, 1);
	}
}

void expo_family(struct expo *e, const char *name, enum expo_type type,
		 const char *help)
{
	e->family = name;
	puts_(e, "# HELP ");
	puts_(e, name);
	puts_(e, " ");
	put_escaped(e, help, false);
	puts_(e, "\n# TYPE ");
	puts_(e, name);
	puts_(e, type == EXPO_COUNTER ? " counter\n" : " gauge\n");
}

static void put_series(struct expo *e, const struct expo_label *l, size_t nl)
{
	puts_(e, e->family);
	if (!nl)
		return;
	puts_(e, "{");
	for (size_t i = 0; i < nl; i++) {
		puts_(e, i ? ",": "");
		puts_(e, l[i].name);
		puts_(e, "=\"");
		put_escaped(e, l[i].value, true);
		puts_(e, "\"");
	}
	puts_(e, "}");
}

void expo_u64(struct expo *e, const struct expo_label *l, size_t nl,
	      uint64_t v)
{
	char num[32];

	put_series(e, l, nl);
	snprintf(num, sizeof(num), " %" PRIu64 "\n", v);
	puts_(e, num);
}

void expo_f64(struct expo *e, const struct expo_label *l, size_t nl,
	      double v)
{
	char num[48];

	put_series(e, l, nl);
	snprintf(num, sizeof(num), " %.9g\n", v);
	puts_(e, num);
}

void expo_one(struct expo *e, const char *name, enum expo_type type,
	      const char *help, uint64_t v)
{
	expo_family(e, name, type, help);
	expo_u64(e, NULL, 0, v);
}
