/* SPDX-License-Identifier: MIT */
/*
 * CxlemuPciDevice: a libcxlemu endpoint's register windows behind a gem5
 * PCI function (see cxlemu_pci.hh for the layout).  Register accesses go
 * through the simulator ABI (cxlemu_sim_reg_read()/_write()); the Device
 * Status and Memory Device Status registers, which the library leaves to
 * its front-ends, are made here from the endpoint's memory device
 * (cxlemu_sim_endpoint_dev(), cxlemu_memdev_event_status() and
 * cxlemu_memdev_media_disabled()).
 */

#include "cxlemu_pci.hh"

#include <cerrno>
#include <cstring>

#include <cxlemu/memdev.h>
#include <cxlemu/sim.h>
#include <cxlemu/topology.h>

#include "base/logging.hh"
#include "base/trace.hh"
#include "debug/Cxlemu.hh"
#include "dev/pci/pcireg.h"
#include "mem/packet_access.hh"

namespace gem5
{

namespace
{

/* Configuration space (offsets in the function's 4 KiB). */
constexpr unsigned pcieCap = 0x40;     /* PCI Express capability */
constexpr unsigned pcieCapLen = 0x3c;
constexpr unsigned dsnCap = 0x100;     /* Device Serial Number */
constexpr unsigned devDvsec = 0x110;   /* PCIe DVSEC for CXL Devices */
constexpr unsigned devDvsecLen = 0x3c; /* revision 2 (CXL 3.x) */
constexpr unsigned locDvsec = 0x150;   /* Register Locator DVSEC */
constexpr unsigned locBlocks = 2;
constexpr unsigned locDvsecLen = 0x0c + 8 * locBlocks;

constexpr uint16_t extCapDsn = 0x0003;
constexpr uint16_t extCapDvsec = 0x0023;
constexpr uint16_t cxlVendor = 0x1e98; /* DVSEC Vendor ID of CXL */

/* PCIe DVSEC for CXL Devices, field offsets (CXL 3.1 8.1.3). */
constexpr unsigned dvCap = 0x0a;
constexpr unsigned dvCtrl = 0x0c;
constexpr unsigned dvLock = 0x14;
constexpr unsigned dvRange1SizeHi = 0x18;
constexpr unsigned dvRange1SizeLo = 0x1c;
constexpr unsigned dvRange1BaseHi = 0x20;
constexpr unsigned dvRange1BaseLo = 0x24;
constexpr uint16_t dvCapIo = 1u << 1;
constexpr uint16_t dvCapMem = 1u << 2;
constexpr uint16_t dvCapHdmCount1 = 1u << 4;  /* HDM_Count = 01b */
constexpr uint16_t dvCtrlIoEnable = 1u << 1;
constexpr uint16_t dvCtrlMemEnable = 1u << 2;
constexpr uint16_t dvLockConfig = 1u << 0;

/* Register Locator block identifiers (8.1.9.1). */
constexpr unsigned rbiComponent = 0x01;
constexpr unsigned rbiMemdev = 0x03;

/* BAR0: component registers, then the memory device registers. */
constexpr uint64_t compSize = 0x10000;
constexpr uint64_t devBlock = 0x10000;
/* Inside the memory device register block (8.2.8). */
constexpr uint32_t devStatusOff = 0x100;
constexpr uint32_t memdevStatusOff = 0x180;
constexpr uint32_t mboxOff = 0x800;
constexpr unsigned devCaps = 3;
constexpr uint16_t capIdArray = 0x0000;
constexpr uint16_t capIdDevStatus = 0x0001;
constexpr uint16_t capIdMailbox = 0x0002;
constexpr uint16_t capIdMemdev = 0x4000;

/* Memory Device Status (8.2.8.5.1): Media Status and Mailbox Interfaces
 * Ready. */
constexpr uint64_t mdsMediaReady = 1u << 2;
constexpr uint64_t mdsMediaDisabled = 3u << 2;
constexpr uint64_t mdsMboxReady = 1u << 4;

constexpr uint16_t pciCmdIntxDisable = 1u << 10;

uint64_t
sizeMask(unsigned size)
{
    return size >= 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * size)) - 1;
}

bool
goodWidth(unsigned size, uint64_t off)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) &&
           !(off & (size - 1));
}

} // anonymous namespace

CxlemuPciDevice::CxlemuPciDevice(const Params &p)
    : PciDevice(p),
      mem(*p.machine),
      ep(p.endpoint),
      deliverIntx(p.deliver_intx),
      stats(*this)
{
    struct cxlemu_sim *sim = mem.machine();
    fatal_if(ep >= cxlemu_sim_endpoints(sim),
             "%s: endpoint %u: the machine has %u type-3 endpoints", name(),
             ep, cxlemu_sim_endpoints(sim));
    const uint32_t comp = cxlemu_sim_endpoint_comp(sim, ep);
    for (uint32_t i = 0; i < cxlemu_sim_reg_windows(sim); i++) {
        struct cxlemu_sim_reg_window w;
        if (cxlemu_sim_reg_window(sim, i, &w) || w.comp != comp)
            continue;
        if (w.kind == CXLEMU_SIM_REG_EP) {
            compBase = w.base;
        } else if (w.kind == CXLEMU_SIM_REG_MBOX) {
            mboxBase = w.base;
            mboxSize = w.size;
        }
    }
    fatal_if(!compBase || !mboxBase,
             "%s: endpoint %u has no register windows", name(), ep);
    fatal_if(cxlemu_sim_endpoint_dev(sim, ep, &md, nullptr) || !md,
             "%s: endpoint %u has no memory device", name(), ep);

    auto *bar = dynamic_cast<PciMemBar *>(BARs[0]);
    fatal_if(!bar || !dynamic_cast<PciMemUpperBar *>(BARs[1]),
             "%s: BAR0/BAR1 must be a 64-bit memory BAR (PciMemBar, "
             "PciMemUpperBar)", name());
    const uint64_t need = devBlock + mboxOff + mboxSize;
    fatal_if(bar->size() < need,
             "%s: BAR0 of %#x bytes cannot hold the registers (%#x bytes): "
             "give BAR0=PciMemBar(size=...) a power of two >= that", name(),
             bar->size(), need);

    struct cxlemu_comp_info ci;
    std::memset(&ci, 0, sizeof(ci));
    cxlemu_topo_info(cxlemu_sim_topo(sim), comp, &ci);
    buildConfig(ci.serial, ci.volatile_size + ci.persistent_size);

    mem.addIrqListener([this](uint32_t e, bool event, unsigned log,
                              unsigned vector) {
        if (e == ep)
            interrupt(event, log, vector);
    });
}

/* Stores @p n little-endian bytes of @p v at @p off, with the bits
 * software may write in @p wmask. */
void
CxlemuPciDevice::put(unsigned off, uint64_t v, unsigned n, uint64_t wmask)
{
    for (unsigned b = 0; b < n; b++) {
        cfg[off + b] = static_cast<uint8_t>(v >> (8 * b));
        cfgWmask[off + b] = static_cast<uint8_t>(wmask >> (8 * b));
    }
}

void
CxlemuPciDevice::buildConfig(uint64_t serial, uint64_t size)
{
    /* PCI Express capability (version 2, endpoint), the only one in the
     * list; the link reports 32 GT/s x8. */
    put(pcieCap + 0x00, 0x10, 1);           /* Capability ID: PCIe */
    put(pcieCap + 0x01, 0x00, 1);           /* Next: none */
    put(pcieCap + 0x02, 0x0002, 2);         /* version 2, endpoint */
    put(pcieCap + 0x04, 1u << 15, 4);       /* role-based error reporting */
    put(pcieCap + 0x08, 0x0000, 2, 0x7fff); /* Device Control */
    put(pcieCap + 0x0c, 0x5 | 8u << 4, 4);  /* Link Capabilities */
    put(pcieCap + 0x10, 0x0000, 2, 0x0fff); /* Link Control */
    put(pcieCap + 0x12, 0x5 | 8u << 4, 2);  /* Link Status */
    static_assert(pcieCap + pcieCapLen <= dsnCap, "overlap");

    /* Device Serial Number: the endpoint's sn= */
    put(dsnCap, extCapDsn | 1u << 16 | devDvsec << 20, 4);
    put(dsnCap + 4, serial, 8);

    /* PCIe DVSEC for CXL Devices: IO and Mem capable, one HDM range of
     * the device's capacity, valid and active, characteristics in CDAT
     * (media type and class 010b); Mem_Enable, the range base and the
     * lock are writable until the lock is set. */
    put(devDvsec, extCapDvsec | 1u << 16 | locDvsec << 20, 4);
    put(devDvsec + 4, cxlVendor | 2u << 16 | devDvsecLen << 20, 4);
    put(devDvsec + 8, 0x0000, 2); /* DVSEC ID 0 */
    put(devDvsec + dvCap, dvCapIo | dvCapMem | dvCapHdmCount1, 2);
    put(devDvsec + dvCtrl, dvCtrlIoEnable, 2, dvCtrlMemEnable);
    put(devDvsec + dvLock, 0, 2, dvLockConfig);
    put(devDvsec + dvRange1SizeHi, size >> 32, 4);
    put(devDvsec + dvRange1SizeLo,
        (size & 0xf0000000u) | 2u << 5 | 2u << 2 | 1u << 1 | 1u << 0, 4);
    put(devDvsec + dvRange1BaseHi, 0, 4, 0xffffffffu);
    put(devDvsec + dvRange1BaseLo, 0, 4, 0xf0000000u);
    static_assert(devDvsec + devDvsecLen <= locDvsec, "overlap");

    /* Register Locator DVSEC: both blocks in BAR0 (BIR 0), at 64 KiB
     * aligned offsets. */
    put(locDvsec, extCapDvsec | 1u << 16, 4); /* last in the list */
    put(locDvsec + 4, cxlVendor | 0u << 16 | locDvsecLen << 20, 4);
    put(locDvsec + 8, 0x0008, 2); /* DVSEC ID 8 */
    put(locDvsec + 0x0c, 0 | rbiComponent << 8 | (0 & 0xffff0000u), 4);
    put(locDvsec + 0x10, 0, 4);
    put(locDvsec + 0x14, 0 | rbiMemdev << 8 | (devBlock & 0xffff0000u), 4);
    put(locDvsec + 0x18, devBlock >> 32, 4);
}

Tick
CxlemuPciDevice::readConfig(PacketPtr pkt)
{
    const unsigned off = pkt->getAddr() & (cfgSize - 1);
    const unsigned size = pkt->getSize();
    if (off < PCI_DEVICE_SPECIFIC)
        return PciDevice::readConfig(pkt);

    uint64_t v = ~UINT64_C(0);
    if ((size == 1 || size == 2 || size == 4) && !(off & (size - 1))) {
        v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= static_cast<uint64_t>(cfg[off + b]) << (8 * b);
    }
    pkt->setUintX(v & sizeMask(size), ByteOrder::little);
    pkt->makeAtomicResponse();
    DPRINTF(Cxlemu, "config read %#x size %u: %#x\n", off, size, v);
    return configDelay;
}

Tick
CxlemuPciDevice::writeConfig(PacketPtr pkt)
{
    const unsigned off = pkt->getAddr() & (cfgSize - 1);
    const unsigned size = pkt->getSize();
    const uint64_t v = pkt->getUintX(ByteOrder::little);
    DPRINTF(Cxlemu, "config write %#x size %u: %#x\n", off, size, v);

    if (off < PCI_DEVICE_SPECIFIC) {
        /* PciDevice takes the header, but stores only the low byte of a
         * 16-bit Command write and the low byte into Status, and panics
         * on byte writes it does not know: handle Command here, ignore
         * the others (read-only, or write-1-to-clear bits never set). */
        if (size == 2 && off == PCI_COMMAND) {
            config.command = htole(static_cast<uint16_t>(v));
            pioPort.sendRangeChange();
        } else if (size == 1 &&
                   (off == PCI_COMMAND || off == PCI_COMMAND + 1)) {
            const unsigned sh = 8 * (off - PCI_COMMAND);
            uint16_t c = letoh(config.command);
            c = static_cast<uint16_t>((c & ~(0xffu << sh)) | (v & 0xff) << sh);
            config.command = htole(c);
            pioPort.sendRangeChange();
        } else if ((size == 2 && off != PCI_CACHE_LINE_SIZE) ||
                   (size == 1 && off != PCI0_INTERRUPT_LINE &&
                    off != PCI_CACHE_LINE_SIZE && off != PCI_LATENCY_TIMER)) {
            /* read-only or write-1-to-clear bits that are never set */
        } else {
            return PciDevice::writeConfig(pkt);
        }
        pkt->makeAtomicResponse();
        return configDelay;
    }

    if ((size == 1 || size == 2 || size == 4) && !(off & (size - 1))) {
        for (unsigned b = 0; b < size; b++) {
            const uint8_t m = cfgWmask[off + b];
            const uint8_t nv = static_cast<uint8_t>(v >> (8 * b));
            cfg[off + b] = static_cast<uint8_t>((cfg[off + b] & ~m) |
                                                (nv & m));
        }
        /* CONFIG_LOCK freezes the DVSEC's control and range base. */
        if (cfg[devDvsec + dvLock] & dvLockConfig) {
            for (unsigned o : {dvCtrl, dvCtrl + 1, dvLock, dvLock + 1})
                cfgWmask[devDvsec + o] = 0;
            for (unsigned o = dvRange1BaseHi; o < dvRange1BaseLo + 4; o++)
                cfgWmask[devDvsec + o] = 0;
        }
    }
    pkt->makeAtomicResponse();
    return configDelay;
}

uint64_t
CxlemuPciDevice::devReg(uint32_t off) const
{
    const auto hdr = [](uint16_t id, uint32_t at) {
        return id | UINT64_C(1) << 16 | static_cast<uint64_t>(at) << 32;
    };
    switch (off & ~7u) {
      case 0x00: /* Device Capabilities Array Register */
        return capIdArray | UINT64_C(1) << 16 |
               static_cast<uint64_t>(devCaps) << 32;
      case 0x10: return hdr(capIdDevStatus, devStatusOff);
      case 0x18: return 8;
      case 0x20: return hdr(capIdMailbox, mboxOff);
      case 0x28: return mboxSize;
      case 0x30: return hdr(capIdMemdev, memdevStatusOff);
      case 0x38: return 8;
      case devStatusOff: /* Event Status */
        return cxlemu_memdev_event_status(md);
      case memdevStatusOff:
        return mdsMboxReady | (cxlemu_memdev_media_disabled(md)
                               ? mdsMediaDisabled : mdsMediaReady);
      default:
        return 0;
    }
}

int
CxlemuPciDevice::barAccess(Addr off, unsigned size, uint64_t *rd,
                           uint64_t wr)
{
    struct cxlemu_sim *sim = mem.machine();
    if (off < compSize) {
        return rd ? cxlemu_sim_reg_read(sim, compBase + off, size, rd)
                  : cxlemu_sim_reg_write(sim, compBase + off, size, wr);
    }
    const uint64_t d = off - devBlock;
    if (d >= mboxOff && d - mboxOff < mboxSize) {
        const uint64_t a = mboxBase + (d - mboxOff);
        return rd ? cxlemu_sim_reg_read(sim, a, size, rd)
                  : cxlemu_sim_reg_write(sim, a, size, wr);
    }
    if (!goodWidth(size, d))
        return -EINVAL;
    /* The synthesized registers are read-only. */
    if (rd)
        *rd = (devReg(static_cast<uint32_t>(d)) >> (8 * (d & 7))) &
              sizeMask(size);
    return 0;
}

Tick
CxlemuPciDevice::barPacket(PacketPtr pkt, bool read)
{
    int num = -1;
    Addr off = 0;
    const unsigned size = pkt->getSize();
    int rc = 0;

    if (!getBAR(pkt->getAddr(), num, off) || num != 0) {
        rc = -ENXIO;
    } else {
        uint8_t *data = pkt->getPtr<uint8_t>();
        unsigned step = size;
        /* Wider, 8-byte aligned packets become 8-byte accesses. */
        if (size > 8)
            step = (size % 8 || off % 8) ? 0 : 8;
        if (!step)
            rc = -EINVAL;
        for (unsigned o = 0; !rc && o < size; o += step) {
            uint64_t v = 0;
            if (read) {
                rc = barAccess(off + o, step, &v, 0);
                for (unsigned b = 0; b < step; b++)
                    data[o + b] = static_cast<uint8_t>(rc ? 0xff
                                                          : v >> (8 * b));
            } else {
                for (unsigned b = 0; b < step; b++)
                    v |= static_cast<uint64_t>(data[o + b]) << (8 * b);
                rc = barAccess(off + o, step, nullptr, v);
            }
        }
    }
    if (read)
        stats.barReads++;
    else
        stats.barWrites++;
    if (rc) {
        stats.barErrors++;
        DPRINTF(Cxlemu, "BAR%d %s %#x size %u: %s\n", num,
                read ? "read" : "write", off, size, cxlemu_strerror(rc));
        if (read)
            std::memset(pkt->getPtr<uint8_t>(), 0xff, size);
    }
    pkt->makeAtomicResponse();
    if (rc)
        pkt->setBadAddress();
    return pioDelay;
}

Tick
CxlemuPciDevice::read(PacketPtr pkt)
{
    return barPacket(pkt, true);
}

Tick
CxlemuPciDevice::write(PacketPtr pkt)
{
    return barPacket(pkt, false);
}

/* Called from inside libcxlemu: only gem5 state is touched (the PCI host
 * and platform schedule or record; they do not call the library). */
void
CxlemuPciDevice::interrupt(bool event, unsigned log, unsigned vector)
{
    if (event)
        stats.eventIrqs++;
    else
        stats.mboxIrqs++;
    if (event)
        DPRINTF(Cxlemu, "endpoint %u: event interrupt (log %u vector %u)\n",
                ep, log, vector);
    else
        DPRINTF(Cxlemu, "endpoint %u: mailbox interrupt\n", ep);
    if (!deliverIntx || !config.interruptPin)
        return;
    if (letoh(config.command) & pciCmdIntxDisable) {
        stats.intxMasked++;
        return;
    }
    /* The CXL interrupts are messages (MSI/MSI-X); INTx is level, so a
     * message becomes a pulse on the line. */
    intrPost();
    intrClear();
    stats.intxPulses++;
}

CxlemuPciDevice::PciStats::PciStats(CxlemuPciDevice &owner)
    : statistics::Group(&owner),
      ADD_STAT(barReads, statistics::units::Count::get(),
               "BAR0 read packets"),
      ADD_STAT(barWrites, statistics::units::Count::get(),
               "BAR0 write packets"),
      ADD_STAT(barErrors, statistics::units::Count::get(),
               "BAR0 packets refused (bad width, outside the registers)"),
      ADD_STAT(mboxIrqs, statistics::units::Count::get(),
               "mailbox interrupts of the endpoint"),
      ADD_STAT(eventIrqs, statistics::units::Count::get(),
               "event interrupts of the endpoint"),
      ADD_STAT(intxPulses, statistics::units::Count::get(),
               "interrupts delivered as an INTx pulse"),
      ADD_STAT(intxMasked, statistics::units::Count::get(),
               "interrupts not delivered: Interrupt Disable set")
{
}

} // namespace gem5
