/* SPDX-License-Identifier: MIT */
/* CEDT record layout (CXL 3.1 9.18). */
#ifndef CXLEMU_CEDT_H
#define CXLEMU_CEDT_H

#define CEDT_HEADER_LEN 36u /* ACPI table header */
#define CEDT_TYPE_CHBS 0
#define CEDT_TYPE_CFMWS 1
#define CEDT_TYPE_CXIMS 2
#define CEDT_TYPE_RDPAS 3
#define CEDT_CHBS_LEN 32u   /* fixed */
#define CEDT_CFMWS_LEN 36u  /* plus 4 bytes per target */
#define CEDT_CXIMS_LEN 8u   /* plus 8 bytes per map */

#endif
