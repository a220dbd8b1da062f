/* ctl_json.c: terms and entries as JSON for todoctl --json. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"
#include "etf.h"
#include "todo_term.h"

/* Replace every byte that does not start a valid sequence with U+FFFD. */
static json_t *
string_repaired(const unsigned char *s, size_t len)
{
	json_t *v;
	char *out;
	size_t i = 0, o = 0, n;

	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		for (n = 4; n > 0; n--)
			if (i + n <= len && utf8_valid(s + i, n))
				break;
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	v = json_stringn(out, o);
	free(out);
	return v;
}

json_t *
cj_string(const void *s, size_t len)
{
	if (utf8_valid(s, len))
		return json_stringn(s, len);
	return string_repaired(s, len);
}

json_t *
cj_date(struct todo_date d)
{
	char buf[11];

	todo_date_format(d, buf);
	return json_string(buf);
}

json_t *
cj_entry(const struct todo_entry *e)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "id", json_integer(e->id)) == -1 ||
	    json_object_set_new(o, "date", cj_date(e->date)) == -1 ||
	    json_object_set_new(o, "title", cj_string(e->title,
	    e->title_len)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
atom(const struct etf_term *t)
{
	if (strcmp(t->atom.p, "true") == 0)
		return json_true();
	if (strcmp(t->atom.p, "false") == 0)
		return json_false();
	if (strcmp(t->atom.p, "nil") == 0)
		return json_null();
	return cj_string(t->atom.p, t->atom.len);
}

static json_t *
array(const struct etf_term *t)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < t->seq.n; i++)
		if (json_array_append_new(a, cj_term(&t->seq.v[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* A map key as an object key: atoms and binaries as they are, anything
 * else as its compact JSON text. */
static char *
key_text(const struct etf_term *k)
{
	json_t *v;
	char *s;

	if (k->type == ETF_ATOM)
		return strdup(k->atom.p);
	if (k->type == ETF_BINARY && utf8_valid(k->bin.p, k->bin.len) &&
	    memchr(k->bin.p, '\0', k->bin.len) == NULL)
		return strndup((const char *)k->bin.p, k->bin.len);
	if ((v = cj_term(k)) == NULL)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	return s;
}

static json_t *
object(const struct etf_term *t)
{
	json_t *o;
	char *k;
	size_t i;
	int rv;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < t->map.n; i++) {
		if ((k = key_text(&t->map.kv[2 * i])) == NULL) {
			json_decref(o);
			return NULL;
		}
		rv = json_object_set_new(o, k, cj_term(&t->map.kv[2 * i + 1]));
		free(k);
		if (rv == -1) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* An integer beyond 64 bits, as a string of its decimal digits. */
static json_t *
bigint(const struct etf_term *t)
{
	uint8_t *mag;
	char *digits;
	size_t n = t->big.len, i, nd = 0;
	unsigned rem;
	json_t *v;

	if (n == 0 || n > 1024)
		return json_null();
	mag = malloc(n);
	digits = malloc(n * 3 + 2);	/* 256^n < 10^(3n) */
	if (mag == NULL || digits == NULL) {
		free(mag);
		free(digits);
		return NULL;
	}
	memcpy(mag, t->big.mag, n);
	while (n > 0) {
		for (rem = 0, i = n; i-- > 0;) {
			rem = rem * 256 + mag[i];
			mag[i] = (uint8_t)(rem / 10);
			rem %= 10;
		}
		digits[nd++] = (char)('0' + rem);
		while (n > 0 && mag[n - 1] == 0)
			n--;
	}
	if (t->big.neg)
		digits[nd++] = '-';
	for (i = 0; i < nd / 2; i++) {
		char c = digits[i];

		digits[i] = digits[nd - 1 - i];
		digits[nd - 1 - i] = c;
	}
	v = json_stringn(digits, nd);
	free(mag);
	free(digits);
	return v;
}

json_t *
cj_term(const struct etf_term *t)
{
	const struct etf_term *s;
	struct todo_date d;

	switch (t->type) {
	case ETF_INT:
		return json_integer(t->i);
	case ETF_BIGINT:
		return bigint(t);
	case ETF_FLOAT:
		return json_real(t->f);
	case ETF_ATOM:
		return atom(t);
	case ETF_BINARY:
		return cj_string(t->bin.p, t->bin.len);
	case ETF_LIST:
	case ETF_TUPLE:
		return array(t);
	case ETF_MAP:
		if ((s = etf_map_get(t, "__struct__")) != NULL &&
		    etf_is_atom(s, "Elixir.Date") &&
		    todo_date_from_term(t, &d) == 0)
			return cj_date(d);
		return object(t);
	}
	return json_null();
}

json_t *
cj_error(const char *reason, const char *message)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "error", cj_string(reason,
	    strlen(reason))) == -1 || json_object_set_new(o, "message",
	    cj_string(message, strlen(message))) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int	cj_write_errno;

int
cj_print(FILE *fp, json_t *v)
{
	int rv;

	if (v == NULL)
		return -1;
	errno = 0;
	rv = json_dumpf(v, fp, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_PRESERVE_ORDER);
	json_decref(v);
	if (rv == -1 || putc('\n', fp) == EOF) {
		if (errno != 0)
			cj_write_errno = errno;
		return -1;
	}
	return 0;
}
