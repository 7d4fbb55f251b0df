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

/* Events (cmd_events.c). */
HANDLER(cci_get_event_records);
HANDLER(cci_clear_event_records);
HANDLER(cci_get_event_irq_policy);
HANDLER(cci_set_event_irq_policy);

/* Dynamic capacity (cmd_dcd.c). */
HANDLER(cci_get_dc_config);
HANDLER(cci_get_dc_extents);
HANDLER(cci_add_dc_response);
HANDLER(cci_release_dc);

#endif
