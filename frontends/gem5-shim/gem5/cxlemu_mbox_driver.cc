/* SPDX-License-Identifier: MIT */
/*
 * CxlemuMboxDriver: discovery of a CXL memory device through PCI and a
 * background mailbox operation that completes in simulated time (see
 * cxlemu_mbox_driver.hh).  Register layouts are those of CXL 3.1: 8.1.3
 * (PCIe DVSEC for CXL Devices), 8.1.9 (Register Locator DVSEC), 8.2.4
 * (component registers' CXL capability array), 8.2.8 (device capabilities
 * array, Memory Device Status, mailbox registers), 8.2.9.9.1.1 (Identify
 * Memory Device), 8.2.9.2 (events), 8.2.9.9.4 (poison and Scan Media)
 * and 8.2.9.9.5.1 (Sanitize).
 */

#include "cxlemu_mbox_driver.hh"

#include "base/logging.hh"
#include "base/trace.hh"
#include "debug/Cxlemu.hh"
#include "mem/packet_access.hh"
#include "mem/request.hh"
#include "sim/sim_exit.hh"

namespace gem5
{

namespace
{

constexpr uint32_t classCxlMemdev = 0x050210;
constexpr uint16_t cxlVendor = 0x1e98;
constexpr uint16_t extCapDsn = 0x0003;
constexpr uint16_t extCapDvsec = 0x0023;

/* Mailbox registers (8.2.8.4). */
constexpr uint64_t mbCaps = 0x00;
constexpr uint64_t mbCtrl = 0x04;
constexpr uint64_t mbCmd = 0x08;
constexpr uint64_t mbStatus = 0x10;
constexpr uint64_t mbBgStatus = 0x18;
constexpr uint64_t mbPayload = 0x20;
constexpr uint32_t ctrlDoorbell = 1u << 0;
constexpr uint32_t ctrlBgInt = 1u << 2;

constexpr uint16_t opGetEvents = 0x0100;
constexpr uint16_t opSetEventIrq = 0x0103;
constexpr uint16_t opIdentify = 0x4000;
constexpr uint16_t opInjectPoison = 0x4301;
constexpr uint16_t opScanMedia = 0x4304;
constexpr uint16_t opScanResults = 0x4305;
constexpr uint16_t opSanitize = 0x4400;
constexpr unsigned rcSuccess = 0x0000;
constexpr unsigned rcBgStarted = 0x0001;

const char *
compCapName(unsigned id)
{
    switch (id) {
      case 1: return "CXL capability";
      case 2: return "RAS";
      case 3: return "security";
      case 4: return "link";
      case 5: return "HDM decoder";
      case 6: return "extended security";
      case 7: return "IDE";
      case 8: return "snoop filter";
      case 9: return "timeout and isolation";
      case 0xa: return "cache memory extended register";
      case 0xb: return "BI route table";
      case 0xc: return "BI decoder";
      case 0xd: return "cache ID route table";
      case 0xe: return "cache ID decoder";
      case 0xf: return "extended HDM decoder";
      default: return "?";
    }
}

} // anonymous namespace

CxlemuMboxDriver::CxlemuMboxDriver(const Params &p)
    : SimObject(p),
      system(p.system),
      requestorId(p.system->getRequestorId(this)),
      confBase(p.conf_base),
      bus(p.pci_bus), dev(p.pci_dev), func(p.pci_func),
      barBase(p.bar_base),
      intLine(p.int_line),
      memProbe(p.mem_probe),
      progressDelay(p.progress_delay),
      timeout(p.timeout),
      port(name() + ".port", *this),
      irqPin(name() + ".irq", 0, this),
      startEvent([this] { enumerate(); }, name() + ".start"),
      resumeEvent([this] { resume(); }, name() + ".resume"),
      irqEvent([this] { irqFire(); }, name() + ".irq"),
      progressEvent([this] { progress(); }, name() + ".progress"),
      timeoutEvent([this] {
          check(false, "the sequence finished before the timeout");
          finish();
      }, name() + ".timeout")
{
    fatal_if(bus > 255 || dev > 31 || func > 7, "%s: bad PCI address",
             name());
    fatal_if(intLine > 255, "%s: int_line must be 0..255", name());
}

Port &
CxlemuMboxDriver::getPort(const std::string &if_name, PortID idx)
{
    if (if_name == "port")
        return port;
    if (if_name == "irq")
        return irqPin;
    return SimObject::getPort(if_name, idx);
}

void
CxlemuMboxDriver::startup()
{
    schedule(startEvent, curTick());
    schedule(timeoutEvent, curTick() + timeout);
}

std::string
CxlemuMboxDriver::report() const
{
    std::string out;
    for (const auto &l : lines)
        out += l + "\n";
    return out;
}

void
CxlemuMboxDriver::note(const std::string &s)
{
    DPRINTF(Cxlemu, "%s\n", s);
    lines.push_back(csprintf("[%12.3f us] ", curTick() / 1e6) + s);
}

bool
CxlemuMboxDriver::check(bool cond, const std::string &what)
{
    note((cond ? "ok:   " : "FAIL: ") + what);
    if (!cond)
        ok = false;
    return cond;
}

void
CxlemuMboxDriver::finish()
{
    if (finished)
        return;
    finished = true;
    if (timeoutEvent.scheduled())
        deschedule(timeoutEvent);
    if (progressEvent.scheduled())
        deschedule(progressEvent);
    note(ok ? "driver: all checks passed" : "driver: a check failed");
    exitSimLoop("cxlemu mailbox driver finished", ok ? 0 : 1);
}

/* ---- accesses ---- */

void
CxlemuMboxDriver::access(Addr a, unsigned size, bool write, uint64_t val,
                         Cont k)
{
    panic_if(pending, "%s: two accesses at once", name());
    if (finished)
        return;
    RequestPtr req = std::make_shared<Request>(a, size, Request::UNCACHEABLE,
                                               requestorId);
    PacketPtr pkt = write ? Packet::createWrite(req) : Packet::createRead(req);
    pkt->allocate();
    if (write)
        pkt->setUintX(val, ByteOrder::little);
    pending = std::move(k);

    if (system->isAtomicMode()) {
        Tick lat = port.sendAtomic(pkt);
        respOk = !pkt->isError();
        respVal = write ? 0 : pkt->getUintX(ByteOrder::little);
        delete pkt;
        schedule(resumeEvent, curTick() + lat);
        return;
    }
    if (!port.sendTimingReq(pkt))
        retryPkt = pkt;
}

void
CxlemuMboxDriver::recvRetry()
{
    assert(retryPkt);
    if (port.sendTimingReq(retryPkt))
        retryPkt = nullptr;
}

bool
CxlemuMboxDriver::recvResp(PacketPtr pkt)
{
    respOk = !pkt->isError();
    respVal = pkt->isRead() ? pkt->getUintX(ByteOrder::little) : 0;
    delete pkt;
    schedule(resumeEvent, curTick());
    return true;
}

void
CxlemuMboxDriver::resume()
{
    Cont k = std::move(pending);
    pending = nullptr;
    if (k && !finished)
        k(respVal, respOk);
    /* An interrupt that came while this access was in flight. */
    if (irqPending && irqWait && !pending && !irqEvent.scheduled())
        schedule(irqEvent, curTick());
}

/* ECAM: bus, device, function and the 4 KiB of the function. */
void
CxlemuMboxDriver::cfgRd(unsigned off, unsigned size, Cont k)
{
    access(confBase + (bus << 20 | dev << 15 | func << 12) + off, size,
           false, 0, std::move(k));
}

void
CxlemuMboxDriver::cfgWr(unsigned off, unsigned size, uint64_t val, Cont k)
{
    access(confBase + (bus << 20 | dev << 15 | func << 12) + off, size,
           true, val, std::move(k));
}

void
CxlemuMboxDriver::barRd(uint64_t off, unsigned size, Cont k)
{
    access(barBase + off, size, false, 0, std::move(k));
}

void
CxlemuMboxDriver::barWr(uint64_t off, unsigned size, uint64_t val, Cont k)
{
    access(barBase + off, size, true, val, std::move(k));
}

/* ---- discovery ---- */

void
CxlemuMboxDriver::enumerate()
{
    cfgRd(0x00, 4, [this](uint64_t id, bool rok) {
        if (!check(rok && (id & 0xffff) != 0xffff,
                   csprintf("PCI function %02x:%02x.%x present: vendor "
                            "%04x device %04x", bus, dev, func,
                            id & 0xffff, id >> 16)))
            return finish();
        cfgRd(0x08, 4, [this](uint64_t v, bool rok) {
            const uint32_t cls = static_cast<uint32_t>(v >> 8);
            if (!check(rok && cls == classCxlMemdev,
                       csprintf("class code %06x (CXL memory device "
                                "050210)", cls)))
                return finish();
            sizeBar();
        });
    });
}

void
CxlemuMboxDriver::sizeBar()
{
    cfgWr(0x10, 4, 0xffffffff, [this](uint64_t, bool) {
    cfgRd(0x10, 4, [this](uint64_t lo, bool) {
    cfgWr(0x14, 4, 0xffffffff, [this, lo](uint64_t, bool) {
    cfgRd(0x14, 4, [this, lo](uint64_t hi, bool) {
        if (!check((lo & 0x7) == 0x4,
                   csprintf("BAR0 is a 64-bit memory BAR (%#x)", lo)))
            return finish();
        const uint64_t mask = hi << 32 | (lo & ~UINT64_C(0xf));
        const uint64_t size = ~mask + 1;
        if (!check(size && !(barBase & (size - 1)),
                   csprintf("BAR0/1 size %#x; bar_base %#x is aligned to it",
                            size, barBase)))
            return finish();
        assignBar(size);
    });
    });
    });
    });
}

void
CxlemuMboxDriver::assignBar(uint64_t size)
{
    barSize = size;
    cfgWr(0x10, 4, barBase & 0xffffffff, [this](uint64_t, bool) {
    cfgWr(0x14, 4, barBase >> 32, [this](uint64_t, bool) {
    cfgWr(0x3c, 1, intLine, [this](uint64_t, bool) {
    cfgWr(0x04, 2, 0x0002, [this](uint64_t, bool) { /* memory space */
    cfgRd(0x3c, 4, [this](uint64_t v, bool) {
        check((v & 0xff) == intLine && ((v >> 8) & 0xff) != 0,
              csprintf("interrupt line %u, pin INT%c", v & 0xff,
                       static_cast<char>('A' - 1 + ((v >> 8) & 0xff))));
        note(csprintf("BAR0 at %#x, memory space enabled", barBase));
        walkCaps(0x100, 0);
    });
    });
    });
    });
    });
}

void
CxlemuMboxDriver::walkCaps(unsigned off, unsigned guard)
{
    if (off < 0x100 || off >= 0x1000 || guard > 64)
        return afterCaps();
    cfgRd(off, 4, [this, off, guard](uint64_t h, bool) {
        if (!h || h == 0xffffffff)
            return afterCaps();
        const unsigned id = h & 0xffff;
        const unsigned next = static_cast<unsigned>(h >> 20);
        if (id == extCapDsn) {
            cfgRd(off + 4, 4, [this, off, next, guard](uint64_t lo, bool) {
            cfgRd(off + 8, 4, [this, lo, next, guard](uint64_t hi, bool) {
                serial = hi << 32 | lo;
                note(csprintf("Device Serial Number %#x", serial));
                walkCaps(next, guard + 1);
            });
            });
        } else if (id == extCapDvsec) {
            readDvsec(off, next, guard);
        } else {
            note(csprintf("extended capability %#x at %#x", id, off));
            walkCaps(next, guard + 1);
        }
    });
}

void
CxlemuMboxDriver::readDvsec(unsigned off, unsigned next, unsigned guard)
{
    cfgRd(off + 4, 4, [this, off, next, guard](uint64_t h1, bool) {
    cfgRd(off + 8, 2, [this, off, next, guard, h1](uint64_t dvid, bool) {
        const unsigned vendor = h1 & 0xffff;
        const unsigned rev = (h1 >> 16) & 0xf;
        const unsigned len = static_cast<unsigned>(h1 >> 20);
        if (vendor != cxlVendor) {
            note(csprintf("DVSEC of vendor %04x at %#x", vendor, off));
            return walkCaps(next, guard + 1);
        }
        if (dvid == 8)
            return readLocator(off, 0x0c, len, next, guard);
        if (dvid != 0) {
            note(csprintf("CXL DVSEC %u at %#x", dvid, off));
            return walkCaps(next, guard + 1);
        }
        /* PCIe DVSEC for CXL Devices: capability, range 1, then set
         * Mem_Enable as firmware would. */
        cfgRd(off + 0x0a, 2, [this, off, next, guard, rev,
                              len](uint64_t cap, bool) {
        cfgRd(off + 0x18, 4, [this, off, next, guard, rev, len,
                              cap](uint64_t shi, bool) {
        cfgRd(off + 0x1c, 4, [this, off, next, guard, rev, len, cap,
                              shi](uint64_t slo, bool) {
            dvsecSize = shi << 32 | (slo & 0xf0000000u);
            haveDevDvsec = true;
            check((cap & 0x6) == 0x6 && ((cap >> 4) & 3) == 1 &&
                  (slo & 3) == 3,
                  csprintf("PCIe DVSEC for CXL Devices at %#x (revision "
                           "%u, %#x bytes): capability %#x (IO, Mem, "
                           "HDM_Count 1), range 1 %u MiB valid and "
                           "active", off, rev, len, cap, dvsecSize >> 20));
            /* Set Mem_Enable, then CONFIG_LOCK; a later write must not
             * clear Mem_Enable. */
            cfgWr(off + 0x0c, 2, 0x0006, [this, off, next,
                                          guard](uint64_t, bool) {
            cfgRd(off + 0x0c, 2, [this, off, next, guard](uint64_t c, bool) {
                check(c == 0x0006,
                      csprintf("DVSEC CXL Control reads %#x after "
                               "setting Mem_Enable", c));
            cfgWr(off + 0x14, 2, 0x0001, [this, off, next,
                                          guard](uint64_t, bool) {
            cfgWr(off + 0x0c, 2, 0x0002, [this, off, next,
                                          guard](uint64_t, bool) {
            cfgRd(off + 0x0c, 2, [this, next, guard](uint64_t c, bool) {
                check(c == 0x0006,
                      csprintf("DVSEC CXL Control still reads %#x after "
                               "CONFIG_LOCK and a write of 0x2", c));
                walkCaps(next, guard + 1);
            });
            });
            });
            });
            });
        });
        });
        });
    });
    });
}

void
CxlemuMboxDriver::readLocator(unsigned off, unsigned b, unsigned len,
                              unsigned next, unsigned guard)
{
    if (b + 8 > len)
        return walkCaps(next, guard + 1);
    cfgRd(off + b, 4, [this, off, b, len, next, guard](uint64_t lo, bool) {
    cfgRd(off + b + 4, 4, [this, off, b, len, next, guard,
                           lo](uint64_t hi, bool) {
        const unsigned bir = lo & 7;
        const unsigned rbi = (lo >> 8) & 0xff;
        const uint64_t at = hi << 32 | (lo & 0xffff0000u);
        note(csprintf("Register Locator at %#x: block %u in BAR%u at %#x",
                      off, rbi, bir, at));
        if (bir == 0 && at < barSize) {
            if (rbi == 1) {
                haveComp = true;
                compOff = at;
            } else if (rbi == 3) {
                haveMemdev = true;
                devOff = at;
            }
        }
        readLocator(off, b + 8, len, next, guard);
    });
    });
}

void
CxlemuMboxDriver::afterCaps()
{
    if (!check(haveDevDvsec && haveComp && haveMemdev,
               "found the PCIe DVSEC for CXL Devices and both register "
               "blocks (component, memory device) in BAR0"))
        return finish();
    /* CXL.cachemem primary range: 4 KiB into the component registers. */
    barRd(compOff + 0x1000, 4, [this](uint64_t h, bool rok) {
        if (!check(rok && (h & 0xffff) == 1,
                   csprintf("component registers: CXL capability header "
                            "%#x, %u capabilities", h, h >> 24)))
            return finish();
        componentCaps(1, static_cast<unsigned>(h >> 24));
    });
}

void
CxlemuMboxDriver::componentCaps(unsigned i, unsigned count)
{
    if (i > count) {
        barRd(devOff, 8, [this](uint64_t v, bool rok) {
            if (!check(rok && (v & 0xffff) == 0,
                       csprintf("device capabilities array: %u "
                                "capabilities", (v >> 32) & 0xffff)))
                return finish();
            deviceCaps(1, static_cast<unsigned>((v >> 32) & 0xffff));
        });
        return;
    }
    barRd(compOff + 0x1000 + 4 * i, 4, [this, i, count](uint64_t h, bool) {
        const unsigned id = h & 0xffff;
        const unsigned ptr = static_cast<unsigned>(h >> 20);
        if (id != 5) {
            note(csprintf("  component capability %u (%s) at %#x", id,
                          compCapName(id), ptr));
            return componentCaps(i + 1, count);
        }
        barRd(compOff + 0x1000 + ptr, 4, [this, i, count,
                                          ptr](uint64_t c, bool) {
            /* Decoder Count (8.2.4.20.1): 0 is 1, 1..8 are 2n, 9..12
             * are 20, 24, 28, 32. */
            const unsigned n = c & 0xf;
            const unsigned decoders = n == 0 ? 1 : n <= 8 ? 2 * n
                                    : n <= 12 ? 20 + 4 * (n - 9) : 0;
            note(csprintf("  component capability 5 (HDM decoder) at %#x: "
                          "%u decoders, target count %u", ptr, decoders,
                          (c >> 4) & 0xf));
            componentCaps(i + 1, count);
        });
    });
}

void
CxlemuMboxDriver::deviceCaps(unsigned i, unsigned count)
{
    if (i > count) {
        if (!check(haveMbox && haveMds,
                   "device registers: primary mailbox and memory device "
                   "status found"))
            return finish();
        return mediaStatus(false, [this] { mailboxCaps(); });
    }
    const uint64_t h = devOff + 0x10 * i;
    barRd(h, 4, [this, h, i, count](uint64_t id, bool) {
    barRd(h + 4, 4, [this, h, i, count, id](uint64_t off, bool) {
    barRd(h + 8, 4, [this, i, count, id, off](uint64_t len, bool) {
        const unsigned cid = id & 0xffff;
        note(csprintf("  device capability %#x version %u at %#x, %#x "
                      "bytes", cid, (id >> 16) & 0xff, off, len));
        if (cid == 0x0001) {
            devStatus = devOff + off;
        } else if (cid == 0x0002) {
            haveMbox = true;
            mbox = devOff + off;
        } else if (cid == 0x4000) {
            haveMds = true;
            mds = devOff + off;
        }
        deviceCaps(i + 1, count);
    });
    });
    });
}

/* Memory Device Status: Mailbox Interfaces Ready, and Media Status 01b
 * (ready) or 11b (disabled). */
void
CxlemuMboxDriver::mediaStatus(bool disabled, std::function<void()> then)
{
    barRd(mds, 8, [this, disabled, then](uint64_t v, bool rok) {
        const unsigned media = (v >> 2) & 3;
        if (!check(rok && (v & (1u << 4)) && media == (disabled ? 3u : 1u),
                   csprintf("memory device status %#x: mailbox ready, "
                            "media %s", v,
                            media == 1 ? "ready" : media == 3 ? "disabled"
                                                              : "other")))
            return finish();
        then();
    });
}

void
CxlemuMboxDriver::mailboxCaps()
{
    barRd(mbox + mbCaps, 4, [this](uint64_t c, bool) {
        check((c & (1u << 6)) != 0,
              csprintf("mailbox capabilities %#x: payload %u bytes, "
                       "background completion interrupt capable", c,
                       1u << (c & 0x1f)));
        identify();
    });
}

/* Writes the command register (@p len input bytes, already in the
 * payload) and rings the doorbell with @p ctrl's interrupt enables, waits
 * for the doorbell to clear, reads the status: the return code and the
 * whole register.  @p rung, if given, receives the tick of the doorbell
 * write. */
void
CxlemuMboxDriver::mboxCommand(uint16_t opcode, uint32_t len, uint32_t ctrl,
                              std::function<void(unsigned, uint64_t)> k,
                              Tick *rung)
{
    const uint64_t cmd = opcode | static_cast<uint64_t>(len) << 16;
    barWr(mbox + mbCmd, 8, cmd, [this, ctrl, k, rung](uint64_t, bool) {
        if (rung)
            *rung = curTick();
        barWr(mbox + mbCtrl, 4, ctrl | ctrlDoorbell,
              [this, k](uint64_t, bool) { waitDoorbell(0, k); });
    });
}

void
CxlemuMboxDriver::waitDoorbell(unsigned tries,
                               std::function<void(unsigned, uint64_t)> k)
{
    barRd(mbox + mbCtrl, 4, [this, tries, k](uint64_t c, bool) {
        if (c & ctrlDoorbell) {
            if (!check(tries < 1000, "the doorbell clears"))
                return finish();
            return waitDoorbell(tries + 1, k);
        }
        barRd(mbox + mbStatus, 8, [k](uint64_t s, bool) {
            k(static_cast<unsigned>((s >> 32) & 0xffff), s);
        });
    });
}

void
CxlemuMboxDriver::identify()
{
    mboxCommand(opIdentify, 0, 0, [this](unsigned rc, uint64_t) {
        barRd(mbox + mbPayload + 0x10, 8, [this, rc](uint64_t cap, bool) {
            if (!check(rc == rcSuccess && cap << 28 == dvsecSize,
                       csprintf("Identify Memory Device: return code %#x, "
                                "total capacity %u x 256 MiB (the DVSEC "
                                "range: %u MiB)", rc, cap,
                                dvsecSize >> 20)))
                return finish();
            writePattern();
        });
    });
}

void
CxlemuMboxDriver::writePattern()
{
    if (!memProbe) {
        note("no mem_probe address: memory checks skipped");
        return startSanitize();
    }
    access(memProbe, 8, true, pattern, [this](uint64_t, bool wok) {
        access(memProbe, 8, false, 0, [this, wok](uint64_t v, bool rok) {
            if (!check(wok && rok && v == pattern,
                       csprintf("memory at %#x holds %#x before sanitize",
                                memProbe, v)))
                return finish();
            startSanitize();
        });
    });
}

/* ---- interrupts ---- */

void
CxlemuMboxDriver::armIrq()
{
    irqPending = false;
    phaseIrqs = 0;
    phaseIrqAt = 0;
}

void
CxlemuMboxDriver::waitIrq(std::function<void()> then)
{
    irqWait = std::move(then);
    if (irqPending && !pending && !irqEvent.scheduled())
        schedule(irqEvent, curTick());
}

void
CxlemuMboxDriver::irqFire()
{
    auto k = std::move(irqWait);
    irqWait = nullptr;
    if (k && !finished)
        k();
}

void
CxlemuMboxDriver::raiseInterruptPin(int)
{
    irqRaises++;
    phaseIrqs++;
    DPRINTF(Cxlemu, "interrupt pin raised\n");
    if (irqPending)
        return;
    /* From inside the library (a poll event or a register access):
     * record, act from an event. */
    irqPending = true;
    phaseIrqAt = curTick();
    if (irqWait && !pending && !irqEvent.scheduled())
        schedule(irqEvent, curTick());
}

void
CxlemuMboxDriver::lowerInterruptPin(int)
{
}

/* ---- Sanitize ---- */

void
CxlemuMboxDriver::startSanitize()
{
    /* Enable the background completion interrupt, then start. */
    barWr(mbox + mbCtrl, 4, ctrlBgInt, [this](uint64_t, bool) {
        armIrq();
        mboxCommand(opSanitize, 0, ctrlBgInt, [this](unsigned rc,
                                                     uint64_t s) {
            if (!check(rc == rcBgStarted && (s & 1),
                       csprintf("Sanitize: return code %#x (background "
                                "command started), background operation "
                                "bit set", rc)))
                return finish();
            duringSanitize();
        }, &doorbellAt);
    });
}

void
CxlemuMboxDriver::duringSanitize()
{
    mediaStatus(true, [this] {
        auto wait = [this] {
            if (!irqPending) {
                schedule(progressEvent, doorbellAt + progressDelay);
                note("waiting for the interrupt (no register access)");
            }
            waitIrq([this] { afterSanitize(); });
        };
        if (!memProbe)
            return wait();
        access(memProbe, 8, false, 0, [this, wait](uint64_t, bool rok) {
            if (!check(!rok, csprintf("a memory read at %#x fails while "
                                      "the media is disabled", memProbe)))
                return finish();
            wait();
        });
    });
}

/* Once, before the end: Background Command Status shows progress.  (This
 * read polls the library, which is allowed; it cannot end the operation
 * early.) */
void
CxlemuMboxDriver::progress()
{
    if (irqPending)
        return;
    barRd(mbox + mbBgStatus, 8, [this](uint64_t v, bool) {
        const unsigned pct = (v >> 16) & 0x7f;
        check((v & 0xffff) == opSanitize && pct > 0 && pct < 100,
              csprintf("background command status %#x: opcode %#x, %u%% "
                       "done", v, v & 0xffff, pct));
    });
}

void
CxlemuMboxDriver::afterSanitize()
{
    irqAt = phaseIrqAt;
    if (progressEvent.scheduled()) {
        deschedule(progressEvent);
        note("the operation ended before the progress read");
    }
    note(csprintf("interrupt %.3f us after the doorbell",
                  (irqAt - doorbellAt) / 1e6));
    barRd(mbox + mbBgStatus, 8, [this](uint64_t v, bool) {
        const unsigned pct = (v >> 16) & 0x7f;
        const unsigned rc = static_cast<unsigned>((v >> 32) & 0xffff);
        if (!check((v & 0xffff) == opSanitize && pct == 100 &&
                   rc == rcSuccess && phaseIrqs == 1,
                   csprintf("background command status %#x: opcode %#x, "
                            "%u%% done, return code %#x; %u interrupt", v,
                            v & 0xffff, pct, rc, phaseIrqs)))
            return finish();
        barRd(mbox + mbStatus, 8, [this](uint64_t s, bool) {
            if (!check(!(s & 1), "background operation bit clear"))
                return finish();
            mediaStatus(false, [this] {
                if (!memProbe)
                    return injectPoison();
                access(memProbe, 8, false, 0, [this](uint64_t v, bool rok) {
                    if (!check(rok && v == 0,
                               csprintf("memory at %#x reads %#x after "
                                        "sanitize", memProbe, v)))
                        return finish();
                    injectPoison();
                });
            });
        });
    });
}

/* ---- Scan Media: an event interrupt and a second background operation
 * ---- */

void
CxlemuMboxDriver::injectPoison()
{
    barWr(mbox + mbPayload, 8, poisonDpa, [this](uint64_t, bool) {
    mboxCommand(opInjectPoison, 8, ctrlBgInt, [this](unsigned rc, uint64_t) {
        if (!check(rc == rcSuccess,
                   csprintf("Inject Poison at DPA %#x: return code %#x",
                            poisonDpa, rc)))
            return finish();
        /* Set Event Interrupt Policy: failure log, MSI/MSI-X mode (01b),
         * message number 1; the other logs none. */
        barWr(mbox + mbPayload, 4, 0x11u << 16, [this](uint64_t, bool) {
        mboxCommand(opSetEventIrq, 4, ctrlBgInt, [this](unsigned rc,
                                                        uint64_t) {
            if (!check(rc == rcSuccess,
                       csprintf("Set Event Interrupt Policy (failure log: "
                                "interrupt): return code %#x", rc)))
                return finish();
            startScan();
        });
        });
    });
    });
}

void
CxlemuMboxDriver::startScan()
{
    /* DPA 0, 64 KiB (1024 lines), events logged (flags 0). */
    barWr(mbox + mbPayload, 8, 0, [this](uint64_t, bool) {
    barWr(mbox + mbPayload + 8, 8, scanLines, [this](uint64_t, bool) {
    barWr(mbox + mbPayload + 16, 1, 0, [this](uint64_t, bool) {
        armIrq();
        mboxCommand(opScanMedia, 17, ctrlBgInt, [this](unsigned rc,
                                                       uint64_t) {
            if (!check(rc == rcBgStarted,
                       csprintf("Scan Media of %u lines from DPA 0: return "
                                "code %#x (background command started)",
                                scanLines, rc)))
                return finish();
            note("waiting for the interrupts (no register access)");
            waitIrq([this] { afterScan(); });
        }, &scanAt);
    });
    });
    });
}

void
CxlemuMboxDriver::afterScan()
{
    scanIrqAt = phaseIrqAt;
    note(csprintf("%u interrupts %.3f us after the doorbell", phaseIrqs,
                  (scanIrqAt - scanAt) / 1e6));
    if (!check(phaseIrqs == 2, "two interrupts: the failure log's event "
                               "and the background completion"))
        return finish();
    barRd(devStatus, 8, [this](uint64_t ev, bool) {
    barRd(mbox + mbBgStatus, 8, [this, ev](uint64_t v, bool) {
        const unsigned pct = (v >> 16) & 0x7f;
        const unsigned rc = static_cast<unsigned>((v >> 32) & 0xffff);
        if (!check((ev & (1u << 2)) && (v & 0xffff) == opScanMedia &&
                   pct == 100 && rc == rcSuccess,
                   csprintf("event status %#x (failure log), background "
                            "command status %#x: opcode %#x, %u%% done, "
                            "return code %#x", ev, v, v & 0xffff, pct, rc)))
            return finish();
        mboxCommand(opScanResults, 0, ctrlBgInt, [this](unsigned rc,
                                                        uint64_t) {
        barRd(mbox + mbPayload + 0x12, 2, [this, rc](uint64_t n, bool) {
        barRd(mbox + mbPayload + 0x20, 8, [this, rc, n](uint64_t a, bool) {
            if (!check(rc == rcSuccess && n == 1 &&
                       (a & ~UINT64_C(0x3f)) == poisonDpa,
                       csprintf("Get Scan Media Results: return code %#x, "
                                "%u record(s), the first at DPA %#x",
                                rc, n, a & ~UINT64_C(0x3f))))
                return finish();
            /* Get Event Records of the failure log. */
            barWr(mbox + mbPayload, 1, 2, [this](uint64_t, bool) {
            mboxCommand(opGetEvents, 1, ctrlBgInt, [this](unsigned rc,
                                                          uint64_t) {
            barRd(mbox + mbPayload + 0x14, 2, [this, rc](uint64_t n,
                                                         bool) {
                check(rc == rcSuccess && n == 1,
                      csprintf("Get Event Records (failure log): return "
                               "code %#x, %u record(s)", rc, n));
                finish();
            });
            });
            });
        });
        });
        });
    });
    });
}

} // namespace gem5
