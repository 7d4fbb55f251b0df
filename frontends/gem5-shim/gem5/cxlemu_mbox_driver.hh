/* SPDX-License-Identifier: MIT */
/*
 * CxlemuMboxDriver: a small driver for a CXL memory device on gem5's PCI
 * bus (CxlemuPciDevice), written as a SimObject with a request port, so
 * that a NULL-ISA system can drive the mailbox with specific register
 * writes (gem5's traffic generators cannot write chosen data).
 *
 * It does what an OS driver does first, through configuration space and
 * the BAR only: checks the class code, sizes and assigns BAR0/1, enables
 * memory space, walks the extended capabilities (DSN, PCIe DVSEC for CXL
 * Devices, Register Locator DVSEC), the component registers' capability
 * array and the device capabilities array, and sends Identify Memory
 * Device.  Then it starts a background operation (Sanitize) with the
 * background completion interrupt enabled, checks the media is disabled
 * (a memory read fails), reads the progress once, and waits for the
 * interrupt on its `irq` pin without touching the device.  When it comes,
 * it reads the Background Command Status and checks that the media is
 * back and zeroed.  Then it injects poison, asks for event interrupts of
 * the failure log and runs Scan Media: the scan's end brings two
 * interrupts (the General Media event it logs and the background
 * completion); it checks the Event Status, the scan results and the
 * failure log.  Each step is checked; report() lists them and passed()
 * says whether all held.  The simulation exits when it is done.
 */

#ifndef __CXLEMU_GEM5_CXLEMU_MBOX_DRIVER_HH__
#define __CXLEMU_GEM5_CXLEMU_MBOX_DRIVER_HH__

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dev/intpin.hh"
#include "mem/packet.hh"
#include "mem/port.hh"
#include "params/CxlemuMboxDriver.hh"
#include "sim/eventq.hh"
#include "sim/sim_object.hh"
#include "sim/system.hh"

namespace gem5
{

class CxlemuMboxDriver : public SimObject
{
  public:
    PARAMS(CxlemuMboxDriver);
    explicit CxlemuMboxDriver(const Params &p);

    Port &getPort(const std::string &if_name,
                  PortID idx = InvalidPortID) override;
    void startup() override;

    /** The steps, one per line ("ok: ..." / "FAIL: ..." / notes). */
    std::string report() const;
    /** Whether the whole sequence ran and every check held. */
    bool passed() const { return finished && ok; }
    /** Tick of the doorbell write that started the background operation. */
    uint64_t doorbellTick() const { return doorbellAt; }
    /** Tick the interrupt pin rose after it (0: never). */
    uint64_t irqTick() const { return irqAt; }
    /** Same for Scan Media. */
    uint64_t scanDoorbellTick() const { return scanAt; }
    uint64_t scanIrqTick() const { return scanIrqAt; }

    /* IntSinkPin interface. */
    void raiseInterruptPin(int num);
    void lowerInterruptPin(int num);

  private:
    using Cont = std::function<void(uint64_t val, bool ok)>;

    class DriverPort : public RequestPort
    {
      public:
        DriverPort(const std::string &name, CxlemuMboxDriver &owner)
            : RequestPort(name), owner(owner)
        {}

      protected:
        bool recvTimingResp(PacketPtr pkt) override
        {
            return owner.recvResp(pkt);
        }
        void recvReqRetry() override { owner.recvRetry(); }

      private:
        CxlemuMboxDriver &owner;
    };

    /* One access; @p k runs from an event once the response is back. */
    void access(Addr a, unsigned size, bool write, uint64_t val, Cont k);
    void cfgRd(unsigned off, unsigned size, Cont k);
    void cfgWr(unsigned off, unsigned size, uint64_t val, Cont k);
    void barRd(uint64_t off, unsigned size, Cont k);
    void barWr(uint64_t off, unsigned size, uint64_t val, Cont k);
    bool recvResp(PacketPtr pkt);
    void recvRetry();
    void resume();

    void note(const std::string &s);
    bool check(bool cond, const std::string &what);
    void finish();

    /* The sequence. */
    void enumerate();
    void sizeBar();
    void assignBar(uint64_t size);
    void walkCaps(unsigned off, unsigned guard);
    void readDvsec(unsigned off, unsigned next, unsigned guard);
    void readLocator(unsigned off, unsigned b, unsigned len, unsigned next,
                     unsigned guard);
    void afterCaps();
    void componentCaps(unsigned i, unsigned count);
    void deviceCaps(unsigned i, unsigned count);
    void mediaStatus(bool disabled, std::function<void()> then);
    void mailboxCaps();
    void mboxCommand(uint16_t opcode, uint32_t len, uint32_t ctrl,
                     std::function<void(unsigned rc, uint64_t sts)> k,
                     Tick *rung = nullptr);
    void waitDoorbell(unsigned tries,
                      std::function<void(unsigned rc, uint64_t sts)> k);
    void identify();
    void writePattern();
    void armIrq();
    void waitIrq(std::function<void()> then);
    void irqFire();
    void startSanitize();
    void duringSanitize();
    void progress();
    void afterSanitize();
    void injectPoison();
    void startScan();
    void afterScan();

    System *system;
    const RequestorID requestorId;
    const Addr confBase;
    const unsigned bus, dev, func;
    const Addr barBase;
    const unsigned intLine;
    const Addr memProbe;
    const Tick progressDelay;
    const Tick timeout;

    DriverPort port;
    IntSinkPin<CxlemuMboxDriver> irqPin;
    EventFunctionWrapper startEvent, resumeEvent, irqEvent, progressEvent,
        timeoutEvent;

    PacketPtr retryPkt = nullptr;
    Cont pending;
    uint64_t respVal = 0;
    bool respOk = false;

    /* What discovery found (offsets in BAR0). */
    uint64_t barSize = 0;
    bool haveDevDvsec = false;
    uint64_t dvsecSize = 0;
    bool haveComp = false, haveMemdev = false;
    uint64_t compOff = 0, devOff = 0;
    uint64_t mbox = 0, mds = 0, devStatus = 0;
    bool haveMbox = false, haveMds = false;
    uint64_t serial = 0;

    static constexpr uint64_t pattern = 0x1122334455667788ull;
    static constexpr uint64_t poisonDpa = 0x1000;
    static constexpr unsigned scanLines = 1024; /* 64 KiB */

    /* Interrupts: the continuation waiting for the next one, whether one
     * came since armIrq(), when the first did and how many. */
    std::function<void()> irqWait;
    bool irqPending = false;
    unsigned irqRaises = 0;
    unsigned phaseIrqs = 0;
    Tick phaseIrqAt = 0;
    Tick doorbellAt = 0;
    Tick irqAt = 0;
    Tick scanAt = 0;
    Tick scanIrqAt = 0;
    std::vector<std::string> lines;
    bool ok = true;
    bool finished = false;
};

} // namespace gem5

#endif // __CXLEMU_GEM5_CXLEMU_MBOX_DRIVER_HH__
