/* SPDX-License-Identifier: MIT */
/*
 * The fabric protocol's codec (docs/fabric-protocol.md): bytes to a checked
 * message and back.  Pure functions, so that they can be fuzzed and tested
 * on their own; what needs connection state (which VCS, which request ids
 * are outstanding) is checked by fabric_owner.c and fabric_host.c.
 */
#include <errno.h>
#include <string.h>

#include <cxlemu/fabric.h>

#include "../le.h"

/* Payload length of the fixed-size types; 0 marks a variable one. */
static int fixed_len(unsigned int type, size_t *len)
{
	static const uint8_t lens[] = {
		[CXLEMU_FABRIC_HELLO] = 0,  [CXLEMU_FABRIC_WELCOME] = 4,
		[CXLEMU_FABRIC_REFUSE] = 8, [CXLEMU_FABRIC_STATE] = 0,
		[CXLEMU_FABRIC_ATTACH] = 12, [CXLEMU_FABRIC_DETACH] = 12,
		[CXLEMU_FABRIC_DONE] = 8,   [CXLEMU_FABRIC_PING] = 8,
		[CXLEMU_FABRIC_PONG] = 8,   [CXLEMU_FABRIC_BYE] = 4,
		[CXLEMU_FABRIC_ERROR] = 4,
	};

	if (type < CXLEMU_FABRIC_HELLO || type > CXLEMU_FABRIC_ERROR)
		return -ENOMSG;
	*len = lens[type];
	return 0;
}

static bool ld_ok(unsigned int ld)
{
	return ld < CXLEMU_SWITCH_MAX_LDS || ld == CXLEMU_SWITCH_NO_LD;
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > CXLEMU_FABRIC_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* The checks shared by parse and encode: ids, ranges, codes. */
static int check_fields(const struct cxlemu_fabric_msg *m)
{
	unsigned int i;

	switch (m->type) {
	case CXLEMU_FABRIC_HELLO:
		if (m->min_version < 1 || m->max_version < m->min_version ||
		    m->vcs >= CXLEMU_SWITCH_MAX_VCS || !name_ok(m->name, strnlen(m->name, sizeof(m->name))))
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_WELCOME:
		if (m->max_version < 1 || m->vcs >= CXLEMU_SWITCH_MAX_VCS ||
		    m->nvppbs > CXLEMU_SWITCH_MAX_VPPBS)
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_REFUSE:
		if (m->code < CXLEMU_FABRIC_REFUSE_VERSION || m->code > CXLEMU_FABRIC_REFUSE_FULL ||
		    m->min_version < 1 || m->max_version < m->min_version)
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_STATE:
		if (m->vcs >= CXLEMU_SWITCH_MAX_VCS || m->count > CXLEMU_SWITCH_MAX_VPPBS)
			return -EINVAL;
		for (i = 0; i < m->count; i++) {
			const struct cxlemu_fabric_binding *b = &m->bindings[i];

			if (b->vppb >= CXLEMU_SWITCH_MAX_VPPBS || !ld_ok(b->ld_id) ||
			    (i && b->vppb <= m->bindings[i - 1].vppb))
				return -EINVAL;
		}
		return 0;
	case CXLEMU_FABRIC_ATTACH:
	case CXLEMU_FABRIC_DETACH:
		if (!m->req || m->vcs >= CXLEMU_SWITCH_MAX_VCS ||
		    m->vppb >= CXLEMU_SWITCH_MAX_VPPBS || !ld_ok(m->ld_id) ||
		    (m->type == CXLEMU_FABRIC_DETACH && m->mode > CXLEMU_UNBIND_SURPRISE))
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_DONE:
		if (!m->req || m->status > 0 || m->status < -4095)
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_ERROR:
		if (m->code < CXLEMU_FABRIC_ERR_FRAMING || m->code > CXLEMU_FABRIC_ERR_TIMEOUT)
			return -EINVAL;
		return 0;
	case CXLEMU_FABRIC_PING:
	case CXLEMU_FABRIC_PONG:
	case CXLEMU_FABRIC_BYE:
		return 0;
	default:
		return -ENOMSG;
	}
}

static bool zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Decodes a payload whose length the header gave; reserved bytes zero. */
static int decode(struct cxlemu_fabric_msg *m, const uint8_t *p, size_t n)
{
	size_t want;
	unsigned int i;

	if (fixed_len(m->type, &want))
		return -ENOMSG;
	if (want && n != want)
		return -EINVAL;
	switch (m->type) {
	case CXLEMU_FABRIC_HELLO:
		if (n < 8)
			return -EINVAL;
		m->min_version = (uint16_t)get_le(p, 2);
		m->max_version = (uint16_t)get_le(p + 2, 2);
		m->vcs = p[4];
		want = get_le(p + 6, 2);
		if (p[5] || want < 1 || want > CXLEMU_FABRIC_NAME_MAX || n != 8 + want ||
		    memchr(p + 8, 0, want))
			return -EINVAL;
		memcpy(m->name, p + 8, want);
		m->name[want] = '\0';
		break;
	case CXLEMU_FABRIC_WELCOME:
		m->max_version = (uint16_t)get_le(p, 2);
		m->vcs = p[2];
		m->nvppbs = p[3];
		break;
	case CXLEMU_FABRIC_REFUSE:
		m->code = (uint16_t)get_le(p, 2);
		m->min_version = (uint16_t)get_le(p + 2, 2);
		m->max_version = (uint16_t)get_le(p + 4, 2);
		if (!zero(p + 6, 2))
			return -EINVAL;
		break;
	case CXLEMU_FABRIC_STATE:
		if (n < 4 || !zero(p + 2, 2) || n != 4 + 4 * (size_t)p[1])
			return -EINVAL;
		m->vcs = p[0];
		m->count = p[1];
		for (i = 0; i < m->count; i++) {
			m->bindings[i].vppb = p[4 + 4 * i];
			m->bindings[i].port = p[5 + 4 * i];
			m->bindings[i].ld_id = (uint16_t)get_le(p + 6 + 4 * i, 2);
		}
		break;
	case CXLEMU_FABRIC_ATTACH:
	case CXLEMU_FABRIC_DETACH:
		m->req = (uint32_t)get_le(p, 4);
		m->vcs = p[4];
		m->vppb = p[5];
		m->port = p[6];
		if (m->type == CXLEMU_FABRIC_DETACH)
			m->mode = p[7];
		else if (p[7])
			return -EINVAL;
		m->ld_id = (uint16_t)get_le(p + 8, 2);
		if (!zero(p + 10, 2))
			return -EINVAL;
		break;
	case CXLEMU_FABRIC_DONE:
		m->req = (uint32_t)get_le(p, 4);
		/* Two's complement, without relying on a conversion of an
		 * out-of-range unsigned value. */
		{
			uint32_t s = (uint32_t)get_le(p + 4, 4);

			m->status = s & 0x80000000u ? -(int32_t)(~s) - 1 : (int32_t)s;
		}
		break;
	case CXLEMU_FABRIC_PING:
	case CXLEMU_FABRIC_PONG:
		m->token = get_le(p, 8);
		break;
	case CXLEMU_FABRIC_BYE:
		m->code = (uint16_t)get_le(p, 2);
		if (!zero(p + 2, 2))
			return -EINVAL;
		break;
	case CXLEMU_FABRIC_ERROR:
		m->code = (uint16_t)get_le(p, 2);
		m->bad_type = (uint16_t)get_le(p + 2, 2);
		break;
	default:
		return -ENOMSG;
	}
	return check_fields(m);
}

int cxlemu_fabric_msg_parse(const uint8_t *buf, size_t len, struct cxlemu_fabric_msg *msg,
			    size_t *used)
{
	struct cxlemu_fabric_msg m;
	size_t plen;
	int rc;

	if (!buf || !msg || !used)
		return -EINVAL;
	if (len < CXLEMU_FABRIC_HDR_SIZE)
		return -EAGAIN;
	if (get_le(buf, 4) != CXLEMU_FABRIC_MAGIC)
		return -EBADMSG;
	plen = (size_t)get_le(buf + 8, 4);
	if (plen > CXLEMU_FABRIC_MAX_PAYLOAD)
		return -EBADMSG;
	if (len < CXLEMU_FABRIC_HDR_SIZE + plen)
		return -EAGAIN;
	*used = CXLEMU_FABRIC_HDR_SIZE + plen;
	memset(&m, 0, sizeof(m));
	m.version = (uint16_t)get_le(buf + 4, 2);
	m.type = (uint16_t)get_le(buf + 6, 2);
	if (m.version != CXLEMU_FABRIC_VERSION)
		return -EPROTONOSUPPORT;
	rc = decode(&m, buf + CXLEMU_FABRIC_HDR_SIZE, plen);
	if (rc)
		return rc;
	*msg = m;
	return 0;
}

int cxlemu_fabric_msg_encode(const struct cxlemu_fabric_msg *m, uint8_t *buf, size_t cap,
			     size_t *len)
{
	uint8_t *p = buf + CXLEMU_FABRIC_HDR_SIZE;
	size_t n;
	unsigned int i;

	if (!m || !buf || !len || fixed_len(m->type, &n) || check_fields(m))
		return -EINVAL;
	if (m->type == CXLEMU_FABRIC_HELLO)
		n = 8 + strlen(m->name);
	else if (m->type == CXLEMU_FABRIC_STATE)
		n = 4 + 4 * (size_t)m->count;
	if (cap < CXLEMU_FABRIC_HDR_SIZE + n)
		return -ENOSPC;
	memset(buf, 0, CXLEMU_FABRIC_HDR_SIZE + n);
	put_le(buf, CXLEMU_FABRIC_MAGIC, 4);
	put_le(buf + 4, CXLEMU_FABRIC_VERSION, 2);
	put_le(buf + 6, m->type, 2);
	put_le(buf + 8, n, 4);
	switch (m->type) {
	case CXLEMU_FABRIC_HELLO:
		put_le(p, m->min_version, 2);
		put_le(p + 2, m->max_version, 2);
		p[4] = m->vcs;
		put_le(p + 6, n - 8, 2);
		memcpy(p + 8, m->name, n - 8);
		break;
	case CXLEMU_FABRIC_WELCOME:
		put_le(p, m->max_version, 2);
		p[2] = m->vcs;
		p[3] = (uint8_t)m->nvppbs;
		break;
	case CXLEMU_FABRIC_REFUSE:
		put_le(p, m->code, 2);
		put_le(p + 2, m->min_version, 2);
		put_le(p + 4, m->max_version, 2);
		break;
	case CXLEMU_FABRIC_STATE:
		p[0] = m->vcs;
		p[1] = (uint8_t)m->count;
		for (i = 0; i < m->count; i++) {
			p[4 + 4 * i] = m->bindings[i].vppb;
			p[5 + 4 * i] = m->bindings[i].port;
			put_le(p + 6 + 4 * i, m->bindings[i].ld_id, 2);
		}
		break;
	case CXLEMU_FABRIC_ATTACH:
	case CXLEMU_FABRIC_DETACH:
		put_le(p, m->req, 4);
		p[4] = m->vcs;
		p[5] = m->vppb;
		p[6] = m->port;
		p[7] = m->type == CXLEMU_FABRIC_DETACH ? m->mode : 0;
		put_le(p + 8, m->ld_id, 2);
		break;
	case CXLEMU_FABRIC_DONE:
		put_le(p, m->req, 4);
		put_le(p + 4, (uint32_t)m->status, 4);
		break;
	case CXLEMU_FABRIC_PING:
	case CXLEMU_FABRIC_PONG:
		put_le(p, m->token, 8);
		break;
	case CXLEMU_FABRIC_BYE:
		put_le(p, m->code, 2);
		break;
	case CXLEMU_FABRIC_ERROR:
		put_le(p, m->code, 2);
		put_le(p + 2, m->bad_type, 2);
		break;
	default:
		return -EINVAL;
	}
	*len = CXLEMU_FABRIC_HDR_SIZE + n;
	return 0;
}
