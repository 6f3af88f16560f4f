/* The channels' names, the choice between them, and the dispatch (channel.h). */
#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "mailbox.h"

static const char *const channel_names[CHANNEL_COUNT] = {
	[CHANNEL_DIGITAL] = "digital",
	[CHANNEL_PRINT] = "print",
	[CHANNEL_PROTECTED] = "protected",
};

const char *channel_name(enum channel c)
{
	return c < CHANNEL_COUNT ? channel_names[c] : "unknown";
}

/* Paper: the protected spool for a protected case, never the ordinary one. */
static enum channel on_paper(const struct letter_recipient *r)
{
	/* The mailbox needs no address, so a protected case may use it; on
	 * paper it is handled by hand. */
	return r->protected_case ? CHANNEL_PROTECTED : CHANNEL_PRINT;
}

int channel_choose(const struct channel_config *cfg, const struct letter_recipient *r,
		   const char *prior, enum channel *out, char *supplier, size_t supplier_size,
		   bool *permanent, struct ebba_err *err)
{
	*permanent = false;
	supplier[0] = '\0';
	bool digital_before = strcmp(prior, channel_name(CHANNEL_DIGITAL)) == 0;
	*out = on_paper(r);
	if (strcmp(prior, channel_name(CHANNEL_PROTECTED)) == 0)
		return 0;
	if (*prior && !digital_before)
		return 0;   /* print, or protected now */
	if (!cfg->mailbox) {
		*permanent = digital_before;
		return digital_before ? ebba_errf(err, "begun by the digital mailbox, which is no longer "
						  "configured (deliver.mailbox_url)") : 0;
	}
	bool reachable;
	if (mailbox_reachable(cfg->mailbox, r->pnr, &reachable, supplier, supplier_size, err) != 0)
		return -1;
	if (reachable) {
		*out = CHANNEL_DIGITAL;
		return 0;
	}
	if (digital_before) {
		/* it may have arrived: paper now could be a second letter */
		*permanent = true;
		return ebba_errf(err, "begun by the digital mailbox, which no longer reaches the person: "
				 "see whether it arrived before sending it on paper by hand");
	}
	return 0;
}

int channel_deliver(const struct channel_config *cfg, enum channel c, const struct letter_recipient *r,
		    const struct ebba_buf *pdf, char *receipt, size_t receipt_size, bool *permanent,
		    struct ebba_err *err)
{
	*permanent = false;
	if (receipt && receipt_size)
		receipt[0] = '\0';
	switch (c) {
	case CHANNEL_PRINT:
	case CHANNEL_PROTECTED: {
		const char *dir = c == CHANNEL_PRINT ? cfg->print_spool : cfg->protected_spool;
		if (!dir || !*dir) {
			*permanent = false;
			return ebba_errf(err, "no %s spool configured (deliver.%s_spool)", channel_name(c),
					 c == CHANNEL_PRINT ? "print" : "protected");
		}
		/* letter, case, identity number, the PDF's SHA-256, the key */
		char line[512];
		snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%s\n", r->decision_id, r->case_id,
			 r->pnr, r->sha256, r->key);
		bool repeat;
		if (spool_put(dir, r->decision_id, pdf, line, &repeat, permanent, err) != 0)
			return -1;
		if (receipt && receipt_size)
			snprintf(receipt, receipt_size, "%s/%s.pdf%s", dir, r->decision_id,
				 repeat ? " (there already)" : "");
		return 0;
	}
	case CHANNEL_DIGITAL:
		if (!cfg->mailbox || !r->supplier || !*r->supplier)
			break;
		return mailbox_send(cfg->mailbox, r->supplier, r, pdf, receipt, receipt_size, permanent, err);
	case CHANNEL_COUNT:
		break;
	}
	return ebba_errf(err, "no %s channel configured", channel_name(c));
}
