/* SPDX-License-Identifier: MIT */
/* Command handlers, by command set file. */
#ifndef CXLEMU_CMDS_H
#define CXLEMU_CMDS_H

#include "cci_priv.h"

#define HANDLER(name) int name(struct cxlemu_cci *cci, const uint8_t *in, \
			       size_t in_len, struct cci_out *out)

HANDLER(cci_identify);
HANDLER(cci_bg_status);
HANDLER(cci_get_resp_limit);
HANDLER(cci_set_resp_limit);
HANDLER(cci_abort_bg);
HANDLER(cci_get_timestamp);
HANDLER(cci_set_timestamp);
HANDLER(cci_get_supported_logs);
HANDLER(cci_get_log);

/* Memory device (cmd_memdev.c). */
HANDLER(cci_identify_memdev);
HANDLER(cci_get_partition_info);
HANDLER(cci_set_partition_info);
HANDLER(cci_get_lsa);
HANDLER(cci_set_lsa);
HANDLER(cci_get_health_info);
HANDLER(cci_get_alert_config);
HANDLER(cci_set_alert_config);
HANDLER(cci_get_shutdown_state);
HANDLER(cci_set_shutdown_state);
HANDLER(cci_get_security_state);

/* FM-API Physical Switch (lib/vcs/cmd_phys_switch.c) and Virtual Switch
 * (lib/vcs/cmd_virt_switch.c) command sets. */
HANDLER(cci_identify_switch);
HANDLER(cci_get_phys_port_state);
HANDLER(cci_phys_port_control);
HANDLER(cci_ppb_config_request);
HANDLER(cci_get_vcs_info);
HANDLER(cci_bind_vppb);
HANDLER(cci_unbind_vppb);
HANDLER(cci_generate_aer);

#endif
