/* SPDX-License-Identifier: MIT */
/* CxlemuPlatform: PCI INTx lines to interrupt pins (cxlemu_platform.hh). */

#include "cxlemu_platform.hh"

#include "base/logging.hh"
#include "base/trace.hh"
#include "debug/Cxlemu.hh"

namespace gem5
{

CxlemuPlatform::CxlemuPlatform(const Params &p)
    : Platform(p), stats(*this)
{
    for (unsigned i = 0; i < p.port_intx_connection_count; i++) {
        intx.emplace_back(new IntSourcePin<CxlemuPlatform>(
            csprintf("%s.intx[%u]", name(), i), static_cast<PortID>(i),
            this));
    }
}

void
CxlemuPlatform::postConsoleInt()
{
    warn_once("%s: console interrupts go nowhere", name());
}

void
CxlemuPlatform::clearConsoleInt()
{
}

void
CxlemuPlatform::postPciInt(int line)
{
    DPRINTF(Cxlemu, "PCI interrupt line %d raised\n", line);
    stats.pciIntPosts++;
    stats.lastLine = line;
    for (auto &pin : intx)
        pin->raise();
}

void
CxlemuPlatform::clearPciInt(int line)
{
    DPRINTF(Cxlemu, "PCI interrupt line %d lowered\n", line);
    stats.pciIntClears++;
    for (auto &pin : intx)
        pin->lower();
}

Port &
CxlemuPlatform::getPort(const std::string &if_name, PortID idx)
{
    if (if_name == "intx" && idx >= 0 &&
        static_cast<size_t>(idx) < intx.size())
        return *intx[idx];
    return Platform::getPort(if_name, idx);
}

CxlemuPlatform::PlatStats::PlatStats(CxlemuPlatform &owner)
    : statistics::Group(&owner),
      ADD_STAT(pciIntPosts, statistics::units::Count::get(),
               "PCI interrupt lines raised"),
      ADD_STAT(pciIntClears, statistics::units::Count::get(),
               "PCI interrupt lines lowered"),
      ADD_STAT(lastLine, statistics::units::Count::get(),
               "the line raised last")
{
}

} // namespace gem5
