/* SPDX-License-Identifier: MIT */
/*
 * CxlemuPciDevice: one type-3 endpoint of a CxlemuMemory machine as a gem5
 * PCI device (a CXL memory device, class code 05 02 10).
 *
 * Configuration space: the PCI header, a PCI Express capability, the
 * Device Serial Number, the PCIe DVSEC for CXL Devices (DVSEC ID 0, CXL
 * 3.1 8.1.3) and the Register Locator DVSEC (ID 8, 8.1.9).  The extended
 * configuration space (0x100 and up) needs an ECAM host (GenericPciHost
 * with conf_device_bits=12).
 *
 * BAR0/1, one 64-bit memory BAR:
 *   0x00000  the endpoint's component registers (64 KiB), forwarded to
 *            cxlemu_sim_reg_read()/_write() of its component register
 *            window;
 *   0x10000  the CXL memory device registers (8.2.8): the Device
 *            Capabilities Array, the Device Status registers, the Memory
 *            Device Status register and the Primary Mailbox, which is
 *            forwarded to the endpoint's mailbox window.
 *
 * Interrupts: mailbox and event interrupts of the endpoint are counted
 * and, when the device has an interrupt pin and INTx is not disabled in
 * the Command register, delivered as a pulse on its INTx line through the
 * PCI host (GenericPciHost: Platform::postPciInt()).
 *
 * Like cxlemu_mem.hh, this header does not include libcxlemu's headers.
 */

#ifndef __CXLEMU_GEM5_CXLEMU_PCI_HH__
#define __CXLEMU_GEM5_CXLEMU_PCI_HH__

#include <array>
#include <cstdint>

#include "base/statistics.hh"
#include "cxlemu_mem.hh"
#include "dev/pci/device.hh"
#include "params/CxlemuPciDevice.hh"

struct cxlemu_memdev;

namespace gem5
{

class CxlemuPciDevice : public PciDevice
{
  public:
    PARAMS(CxlemuPciDevice);
    explicit CxlemuPciDevice(const Params &p);

    Tick readConfig(PacketPtr pkt) override;
    Tick writeConfig(PacketPtr pkt) override;
    Tick read(PacketPtr pkt) override;
    Tick write(PacketPtr pkt) override;

    /** Size of configuration space this device decodes (PCIe). */
    static constexpr unsigned cfgSize = 4096;

  private:
    /** Reads (@p rd non-null) or writes one register of 1, 2, 4 or 8
     * bytes at @p off of BAR0; returns 0 or a negative errno. */
    int barAccess(Addr off, unsigned size, uint64_t *rd, uint64_t wr);
    /** The synthesized 8-byte device register that holds @p off of the
     * memory device register block (0 where nothing is). */
    uint64_t devReg(uint32_t off) const;
    Tick barPacket(PacketPtr pkt, bool read);
    void buildConfig(uint64_t serial, uint64_t size);
    void put(unsigned off, uint64_t v, unsigned n, uint64_t wmask = 0);
    void interrupt(bool event, unsigned log, unsigned vector);

    CxlemuMemory &mem;
    const uint32_t ep;
    const bool deliverIntx;
    uint64_t compBase = 0;  /**< component register window */
    uint64_t mboxBase = 0;  /**< mailbox window */
    uint64_t mboxSize = 0;
    struct cxlemu_memdev *md = nullptr;

    /** Configuration space from PCI_DEVICE_SPECIFIC on (below it, the
     * PciDevice header), and which bits of it software may write. */
    std::array<uint8_t, cfgSize> cfg{};
    std::array<uint8_t, cfgSize> cfgWmask{};

    struct PciStats : public statistics::Group
    {
        explicit PciStats(CxlemuPciDevice &owner);
        statistics::Scalar barReads;
        statistics::Scalar barWrites;
        statistics::Scalar barErrors;
        statistics::Scalar mboxIrqs;
        statistics::Scalar eventIrqs;
        statistics::Scalar intxPulses;
        statistics::Scalar intxMasked;
    } stats;
};

} // namespace gem5

#endif // __CXLEMU_GEM5_CXLEMU_PCI_HH__
