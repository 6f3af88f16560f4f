/*
 * What a register source implements (include/ebba/registers/registers.h).
 * registers_fetch() checks the input, resets the out fields and orders the
 * evidence; a backend's fetch only fills in the answers.
 */
#ifndef EBBA_REG_BACKEND_H
#define EBBA_REG_BACKEND_H

#include "ebba/registers/registers.h"

/* fetch fills the answers and says in err what failed, with the source's
 * own context (the live one: "registers: ..."). */
struct reg_backend_ops {
	int (*fetch)(struct registers *r, struct reg_application *apps, size_t n_apps,
		     const struct reg_fetch_ctl *ctl, struct ebba_err *err);
	void (*free)(struct registers *r);
};

/* The first member of every backend's own struct. */
struct registers {
	const struct reg_backend_ops *ops;
};

/* Marks the person's SSBTEK (ssbtek) or attendance look-up unavailable;
 * reason (from malloc) becomes the person's. */
void reg_set_unavailable(struct reg_person *p, bool ssbtek, char *reason);

#endif
