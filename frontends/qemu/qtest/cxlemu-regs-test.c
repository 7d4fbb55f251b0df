/* SPDX-License-Identifier: MIT */
/*
 * QTest for the libcxlemu front-end: whatever a guest writes to CXL
 * registers, QEMU stays up.
 *
 * Each topology shape is booted on q35 and enumerated the way firmware
 * would (bus numbers, BARs, bridge windows, MMCONFIG), with the host
 * bridges' register blocks and the fixed memory windows taken from the
 * CEDT.  Then, for a seeded number of rounds, random values of random
 * widths (1, 2, 4, 8; mostly aligned) go to random offsets of every CXL
 * register region: the component registers of host bridges, root ports,
 * switch ports and devices (with garbage HDM decoder programming: random
 * bases, sizes, ways, granularities, targets, commit and lock bits), the
 * device registers (mailbox doorbells with random opcodes, payloads and
 * payload lengths, the switch's mailbox CCI included) and the extended
 * configuration space (DVSECs, DOE, AER).  Each round also programs a few
 * decoder chains as a driver would, now and then with a field spoilt (so
 * that routes exist for the garbage to break), lets the host offer and
 * take back dynamic capacity (QMP) and the guest answer, reads and writes
 * the windows inside and outside whatever is committed (a byte written
 * reads back as itself or as 0, nothing else), moves the virtual clock
 * (background commands complete) and now and then resets the machine.
 * QEMU must answer after every round.
 *
 * A deterministic part programs valid decoder chains by hand (1 way
 * through a host bridge that decodes or passes through, 2 ways across
 * two host bridges at 256 B and 4 KiB granularity, dynamic capacity
 * accepted and released through the mailbox), writes through the window,
 * reads the data back, and checks that it survives an uncommit and a new
 * commit while nothing reaches the memory in between.
 *
 * Accesses that crash or corrupt QEMU's own CXL code (the mailbox and the
 * device registers, not the library's) are left out: see stock_bug(),
 * mbox_cmd_stock_bug(), mbox_payload_fix() and system_reset().  The
 * /cxlemu/qemu-bug/ cases show each with the shortest guest sequence and
 * fail while the bug is there (skipped unless CXLEMU_REGS_STOCK_BUGS is
 * set).  Under AddressSanitizer, run with ASAN_OPTIONS=detect_leaks=0:
 * every reset leaks the mailboxes' background timers (cxl_init_cci()).
 *
 * Environment:
 *   CXLEMU_REGS_SEED=N        seed (default: from GLib's test seed; printed)
 *   CXLEMU_REGS_ROUNDS=N      rounds per shape (default: seeded, 40..80)
 *   CXLEMU_REGS_SECONDS=S     time budget per shape (default 5)
 *   CXLEMU_REGS_TRACE=1       print every access (to find the one that
 *                             kills QEMU)
 *   CXLEMU_REGS_STOCK_BUGS=1  also make the accesses that crash QEMU's own
 *                             code (QEMU dies then), and run the
 *                             /cxlemu/qemu-bug/ cases
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "libqtest.h"
#include "libqos/libqos-pc.h"
#include "libqos/pci.h"
#include "libqos/fw_cfg.h"
#include "hw/pci/pci_regs.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"

#define MiB (1ull << 20)
#define SZ_256M (256 * MiB)

#define MAX_HB 4
#define MAX_WIN 8
#define MAX_DEV 32
#define MAX_REGION 96

/* q35: MCH PCIEXBAR, where MMCONFIG goes, and what the BARs get. */
#define MCH_PCIEXBAR 0x60
#define MMCFG_BASE 0xb0000000ull
#define MMIO_START 0xc0000000ull
#define MMIO_END 0xe0000000ull

#define PXB_VENDOR_ID 0x1b36
#define PXB_PCIE_DEVICE_ID 0x000b
#define SWCCI_VENDOR_ID 0x19e5   /* cxl-switch-mailbox-cci */
#define SWCCI_DEVICE_ID 0xa123
#define CXL_DVSEC_VENDOR 0x1e98
#define DVSEC_REG_LOCATOR 8
#define PCI_EXT_CAP_DSN 0x0003
#define PCI_EXT_CAP_DVSEC 0x0023

/* Component register block: CXL.cache/mem registers at 4 KiB. */
#define CM_OFFSET 0x1000
#define CM_SIZE 0x1000
#define CAP_ID_HDM 5

/* HDM decoder capability (CXL r3.1 8.2.4.20). */
#define HDM_CAP 0x0
#define HDM_GCTRL 0x4
#define HDM_GCTRL_ENABLE (1u << 1)
#define HDM_DEC(n) (0x10 + 0x20 * (n))
#define DEC_BASE_LO 0x00
#define DEC_BASE_HI 0x04
#define DEC_SIZE_LO 0x08
#define DEC_SIZE_HI 0x0c
#define DEC_CTRL 0x10
#define DEC_TL_LO 0x14
#define DEC_TL_HI 0x18
#define CTRL_IG(x) ((uint32_t)(x) & 0xf)
#define CTRL_IW(x) (((uint32_t)(x) & 0xf) << 4)
#define CTRL_LOCK (1u << 8)
#define CTRL_COMMIT (1u << 9)
#define CTRL_COMMITTED (1u << 10)
#define CTRL_ERR (1u << 11)
#define CTRL_HOSTONLY (1u << 12)

/* Device registers (CXL r3.1 8.2.8). */
#define DEVCAP_MAILBOX 2
#define MBOX_CAP 0x00
#define MBOX_CTRL 0x04
#define MBOX_CMD 0x08
#define MBOX_STS 0x10
#define MBOX_BG 0x18
#define MBOX_PAYLOAD 0x20
#define MBOX_PAYLOAD_MAX 2048    /* QEMU's mailboxes */

/* What the shapes below are made of: serial numbers name the devices,
 * bus_nr the host bridges (their CEDT UID). */
#define HB0_BUS 0x10
#define HB1_BUS 0x20
#define SN_MEM0 0x1000
#define SN_MEM1 0x1001
#define SN_MEM2 0x1002
#define SN_MEM3 0x1003

/* Dynamic capacity devices: regions and blocks, and how many offers the
 * test keeps track of. */
#define DC_REGIONS 2
#define DC_REGION SZ_256M
#define DC_BLOCK (2 * MiB)
#define DC_GROUPS 16

typedef struct Hb {
    uint32_t uid;
    uint64_t base, len;
    uint32_t hdm;            /* HDM capability in the block; 0: none */
    unsigned int ndec;
} Hb;

typedef struct Win {
    uint64_t base, size;
    unsigned int ways;
    uint32_t gran;
    uint32_t uid[16];
} Win;

typedef struct Dev {
    uint32_t bdf;            /* bus << 8 | devfn */
    int parent;              /* index of the bridge above; -1: on a root bus */
    uint32_t hb_uid;         /* host bridge below which it sits */
    uint8_t port;            /* PCIe Link Capabilities: Port Number */
    uint16_t vendor, device;
    bool bridge;
    uint64_t bar[6], barsz[6];
    uint64_t sn;
    uint64_t comp;           /* component register block; 0: none */
    uint32_t hdm;
    unsigned int ndec;
    uint64_t dregs;          /* device register block; 0: none */
    uint64_t dregs_size;
    uint32_t mbox;           /* primary mailbox in the block; 0: none */
} Dev;

enum region_kind { RK_COMP, RK_DEVREGS, RK_CONFIG };

typedef struct Region {
    enum region_kind kind;
    uint64_t base, size;
    uint32_t hdm;            /* RK_COMP: HDM capability, 0 none */
    unsigned int ndec;
    uint32_t mbox;           /* RK_DEVREGS: mailbox, 0 none */
    bool swcci;              /* RK_DEVREGS: a switch mailbox CCI */
    uint64_t sn;             /* RK_DEVREGS: the device's serial number */
    char name[48];
} Region;

typedef struct Rig {
    QOSState *qs;
    QTestState *qts;
    GRand *rnd;
    bool trace, stock_bugs;
    Hb hb[MAX_HB];
    unsigned int nhb;
    Win win[MAX_WIN];
    unsigned int nwin;
    uint64_t hot[MAX_WIN];   /* where chain_garbage() last made a route */
    Dev dev[MAX_DEV];
    unsigned int ndev;
    Region reg[MAX_REGION];
    unsigned int nreg;
    /* Extent groups offered by the host, not yet answered (oldest first):
     * an Add Capacity Response is safe only with one pending. */
    struct {
        unsigned int n;
        uint64_t dpa[3], len[3];
    } dc_group[DC_GROUPS];
    unsigned int dc_pending;
    uint64_t dc_sn;          /* the device they are for; 0: none */
    uint64_t mmio_next;
    uint64_t host_regs_end;  /* end of the host bridges' register blocks */
    unsigned long nops, nmbox, nwin_ops, nresets, ndc, nchecks, nrouted;
    bool media_maybe_off;    /* a sanitize may be running */
} Rig;

typedef struct Shape {
    const char *name;
    const char *cmdline;
    /* The device with dynamic capacity, if any: QOM id, serial number,
     * DPA of its first region; its regions are DC_REGIONS x DC_REGION. */
    const char *dc_id;
    uint64_t dc_sn;
    uint64_t dc_base;
} Shape;

/* ---- Shapes -------------------------------------------------------------- */

#define MEM(id, size) \
    "-object memory-backend-ram,id=" id ",size=" size " "

/* Two host bridges with two root ports each (both decode), a type-3 with
 * every kind of capacity and an LSA, a switch with two downstream ports and
 * devices, and the switch's mailbox CCI.  Windows: one host bridge; both
 * at 256 B (per-access routing); both at 4 KiB (page translation). */
static const Shape shape_full = {
    "full",
    "-machine q35,cxl=on -m 128M "
    "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=16 "
    "-device pxb-cxl,id=cxl.1,bus=pcie.0,bus_nr=32 "
    "-device cxl-rp,id=rp0,bus=cxl.0,chassis=0,slot=0,port=0 "
    "-device cxl-rp,id=rp1,bus=cxl.0,chassis=0,slot=1,port=1 "
    "-device cxl-rp,id=rp2,bus=cxl.1,chassis=0,slot=2,port=0 "
    "-device cxl-rp,id=rp3,bus=cxl.1,chassis=0,slot=3,port=1 "
    MEM("vmem0", "256M") MEM("pmem0", "256M") MEM("lsa0", "1M")
    MEM("dc0", "512M")
    "-device cxl-type3,bus=rp0,id=mem0,volatile-memdev=vmem0,"
    "persistent-memdev=pmem0,lsa=lsa0,volatile-dc-memdev=dc0,"
    "num-dc-regions=2,sn=4096 "
    MEM("vmem1", "512M")
    "-device cxl-type3,bus=rp1,id=mem1,volatile-memdev=vmem1,sn=4097 "
    "-device cxl-upstream,bus=rp2,id=us0,port=4,multifunction=on,addr=0.0,"
    "sn=8192 "
    "-device cxl-switch-mailbox-cci,bus=rp2,addr=0.1,target=us0 "
    "-device cxl-downstream,bus=us0,id=ds0,port=0,chassis=1,slot=4 "
    "-device cxl-downstream,bus=us0,id=ds1,port=1,chassis=1,slot=5 "
    MEM("vmem4", "256M")
    "-device cxl-type3,bus=ds0,id=mem4,volatile-memdev=vmem4,sn=4100 "
    MEM("pmem5", "256M") MEM("lsa5", "1M")
    "-device cxl-type3,bus=ds1,id=mem5,persistent-memdev=pmem5,lsa=lsa5,"
    "sn=4101 "
    MEM("pmem3", "512M") MEM("lsa3", "1M")
    "-device cxl-type3,bus=rp3,id=mem3,persistent-memdev=pmem3,lsa=lsa3,"
    "sn=4099 "
    "-M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G,"
    "cxl-fmw.1.targets.0=cxl.0,cxl-fmw.1.targets.1=cxl.1,cxl-fmw.1.size=4G,"
    "cxl-fmw.1.interleave-granularity=256,"
    "cxl-fmw.2.targets.0=cxl.0,cxl-fmw.2.targets.1=cxl.1,cxl-fmw.2.size=4G,"
    "cxl-fmw.2.interleave-granularity=4k",
    "mem0", 0x1000, 512 * MiB,
};

/* Host bridges with one root port: one passes through (no decoders), one
 * decodes anyway (hdm_for_passthrough). */
static const Shape shape_passthrough = {
    "passthrough",
    "-machine q35,cxl=on -m 128M "
    "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=16 "
    "-device pxb-cxl,id=cxl.1,bus=pcie.0,bus_nr=32,hdm_for_passthrough=on "
    "-device cxl-rp,id=rp0,bus=cxl.0,chassis=0,slot=0,port=0 "
    "-device cxl-rp,id=rp2,bus=cxl.1,chassis=0,slot=2,port=0 "
    MEM("vmem0", "256M")
    "-device cxl-type3,bus=rp0,id=mem0,volatile-memdev=vmem0,sn=4096 "
    MEM("pmem3", "256M") MEM("lsa3", "1M")
    "-device cxl-type3,bus=rp2,id=mem3,persistent-memdev=pmem3,lsa=lsa3,"
    "sn=4099 "
    "-M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G,"
    "cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=4G,"
    "cxl-fmw.2.targets.0=cxl.0,cxl-fmw.2.targets.1=cxl.1,cxl-fmw.2.size=4G,"
    "cxl-fmw.2.interleave-granularity=1k",
};

/* Two switch levels and a dynamic-capacity-only device. */
static const Shape shape_deep = {
    "deep",
    "-machine q35,cxl=on -m 128M "
    "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=16 "
    "-device cxl-rp,id=rp0,bus=cxl.0,chassis=0,slot=0,port=0 "
    "-device cxl-rp,id=rp1,bus=cxl.0,chassis=0,slot=1,port=1 "
    "-device cxl-upstream,bus=rp0,id=us0,port=2 "
    "-device cxl-downstream,bus=us0,id=ds0,port=0,chassis=1,slot=2 "
    "-device cxl-downstream,bus=us0,id=ds1,port=1,chassis=1,slot=3 "
    "-device cxl-upstream,bus=ds0,id=us1,port=3 "
    "-device cxl-downstream,bus=us1,id=ds2,port=0,chassis=2,slot=4 "
    MEM("vmem0", "256M")
    "-device cxl-type3,bus=ds2,id=mem0,volatile-memdev=vmem0,sn=4096 "
    MEM("vmem1", "256M")
    "-device cxl-type3,bus=ds1,id=mem1,volatile-memdev=vmem1,sn=4097 "
    MEM("dc2", "512M")
    "-device cxl-type3,bus=rp1,id=mem2,volatile-dc-memdev=dc2,"
    "num-dc-regions=2,sn=4098 "
    "-M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=8G,"
    "cxl-fmw.0.interleave-granularity=512",
    "mem2", 0x1002, 0,
};

/* ---- Randomness ------------------------------------------------------------ */

static uint32_t rn(Rig *r, uint32_t n)
{
    return n ? g_rand_int_range(r->rnd, 0, (gint32)n) : 0;
}

static bool chance(Rig *r, unsigned int percent)
{
    return rn(r, 100) < percent;
}

static uint64_t r64(Rig *r)
{
    return (uint64_t)g_rand_int(r->rnd) << 32 | g_rand_int(r->rnd);
}

static unsigned int rwidth(Rig *r)
{
    static const unsigned int w[] = { 1, 2, 4, 8 };

    return w[rn(r, 4)];
}

/* A value a fuzzer finds things with: extremes, single bits, small
 * numbers, anything. */
static uint64_t rval(Rig *r, unsigned int width)
{
    uint64_t v;

    switch (rn(r, 6)) {
    case 0: v = 0; break;
    case 1: v = ~0ull; break;
    case 2: v = 1ull << rn(r, 64); break;
    case 3: v = rn(r, 16); break;
    default: v = r64(r); break;
    }
    return width == 8 ? v : v & ((1ull << (8 * width)) - 1);
}

/* ---- Accesses ---------------------------------------------------------------- */

static void mmio_write(Rig *r, uint64_t addr, unsigned int width, uint64_t v)
{
    if (r->trace) {
        fprintf(stderr, "W%u %#" PRIx64 " = %#" PRIx64 "\n", width, addr, v);
    }
    switch (width) {
    case 1: qtest_writeb(r->qts, addr, v); break;
    case 2: qtest_writew(r->qts, addr, v); break;
    case 4: qtest_writel(r->qts, addr, v); break;
    default: qtest_writeq(r->qts, addr, v); break;
    }
    r->nops++;
}

static uint64_t mmio_read(Rig *r, uint64_t addr, unsigned int width)
{
    if (r->trace) {
        fprintf(stderr, "R%u %#" PRIx64 "\n", width, addr);
    }
    r->nops++;
    switch (width) {
    case 1: return qtest_readb(r->qts, addr);
    case 2: return qtest_readw(r->qts, addr);
    case 4: return qtest_readl(r->qts, addr);
    default: return qtest_readq(r->qts, addr);
    }
}

static void buf_write(Rig *r, uint64_t addr, const void *buf, size_t len)
{
    if (r->trace) {
        fprintf(stderr, "W* %#" PRIx64 " len %zu\n", addr, len);
    }
    qtest_memwrite(r->qts, addr, buf, len);
    r->nops++;
}

static void buf_read(Rig *r, uint64_t addr, void *buf, size_t len)
{
    if (r->trace) {
        fprintf(stderr, "R* %#" PRIx64 " len %zu\n", addr, len);
    }
    qtest_memread(r->qts, addr, buf, len);
    r->nops++;
}

/* Configuration space through MMCONFIG (extended space included). */
static uint64_t cfg_addr(uint32_t bdf, uint32_t off)
{
    return MMCFG_BASE + ((uint64_t)bdf << 12) + off;
}

static uint32_t cfg_readl(Rig *r, uint32_t bdf, uint32_t off)
{
    return qtest_readl(r->qts, cfg_addr(bdf, off));
}

static uint16_t cfg_readw(Rig *r, uint32_t bdf, uint32_t off)
{
    return qtest_readw(r->qts, cfg_addr(bdf, off));
}

static uint8_t cfg_readb(Rig *r, uint32_t bdf, uint32_t off)
{
    return qtest_readb(r->qts, cfg_addr(bdf, off));
}

static void cfg_writel(Rig *r, uint32_t bdf, uint32_t off, uint32_t v)
{
    qtest_writel(r->qts, cfg_addr(bdf, off), v);
}

static void cfg_writew(Rig *r, uint32_t bdf, uint32_t off, uint16_t v)
{
    qtest_writew(r->qts, cfg_addr(bdf, off), v);
}

static void cfg_writeb(Rig *r, uint32_t bdf, uint32_t off, uint8_t v)
{
    qtest_writeb(r->qts, cfg_addr(bdf, off), v);
}

/*
 * Mailbox commands that crash QEMU's own (stock) mailbox code
 * (hw/cxl/cxl-device-utils.c, hw/cxl/cxl-mailbox-utils.c), for a
 * Command Register value @cmd written to the mailbox of @g.
 */
static bool mbox_cmd_stock_bug(const Region *g, uint64_t cmd)
{
    uint16_t op = cmd & 0xffff;
    uint32_t len = (cmd >> 16) & 0xfffff;

    /*
     * mailbox_reg_write(): on the doorbell, g_memdup2(pl, len_in) copies
     * Payload Length bytes from the payload registers, which hold 2 KiB:
     * a longer length reads up to 1 MiB past them, through the device's
     * state (the mailbox command tables: host pointers); variable-length
     * commands take the copy, Set LSA stores it where Get LSA shows it to
     * the guest (see bug_mbox_long_payload()).
     */
    if (len > MBOX_PAYLOAD_MAX) {
        return true;
    }
    /*
     * The switch mailbox CCI registers Get/Set Timestamp (0300h/0301h),
     * whose handlers cast the CCI's device (the switch upstream port) with
     * CXL_TYPE3(): the QOM cast assertion aborts QEMU.
     */
    if (g->swcci && (op == 0x0300 || op == 0x0301)) {
        return true;
    }
    /*
     * hw/mem/cxl_type3.c, validate_lsa_access(): assert(offset + size >
     * offset) fails for an empty access, which Set LSA (4103h) makes when
     * the payload is only its 8-byte header (and Get LSA with Length 0,
     * see mbox_payload_fix()).
     */
    if (op == 0x4103 && len == 8) {
        return true;
    }
    return false;
}

/*
 * Payloads that crash QEMU's own mailbox code, made harmless: @pl holds
 * the first @n bytes of the payload of command @op, @len bytes long.
 */
static void mbox_payload_fix(Rig *r, const Region *g, uint16_t op,
                             uint32_t len, uint8_t *pl, uint32_t n)
{
    /*
     * cmd_dcd_add_dyn_cap_rsp() (Add Dynamic Capacity Response, 4802h):
     * a response accepting no extent drops the first pending extent group
     * without checking that there is one; with nothing offered (no
     * cxl-add-dynamic-capacity from QMP pending),
     * cxl_extent_group_list_delete_front() dereferences NULL.  (With
     * extents, the NULL group's list happens to be NULL too, and
     * cxl_extents_contains_dpa_range() copes.)
     */
    if (op == 0x4802 && r->dc_sn && g->sn == r->dc_sn && !r->dc_pending &&
        len >= 8 && n >= 4 && ldl_le_p(pl) == 0) {
        stl_le_p(pl, 1 + rn(r, 3));
    }
    /*
     * cmd_get_physical_port_state() (Get Physical Port State, 5101h, the
     * switch CCI) reads Number of Ports port IDs without checking that the
     * payload holds them: heap over-read of the input copy
     * (AddressSanitizer).
     */
    if (op == 0x5101 && n >= 1 && pl[0] > len - 1) {
        pl[0] = len - 1;
    }
    /*
     * cmd_ccls_get_lsa() (Get LSA, 4102h) checks Offset + Length against
     * the LSA size only, then copies Length bytes into the 2 KiB payload
     * registers: a Length above 2 KiB writes over the device state that
     * follows, up to the mailbox command table (see bug_get_lsa_long());
     * Length 0 fails the assertion in validate_lsa_access().
     */
    if (op == 0x4102 && len == 8 && n >= 8) {
        uint32_t l = ldl_le_p(pl + 4);

        if (l == 0 || l > MBOX_PAYLOAD_MAX) {
            stl_le_p(pl + 4, 1 + rn(r, MBOX_PAYLOAD_MAX));
        }
    }
}

/*
 * Accesses that crash QEMU's own (stock) CXL code, left out unless
 * CXLEMU_REGS_STOCK_BUGS is set.  Each names the bug; they go away when
 * the library serves the register.
 */
static bool stock_bug(Rig *r, const Region *g, uint64_t off, unsigned int width,
                      bool write, uint64_t *val)
{
    if (r->stock_bugs || !write || g->kind != RK_DEVREGS || !g->mbox) {
        return false;
    }
    /*
     * mailbox_reg_write(): the mailbox region accepts 1- and 2-byte
     * accesses (.valid.min_access_size = 1), but below the payload only 4
     * and 8 bytes are handled, anything else reaches
     * g_assert_not_reached().  A byte or word store to the capability,
     * control, command or status registers aborts QEMU; so does a wider
     * store that the memory core splits into such pieces (unaligned, or
     * straddling the start of the mailbox).
     */
    if (off < g->mbox + MBOX_PAYLOAD && off + width > g->mbox &&
        (width < 4 || off % 4)) {
        return true;
    }
    /*
     * mailbox_mem_writel() stores what the guest writes to the Mailbox
     * Capabilities register (read-only: "RO register", then break to the
     * store).  And cxl_dev_media_disabled() (include/hw/cxl/cxl_device.h)
     * reads the media status from mbox_reg_state64[R_CXL_MEM_DEV_STS],
     * that is from this register, not from memdev_status: a guest value
     * with bits 3:2 set makes the media "disabled", reads of the device's
     * memory random and writes dropped (while Sanitize, which sets
     * memdev_status, never disables it).  Not a crash, but it breaks the
     * window read-back check.
     */
    if (off == g->mbox + MBOX_CAP && width == 4) {
        return true;
    }
    /* The Command Register takes 8-byte stores only. */
    if (off == g->mbox + MBOX_CMD && width == 8) {
        return mbox_cmd_stock_bug(g, *val);
    }
    /*
     * Only mbox_garbage() rings the doorbell: it knows the command and the
     * payload (see mbox_payload_fix()).  A stray doorbell would run
     * whatever the registers hold: QEMU leaves the last command's opcode
     * and output length in the Command Register and its output in the
     * payload, which makes a Get LSA with garbage input.
     */
    if (off <= g->mbox + MBOX_CTRL && off + width > g->mbox + MBOX_CTRL) {
        *val &= ~(1ull << (8 * (g->mbox + MBOX_CTRL - off)));
    }
    return false;
}

/* ---- The CEDT ------------------------------------------------------------------ */

static void read_cedt(Rig *r)
{
    g_autofree uint8_t *buf = NULL;
    QFWCFG *fw = pc_fw_cfg_init(r->qts);
    size_t size, i;
    uint32_t len = 0;
    uint8_t *t = NULL;

    size = qfw_cfg_get_file(fw, "etc/acpi/tables", NULL, 0);
    g_assert_cmpuint(size, >, 0);
    buf = g_malloc0(size);
    g_assert_cmpuint(qfw_cfg_read_file(fw, r->qs, "etc/acpi/tables", buf,
                                       size), ==, size);
    pc_fw_cfg_uninit(fw);
    for (i = 0; i + 36 <= size; i++) {
        if (!memcmp(buf + i, "CEDT", 4)) {
            len = ldl_le_p(buf + i + 4);
            if (len >= 36 && len <= size - i) {
                t = buf + i;
                break;
            }
        }
    }
    g_assert_nonnull(t);
    r->nhb = r->nwin = 0;
    r->host_regs_end = 0;
    for (i = 36; i < len;) {
        uint8_t type = t[i];
        uint16_t elen = lduw_le_p(t + i + 2);

        g_assert_cmpuint(elen, >=, 4);
        g_assert_cmpuint(i + elen, <=, len);
        if (type == 0) {            /* CHBS */
            Hb *h = &r->hb[r->nhb++];

            g_assert_cmpuint(r->nhb, <=, MAX_HB);
            g_assert_cmpuint(elen, ==, 32);
            memset(h, 0, sizeof(*h));
            h->uid = ldl_le_p(t + i + 4);
            h->base = ldq_le_p(t + i + 16);
            h->len = ldq_le_p(t + i + 24);
            r->host_regs_end = MAX(r->host_regs_end, h->base + h->len);
        } else if (type == 1) {     /* CFMWS */
            Win *w = &r->win[r->nwin++];
            uint8_t eniw = t[i + 24];
            unsigned int k;

            g_assert_cmpuint(r->nwin, <=, MAX_WIN);
            memset(w, 0, sizeof(*w));
            w->base = ldq_le_p(t + i + 8);
            w->size = ldq_le_p(t + i + 16);
            w->ways = eniw < 8 ? 1u << eniw : 3u << (eniw - 8);
            w->gran = 256u << ldl_le_p(t + i + 28);
            g_assert_cmpuint(w->ways, <=, 16);
            g_assert_cmpuint(elen, >=, 36 + 4 * w->ways);
            for (k = 0; k < w->ways; k++) {
                w->uid[k] = ldl_le_p(t + i + 36 + 4 * k);
            }
        }
        i += elen;
    }
    g_assert_cmpuint(r->nhb, >, 0);
    g_assert_cmpuint(r->nwin, >, 0);
}

/* ---- Enumeration ------------------------------------------------------------- */

/* Offset of the HDM decoder capability in a component register block
 * (through the CXL capability array), 0 when there is none. */
static uint32_t find_hdm(Rig *r, uint64_t comp, unsigned int *ndec)
{
    static const unsigned int count[] = { 1, 2, 4, 6, 8, 10, 12, 14, 16, 20,
                                          24, 28, 32 };
    uint32_t hdr = qtest_readl(r->qts, comp + CM_OFFSET);
    unsigned int i, n = hdr >> 24;

    *ndec = 0;
    if ((hdr & 0xffff) != 1) {
        return 0;
    }
    for (i = 1; i <= n && i < CM_SIZE / 4; i++) {
        uint32_t e = qtest_readl(r->qts, comp + CM_OFFSET + 4 * i);

        if ((e & 0xffff) == CAP_ID_HDM) {
            uint32_t off = CM_OFFSET + (e >> 20);
            uint32_t cap = qtest_readl(r->qts, comp + off + HDM_CAP);

            *ndec = (cap & 0xf) < G_N_ELEMENTS(count) ? count[cap & 0xf] : 0;
            return off;
        }
    }
    return 0;
}

/* Offset of the primary mailbox in a device register block, 0: none. */
static uint32_t find_mailbox(Rig *r, uint64_t dregs)
{
    unsigned int i, n = (qtest_readq(r->qts, dregs) >> 32) & 0xffff;

    for (i = 1; i <= n && i < 16; i++) {
        uint32_t id = qtest_readl(r->qts, dregs + 16 * i) & 0xffff;

        if (id == DEVCAP_MAILBOX) {
            return qtest_readl(r->qts, dregs + 16 * i + 4);
        }
    }
    return 0;
}

/* Sizes and places BARs (below 4 GiB: they sit behind the bridges'
 * non-prefetchable windows). */
static void place_bars(Rig *r, Dev *d, unsigned int nbars)
{
    unsigned int i;

    for (i = 0; i < nbars; i++) {
        uint32_t off = PCI_BASE_ADDRESS_0 + 4 * i;
        uint32_t lo, hi = 0;
        bool is64;
        uint64_t mask, size;

        cfg_writel(r, d->bdf, off, 0xffffffff);
        lo = cfg_readl(r, d->bdf, off);
        if (!lo || (lo & PCI_BASE_ADDRESS_SPACE_IO)) {
            continue;
        }
        is64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
               PCI_BASE_ADDRESS_MEM_TYPE_64;
        if (is64) {
            cfg_writel(r, d->bdf, off + 4, 0xffffffff);
            hi = cfg_readl(r, d->bdf, off + 4);
        } else {
            hi = 0xffffffff;
        }
        mask = ((uint64_t)hi << 32) | (lo & PCI_BASE_ADDRESS_MEM_MASK);
        size = ~mask + 1;
        g_assert_cmpuint(size, >=, 16);
        r->mmio_next = ROUND_UP(r->mmio_next, size);
        g_assert_cmpuint(r->mmio_next + size, <=, MMIO_END);
        d->bar[i] = r->mmio_next;
        d->barsz[i] = size;
        r->mmio_next += size;
        cfg_writel(r, d->bdf, off, (uint32_t)d->bar[i]);
        if (is64) {
            cfg_writel(r, d->bdf, off + 4, 0);
            i++;
        }
    }
}

/* The CXL parts of a function's extended configuration space: its serial
 * number and its register blocks (Register Locator DVSEC). */
static void read_ext_caps(Rig *r, Dev *d)
{
    uint32_t off = 0x100;
    unsigned int guard = 0;

    while (off >= 0x100 && off < 0x1000 && guard++ < 64) {
        uint32_t h = cfg_readl(r, d->bdf, off);
        uint16_t id = h & 0xffff;

        if (!h || h == 0xffffffff) {
            break;
        }
        if (id == PCI_EXT_CAP_DSN) {
            d->sn = cfg_readl(r, d->bdf, off + 4) |
                    (uint64_t)cfg_readl(r, d->bdf, off + 8) << 32;
        } else if (id == PCI_EXT_CAP_DVSEC &&
                   (cfg_readl(r, d->bdf, off + 4) & 0xffff) ==
                   CXL_DVSEC_VENDOR &&
                   (cfg_readl(r, d->bdf, off + 8) & 0xffff) ==
                   DVSEC_REG_LOCATOR) {
            uint32_t dlen = cfg_readl(r, d->bdf, off + 4) >> 20;
            uint32_t b;

            for (b = 0x0c; b + 8 <= dlen; b += 8) {
                uint32_t lo = cfg_readl(r, d->bdf, off + b);
                uint32_t hi = cfg_readl(r, d->bdf, off + b + 4);
                unsigned int bir = lo & 7, blk = (lo >> 8) & 0xff;
                uint64_t at = ((uint64_t)hi << 32) | (lo & 0xffff0000);

                if (bir > 5 || !d->bar[bir] || at >= d->barsz[bir]) {
                    continue;
                }
                if (blk == 1) {
                    d->comp = d->bar[bir] + at;
                } else if (blk == 3) {
                    d->dregs = d->bar[bir] + at;
                    d->dregs_size = d->barsz[bir] - at;
                }
            }
        }
        off = h >> 20;
    }
}

static void scan_bus(Rig *r, uint8_t bus, uint8_t *next_bus, int parent,
                     uint32_t hb_uid);

/* The Port Number of a PCIe function (what HDM decoder targets name). */
static uint8_t port_number(Rig *r, uint32_t bdf)
{
    uint8_t cap = cfg_readb(r, bdf, PCI_CAPABILITY_LIST);
    unsigned int guard = 0;

    while (cap >= 0x40 && guard++ < 48) {
        if (cfg_readb(r, bdf, cap) == PCI_CAP_ID_EXP) {
            return cfg_readl(r, bdf, cap + PCI_EXP_LNKCAP) >> 24;
        }
        cap = cfg_readb(r, bdf, cap + PCI_CAP_LIST_NEXT);
    }
    return 0;
}

static void scan_fn(Rig *r, uint8_t bus, uint8_t devfn, uint8_t *next_bus,
                    int parent, uint32_t hb_uid)
{
    uint32_t bdf = (uint32_t)bus << 8 | devfn;
    uint8_t hdr = cfg_readb(r, bdf, PCI_HEADER_TYPE) & 0x7f;
    int self = r->ndev;
    Dev *d;

    g_assert_cmpuint(r->ndev, <, MAX_DEV);
    d = &r->dev[r->ndev++];
    memset(d, 0, sizeof(*d));
    d->bdf = bdf;
    d->parent = parent;
    d->hb_uid = hb_uid;
    d->port = port_number(r, bdf);
    d->vendor = cfg_readw(r, bdf, PCI_VENDOR_ID);
    d->device = cfg_readw(r, bdf, PCI_DEVICE_ID);
    d->bridge = hdr == PCI_HEADER_TYPE_BRIDGE;
    place_bars(r, d, d->bridge ? 2 : 6);
    if (d->bridge) {
        uint8_t sec = (*next_bus)++;
        uint64_t start;

        cfg_writeb(r, bdf, PCI_PRIMARY_BUS, bus);
        cfg_writeb(r, bdf, PCI_SECONDARY_BUS, sec);
        cfg_writeb(r, bdf, PCI_SUBORDINATE_BUS, 0xff);
        r->mmio_next = ROUND_UP(r->mmio_next, MiB);
        start = r->mmio_next;
        scan_bus(r, sec, next_bus, self, hb_uid);
        cfg_writeb(r, bdf, PCI_SUBORDINATE_BUS, *next_bus - 1);
        r->mmio_next = ROUND_UP(r->mmio_next, MiB);
        if (r->mmio_next > start) {
            cfg_writew(r, bdf, PCI_MEMORY_BASE, (start >> 16) & 0xfff0);
            cfg_writew(r, bdf, PCI_MEMORY_LIMIT,
                       ((r->mmio_next - 1) >> 16) & 0xfff0);
        } else {
            cfg_writew(r, bdf, PCI_MEMORY_BASE, 0xfff0);
            cfg_writew(r, bdf, PCI_MEMORY_LIMIT, 0);
        }
        /* No prefetchable or I/O window. */
        cfg_writew(r, bdf, PCI_PREF_MEMORY_BASE, 0xfff0);
        cfg_writew(r, bdf, PCI_PREF_MEMORY_LIMIT, 0);
        cfg_writel(r, bdf, PCI_PREF_BASE_UPPER32, 0);
        cfg_writel(r, bdf, PCI_PREF_LIMIT_UPPER32, 0);
        cfg_writeb(r, bdf, PCI_IO_BASE, 0xf0);
        cfg_writeb(r, bdf, PCI_IO_LIMIT, 0);
    }
    cfg_writew(r, bdf, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    read_ext_caps(r, d);
}

static void scan_bus(Rig *r, uint8_t bus, uint8_t *next_bus, int parent,
                     uint32_t hb_uid)
{
    unsigned int slot, fn;

    for (slot = 0; slot < 32; slot++) {
        for (fn = 0; fn < 8; fn++) {
            uint32_t bdf = (uint32_t)bus << 8 | slot << 3 | fn;

            if (cfg_readw(r, bdf, PCI_VENDOR_ID) == 0xffff) {
                if (fn == 0) {
                    break;
                }
                continue;
            }
            scan_fn(r, bus, slot << 3 | fn, next_bus, parent, hb_uid);
            if (fn == 0 && !(cfg_readb(r, bdf, PCI_HEADER_TYPE) & 0x80)) {
                break;
            }
        }
    }
}

static void count_host_bridge(QPCIDevice *dev, int devfn, void *data)
{
    (*(unsigned int *)data)++;
    g_free(dev);
}

static void add_region(Rig *r, enum region_kind kind, uint64_t base,
                       uint64_t size, const char *name)
{
    Region *g;

    g_assert_cmpuint(r->nreg, <, MAX_REGION);
    g = &r->reg[r->nreg++];
    memset(g, 0, sizeof(*g));
    g->kind = kind;
    g->base = base;
    g->size = size;
    g_strlcpy(g->name, name, sizeof(g->name));
}

/*
 * What firmware does: MMCONFIG on, bus numbers, BARs and bridge windows
 * below every CXL host bridge; then the list of register regions.  Run
 * again after every reset.
 */
static void enumerate(Rig *r)
{
    QPCIDevice *mch;
    unsigned int i, pxbs = 0;

    mch = qpci_device_find(r->qs->pcibus, 0);
    g_assert_nonnull(mch);
    qpci_config_writel(mch, MCH_PCIEXBAR + 4, 0);
    qpci_config_writel(mch, MCH_PCIEXBAR, MMCFG_BASE | 1);
    g_free(mch);
    /* pxb-cxl functions show as pxb-pcie on bus 0. */
    qpci_device_foreach(r->qs->pcibus, PXB_VENDOR_ID, PXB_PCIE_DEVICE_ID,
                        count_host_bridge, &pxbs);
    g_assert_cmpuint(pxbs, ==, r->nhb);

    r->ndev = 0;
    r->nreg = 0;
    r->mmio_next = MMIO_START;
    for (i = 0; i < r->nhb; i++) {
        Hb *h = &r->hb[i];
        uint8_t next = h->uid + 1;
        char name[48];

        scan_bus(r, h->uid, &next, -1, h->uid);
        h->hdm = find_hdm(r, h->base, &h->ndec);
        snprintf(name, sizeof(name), "host bridge %u", h->uid);
        add_region(r, RK_COMP, h->base, h->len, name);
        r->reg[r->nreg - 1].hdm = h->hdm;
        r->reg[r->nreg - 1].ndec = h->ndec;
    }
    g_assert_cmpuint(r->ndev, >, 0);
    /* Every bridge window is open now: the registers can be read. */
    for (i = 0; i < r->ndev; i++) {
        Dev *d = &r->dev[i];
        char name[48];

        if (d->comp) {
            d->hdm = find_hdm(r, d->comp, &d->ndec);
        }
        if (d->dregs) {
            d->mbox = find_mailbox(r, d->dregs);
        }

        if (d->comp) {
            snprintf(name, sizeof(name), "%02x:%02x.%x component",
                     d->bdf >> 8, (d->bdf >> 3) & 31, d->bdf & 7);
            add_region(r, RK_COMP, d->comp, 64 * 1024, name);
            r->reg[r->nreg - 1].hdm = d->hdm;
            r->reg[r->nreg - 1].ndec = d->ndec;
        }
        if (d->dregs) {
            snprintf(name, sizeof(name), "%02x:%02x.%x device regs",
                     d->bdf >> 8, (d->bdf >> 3) & 31, d->bdf & 7);
            add_region(r, RK_DEVREGS, d->dregs, d->dregs_size, name);
            r->reg[r->nreg - 1].mbox = d->mbox;
            r->reg[r->nreg - 1].swcci = d->vendor == SWCCI_VENDOR_ID &&
                                        d->device == SWCCI_DEVICE_ID;
            r->reg[r->nreg - 1].sn = d->sn;
        }
        if (d->comp || d->dregs) {
            snprintf(name, sizeof(name), "%02x:%02x.%x config",
                     d->bdf >> 8, (d->bdf >> 3) & 31, d->bdf & 7);
            add_region(r, RK_CONFIG, cfg_addr(d->bdf, 0), 4096, name);
        }
    }
}

/* What enumeration found (CXLEMU_REGS_TRACE). */
static void dump_rig(Rig *r)
{
    unsigned int i;

    for (i = 0; i < r->nhb; i++) {
        fprintf(stderr, "host bridge %u: regs %#" PRIx64 "+%#" PRIx64
                ", HDM %#x (%u decoders)\n", r->hb[i].uid, r->hb[i].base,
                r->hb[i].len, r->hb[i].hdm, r->hb[i].ndec);
    }
    for (i = 0; i < r->nwin; i++) {
        fprintf(stderr, "window %u: %#" PRIx64 "+%#" PRIx64 ", %u ways, "
                "%u B\n", i, r->win[i].base, r->win[i].size, r->win[i].ways,
                r->win[i].gran);
    }
    for (i = 0; i < r->ndev; i++) {
        Dev *d = &r->dev[i];

        fprintf(stderr, "%02x:%02x.%x %04x:%04x%s sn %#" PRIx64
                " component %#" PRIx64 " (HDM %#x, %u decoders) device "
                "%#" PRIx64 " (mailbox %#x)\n", d->bdf >> 8,
                (d->bdf >> 3) & 31, d->bdf & 7, d->vendor, d->device,
                d->bridge ? " bridge" : "", d->sn, d->comp, d->hdm, d->ndec,
                d->dregs, d->mbox);
    }
}

static Dev *dev_by_sn(Rig *r, uint64_t sn)
{
    unsigned int i;

    for (i = 0; i < r->ndev; i++) {
        if (r->dev[i].sn == sn && r->dev[i].comp) {
            return &r->dev[i];
        }
    }
    g_assert_not_reached();
}

static Hb *hb_by_uid(Rig *r, uint32_t uid)
{
    unsigned int i;

    for (i = 0; i < r->nhb; i++) {
        if (r->hb[i].uid == uid) {
            return &r->hb[i];
        }
    }
    g_assert_not_reached();
}

static Rig *rig_boot(const Shape *s, uint32_t seed)
{
    Rig *r = g_new0(Rig, 1);

    r->qs = qtest_pc_boot("%s", s->cmdline);
    r->dc_sn = s->dc_id ? s->dc_sn : 0;
    r->qts = r->qs->qts;
    r->rnd = g_rand_new_with_seed(seed);
    r->trace = getenv("CXLEMU_REGS_TRACE") != NULL;
    r->stock_bugs = getenv("CXLEMU_REGS_STOCK_BUGS") != NULL;
    read_cedt(r);
    enumerate(r);
    if (r->trace) {
        dump_rig(r);
    }
    return r;
}

/* QEMU is alive and answers QMP. */
static void check_alive(Rig *r)
{
    QDict *resp;

    g_assert(qtest_probe_child(r->qts));
    resp = qtest_qmp(r->qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
}

static void rig_free(Rig *r)
{
    check_alive(r);
    g_rand_free(r->rnd);
    qtest_shutdown(r->qs);
    g_free(r);
}

/* ---- Deterministic decoder chains -------------------------------------------- */

static void dec_program(Rig *r, uint64_t hdm, unsigned int n, uint64_t base,
                        uint64_t size, uint32_t ctrl, uint64_t tl)
{
    uint64_t d = hdm + HDM_DEC(n);
    uint32_t got;

    qtest_writel(r->qts, hdm + HDM_GCTRL,
                 qtest_readl(r->qts, hdm + HDM_GCTRL) | HDM_GCTRL_ENABLE);
    qtest_writel(r->qts, d + DEC_BASE_LO, (uint32_t)base);
    qtest_writel(r->qts, d + DEC_BASE_HI, base >> 32);
    qtest_writel(r->qts, d + DEC_SIZE_LO, (uint32_t)size);
    qtest_writel(r->qts, d + DEC_SIZE_HI, size >> 32);
    qtest_writel(r->qts, d + DEC_TL_LO, (uint32_t)tl);
    qtest_writel(r->qts, d + DEC_TL_HI, tl >> 32);
    qtest_writel(r->qts, d + DEC_CTRL, ctrl | CTRL_COMMIT);
    got = qtest_readl(r->qts, d + DEC_CTRL);
    g_assert_cmphex(got & (CTRL_COMMITTED | CTRL_ERR), ==, CTRL_COMMITTED);
    g_assert_cmphex(qtest_readq(r->qts, d + DEC_BASE_LO), ==, base);
    g_assert_cmphex(qtest_readq(r->qts, d + DEC_SIZE_LO), ==, size);
}

/* Commit (again) or uncommit a programmed decoder. */
static void dec_commit(Rig *r, uint64_t hdm, unsigned int n, bool commit)
{
    uint64_t c = hdm + HDM_DEC(n) + DEC_CTRL;
    uint32_t v = qtest_readl(r->qts, c) & ~(CTRL_COMMIT | CTRL_COMMITTED |
                                           CTRL_ERR);

    qtest_writel(r->qts, c, v | (commit ? CTRL_COMMIT : 0));
    g_assert_cmphex(qtest_readl(r->qts, c) & (CTRL_COMMITTED | CTRL_ERR), ==,
                    commit ? CTRL_COMMITTED : 0);
}

static uint64_t pattern(uint64_t addr, uint64_t salt)
{
    uint64_t x = addr * 0x9e3779b97f4a7c15ull ^ salt;

    return x ^ (x >> 29);
}

static void fill(uint8_t *buf, size_t len, uint64_t addr, uint64_t salt)
{
    size_t i;

    for (i = 0; i < len; i += 8) {
        stq_le_p(buf + i, pattern(addr + i, salt));
    }
}

/* Single accesses of every width (some unaligned) and a bulk block; all
 * must read back. */
static void check_data_1way(Rig *r, const Win *w, uint64_t salt, bool present)
{
    static const uint64_t offs[] = { 0, 8, 0x1000 - 4, 0x12345, 0x7fffff9,
                                     SZ_256M - 8 };
    g_autofree uint8_t *buf = g_malloc(8192);
    g_autofree uint8_t *want = g_malloc(8192);
    unsigned int i;

    for (i = 0; i < G_N_ELEMENTS(offs); i++) {
        uint64_t a = w->base + offs[i];
        uint64_t v = mmio_read(r, a, 8);

        g_assert_cmphex(v, ==, present ? pattern(a, salt) : 0);
        g_assert_cmphex(mmio_read(r, a + 1, 2), ==,
                        present ? (pattern(a, salt) >> 8) & 0xffff : 0);
    }
    buf_read(r, w->base + MiB + 3, buf, 8192);
    fill(want, 8192, w->base + MiB + 3, salt);
    if (present) {
        g_assert(!memcmp(buf, want, 8192));
    } else {
        for (i = 0; i < 8192; i++) {
            g_assert_cmpuint(buf[i], ==, 0);
        }
    }
}

static void write_data_1way(Rig *r, const Win *w, uint64_t salt,
                            bool present)
{
    static const uint64_t offs[] = { 0, 8, 0x1000 - 4, 0x12345, 0x7fffff9,
                                     SZ_256M - 8 };
    g_autofree uint8_t *buf = g_malloc(8192);
    unsigned int i;

    for (i = 0; i < G_N_ELEMENTS(offs); i++) {
        uint64_t a = w->base + offs[i], v = pattern(a, salt);

        /* Byte, word, dword and qword stores building one value. */
        mmio_write(r, a, 1, v & 0xff);
        mmio_write(r, a + 1, 2, (v >> 8) & 0xffff);
        mmio_write(r, a + 3, 1, (v >> 24) & 0xff);
        mmio_write(r, a + 4, 4, v >> 32);
        g_assert_cmphex(mmio_read(r, a, 8), ==, present ? v : 0);
        mmio_write(r, a, 8, v);
    }
    fill(buf, 8192, w->base + MiB + 3, salt);
    buf_write(r, w->base + MiB + 3, buf, 8192);
}

/*
 * Window @wi of a shape names one host bridge (@hb_uid) with the device
 * @sn below its root port @port: the host bridge's decoder 0 (when it
 * decodes) and the device's decoder 0 map the window's first 256 MiB.
 */
static void decode_1way(const Shape *s, unsigned int wi, uint32_t hb_uid,
                        uint8_t port, uint64_t sn, bool hb_decodes)
{
    Rig *r = rig_boot(s, 1);
    const Win *w = &r->win[wi];
    Hb *h = hb_by_uid(r, hb_uid);
    Dev *d = dev_by_sn(r, sn);
    uint64_t hb_hdm = h->hdm ? h->base + h->hdm : 0;
    uint64_t dev_hdm = d->comp + d->hdm;

    g_assert_cmpuint(wi, <, r->nwin);
    g_assert_cmpuint(w->ways, ==, 1);
    g_assert_cmpuint(w->uid[0], ==, hb_uid);
    g_assert_cmpuint(d->hdm, !=, 0);
    g_assert_cmpuint(!!h->hdm, ==, hb_decodes);

    /* Nothing decodes yet: reads give nothing, writes go nowhere. */
    check_data_1way(r, w, 1, false);
    write_data_1way(r, w, 1, false);
    check_data_1way(r, w, 1, false);

    if (hb_hdm) {
        dec_program(r, hb_hdm, 0, w->base, SZ_256M, CTRL_IW(0) | CTRL_IG(0),
                    port);
    }
    dec_program(r, dev_hdm, 0, w->base, SZ_256M,
                CTRL_IW(0) | CTRL_IG(0) | CTRL_HOSTONLY, 0);
    write_data_1way(r, w, 2, true);
    check_data_1way(r, w, 2, true);

    /* Uncommitted, the device takes no writes; committed again, it shows
     * the data it kept. */
    dec_commit(r, dev_hdm, 0, false);
    check_data_1way(r, w, 2, false);
    write_data_1way(r, w, 3, false);
    dec_commit(r, dev_hdm, 0, true);
    check_data_1way(r, w, 2, true);

    if (hb_hdm) {
        /* The same one level up (the device decoder stays committed). */
        dec_commit(r, hb_hdm, 0, false);
        check_data_1way(r, w, 2, false);
        write_data_1way(r, w, 4, false);
        dec_commit(r, hb_hdm, 0, true);
        check_data_1way(r, w, 2, true);
    }

    /* A committed decoder's registers are read-only. */
    qtest_writel(r->qts, dev_hdm + HDM_DEC(0) + DEC_BASE_HI, 0x1234);
    g_assert_cmphex(qtest_readq(r->qts, dev_hdm + HDM_DEC(0) + DEC_BASE_LO),
                    ==, w->base);
    check_data_1way(r, w, 2, true);
    rig_free(r);
}

/* Host bridge with two root ports. */
static void test_decode_1way_full(void)
{
    decode_1way(&shape_full, 0, HB0_BUS, 0, SN_MEM0, true);
}

/* Host bridge with one root port: no decoders. */
static void test_decode_1way_passthrough(void)
{
    decode_1way(&shape_passthrough, 0, HB0_BUS, 0, SN_MEM0, false);
}

/* One root port, decoders anyway (hdm_for_passthrough). */
static void test_decode_1way_passthrough_hdm(void)
{
    decode_1way(&shape_passthrough, 1, HB1_BUS, 0, SN_MEM3, true);
}

/*
 * Shape "full", windows 1 (256 B) and 2 (4 KiB): 2 ways across the host
 * bridges, mem1 (cxl.0 port 1) at position 0, mem3 (cxl.1 port 1) at 1.
 * The data reads back; with mem3's decoder uncommitted, exactly the units
 * at position 1 read as nothing.
 */
static void test_decode_2way(void)
{
    Rig *r = rig_boot(&shape_full, 1);
    uint64_t hb0 = hb_by_uid(r, HB0_BUS)->base + hb_by_uid(r, HB0_BUS)->hdm;
    uint64_t hb1 = hb_by_uid(r, HB1_BUS)->base + hb_by_uid(r, HB1_BUS)->hdm;
    Dev *m1 = dev_by_sn(r, SN_MEM1), *m3 = dev_by_sn(r, SN_MEM3);
    uint64_t d1 = m1->comp + m1->hdm, d3 = m3->comp + m3->hdm;
    const size_t len = 64 * 1024;
    g_autofree uint8_t *buf = g_malloc(len);
    g_autofree uint8_t *want = g_malloc(len);
    unsigned int wi;

    g_assert_cmpuint(r->nwin, ==, 3);
    for (wi = 1; wi <= 2; wi++) {
        const Win *w = &r->win[wi];
        unsigned int n = wi - 1, eig = wi == 1 ? 0 : 4;
        size_t i;

        g_assert_cmpuint(w->ways, ==, 2);
        g_assert_cmpuint(w->uid[0], ==, HB0_BUS);
        g_assert_cmpuint(w->uid[1], ==, HB1_BUS);
        g_assert_cmpuint(w->gran, ==, 256u << eig);
        /* Host bridges: one way to port 1; devices: 2 ways. */
        dec_program(r, hb0, n, w->base, 2 * SZ_256M, CTRL_IW(0) | CTRL_IG(eig),
                    1);
        dec_program(r, hb1, n, w->base, 2 * SZ_256M, CTRL_IW(0) | CTRL_IG(eig),
                    1);
        dec_program(r, d1, n, w->base, 2 * SZ_256M,
                    CTRL_IW(1) | CTRL_IG(eig) | CTRL_HOSTONLY, 0);
        dec_program(r, d3, n, w->base, 2 * SZ_256M,
                    CTRL_IW(1) | CTRL_IG(eig) | CTRL_HOSTONLY, 0);

        fill(want, len, w->base, wi);
        buf_write(r, w->base, want, len);
        buf_read(r, w->base, buf, len);
        g_assert(!memcmp(buf, want, len));
        /* The last 8 bytes of the range, and the first beyond it. */
        mmio_write(r, w->base + 2 * SZ_256M - 8, 8, 0x1122334455667788ull);
        g_assert_cmphex(mmio_read(r, w->base + 2 * SZ_256M - 8, 8), ==,
                        0x1122334455667788ull);
        mmio_write(r, w->base + 2 * SZ_256M, 8, 0x99);
        g_assert_cmphex(mmio_read(r, w->base + 2 * SZ_256M, 8), ==, 0);

        dec_commit(r, d3, n, false);
        buf_read(r, w->base, buf, len);
        for (i = 0; i < len; i += w->gran) {
            bool pos1 = (i / w->gran) % 2;

            if (pos1) {
                g_assert(!memcmp(buf + i, (uint8_t[4096]){ 0 }, w->gran));
            } else {
                g_assert(!memcmp(buf + i, want + i, w->gran));
            }
        }
        dec_commit(r, d3, n, true);
        buf_read(r, w->base, buf, len);
        g_assert(!memcmp(buf, want, len));
    }
    rig_free(r);
}

/* The guest answered the oldest offer of dynamic capacity (successfully):
 * the group leaves the pending list. */
static void dc_answered(Rig *r)
{
    r->dc_pending--;
    memmove(&r->dc_group[0], &r->dc_group[1],
            r->dc_pending * sizeof(r->dc_group[0]));
}

/* Runs a mailbox command; returns its return code. */
static uint16_t mbox_exec(Rig *r, const Dev *d, uint16_t op, const void *pl,
                          uint32_t len)
{
    uint64_t mb = d->dregs + d->mbox;

    g_assert_cmpuint(d->mbox, !=, 0);
    if (len) {
        qtest_memwrite(r->qts, mb + MBOX_PAYLOAD, pl, len);
    }
    qtest_writeq(r->qts, mb + MBOX_CMD, op | (uint64_t)len << 16);
    qtest_writel(r->qts, mb + MBOX_CTRL, 1);
    g_assert_cmphex(qtest_readl(r->qts, mb + MBOX_CTRL) & 1, ==, 0);
    return qtest_readq(r->qts, mb + MBOX_STS) >> 32;
}

/* Add DC Response / Release DC payload with one extent. */
static uint16_t dc_extent_cmd(Rig *r, const Dev *d, uint16_t op, uint64_t dpa,
                              uint64_t len)
{
    uint8_t pl[8 + 24] = { 0 };

    stl_le_p(pl, 1);              /* Updated Extent List Size */
    stq_le_p(pl + 8, dpa);
    stq_le_p(pl + 16, len);
    return mbox_exec(r, d, op, pl, sizeof(pl));
}

/*
 * Shape "deep": mem2 (dynamic capacity only, region 0 at DPA 0, 2 MiB
 * blocks) below cxl.0 port 1, window 0 decoded to its first 256 MiB.
 * Nothing reads back until the host offers an extent (QMP) and the guest
 * accepts it (mailbox); then exactly that extent does, until the guest
 * releases it.
 */
static void test_decode_dc(void)
{
    Rig *r = rig_boot(&shape_deep, 1);
    const Win *w = &r->win[0];
    Hb *h = hb_by_uid(r, HB0_BUS);
    Dev *d = dev_by_sn(r, SN_MEM2);
    const uint64_t ext = 4 * MiB, ext_len = 2 * MiB;
    static const uint64_t offs[] = { 0, 4 * MiB - 8, 4 * MiB, 5 * MiB + 3,
                                     6 * MiB - 8, 6 * MiB };
    unsigned int i;
    QDict *resp;

    dec_program(r, h->base + h->hdm, 0, w->base, SZ_256M,
                CTRL_IW(0) | CTRL_IG(0), 1);
    dec_program(r, d->comp + d->hdm, 0, w->base, SZ_256M,
                CTRL_IW(0) | CTRL_IG(0) | CTRL_HOSTONLY, 0);
    for (i = 0; i < G_N_ELEMENTS(offs); i++) {
        mmio_write(r, w->base + offs[i], 8, pattern(offs[i], 5));
        g_assert_cmphex(mmio_read(r, w->base + offs[i], 8), ==, 0);
    }

    resp = qtest_qmp(r->qts, "{'execute': 'cxl-add-dynamic-capacity', "
                     "'arguments': {'path': '/machine/peripheral/mem2', "
                     "'host-id': 0, 'selection-policy': 'prescriptive', "
                     "'region': 0, 'extents': [{'offset': %" PRIu64 ", "
                     "'len': %" PRIu64 "}]}}", ext, ext_len);
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    /* Offered, not accepted: still nothing. */
    g_assert_cmphex(mmio_read(r, w->base + ext, 8), ==, 0);
    g_assert_cmphex(dc_extent_cmd(r, d, 0x4802, ext, ext_len), ==, 0);

    for (i = 0; i < G_N_ELEMENTS(offs); i++) {
        bool in = offs[i] >= ext && offs[i] < ext + ext_len;

        mmio_write(r, w->base + offs[i], 8, pattern(offs[i], 6));
        g_assert_cmphex(mmio_read(r, w->base + offs[i], 8), ==,
                        in ? pattern(offs[i], 6) : 0);
    }
    /* Uncommit and commit again: the extent and its data stay. */
    dec_commit(r, d->comp + d->hdm, 0, false);
    g_assert_cmphex(mmio_read(r, w->base + ext, 8), ==, 0);
    dec_commit(r, d->comp + d->hdm, 0, true);
    g_assert_cmphex(mmio_read(r, w->base + ext, 8), ==, pattern(ext, 6));

    g_assert_cmphex(dc_extent_cmd(r, d, 0x4803, ext, ext_len), ==, 0);
    g_assert_cmphex(mmio_read(r, w->base + ext, 8), ==, 0);
    rig_free(r);
}

/* ---- QEMU's own bugs ------------------------------------------------------ */

/*
 * The shortest guest sequences that crash stock QEMU code: each test fails
 * (QEMU dies) while the bug is there.  Skipped unless
 * CXLEMU_REGS_STOCK_BUGS is set; the random part leaves these accesses
 * out, and once the library serves the register they can run always.
 */
typedef struct StockBug {
    const char *name;
    void (*run)(Rig *r);
} StockBug;

static Dev *dev_by_id(Rig *r, uint16_t vendor, uint16_t device)
{
    unsigned int i;

    for (i = 0; i < r->ndev; i++) {
        if (r->dev[i].vendor == vendor && r->dev[i].device == device) {
            return &r->dev[i];
        }
    }
    g_assert_not_reached();
}

/* A byte store to the Mailbox Control register: g_assert_not_reached(). */
static void bug_mbox_byte(Rig *r)
{
    Dev *d = dev_by_sn(r, SN_MEM1);

    qtest_writeb(r->qts, d->dregs + d->mbox + MBOX_CTRL, 0);
}

/*
 * Set LSA (4103h) with a Payload Length of 64 KiB + 8: the doorbell's
 * g_memdup2() copies 64 KiB from the 2 KiB payload registers, that is
 * also from the device state that follows them (inside the same object,
 * so AddressSanitizer does not see it), and Set LSA stores it in the
 * label area, where Get LSA shows it to the guest: host pointers
 * (the mailbox command table) among them.  The command should fail and
 * leave the label area as it was (zero).
 */
static void bug_mbox_long_payload(Rig *r)
{
    Dev *d = dev_by_sn(r, SN_MEM3);
    uint64_t mb = d->dregs + d->mbox;
    uint8_t pl[8] = { 0 }, out[2048];
    uint32_t off, i, nonzero = 0, pointers = 0;
    uint64_t pointer = 0;

    qtest_memwrite(r->qts, mb + MBOX_PAYLOAD, pl, sizeof(pl));
    qtest_writeq(r->qts, mb + MBOX_CMD, 0x4103 | (8 + 64 * 1024ull) << 16);
    qtest_writel(r->qts, mb + MBOX_CTRL, 1);
    for (off = 0; off < 64 * 1024; off += sizeof(out)) {
        stl_le_p(pl, off);
        stl_le_p(pl + 4, sizeof(out));
        g_assert_cmphex(mbox_exec(r, d, 0x4102, pl, sizeof(pl)), ==, 0);
        qtest_memread(r->qts, mb + MBOX_PAYLOAD, out, sizeof(out));
        for (i = 0; i < sizeof(out); i += 8) {
            uint64_t v = ldq_le_p(out + i);

            nonzero += v != 0;
            /* x86-64 user space: executable and heap addresses */
            if (v >> 40 >= 0x55 && v >> 40 <= 0x7f) {
                pointer = pointer ? pointer : v;
                pointers++;
            }
        }
    }
    if (nonzero) {
        g_error("Set LSA stored QEMU memory from beyond the mailbox payload: "
                "%u nonzero qwords in the label area, %u of them host "
                "pointers (first %#" PRIx64 ")", nonzero, pointers, pointer);
    }
}

/* Sanitize (background), reset, time passes: the old timer fires with
 * bg.runtime 0, assert(cci->bg.runtime > 0). */
static void bug_reset_in_background(Rig *r)
{
    QDict *resp;

    g_assert_cmphex(mbox_exec(r, dev_by_sn(r, SN_MEM1), 0x4400, NULL, 0),
                    ==, 0x0001 /* Background Command Started */);
    resp = qtest_qmp(r->qts, "{'execute': 'system_reset'}");
    qobject_unref(resp);
    qtest_qmp_eventwait(r->qts, "RESET");
    qtest_clock_step(r->qts, 30 * 1000 * 1000 * 1000ll);
}

/* Add Dynamic Capacity Response accepting nothing (0 extents) with
 * nothing offered: NULL dereference. */
static void bug_dc_response_unoffered(Rig *r)
{
    uint8_t pl[8] = { 0 };

    mbox_exec(r, dev_by_sn(r, SN_MEM0), 0x4802, pl, sizeof(pl));
}

/* Get Timestamp on the switch mailbox CCI: CXL_TYPE3() cast of the
 * upstream port, QOM assertion. */
static void bug_swcci_timestamp(Rig *r)
{
    mbox_exec(r, dev_by_id(r, SWCCI_VENDOR_ID, SWCCI_DEVICE_ID), 0x0300, NULL,
              0);
}

/* Set LSA with no data: assert(offset + size > offset). */
static void bug_set_lsa_empty(Rig *r)
{
    uint8_t pl[8] = { 0 };

    mbox_exec(r, dev_by_sn(r, SN_MEM3), 0x4103, pl, sizeof(pl));
}

/*
 * Get LSA of 64 KiB: copied into the 2 KiB payload registers, over what
 * follows them in the device's state, up to the command table of its
 * mailbox (struct cxl_cmd: name, handler, input length, effect; 32 bytes).
 * With the label area holding entries whose handler is 0x4141414141414141
 * and input length 0, the next Identify calls that address: the guest
 * sets a function pointer.  The entries' phase against the table is not
 * known here, so all four 8-byte phases are tried.
 */
static void bug_get_lsa_long(Rig *r)
{
    Dev *d = dev_by_sn(r, SN_MEM3);
    uint8_t pl[8 + 2040], entry[32] = { 0 };
    unsigned int phase, i;
    uint32_t off;

    memset(entry + 8, 0x41, 8);
    for (phase = 0; phase < 32; phase += 8) {
        for (off = 0; off < 64 * 1024; off += 2040) {
            stl_le_p(pl, off);
            stl_le_p(pl + 4, 0);
            for (i = 0; i < 2040; i++) {
                pl[8 + i] = entry[(off + i + phase) % 32];
            }
            g_assert_cmphex(mbox_exec(r, d, 0x4103, pl, sizeof(pl)), ==, 0);
        }
        stl_le_p(pl, 0);
        stl_le_p(pl + 4, 64 * 1024);
        mbox_exec(r, d, 0x4102, pl, 8);
        mbox_exec(r, d, 0x0001, NULL, 0);   /* Identify */
    }
}

/*
 * 127 poison records (Inject Poison, 4301h, 256 allowed), then Get Poison
 * List (4300h) over them: cmd_media_get_poison_list() sizes its output as
 * 32 + 16 x 127 = 2064 bytes, over the 2 KiB payload, and
 * assert(out_pl_len <= CXL_MAILBOX_MAX_PAYLOAD_SIZE) fails.
 */
static void bug_poison_list_full(Rig *r)
{
    Dev *d = dev_by_sn(r, SN_MEM1);
    uint8_t pl[16];
    unsigned int i;

    for (i = 0; i < 127; i++) {
        stq_le_p(pl, 64 * i);
        g_assert_cmphex(mbox_exec(r, d, 0x4301, pl, 8), ==, 0);
    }
    stq_le_p(pl, 0);
    stq_le_p(pl + 8, SZ_256M / 64);
    mbox_exec(r, d, 0x4300, pl, 16);
}

/* Get Physical Port State for 100 ports (as many as the output holds)
 * with none in the payload: reads past the input (AddressSanitizer:
 * heap-buffer-overflow). */
static void bug_port_state_short(Rig *r)
{
    uint8_t pl[1] = { 100 };

    mbox_exec(r, dev_by_id(r, SWCCI_VENDOR_ID, SWCCI_DEVICE_ID), 0x5101, pl,
              sizeof(pl));
}

/*
 * A store to the (read-only) Mailbox Capabilities register with bits 3:2
 * set: cxl_dev_media_disabled() takes them for the media status, and the
 * device's memory reads random from then on (through per-access routing:
 * window 1, 2 ways at 256 B, mem1 and mem3).
 */
static void bug_mbox_cap_media(Rig *r)
{
    Hb *h0 = hb_by_uid(r, HB0_BUS), *h1 = hb_by_uid(r, HB1_BUS);
    Dev *m1 = dev_by_sn(r, SN_MEM1), *m3 = dev_by_sn(r, SN_MEM3);
    const Win *w = &r->win[1];
    uint8_t want[4096], got[4096];

    dec_program(r, h0->base + h0->hdm, 0, w->base, 2 * SZ_256M, 0, 1);
    dec_program(r, h1->base + h1->hdm, 0, w->base, 2 * SZ_256M, 0, 1);
    dec_program(r, m1->comp + m1->hdm, 0, w->base, 2 * SZ_256M,
                CTRL_IW(1) | CTRL_HOSTONLY, 0);
    dec_program(r, m3->comp + m3->hdm, 0, w->base, 2 * SZ_256M,
                CTRL_IW(1) | CTRL_HOSTONLY, 0);
    fill(want, sizeof(want), w->base, 7);
    qtest_memwrite(r->qts, w->base, want, sizeof(want));
    qtest_memread(r->qts, w->base, got, sizeof(got));
    g_assert(!memcmp(got, want, sizeof(want)));
    qtest_writel(r->qts, m1->dregs + m1->mbox + MBOX_CAP, 0xffffffff);
    qtest_memread(r->qts, w->base, got, sizeof(got));
    if (memcmp(got, want, sizeof(want))) {
        g_error("after a store to the Mailbox Capabilities register, "
                "mem1's memory reads random");
    }
}

static const StockBug stock_bugs[] = {
    { "mailbox-byte-store", bug_mbox_byte },
    { "mailbox-payload-length", bug_mbox_long_payload },
    { "reset-during-background-command", bug_reset_in_background },
    { "dc-response-unoffered", bug_dc_response_unoffered },
    { "switch-cci-timestamp", bug_swcci_timestamp },
    { "set-lsa-empty", bug_set_lsa_empty },
    { "get-lsa-long", bug_get_lsa_long },
    { "poison-list-full", bug_poison_list_full },
    { "port-state-short", bug_port_state_short },
    { "mailbox-capabilities-media", bug_mbox_cap_media },
};

static void test_stock_bug(const void *opaque)
{
    const StockBug *b = opaque;
    Rig *r;

    if (!getenv("CXLEMU_REGS_STOCK_BUGS")) {
        g_test_skip("a QEMU bug outside the library; "
                    "CXLEMU_REGS_STOCK_BUGS=1 runs it");
        return;
    }
    r = rig_boot(&shape_full, 1);
    b->run(r);
    rig_free(r);
}

/* ---- Garbage -------------------------------------------------------------------- */

/* One access of random width at a random (mostly aligned) offset below
 * @span from @from in region @g; writes mostly. */
static void poke(Rig *r, const Region *g, uint64_t from, uint64_t span,
                 unsigned int max_width)
{
    unsigned int w = rwidth(r);
    uint64_t off, val;
    bool write = chance(r, 75);

    while (w > max_width) {
        w /= 2;
    }
    if (span < w) {
        return;
    }
    off = from + rn(r, span - w + 1);
    if (!chance(r, 15)) {
        off &= ~(uint64_t)(w - 1);
    }
    val = rval(r, w);
    if (stock_bug(r, g, off, w, write, &val)) {
        return;
    }
    if (write) {
        mmio_write(r, g->base + off, w, val);
    } else {
        mmio_read(r, g->base + off, w);
    }
}

/* A base a guest might program: in a window, near one, or anything. */
static uint64_t plausible_hpa(Rig *r)
{
    const Win *w = &r->win[rn(r, r->nwin)];

    switch (rn(r, 5)) {
    case 0: return r64(r) & ~(SZ_256M - 1);
    case 1: return w->base + w->size - SZ_256M * rn(r, 3);
    default: return w->base + SZ_256M * rn(r, 8);
    }
}

/* HDM decoder registers with values that are nearly right (and so reach
 * the commit checks and the routing), or not at all. */
static void hdm_garbage(Rig *r, const Region *g)
{
    static const unsigned int iw[] = { 0, 0, 1, 1, 2, 3, 4, 8, 9, 10 };
    uint64_t hdm = g->base + g->hdm;
    unsigned int n = rn(r, g->ndec + 1);   /* one beyond the last too */
    uint64_t d = hdm + HDM_DEC(n);
    uint32_t ctrl;

    switch (rn(r, 8)) {
    case 0:
        mmio_write(r, hdm + HDM_GCTRL, 4,
                   chance(r, 80) ? HDM_GCTRL_ENABLE : rval(r, 4));
        break;
    case 1:
        mmio_write(r, d + DEC_BASE_LO, 8, plausible_hpa(r));
        break;
    case 2:
        mmio_write(r, d + (chance(r, 50) ? DEC_BASE_LO : DEC_BASE_HI), 4,
                   chance(r, 50) ? plausible_hpa(r) >> (32 * rn(r, 2))
                                 : rval(r, 4));
        break;
    case 3:
        mmio_write(r, d + DEC_SIZE_LO, 8,
                   chance(r, 80) ? SZ_256M * (1 + rn(r, 8)) : rval(r, 8));
        break;
    case 4:
        /* Targets: small port numbers, or a DPA skip. */
        mmio_write(r, d + DEC_TL_LO, 8,
                   chance(r, 60) ? (uint64_t)rn(r, 6) | rn(r, 6) << 8 |
                                   rn(r, 6) << 16 | (uint64_t)rn(r, 6) << 24
                                 : chance(r, 50) ? SZ_256M * rn(r, 4)
                                                 : rval(r, 8));
        break;
    default:
        ctrl = CTRL_IG(chance(r, 80) ? rn(r, 7) : rn(r, 16)) |
               CTRL_IW(chance(r, 80) ? iw[rn(r, G_N_ELEMENTS(iw))] : rn(r, 16)) |
               (chance(r, 60) ? CTRL_COMMIT : 0) |
               (chance(r, 3) ? CTRL_LOCK : 0) |
               (chance(r, 50) ? CTRL_HOSTONLY : 0) |
               (chance(r, 10) ? (uint32_t)rval(r, 4) : 0);
        /* The control register alone, or with its neighbour in one
         * 8-byte access (commit and target list together). */
        if (chance(r, 70)) {
            mmio_write(r, d + DEC_CTRL, 4, ctrl);
        } else {
            mmio_write(r, d + DEC_CTRL, 8,
                       ctrl | (uint64_t)rn(r, 4) << 32);
        }
        break;
    }
}

/* Maybe garbage instead of a good value (@v). */
static uint64_t spoil(Rig *r, uint64_t v, unsigned int width)
{
    return chance(r, 2) ? rval(r, width) : v;
}

/* Uncommits every decoder of an HDM capability, last first. */
static void hdm_uncommit_all(Rig *r, uint64_t hdm, unsigned int ndec)
{
    unsigned int n;

    for (n = ndec; n-- > 0;) {
        uint64_t c = hdm + HDM_DEC(n) + DEC_CTRL;
        uint32_t v = qtest_readl(r->qts, c);

        if (v & CTRL_COMMITTED) {
            mmio_write(r, c, 4, v & ~CTRL_COMMIT);
        }
    }
}

static void hdm_set(Rig *r, uint64_t hdm, uint64_t base, uint64_t size,
                    uint32_t ctrl, uint64_t tl)
{
    uint64_t d = hdm + HDM_DEC(0);

    mmio_write(r, hdm + HDM_GCTRL, 4, spoil(r, HDM_GCTRL_ENABLE, 4));
    mmio_write(r, d + DEC_BASE_LO, 8, spoil(r, base, 8));
    mmio_write(r, d + DEC_SIZE_LO, 8, spoil(r, size, 8));
    mmio_write(r, d + DEC_TL_LO, 8, spoil(r, tl, 8));
    mmio_write(r, d + DEC_CTRL, 4, spoil(r, ctrl | CTRL_COMMIT, 4));
}

static unsigned int ways_to_eiw(unsigned int ways)
{
    switch (ways) {
    case 3: return 8;
    case 6: return 9;
    case 12: return 10;
    default: return ctz32(ways);
    }
}

/*
 * A decoder chain as a driver would program it, from a host bridge that
 * a window targets down to a device below it, every level's decoder 0,
 * with a field spoilt now and then.  Random garbage alone hardly ever
 * makes a route; this makes routes for the window accesses to use (and
 * for the garbage to break again).
 */
static void chain_garbage(Rig *r)
{
    unsigned int wi = rn(r, r->nwin);
    const Win *w = &r->win[wi];
    uint32_t uid = w->uid[rn(r, w->ways)];
    Hb *h = hb_by_uid(r, uid);
    unsigned int eig = ctz32(w->gran) - 8, i, n = 0;
    uint64_t base = w->base + (uint64_t)w->ways * SZ_256M * rn(r, 4);
    uint64_t size = (uint64_t)w->ways * SZ_256M;
    int cand[MAX_DEV], path[8], np = 0, k;
    Dev *d;

    for (i = 0; i < r->ndev; i++) {
        if (r->dev[i].hb_uid == uid && r->dev[i].dregs && r->dev[i].hdm) {
            cand[n++] = i;
        }
    }
    if (!n) {
        return;
    }
    r->hot[wi] = base;
    /* The device, and the bridges above it (root port first). */
    for (k = cand[rn(r, n)]; k >= 0 && np < 8; k = r->dev[k].parent) {
        path[np++] = k;
    }
    if (r->trace) {
        fprintf(stderr, "chain: window %#" PRIx64 " host bridge %u device "
                "%02x:%02x.%x at %#" PRIx64 "\n", w->base, uid,
                r->dev[path[0]].bdf >> 8, (r->dev[path[0]].bdf >> 3) & 31,
                r->dev[path[0]].bdf & 7, base);
    }
    if (h->hdm) {
        hdm_uncommit_all(r, h->base + h->hdm, h->ndec);
        hdm_set(r, h->base + h->hdm, base, size, CTRL_IW(0) | CTRL_IG(eig),
                r->dev[path[np - 1]].port);
    }
    /* Switch upstream ports decode to the downstream port below. */
    for (k = np - 2; k >= 1; k--) {
        d = &r->dev[path[k]];
        if (d->hdm) {
            hdm_uncommit_all(r, d->comp + d->hdm, d->ndec);
            hdm_set(r, d->comp + d->hdm, base, size,
                    CTRL_IW(0) | CTRL_IG(eig), r->dev[path[k - 1]].port);
        }
    }
    d = &r->dev[path[0]];
    hdm_uncommit_all(r, d->comp + d->hdm, d->ndec);
    hdm_set(r, d->comp + d->hdm, base, size,
            CTRL_IW(ways_to_eiw(w->ways)) | CTRL_IG(eig) | CTRL_HOSTONLY,
            chance(r, 80) ? 0 : SZ_256M * rn(r, 3));
}

static void comp_garbage(Rig *r, const Region *g)
{
    unsigned int c = rn(r, 100);

    if (g->hdm && c < 40) {
        hdm_garbage(r, g);
    } else if (c < 80) {
        poke(r, g, CM_OFFSET, CM_SIZE, 8);
    } else {
        poke(r, g, 0, g->size, 8);
    }
}

/* Command sets the mailboxes implement (and some they do not). */
static uint16_t mbox_opcode(Rig *r)
{
    static const uint8_t sets[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                    0x06, 0x40, 0x41, 0x42, 0x43, 0x44,
                                    0x45, 0x46, 0x47, 0x48, 0x49, 0x51,
                                    0x52, 0x53, 0x54, 0x55, 0x56, 0x57 };

    if (chance(r, 10)) {
        return rn(r, 0x10000);
    }
    return sets[rn(r, G_N_ELEMENTS(sets))] << 8 | rn(r, 16);
}

static uint32_t mbox_len(Rig *r)
{
    switch (rn(r, 8)) {
    case 0: return 0;
    case 1: return rn(r, 8);
    case 2: return rn(r, 64);
    case 3: return 8 * rn(r, 16);
    case 4: return rn(r, 2048 + 1);
    case 5: return chance(r, 50) ? 2048 : 2049;
    case 6: return rn(r, 1 << 20);
    default: return rn(r, 32);
    }
}

/* A mailbox command: payload, command register, doorbell; status read
 * back.  The payload is mostly small numbers so that commands get past
 * their first checks. */
static void mbox_garbage(Rig *r, const Region *g)
{
    uint64_t mb = g->base + g->mbox;
    uint16_t op;
    uint32_t len, fill_len, i;
    uint8_t pl[256];

    do {
        op = mbox_opcode(r);
        len = mbox_len(r);
    } while (!r->stock_bugs && mbox_cmd_stock_bug(g, op | (uint64_t)len << 16));
    fill_len = MIN(len, 256);

    for (i = 0; i < fill_len; i++) {
        switch (rn(r, 4)) {
        case 0: pl[i] = g_rand_int(r->rnd); break;
        case 1: pl[i] = rn(r, 4); break;
        default: pl[i] = 0; break;
        }
    }
    if (!r->stock_bugs) {
        mbox_payload_fix(r, g, op, len, pl, fill_len);
    }
    if (fill_len) {
        buf_write(r, mb + MBOX_PAYLOAD, pl, fill_len);
    }
    if (r->trace) {
        fprintf(stderr, "mailbox %s opcode %04x len %u\n", g->name, op, len);
    }
    if (op == 0x4400) {
        r->media_maybe_off = true;
    }
    mmio_write(r, mb + MBOX_CMD, 8, op | (uint64_t)len << 16);
    mmio_write(r, mb + MBOX_CTRL, 4, 1 | (chance(r, 20) ? rn(r, 4) << 1 : 0));
    if ((mmio_read(r, mb + MBOX_STS, 8) >> 32 & 0xffff) == 0 && op == 0x4802 &&
        g->sn == r->dc_sn && r->dc_pending) {
        dc_answered(r);
    }
    mmio_read(r, mb + MBOX_BG, 8);
    mmio_read(r, mb + MBOX_PAYLOAD + 8 * rn(r, 32), 8);
    r->nmbox++;
}

static void devregs_garbage(Rig *r, const Region *g)
{
    unsigned int c = rn(r, 100);

    if (g->mbox && c < 50) {
        mbox_garbage(r, g);
    } else if (g->mbox && c < 75) {
        poke(r, g, g->mbox, 0x20 + 2048, 8);
    } else {
        poke(r, g, 0, g->size, 8);
    }
}

/* The extended configuration space (DVSECs, DOE, AER, serial number); the
 * header and the PCI capabilities are left alone, they hold what makes
 * the registers reachable. */
static void config_garbage(Rig *r, const Region *g)
{
    poke(r, g, 0x100, 0xf00, 4);
}

static void region_garbage(Rig *r, const Region *g)
{
    switch (g->kind) {
    case RK_COMP: comp_garbage(r, g); break;
    case RK_DEVREGS: devregs_garbage(r, g); break;
    case RK_CONFIG: config_garbage(r, g); break;
    }
}

/* Window accesses: where random decoders are likely to land, anywhere in
 * the window, just outside it, and blocks crossing interleave units. */
/*
 * Whatever the decoders say, a window byte reads back as what was just
 * written to it (routed) or as 0 (nowhere, or capacity not backed); an
 * access may be split between the two.  (The bytes of one access are
 * less than an interleave unit apart, so no two of them can share device
 * memory, however wrong the decoders.)  Not while a sanitize may have
 * disabled the media (reads give random data then).
 */
static void check_read_back(Rig *r, uint64_t a, unsigned int width, uint64_t v)
{
    uint64_t got = mmio_read(r, a, width);
    unsigned int b;

    for (b = 0; b < width; b++) {
        uint8_t gb = got >> (8 * b), vb = v >> (8 * b);

        if (gb != vb && gb != 0) {
            g_error("window read-back at %#" PRIx64 " (%u bytes): wrote %#"
                    PRIx64 ", read %#" PRIx64, a, width, v, got);
        }
    }
    r->nchecks++;
    if (got && got == v) {
        r->nrouted++;
    }
}

static void window_garbage(Rig *r)
{
    unsigned int i, k, n;
    uint8_t buf[4096];
    uint64_t a;

    for (i = 0; i < r->nwin; i++) {
        const Win *w = &r->win[i];

        n = 8 + rn(r, 24);
        for (k = 0; k < n; k++) {
            unsigned int width = rwidth(r);

            bool inside = true;
            uint64_t v;

            switch (rn(r, 10)) {
            case 4: case 5: case 6:
                if (r->hot[i]) {
                    a = r->hot[i] + r64(r) % ((uint64_t)w->ways * SZ_256M);
                    break;
                }
                /* fall through */
            case 0: a = w->base + r64(r) % w->size; break;
            case 1: a = w->base + w->size - 1 - rn(r, 64); break;
            case 2: a = w->base - 1 - rn(r, 64); inside = false; break;
            default: a = w->base + SZ_256M * rn(r, 8) + rn(r, 64 * 1024); break;
            }
            r->nwin_ops++;
            if (chance(r, 50)) {
                mmio_read(r, a, width);
                continue;
            }
            v = rval(r, width);
            mmio_write(r, a, width, v);
            if (inside && !r->media_maybe_off) {
                check_read_back(r, a, width, v);
            }
        }
        k = 1 + rn(r, sizeof(buf));
        a = r->hot[i] && chance(r, 50) ? r->hot[i] : w->base + SZ_256M * rn(r, 4);
        a += rn(r, 8192);
        /*
         * No read-back check here: with decoders programmed wrong, units
         * of one block may share device memory (a device decoder with
         * more ways or a coarser granularity than its share of the window
         * drops address bits that tell them apart), as on hardware.
         */
        if (chance(r, 50)) {
            for (n = 0; n < k; n++) {
                buf[n] = g_rand_int(r->rnd);
            }
            buf_write(r, a, buf, k);
        } else {
            buf_read(r, a, buf, k);
        }
    }
    /* The host register area beyond the host bridges' blocks. */
    mmio_write(r, r->host_regs_end + 8 * rn(r, 1024), 4, rval(r, 4));
}

/* A QMP command whose arguments are JSON text; true when it succeeded. */
static bool qmp_args(Rig *r, const char *cmd, const char *args)
{
    QObject *a = qobject_from_json(args, &error_abort);
    QDict *resp = qtest_qmp(r->qts, "{'execute': %s, 'arguments': %p}", cmd,
                            a);
    bool ok = qdict_haskey(resp, "return");

    if (r->trace) {
        fprintf(stderr, "%s %s: %s\n", cmd, args, ok ? "ok" : "error");
    }
    qobject_unref(resp);
    return ok;
}

/*
 * Dynamic capacity: the host offers extents or asks for them back (QMP,
 * mostly valid), the guest answers (Add Dynamic Capacity Response with the
 * offered extents, none, or garbage).  Accepted extents make parts of the
 * DC partition reachable through whatever decoders are committed.
 */
static void dc_garbage(Rig *r, const Shape *s)
{
    g_autoptr(GString) ext = g_string_new(NULL);
    g_autofree char *args = NULL;
    unsigned int i, n = 1 + rn(r, 3);
    unsigned int region = chance(r, 95) ? rn(r, DC_REGIONS) : rn(r, 8);
    uint64_t off[3], len[3];
    bool release = chance(r, 30);
    Dev *d;

    for (i = 0; i < n; i++) {
        off[i] = chance(r, 90) ? DC_BLOCK * rn(r, 64) : r64(r) % DC_REGION;
        len[i] = chance(r, 90) ? DC_BLOCK * (1 + rn(r, 4)) : 1 + rn(r, 8 * MiB);
        g_string_append_printf(ext, "%s{\"offset\": %" PRIu64 ", \"len\": %"
                               PRIu64 "}", i ? ", " : "", off[i], len[i]);
    }
    args = g_strdup_printf("{\"path\": \"/machine/peripheral/%s\", "
                           "\"host-id\": 0, \"%s\": \"prescriptive\", "
                           "\"region\": %u, \"extents\": [%s]}", s->dc_id,
                           release ? "removal-policy" : "selection-policy",
                           region, ext->str);
    if (qmp_args(r, release ? "cxl-release-dynamic-capacity"
                            : "cxl-add-dynamic-capacity", args) &&
        !release && r->dc_pending < DC_GROUPS) {
        r->dc_group[r->dc_pending].n = n;
        for (i = 0; i < n; i++) {
            r->dc_group[r->dc_pending].dpa[i] =
                s->dc_base + region * DC_REGION + off[i];
            r->dc_group[r->dc_pending].len[i] = len[i];
        }
        r->dc_pending++;
    }
    r->ndc++;
    if (!r->dc_pending || chance(r, 30)) {
        return;
    }
    /* The guest answers the oldest offer. */
    d = dev_by_sn(r, s->dc_sn);
    {
        uint8_t pl[8 + 3 * 24] = { 0 };
        unsigned int k = 0, c = rn(r, 10);

        if (c < 6) {            /* what was offered, or a part of it */
            k = c < 4 ? r->dc_group[0].n : 1;
            for (i = 0; i < k; i++) {
                stq_le_p(pl + 8 + 24 * i, r->dc_group[0].dpa[i]);
                stq_le_p(pl + 16 + 24 * i, r->dc_group[0].len[i]);
            }
        } else if (c < 8) {     /* garbage */
            k = 1 + rn(r, 3);
            for (i = 0; i < k; i++) {
                stq_le_p(pl + 8 + 24 * i, chance(r, 50) ?
                         s->dc_base + DC_BLOCK * rn(r, 256) : r64(r));
                stq_le_p(pl + 16 + 24 * i, chance(r, 50) ?
                         DC_BLOCK * rn(r, 4) : r64(r));
            }
        }                       /* else: none accepted */
        stl_le_p(pl, k);
        if (mbox_exec(r, d, 0x4802, pl, 8 + 24 * k) == 0) {
            dc_answered(r);
        }
        r->nmbox++;
    }
}

static void system_reset(Rig *r)
{
    QDict *resp;

    /*
     * hw/cxl/cxl-mailbox-utils.c, cxl_init_cci(): every device reset makes
     * a new background-command timer (timer_new_ms) and sets bg.runtime to
     * 0 without deleting the old timer, which stays armed when a background
     * command (sanitize, scan media, firmware transfer) was running.  When
     * it fires, bg_timercb() fails assert(cci->bg.runtime > 0) and QEMU
     * aborts; without a command running the timer just leaks, once per
     * reset and CCI.  So background commands get the (virtual) time to
     * finish first: none takes more than 10 s for these devices.
     */
    if (!r->stock_bugs) {
        qtest_clock_step(r->qts, 30 * 1000 * 1000 * 1000ll);
        r->media_maybe_off = false;
    }
    if (r->trace) {
        fprintf(stderr, "system_reset\n");
    }
    resp = qtest_qmp(r->qts, "{'execute': 'system_reset'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    qtest_qmp_eventwait(r->qts, "RESET");
    enumerate(r);
    r->nresets++;
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
    const char *v = getenv(name);

    return v && *v ? (uint32_t)strtoul(v, NULL, 0) : dflt;
}

static void fuzz(const void *opaque)
{
    const Shape *s = opaque;
    /* Each shape its own sequence (GLib gives every test the same). */
    uint32_t seed = env_u32("CXLEMU_REGS_SEED",
                            g_test_rand_int() ^ g_str_hash(s->name));
    Rig *r = rig_boot(s, seed);
    uint32_t rounds = env_u32("CXLEMU_REGS_ROUNDS", 40 + rn(r, 41));
    gint64 budget = (gint64)env_u32("CXLEMU_REGS_SECONDS", 5) * G_USEC_PER_SEC;
    gint64 start = g_get_monotonic_time();
    uint32_t round;
    unsigned int i, k;

    g_test_message("shape %s: seed %u (CXLEMU_REGS_SEED=%u reproduces), "
                   "%u rounds, %u regions, %u windows", s->name, seed, seed,
                   rounds, r->nreg, r->nwin);
    for (round = 0; round < rounds; round++) {
        if (g_get_monotonic_time() - start > budget) {
            g_test_message("time budget spent after %u rounds", round);
            break;
        }
        if (r->trace) {
            fprintf(stderr, "round %u\n", round);
        }
        for (i = 0; i < r->nreg; i++) {
            unsigned int n = 8 + rn(r, 25);

            for (k = 0; k < n; k++) {
                region_garbage(r, &r->reg[i]);
            }
        }
        /* Background commands (sanitize, scan media) finish. */
        if (chance(r, 30)) {
            int64_t ns = rn(r, 3) * 1000 * 1000 * 1000ll + rn(r, 1000 * 1000);

            /* Now and then long enough for any sanitize to end. */
            if (chance(r, 30)) {
                ns = 30 * 1000 * 1000 * 1000ll;
                r->media_maybe_off = false;
            }
            if (r->trace) {
                fprintf(stderr, "clock_step %" PRId64 "\n", ns);
            }
            qtest_clock_step(r->qts, ns);
        }
        if (s->dc_id && chance(r, 40)) {
            dc_garbage(r, s);
        }
        for (k = rn(r, 4); k > 0; k--) {
            chain_garbage(r);
        }
        window_garbage(r);
        g_assert(qtest_probe_child(r->qts));
        if (round % 8 == 7 && chance(r, 60)) {
            system_reset(r);
        }
    }
    g_test_message("%lu accesses (%lu mailbox commands, %lu window "
                   "accesses, %lu read back, %lu of them routed, %lu DC "
                   "offers), %lu resets in %.1f s", r->nops, r->nmbox,
                   r->nwin_ops, r->nchecks, r->nrouted, r->ndc, r->nresets,
                   (g_get_monotonic_time() - start) / 1e6);
    rig_free(r);
}

int main(int argc, char **argv)
{
    unsigned int i;

    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/cxlemu/decode/1way-full", test_decode_1way_full);
    qtest_add_func("/cxlemu/decode/1way-passthrough",
                   test_decode_1way_passthrough);
    qtest_add_func("/cxlemu/decode/1way-passthrough-hdm",
                   test_decode_1way_passthrough_hdm);
    qtest_add_func("/cxlemu/decode/2way", test_decode_2way);
    qtest_add_func("/cxlemu/decode/dynamic-capacity", test_decode_dc);
    qtest_add_data_func("/cxlemu/garbage/full", &shape_full, fuzz);
    qtest_add_data_func("/cxlemu/garbage/passthrough", &shape_passthrough,
                        fuzz);
    qtest_add_data_func("/cxlemu/garbage/deep", &shape_deep, fuzz);
    for (i = 0; i < G_N_ELEMENTS(stock_bugs); i++) {
        g_autofree char *path = g_strdup_printf("/cxlemu/qemu-bug/%s",
                                                stock_bugs[i].name);

        qtest_add_data_func(path, &stock_bugs[i], test_stock_bug);
    }
    return g_test_run();
}
