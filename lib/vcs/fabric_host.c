/* SPDX-License-Identifier: MIT */
/*
 * A host process's end of the fabric protocol (docs/fabric-protocol.md):
 * HELLO for its VCS, then ATTACH and DETACH carried out through the host's
 * callbacks and answered with DONE, at once or later.  It keeps its own
 * view of its vPPBs to refuse requests that contradict it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric_priv.h"
#include "../usock.h"

struct host_vppb {
	uint8_t state;   /* enum cxlemu_vppb_state */
	uint8_t port;
	uint16_t ld_id;
	uint32_t req;    /* outstanding request, 0 none */
};

struct cxlemu_fabric_host {
	struct cxlemu_ctx *ctx;
	struct cxlemu_fabric_host_config cfg;
	char name[CXLEMU_FABRIC_NAME_MAX + 1];
	struct fab_conn c;
	int state;       /* enum cxlemu_fabric_host_state */
	bool got_state;  /* STATE received */
	unsigned int nvppbs;
	struct host_vppb vppb[CXLEMU_SWITCH_MAX_VPPBS];
};

static uint64_t now(const struct cxlemu_fabric_host *h)
{
	return cxlemu_ctx_now_ns(h->ctx);
}

int cxlemu_fabric_host_new(struct cxlemu_ctx *ctx, const struct cxlemu_fabric_host_config *cfg,
			   struct cxlemu_fabric_host **out)
{
	struct cxlemu_fabric_host *h;
	uint8_t buf[CXLEMU_FABRIC_MAX_MSG];
	struct cxlemu_fabric_msg m;
	size_t n, len;

	if (!out || !cfg) {
		if (cfg && cfg->fd >= 0)
			close(cfg->fd);
		return -EINVAL;
	}
	*out = NULL;
	n = cfg->name ? strnlen(cfg->name, CXLEMU_FABRIC_NAME_MAX + 1) : 0;
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_HELLO;
	m.min_version = CXLEMU_FABRIC_VERSION;
	m.max_version = CXLEMU_FABRIC_VERSION;
	m.vcs = (uint8_t)cfg->vcs;
	if (n && n <= CXLEMU_FABRIC_NAME_MAX)
		memcpy(m.name, cfg->name, n);
	if (cfg->version != CXLEMU_FABRIC_HOST_CONFIG_VERSION || cfg->fd < 0 ||
	    cfg->vcs >= CXLEMU_SWITCH_MAX_VCS || !cfg->attach || !cfg->detach ||
	    n > CXLEMU_FABRIC_NAME_MAX || cxlemu_fabric_msg_encode(&m, buf, sizeof(buf), &len)) {
		cxlemu_err(ctx, "fabric: host config: version, socket, VCS, callbacks or name "
				"(1..64 printable characters) wrong");
		if (cfg->fd >= 0)
			close(cfg->fd);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h || cxlemu_fd_nonblock(cfg->fd, false)) {
		free(h);
		close(cfg->fd);
		return h ? -EINVAL : -ENOMEM;
	}
	h->ctx = ctx;
	h->cfg = *cfg;
	memcpy(h->name, m.name, sizeof(h->name));
	h->cfg.name = h->name;
	fab_conn_init(&h->c, cfg->fd, now(h), cfg->ping_interval_ms, cfg->timeout_ms);
	fab_conn_send(&h->c, &m);
	*out = h;
	return 0;
}

void cxlemu_fabric_host_free(struct cxlemu_fabric_host *h)
{
	struct cxlemu_fabric_msg m;

	if (!h)
		return;
	if (!h->c.err) {
		memset(&m, 0, sizeof(m));
		m.type = CXLEMU_FABRIC_BYE;
		fab_conn_send(&h->c, &m);
	}
	fab_conn_close(&h->c);
	free(h);
}

static void send_done(struct cxlemu_fabric_host *h, unsigned int j, int status)
{
	struct host_vppb *v = &h->vppb[j];
	struct cxlemu_fabric_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_DONE;
	m.req = v->req;
	m.status = status;
	v->req = 0;
	if (v->state == CXLEMU_VPPB_BINDING && status == 0)
		v->state = v->ld_id != CXLEMU_SWITCH_NO_LD ? CXLEMU_VPPB_BOUND_LD :
							     CXLEMU_VPPB_BOUND_PORT;
	else if (v->state == CXLEMU_VPPB_UNBINDING && status != 0)
		v->state = v->ld_id != CXLEMU_SWITCH_NO_LD ? CXLEMU_VPPB_BOUND_LD :
							     CXLEMU_VPPB_BOUND_PORT;
	else
		v->state = CXLEMU_VPPB_UNBOUND;
	if (v->state == CXLEMU_VPPB_UNBOUND) {
		v->port = 0;
		v->ld_id = CXLEMU_SWITCH_NO_LD;
	}
	fab_conn_send(&h->c, &m);
}

/* A callback's answer: done now (0 or an errno) or later. */
static void answer(struct cxlemu_fabric_host *h, unsigned int j, uint32_t req, int rc)
{
	if (rc == CXLEMU_FABRIC_PENDING || h->vppb[j].req != req)
		return;  /* later, or already answered from inside the callback */
	if (rc > 0 || rc < -4095)
		rc = -EIO;
	send_done(h, j, rc);
}

static void request(struct cxlemu_fabric_host *h, const struct cxlemu_fabric_msg *m)
{
	struct host_vppb *v;
	bool attach = m->type == CXLEMU_FABRIC_ATTACH;
	int rc;

	if (m->vcs != h->cfg.vcs || m->vppb >= h->nvppbs) {
		cxlemu_err(h->ctx, "fabric: request %u for VCS %u vPPB %u, not ours", m->req,
			   m->vcs, m->vppb);
		fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_FIELD, m->type, -EPROTO);
		return;
	}
	/* A request id names one outstanding request: a second one with the
	 * same id (on any vPPB) could not be told apart in DONE. */
	for (unsigned int k = 0; k < h->nvppbs; k++)
		if (h->vppb[k].req == m->req) {
			cxlemu_err(h->ctx, "fabric: request id %u already outstanding", m->req);
			fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_REQUEST, m->type, -EPROTO);
			return;
		}
	v = &h->vppb[m->vppb];
	if (v->req || (attach ? v->state != CXLEMU_VPPB_UNBOUND :
				(v->state == CXLEMU_VPPB_UNBOUND || v->port != m->port ||
				 v->ld_id != m->ld_id))) {
		cxlemu_err(h->ctx, "fabric: %s of vPPB %u contradicts its state %u",
			   attach ? "ATTACH" : "DETACH", m->vppb, v->state);
		fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_UNEXPECTED, m->type, -EPROTO);
		return;
	}
	v->req = m->req;
	v->port = m->port;
	v->ld_id = m->ld_id;
	v->state = attach ? CXLEMU_VPPB_BINDING : CXLEMU_VPPB_UNBINDING;
	if (attach)
		rc = h->cfg.attach(h->cfg.opaque, m->req, m->vppb, m->port, m->ld_id);
	else
		rc = h->cfg.detach(h->cfg.opaque, m->req, m->vppb, m->port, m->ld_id, m->mode);
	if (!h->c.err)
		answer(h, m->vppb, m->req, rc);
}

static void state(struct cxlemu_fabric_host *h, const struct cxlemu_fabric_msg *m)
{
	unsigned int i;

	if (m->vcs != h->cfg.vcs || (m->count && m->bindings[m->count - 1].vppb >= h->nvppbs)) {
		fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_FIELD, m->type, -EPROTO);
		return;
	}
	h->got_state = true;
	for (i = 0; i < m->count; i++) {
		const struct cxlemu_fabric_binding *b = &m->bindings[i];
		struct host_vppb *v = &h->vppb[b->vppb];

		v->port = b->port;
		v->ld_id = b->ld_id;
		v->state = b->ld_id != CXLEMU_SWITCH_NO_LD ? CXLEMU_VPPB_BOUND_LD :
							    CXLEMU_VPPB_BOUND_PORT;
		if (h->cfg.bound)
			h->cfg.bound(h->cfg.opaque, b->vppb, b->port, b->ld_id);
	}
}

static void handle(struct cxlemu_fabric_host *h, const struct cxlemu_fabric_msg *m)
{
	struct cxlemu_fabric_msg r;

	switch (m->type) {
	case CXLEMU_FABRIC_REFUSE:
	case CXLEMU_FABRIC_WELCOME:
		if (h->state != CXLEMU_FABRIC_HOST_CONNECTING)
			break;
		if (m->type == CXLEMU_FABRIC_REFUSE) {
			cxlemu_err(h->ctx, "fabric: the owner refused VCS %u (reason %u)",
				   h->cfg.vcs, m->code);
			h->c.err = -ECONNREFUSED;
		} else if (m->vcs != h->cfg.vcs || m->max_version != CXLEMU_FABRIC_VERSION) {
			fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_FIELD, m->type, -EPROTO);
		} else {
			h->state = CXLEMU_FABRIC_HOST_WELCOMED;
			h->nvppbs = m->nvppbs;
		}
		return;
	case CXLEMU_FABRIC_STATE:
		if (h->state != CXLEMU_FABRIC_HOST_WELCOMED || h->got_state)
			break;
		state(h, m);
		return;
	case CXLEMU_FABRIC_ATTACH:
	case CXLEMU_FABRIC_DETACH:
		if (!h->got_state)
			break;
		request(h, m);
		return;
	case CXLEMU_FABRIC_PING:
		if (!h->got_state)
			break;
		memset(&r, 0, sizeof(r));
		r.type = CXLEMU_FABRIC_PONG;
		r.token = m->token;
		fab_conn_send(&h->c, &r);
		return;
	case CXLEMU_FABRIC_PONG:
		if (!h->got_state)
			break;
		return;
	case CXLEMU_FABRIC_BYE:
		h->c.err = -ECONNRESET;
		return;
	case CXLEMU_FABRIC_ERROR:
		cxlemu_err(h->ctx, "fabric: the owner reports protocol error %u on type %u",
			   m->code, m->bad_type);
		h->c.err = -EPROTO;
		return;
	default:
		break;
	}
	fab_conn_fail(&h->c, CXLEMU_FABRIC_ERR_UNEXPECTED, m->type, -EPROTO);
}

int cxlemu_fabric_host_service(struct cxlemu_fabric_host *h)
{
	struct cxlemu_fabric_msg m;
	uint64_t t;
	unsigned int k;

	if (!h)
		return -EINVAL;
	if (h->state == CXLEMU_FABRIC_HOST_CLOSED)
		return h->c.err;
	t = now(h);
	h->c.more = false;
	for (k = 0; !h->c.err; k++) {
		int rc;

		if (k == FAB_MSGS_PER_SERVICE) {
			h->c.more = true;
			break;
		}
		rc = fab_conn_next(&h->c, &m, t);
		if (rc == -EAGAIN)
			break;
		if (rc == -ECONNRESET) {
			h->c.err = rc;
			break;
		}
		if (rc) {
			cxlemu_err(h->ctx, "fabric: malformed message from the owner (%d)", rc);
			fab_conn_fail(&h->c, fab_parse_error_code(rc), fab_conn_in_type(&h->c),
				      -EPROTO);
			break;
		}
		handle(h, &m);
	}
	if (!h->c.err)
		fab_conn_flush(&h->c);
	fab_conn_timers(&h->c, t, true);
	if (h->c.err) {
		cxlemu_warn(h->ctx, "fabric: connection of VCS %u to the owner over (%d)",
			    h->cfg.vcs, h->c.err);
		fab_conn_close(&h->c);
		h->state = CXLEMU_FABRIC_HOST_CLOSED;
		return h->c.err;
	}
	return 0;
}

int cxlemu_fabric_host_pollfd(const struct cxlemu_fabric_host *h, struct pollfd *pfd)
{
	if (!h || !pfd)
		return -EINVAL;
	pfd->fd = h->c.fd;
	pfd->events = h->c.fd >= 0 ? fab_conn_events(&h->c) : 0;
	pfd->revents = 0;
	return h->c.fd >= 0 ? 0 : -ENOTCONN;
}

uint64_t cxlemu_fabric_host_deadline(const struct cxlemu_fabric_host *h)
{
	if (!h || h->state == CXLEMU_FABRIC_HOST_CLOSED)
		return UINT64_MAX;
	return fab_conn_deadline(&h->c, true);
}

int cxlemu_fabric_host_done(struct cxlemu_fabric_host *h, uint32_t req, int status)
{
	unsigned int j;

	if (!h || status > 0 || status < -4095)
		return -EINVAL;
	if (!req)
		return -ENOENT;
	for (j = 0; j < h->nvppbs; j++)
		if (h->vppb[j].req == req)
			break;
	if (j == h->nvppbs)
		return h->c.err ? -ENOTCONN : -ENOENT;
	if (h->c.err) {
		h->vppb[j].req = 0;
		return -ENOTCONN;
	}
	send_done(h, j, status);
	return 0;
}

int cxlemu_fabric_host_state(const struct cxlemu_fabric_host *h)
{
	return h ? h->state : CXLEMU_FABRIC_HOST_CLOSED;
}

int cxlemu_fabric_host_vppb(const struct cxlemu_fabric_host *h, unsigned int vppb,
			    struct cxlemu_switch_vppb_info *info)
{
	const struct host_vppb *v;

	if (!h || !info || h->state == CXLEMU_FABRIC_HOST_CONNECTING || vppb >= h->nvppbs)
		return -EINVAL;
	v = &h->vppb[vppb];
	memset(info, 0, sizeof(*info));
	info->state = v->state;
	info->port = v->port;
	info->ld_id = v->state == CXLEMU_VPPB_UNBOUND ? CXLEMU_SWITCH_NO_LD : v->ld_id;
	return 0;
}
