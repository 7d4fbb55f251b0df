/* SPDX-License-Identifier: MIT */
/*
 * CxlemuMemory: gem5 glue over libcxlemu's simulator ABI (cxlemu/sim.h).
 *
 *  - memory windows: every packet becomes cxlemu_sim_access() calls (at
 *    most 4096 bytes each); the library routes through the HDM decoders,
 *    splits at granule boundaries, keeps the data and returns a latency.
 *    Atomic returns that latency, timing sends the response after it,
 *    functional ignores it.
 *  - register windows: cxlemu_sim_reg_read()/_write() in 1, 2, 4 or 8 byte
 *    accesses (wider aligned packets are split into 8-byte ones), after
 *    the reg_latency parameter.
 *  - time: the library's clock is curTick() in ns; its schedule() requests
 *    become one gem5 event that calls cxlemu_sim_poll().
 */

#include "cxlemu_mem.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iterator>

#include <cxlemu/sim.h>
#include <cxlemu/topology.h>

#include "base/logging.hh"
#include "base/output.hh"
#include "base/trace.hh"
#include "debug/Cxlemu.hh"
#include "sim/core.hh"
#include "sim/cur_tick.hh"

namespace gem5
{

namespace
{

/* Largest access cxlemu_sim_access() takes. */
constexpr unsigned maxAccess = 4096;

Tick
ticksPerNs()
{
    return sim_clock::as_int::ns;
}

uint64_t
cbNow(void *opaque)
{
    return static_cast<const CxlemuMemory *>(opaque)->hostNowNs();
}

void
cbSchedule(void *opaque, uint64_t when_ns)
{
    static_cast<CxlemuMemory *>(opaque)->hostSchedule(when_ns);
}

void
cbMboxIrq(void *opaque, uint32_t ep)
{
    static_cast<CxlemuMemory *>(opaque)->hostMboxIrq(ep);
}

void
cbEventIrq(void *opaque, uint32_t ep, unsigned log, unsigned vector)
{
    static_cast<CxlemuMemory *>(opaque)->hostEventIrq(ep, log, vector);
}

void
cbLog(void *opaque, int level, const char *msg)
{
    static_cast<CxlemuMemory *>(opaque)->hostLog(level, msg);
}

/* Decimal or 0x-hex with an optional K/M/G/T suffix (powers of two). */
bool
parseSize(const std::string &s, uint64_t &out)
{
    if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return false;
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (errno || end == s.c_str())
        return false;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
          case 'k': case 'K': shift = 10; break;
          case 'm': case 'M': shift = 20; break;
          case 'g': case 'G': shift = 30; break;
          case 't': case 'T': shift = 40; break;
          default: return false;
        }
        if (end[1])
            return false;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    out = static_cast<uint64_t>(v) << shift;
    return true;
}

std::vector<std::string>
split(const std::string &s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string::npos)
            return out;
        start = at + 1;
    }
}

std::string
statName(const char *name)
{
    std::string s = name ? name : "ep";
    for (auto &c : s) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            c = '_';
    }
    return s;
}

} // anonymous namespace

CxlemuMemory::CxlemuMemory(const Params &p)
    : memory::AbstractMemory(p),
      regLatency(p.reg_latency),
      memPort(name() + ".port", *this, false),
      regPort(name() + ".pio", *this, true),
      memQ([this] { dequeue(memQ); }, name() + ".memRespEvent"),
      regQ([this] { dequeue(regQ); }, name() + ".regRespEvent"),
      pollEvent([this] { poll(); }, name() + ".pollEvent"),
      cedtFile(p.cedt_file)
{
    memQ.port = &memPort;
    regQ.port = &regPort;

    struct cxlemu_sim_config cfg;
    cxlemu_sim_config_init(&cfg);
    cfg.qemu_cmdline = p.topology.c_str();
    cfg.ep_reg_base = p.ep_reg_base;
    cfg.mbox_payload = p.mbox_payload;
    const struct
    {
        int64_t param;
        uint32_t *field;
        const char *name;
    } lat[] = {
        { p.host_bridge_ns, &cfg.lat.host_bridge_ns, "host_bridge_ns" },
        { p.switch_ns, &cfg.lat.switch_ns, "switch_ns" },
        { p.link_ns, &cfg.lat.link_ns, "link_ns" },
        { p.media_read_ns, &cfg.lat.media_read_ns, "media_read_ns" },
        { p.media_write_ns, &cfg.lat.media_write_ns, "media_write_ns" },
        { p.ps_per_byte, &cfg.lat.ps_per_byte, "ps_per_byte" },
    };
    for (const auto &l : lat) {
        fatal_if(l.param < -1 || l.param > INT64_C(0xffffffff),
                 "%s: %s out of range", name(), l.name);
        if (l.param >= 0)
            *l.field = static_cast<uint32_t>(l.param);
    }
    cfg.host.version = CXLEMU_SIM_HOST_VERSION;
    cfg.host.now_ns = cbNow;
    cfg.host.schedule = cbSchedule;
    cfg.host.mbox_irq = cbMboxIrq;
    cfg.host.event_irq = cbEventIrq;
    cfg.host.log = cbLog;
    cfg.host.opaque = this;
    /* mem_read/mem_write stay NULL: the library's sparse store keeps the
     * device memory. */

    char err[256] = "";
    int rc = cxlemu_sim_new(&cfg, &sim, err, sizeof(err));
    fatal_if(rc, "%s: cxlemu_sim_new: %s (%s)", name(), err,
             cxlemu_strerror(rc));

    programRegions(p.regions);

    struct cxlemu_topo *t = cxlemu_sim_topo(sim);
    if (p.expose_windows) {
        for (uint32_t w = 0; w < cxlemu_topo_windows(t); w++) {
            struct cxlemu_window_desc d;
            std::memset(&d, 0, sizeof(d));
            if (!cxlemu_topo_window(t, w, &d))
                memRanges.push_back(RangeSize(d.base, d.size));
        }
    } else {
        for (const auto &r : regionRanges)
            memRanges.push_back(RangeSize(r.first, r.second));
    }
    fatal_if(memRanges.empty(), "%s: no CXL memory to expose: program a "
             "region or set expose_windows", name());
    fatal_if(!p.null, "%s: must be a null memory (libcxlemu keeps the data)",
             name());
    /* The AbstractMemory range: the hull of the exposed ranges (the port
     * reports them exactly). */
    Addr lo = memRanges.front().start(), hi = memRanges.front().end();
    for (const auto &r : memRanges) {
        lo = std::min(lo, r.start());
        hi = std::max(hi, r.end());
    }
    range = AddrRange(lo, hi);

    for (uint32_t i = 0; i < cxlemu_sim_reg_windows(sim); i++) {
        struct cxlemu_sim_reg_window w;
        if (!cxlemu_sim_reg_window(sim, i, &w))
            regRanges.push_back(RangeSize(w.base, w.size));
    }

    unsigned eps = cxlemu_sim_endpoints(sim);
    for (unsigned ep = 0; ep < eps; ep++) {
        struct cxlemu_comp_info ci;
        std::memset(&ci, 0, sizeof(ci));
        uint32_t comp = cxlemu_sim_endpoint_comp(sim, ep);
        const char *nm = nullptr;
        if (!cxlemu_topo_info(t, comp, &ci))
            nm = ci.name;
        epNames.push_back(statName(nm));
    }
    stats = std::make_unique<CxlStats>(*this, eps);
}

CxlemuMemory::~CxlemuMemory()
{
    cxlemu_sim_free(sim);
}

/* window=N,ways=N,gran=BYTES,size=BYTES,devices=A:B:...[,pmem][,lock], the
 * syntax of `cxlemu --region`. */
void
CxlemuMemory::programRegions(const std::vector<std::string> &specs)
{
    struct cxlemu_topo *t = cxlemu_sim_topo(sim);

    for (const auto &spec : specs) {
        struct cxlemu_region_desc r;
        std::memset(&r, 0, sizeof(r));
        r.version = CXLEMU_REGION_DESC_VERSION;
        r.gran = 256;
        bool haveWays = false, haveSize = false, haveDev = false;
        unsigned n = 0;

        for (const auto &tok : split(spec, ',')) {
            size_t eq = tok.find('=');
            std::string key = tok.substr(0, eq);
            std::string val = eq == std::string::npos ? "" : tok.substr(eq + 1);
            uint64_t v = 0;

            if (tok == "pmem") {
                r.flags |= CXLEMU_REGION_PMEM;
            } else if (tok == "lock") {
                r.flags |= CXLEMU_REGION_LOCK;
            } else if (key == "devices" && eq != std::string::npos) {
                for (const auto &d : split(val, ':')) {
                    uint32_t id = cxlemu_topo_find(t, d.c_str());
                    fatal_if(id == CXLEMU_COMP_NONE || n == CXLEMU_MAX_WAYS,
                             "%s: region '%s': no device '%s' (or more "
                             "than %d)", name(), spec, d, CXLEMU_MAX_WAYS);
                    r.endpoints[n++] = id;
                }
                haveDev = true;
            } else if ((key == "window" || key == "ways") &&
                       eq != std::string::npos) {
                fatal_if(!parseSize(val, v) || v > 64,
                         "%s: region '%s': bad number in '%s'", name(), spec,
                         tok);
                if (key == "window") {
                    r.window = static_cast<uint32_t>(v);
                } else {
                    r.ways = static_cast<uint32_t>(v);
                    haveWays = true;
                }
            } else if ((key == "gran" || key == "size") &&
                       eq != std::string::npos) {
                fatal_if(!parseSize(val, v), "%s: region '%s': bad size in "
                         "'%s'", name(), spec, tok);
                if (key == "gran") {
                    r.gran = v;
                } else {
                    r.size = v;
                    haveSize = true;
                }
            } else {
                fatal("%s: region '%s': unknown field '%s'", name(), spec,
                      tok);
            }
        }
        fatal_if(!haveDev || !haveSize,
                 "%s: region '%s': needs size= and devices=", name(), spec);
        if (!haveWays)
            r.ways = n;
        fatal_if(r.ways != n, "%s: region '%s': ways=%u but %u devices",
                 name(), spec, r.ways, n);

        uint64_t hpa = 0;
        int rc = cxlemu_topo_region_create(t, &r, &hpa);
        fatal_if(rc, "%s: region '%s': %s", name(), spec,
                 cxlemu_strerror(rc));
        inform("%s: region %s at [%#x, %#x)", name(), spec,
               hpa, hpa + r.size);
        regionRanges.emplace_back(hpa, r.size);
    }
}

void
CxlemuMemory::init()
{
    memory::AbstractMemory::init();
    if (!cedtFile.empty()) {
        std::vector<uint8_t> t = cedt();
        fatal_if(t.empty(), "%s: no CEDT to write", name());
        OutputStream *os = simout.create(cedtFile, true);
        os->stream()->write(reinterpret_cast<const char *>(t.data()),
                            static_cast<std::streamsize>(t.size()));
        fatal_if(!*os->stream(), "%s: cannot write %s", name(),
                 simout.resolve(cedtFile));
        simout.close(os);
        inform("%s: CEDT (%u bytes) written to %s", name(), t.size(),
               simout.resolve(cedtFile));
    }
    if (memPort.isConnected())
        memPort.sendRangeChange();
    if (regPort.isConnected())
        regPort.sendRangeChange();
}

void
CxlemuMemory::startup()
{
    memory::AbstractMemory::startup();
    started = true;
    /* Poll requests made while the machine was built. */
    if (!pollAt.empty() && !pollEvent.scheduled())
        schedule(pollEvent, std::max(pollAt.top(), curTick()));
}

Port &
CxlemuMemory::getPort(const std::string &if_name, PortID idx)
{
    if (if_name == "port")
        return memPort;
    if (if_name == "pio")
        return regPort;
    return memory::AbstractMemory::getPort(if_name, idx);
}

uint64_t
CxlemuMemory::regionBase(unsigned i) const
{
    return i < regionRanges.size() ? regionRanges[i].first : 0;
}

uint64_t
CxlemuMemory::regionSize(unsigned i) const
{
    return i < regionRanges.size() ? regionRanges[i].second : 0;
}

unsigned
CxlemuMemory::numRegWindows() const
{
    return cxlemu_sim_reg_windows(sim);
}

uint64_t
CxlemuMemory::regWindowBase(unsigned i) const
{
    struct cxlemu_sim_reg_window w;
    return cxlemu_sim_reg_window(sim, i, &w) ? 0 : w.base;
}

uint64_t
CxlemuMemory::regWindowSize(unsigned i) const
{
    struct cxlemu_sim_reg_window w;
    return cxlemu_sim_reg_window(sim, i, &w) ? 0 : w.size;
}

unsigned
CxlemuMemory::regWindowKind(unsigned i) const
{
    struct cxlemu_sim_reg_window w;
    return cxlemu_sim_reg_window(sim, i, &w) ? 0 : w.kind;
}

unsigned
CxlemuMemory::numEndpoints() const
{
    return cxlemu_sim_endpoints(sim);
}

std::string
CxlemuMemory::report() const
{
    std::string out;
    char line[320];
    for (unsigned ep = 0; ep < cxlemu_sim_endpoints(sim); ep++) {
        struct cxlemu_sim_ep_stats s;
        std::memset(&s, 0, sizeof(s));
        if (cxlemu_sim_ep_stats(sim, ep, &s))
            continue;
        std::snprintf(line, sizeof(line),
                      "ep%u %s: reads %" PRIu64 " writes %" PRIu64
                      " read_bytes %" PRIu64 " write_bytes %" PRIu64
                      " busy_ns %" PRIu64 "\n",
                      ep, epNames[ep].c_str(), s.reads, s.writes,
                      s.read_bytes, s.write_bytes, s.busy_ns);
        out += line;
    }
    return out;
}

std::vector<uint8_t>
CxlemuMemory::cedt()
{
    size_t len = 0;
    int rc = cxlemu_sim_cedt(sim, nullptr, 0, &len);
    if (rc != -ENOSPC || !len) {
        warn("%s: cxlemu_sim_cedt: %s", name(), cxlemu_strerror(rc));
        return {};
    }
    std::vector<uint8_t> t(len);
    rc = cxlemu_sim_cedt(sim, t.data(), t.size(), &len);
    if (rc) {
        warn("%s: cxlemu_sim_cedt: %s", name(), cxlemu_strerror(rc));
        return {};
    }
    t.resize(len);
    return t;
}

/* ---- host services ---- */

uint64_t
CxlemuMemory::hostNowNs() const
{
    return curTick() / ticksPerNs();
}

void
CxlemuMemory::hostSchedule(uint64_t when_ns)
{
    Tick when = when_ns > MaxTick / ticksPerNs() ? MaxTick
                                                 : when_ns * ticksPerNs();
    when = std::max(when, curTick());
    pollAt.push(when);
    if (!started)
        return;
    if (!pollEvent.scheduled())
        schedule(pollEvent, when);
    else if (pollEvent.when() > when)
        reschedule(pollEvent, when);
}

void
CxlemuMemory::poll()
{
    while (!pollAt.empty() && pollAt.top() <= curTick())
        pollAt.pop();
    stats->polls++;
    DPRINTF(Cxlemu, "poll event: cxlemu_sim_poll() at %u ns\n",
            hostNowNs());
    lastPoll = curTick();
    if (pollLog.size() < maxPollLog)
        pollLog.push_back(lastPoll);
    cxlemu_sim_poll(sim);
    if (!pollAt.empty() && !pollEvent.scheduled())
        schedule(pollEvent, std::max(pollAt.top(), curTick()));
}

void
CxlemuMemory::hostMboxIrq(uint32_t ep)
{
    DPRINTF(Cxlemu, "mailbox interrupt, endpoint %u\n", ep);
    stats->mboxIrqs++;
    for (auto &l : irqListeners)
        l(ep, false, 0, 0);
}

void
CxlemuMemory::hostEventIrq(uint32_t ep, unsigned log, unsigned vector)
{
    DPRINTF(Cxlemu, "event interrupt, endpoint %u log %u vector %u\n", ep,
            log, vector);
    stats->eventIrqs++;
    for (auto &l : irqListeners)
        l(ep, true, log, vector);
}

void
CxlemuMemory::hostLog(int level, const char *msg)
{
    if (level <= CXLEMU_LOG_WARN)
        warn("%s: libcxlemu: %s", name(), msg);
    else
        DPRINTF(Cxlemu, "libcxlemu: %s\n", msg);
}

/* ---- accesses ---- */

Tick
CxlemuMemory::memAccess(PacketPtr pkt, bool functional)
{
    const bool read = pkt->isRead();
    const bool write = pkt->isWrite();
    const bool needsResp = pkt->needsResponse();

    if (!read && !write) {
        /* Nothing to do for other commands in a non-coherent memory. */
        if (needsResp)
            pkt->makeResponse();
        return 0;
    }

    Addr addr = pkt->getAddr();
    unsigned size = pkt->getSize();
    uint8_t *data = pkt->getPtr<uint8_t>();
    uint64_t lat_ns = 0;
    int rc = 0;

    if (pkt->isAtomicOp()) {
        /* Read-modify-write: the response carries the old value, the
         * memory gets the functor's result. */
        fatal_if(size > maxAccess, "%s: atomic of %u bytes", name(), size);
        struct cxlemu_sim_result r1, r2;
        rc = cxlemu_sim_access(sim, addr, size, CXLEMU_SIM_READ, data, &r1);
        if (!rc) {
            std::vector<uint8_t> tmp(data, data + size);
            (*pkt->getAtomicOp())(tmp.data());
            rc = cxlemu_sim_access(sim, addr, size, CXLEMU_SIM_WRITE,
                                   tmp.data(), &r2);
            if (!rc)
                lat_ns = r1.latency_ns + r2.latency_ns;
        }
    }
    for (unsigned done = 0; done < size && !rc && !pkt->isAtomicOp();) {
        unsigned len = std::min(size - done, maxAccess);
        struct cxlemu_sim_result res;
        rc = cxlemu_sim_access(sim, addr + done, len,
                               read ? CXLEMU_SIM_READ : CXLEMU_SIM_WRITE,
                               data + done, &res);
        if (!rc)
            lat_ns = std::max<uint64_t>(lat_ns, res.latency_ns);
        done += len;
    }

    if (!functional) {
        if (read) {
            stats->readReqs++;
            stats->readBytes += size;
        } else {
            stats->writeReqs++;
            stats->writeBytes += size;
        }
        if (!rc)
            stats->accessLatency.sample(lat_ns);
    }
    if (rc) {
        DPRINTF(Cxlemu, "%s %#x size %u: %s\n", pkt->cmdString(), addr,
                size, cxlemu_strerror(rc));
        if (!functional)
            stats->errors++;
    } else {
        DPRINTF(Cxlemu, "%s %#x size %u: %d ns\n",
                pkt->cmdString(), addr, size, lat_ns);
    }

    if (needsResp) {
        pkt->makeResponse();
        if (rc)
            pkt->setBadAddress();
    }
    return functional ? 0 : lat_ns * ticksPerNs();
}

Tick
CxlemuMemory::regAccess(PacketPtr pkt, bool functional)
{
    const bool read = pkt->isRead();
    const bool write = pkt->isWrite();
    const bool needsResp = pkt->needsResponse();
    Addr addr = pkt->getAddr();
    unsigned size = pkt->getSize();
    int rc = 0;

    if (read || write) {
        uint8_t *data = pkt->getPtr<uint8_t>();
        unsigned step = size;
        /* Wider, 8-byte aligned packets become 8-byte accesses. */
        if (size > 8)
            step = (size % 8 || addr % 8) ? 0 : 8;
        if (!step || (step != 1 && step != 2 && step != 4 && step != 8))
            rc = -EINVAL;
        for (unsigned off = 0; !rc && off < size; off += step) {
            uint64_t v = 0;
            if (read) {
                rc = cxlemu_sim_reg_read(sim, addr + off, step, &v);
                for (unsigned b = 0; b < step; b++)
                    data[off + b] = static_cast<uint8_t>(
                        rc ? 0xff : v >> (8 * b));
            } else {
                for (unsigned b = 0; b < step; b++)
                    v |= static_cast<uint64_t>(data[off + b]) << (8 * b);
                rc = cxlemu_sim_reg_write(sim, addr + off, step, v);
            }
        }
        if (!functional) {
            if (read)
                stats->regReads++;
            else
                stats->regWrites++;
            if (rc)
                stats->regErrors++;
        }
        if (rc) {
            DPRINTF(Cxlemu, "register %s %#x size %u: %s\n",
                    pkt->cmdString(), addr, size, cxlemu_strerror(rc));
        }
    }
    if (needsResp) {
        pkt->makeResponse();
        if (rc)
            pkt->setBadAddress();
    }
    return regLatency;
}

Tick
CxlemuMemory::access(PacketPtr pkt, bool regs, bool functional)
{
    panic_if(pkt->cacheResponding(),
             "%s: a cache is responding to %s", name(), pkt->print());
    if (regs) {
        Tick lat = regAccess(pkt, functional);
        return functional ? 0 : lat;
    }
    return memAccess(pkt, functional);
}

bool
CxlemuMemory::timingReq(PacketPtr pkt, bool regs)
{
    RespQueue &rq = regs ? regQ : memQ;
    /* The packet reaches us after its header and payload delays. */
    Tick receive = pkt->headerDelay + pkt->payloadDelay;
    pkt->headerDelay = pkt->payloadDelay = 0;

    const bool needsResp = pkt->needsResponse();
    Tick lat = access(pkt, regs, false);
    if (!needsResp) {
        pendingDelete.reset(pkt);
        return true;
    }

    Tick when = curTick() + receive + lat;
    auto i = rq.q.end();
    while (i != rq.q.begin()) {
        auto prev = std::prev(i);
        if (prev->tick <= when || prev->pkt->matchAddr(pkt))
            break;
        i = prev;
    }
    rq.q.insert(i, Deferred{when, pkt});
    if (!rq.retryResp) {
        if (!rq.event.scheduled())
            schedule(rq.event, rq.q.front().tick);
        else if (rq.event.when() > rq.q.front().tick)
            reschedule(rq.event, rq.q.front().tick);
    }
    return true;
}

void
CxlemuMemory::dequeue(RespQueue &rq)
{
    assert(!rq.q.empty());
    Deferred d = rq.q.front();
    rq.retryResp = !rq.port->sendTimingResp(d.pkt);
    if (rq.retryResp)
        return;
    rq.q.pop_front();
    if (!rq.q.empty())
        reschedule(rq.event, std::max(rq.q.front().tick, curTick()), true);
    else
        checkDrained();
}

void
CxlemuMemory::respRetry(bool regs)
{
    RespQueue &rq = regs ? regQ : memQ;
    assert(rq.retryResp);
    dequeue(rq);
}

void
CxlemuMemory::checkDrained()
{
    if (drainState() == DrainState::Draining && memQ.q.empty() &&
        regQ.q.empty())
        signalDrainDone();
}

DrainState
CxlemuMemory::drain()
{
    return memQ.q.empty() && regQ.q.empty() ? DrainState::Drained
                                            : DrainState::Draining;
}

/* ---- ports ---- */

CxlemuMemory::CxlPort::CxlPort(const std::string &_name,
                               CxlemuMemory &_owner, bool _regs)
    : ResponsePort(_name), owner(_owner), regs(_regs)
{}

Tick
CxlemuMemory::CxlPort::recvAtomic(PacketPtr pkt)
{
    return owner.access(pkt, regs, false);
}

void
CxlemuMemory::CxlPort::recvFunctional(PacketPtr pkt)
{
    owner.access(pkt, regs, true);
}

bool
CxlemuMemory::CxlPort::recvTimingReq(PacketPtr pkt)
{
    return owner.timingReq(pkt, regs);
}

void
CxlemuMemory::CxlPort::recvRespRetry()
{
    owner.respRetry(regs);
}

AddrRangeList
CxlemuMemory::CxlPort::getAddrRanges() const
{
    return regs ? owner.regRanges : owner.memRanges;
}

/* ---- statistics ---- */

CxlemuMemory::CxlStats::CxlStats(CxlemuMemory &_owner, unsigned endpoints)
    : statistics::Group(&_owner),
      owner(_owner),
      ADD_STAT(readReqs, statistics::units::Count::get(),
               "read packets to the memory windows"),
      ADD_STAT(writeReqs, statistics::units::Count::get(),
               "write packets to the memory windows"),
      ADD_STAT(readBytes, statistics::units::Byte::get(),
               "bytes read from the memory windows"),
      ADD_STAT(writeBytes, statistics::units::Byte::get(),
               "bytes written to the memory windows"),
      ADD_STAT(errors, statistics::units::Count::get(),
               "memory packets that failed (not routed, media disabled, "
               "poison)"),
      ADD_STAT(regReads, statistics::units::Count::get(),
               "register window reads"),
      ADD_STAT(regWrites, statistics::units::Count::get(),
               "register window writes"),
      ADD_STAT(regErrors, statistics::units::Count::get(),
               "register accesses refused"),
      ADD_STAT(polls, statistics::units::Count::get(),
               "cxlemu_sim_poll() calls for scheduled background work"),
      ADD_STAT(mboxIrqs, statistics::units::Count::get(),
               "mailbox interrupts raised"),
      ADD_STAT(eventIrqs, statistics::units::Count::get(),
               "event interrupts raised"),
      ADD_STAT(accessLatency, statistics::units::Count::get(),
               "modelled latency of memory packets, ns"),
      ADD_STAT(epReads, statistics::units::Count::get(),
               "read pieces served per endpoint (libcxlemu counters)"),
      ADD_STAT(epWrites, statistics::units::Count::get(),
               "write pieces served per endpoint (libcxlemu counters)"),
      ADD_STAT(epReadBytes, statistics::units::Byte::get(),
               "bytes read per endpoint (libcxlemu counters)"),
      ADD_STAT(epWriteBytes, statistics::units::Byte::get(),
               "bytes written per endpoint (libcxlemu counters)"),
      ADD_STAT(epBusyNs, statistics::units::Count::get(),
               "sum of piece latencies per endpoint, ns (libcxlemu "
               "counters)"),
      base(endpoints, std::vector<uint64_t>(5, 0))
{
    accessLatency.init(16).flags(statistics::pdf | statistics::nozero);
    statistics::Vector *vecs[] = {&epReads, &epWrites, &epReadBytes,
                                  &epWriteBytes, &epBusyNs};
    for (auto *v : vecs) {
        v->init(endpoints > 0 ? endpoints : 1);
        for (unsigned ep = 0; ep < endpoints; ep++)
            v->subname(ep, owner.epNames[ep]);
    }
}

void
CxlemuMemory::CxlStats::preDumpStats()
{
    statistics::Group::preDumpStats();
    statistics::Vector *vecs[] = {&epReads, &epWrites, &epReadBytes,
                                  &epWriteBytes, &epBusyNs};
    for (unsigned ep = 0; ep < base.size(); ep++) {
        struct cxlemu_sim_ep_stats s;
        std::memset(&s, 0, sizeof(s));
        if (cxlemu_sim_ep_stats(owner.sim, ep, &s))
            continue;
        const uint64_t now[5] = {s.reads, s.writes, s.read_bytes,
                                 s.write_bytes, s.busy_ns};
        for (unsigned k = 0; k < 5; k++)
            (*vecs[k])[ep] = static_cast<double>(now[k] - base[ep][k]);
    }
}

void
CxlemuMemory::CxlStats::resetStats()
{
    statistics::Group::resetStats();
    for (unsigned ep = 0; ep < base.size(); ep++) {
        struct cxlemu_sim_ep_stats s;
        std::memset(&s, 0, sizeof(s));
        if (cxlemu_sim_ep_stats(owner.sim, ep, &s))
            continue;
        base[ep] = {s.reads, s.writes, s.read_bytes, s.write_bytes,
                    s.busy_ns};
    }
}

} // namespace gem5
