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
#include "qapi/error.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "system/hostmem.h"
#include "system/reset.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie_port.h"
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

/* Where each device's DPA space sits in the address space that page
 * translations (path b) target. */
#define EP_SPACE_SHIFT 42

enum part_kind { PART_VOLATILE, PART_PERSISTENT, PART_DC };

typedef struct CxlemuMachine CxlemuMachine;
typedef struct CxlemuEndpoint CxlemuEndpoint;

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
};

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
    if (p->kind == PART_DC && !ct3_test_region_block_backed(e->ct3d, dpa, len)) {
        return MEMTX_ERROR;
    }
    if (cxl_dev_media_disabled(&e->ct3d->cxl_dstate)) {
        if (!write) {
            qemu_guest_getrandom_nofail(buf, len);
        }
        return MEMTX_OK;
    }
    if (write) {
        memcpy(p->host + off, buf, len);
        memory_region_set_dirty(p->mr, off, len);
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
    IOMMUTLBEntry e = {
        .target_as = &m->space_as,
        .iova = addr & ~(s->unit - 1),
        .addr_mask = s->unit - 1,
        .perm = IOMMU_NONE,
    };
    uint64_t hpa = s->hpa + e.iova, dpa;
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

static const TypeInfo cxlemu_sub_info = {
    .name = TYPE_CXLEMU_SUB,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(CxlemuSub),
};

static void cxlemu_register_types(void)
{
    type_register_static(&cxlemu_iommu_mr_info);
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
    CxlemuSub *s = sub_new(w, x->base);

    s->iommu = true;
    s->unit = x->unit;
    memory_region_init_iommu(&s->u.iommu_mr, sizeof(s->u.iommu_mr),
                             TYPE_CXLEMU_IOMMU_MR, OBJECT(s),
                             "cxlemu-translated", x->size);
    memory_region_add_subregion_overlap(&w->fw->mr, x->base - w->fw->base,
                                        MEMORY_REGION(&s->u.iommu_mr), 1);
    g_ptr_array_add(w->subs, s);
    w->niommu++;
    trace_cxlemu_layout(w->index, "translated", x->base, x->size, x->unit);
}

/* Lays the window out again for its current route table. */
static void window_layout(CxlemuWindow *w)
{
    const struct cxlemu_route_table *t = cxlemu_route_pub_get(w->pub);
    struct cxlemu_route_extent x;
    uint32_t i;

    if (t == w->laid_out) {
        return;
    }
    memory_region_transaction_begin();
    window_clear(w);
    for (i = 0; t && cxlemu_route_table_extent(t, i, &x) == 0; i++) {
        if (x.flags & CXLEMU_EXTENT_MISS) {
            trace_cxlemu_layout(w->index, "unmapped", x.base, x.size, x.unit);
        } else if (x.flags & CXLEMU_EXTENT_PARTIAL) {
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
    uint32_t i;

    for (i = 0; i < m->nwins; i++) {
        window_layout(&m->wins[i]);
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
    own_hdm(m, &ct3d->cxl_cstate, id);
    if (id >= m->neps) {
        uint32_t n = MAX(id + 1, m->neps * 2);

        m->eps = g_renew(CxlemuEndpoint *, m->eps, n);
        memset(m->eps + m->neps, 0, (n - m->neps) * sizeof(*m->eps));
        m->neps = n;
    }
    e = g_new0(CxlemuEndpoint, 1);
    e->m = m;
    e->ct3d = ct3d;
    e->id = id;
    add_part(e, PART_VOLATILE, ct3d->hostvmem, &dpa);
    add_part(e, PART_PERSISTENT, ct3d->hostpmem, &dpa);
    add_part(e, PART_DC, ct3d->dc.host_dc, &dpa);
    m->eps[id] = e;
    return true;
}

static bool add_below_port(CxlemuMachine *m, PCIDevice *port, uint32_t port_id,
                           Error **errp);

/* A switch: its upstream port below @parent, downstream ports, and what
 * sits below each of them. */
static bool add_switch(CxlemuMachine *m, PCIDevice *usp, uint32_t parent,
                       Error **errp)
{
    struct cxlemu_comp_desc d = { 0 };
    PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(usp));
    uint32_t usp_id;
    int devfn;

    d.kind = CXLEMU_COMP_USP;
    d.parent = parent;
    d.decoders = CXL_HDM_DECODER_COUNT;
    if (!add_comp(m, &d, DEVICE(usp), &usp_id, errp)) {
        return false;
    }
    own_hdm(m, cxl_usp_to_cstate(CXL_USP(usp)), usp_id);
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *dsp = bus->devices[devfn];
        struct cxlemu_comp_desc pd = { 0 };
        uint32_t dsp_id;

        if (!dsp || !object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP)) {
            continue;
        }
        if (skip_duplicate_port(m, usp_id, dsp)) {
            continue;
        }
        pd.kind = CXLEMU_COMP_DSP;
        pd.parent = usp_id;
        pd.port = PCIE_PORT(dsp)->port;
        if (!add_comp(m, &pd, DEVICE(dsp), &dsp_id, errp) ||
            !add_below_port(m, dsp, dsp_id, errp)) {
            return false;
        }
    }
    return true;
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
    int devfn;

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
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *rp = bus->devices[devfn];
        struct cxlemu_comp_desc rd = { 0 };
        uint32_t rp_id;

        if (!rp || !object_dynamic_cast(OBJECT(rp), TYPE_PCIE_PORT)) {
            continue;
        }
        if (skip_duplicate_port(m, hb_id, rp)) {
            continue;
        }
        rd.kind = CXLEMU_COMP_ROOT_PORT;
        rd.parent = hb_id;
        rd.port = PCIE_PORT(rp)->port;
        if (!add_comp(m, &rd, DEVICE(rp), &rp_id, hw->errp) ||
            !add_below_port(m, rp, rp_id, hw->errp)) {
            hw->failed = true;
            return 1;
        }
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
    fw->cxlemu = w;
    return true;
}

static void cxlemu_qemu_reset(void *opaque)
{
    CxlemuMachine *m = opaque;
    uint32_t i, n = cxlemu_topo_count(m->topo);

    for (i = 0; i < n; i++) {
        cxlemu_topo_reset(m->topo, i);
    }
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
            ((CXLFixedWindow *)it->data)->cxlemu = NULL;
        }
        return;
    }
    state->cxlemu = m;
    trace_cxlemu_setup(cxlemu_topo_count(m->topo), m->nwins);
    qemu_register_reset(cxlemu_qemu_reset, m);
    layout_all(m);
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
