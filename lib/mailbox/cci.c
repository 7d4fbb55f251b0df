/* SPDX-License-Identifier: MIT */
/*
 * The CCI dispatcher (CXL 3.1 8.2.8.4, 8.2.9): one table of commands; the
 * generic checks live here, handlers do the command-specific ones.
 */
#include <stdlib.h>
#include <string.h>

#include "cci_priv.h"
#include "../le.h"

bool cci_put(struct cci_out *o, size_t off, uint64_t v, unsigned int n)
{
	if (off > o->cap || n > o->cap - off)
		return false;
	put_le(o->buf + off, v, n);
	if (off + n > o->len)
		o->len = off + n;
	return true;
}

uint64_t cci_now(const struct cxlemu_cci *cci)
{
	return cxlemu_ctx_now_ns(cci->ctx);
}

int cxlemu_cci_new(struct cxlemu_ctx *ctx, const struct cxlemu_cci_config *cfg,
		   struct cxlemu_cci **out)
{
	struct cxlemu_cci *cci;
	unsigned int n;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || cfg->version != CXLEMU_CCI_CONFIG_VERSION) {
		cxlemu_err(ctx, "cci: missing config or unsupported version");
		return -EINVAL;
	}
	if (cfg->kind != CXLEMU_CCI_MAILBOX && cfg->kind != CXLEMU_CCI_SWITCH &&
	    cfg->kind != CXLEMU_CCI_LD_FM && cfg->kind != CXLEMU_CCI_MCTP) {
		cxlemu_err(ctx, "cci: unknown kind 0x%x", cfg->kind);
		return -EINVAL;
	}
	/* Payload Size: 2^n bytes, n from 8 to 20 (8.2.8.4.3). */
	for (n = 8; n <= 20 && (1u << n) != cfg->payload_size; n++)
		;
	if (n > 20) {
		cxlemu_err(ctx, "cci: payload size %u is not a power of two from 256 B to 1 MiB",
			   cfg->payload_size);
		return -EINVAL;
	}
	cci = calloc(1, sizeof(*cci));
	if (!cci)
		return -ENOMEM;
	cci->payload = calloc(1, cfg->payload_size);
	if (!cci->payload) {
		free(cci);
		return -ENOMEM;
	}
	cci->ctx = ctx;
	cci->cfg = *cfg;
	cci->md = cfg->memdev;
	cci->sw = cfg->fabric_switch;
	cci->mld = cfg->mld;
	cci->events = cci->md ? cci->md->events : cci->sw ? vcs_switch_events(cci->sw) : NULL;
	cci->resp_limit = (uint8_t)n;
	cci->payload_log2 = (uint8_t)n;
	*out = cci;
	return 0;
}

void cxlemu_cci_free(struct cxlemu_cci *cci)
{
	if (!cci)
		return;
	if (cci->md)
		md_cci_gone(cci->md, cci);
	/* A background operation outlives no CCI: one the host completes is
	 * dropped (its owner forgets this CCI), a timed one completes now so
	 * that device-wide state (media disabled, media busy) is released. */
	if (cci->bg_running && cci->bg_ops) {
		const struct cci_bg_ops *ops = cci->bg_ops;

		cci->bg_running = false;
		cci->bg_ops = NULL;
		if (ops->drop)
			ops->drop(cci);
		else
			(void)ops->finish(cci, false);
	}
	free(cci->payload);
	free(cci);
}

/* Completion interrupt: the mailbox raises it when software enabled it
 * (8.2.8.4.4); other transports always tell the host. */
void cci_bg_irq(struct cxlemu_cci *cci)
{
	if (!cci->cfg.host.irq)
		return;
	if (cci->cfg.kind == CXLEMU_CCI_MAILBOX && !(cci->control & CCI_CTRL_BG_INT))
		return;
	cci->cfg.host.irq(cci->cfg.host.opaque);
}

int cci_bg_start(struct cxlemu_cci *cci, uint16_t opcode, uint64_t dur_ns,
		 const struct cci_bg_ops *ops)
{
	cci->bg_running = true;
	cci->bg_opcode = opcode;
	cci->bg_rc = 0;
	cci->bg_percent = 0;
	cci->bg_start = cci_now(cci);
	cci->bg_dur = dur_ns;
	cci->bg_ops = ops;
	cci->bg_signalled = false;
	cci->bg_signal_rc = 0;
	if (cci->cfg.host.schedule)
		cci->cfg.host.schedule(cci->cfg.host.opaque, cci->bg_start + dur_ns);
	return CXLEMU_MBOX_BG_STARTED;
}

static void bg_end(struct cxlemu_cci *cci, bool aborted)
{
	const struct cci_bg_ops *ops = cci->bg_ops;
	int rc;

	/* Over before finish() runs: a host callback inside it that polls
	 * cannot finish it a second time. */
	cci->bg_running = false;
	cci->bg_ops = NULL;
	rc = ops->finish(cci, aborted);
	cci->bg_rc = (uint16_t)(aborted ? CXLEMU_MBOX_ABORTED : rc);
	if (!aborted)
		cci->bg_percent = 100;
	cci_bg_irq(cci);
}

void cxlemu_cci_poll(struct cxlemu_cci *cci)
{
	uint64_t now, done;

	if (!cci || !cci->bg_running)
		return;
	if (cci->bg_ops->external) {
		/* No duration: it ends when signalled; nothing to schedule. */
		if (cci->bg_signalled)
			bg_end(cci, false);
		return;
	}
	now = cci_now(cci);
	done = now > cci->bg_start ? now - cci->bg_start : 0;
	if (done >= cci->bg_dur) {
		bg_end(cci, false);
		return;
	}
	/* Percent complete, never 100 before the end (Table 8-40). */
	cci->bg_percent = (uint8_t)(cci->bg_dur <= UINT64_MAX / 100 ? done * 100 / cci->bg_dur :
				    done / (cci->bg_dur / 100));
	if (cci->bg_percent > 99)
		cci->bg_percent = 99;
	if (cci->cfg.host.schedule)
		cci->cfg.host.schedule(cci->cfg.host.opaque, cci->bg_start + cci->bg_dur);
}

void cci_bg_signal(struct cxlemu_cci *cci, int rc)
{
	if (!cci->bg_running || !cci->bg_ops->external)
		return;
	cci->bg_signalled = true;
	cci->bg_signal_rc = (uint16_t)rc;
	if (!cci->in_handler) {
		cxlemu_cci_poll(cci);
		return;
	}
	/* Completion is reported after the command that started it. */
	if (cci->cfg.host.schedule)
		cci->cfg.host.schedule(cci->cfg.host.opaque, cci_now(cci));
}

int cci_bg_abort(struct cxlemu_cci *cci)
{
	if (!cci->bg_running)
		return CXLEMU_MBOX_SUCCESS;
	cxlemu_cci_poll(cci);  /* it may have finished meanwhile */
	if (!cci->bg_running)
		return CXLEMU_MBOX_SUCCESS;
	if (!cci->bg_ops->abortable)
		return CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED;
	bg_end(cci, true);
	return CXLEMU_MBOX_SUCCESS;
}

bool cci_cmd_available(const struct cxlemu_cci *cci, const struct cci_cmd *c)
{
	return (c->ccis & cci->cfg.kind) && (!(c->flags & F_MEMDEV) || cci->md) &&
	       (!(c->flags & F_DC) || (cci->md && cci->md->dc)) &&
	       (!(c->flags & F_SWITCH) || cci->sw) && (!(c->flags & F_EVENTS) || cci->events) &&
	       (!(c->flags & F_MLD) || cci->mld) && (!(c->flags & F_TUNNEL) || cci->sw || cci->mld);
}

static const struct cci_cmd *find_cmd(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < cxlemu_cci_ncmds; i++)
		if (cxlemu_cci_cmds[i].opcode == opcode)
			return &cxlemu_cci_cmds[i];
	return NULL;
}

int cxlemu_cci_execute(struct cxlemu_cci *cci, uint16_t opcode, const void *in,
		       size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	const struct cci_cmd *c;
	struct cci_out o;
	size_t limit;
	int rc;

	if (!cci || !out_len || (in_len && !in) || (out_cap && !out))
		return -EINVAL;
	*out_len = 0;
	c = find_cmd(opcode);
	if (!c || !cci_cmd_available(cci, c)) {
		cxlemu_dbg(cci->ctx, "cci: opcode 0x%04x unsupported here", opcode);
		return CXLEMU_MBOX_UNSUPPORTED;
	}
	/* Background work due by now completes before anything else. */
	cxlemu_cci_poll(cci);
	/* Generic input length rule (8.2.9: Invalid Payload Length). */
	if ((c->rule == IN_EXACT && in_len != c->in_len) ||
	    (c->rule == IN_MIN && in_len < c->in_len)) {
		cxlemu_dbg(cci->ctx, "cci: %s: input of %zu bytes, %s %u", c->name, in_len,
			   c->rule == IN_EXACT ? "needs" : "needs at least", c->in_len);
		return CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH;
	}
	/* One background operation at a time (8.2.9.1.2). */
	if ((c->effects & EFFECT_BACKGROUND) && cci->bg_running)
		return CXLEMU_MBOX_BUSY;
	/* Media is unreachable while a sanitize or erase runs (8.2.9.9.5.1). */
	if ((c->flags & F_MEDIA) && cci->md && cci->md->media_disabled)
		return CXLEMU_MBOX_MEDIA_DISABLED;
	/* Responses never exceed the response message limit. */
	limit = (size_t)1 << cci->resp_limit;
	o.buf = out;
	o.cap = out_cap < limit ? out_cap : limit;
	o.len = 0;
	cci->in_handler = true;
	rc = c->fn(cci, in, in_len, &o);
	cci->in_handler = false;
	*out_len = rc == CXLEMU_MBOX_SUCCESS || rc == CXLEMU_MBOX_BG_STARTED ? o.len : 0;
	return rc;
}
