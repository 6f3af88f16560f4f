/*
 * libFuzzer target for the attendance document: any bytes in, a document
 * with consistent totals or a one-line error out.  Seeds:
 * fuzz/corpus/attendance/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ebba/registers/attendance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attendance a;
	struct ebba_err err;
	if (attendance_parse((const char *)data, size, NULL, NULL, &a, &err) < 0)
		return 0;
	int64_t s = 0, t = 0, e = 0;
	for (size_t i = 0; i < a.n_activities; i++) {
		const struct attendance_activity *x = &a.activities[i];
		if (x->attended + x->excused > x->scheduled || x->attended < 0 || x->excused < 0)
			abort();
		s += x->scheduled;
		t += x->attended;
		e += x->excused;
	}
	if (s != a.scheduled || t != a.attended || e != a.excused)
		abort();
	if (a.scheduled > 0 ? (a.accounted_permille < a.attended_permille || a.accounted_permille > 1000)
			    : a.attended_permille != -1)
		abort();
	attendance_free(&a);
	return 0;
}
