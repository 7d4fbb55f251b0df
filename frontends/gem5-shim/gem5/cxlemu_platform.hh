/* SPDX-License-Identifier: MIT */
/*
 * CxlemuPlatform: a Platform for NULL-ISA systems, so that a PCI host
 * (GenericPciHost) has somewhere to deliver INTx.  gem5's NULL build has no
 * concrete platform (the real ones, x86 Pc, Arm RealView, RISC-V HiFive,
 * come with their ISA and wire INTx to their interrupt controllers).
 *
 * Every PCI interrupt line drives the `intx` pins: a shared, level
 * interrupt wire, raised by postPciInt() and lowered by clearPciInt().
 * Whoever is connected (e.g. CxlemuMboxDriver.irq) sees the edges.  The
 * line number is traced (--debug-flags=Cxlemu) and counted.
 */

#ifndef __CXLEMU_GEM5_CXLEMU_PLATFORM_HH__
#define __CXLEMU_GEM5_CXLEMU_PLATFORM_HH__

#include <memory>
#include <vector>

#include "base/statistics.hh"
#include "dev/intpin.hh"
#include "dev/platform.hh"
#include "params/CxlemuPlatform.hh"

namespace gem5
{

class CxlemuPlatform : public Platform
{
  public:
    PARAMS(CxlemuPlatform);
    explicit CxlemuPlatform(const Params &p);

    void postConsoleInt() override;
    void clearConsoleInt() override;
    void postPciInt(int line) override;
    void clearPciInt(int line) override;

    Port &getPort(const std::string &if_name,
                  PortID idx = InvalidPortID) override;

  private:
    std::vector<std::unique_ptr<IntSourcePin<CxlemuPlatform>>> intx;

    struct PlatStats : public statistics::Group
    {
        explicit PlatStats(CxlemuPlatform &owner);
        statistics::Scalar pciIntPosts;
        statistics::Scalar pciIntClears;
        statistics::Scalar lastLine;
    } stats;
};

} // namespace gem5

#endif // __CXLEMU_GEM5_CXLEMU_PLATFORM_HH__
