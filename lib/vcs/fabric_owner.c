/* SPDX-License-Identifier: MIT */
/*
 * The owner's end of the fabric protocol (docs/fabric-protocol.md): it
 * holds the switch, accepts one host process per VCS, turns the switch's
 * attach/detach host callbacks into ATTACH/DETACH messages to the host of
 * that VCS and its DONEs into cxlemu_switch_host_done(); when a host goes
 * away, its VCS loses its bindings (vcs_host_lost()).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fabric_priv.h"
#include "../usock.h"
#include "vcs_priv.h"

/* Connections waiting for their HELLO, beyond one per VCS. */
#define OWNER_SPARE_CONNS 8u
#define OWNER_MAX_CONNS (CXLEMU_SWITCH_MAX_VCS + OWNER_SPARE_CONNS)

struct owner_conn {
	struct fab_conn c;
	bool welcomed;
	unsigned int vcs;
	char name[CXLEMU_FABRIC_NAME_MAX + 1];
	/* Request outstanding per vPPB of the VCS, 0 for none. */
	uint32_t req[CXLEMU_SWITCH_MAX_VPPBS];
	unsigned int pending;
};

struct cxlemu_fabric_owner {
	struct cxlemu_ctx *ctx;
	struct cxlemu_switch *sw;
	struct cxlemu_fabric_owner_config cfg;
	struct cxlemu_switch_host saved; /* the switch's callbacks before us */
	struct owner_conn *conns[OWNER_MAX_CONNS];
	unsigned int nconns, max_conns;
	struct owner_conn *by_vcs[CXLEMU_SWITCH_MAX_VCS];
	uint32_t next_req;
};

static uint64_t now(const struct cxlemu_fabric_owner *o)
{
	return cxlemu_ctx_now_ns(o->ctx);
}

/* The host of @vcs, if one is welcomed and alive. */
static struct owner_conn *host_of(struct cxlemu_fabric_owner *o, unsigned int vcs)
{
	struct owner_conn *oc = vcs < CXLEMU_SWITCH_MAX_VCS ? o->by_vcs[vcs] : NULL;

	return oc && !oc->c.err ? oc : NULL;
}

static int send_request(struct cxlemu_fabric_owner *o, unsigned int type, unsigned int vcs,
			unsigned int vppb, unsigned int port, unsigned int ld, unsigned int mode)
{
	struct owner_conn *oc = host_of(o, vcs);
	struct cxlemu_fabric_msg m;
	int rc;

	if (!oc) {
		cxlemu_err(o->ctx, "fabric: VCS %u has no host process connected", vcs);
		return -ENOTCONN;
	}
	if (vppb >= CXLEMU_SWITCH_MAX_VPPBS || oc->req[vppb])
		return -EBUSY;
	memset(&m, 0, sizeof(m));
	m.type = (uint16_t)type;
	if (!++o->next_req)
		o->next_req = 1;
	m.req = o->next_req;
	m.vcs = (uint8_t)vcs;
	m.vppb = (uint8_t)vppb;
	m.port = (uint8_t)port;
	m.ld_id = (uint16_t)ld;
	m.mode = (uint8_t)mode;
	rc = fab_conn_send(&oc->c, &m);
	if (rc) {
		cxlemu_err(o->ctx, "fabric: VCS %u: cannot reach host '%s' (%d)", vcs, oc->name, rc);
		return rc;
	}
	oc->req[vppb] = m.req;
	oc->pending++;
	return 0;
}

/* The switch's host callbacks while the owner is installed. */
static int owner_attach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
			unsigned int ld_id)
{
	return send_request(opaque, CXLEMU_FABRIC_ATTACH, vcs, vppb, port, ld_id, 0);
}

static int owner_detach(void *opaque, unsigned int vcs, unsigned int vppb, unsigned int port,
			unsigned int ld_id, unsigned int mode)
{
	struct cxlemu_fabric_owner *o = opaque;

	/* No host sees the endpoint: nothing to hot-remove. */
	if (!host_of(o, vcs))
		return cxlemu_switch_host_done(o->sw, vcs, vppb, 0);
	return send_request(o, CXLEMU_FABRIC_DETACH, vcs, vppb, port, ld_id, mode);
}

static void owner_event_irq(void *opaque, unsigned int log, unsigned int mode,
			    unsigned int vector)
{
	struct cxlemu_fabric_owner *o = opaque;

	o->saved.event_irq(o->saved.opaque, log, mode, vector);
}

static void owner_aer(void *opaque, unsigned int vcs, unsigned int instance,
		      unsigned int severity, unsigned int bit, const uint8_t header[32])
{
	struct cxlemu_fabric_owner *o = opaque;

	o->saved.aer(o->saved.opaque, vcs, instance, severity, bit, header);
}

int cxlemu_fabric_owner_new(struct cxlemu_ctx *ctx, struct cxlemu_switch *sw,
			    const struct cxlemu_fabric_owner_config *cfg,
			    struct cxlemu_fabric_owner **out)
{
	struct cxlemu_fabric_owner *o;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!sw || !cfg || cfg->version != CXLEMU_FABRIC_OWNER_CONFIG_VERSION) {
		cxlemu_err(ctx, "fabric: owner needs a switch and a version %u config",
			   CXLEMU_FABRIC_OWNER_CONFIG_VERSION);
		return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->ctx = ctx;
	o->sw = sw;
	o->cfg = *cfg;
	o->max_conns = sw->cfg.nvcs + OWNER_SPARE_CONNS;
	o->saved = sw->cfg.host;
	sw->cfg.host.attach = owner_attach;
	sw->cfg.host.detach = owner_detach;
	sw->cfg.host.aer = o->saved.aer ? owner_aer : NULL;
	sw->cfg.host.event_irq = o->saved.event_irq ? owner_event_irq : NULL;
	sw->cfg.host.opaque = o;
	*out = o;
	return 0;
}

int cxlemu_fabric_owner_add_fd(struct cxlemu_fabric_owner *o, int fd)
{
	struct owner_conn *oc;

	if (!o || fd < 0) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (o->nconns >= o->max_conns) {
		struct cxlemu_fabric_msg m;
		uint8_t buf[64];
		size_t len;

		cxlemu_warn(o->ctx, "fabric: %u connections already, one more refused",
			    o->nconns);
		/* Best effort, never blocking: tell the peer why (REFUSE 4). */
		memset(&m, 0, sizeof(m));
		m.type = CXLEMU_FABRIC_REFUSE;
		m.code = CXLEMU_FABRIC_REFUSE_FULL;
		m.min_version = CXLEMU_FABRIC_VERSION;
		m.max_version = CXLEMU_FABRIC_VERSION;
		if (!cxlemu_fabric_msg_encode(&m, buf, sizeof(buf), &len))
			(void)!send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return -EMFILE;
	}
	oc = calloc(1, sizeof(*oc));
	if (!oc || cxlemu_fd_nonblock(fd, true)) {
		free(oc);
		close(fd);
		return oc ? -EINVAL : -ENOMEM;
	}
	fab_conn_init(&oc->c, fd, now(o), o->cfg.ping_interval_ms, o->cfg.timeout_ms);
	o->conns[o->nconns++] = oc;
	return 0;
}

/* Ends a connection: its VCS loses what the host held. */
static void drop(struct cxlemu_fabric_owner *o, unsigned int i)
{
	struct owner_conn *oc = o->conns[i];
	int err = oc->c.err ? oc->c.err : -ECONNRESET;

	fab_conn_close(&oc->c);
	o->conns[i] = o->conns[--o->nconns];
	o->conns[o->nconns] = NULL;
	if (oc->welcomed) {
		o->by_vcs[oc->vcs] = NULL;
		cxlemu_warn(o->ctx, "fabric: host '%s' of VCS %u gone (%d): its vPPBs are unbound",
			    oc->name, oc->vcs, err);
		vcs_host_lost(o->sw, oc->vcs, -ENOTCONN);
		if (o->cfg.host_changed)
			o->cfg.host_changed(o->cfg.opaque, oc->vcs, false, oc->name);
	}
	free(oc);
}

static void refuse(struct owner_conn *oc, unsigned int reason)
{
	struct cxlemu_fabric_msg m;

	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_REFUSE;
	m.code = (uint16_t)reason;
	m.min_version = CXLEMU_FABRIC_VERSION;
	m.max_version = CXLEMU_FABRIC_VERSION;
	fab_conn_send(&oc->c, &m);
	if (!oc->c.err)
		oc->c.err = -ECONNREFUSED;
}

static void hello(struct cxlemu_fabric_owner *o, struct owner_conn *oc,
		  const struct cxlemu_fabric_msg *h)
{
	const struct cxlemu_switch *sw = o->sw;
	struct cxlemu_fabric_msg m;
	unsigned int j;

	if (h->min_version > CXLEMU_FABRIC_VERSION || h->max_version < CXLEMU_FABRIC_VERSION) {
		cxlemu_warn(o->ctx, "fabric: host '%s' speaks versions %u..%u only", h->name,
			    h->min_version, h->max_version);
		refuse(oc, CXLEMU_FABRIC_REFUSE_VERSION);
		return;
	}
	if (h->vcs >= sw->cfg.nvcs || !sw->vcs[h->vcs].cfg.enabled) {
		cxlemu_warn(o->ctx, "fabric: host '%s': no VCS %u", h->name, h->vcs);
		refuse(oc, CXLEMU_FABRIC_REFUSE_NO_VCS);
		return;
	}
	if (host_of(o, h->vcs)) {
		cxlemu_warn(o->ctx, "fabric: host '%s': VCS %u is served by '%s'", h->name,
			    h->vcs, o->by_vcs[h->vcs]->name);
		refuse(oc, CXLEMU_FABRIC_REFUSE_TAKEN);
		return;
	}
	if (o->by_vcs[h->vcs]) {
		/* The previous host died in this round and is not dropped yet:
		 * its loss takes effect now, so that the drop later does not
		 * touch the new host's VCS. */
		struct owner_conn *old = o->by_vcs[h->vcs];

		o->by_vcs[h->vcs] = NULL;
		old->welcomed = false;
		cxlemu_warn(o->ctx, "fabric: host '%s' of VCS %u gone: its vPPBs are unbound",
			    old->name, h->vcs);
		vcs_host_lost(o->sw, h->vcs, -ENOTCONN);
		if (o->cfg.host_changed)
			o->cfg.host_changed(o->cfg.opaque, h->vcs, false, old->name);
	}
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_WELCOME;
	m.max_version = CXLEMU_FABRIC_VERSION;
	m.vcs = h->vcs;
	m.nvppbs = sw->vcs[h->vcs].cfg.nvppbs;
	if (fab_conn_send(&oc->c, &m))
		return;
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_STATE;
	m.vcs = h->vcs;
	for (j = 0; j < sw->vcs[h->vcs].cfg.nvppbs; j++) {
		const struct vcs_vppb *v = &sw->vcs[h->vcs].vppb[j];

		if (v->state != CXLEMU_VPPB_BOUND_PORT && v->state != CXLEMU_VPPB_BOUND_LD)
			continue;
		m.bindings[m.count].vppb = (uint8_t)j;
		m.bindings[m.count].port = v->port;
		m.bindings[m.count].ld_id = v->ld_id;
		m.count++;
	}
	if (fab_conn_send(&oc->c, &m))
		return;
	oc->welcomed = true;
	oc->vcs = h->vcs;
	memcpy(oc->name, h->name, sizeof(oc->name));
	o->by_vcs[h->vcs] = oc;
	cxlemu_info(o->ctx, "fabric: host '%s' serves VCS %u (%u vPPBs bound)", oc->name,
		    oc->vcs, m.count);
	if (o->cfg.host_changed)
		o->cfg.host_changed(o->cfg.opaque, oc->vcs, true, oc->name);
}

static void done(struct cxlemu_fabric_owner *o, struct owner_conn *oc,
		 const struct cxlemu_fabric_msg *m)
{
	unsigned int j, n = o->sw->vcs[oc->vcs].cfg.nvppbs;

	for (j = 0; j < n; j++)
		if (oc->req[j] == m->req)
			break;
	if (j == n) {
		cxlemu_err(o->ctx, "fabric: host '%s': DONE for unknown request %u", oc->name,
			   m->req);
		fab_conn_fail(&oc->c, CXLEMU_FABRIC_ERR_REQUEST, m->type, -EPROTO);
		return;
	}
	oc->req[j] = 0;
	oc->pending--;
	if (cxlemu_switch_host_done(o->sw, oc->vcs, j, m->status))
		cxlemu_warn(o->ctx, "fabric: VCS %u vPPB %u: no operation waited for request %u",
			    oc->vcs, j, m->req);
}

static void handle(struct cxlemu_fabric_owner *o, struct owner_conn *oc,
		   const struct cxlemu_fabric_msg *m)
{
	struct cxlemu_fabric_msg r;

	if (!oc->welcomed) {
		if (m->type == CXLEMU_FABRIC_HELLO)
			hello(o, oc, m);
		else
			fab_conn_fail(&oc->c, CXLEMU_FABRIC_ERR_UNEXPECTED, m->type, -EPROTO);
		return;
	}
	switch (m->type) {
	case CXLEMU_FABRIC_DONE:
		done(o, oc, m);
		break;
	case CXLEMU_FABRIC_PING:
		memset(&r, 0, sizeof(r));
		r.type = CXLEMU_FABRIC_PONG;
		r.token = m->token;
		fab_conn_send(&oc->c, &r);
		break;
	case CXLEMU_FABRIC_PONG:
		break;
	case CXLEMU_FABRIC_BYE:
		oc->c.err = -ECONNRESET;
		break;
	case CXLEMU_FABRIC_ERROR:
		cxlemu_err(o->ctx, "fabric: host '%s' reports protocol error %u on type %u",
			   oc->name, m->code, m->bad_type);
		oc->c.err = -EPROTO;
		break;
	default:
		fab_conn_fail(&oc->c, CXLEMU_FABRIC_ERR_UNEXPECTED, m->type, -EPROTO);
		break;
	}
}

static void receive(struct cxlemu_fabric_owner *o, struct owner_conn *oc, uint64_t t)
{
	struct cxlemu_fabric_msg m;
	unsigned int k;

	oc->c.more = false;
	for (k = 0; !oc->c.err; k++) {
		int rc;

		if (k == FAB_MSGS_PER_SERVICE) {
			oc->c.more = true;
			return;
		}
		rc = fab_conn_next(&oc->c, &m, t);
		if (rc == -EAGAIN)
			return;
		if (rc == -ECONNRESET) {
			oc->c.err = rc;
			return;
		}
		if (rc) {
			unsigned int type = fab_conn_in_type(&oc->c);

			cxlemu_err(o->ctx, "fabric: malformed message (type %u) from %s: %d", type,
				   oc->welcomed ? oc->name : "a new connection", rc);
			/* A HELLO of another version gets its REFUSE. */
			if (!oc->welcomed && rc == -EPROTONOSUPPORT && type == CXLEMU_FABRIC_HELLO)
				refuse(oc, CXLEMU_FABRIC_REFUSE_VERSION);
			else
				fab_conn_fail(&oc->c, fab_parse_error_code(rc), type, -EPROTO);
			return;
		}
		handle(o, oc, &m);
	}
}

int cxlemu_fabric_owner_service(struct cxlemu_fabric_owner *o)
{
	uint64_t t;
	unsigned int i;

	if (!o)
		return -EINVAL;
	t = now(o);
	while (o->cfg.listen_fd >= 0) {
		int fd = accept(o->cfg.listen_fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				cxlemu_err(o->ctx, "fabric: accept failed (%d)", -errno);
			break;
		}
		(void)cxlemu_fabric_owner_add_fd(o, fd);
	}
	for (i = 0; i < o->nconns; i++) {
		struct owner_conn *oc = o->conns[i];

		receive(o, oc, t);
		if (!oc->c.err)
			fab_conn_flush(&oc->c);
		fab_conn_timers(&oc->c, t, oc->welcomed);
	}
	for (i = o->nconns; i-- > 0;)
		if (o->conns[i]->c.err)
			drop(o, i);
	return 0;
}

size_t cxlemu_fabric_owner_pollfds(const struct cxlemu_fabric_owner *o, struct pollfd *fds,
				   size_t max)
{
	size_t n = 0;
	unsigned int i;

	if (!o)
		return 0;
	if (o->cfg.listen_fd >= 0) {
		if (fds && n < max)
			fds[n] = (struct pollfd){ .fd = o->cfg.listen_fd, .events = POLLIN };
		n++;
	}
	for (i = 0; i < o->nconns; i++) {
		if (fds && n < max)
			fds[n] = (struct pollfd){ .fd = o->conns[i]->c.fd,
						  .events = fab_conn_events(&o->conns[i]->c) };
		n++;
	}
	return n;
}

uint64_t cxlemu_fabric_owner_deadline(const struct cxlemu_fabric_owner *o)
{
	uint64_t t = UINT64_MAX;
	unsigned int i;

	if (!o)
		return t;
	for (i = 0; i < o->nconns; i++) {
		uint64_t d = fab_conn_deadline(&o->conns[i]->c, o->conns[i]->welcomed);

		if (d < t)
			t = d;
	}
	return t;
}

int cxlemu_fabric_owner_host_info(const struct cxlemu_fabric_owner *o, unsigned int vcs,
				  struct cxlemu_fabric_host_info *info)
{
	const struct owner_conn *oc;

	if (!o || !info || vcs >= o->sw->cfg.nvcs)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	oc = o->by_vcs[vcs];
	if (!oc)
		return 0;
	info->connected = !oc->c.err;
	info->pending = oc->pending;
	memcpy(info->name, oc->name, sizeof(info->name));
	return 0;
}

void cxlemu_fabric_owner_free(struct cxlemu_fabric_owner *o)
{
	struct cxlemu_fabric_msg m;

	if (!o)
		return;
	memset(&m, 0, sizeof(m));
	m.type = CXLEMU_FABRIC_BYE;
	while (o->nconns) {
		struct owner_conn *oc = o->conns[o->nconns - 1];

		if (!oc->c.err) {
			fab_conn_send(&oc->c, &m);
			oc->c.err = -ECONNRESET;
		}
		drop(o, o->nconns - 1);
	}
	o->sw->cfg.host = o->saved;
	free(o);
}
