/* SPDX-License-Identifier: MIT */
/* Names of the mailbox return codes (CXL 3.1 8.2.8.4.5.1, Table 8-34). */
#include <cxlemu/mailbox.h>

#include "../internal.h"

const char *cxlemu_mbox_rc_name(int rc)
{
	static const char *const names[] = {
		[CXLEMU_MBOX_SUCCESS] = "Success",
		[CXLEMU_MBOX_BG_STARTED] = "Background Command Started",
		[CXLEMU_MBOX_INVALID_INPUT] = "Invalid Input",
		[CXLEMU_MBOX_UNSUPPORTED] = "Unsupported",
		[CXLEMU_MBOX_INTERNAL_ERROR] = "Internal Error",
		[CXLEMU_MBOX_RETRY_REQUIRED] = "Retry Required",
		[CXLEMU_MBOX_BUSY] = "Busy",
		[CXLEMU_MBOX_MEDIA_DISABLED] = "Media Disabled",
		[CXLEMU_MBOX_FW_TRANSFER_IN_PROGRESS] = "FW Transfer in Progress",
		[CXLEMU_MBOX_FW_TRANSFER_OUT_OF_ORDER] = "FW Transfer Out of Order",
		[CXLEMU_MBOX_FW_VERIFICATION_FAILED] = "FW Verification Failed",
		[CXLEMU_MBOX_INVALID_SLOT] = "Invalid Slot",
		[CXLEMU_MBOX_ACTIVATION_FAILED_ROLLED_BACK] = "Activation Failed, FW Rolled Back",
		[CXLEMU_MBOX_ACTIVATION_FAILED_COLD_RESET] = "Activation Failed, Cold Reset Required",
		[CXLEMU_MBOX_INVALID_HANDLE] = "Invalid Handle",
		[CXLEMU_MBOX_INVALID_PHYSICAL_ADDRESS] = "Invalid Physical Address",
		[CXLEMU_MBOX_INJECT_POISON_LIMIT] = "Inject Poison Limit Reached",
		[CXLEMU_MBOX_PERMANENT_MEDIA_FAILURE] = "Permanent Media Failure",
		[CXLEMU_MBOX_ABORTED] = "Aborted",
		[CXLEMU_MBOX_INVALID_SECURITY_STATE] = "Invalid Security State",
		[CXLEMU_MBOX_INCORRECT_PASSPHRASE] = "Incorrect Passphrase",
		[CXLEMU_MBOX_UNSUPPORTED_CCI] = "Unsupported Mailbox or CCI",
		[CXLEMU_MBOX_INVALID_PAYLOAD_LENGTH] = "Invalid Payload Length",
		[CXLEMU_MBOX_INVALID_LOG] = "Invalid Log",
		[CXLEMU_MBOX_INTERRUPTED] = "Interrupted",
		[CXLEMU_MBOX_UNSUPPORTED_FEATURE_VERSION] = "Unsupported Feature Version",
		[CXLEMU_MBOX_UNSUPPORTED_FEATURE_SELECTION] = "Unsupported Feature Selection Value",
		[CXLEMU_MBOX_FEATURE_TRANSFER_IN_PROGRESS] = "Feature Transfer in Progress",
		[CXLEMU_MBOX_FEATURE_TRANSFER_OUT_OF_ORDER] = "Feature Transfer Out of Order",
		[CXLEMU_MBOX_RESOURCES_EXHAUSTED] = "Resources Exhausted",
		[CXLEMU_MBOX_INVALID_EXTENT_LIST] = "Invalid Extent List",
		[CXLEMU_MBOX_TRANSFER_OUT_OF_ORDER] = "Transfer Out of Order",
		[CXLEMU_MBOX_REQUEST_ABORT_NOT_SUPPORTED] = "Request Abort Not Supported",
	};

	if (rc < 0 || (size_t)rc >= CXLEMU_ARRAY_SIZE(names) || !names[rc])
		return "Unknown Return Code";
	return names[rc];
}
