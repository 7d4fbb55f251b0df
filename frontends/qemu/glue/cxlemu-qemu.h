/* SPDX-License-Identifier: MIT */
/*
 * libcxlemu front-end for QEMU: the calls QEMU's CXL code makes into the
 * glue.  Compiled into QEMU (hw/cxl/cxlemu/) when configured with
 * -Dcxlemu=enabled; the patch series in frontends/qemu/patches adds the
 * call sites.  Only this header is seen by QEMU's own files.
 */
#ifndef HW_CXL_CXLEMU_QEMU_H
#define HW_CXL_CXLEMU_QEMU_H

#include "exec/memattrs.h"
#include "exec/hwaddr.h"
#include "hw/cxl/cxl.h"
#include "hw/acpi/bios-linker-loader.h"
#include "qapi/qapi-types-cxl.h"

/*
 * Machine init done (after the windows' targets are linked): mirrors the
 * CXL hierarchy QEMU built (host bridges, root ports, switches at any
 * depth, type-3 devices, fixed memory windows) into a libcxlemu topology,
 * and from then on the HDM decoder registers of host bridges, switch
 * upstream ports and devices, the windows and the CEDT are the library's.
 */
void cxlemu_qemu_setup(CXLState *state, Error **errp);

/*
 * CXL.cache/mem register accesses of a component (offset in the 4 KiB
 * CXL.cache/mem area).  Return true when the library handled the access
 * (the HDM decoder capability of a component the library models).
 */
bool cxlemu_qemu_cm_read(CXLComponentState *cs, hwaddr offset, unsigned size,
                         uint64_t *val);
bool cxlemu_qemu_cm_write(CXLComponentState *cs, hwaddr offset, uint64_t val,
                          unsigned size);

/* Accesses to a window that no mapping or translation serves (finer
 * interleave than a page, holes, dynamic capacity): routed one by one. */
MemTxResult cxlemu_qemu_window_read(CXLFixedWindow *fw, hwaddr addr,
                                    uint64_t *data, unsigned size,
                                    MemTxAttrs attrs);
MemTxResult cxlemu_qemu_window_write(CXLFixedWindow *fw, hwaddr addr,
                                     uint64_t data, unsigned size,
                                     MemTxAttrs attrs);

/*
 * A type-3 device's PCI mailbox registers and every other transport of its
 * primary CCI (cxl_process_cci_message): the library's dispatcher and
 * command sets.  Return true when the library handled the access.
 */
bool cxlemu_qemu_mbox_read(CXLCCI *cci, hwaddr offset, unsigned size,
                           uint64_t *val);
bool cxlemu_qemu_mbox_write(CXLCCI *cci, hwaddr offset, uint64_t val,
                            unsigned size);
bool cxlemu_qemu_cci_message(CXLCCI *cci, uint8_t set, uint8_t cmd,
                             size_t len_in, uint8_t *pl_in, size_t *len_out,
                             uint8_t *pl_out, bool *bg_started, int *rc);
/* Event Status (device status registers) and Memory Device Status. */
bool cxlemu_qemu_dev_status(CXLDeviceState *dstate, hwaddr offset,
                            unsigned size, uint64_t *val);
bool cxlemu_qemu_memdev_status(CXLDeviceState *dstate, uint64_t *val);

/*
 * QMP cxl-inject-poison and cxl-inject-general-media-event on a device the
 * library runs; true when handled (errors in @errp).  @log: 0
 * informational, 1 warning, 2 failure, 3 fatal.
 */
bool cxlemu_qemu_inject_poison(CXLType3Dev *ct3d, uint64_t start,
                               uint64_t length, Error **errp);
bool cxlemu_qemu_inject_gen_media(CXLType3Dev *ct3d, int log, uint8_t flags,
                                  uint64_t dpa, uint8_t descriptor,
                                  uint8_t type, uint8_t transaction_type,
                                  bool has_channel, uint8_t channel,
                                  bool has_rank, uint8_t rank,
                                  bool has_device, uint32_t device,
                                  const char *component_id, Error **errp);
/* Any other event record QMP built (DRAM, Memory Module): its identifier,
 * host flags and record data go into the library's event log @log. */
bool cxlemu_qemu_inject_record(CXLType3Dev *ct3d, int log,
                               const CXLEventRecordRaw *rec, Error **errp);

/* QMP dynamic capacity add / release (prescriptive) on a device the
 * library runs; true when handled (errors in @errp). */
bool cxlemu_qemu_dc_change(CXLType3Dev *ct3d, bool add, uint16_t host_id,
                           uint8_t region, CxlDynamicCapacityExtentList *list,
                           Error **errp);

/* cxl-type3 hot-plug after setup (realize / unrealize). */
void cxlemu_qemu_type3_plugged(CXLType3Dev *ct3d);
void cxlemu_qemu_type3_unplugged(CXLType3Dev *ct3d);

/* The CEDT from the library's builder; false when the library is not in
 * charge (no CXL), so that QEMU builds its own. */
bool cxlemu_qemu_build_cedt(GArray *table_offsets, GArray *table_data,
                            BIOSLinker *linker, const char *oem_id,
                            const char *oem_table_id, CXLState *cxl_state);

#endif
