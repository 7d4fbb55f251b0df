/* SPDX-License-Identifier: MIT */
/*
 * CxlemuMemory: a libcxlemu machine as a gem5 SimObject.
 *
 * This header stays free of libcxlemu's headers: gem5 compiles the
 * generated parameter and pybind wrappers, which include it, with its own
 * include path only.  Everything that touches the library is in
 * cxlemu_mem.cc.
 */

#ifndef __CXLEMU_GEM5_CXLEMU_MEM_HH__
#define __CXLEMU_GEM5_CXLEMU_MEM_HH__

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "base/addr_range.hh"
#include "base/statistics.hh"
#include "mem/abstract_mem.hh"
#include "mem/packet.hh"
#include "mem/port.hh"
#include "params/CxlemuMemory.hh"
#include "sim/eventq.hh"

struct cxlemu_sim;

namespace gem5
{

/**
 * An AbstractMemory so that the system counts the CXL memory as memory
 * (System::isMemAddr(), which traffic generators check); it is a null
 * memory (no gem5 backing store), and its range is set from the machine:
 * the hull of what the memory port exposes.
 */
class CxlemuMemory : public memory::AbstractMemory
{
  public:
    PARAMS(CxlemuMemory);
    explicit CxlemuMemory(const Params &p);
    ~CxlemuMemory() override;

    CxlemuMemory(const CxlemuMemory &) = delete;
    CxlemuMemory &operator=(const CxlemuMemory &) = delete;

    void init() override;
    void startup() override;
    DrainState drain() override;
    Port &getPort(const std::string &if_name,
                  PortID idx = InvalidPortID) override;

    /** Number of regions programmed from the `regions` parameter. */
    unsigned numRegions() const { return regionRanges.size(); }
    /** Base HPA of region @p i (0 for a bad index). */
    uint64_t regionBase(unsigned i) const;
    /** Size of region @p i in bytes (0 for a bad index). */
    uint64_t regionSize(unsigned i) const;
    /** Number of register windows (cxlemu_sim_reg_windows()). */
    unsigned numRegWindows() const;
    /** Base address of register window @p i (0 for a bad index). */
    uint64_t regWindowBase(unsigned i) const;
    /** Size of register window @p i (0 for a bad index). */
    uint64_t regWindowSize(unsigned i) const;
    /** Kind of register window @p i (enum cxlemu_sim_reg_kind: 1 host
     * bridge, 2 endpoint component registers, 3 mailbox, 4 switch
     * upstream port; 0 for a bad index). */
    unsigned regWindowKind(unsigned i) const;
    /** Number of type-3 endpoints of the machine. */
    unsigned numEndpoints() const;
    /** Per-endpoint counters of the library, one line per endpoint. */
    std::string report() const;
    /** The machine's CEDT (cxlemu_sim_cedt()), empty if it cannot be
     * built; Python gets a list of byte values. */
    std::vector<uint8_t> cedt();
    /** Tick of the last poll event (0 before the first). */
    uint64_t lastPollTick() const { return lastPoll; }
    /** Ticks of the first maxPollLog poll events. */
    std::vector<uint64_t> pollTicks() const { return pollLog; }
    static constexpr size_t maxPollLog = 4096;

    /** The libcxlemu machine, for the objects of this directory that map
     * parts of it (CxlemuPciDevice). */
    struct cxlemu_sim *machine() const { return sim; }

    /**
     * Who hears the library's interrupts: @p event false for a mailbox
     * interrupt (log and vector 0), true for an event interrupt.  Called
     * from inside libcxlemu (a register write or cxlemu_sim_poll()): a
     * listener must not call back into the machine; it schedules instead.
     */
    using IrqListener = std::function<void(uint32_t ep, bool event,
                                           unsigned log, unsigned vector)>;
    void addIrqListener(IrqListener l) { irqListeners.push_back(l); }

    /* Host services of libcxlemu (struct cxlemu_sim_host), public so that
     * the C callbacks in the .cc can reach them. */
    uint64_t hostNowNs() const;
    void hostSchedule(uint64_t when_ns);
    void hostMboxIrq(uint32_t ep);
    void hostEventIrq(uint32_t ep, unsigned log, unsigned vector);
    void hostLog(int level, const char *msg);

  private:
    /** One response port; @p regs selects the register windows. */
    class CxlPort : public ResponsePort
    {
      public:
        CxlPort(const std::string &name, CxlemuMemory &owner, bool regs);

      protected:
        Tick recvAtomic(PacketPtr pkt) override;
        void recvFunctional(PacketPtr pkt) override;
        bool recvTimingReq(PacketPtr pkt) override;
        void recvRespRetry() override;
        AddrRangeList getAddrRanges() const override;

      private:
        CxlemuMemory &owner;
        const bool regs;
    };

    /** A response waiting for its time, per port. */
    struct Deferred
    {
        Tick tick;
        PacketPtr pkt;
    };

    /** Response queue of one port (ordered by time, same-address order
     * kept, as gem5's SimpleMemory does). */
    struct RespQueue
    {
        CxlPort *port = nullptr;
        std::deque<Deferred> q;
        bool retryResp = false;
        EventFunctionWrapper event;
        explicit RespQueue(std::function<void()> cb, const std::string &n)
            : event(std::move(cb), n)
        {}
    };

    /** Performs @p pkt on the memory windows; returns the modelled latency
     * and turns the packet into its response when it needs one. */
    Tick memAccess(PacketPtr pkt, bool functional);
    /** Same for the register windows. */
    Tick regAccess(PacketPtr pkt, bool functional);
    Tick access(PacketPtr pkt, bool regs, bool functional);
    bool timingReq(PacketPtr pkt, bool regs);
    void dequeue(RespQueue &rq);
    void respRetry(bool regs);
    void poll();
    void programRegions(const std::vector<std::string> &specs);
    void checkDrained();

    struct cxlemu_sim *sim = nullptr;
    const Tick regLatency;
    AddrRangeList memRanges;
    AddrRangeList regRanges;
    std::vector<std::pair<uint64_t, uint64_t>> regionRanges;
    std::vector<std::string> epNames;

    CxlPort memPort;
    CxlPort regPort;
    RespQueue memQ;
    RespQueue regQ;
    std::unique_ptr<Packet> pendingDelete;

    /** Times libcxlemu asked to be polled at (ticks), earliest first. */
    std::priority_queue<Tick, std::vector<Tick>, std::greater<Tick>>
        pollAt;
    EventFunctionWrapper pollEvent;
    bool started = false;
    Tick lastPoll = 0;
    std::vector<uint64_t> pollLog;
    std::vector<IrqListener> irqListeners;
    const std::string cedtFile;

    struct CxlStats : public statistics::Group
    {
        CxlStats(CxlemuMemory &owner, unsigned endpoints);
        void preDumpStats() override;
        void resetStats() override;

        CxlemuMemory &owner;
        statistics::Scalar readReqs;
        statistics::Scalar writeReqs;
        statistics::Scalar readBytes;
        statistics::Scalar writeBytes;
        statistics::Scalar errors;
        statistics::Scalar regReads;
        statistics::Scalar regWrites;
        statistics::Scalar regErrors;
        statistics::Scalar polls;
        statistics::Scalar mboxIrqs;
        statistics::Scalar eventIrqs;
        statistics::Histogram accessLatency;
        statistics::Vector epReads;
        statistics::Vector epWrites;
        statistics::Vector epReadBytes;
        statistics::Vector epWriteBytes;
        statistics::Vector epBusyNs;
        /** Library counters at the last stats reset (the library's own
         * counters never reset). */
        std::vector<std::vector<uint64_t>> base;
    };
    std::unique_ptr<CxlStats> stats;
};

} // namespace gem5

#endif // __CXLEMU_GEM5_CXLEMU_MEM_HH__
