/* SPDX-License-Identifier: MIT */
/* The command table: every command of every CCI, in one place. */
#include "cci_priv.h"
#include "cmds.h"

#define ALL (CXLEMU_CCI_MAILBOX | CXLEMU_CCI_SWITCH | CXLEMU_CCI_LD_FM | CXLEMU_CCI_MCTP)

const struct cci_cmd cxlemu_cci_cmds[] = {
	/* Generic component commands (8.2.9.1). */
	{ 0x0001, "Identify", cci_identify, IN_EXACT, 0, 0, ALL },
	{ 0x0002, "Background Operation Status", cci_bg_status, IN_EXACT, 0, 0, ALL },
	{ 0x0003, "Get Response Message Limit", cci_get_resp_limit, IN_EXACT, 0, 0, ALL },
	{ 0x0004, "Set Response Message Limit", cci_set_resp_limit, IN_EXACT, 1,
	  EFFECT_CONFIG_CHANGE_IMMEDIATE, ALL },
	{ 0x0005, "Request Abort Background Operation", cci_abort_bg, IN_EXACT, 0, 0, ALL },
	/* Timestamp (8.2.9.4). */
	{ 0x0300, "Get Timestamp", cci_get_timestamp, IN_EXACT, 0, 0, ALL },
	{ 0x0301, "Set Timestamp", cci_set_timestamp, IN_EXACT, 8,
	  EFFECT_POLICY_CHANGE_IMMEDIATE, ALL },
	/* Logs (8.2.9.5). */
	{ 0x0400, "Get Supported Logs", cci_get_supported_logs, IN_EXACT, 0, 0, ALL },
	{ 0x0401, "Get Log", cci_get_log, IN_EXACT, 0x18, 0, ALL },
};

const size_t cxlemu_cci_ncmds = CXLEMU_ARRAY_SIZE(cxlemu_cci_cmds);
