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
HANDLER(cci_get_log_caps);
HANDLER(cci_clear_log);
HANDLER(cci_get_supported_logs_sublist);

/* Firmware update (cmd_fw.c) and features (cmd_features.c). */
HANDLER(cci_get_fw_info);
HANDLER(cci_transfer_fw);
HANDLER(cci_activate_fw);
HANDLER(cci_get_supported_features);
HANDLER(cci_get_feature);
HANDLER(cci_set_feature);

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

/* Media and poison management (cmd_poison.c). */
HANDLER(cci_get_poison_list);
HANDLER(cci_inject_poison);
HANDLER(cci_clear_poison);
HANDLER(cci_get_scan_media_caps);
HANDLER(cci_scan_media);
HANDLER(cci_get_scan_media_results);

/* Sanitize and media operations (cmd_sanitize.c). */
HANDLER(cci_sanitize);
HANDLER(cci_secure_erase);
HANDLER(cci_media_operations);
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
/* FM-API MLD Port and MLD Component command sets (lib/vcs/cmd_mld.c). */
HANDLER(cci_tunnel_management);
HANDLER(cci_get_ld_info);
HANDLER(cci_get_ld_allocations);
HANDLER(cci_set_ld_allocations);

#endif
