/* SPDX-License-Identifier: MIT */
/*
 * libcxlemu front-end for QEMU.
 *
 * At machine init done, the CXL hierarchy QEMU built from the command line
 * (pxb-cxl host bridges, cxl-rp root ports, cxl-upstream / cxl-downstream
 * switch ports at any depth, cxl-type3 devices, -M cxl-fmw.N windows) is
 * mirrored into a libcxlemu topology.  From then on:
 *
 *  - the HDM decoder registers of host bridges, switch upstream ports and
 *    devices are the library's (commit validated as hardware does, 8-byte
 *    accesses, 3/6/12 ways, any number of switch levels); QEMU keeps the
 *    rest of each component register block (capability array, RAS, link);
 *  - each window serves every committed range by the cheapest of three
 *    paths, chosen again after every change of the window's route table:
 *      (a) a linear extent (one way at every level) is an alias of the
 *          device's memory backend: RAM speed, works with KVM;
 *      (b) an extent whose interleave unit is at least a target page is an
 *          IOMMU region translating page by page through the library, so
 *          TCG keeps the translation in its TLB;
 *      (c) everything else (finer interleave, holes, dynamic capacity)
 *          goes through the window's MemoryRegionOps, one cxlemu_route()
 *          per access, with no QOM cast or hierarchy walk;
 *  - the CEDT comes from the library's builder.
 *
 * All three paths read and write the same backend memory, so data written
 * through one reads back through any other and after a re-commit.
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/error-report.h"
#include "qemu/guest-random.h"
#include "qemu/log.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "qobject/qdict.h"
#include "qobject/qstring.h"
#include "qom/qom-qobject.h"
#include "hw/qdev-properties.h"
#include "monitor/qdev.h"
#include "system/system.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "exec/ramlist.h"
#include "system/hostmem.h"
#include "system/reset.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci-bridge/cxl_upstream_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_device.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/cxl/cxlemu/cxlemu-qemu.h"
#include "hw/cxl/trace.h"

#include <cxlemu/cxlemu.h>

#define TYPE_CXLEMU_IOMMU_MR "cxlemu-iommu-memory-region"
#define TYPE_CXLEMU_SUB "cxlemu-window-subregion"

/* Components a machine may have (host bridges, ports, switches, devices,
 * hot-plugged ones included). */
#define CXLEMU_QEMU_MAX_COMPONENTS 1024

/* Where each device's DPA space sits in the address space that page
 * translations (path b) target. */
#define EP_SPACE_SHIFT 42

enum part_kind { PART_VOLATILE, PART_PERSISTENT, PART_DC };

typedef struct CxlemuMachine CxlemuMachine;
typedef struct CxlemuEndpoint CxlemuEndpoint;

/* A CCI the library runs for a PCI function: a type-3 device's mailbox or
 * a switch's mailbox CCI. */
typedef struct CxlemuCci {
    CxlemuMachine *m;
    struct cxlemu_cci *cci;
    PCIDevice *pdev;         /* the function whose interrupts it raises */
    QEMUTimer *timer;        /* background operations on the virtual clock */
} CxlemuCci;

/* One DPA partition of a device and the memory behind it. */
typedef struct CxlemuPart {
    CxlemuEndpoint *e;
    uint64_t dpa;            /* first DPA */
    uint64_t size;
    enum part_kind kind;
    MemoryRegion *mr;        /* the memory backend's region */
    uint8_t *host;           /* its RAM */
    MemoryRegion space;      /* alias (or DC gate) in the translation space */
} CxlemuPart;

struct CxlemuEndpoint {
    CxlemuMachine *m;
    CXLType3Dev *ct3d;
    uint32_t id;
    unsigned int nparts;
    CxlemuPart part[3];
    /* The device's state behind its mailbox, and the PCI mailbox CCI. */
    struct cxlemu_memdev *md;
    struct cxlemu_memdev_config mc; /* as created: DC region bases */
    CxlemuCci mbox;
};

/* A component whose HDM decoders the library owns. */
typedef struct CxlemuComp {
    CxlemuMachine *m;
    uint32_t id;
    uint32_t hdm_offset;     /* of the HDM capability in the library's block */
} CxlemuComp;

/*
 * A subregion laid over a window by path (a) or (b).  It is a QOM object
 * of its own, the owner of its memory region: flat views and dispatch
 * tables hold references to a region's owner (memory_region_ref()), so
 * the region stays valid until the last of them is gone, however long
 * after the window was laid out again.
 */
typedef struct CxlemuSub {
    Object parent_obj;
    bool iommu;
    union {
        MemoryRegion alias;
        IOMMUMemoryRegion iommu_mr;
    } u;
    struct CxlemuWindow *w;
    uint64_t hpa;            /* first HPA covered */
    uint64_t unit;           /* path (b): translation granule */
} CxlemuSub;

typedef struct CxlemuWindow {
    CxlemuMachine *m;
    CXLFixedWindow *fw;
    uint32_t index;
    struct cxlemu_route_pub *pub;
    const struct cxlemu_route_table *laid_out;
    GPtrArray *subs;
    /* Translation regions (path b) of earlier layouts, for the next ones:
     * TCG keeps, per vCPU and for good, a notifier for every IOMMU region
     * it translated through and finds it again by the region's address,
     * so these regions are reused, never freed while the window exists. */
    GPtrArray *iommu_free;
    /* What the last layout chose, for `info mtree` readers and tests. */
    unsigned int nlinear, niommu;
} CxlemuWindow;

struct CxlemuMachine {
    struct cxlemu_ctx *ctx;
    struct cxlemu_topo *topo;
    CXLState *state;
    CxlemuEndpoint **eps;    /* by component id; NULL for non-devices */
    uint32_t neps;
    CxlemuWindow *wins;
    uint32_t nwins;
    MemoryRegion space_root;
    AddressSpace space_as;
    uint64_t page;
    GPtrArray *owned;        /* CXLComponentState whose HDM we took */
    GPtrArray *switches;     /* CxlemuSwitch of cxl-switch-mailbox-cci */
    /* Devices with media disabled (sanitize): their memory is served only
     * by path (c), which refuses the accesses. */
    uint32_t media_off;
    uint32_t laid_out_media_off;
};

/* The machine, for devices plugged after setup (QEMU runs one machine). */
static CxlemuMachine *cxlemu_machine;

/* Host services for the library. */
static void host_log(void *opaque, int level, const char *msg)
{
    if (level <= CXLEMU_LOG_WARN) {
        qemu_log_mask(LOG_GUEST_ERROR, "cxlemu: %s\n", msg);
    }
}

static uint64_t host_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

typedef struct RetiredTable {
    struct rcu_head rcu;
    struct cxlemu_route_table *t;
} RetiredTable;

static void retired_free(RetiredTable *r)
{
    cxlemu_route_table_free(r->t);
    g_free(r);
}

/* Tables are read by vCPU threads inside RCU read sections (MMIO
 * dispatch, IOMMU translation): free them after a grace period. */
static void retire_table(void *opaque, struct cxlemu_route_table *old)
{
    RetiredTable *r = g_new0(RetiredTable, 1);

    r->t = old;
    call_rcu(r, retired_free, rcu);
}

/* ---- Path (c): one route per access ------------------------------------ */

static CxlemuPart *part_of(CxlemuEndpoint *e, uint64_t dpa)
{
    unsigned int i;

    for (i = 0; i < e->nparts; i++) {
        if (dpa - e->part[i].dpa < e->part[i].size) {
            return &e->part[i];
        }
    }
    return NULL;
}

/* Reads or writes @len bytes at (@e, @dpa), all inside one interleave
 * unit.  Dynamic capacity only where an accepted extent backs it. */
static MemTxResult ep_access(CxlemuEndpoint *e, uint64_t dpa, uint8_t *buf,
                             unsigned len, bool write)
{
    CxlemuPart *p = part_of(e, dpa);
    uint64_t off;

    if (!p || dpa + len - p->dpa > p->size) {
        return MEMTX_DECODE_ERROR;
    }
    off = dpa - p->dpa;
    if (p->kind == PART_DC) {
        /* The library's extent lists change under the BQL (mailbox, QMP);
         * windows run without it (lockless_io). */
        BQL_LOCK_GUARD();

        if (!cxlemu_memdev_dc_backed(e->md, dpa, len)) {
            return MEMTX_ERROR;
        }
    }
    if (cxlemu_memdev_media_disabled(e->md)) {
        if (!write) {
            qemu_guest_getrandom_nofail(buf, len);
        }
        return MEMTX_OK;
    }
    if (write) {
        memcpy(p->host + off, buf, len);
        /* Dirty tracking costs a bitmap update per access: only when a
         * client (migration, a display) logs this memory.  TCG's code
         * client needs none: code runs from this window one instruction
         * at a time, never from a translation cache. */
        if (memory_region_get_dirty_log_mask(p->mr) & ~(1u << DIRTY_MEMORY_CODE)) {
            memory_region_set_dirty(p->mr, off, len);
        }
    } else {
        memcpy(buf, p->host + off, len);
    }
    return MEMTX_OK;
}

static MemTxResult window_access(CXLFixedWindow *fw, hwaddr addr, uint8_t *buf,
                                 unsigned size, bool write)
{
    CxlemuWindow *w = fw->cxlemu;
    CxlemuMachine *m = w->m;
    const struct cxlemu_route_table *t = cxlemu_route_pub_get(w->pub);
    uint64_t hpa = fw->base + addr;
    unsigned done = 0;

    if (!t) {
        return MEMTX_DECODE_ERROR;
    }
    while (done < size) {
        uint64_t dpa, span;
        uint32_t ep;
        unsigned n = size - done;
        MemTxResult r;

        if (cxlemu_route(t, hpa + done, &ep, &dpa)) {
            return MEMTX_DECODE_ERROR;
        }
        /* An access crossing an interleave unit (unaligned) is split. */
        span = cxlemu_route_span(t, hpa + done);
        if (span < n) {
            n = span;
        }
        if (ep >= m->neps || !m->eps[ep]) {
            return MEMTX_DECODE_ERROR;
        }
        r = ep_access(m->eps[ep], dpa, buf + done, n, write);
        if (r != MEMTX_OK) {
            return r;
        }
        done += n;
    }
    return MEMTX_OK;
}

MemTxResult cxlemu_qemu_window_read(CXLFixedWindow *fw, hwaddr addr,
                                    uint64_t *data, unsigned size,
                                    MemTxAttrs attrs)
{
    uint8_t buf[8];
    MemTxResult r = window_access(fw, addr, buf, size, false);

    /* Reads of nothing return poison (an error), as QEMU does. */
    *data = r == MEMTX_OK ? ldn_le_p(buf, size) : 0;
    return r == MEMTX_OK ? MEMTX_OK : MEMTX_ERROR;
}

MemTxResult cxlemu_qemu_window_write(CXLFixedWindow *fw, hwaddr addr,
                                     uint64_t data, unsigned size,
                                     MemTxAttrs attrs)
{
    uint8_t buf[8];

    stn_le_p(buf, size, data);
    /* Writes to nothing are dropped silently, as QEMU does. */
    window_access(fw, addr, buf, size, true);
    return MEMTX_OK;
}

/* ---- Path (b): page translation ----------------------------------------- */

static IOMMUTLBEntry sub_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                   IOMMUAccessFlags flag, int iommu_idx)
{
    CxlemuSub *s = container_of(iommu, CxlemuSub, u.iommu_mr);
    CxlemuWindow *w = s->w;
    CxlemuMachine *m = w->m;
    const struct cxlemu_route_table *t = cxlemu_route_pub_get(w->pub);
    /* A pooled region gets new values at a re-layout while vCPUs may
     * still translate through the old flat view. */
    uint64_t unit = qatomic_read(&s->unit);
    IOMMUTLBEntry e = {
        .target_as = &m->space_as,
        .iova = addr & ~(unit - 1),
        .addr_mask = unit - 1,
        .perm = IOMMU_NONE,
    };
    uint64_t hpa = qatomic_read(&s->hpa) + e.iova, dpa;
    uint32_t ep;

    if (t && !cxlemu_route(t, hpa, &ep, &dpa) && ep < m->neps && m->eps[ep]) {
        e.translated_addr = ((uint64_t)(ep + 1) << EP_SPACE_SHIFT) + dpa;
        e.perm = IOMMU_RW;
    }
    return e;
}

/* One translation for every kind of access (TCG asks for an index). */
static int sub_attrs_to_index(IOMMUMemoryRegion *iommu, MemTxAttrs attrs)
{
    return 0;
}

static int sub_num_indexes(IOMMUMemoryRegion *iommu)
{
    return 1;
}

static void cxlemu_iommu_mr_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = sub_translate;
    imrc->attrs_to_index = sub_attrs_to_index;
    imrc->num_indexes = sub_num_indexes;
}

static const TypeInfo cxlemu_iommu_mr_info = {
    .name = TYPE_CXLEMU_IOMMU_MR,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = cxlemu_iommu_mr_class_init,
};

/*
 * Regions committed by firmware: `-object cxlemu-region,id=r0,window=0,
 * devices=ID:ID...,size=512M[,granularity=4096][,pmem=on][,lock=on]`.
 * Every reset programs them through the HDM decoder registers, as a BIOS
 * would, so the OS finds committed decoders and assembles the region.
 */
#define TYPE_CXLEMU_REGION "cxlemu-region"
OBJECT_DECLARE_SIMPLE_TYPE(CxlemuRegion, CXLEMU_REGION)

struct CxlemuRegion {
    Object parent_obj;
    uint32_t window;
    uint64_t granularity;
    uint64_t size;
    char *devices;
    bool pmem;
    bool lock;
};

static void region_get_size(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint64_t *field = opaque, value;

    value = *(uint64_t *)((char *)obj + (uintptr_t)field);
    visit_type_size(v, name, &value, errp);
}

static void region_set_size(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint64_t value;

    if (visit_type_size(v, name, &value, errp)) {
        *(uint64_t *)((char *)obj + (uintptr_t)opaque) = value;
    }
}

static char *region_get_devices(Object *obj, Error **errp)
{
    return g_strdup(CXLEMU_REGION(obj)->devices);
}

static void region_set_devices(Object *obj, const char *value, Error **errp)
{
    CxlemuRegion *r = CXLEMU_REGION(obj);

    g_free(r->devices);
    r->devices = g_strdup(value);
}

static bool region_get_pmem(Object *obj, Error **errp)
{
    return CXLEMU_REGION(obj)->pmem;
}

static void region_set_pmem(Object *obj, bool value, Error **errp)
{
    CXLEMU_REGION(obj)->pmem = value;
}

static bool region_get_lock(Object *obj, Error **errp)
{
    return CXLEMU_REGION(obj)->lock;
}

static void region_set_lock(Object *obj, bool value, Error **errp)
{
    CXLEMU_REGION(obj)->lock = value;
}

static void region_init(Object *obj)
{
    object_property_add_uint32_ptr(obj, "window", &CXLEMU_REGION(obj)->window,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "window",
        "index of the CXL fixed memory window (cxl-fmw.N)");
}

static void region_finalize(Object *obj)
{
    g_free(CXLEMU_REGION(obj)->devices);
}

static void region_class_init(ObjectClass *oc, void *data)
{
    object_class_property_add(oc, "granularity", "size", region_get_size,
                              region_set_size, NULL,
                              (void *)offsetof(CxlemuRegion, granularity));
    object_class_property_set_description(oc, "granularity",
        "interleave granularity (default: the window's, or 4 KiB)");
    object_class_property_add(oc, "size", "size", region_get_size,
                              region_set_size, NULL,
                              (void *)offsetof(CxlemuRegion, size));
    object_class_property_set_description(oc, "size",
        "region size, a multiple of ways x 256 MiB");
    object_class_property_add_str(oc, "devices", region_get_devices,
                                  region_set_devices);
    object_class_property_set_description(oc, "devices",
        "cxl-type3 ids in interleave order, separated by ':'");
    object_class_property_add_bool(oc, "pmem", region_get_pmem,
                                   region_set_pmem);
    object_class_property_set_description(oc, "pmem",
        "persistent capacity (default: volatile)");
    object_class_property_add_bool(oc, "lock", region_get_lock,
                                   region_set_lock);
    object_class_property_set_description(oc, "lock",
        "commit with Lock On Commit");
}

static const TypeInfo cxlemu_region_info = {
    .name = TYPE_CXLEMU_REGION,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CxlemuRegion),
    .instance_init = region_init,
    .instance_finalize = region_finalize,
    .class_init = region_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static const TypeInfo cxlemu_sub_info = {
    .name = TYPE_CXLEMU_SUB,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CxlemuSub),
};

static void cxlemu_register_types(void)
{
    type_register_static(&cxlemu_iommu_mr_info);
    type_register_static(&cxlemu_region_info);
    type_register_static(&cxlemu_sub_info);
}

type_init(cxlemu_register_types)

/* Dynamic capacity in the translation space: every access checks that an
 * accepted extent backs it. */
static MemTxResult dc_gate_read(void *opaque, hwaddr addr, uint64_t *data,
                                unsigned size, MemTxAttrs attrs)
{
    CxlemuPart *p = opaque;
    uint8_t buf[8];
    MemTxResult r = ep_access(p->e, p->dpa + addr, buf, size, false);

    *data = r == MEMTX_OK ? ldn_le_p(buf, size) : 0;
    return r;
}

static MemTxResult dc_gate_write(void *opaque, hwaddr addr, uint64_t data,
                                 unsigned size, MemTxAttrs attrs)
{
    CxlemuPart *p = opaque;
    uint8_t buf[8];

    stn_le_p(buf, size, data);
    ep_access(p->e, p->dpa + addr, buf, size, true);
    return MEMTX_OK;
}

static const MemoryRegionOps dc_gate_ops = {
    .read_with_attrs = dc_gate_read,
    .write_with_attrs = dc_gate_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* ---- Choosing the paths -------------------------------------------------- */

static CxlemuSub *sub_new(CxlemuWindow *w, uint64_t hpa)
{
    CxlemuSub *s = (CxlemuSub *)object_new(TYPE_CXLEMU_SUB);

    s->w = w;
    s->hpa = hpa;
    return s;
}

static void window_clear(CxlemuWindow *w)
{
    guint i;

    for (i = 0; i < w->subs->len; i++) {
        CxlemuSub *s = g_ptr_array_index(w->subs, i);
        MemoryRegion *mr = s->iommu ? MEMORY_REGION(&s->u.iommu_mr) :
                                      &s->u.alias;

        memory_region_del_subregion(&w->fw->mr, mr);
        if (s->iommu) {
            g_ptr_array_add(w->iommu_free, s);
            continue;
        }
        /* The old flat view (vCPUs may still be inside it) and its
         * dispatch tables hold the rest; the region is finalized with
         * the subregion when they are destroyed, after an RCU grace
         * period.  (Freeing it from our own call_rcu() callback, queued
         * before theirs, let them read it after it was freed.) */
        object_unref(OBJECT(s));
    }
    g_ptr_array_set_size(w->subs, 0);
    w->nlinear = w->niommu = 0;
}

/* Path (a) for one linear extent: an alias per vmem/pmem partition piece;
 * pieces in dynamic capacity stay with path (c). */
static void map_linear(CxlemuWindow *w, const struct cxlemu_route_extent *x)
{
    CxlemuMachine *m = w->m;
    CxlemuEndpoint *e = x->ep < m->neps ? m->eps[x->ep] : NULL;
    uint64_t done = 0;

    if (!e) {
        return;
    }
    while (done < x->size) {
        CxlemuPart *p = part_of(e, x->dpa + done);
        uint64_t off, n;
        CxlemuSub *s;

        if (!p) {
            return;
        }
        off = x->dpa + done - p->dpa;
        n = MIN(x->size - done, p->size - off);
        if (p->kind != PART_DC) {
            s = sub_new(w, x->base + done);
            memory_region_init_alias(&s->u.alias, OBJECT(s), "cxlemu-linear",
                                     p->mr, off, n);
            memory_region_add_subregion_overlap(&w->fw->mr,
                                                s->hpa - w->fw->base,
                                                &s->u.alias, 1);
            g_ptr_array_add(w->subs, s);
            w->nlinear++;
            trace_cxlemu_layout(w->index, "linear", s->hpa, n, n);
        } else {
            trace_cxlemu_layout(w->index, "routed", x->base + done, n, n);
        }
        done += n;
    }
}

/* Path (b) for one extent interleaved at a page or more. */
static void map_translated(CxlemuWindow *w, const struct cxlemu_route_extent *x)
{
    CxlemuSub *s;

    if (w->iommu_free->len) {
        s = g_ptr_array_steal_index_fast(w->iommu_free, w->iommu_free->len - 1);
        qatomic_set(&s->hpa, x->base);
        qatomic_set(&s->unit, x->unit);
        memory_region_set_size(MEMORY_REGION(&s->u.iommu_mr), x->size);
    } else {
        s = sub_new(w, x->base);
        s->iommu = true;
        s->unit = x->unit;
        memory_region_init_iommu(&s->u.iommu_mr, sizeof(s->u.iommu_mr),
                                 TYPE_CXLEMU_IOMMU_MR, OBJECT(s),
                                 "cxlemu-translated", x->size);
    }
    memory_region_add_subregion_overlap(&w->fw->mr, x->base - w->fw->base,
                                        MEMORY_REGION(&s->u.iommu_mr), 1);
    g_ptr_array_add(w->subs, s);
    w->niommu++;
    trace_cxlemu_layout(w->index, "translated", x->base, x->size, x->unit);
}

/* Lays the window out again for its current route table. */
static void window_layout(CxlemuWindow *w, bool force)
{
    const struct cxlemu_route_table *t = cxlemu_route_pub_get(w->pub);
    struct cxlemu_route_extent x;
    uint32_t i;

    if (t == w->laid_out && !force) {
        return;
    }
    memory_region_transaction_begin();
    window_clear(w);
    for (i = 0; t && cxlemu_route_table_extent(t, i, &x) == 0; i++) {
        if (x.flags & CXLEMU_EXTENT_MISS) {
            trace_cxlemu_layout(w->index, "unmapped", x.base, x.size, x.unit);
        } else if (x.flags & CXLEMU_EXTENT_PARTIAL) {
            trace_cxlemu_layout(w->index, "routed", x.base, x.size, x.unit);
        } else if (w->m->media_off) {
            trace_cxlemu_layout(w->index, "routed", x.base, x.size, x.unit);
        } else if (x.flags & CXLEMU_EXTENT_LINEAR) {
            map_linear(w, &x);
        } else if (x.unit >= w->m->page) {
            map_translated(w, &x);
        } else {
            trace_cxlemu_layout(w->index, "routed", x.base, x.size, x.unit);
        }
    }
    w->laid_out = t;
    memory_region_transaction_commit();
}

static void layout_all(CxlemuMachine *m)
{
    uint32_t i, off = 0;
    bool force;

    for (i = 0; i < m->neps; i++) {
        if (m->eps[i] && cxlemu_memdev_media_disabled(m->eps[i]->md)) {
            off++;
        }
    }
    m->media_off = off;
    force = off != m->laid_out_media_off;
    m->laid_out_media_off = off;
    for (i = 0; i < m->nwins; i++) {
        window_layout(&m->wins[i], force);
    }
}

/* ---- Component registers ----------------------------------------------- */

static bool in_hdm(CXLComponentState *cs, hwaddr offset, unsigned size)
{
    return cs->cxlemu && offset >= CXL_HDM_REGISTERS_OFFSET &&
           offset + size <= CXL_HDM_REGISTERS_OFFSET + CXL_HDM_REGISTERS_SIZE;
}

bool cxlemu_qemu_cm_read(CXLComponentState *cs, hwaddr offset, unsigned size,
                         uint64_t *val)
{
    CxlemuComp *c = cs->cxlemu;

    if (!in_hdm(cs, offset, size)) {
        return false;
    }
    if (cxlemu_topo_reg_read(c->m->topo, c->id,
                             c->hdm_offset + offset - CXL_HDM_REGISTERS_OFFSET,
                             size, val)) {
        *val = 0;
    }
    return true;
}

bool cxlemu_qemu_cm_write(CXLComponentState *cs, hwaddr offset, uint64_t val,
                          unsigned size)
{
    CxlemuComp *c = cs->cxlemu;

    if (!in_hdm(cs, offset, size)) {
        return false;
    }
    /* A refused commit sets Error Not Committed and is logged as a guest
     * error; a table that could not be rebuilt unmaps its window. */
    cxlemu_topo_reg_write(c->m->topo, c->id,
                          c->hdm_offset + offset - CXL_HDM_REGISTERS_OFFSET,
                          size, val);
    layout_all(c->m);
    return true;
}

/* ---- Mailbox: the library's memory device and CCI ----------------------- */

static void pci_irq(PCIDevice *pdev, unsigned int vector)
{
    if (msix_enabled(pdev)) {
        msix_notify(pdev, vector);
    } else if (msi_enabled(pdev)) {
        msi_notify(pdev, vector);
    }
}

/* Mailbox interrupt: the message number the capabilities register gives
 * (8.2.8.4.3, bits 10:7). */
static void mbox_irq(void *opaque)
{
    CxlemuCci *c = opaque;
    uint64_t cap = 0;

    cxlemu_cci_reg_read(c->cci, 0, 4, &cap);
    pci_irq(c->pdev, (cap >> 7) & 0xf);
}

static void mbox_schedule(void *opaque, uint64_t when_ns)
{
    CxlemuCci *c = opaque;

    timer_mod(c->timer, when_ns);
}

static void mbox_bg_tick(void *opaque)
{
    CxlemuCci *c = opaque;

    cxlemu_cci_poll(c->cci);
    /* A finished sanitize gives the media back. */
    layout_all(c->m);
}

/* Creates the library CCI for @c (m, pdev set) from @cc. */
static int cci_start(CxlemuCci *c, struct cxlemu_cci_config *cc)
{
    PCIDevice *pdev = c->pdev;
    int rc;

    cc->version = CXLEMU_CCI_CONFIG_VERSION;
    cc->payload_size = CXL_MAILBOX_MAX_PAYLOAD_SIZE;
    cc->vendor_id = pci_get_word(pdev->config + PCI_VENDOR_ID);
    cc->device_id = pci_get_word(pdev->config + PCI_DEVICE_ID);
    cc->subsys_vendor_id = pci_get_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID);
    cc->subsys_id = pci_get_word(pdev->config + PCI_SUBSYSTEM_ID);
    cc->host = (struct cxlemu_cci_host) {
        .irq = mbox_irq,
        .schedule = mbox_schedule,
        .opaque = c,
    };
    rc = cxlemu_cci_new(c->m->ctx, cc, &c->cci);
    if (!rc) {
        c->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, mbox_bg_tick, c);
    }
    return rc;
}

static void cci_stop(CxlemuCci *c)
{
    if (c->timer) {
        timer_free(c->timer);
        c->timer = NULL;
    }
    cxlemu_cci_free(c->cci);
    c->cci = NULL;
}

static void event_irq(void *opaque, unsigned int log, unsigned int mode,
                      unsigned int vector)
{
    CxlemuEndpoint *e = opaque;

    if (mode == 1) { /* MSI/MSI-X (8.2.9.2.4) */
        pci_irq(PCI_DEVICE(e->ct3d), vector);
    }
}

static uint8_t *lsa_ptr(CxlemuEndpoint *e, uint64_t off, size_t len)
{
    MemoryRegion *mr;

    if (!e->ct3d->lsa) {
        return NULL;
    }
    mr = host_memory_backend_get_memory(e->ct3d->lsa);
    if (off > memory_region_size(mr) || len > memory_region_size(mr) - off) {
        return NULL;
    }
    return (uint8_t *)memory_region_get_ram_ptr(mr) + off;
}

static int lsa_read(void *opaque, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = lsa_ptr(opaque, off, len);

    if (!p) {
        return -EINVAL;
    }
    memcpy(buf, p, len);
    return 0;
}

static int lsa_write(void *opaque, uint64_t off, const void *buf, size_t len)
{
    CxlemuEndpoint *e = opaque;
    uint8_t *p = lsa_ptr(e, off, len);

    if (!p) {
        return -EINVAL;
    }
    memcpy(p, buf, len);
    memory_region_set_dirty(host_memory_backend_get_memory(e->ct3d->lsa), off, len);
    return 0;
}

/* Sanitize, secure erase, media operations and Clear Poison write device
 * memory directly, partition by partition. */
static int media_fill(CxlemuEndpoint *e, uint64_t dpa, uint64_t len,
                      const void *src)
{
    while (len) {
        CxlemuPart *p = part_of(e, dpa);
        uint64_t off, n;

        if (!p) {
            return -EINVAL;
        }
        off = dpa - p->dpa;
        n = MIN(len, p->size - off);
        if (src) {
            memcpy(p->host + off, src, n);
            src = (const uint8_t *)src + n;
        } else {
            memset(p->host + off, 0, n);
        }
        memory_region_set_dirty(p->mr, off, n);
        dpa += n;
        len -= n;
    }
    return 0;
}

static int media_zero(void *opaque, uint64_t dpa, uint64_t len)
{
    return media_fill(opaque, dpa, len, NULL);
}

static int media_write(void *opaque, uint64_t dpa, const void *buf, size_t len)
{
    return media_fill(opaque, dpa, len, buf);
}

static bool add_mailbox(CxlemuEndpoint *e, Error **errp)
{
    CxlemuMachine *m = e->m;
    PCIDevice *pdev = PCI_DEVICE(e->ct3d);
    struct cxlemu_memdev_config mc;
    struct cxlemu_cci_config cc = { 0 };
    int rc;

    cxlemu_memdev_config_init(&mc);
    rc = cxlemu_memdev_config_from_topo(m->topo, e->id, &mc);
    if (!rc) {
        mc.host = (struct cxlemu_memdev_host) {
            .lsa_read = lsa_read,
            .lsa_write = lsa_write,
            .media_zero = media_zero,
            .event_irq = event_irq,
            .media_write = media_write,
            .opaque = e,
        };
        e->mc = mc;
        rc = cxlemu_memdev_new(m->ctx, &mc, &e->md);
    }
    if (!rc) {
        cc.kind = CXLEMU_CCI_MAILBOX;
        cc.component_type = 3;
        cc.serial = e->ct3d->sn;
        cc.memdev = e->md;
        e->mbox.m = m;
        e->mbox.pdev = pdev;
        rc = cci_start(&e->mbox, &cc);
    }
    if (rc) {
        error_setg(errp, "libcxlemu: no mailbox for '%s': %s",
                   DEVICE(e->ct3d)->id ?: "cxl-type3", cxlemu_strerror(rc));
        return false;
    }
    return true;
}

/* Hooks the device's mailbox transports to the library (after every part
 * of the machine could be modelled). */
static void own_mailbox(CxlemuEndpoint *e)
{
    e->ct3d->cci.cxlemu = &e->mbox;
    e->ct3d->cxl_dstate.cxlemu = e;
}

/* The endpoint of a type-3 device's primary CCI. */
static CxlemuEndpoint *ct3d_ep(CXLType3Dev *ct3d)
{
    CxlemuCci *c = ct3d->cci.cxlemu;

    return c ? container_of(c, CxlemuEndpoint, mbox) : NULL;
}

bool cxlemu_qemu_mbox_read(CXLCCI *cci, hwaddr offset, unsigned size,
                           uint64_t *val)
{
    CxlemuCci *c = cci->cxlemu;

    if (!c) {
        return false;
    }
    if (cxlemu_cci_reg_read(c->cci, offset, size, val)) {
        *val = 0;
    }
    return true;
}

bool cxlemu_qemu_mbox_write(CXLCCI *cci, hwaddr offset, uint64_t val,
                            unsigned size)
{
    CxlemuCci *c = cci->cxlemu;

    if (!c) {
        return false;
    }
    cxlemu_cci_reg_write(c->cci, offset, size, val);
    /* Sanitize and media operations change what may be mapped. */
    layout_all(c->m);
    return true;
}

bool cxlemu_qemu_cci_message(CXLCCI *cci, uint8_t set, uint8_t cmd,
                             size_t len_in, uint8_t *pl_in, size_t *len_out,
                             uint8_t *pl_out, bool *bg_started, int *rc)
{
    CxlemuCci *c = cci->cxlemu;

    if (!c) {
        return false;
    }
    *bg_started = false;
    *rc = cxlemu_cci_execute(c->cci, (uint16_t)(set << 8 | cmd), pl_in, len_in,
                             pl_out, cci->payload_max, len_out);
    if (*rc < 0) {
        *len_out = 0;
        *rc = CXLEMU_MBOX_INTERNAL_ERROR;
    }
    layout_all(c->m);
    return true;
}

/* Device Status (8.2.8.3.1: Event Status) and Memory Device Status
 * (8.2.8.5.1: Media Status) registers from the library's device. */
bool cxlemu_qemu_dev_status(CXLDeviceState *dstate, hwaddr offset,
                            unsigned size, uint64_t *val)
{
    CxlemuEndpoint *e = dstate->cxlemu;
    uint64_t reg;

    if (!e) {
        return false;
    }
    reg = offset < 8 ? cxlemu_memdev_event_status(e->md) : 0;
    *val = (reg >> (8 * (offset & 7))) & (size == 8 ? UINT64_MAX :
                                           ((1ull << (8 * size)) - 1));
    return true;
}

bool cxlemu_qemu_memdev_status(CXLDeviceState *dstate, uint64_t *val)
{
    CxlemuEndpoint *e = dstate->cxlemu;

    if (!e) {
        return false;
    }
    /* Media Status: 01b ready, 11b disabled (sanitize, secure erase). */
    *val = (dstate->memdev_status & ~(3ull << 2)) |
           ((cxlemu_memdev_media_disabled(e->md) ? 3ull : 1ull) << 2);
    return true;
}

/* ---- Switch mailbox CCI: the library's Virtual CXL Switch --------------- */

/*
 * A cxl-switch-mailbox-cci and the switch it manages, as the library sees
 * it.  Port IDs are QEMU's port numbers (the upstream port's and each
 * cxl-downstream's).  The switch has one VCS; its vPPB k is the k-th
 * cxl-downstream in port order (the bridge the guest sees), bound at
 * start to that port, as QEMU wires them.
 *
 * A fabric manager (the switch CCI's mailbox, or the FM socket of the
 * fm-socket property) may unbind a vPPB and bind it to another port
 * (CXL 3.1 7.6.7.2.2, 7.6.7.2.3).  The guest sees that as PCIe hot-plug
 * on the vPPB's slot: an unbind removes the device below it (managed: the
 * attention button, the guest ejects; surprise: at once; wait for link
 * down: when the guest powers the slot off) while the device stays cabled
 * to its physical port, kept as the properties it was created with; a
 * bind creates the device of the bound port below the vPPB again (same
 * id, same memory backends, so the data is still there) and the guest
 * sees a hot-add.
 */
typedef struct CxlemuSwPort {
    /* The device cabled to this port while no vPPB shows it: its type, id
     * and property values (NULL when there is none). */
    char *saved_type;
    char *saved_id;
    QDict *saved_props;
} CxlemuSwPort;

typedef struct CxlemuSwitch {
    CxlemuCci mbox;
    struct cxlemu_switch *sw;
    bool setting_up;         /* the initial binds complete at once */
    PCIDevice *usp;
    unsigned int nvppbs;
    PCIDevice *vppb_dsp[CXLEMU_SWITCH_MAX_VPPBS];
    bool unbinding[CXLEMU_SWITCH_MAX_VPPBS]; /* waiting for the removal */
    CxlemuSwPort port[CXLEMU_SWITCH_MAX_PORTS];
    Object *vcs;             /* the cxlemu-vcs object of VCS 0 */
    /* The FM socket: the switch's MCTP endpoint served on a Unix socket. */
    CxlemuCci fm;
    struct cxlemu_fmsock_server *fm_srv;
    char *fm_path;
    GArray *fm_fds;          /* descriptors with a handler set */
} CxlemuSwitch;

/* A bind or unbind the library asked for, done from a bottom half: the
 * request arrives inside a mailbox access or an FM socket read, where
 * devices must not come and go. */
typedef struct SwOp {
    CxlemuSwitch *s;
    bool bind;
    unsigned int vppb, port, mode;
} SwOp;

static PCIDevice *sw_child(PCIDevice *dsp)
{
    return pci_bridge_get_sec_bus(PCI_BRIDGE(dsp))->devices[0];
}

static void sw_port_clear(CxlemuSwPort *p)
{
    g_clear_pointer(&p->saved_type, g_free);
    g_clear_pointer(&p->saved_id, g_free);
    qobject_unref(p->saved_props);
    p->saved_props = NULL;
}

/* Keeps what it takes to create @dev again: every settable property of
 * its class hierarchy (links as paths; empty strings are left at their
 * defaults, which is what an unset string or link reads as). */
static void sw_port_save(CxlemuSwPort *p, DeviceState *dev)
{
    ObjectClass *oc;

    sw_port_clear(p);
    p->saved_type = g_strdup(object_get_typename(OBJECT(dev)));
    p->saved_id = g_strdup(dev->id);
    p->saved_props = qdict_new();
    for (oc = object_get_class(OBJECT(dev));
         oc && object_class_dynamic_cast(oc, TYPE_DEVICE);
         oc = object_class_get_parent(oc)) {
        DeviceClass *dc = DEVICE_CLASS(oc);
        unsigned int i;

        for (i = 0; i < dc->props_count_; i++) {
            const char *name = dc->props_[i].name;
            ObjectProperty *op = object_property_find(OBJECT(dev), name);
            QObject *v;

            if (!op || !op->get || !op->set ||
                qdict_haskey(p->saved_props, name)) {
                continue;
            }
            v = object_property_get_qobject(OBJECT(dev), name, NULL);
            if (!v || (qobject_type(v) == QTYPE_QSTRING &&
                       !*qstring_get_str(qobject_to(QString, v)))) {
                qobject_unref(v);
                continue;
            }
            qdict_put_obj(p->saved_props, name, v);
        }
    }
}

/* Creates the saved device of @p below @dsp: a hot-add the guest sees. */
static bool sw_port_restore(CxlemuSwPort *p, PCIDevice *dsp, Error **errp)
{
    BusState *bus = BUS(pci_bridge_get_sec_bus(PCI_BRIDGE(dsp)));
    DeviceState *dev = qdev_new(p->saved_type);
    const QDictEntry *ent;

    if (!qdev_hotplug_allowed(dev, bus, errp) ||
        !qdev_set_id(dev, g_strdup(p->saved_id), errp)) {
        goto fail;
    }
    for (ent = qdict_first(p->saved_props); ent;
         ent = qdict_next(p->saved_props, ent)) {
        if (!object_property_set_qobject(OBJECT(dev), qdict_entry_key(ent),
                                         qdict_entry_value(ent), errp)) {
            goto fail;
        }
    }
    if (!qdev_realize(dev, bus, errp)) {
        goto fail;
    }
    object_unref(OBJECT(dev));
    return true;
fail:
    object_unparent(OBJECT(dev));
    object_unref(OBJECT(dev));
    return false;
}

static void sw_done(CxlemuSwitch *s, unsigned int vppb, int status)
{
    int rc = cxlemu_switch_host_done(s->sw, 0, vppb, status);

    if (rc) {
        warn_report("libcxlemu: switch '%s': vPPB %u: %s",
                    DEVICE(s->usp)->id ?: "cxl-upstream", vppb,
                    cxlemu_strerror(rc));
    }
}

static void sw_op_run(void *opaque)
{
    SwOp *op = opaque;
    CxlemuSwitch *s = op->s;
    PCIDevice *dsp = s->vppb_dsp[op->vppb];
    CxlemuSwPort *p = &s->port[op->port];
    PCIDevice *child = sw_child(dsp);
    Error *err = NULL;

    if (op->bind) {
        if (!p->saved_type) {
            sw_done(s, op->vppb, 0); /* nothing cabled: the link stays down */
        } else if (child) {
            warn_report("libcxlemu: bind: '%s' already has a device below it",
                        DEVICE(dsp)->id ?: "cxl-downstream");
            sw_done(s, op->vppb, -EBUSY);
        } else if (sw_port_restore(p, dsp, &err)) {
            sw_port_clear(p);
            sw_done(s, op->vppb, 0);
        } else {
            error_prepend(&err, "libcxlemu: bind of port %u below '%s': ",
                          op->port, DEVICE(dsp)->id ?: "cxl-downstream");
            warn_report_err(err);
            sw_done(s, op->vppb, -EIO);
        }
        g_free(op);
        return;
    }
    if (!child) {
        sw_done(s, op->vppb, 0); /* nothing to remove */
        g_free(op);
        return;
    }
    sw_port_save(p, DEVICE(child));
    s->unbinding[op->vppb] = true;
    switch (op->mode) {
    case CXLEMU_UNBIND_SURPRISE:
        pcie_cap_slot_surprise_remove(dsp);
        break;
    case CXLEMU_UNBIND_MANAGED:
        qdev_unplug(DEVICE(child), &err);
        if (err) {
            s->unbinding[op->vppb] = false;
            sw_port_clear(p);
            error_prepend(&err, "libcxlemu: managed unbind of '%s': ",
                          DEVICE(child)->id ?: "cxl-type3");
            warn_report_err(err);
            sw_done(s, op->vppb, -EIO);
        }
        break;
    default:
        /* Wait for the link to go down: the guest powers the slot off. */
        break;
    }
    g_free(op);
}

static int sw_attach(void *opaque, unsigned int vcs, unsigned int vppb,
                     unsigned int port, unsigned int ld_id)
{
    CxlemuSwitch *s = opaque;
    SwOp *op;

    if (s->setting_up) {
        return cxlemu_switch_host_done(s->sw, vcs, vppb, 0);
    }
    if (vcs != 0 || vppb >= s->nvppbs || ld_id != CXLEMU_SWITCH_NO_LD) {
        return -EINVAL;
    }
    op = g_new0(SwOp, 1);
    *op = (SwOp) { .s = s, .bind = true, .vppb = vppb, .port = port };
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sw_op_run, op);
    return 0;
}

static int sw_detach(void *opaque, unsigned int vcs, unsigned int vppb,
                     unsigned int port, unsigned int ld_id, unsigned int mode)
{
    CxlemuSwitch *s = opaque;
    PCIDevice *child;
    SwOp *op;

    if (vcs != 0 || vppb >= s->nvppbs || ld_id != CXLEMU_SWITCH_NO_LD) {
        return -EINVAL;
    }
    child = sw_child(s->vppb_dsp[vppb]);
    if (child && !object_dynamic_cast(OBJECT(child), TYPE_CXL_TYPE3)) {
        /* A switch or a PCIe device below: recreating a whole subtree
         * (or a device the library does not model) is not supported. */
        warn_report("libcxlemu: unbind of '%s': only a cxl-type3 can be "
                    "unbound and bound again",
                    DEVICE(child)->id ?: object_get_typename(OBJECT(child)));
        return -ENOTSUP;
    }
    op = g_new0(SwOp, 1);
    *op = (SwOp) { .s = s, .vppb = vppb, .port = port, .mode = mode };
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sw_op_run, op);
    return 0;
}

/* The switch and vPPB whose bridge is @dsp, if a switch CCI manages it. */
static CxlemuSwitch *sw_of_dsp(CxlemuMachine *m, PCIDevice *dsp,
                               unsigned int *vppb)
{
    unsigned int i, k;

    for (i = 0; m && i < m->switches->len; i++) {
        CxlemuSwitch *s = g_ptr_array_index(m->switches, i);

        for (k = 0; k < s->nvppbs; k++) {
            if (s->vppb_dsp[k] == dsp) {
                *vppb = k;
                return s;
            }
        }
    }
    return NULL;
}

/* A cxl-type3 below a vPPB came or went.  The end of an unbind completes
 * it; otherwise (device_add, device_del, the guest powering the slot
 * off) the bound port's device changes, the binding stays. */
static void sw_type3_changed(CxlemuMachine *m, CXLType3Dev *ct3d, bool plugged)
{
    PCIDevice *dsp = pci_get_bus(PCI_DEVICE(ct3d))->parent_dev;
    struct cxlemu_switch_vppb_info vi;
    CxlemuSwitch *s;
    unsigned int vppb;

    s = dsp ? sw_of_dsp(m, dsp, &vppb) : NULL;
    if (!s) {
        return;
    }
    if (!plugged && s->unbinding[vppb]) {
        s->unbinding[vppb] = false;
        sw_done(s, vppb, 0);
        return;
    }
    if (cxlemu_switch_vppb_info(s->sw, 0, vppb, &vi) ||
        (vi.state != CXLEMU_VPPB_BOUND_PORT && vi.state != CXLEMU_VPPB_BINDING)) {
        if (plugged) {
            warn_report("libcxlemu: '%s' plugged below vPPB %u of '%s', which "
                        "is bound to no port", DEVICE(ct3d)->id ?: "cxl-type3",
                        vppb, DEVICE(s->usp)->id ?: "cxl-upstream");
        }
        return;
    }
    if (vi.state == CXLEMU_VPPB_BOUND_PORT) {
        sw_port_clear(&s->port[vi.port]);
        cxlemu_switch_set_port_attached(s->sw, vi.port,
                                        plugged ? CXLEMU_SWITCH_DEV_SLD :
                                        CXLEMU_SWITCH_DEV_NONE);
    }
}

static void sw_event_irq(void *opaque, unsigned int log, unsigned int mode,
                         unsigned int vector)
{
    CxlemuSwitch *s = opaque;

    if (mode == 1) {
        pci_irq(s->mbox.pdev, vector);
    }
}

static uint8_t sw_attached(PCIDevice *dsp)
{
    PCIDevice *d = sw_child(dsp);

    if (!d) {
        return CXLEMU_SWITCH_DEV_NONE;
    }
    if (object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3)) {
        return CXLEMU_SWITCH_DEV_SLD;
    }
    if (object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
        return CXLEMU_SWITCH_DEV_SWITCH;
    }
    return CXLEMU_SWITCH_DEV_PCIE;
}

/* ---- The cxlemu-vcs object: a VCS's bindings for QOM readers ------------ */

#define TYPE_CXLEMU_VCS "cxlemu-vcs"

typedef struct CxlemuVcsObj {
    Object parent_obj;
    CxlemuSwitch *s;
} CxlemuVcsObj;

OBJECT_DECLARE_SIMPLE_TYPE(CxlemuVcsObj, CXLEMU_VCS)

static const TypeInfo cxlemu_vcs_info = {
    .name = TYPE_CXLEMU_VCS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CxlemuVcsObj),
};

static void cxlemu_vcs_register(void)
{
    type_register_static(&cxlemu_vcs_info);
}

type_init(cxlemu_vcs_register)

/* "vppb[K]": "unbound", or "bound|binding|unbinding port P". */
static char *vcs_get_vppb(Object *obj, Error **errp, unsigned int k)
{
    CxlemuSwitch *s = CXLEMU_VCS(obj)->s;
    static const char *const st[] = {
        [CXLEMU_VPPB_UNBOUND] = "unbound",
        [CXLEMU_VPPB_BOUND_PORT] = "bound",
        [CXLEMU_VPPB_BOUND_LD] = "bound",
        [CXLEMU_VPPB_BINDING] = "binding",
        [CXLEMU_VPPB_UNBINDING] = "unbinding",
    };
    struct cxlemu_switch_vppb_info vi;

    if (cxlemu_switch_vppb_info(s->sw, 0, k, &vi) || vi.state >= ARRAY_SIZE(st) ||
        !st[vi.state]) {
        error_setg(errp, "vPPB %u has no state", k);
        return NULL;
    }
    if (vi.state == CXLEMU_VPPB_UNBOUND) {
        return g_strdup("unbound");
    }
    return g_strdup_printf("%s port %u", st[vi.state], vi.port);
}

typedef struct VcsProp {
    CxlemuVcsObj *v;
    unsigned int index;
} VcsProp;

static void vcs_prop_get(Object *obj, Visitor *visitor, const char *name,
                         void *opaque, Error **errp)
{
    VcsProp *vp = opaque;
    CxlemuSwitch *s = vp->v->s;
    g_autofree char *str = NULL;

    if (g_str_has_prefix(name, "vppb[")) {
        str = vcs_get_vppb(obj, errp, vp->index);
    } else {
        /* "port[P]": the device cabled there (its id), "(unbound)" when no
         * vPPB shows it, or "empty". */
        struct cxlemu_switch_port_info pi;
        CxlemuSwPort *p = &s->port[vp->index];
        unsigned int k;

        cxlemu_switch_port_info(s->sw, vp->index, &pi);
        if (p->saved_type) {
            str = g_strdup_printf("%s (unbound)", p->saved_id ?: p->saved_type);
        }
        for (k = 0; !str && k < s->nvppbs; k++) {
            struct cxlemu_switch_vppb_info vi;
            PCIDevice *c;

            if (cxlemu_switch_vppb_info(s->sw, 0, k, &vi) ||
                vi.state != CXLEMU_VPPB_BOUND_PORT || vi.port != vp->index) {
                continue;
            }
            c = sw_child(s->vppb_dsp[k]);
            if (c) {
                str = g_strdup_printf("%s (vPPB %u)", DEVICE(c)->id ?:
                                      object_get_typename(OBJECT(c)), k);
            }
        }
        if (!str) {
            str = g_strdup("empty");
        }
    }
    if (str) {
        visit_type_str(visitor, name, &str, errp);
    }
}

static void vcs_prop_release(Object *obj, const char *name, void *opaque)
{
    g_free(opaque);
}

static void vcs_add_prop(CxlemuVcsObj *v, const char *fmt, unsigned int i)
{
    g_autofree char *name = g_strdup_printf(fmt, i);
    VcsProp *vp = g_new0(VcsProp, 1);

    vp->v = v;
    vp->index = i;
    object_property_add(OBJECT(v), name, "str", vcs_prop_get, NULL,
                        vcs_prop_release, vp);
}

static void sw_add_vcs_object(CxlemuSwitch *s, CSWMBCCIDev *dev,
                              const struct cxlemu_switch_config *sc)
{
    CxlemuVcsObj *v = CXLEMU_VCS(object_new(TYPE_CXLEMU_VCS));
    unsigned int i;

    v->s = s;
    for (i = 0; i < s->nvppbs; i++) {
        vcs_add_prop(v, "vppb[%u]", i);
    }
    for (i = 0; i < sc->nports; i++) {
        if (sc->ports[i].type == CXLEMU_SWITCH_PORT_DSP) {
            vcs_add_prop(v, "port[%u]", i);
        }
    }
    object_property_add_child(OBJECT(dev), "vcs[0]", OBJECT(v));
    object_unref(OBJECT(v));
    s->vcs = OBJECT(v);
}

/* ---- The FM socket ------------------------------------------------------- */

static void fm_ready(void *opaque);

/* Sets the main loop's handlers to what the server waits for now. */
static void fm_arm(CxlemuSwitch *s)
{
    size_t n = cxlemu_fmsock_server_pollfds(s->fm_srv, NULL, 0), i;
    g_autofree struct pollfd *fds = g_new0(struct pollfd, n ?: 1);

    cxlemu_fmsock_server_pollfds(s->fm_srv, fds, n);
    for (i = 0; i < n; i++) {
        qemu_set_fd_handler(fds[i].fd, (fds[i].events & POLLIN) ? fm_ready : NULL,
                            (fds[i].events & POLLOUT) ? fm_ready : NULL, s);
        g_array_append_val(s->fm_fds, fds[i].fd);
    }
}

static void fm_disarm(CxlemuSwitch *s)
{
    unsigned int i;

    /* Before the server may close a descriptor. */
    for (i = 0; i < s->fm_fds->len; i++) {
        qemu_set_fd_handler(g_array_index(s->fm_fds, int, i), NULL, NULL, NULL);
    }
    g_array_set_size(s->fm_fds, 0);
}

static void fm_ready(void *opaque)
{
    CxlemuSwitch *s = opaque;

    fm_disarm(s);
    cxlemu_fmsock_server_service(s->fm_srv, NULL, 0);
    fm_arm(s);
}

static void fm_bg_tick(void *opaque)
{
    CxlemuCci *c = opaque;

    cxlemu_cci_poll(c->cci);
}

static void fm_cleanup(Notifier *n, void *data);
static Notifier fm_exit_notifier = { .notify = fm_cleanup };
static bool fm_exit_notifier_added;

/* Removes the sockets' files when QEMU exits. */
static void fm_cleanup(Notifier *n, void *data)
{
    CxlemuMachine *m = cxlemu_machine;
    unsigned int i;

    for (i = 0; m && i < m->switches->len; i++) {
        CxlemuSwitch *s = g_ptr_array_index(m->switches, i);

        if (s->fm_path) {
            unlink(s->fm_path);
        }
    }
}

/* The switch's MCTP endpoint (FM-API over MCTP, 7.6.3) on a Unix socket at
 * @path: the library's FM socket protocol (docs/fm-socket.md), which
 * `cxlemu fm --socket PATH` speaks. */
static bool sw_fm_socket(CxlemuMachine *m, CxlemuSwitch *s, const char *path,
                         Error **errp)
{
    struct cxlemu_cci_config cc = { 0 };
    int fd = -1, rc;

    cc.version = CXLEMU_CCI_CONFIG_VERSION;
    /* A switch CCI: its MCTP binding is the FM API (message type 07h). */
    cc.kind = CXLEMU_CCI_SWITCH;
    cc.ingress_port = 0;  /* management bus 0 (7.6.7.1.1) */
    cc.payload_size = CXL_MAILBOX_MAX_PAYLOAD_SIZE;
    cc.component_type = 0;
    cc.vendor_id = pci_get_word(s->usp->config + PCI_VENDOR_ID);
    cc.device_id = pci_get_word(s->usp->config + PCI_DEVICE_ID);
    cc.fabric_switch = s->sw;
    cc.host = (struct cxlemu_cci_host) {
        .schedule = mbox_schedule,
        .opaque = &s->fm,
    };
    s->fm.m = m;
    rc = cxlemu_cci_new(m->ctx, &cc, &s->fm.cci);
    if (rc) {
        error_setg(errp, "libcxlemu: FM endpoint: %s", cxlemu_strerror(rc));
        return false;
    }
    s->fm.timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, fm_bg_tick, &s->fm);
    rc = cxlemu_fmsock_listen(path, &fd);
    if (!rc) {
        rc = cxlemu_fmsock_server_new(m->ctx, s->fm.cci, fd, &s->fm_srv);
    }
    if (rc) {
        /* The negative errno of socket(), bind() or listen(). */
        error_setg(errp, "libcxlemu: FM socket '%s': %s%s", path,
                   g_strerror(-rc),
                   rc == -EADDRINUSE ? " (remove the stale socket first)" : "");
        cci_stop(&s->fm);
        return false;
    }
    s->fm_path = g_strdup(path);
    s->fm_fds = g_array_new(false, false, sizeof(int));
    fm_arm(s);
    if (!fm_exit_notifier_added) {
        qemu_add_exit_notifier(&fm_exit_notifier);
        fm_exit_notifier_added = true;
    }
    return true;
}

static bool add_switch_cci(CxlemuMachine *m, CSWMBCCIDev *dev, Error **errp)
{
    PCIDevice *usp = dev->target;
    PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(usp));
    struct cxlemu_switch_config sc;
    struct cxlemu_cci_config cc = { 0 };
    uint8_t dsps[CXLEMU_SWITCH_MAX_PORTS];
    PCIDevice *dsp_dev[CXLEMU_SWITCH_MAX_PORTS] = { 0 };
    unsigned int ndsps = 0, nports, i, usp_id = PCIE_PORT(usp)->port;
    CxlemuSwitch *s = g_new0(CxlemuSwitch, 1);
    int devfn, rc;

    cxlemu_switch_config_init(&sc);
    sc.ports[usp_id].type = CXLEMU_SWITCH_PORT_USP;
    nports = usp_id + 1;
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *d = bus->devices[devfn];
        unsigned int id;

        if (!d || !object_dynamic_cast(OBJECT(d), TYPE_CXL_DSP)) {
            continue;
        }
        id = PCIE_PORT(d)->port;
        if (sc.ports[id].type != CXLEMU_SWITCH_PORT_DISABLED) {
            continue; /* a repeated port number: QEMU reaches the first */
        }
        sc.ports[id].type = CXLEMU_SWITCH_PORT_DSP;
        sc.ports[id].attached = sw_attached(d);
        dsp_dev[id] = d;
        nports = MAX(nports, id + 1);
    }
    for (i = 0; i < nports; i++) {
        if (sc.ports[i].type == CXLEMU_SWITCH_PORT_DSP) {
            s->vppb_dsp[ndsps] = dsp_dev[i];
            dsps[ndsps++] = i;
        }
    }
    s->usp = usp;
    s->nvppbs = ndsps;
    sc.nports = nports;
    sc.nvcs = 1;
    sc.vcs[0].enabled = 1;
    sc.vcs[0].usp = usp_id;
    sc.vcs[0].nvppbs = ndsps;
    sc.vendor_id = pci_get_word(usp->config + PCI_VENDOR_ID);
    sc.device_id = pci_get_word(usp->config + PCI_DEVICE_ID);
    sc.hdm_decoders = CXL_HDM_DECODER_COUNT;
    sc.host = (struct cxlemu_switch_host) {
        .attach = sw_attach,
        .detach = sw_detach,
        .event_irq = sw_event_irq,
        .opaque = s,
    };
    rc = cxlemu_switch_new(m->ctx, &sc, &s->sw);
    s->setting_up = true;
    for (i = 0; !rc && i < ndsps; i++) {
        rc = cxlemu_switch_bind(s->sw, 0, i, dsps[i], CXLEMU_SWITCH_NO_LD);
    }
    s->setting_up = false;
    if (!rc) {
        cc.kind = CXLEMU_CCI_SWITCH;
        cc.component_type = 0;
        cc.ingress_port = usp_id;
        cc.fabric_switch = s->sw;
        s->mbox.m = m;
        s->mbox.pdev = PCI_DEVICE(dev);
        rc = cci_start(&s->mbox, &cc);
    }
    if (rc) {
        error_setg(errp, "libcxlemu: cannot model the switch CCI of '%s': %s",
                   DEVICE(usp)->id ?: "cxl-upstream", cxlemu_strerror(rc));
        cxlemu_switch_free(s->sw);
        g_free(s);
        return false;
    }
    sw_add_vcs_object(s, dev, &sc);
    g_ptr_array_add(m->switches, s);
    return true;
}

static int find_switch_cci(Object *obj, void *opaque)
{
    if (object_dynamic_cast(obj, TYPE_CXL_SWITCH_MAILBOX_CCI)) {
        g_ptr_array_add(opaque, obj);
    }
    return 0;
}

/* ---- QMP injection into the library's device ---------------------------- */

bool cxlemu_qemu_inject_poison(CXLType3Dev *ct3d, uint64_t start,
                               uint64_t length, Error **errp)
{
    CxlemuEndpoint *e = ct3d_ep(ct3d);
    int rc;

    if (!e) {
        return false;
    }
    /* Poison the device found itself, as QEMU's own injection records. */
    rc = cxlemu_memdev_add_poison(e->md, start, length, CXLEMU_POISON_INTERNAL);
    if (rc) {
        error_setg(errp, "cannot poison 0x%" PRIx64 "+0x%" PRIx64 ": %s",
                   start, length, cxlemu_strerror(rc));
    }
    return true;
}

bool cxlemu_qemu_inject_record(CXLType3Dev *ct3d, int log,
                               const CXLEventRecordRaw *rec, Error **errp)
{
    CxlemuEndpoint *e = ct3d_ep(ct3d);
    struct cxlemu_event_common hdr = { 0 };
    int rc;

    if (!e) {
        return false;
    }
    /* Header flags (Table 8-43): the host's bits only, the log gives the
     * severity; the library stamps length, handle and timestamp. */
    hdr.flags = (rec->hdr.flags[0] | rec->hdr.flags[1] << 8 |
                 (uint32_t)rec->hdr.flags[2] << 16) &
                (CXLEMU_EVENT_FLAG_PERMANENT | CXLEMU_EVENT_FLAG_MAINT_NEEDED |
                 CXLEMU_EVENT_FLAG_PERF_DEGRADED | CXLEMU_EVENT_FLAG_HW_REPLACE);
    hdr.related_handle = lduw_le_p(&rec->hdr.related_handle);
    hdr.maint_op_class = rec->hdr.maint_op_class;
    rc = cxlemu_memdev_event_raw(e->md, (unsigned int)log, rec->hdr.id.data,
                                 &hdr, rec->data, sizeof(rec->data));
    if (rc) {
        error_setg(errp, "cannot add the event record: %s", cxlemu_strerror(rc));
    }
    return true;
}

bool cxlemu_qemu_inject_gen_media(CXLType3Dev *ct3d, int log, uint8_t flags,
                                  uint64_t dpa, uint8_t descriptor,
                                  uint8_t type, uint8_t transaction_type,
                                  bool has_channel, uint8_t channel,
                                  bool has_rank, uint8_t rank,
                                  bool has_device, uint32_t device,
                                  const char *component_id, Error **errp)
{
    CxlemuEndpoint *e = ct3d_ep(ct3d);
    struct cxlemu_event_gen_media g = { 0 };
    int rc;

    if (!e) {
        return false;
    }
    /* Header flags: the host's bits only, the log gives the severity. */
    g.hdr.flags = flags & (CXLEMU_EVENT_FLAG_PERMANENT |
                           CXLEMU_EVENT_FLAG_MAINT_NEEDED |
                           CXLEMU_EVENT_FLAG_PERF_DEGRADED |
                           CXLEMU_EVENT_FLAG_HW_REPLACE);
    g.phys_addr = dpa;
    g.descriptor = descriptor;
    g.type = type;
    g.transaction_type = transaction_type;
    /* Validity Flags (Table 8-45): channel, rank, device, component. */
    if (has_channel) {
        g.channel = channel;
        g.validity_flags |= 1u << 0;
    }
    if (has_rank) {
        g.rank = rank;
        g.validity_flags |= 1u << 1;
    }
    if (has_device) {
        g.device = device & 0xffffff;
        g.validity_flags |= 1u << 2;
    }
    if (component_id) {
        strncpy((char *)g.component_id, component_id,
                sizeof(g.component_id) - 1);
        g.validity_flags |= 1u << 3;
    }
    rc = cxlemu_memdev_event_gen_media(e->md, (unsigned int)log, &g);
    if (rc) {
        error_setg(errp, "cannot add the General Media event: %s",
                   cxlemu_strerror(rc));
    }
    return true;
}

/* QMP cxl-add-dynamic-capacity / cxl-release-dynamic-capacity (prescriptive):
 * extents are offsets into DC region @region. */
bool cxlemu_qemu_dc_change(CXLType3Dev *ct3d, bool add, uint16_t host_id,
                           uint8_t region, CxlDynamicCapacityExtentList *list,
                           Error **errp)
{
    CxlemuEndpoint *e = ct3d_ep(ct3d);
    g_autofree struct cxlemu_dc_extent *ext = NULL;
    CxlDynamicCapacityExtentList *it;
    uint32_t n = 0;
    int rc;

    if (!e) {
        return false;
    }
    if (region >= e->mc.dc_nregions) {
        error_setg(errp, "no dynamic capacity region %u", region);
        return true;
    }
    for (it = list; it; it = it->next) {
        n++;
    }
    ext = g_new0(struct cxlemu_dc_extent, MAX(n, 1));
    n = 0;
    for (it = list; it; it = it->next, n++) {
        ext[n].dpa = e->mc.dc[region].base + it->value->offset;
        ext[n].len = it->value->len;
    }
    rc = add ? cxlemu_memdev_dc_add(e->md, host_id, region, ext, n) :
               cxlemu_memdev_dc_release(e->md, host_id, region, ext, n, false);
    if (rc) {
        error_setg(errp, "dynamic capacity %s refused: %s",
                   add ? "add" : "release", cxlemu_strerror(rc));
    }
    return true;
}

/* ---- Building the topology --------------------------------------------- */

static char *comp_name(DeviceState *d)
{
    return d->id ? g_strdup(d->id) : object_get_canonical_path(OBJECT(d));
}

static bool add_comp(CxlemuMachine *m, struct cxlemu_comp_desc *desc,
                     DeviceState *d, uint32_t *id, Error **errp)
{
    g_autofree char *name = comp_name(d);
    int rc;

    desc->version = CXLEMU_COMP_DESC_VERSION;
    desc->name = name;
    rc = cxlemu_topo_add(m->topo, desc, id);
    if (rc) {
        error_setg(errp, "libcxlemu: cannot model %s '%s': %s",
                   object_get_typename(OBJECT(d)), name, cxlemu_strerror(rc));
        return false;
    }
    return true;
}

/* Hands a component's HDM decoders to the library. */
static void own_hdm(CxlemuMachine *m, CXLComponentState *cs, uint32_t id)
{
    CxlemuComp *c;
    uint32_t off;

    if (cxlemu_topo_hdm_offset(m->topo, id, &off)) {
        return; /* pass-through host bridge: nothing to decode */
    }
    c = g_new0(CxlemuComp, 1);
    c->m = m;
    c->id = id;
    c->hdm_offset = off;
    cs->cxlemu = c;
    g_ptr_array_add(m->owned, cs);
}

/* Whether @parent has a port numbered @port already.  QEMU accepts two
 * ports with one number; HDM routing (pcie_find_port_by_pn) only ever
 * reaches the first, and so do we: the second is left out. */
static bool port_taken(CxlemuMachine *m, uint32_t parent, uint32_t port)
{
    uint32_t i, n = cxlemu_topo_count(m->topo);
    struct cxlemu_comp_info info;

    for (i = 0; i < n; i++) {
        if (!cxlemu_topo_info(m->topo, i, &info) && info.parent == parent &&
            (info.kind == CXLEMU_COMP_ROOT_PORT || info.kind == CXLEMU_COMP_DSP) &&
            info.port == port) {
            return true;
        }
    }
    return false;
}

static bool skip_duplicate_port(CxlemuMachine *m, uint32_t parent,
                                PCIDevice *port)
{
    g_autofree char *name = NULL;

    if (!port_taken(m, parent, PCIE_PORT(port)->port)) {
        return false;
    }
    name = comp_name(DEVICE(port));
    warn_report("libcxlemu: port '%s' repeats port number %u: HDM decoders "
                "cannot target it (as in QEMU)", name, PCIE_PORT(port)->port);
    return true;
}

static void add_part(CxlemuEndpoint *e, enum part_kind kind,
                     HostMemoryBackend *be, uint64_t *dpa)
{
    CxlemuPart *p = &e->part[e->nparts];
    CxlemuMachine *m = e->m;

    if (!be) {
        return;
    }
    p->e = e;
    p->kind = kind;
    p->mr = host_memory_backend_get_memory(be);
    p->size = memory_region_size(p->mr);
    p->host = memory_region_get_ram_ptr(p->mr);
    p->dpa = *dpa;
    *dpa += p->size;
    if (kind == PART_DC) {
        memory_region_init_io(&p->space, OBJECT(qdev_get_machine()),
                              &dc_gate_ops, p, "cxlemu-dc-gate", p->size);
    } else {
        memory_region_init_alias(&p->space, OBJECT(qdev_get_machine()),
                                 "cxlemu-dpa", p->mr, 0, p->size);
    }
    memory_region_add_subregion(&m->space_root,
                                ((uint64_t)(e->id + 1) << EP_SPACE_SHIFT) + p->dpa,
                                &p->space);
    e->nparts++;
}

static bool add_type3(CxlemuMachine *m, CXLType3Dev *ct3d, uint32_t parent,
                      Error **errp)
{
    struct cxlemu_comp_desc d = { 0 };
    CxlemuEndpoint *e;
    uint64_t dpa = 0;
    uint32_t id;

    d.kind = CXLEMU_COMP_TYPE3;
    d.parent = parent;
    d.decoders = CXL_HDM_DECODER_COUNT;
    if (ct3d->hostvmem) {
        d.volatile_size = memory_region_size(
            host_memory_backend_get_memory(ct3d->hostvmem));
    }
    if (ct3d->hostpmem) {
        d.persistent_size = memory_region_size(
            host_memory_backend_get_memory(ct3d->hostpmem));
    }
    if (ct3d->dc.host_dc) {
        d.dc_size = ct3d->dc.total_capacity;
    }
    if (ct3d->lsa) {
        d.lsa_size = memory_region_size(host_memory_backend_get_memory(ct3d->lsa));
    }
    d.serial = ct3d->sn;
    if (!add_comp(m, &d, DEVICE(ct3d), &id, errp)) {
        return false;
    }
    /* The table never moves: page translations read it without the BQL
     * while a hot-plug adds to it. */
    if (id >= m->neps) {
        error_setg(errp, "libcxlemu: more than %u CXL components", m->neps);
        return false;
    }
    own_hdm(m, &ct3d->cxl_cstate, id);
    e = g_new0(CxlemuEndpoint, 1);
    e->m = m;
    e->ct3d = ct3d;
    e->id = id;
    add_part(e, PART_VOLATILE, ct3d->hostvmem, &dpa);
    add_part(e, PART_PERSISTENT, ct3d->hostpmem, &dpa);
    add_part(e, PART_DC, ct3d->dc.host_dc, &dpa);
    m->eps[id] = e;
    return add_mailbox(e, errp);
}

static bool add_below_port(CxlemuMachine *m, PCIDevice *port, uint32_t port_id,
                           Error **errp);

/* The ports of type @type on @bus (a host bridge's root ports, a switch's
 * downstream ports) below component @parent, and what sits below each. */
static bool add_ports(CxlemuMachine *m, PCIBus *bus, uint32_t parent,
                      uint32_t kind, const char *type, Error **errp)
{
    int devfn;

    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *port = bus->devices[devfn];
        struct cxlemu_comp_desc d = { 0 };
        uint32_t id;

        if (!port || !object_dynamic_cast(OBJECT(port), type) ||
            skip_duplicate_port(m, parent, port)) {
            continue;
        }
        d.kind = kind;
        d.parent = parent;
        d.port = PCIE_PORT(port)->port;
        if (!add_comp(m, &d, DEVICE(port), &id, errp) ||
            !add_below_port(m, port, id, errp)) {
            return false;
        }
    }
    return true;
}

/* A switch: its upstream port below @parent, downstream ports, and what
 * sits below each of them. */
static bool add_switch(CxlemuMachine *m, PCIDevice *usp, uint32_t parent,
                       Error **errp)
{
    struct cxlemu_comp_desc d = { 0 };
    PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(usp));
    uint32_t usp_id;

    d.kind = CXLEMU_COMP_USP;
    d.parent = parent;
    d.decoders = CXL_HDM_DECODER_COUNT;
    if (!add_comp(m, &d, DEVICE(usp), &usp_id, errp)) {
        return false;
    }
    own_hdm(m, cxl_usp_to_cstate(CXL_USP(usp)), usp_id);
    return add_ports(m, bus, usp_id, CXLEMU_COMP_DSP, TYPE_CXL_DSP, errp);
}

static bool add_below_port(CxlemuMachine *m, PCIDevice *port, uint32_t port_id,
                           Error **errp)
{
    PCIDevice *d = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];

    if (!d) {
        return true;
    }
    if (object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3)) {
        return add_type3(m, CXL_TYPE3(d), port_id, errp);
    }
    if (object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
        return add_switch(m, d, port_id, errp);
    }
    return true;
}

typedef struct HostBridgeWalk {
    CxlemuMachine *m;
    Error **errp;
    bool failed;
} HostBridgeWalk;

static int find_host_bridge(Object *obj, void *opaque)
{
    if (object_dynamic_cast(obj, TYPE_PXB_CXL_DEV)) {
        g_ptr_array_add(opaque, obj);
    }
    return 0;
}

static int add_host_bridge(Object *obj, void *opaque)
{
    HostBridgeWalk *hw = opaque;
    CxlemuMachine *m = hw->m;
    struct cxlemu_comp_desc d = { 0 };
    PXBCXLDev *pxb;
    CXLHost *host;
    PCIBus *bus;
    MemoryRegion *regs;
    uint32_t hb_id;

    pxb = PXB_CXL_DEV(obj);
    host = pxb->cxl_host_bridge;
    bus = PCI_HOST_BRIDGE(host)->bus;
    regs = &host->cxl_cstate.crb.component_registers;
    d.kind = CXLEMU_COMP_HOST_BRIDGE;
    d.parent = CXLEMU_COMP_NONE;
    d.uid = PXB_DEV(pxb)->bus_nr;
    d.decoders = CXL_HDM_DECODER_COUNT;
    /* QEMU (pxb_cxl_dev_reset): a host bridge with exactly one root port
     * has no HDM decoders unless hdm_for_passthrough is set.  Counted on
     * the bus, as QEMU does, ports left out below included. */
    d.flags = !pxb->hdm_for_passthrough && pcie_count_ds_ports(bus) == 1 ?
              CXLEMU_COMP_PASSTHROUGH : 0;
    if (d.flags) {
        d.decoders = 0;
    }
    if (regs->container) {
        d.reg_base = regs->container->addr + regs->addr;
    }
    if (!add_comp(m, &d, DEVICE(pxb), &hb_id, hw->errp)) {
        hw->failed = true;
        return 1;
    }
    if (!add_ports(m, bus, hb_id, CXLEMU_COMP_ROOT_PORT, TYPE_PCIE_PORT,
                   hw->errp)) {
        hw->failed = true;
        return 1;
    }
    /* Host bridge HDM decoders last: pass-through is settled by then. */
    own_hdm(m, &host->cxl_cstate, hb_id);
    return 0;
}

static bool add_window(CxlemuMachine *m, CXLFixedWindow *fw, uint32_t index,
                       Error **errp)
{
    struct cxlemu_window_desc d = { 0 };
    CxlemuWindow *w = &m->wins[index];
    uint32_t id;
    int i, rc;

    d.version = CXLEMU_WINDOW_DESC_VERSION;
    d.ways = fw->num_targets;
    d.base = fw->base;
    d.size = fw->size;
    d.gran = 256ull << fw->enc_int_gran;
    d.arith = CXLEMU_ARITH_MODULO;
    for (i = 0; i < fw->num_targets; i++) {
        g_autofree char *name = comp_name(DEVICE(fw->target_hbs[i]));

        d.targets[i] = cxlemu_topo_find(m->topo, name);
    }
    rc = cxlemu_topo_add_window(m->topo, &d, &id);
    if (rc) {
        error_setg(errp, "libcxlemu: cannot model CXL fixed memory window %u: %s",
                   index, cxlemu_strerror(rc));
        return false;
    }
    w->m = m;
    w->fw = fw;
    w->index = id;
    w->pub = cxlemu_topo_routes(m->topo, id);
    w->subs = g_ptr_array_new();
    w->iommu_free = g_ptr_array_new();
    fw->cxlemu = w;
    /* Per-access routing needs no BQL: route tables are read under RCU,
     * the endpoint table never moves, the memory is the backends'. */
    fw->mr.lockless_io = true;
    return true;
}

/* Programs one firmware region; the library undoes a refused one. */
static bool region_program(CxlemuMachine *m, CxlemuRegion *r, Error **errp)
{
    struct cxlemu_region_desc d = { 0 };
    struct cxlemu_window_desc w;
    g_auto(GStrv) ids = g_strsplit(r->devices ?: "", ":", -1);
    const char *name = object_get_canonical_path_component(OBJECT(r));
    uint64_t hpa;
    int rc;

    d.version = CXLEMU_REGION_DESC_VERSION;
    d.window = r->window;
    d.size = r->size;
    d.flags = (r->pmem ? CXLEMU_REGION_PMEM : 0) | (r->lock ? CXLEMU_REGION_LOCK : 0);
    if (cxlemu_topo_window(m->topo, r->window, &w)) {
        error_setg(errp, "cxlemu-region '%s': no window %u", name, r->window);
        return false;
    }
    d.gran = r->granularity ?: (w.ways > 1 ? w.gran : 4096);
    for (d.ways = 0; ids[d.ways]; d.ways++) {
        if (d.ways == CXLEMU_MAX_WAYS) {
            error_setg(errp, "cxlemu-region '%s': too many devices", name);
            return false;
        }
        d.endpoints[d.ways] = cxlemu_topo_find(m->topo, ids[d.ways]);
        if (d.endpoints[d.ways] == CXLEMU_COMP_NONE) {
            error_setg(errp, "cxlemu-region '%s': no cxl-type3 '%s'", name,
                       ids[d.ways]);
            return false;
        }
    }
    rc = cxlemu_topo_region_create(m->topo, &d, &hpa);
    if (rc) {
        error_setg(errp, "cxlemu-region '%s': cannot program %u-way %" PRIu64
                   " bytes in window %u: %s (run with -d guest_errors for the "
                   "refused commit)", name, d.ways, d.size, r->window,
                   cxlemu_strerror(rc));
        return false;
    }
    return true;
}

static int region_collect(Object *obj, void *opaque)
{
    if (object_dynamic_cast(obj, TYPE_CXLEMU_REGION)) {
        g_ptr_array_add(opaque, obj);
    }
    return 0;
}

/* Regions by the base of their window, those of one window by id: a
 * component's HDM decoders commit in ascending HPA order, and the objects
 * root's children come in hash order. */
static gint region_order(gconstpointer a, gconstpointer b, gpointer opaque)
{
    CxlemuMachine *m = opaque;
    CxlemuRegion *ra = *(CxlemuRegion *const *)a;
    CxlemuRegion *rb = *(CxlemuRegion *const *)b;
    struct cxlemu_window_desc wa, wb;

    if (ra->window != rb->window &&
        !cxlemu_topo_window(m->topo, ra->window, &wa) &&
        !cxlemu_topo_window(m->topo, rb->window, &wb) &&
        wa.base != wb.base) {
        return wa.base < wb.base ? -1 : 1;
    }
    if (ra->window != rb->window) {
        return ra->window < rb->window ? -1 : 1;
    }
    return g_strcmp0(object_get_canonical_path_component(OBJECT(ra)),
                     object_get_canonical_path_component(OBJECT(rb)));
}

static GPtrArray *regions_sorted(CxlemuMachine *m)
{
    GPtrArray *regions = g_ptr_array_new();

    object_child_foreach(object_get_objects_root(), region_collect, regions);
    g_ptr_array_sort_with_data(regions, region_order, m);
    return regions;
}

/* Programs every firmware region; the first refused one is reported in
 * @errp (NULL: reported and the others programmed all the same). */
static bool regions_program(CxlemuMachine *m, Error **errp)
{
    g_autoptr(GPtrArray) regions = regions_sorted(m);
    bool ok = true;
    guint i;

    for (i = 0; i < regions->len; i++) {
        Error *err = NULL;

        if (!region_program(m, g_ptr_array_index(regions, i), &err)) {
            if (!errp) {
                error_report_err(err);
                continue;
            }
            error_propagate(errp, err);
            ok = false;
            break;
        }
    }
    return ok;
}

static bool setup_regions(CxlemuMachine *m, Error **errp)
{
    return regions_program(m, errp);
}

static void cxlemu_qemu_reset(void *opaque)
{
    CxlemuMachine *m = opaque;
    uint32_t i, n = cxlemu_topo_count(m->topo);

    for (i = 0; i < n; i++) {
        cxlemu_topo_reset(m->topo, i);
    }
    for (i = 0; i < m->neps; i++) {
        if (m->eps[i]) {
            cxlemu_memdev_reset(m->eps[i]->md);
        }
    }
    /* Firmware commits its regions again at every boot. */
    regions_program(m, NULL);
    layout_all(m);
}

void cxlemu_qemu_setup(CXLState *state, Error **errp)
{
    static const struct cxlemu_host_ops ops = {
        .version = CXLEMU_HOST_OPS_VERSION,
        .log = host_log,
        .now_ns = host_now_ns,
    };
    CxlemuMachine *m;
    HostBridgeWalk hw;
    Error *err = NULL;
    GPtrArray *hbs;
    GList *it;
    uint32_t i;

    if (state->cxlemu || !state->is_enabled) {
        return;
    }
    m = g_new0(CxlemuMachine, 1);
    m->state = state;
    m->owned = g_ptr_array_new();
    m->switches = g_ptr_array_new();
    m->neps = CXLEMU_QEMU_MAX_COMPONENTS;
    m->eps = g_new0(CxlemuEndpoint *, m->neps);
    m->page = qemu_target_page_size();
    if (cxlemu_ctx_new(&ops, m, &m->ctx) || cxlemu_topo_new(m->ctx, &m->topo)) {
        error_setg(errp, "libcxlemu: out of memory");
        return;
    }
    cxlemu_topo_set_route_retire(m->topo, retire_table, m);
    memory_region_init(&m->space_root, OBJECT(qdev_get_machine()),
                       "cxlemu-dpa-space", UINT64_MAX);
    address_space_init(&m->space_as, &m->space_root, "cxlemu-dpa-space");

    hw = (HostBridgeWalk) { .m = m, .errp = &err };
    /* Found first, added after: adding creates memory regions, children of
     * the machine, which must not change while QOM is walked. */
    hbs = g_ptr_array_new();
    object_child_foreach_recursive(object_get_root(), find_host_bridge, hbs);
    for (i = 0; i < hbs->len && !hw.failed; i++) {
        add_host_bridge(g_ptr_array_index(hbs, i), &hw);
    }
    g_ptr_array_free(hbs, true);
    m->nwins = g_list_length(state->fixed_windows);
    m->wins = g_new0(CxlemuWindow, m->nwins);
    for (it = state->fixed_windows, i = 0; !hw.failed && it; it = it->next, i++) {
        hw.failed = !add_window(m, it->data, i, &err);
    }
    hbs = g_ptr_array_new();
    object_child_foreach_recursive(object_get_root(), find_switch_cci, hbs);
    for (i = 0; i < hbs->len && !hw.failed; i++) {
        hw.failed = !add_switch_cci(m, g_ptr_array_index(hbs, i), &err);
    }
    g_ptr_array_free(hbs, true);
    if (hw.failed) {
        /* Whatever QEMU accepts keeps working: this machine runs on QEMU's
         * own CXL emulation instead. */
        warn_report_err(err);
        warn_report("libcxlemu: falling back to QEMU's own CXL emulation");
        for (i = 0; i < m->owned->len; i++) {
            CXLComponentState *cs = g_ptr_array_index(m->owned, i);

            g_free(cs->cxlemu);
            cs->cxlemu = NULL;
        }
        for (it = state->fixed_windows; it; it = it->next) {
            CXLFixedWindow *fw = it->data;

            /* QEMU's own window routing needs the BQL. */
            fw->cxlemu = NULL;
            fw->mr.lockless_io = false;
        }
        return;
    }
    state->cxlemu = m;
    cxlemu_machine = m;
    for (i = 0; i < m->neps; i++) {
        if (m->eps[i]) {
            own_mailbox(m->eps[i]);
        }
    }
    for (i = 0; i < m->switches->len; i++) {
        CxlemuSwitch *sw = g_ptr_array_index(m->switches, i);
        CSWMBCCIDev *dev = CXL_SWITCH_MAILBOX_CCI(sw->mbox.pdev);

        dev->cci->cxlemu = &sw->mbox;
        /* An FM socket that cannot be served stops QEMU with the reason
         * (a stale socket file, a bad path): the user asked for it, and
         * QEMU's own emulation has none to fall back to. */
        if (dev->cxlemu_fm_socket &&
            !sw_fm_socket(m, sw, dev->cxlemu_fm_socket, errp)) {
            return;
        }
    }
    trace_cxlemu_setup(cxlemu_topo_count(m->topo), m->nwins);
    /* Firmware regions that cannot be programmed stop QEMU here, with the
     * reason; every reset programs them again. */
    if (!setup_regions(m, errp)) {
        return;
    }
    qemu_register_reset(cxlemu_qemu_reset, m);
    layout_all(m);
}

/* ---- Hot-plug ------------------------------------------------------------ */

static void ep_free(CxlemuEndpoint *e)
{
    cci_stop(&e->mbox);
    cxlemu_memdev_free(e->md);
    g_free(e);
}

typedef struct RetiredEndpoint {
    struct rcu_head rcu;
    CxlemuEndpoint *e;
} RetiredEndpoint;

static void retired_ep_free(RetiredEndpoint *r)
{
    cci_stop(&r->e->mbox);
    cxlemu_memdev_free(r->e->md);
    r->e->md = NULL;
    g_free(r);
}

/*
 * A cxl-type3 realized after setup (device_add below a root or downstream
 * port the library models): added to the topology, or attached again when
 * a device of the same id and capacities was unplugged before.
 */
void cxlemu_qemu_type3_plugged(CXLType3Dev *ct3d)
{
    CxlemuMachine *m = cxlemu_machine;
    PCIDevice *port = pci_get_bus(PCI_DEVICE(ct3d))->parent_dev;
    g_autofree char *pname = NULL, *name = NULL;
    struct cxlemu_comp_info info;
    Error *err = NULL;
    uint32_t port_id, id;

    if (!m || !port) {
        return;
    }
    pname = comp_name(DEVICE(port));
    name = comp_name(DEVICE(ct3d));
    port_id = cxlemu_topo_find(m->topo, pname);
    if (port_id == CXLEMU_COMP_NONE) {
        warn_report("libcxlemu: '%s' plugged below '%s', which the library "
                    "does not model: its memory is not routed", name, pname);
        return;
    }
    id = cxlemu_topo_find(m->topo, name);
    if (id == CXLEMU_COMP_NONE) {
        if (!add_type3(m, ct3d, port_id, &err)) {
            warn_report_err(err);
            return;
        }
        id = cxlemu_topo_find(m->topo, name);
    } else {
        CxlemuEndpoint *e;
        uint64_t dpa = 0;

        cxlemu_topo_info(m->topo, id, &info);
        if (info.parent != CXLEMU_COMP_NONE || id >= m->neps || m->eps[id] ||
            cxlemu_topo_attach(m->topo, port_id, id)) {
            warn_report("libcxlemu: '%s' cannot be attached below '%s': its "
                        "memory is not routed", name, pname);
            return;
        }
        e = g_new0(CxlemuEndpoint, 1);
        e->m = m;
        e->ct3d = ct3d;
        e->id = id;
        add_part(e, PART_VOLATILE, ct3d->hostvmem, &dpa);
        add_part(e, PART_PERSISTENT, ct3d->hostpmem, &dpa);
        add_part(e, PART_DC, ct3d->dc.host_dc, &dpa);
        m->eps[id] = e;
        if (!add_mailbox(e, &err)) {
            warn_report_err(err);
            m->eps[id] = NULL;
            ep_free(e);
            cxlemu_topo_detach(m->topo, port_id);
            return;
        }
    }
    own_hdm(m, &ct3d->cxl_cstate, id);
    own_mailbox(m->eps[id]);
    layout_all(m);
    sw_type3_changed(m, ct3d, true);
}

/* A cxl-type3 unrealized (device_del): hot-removed from the topology, its
 * memory unmapped before its backends can go. */
void cxlemu_qemu_type3_unplugged(CXLType3Dev *ct3d)
{
    CxlemuEndpoint *e = ct3d_ep(ct3d);
    CxlemuMachine *m = cxlemu_machine;
    struct cxlemu_comp_info info;
    RetiredEndpoint *r;
    unsigned int i;

    if (!e || !m) {
        return;
    }
    if (!cxlemu_topo_info(m->topo, e->id, &info) && info.parent != CXLEMU_COMP_NONE) {
        cxlemu_topo_detach(m->topo, info.parent);
    }
    m->eps[e->id] = NULL;
    layout_all(m);
    for (i = 0; i < e->nparts; i++) {
        memory_region_del_subregion(&m->space_root, &e->part[i].space);
        object_unparent(OBJECT(&e->part[i].space));
    }
    timer_del(e->mbox.timer);
    g_ptr_array_remove(m->owned, &ct3d->cxl_cstate);
    g_free(ct3d->cxl_cstate.cxlemu);
    ct3d->cxl_cstate.cxlemu = NULL;
    ct3d->cci.cxlemu = NULL;
    ct3d->cxl_dstate.cxlemu = NULL;
    /* Page translations in flight may still look the endpoint up, and
     * the translation space's old flat view still points at the
     * partitions' regions embedded in it: the library objects go after a
     * grace period, the endpoint itself is kept (a few hundred bytes per
     * unplug) since the flat view's own release may come later still. */
    r = g_new0(RetiredEndpoint, 1);
    r->e = e;
    call_rcu(r, retired_ep_free, rcu);
    sw_type3_changed(m, ct3d, false);
}

/* ---- CEDT ---------------------------------------------------------------- */

static void pad(char *dst, const char *src, size_t n)
{
    size_t l = src ? MIN(strlen(src), n) : 0;

    memset(dst, ' ', n);
    if (l) {
        memcpy(dst, src, l);
    }
}

bool cxlemu_qemu_build_cedt(GArray *table_offsets, GArray *table_data,
                            BIOSLinker *linker, const char *oem_id,
                            const char *oem_table_id, CXLState *cxl_state)
{
    CxlemuMachine *m = cxl_state->cxlemu;
    struct cxlemu_cedt_opts o;
    uint8_t *buf;
    size_t len;
    unsigned start;
    int rc;

    if (!m) {
        return false;
    }
    cxlemu_cedt_opts_default(&o, 0);
    pad(o.oem_id, oem_id, sizeof(o.oem_id));
    pad(o.oem_table_id, oem_table_id, sizeof(o.oem_table_id));
    rc = cxlemu_cedt_build(m->topo, &o, &buf, &len);
    if (rc) {
        error_report("libcxlemu: no CEDT: %s", cxlemu_strerror(rc));
        return true;
    }
    /* The checksum is left to the firmware's linker, as for QEMU's own
     * tables. */
    buf[9] = 0;
    acpi_add_table(table_offsets, table_data);
    start = table_data->len;
    g_array_append_vals(table_data, buf, len);
    bios_linker_loader_add_checksum(linker, ACPI_BUILD_TABLE_FILE, start, len,
                                    start + 9);
    cxlemu_cedt_buf_free(buf);
    return true;
}
