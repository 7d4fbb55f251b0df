/* SPDX-License-Identifier: MIT */
/* The command table: every command of every CCI, in one place. */
#include "cci_priv.h"
#include "cmds.h"

#define ALL (CXLEMU_CCI_MAILBOX | CXLEMU_CCI_SWITCH | CXLEMU_CCI_LD_FM | CXLEMU_CCI_MCTP)
/* Memory device commands: the device's own mailbox, MCTP and an FM-owned
 * LD's CCI reach them; a switch CCI has no memory device. */
#define MD (CXLEMU_CCI_MAILBOX | CXLEMU_CCI_LD_FM | CXLEMU_CCI_MCTP)
/* FM-API switch commands: a switch's mailbox CCI and the fabric manager's
 * MCTP endpoint (7.6.7). */
#define SW (CXLEMU_CCI_SWITCH | CXLEMU_CCI_MCTP)
/* MLD Component commands: an MLD's FM-owned LD, through its own CCI (how a
 * switch's tunnel arrives) or the FM's MCTP endpoint on the MLD (7.6.7.4). */
#define MLD (CXLEMU_CCI_LD_FM | CXLEMU_CCI_MCTP)
#define BG EFFECT_BACKGROUND
/* Event logs: a memory device's (its CCIs) or a switch's (switch CCI, and
 * MCTP when the switch is reached out of band). */
#define EV ALL
#define CFG_NOW EFFECT_CONFIG_CHANGE_IMMEDIATE
#define CFG_RESET EFFECT_CONFIG_CHANGE_COLD_RESET
#define DATA_NOW EFFECT_DATA_CHANGE_IMMEDIATE
#define POLICY_NOW EFFECT_POLICY_CHANGE_IMMEDIATE
#define LOG_NOW EFFECT_LOG_CHANGE_IMMEDIATE

const struct cci_cmd cxlemu_cci_cmds[] = {
	/* Generic component commands (8.2.9.1). */
	{ 0x0001, "Identify", cci_identify, IN_EXACT, 0, 0, ALL, 0 },
	{ 0x0002, "Background Operation Status", cci_bg_status, IN_EXACT, 0, 0, ALL, 0 },
	{ 0x0003, "Get Response Message Limit", cci_get_resp_limit, IN_EXACT, 0, 0, ALL, 0 },
	{ 0x0004, "Set Response Message Limit", cci_set_resp_limit, IN_EXACT, 1,
	  EFFECT_CONFIG_CHANGE_IMMEDIATE, ALL, 0 },
	{ 0x0005, "Request Abort Background Operation", cci_abort_bg, IN_EXACT, 0, 0, ALL, 0 },
	/* Firmware update (8.2.9.3): the memory device's slots. */
	{ 0x0200, "Get FW Info", cci_get_fw_info, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x0201, "Transfer FW", cci_transfer_fw, IN_MIN, 0x80,
	  CFG_RESET | EFFECT_BACKGROUND | EFFECT_BG_ABORT, MD, F_MEMDEV },
	{ 0x0202, "Activate FW", cci_activate_fw, IN_EXACT, 2, CFG_RESET | CFG_NOW, MD,
	  F_MEMDEV },
	/* Events (8.2.9.2): the memory device's event logs. */
	{ 0x0100, "Get Event Records", cci_get_event_records, IN_EXACT, 1, 0, EV, F_EVENTS },
	{ 0x0101, "Clear Event Records", cci_clear_event_records, IN_MIN, 6, LOG_NOW, EV,
	  F_EVENTS },
	{ 0x0102, "Get Event Interrupt Policy", cci_get_event_irq_policy, IN_EXACT, 0, 0, EV,
	  F_EVENTS },
	{ 0x0103, "Set Event Interrupt Policy", cci_set_event_irq_policy, IN_MIN, 4, CFG_NOW,
	  EV, F_EVENTS },
	/* Timestamp (8.2.9.4). */
	{ 0x0300, "Get Timestamp", cci_get_timestamp, IN_EXACT, 0, 0, ALL, 0 },
	{ 0x0301, "Set Timestamp", cci_set_timestamp, IN_EXACT, 8,
	  EFFECT_POLICY_CHANGE_IMMEDIATE, ALL, 0 },
	/* Logs (8.2.9.5). */
	{ 0x0400, "Get Supported Logs", cci_get_supported_logs, IN_EXACT, 0, 0, ALL, 0 },
	{ 0x0401, "Get Log", cci_get_log, IN_EXACT, 0x18, 0, ALL, 0 },
	{ 0x0402, "Get Log Capabilities", cci_get_log_caps, IN_EXACT, 0x10, 0, ALL, 0 },
	{ 0x0403, "Clear Log", cci_clear_log, IN_EXACT, 0x10, EFFECT_LOG_CHANGE_IMMEDIATE,
	  ALL, 0 },
	{ 0x0405, "Get Supported Logs Sub-List", cci_get_supported_logs_sublist, IN_EXACT, 2,
	  0, ALL, 0 },
	/* Features (8.2.9.6): the memory device's features. */
	{ 0x0500, "Get Supported Features", cci_get_supported_features, IN_EXACT, 8, 0, MD,
	  F_MEMDEV },
	{ 0x0501, "Get Feature", cci_get_feature, IN_EXACT, 0x15, 0, MD, F_MEMDEV },
	{ 0x0502, "Set Feature", cci_set_feature, IN_MIN, 0x20, CFG_NOW, MD, F_MEMDEV },
	/* Memory device: identify (8.2.9.9.1), capacity config and label
	 * storage (8.2.9.9.2), health and alerts (8.2.9.9.3), security
	 * (8.2.9.9.6). */
	{ 0x4000, "Identify Memory Device", cci_identify_memdev, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x4100, "Get Partition Info", cci_get_partition_info, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x4101, "Set Partition Info", cci_set_partition_info, IN_EXACT, 9,
	  CFG_RESET | CFG_NOW | DATA_NOW, MD, F_MEMDEV | F_MEDIA },
	{ 0x4102, "Get LSA", cci_get_lsa, IN_EXACT, 8, 0, MD, F_MEMDEV | F_MEDIA },
	{ 0x4103, "Set LSA", cci_set_lsa, IN_MIN, 8, CFG_NOW | DATA_NOW, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4200, "Get Health Info", cci_get_health_info, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x4201, "Get Alert Configuration", cci_get_alert_config, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x4202, "Set Alert Configuration", cci_set_alert_config, IN_EXACT, 0xc, POLICY_NOW,
	  MD, F_MEMDEV },
	{ 0x4203, "Get Shutdown State", cci_get_shutdown_state, IN_EXACT, 0, 0, MD, F_MEMDEV },
	{ 0x4204, "Set Shutdown State", cci_set_shutdown_state, IN_EXACT, 1, POLICY_NOW, MD,
	  F_MEMDEV },
	/* Media and poison management (8.2.9.9.4): media access, so Media
	 * Disabled while a sanitize runs. */
	{ 0x4300, "Get Poison List", cci_get_poison_list, IN_EXACT, 16, 0, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4301, "Inject Poison", cci_inject_poison, IN_EXACT, 8, DATA_NOW, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4302, "Clear Poison", cci_clear_poison, IN_EXACT, 0x48, DATA_NOW, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4303, "Get Scan Media Capabilities", cci_get_scan_media_caps, IN_EXACT, 16, 0, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4304, "Scan Media", cci_scan_media, IN_EXACT, 17, EFFECT_BACKGROUND | EFFECT_BG_ABORT, MD,
	  F_MEMDEV | F_MEDIA },
	{ 0x4305, "Get Scan Media Results", cci_get_scan_media_results, IN_EXACT, 0, 0, MD,
	  F_MEMDEV | F_MEDIA },
	/* Sanitize and media operations (8.2.9.9.5; 4402h from CXL 3.2).
	 * Sanitize runs while media is disabled (a failed one is retried);
	 * Media Operations checks media itself (Discovery needs none). */
	{ 0x4400, "Sanitize", cci_sanitize, IN_EXACT, 0,
	  DATA_NOW | EFFECT_SECURITY_CHANGE | EFFECT_BACKGROUND, MD, F_MEMDEV },
	{ 0x4401, "Secure Erase", cci_secure_erase, IN_EXACT, 0,
	  DATA_NOW | EFFECT_SECURITY_CHANGE, MD, F_MEMDEV | F_MEDIA },
	{ 0x4402, "Media Operations", cci_media_operations, IN_MIN, 8,
	  DATA_NOW | EFFECT_BACKGROUND, MD, F_MEMDEV },
	{ 0x4500, "Get Security State", cci_get_security_state, IN_EXACT, 0, 0, MD, F_MEMDEV },
	/* Dynamic capacity (8.2.9.9.9), only on a device with DC regions:
	 * Linux takes Get Dynamic Capacity Configuration in the CEL as the
	 * sign of a DCD. */
	{ 0x4800, "Get Dynamic Capacity Configuration", cci_get_dc_config, IN_EXACT, 2, 0, MD,
	  F_MEMDEV | F_DC },
	{ 0x4801, "Get Dynamic Capacity Extent List", cci_get_dc_extents, IN_EXACT, 8, 0, MD,
	  F_MEMDEV | F_DC },
	{ 0x4802, "Add Dynamic Capacity Response", cci_add_dc_response, IN_MIN, 8,
	  CFG_NOW | DATA_NOW, MD, F_MEMDEV | F_DC },
	{ 0x4803, "Release Dynamic Capacity", cci_release_dc, IN_MIN, 8, CFG_NOW | DATA_NOW, MD,
	  F_MEMDEV | F_DC },
	/* FM-API Physical Switch (7.6.7.1); the handlers live in lib/vcs. */
	{ 0x5100, "Identify Switch Device", cci_identify_switch, IN_EXACT, 0, 0, SW, F_SWITCH },
	{ 0x5101, "Get Physical Port State", cci_get_phys_port_state, IN_MIN, 1, 0, SW,
	  F_SWITCH },
	{ 0x5102, "Physical Port Control", cci_phys_port_control, IN_EXACT, 2, 0, SW, F_SWITCH },
	{ 0x5103, "Send PPB CXL.io Configuration Request", cci_ppb_config_request, IN_EXACT, 8,
	  0, SW, F_SWITCH },
	/* FM-API Virtual Switch (7.6.7.2). */
	{ 0x5200, "Get Virtual CXL Switch Info", cci_get_vcs_info, IN_MIN, 3, 0, SW, F_SWITCH },
	{ 0x5201, "Bind vPPB", cci_bind_vppb, IN_EXACT, 6, BG, SW, F_SWITCH },
	{ 0x5202, "Unbind vPPB", cci_unbind_vppb, IN_EXACT, 3, BG, SW, F_SWITCH },
	{ 0x5203, "Generate AER Event", cci_generate_aer, IN_EXACT, 0x28, 0, SW, F_SWITCH },
	/* FM-API MLD Port (7.6.7.3): a switch tunnels to an MLD port's
	 * FM-owned LD, an FM-owned LD to one of its LDs.  Its effects are the
	 * tunnelled command's. */
	{ 0x5300, "Tunnel Management Command", cci_tunnel_management, IN_MIN, 4, 0,
	  SW | MLD, F_TUNNEL },
	/* FM-API MLD Component (7.6.7.4). */
	{ 0x5400, "Get LD Info", cci_get_ld_info, IN_EXACT, 0, 0, MLD, F_MLD },
	{ 0x5401, "Get LD Allocations", cci_get_ld_allocations, IN_EXACT, 2, 0, MLD, F_MLD },
	{ 0x5402, "Set LD Allocations", cci_set_ld_allocations, IN_MIN, 4, CFG_NOW | DATA_NOW,
	  MLD, F_MLD },
};

const size_t cxlemu_cci_ncmds = CXLEMU_ARRAY_SIZE(cxlemu_cci_cmds);
