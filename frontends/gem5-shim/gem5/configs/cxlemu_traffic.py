# SPDX-License-Identifier: MIT
#
# Traffic-generator run against a libcxlemu machine (NULL ISA gem5):
#
#   build/NULL/gem5.opt <libcxlemu>/frontends/gem5-shim/gem5/configs/cxlemu_traffic.py
#
# A PyTrafficGen drives a linear then a random phase over a 2-way region
# interleaved across two host bridges (the `cxlemu` tool's default
# topology: cxl-mem0 below a switch on the first host bridge, cxl-mem2 on
# the second), through a non-coherent crossbar into CxlemuMemory's memory
# port.  At the end the script prints the
# gem5 statistics of the CXL memory and the generators, and libcxlemu's own
# per-endpoint counters.
#
# --memtest N replaces the generators with gem5's MemTest (N checked
# loads; timing or --mem-mode=atomic, half of the accesses functional):
# every value read back is compared with what was written, through the
# interleave.  MemTest's addresses are parameters, fixed before the machine
# exists: --memtest-base (default: where the default topology puts its
# first region) is checked against the region once it is programmed.
#
# --regtest N adds a MemTest on the register port: byte reads and writes
# (timing, atomic and functional) of the first endpoint's mailbox payload
# registers, checked the same way.  (PyTrafficGen cannot reach the register
# windows: it drops addresses that are not memory.)  Its base,
# --mbox-base (default: the default topology's), is checked likewise.

import argparse
import os

import m5
from m5.objects import *

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument(
    "--mem-mode", choices=["timing", "atomic"], default="timing"
)
parser.add_argument(
    "--topology",
    default=None,
    help="file with QEMU options (default: the built-in 2-host-bridge one)",
)
parser.add_argument(
    "--region",
    action="append",
    default=None,
    help="region spec, repeatable (default: "
    "window=0,ways=2,gran=256,size=1G,devices=cxl-mem0:cxl-mem2)",
)
parser.add_argument(
    "--span",
    type=int,
    default=1 << 20,
    help="bytes of the first region the generators cover",
)
parser.add_argument("--block", type=int, default=64, help="packet size")
parser.add_argument(
    "--phase-ns",
    type=int,
    default=100000,
    help="duration of each phase (linear, random), ns",
)
parser.add_argument(
    "--period-ns", type=int, default=10, help="request period, ns"
)
parser.add_argument(
    "--rd-perc", type=int, default=70, help="percentage of reads"
)
parser.add_argument(
    "--memtest",
    type=int,
    default=0,
    metavar="N",
    help="run gem5's MemTest for N loads instead of the generators",
)
parser.add_argument(
    "--memtest-base",
    type=lambda s: int(s, 0),
    default=0x490000000,
    help="HPA of the first region (MemTest only)",
)
parser.add_argument(
    "--regtest",
    type=int,
    default=0,
    metavar="N",
    help="also run MemTest for N loads on the mailbox payload registers",
)
parser.add_argument(
    "--mbox-base",
    type=lambda s: int(s, 0),
    default=0x480030000,
    help="address of the first endpoint's mailbox registers (--regtest)",
)
args = parser.parse_args()

ns = 1000  # ticks per ns at gem5's default 1 ps tick

system = System(membus=IOXBar(width=64))
system.clk_domain = SrcClockDomain(
    clock="2GHz", voltage_domain=VoltageDomain(voltage="1V")
)

cxl = CxlemuMemory()
if args.topology:
    with open(args.topology) as f:
        cxl.topology = f.read()
if args.region:
    cxl.regions = args.region
system.cxl = cxl
system.cxl.port = system.membus.mem_side_ports
system.cxl.pio = system.membus.mem_side_ports

if args.memtest:
    b = args.memtest_base
    system.tester = MemTest(
        max_loads=args.memtest,
        base_addr_1=b,
        base_addr_2=b + 0x100000,
        uncacheable_base_addr=b + 0x200000,
        # one request per 10 cycles (5 ns): about 50 in flight at the
        # modelled ~250 ns, below MemTest's limit of 100
        interval=10,
        progress_interval=args.memtest // 4 or 1,
    )
    system.monitor = CommMonitor()
    system.tester.port = system.monitor.cpu_side_port
    system.monitor.mem_side_port = system.membus.cpu_side_ports
else:
    if args.mem_mode != "timing":
        m5.fatal("the traffic generators need --mem-mode=timing")
    system.tgen = PyTrafficGen()
    system.monitor = CommMonitor()
    system.tgen.port = system.monitor.cpu_side_port
    system.monitor.mem_side_port = system.membus.cpu_side_ports

if args.regtest:
    # Command Payload Registers start at mailbox offset 0x20 (CXL 3.1
    # 8.2.8.4.3); three 1 KiB areas, 64-byte aligned, inside the 4 KiB
    # payload.
    m = args.mbox_base
    system.regtester = MemTest(
        max_loads=args.regtest,
        size=1024,
        base_addr_1=m + 0x40,
        base_addr_2=m + 0x440,
        uncacheable_base_addr=m + 0x840,
        interval=10,
        progress_interval=args.regtest // 4 or 1,
    )
    system.regtester.port = system.membus.cpu_side_ports

system.system_port = system.membus.cpu_side_ports

root = Root(full_system=False, system=system)
root.system.mem_mode = args.mem_mode

m5.instantiate()

cc = system.cxl.getCCObject()
if cc.numRegions() == 0:
    m5.fatal("no region programmed")
base = cc.regionBase(0)
span = min(args.span, cc.regionSize(0))
print(
    "cxlemu: region 0 at %#x, %d MiB; %d endpoints; traffic over [%#x, %#x)"
    % (base, cc.regionSize(0) >> 20, cc.numEndpoints(), base, base + span)
)
for i in range(cc.numRegWindows()):
    print(
        "cxlemu: register window %d: kind %d at %#x, %#x bytes"
        % (i, cc.regWindowKind(i), cc.regWindowBase(i), cc.regWindowSize(i))
    )

if args.memtest and not (
    base <= args.memtest_base
    and args.memtest_base + 0x300000 <= base + cc.regionSize(0)
):
    m5.fatal(
        "--memtest-base %#x is not inside region 0 (at %#x): pass "
        "--memtest-base %#x" % (args.memtest_base, base, base)
    )

if args.regtest:
    mb = [
        i
        for i in range(cc.numRegWindows())
        if cc.regWindowKind(i) == 3  # CXLEMU_SIM_REG_MBOX
    ]
    if not mb or cc.regWindowBase(mb[0]) != args.mbox_base:
        m5.fatal(
            "--mbox-base %#x is not the first mailbox: pass --mbox-base %#x"
            % (args.mbox_base, cc.regWindowBase(mb[0]) if mb else 0)
        )

phase = args.phase_ns * ns
period = args.period_ns * ns


def mem_traffic(tg):
    yield tg.createLinear(
        phase,
        base,
        base + span - 1,
        args.block,
        period,
        period,
        args.rd_perc,
        0,
    )
    yield tg.createRandom(
        phase,
        base,
        base + span - 1,
        args.block,
        period,
        period,
        args.rd_perc,
        0,
    )
    yield tg.createExit(0)


if not args.memtest:
    system.tgen.start(mem_traffic(system.tgen))

event = m5.simulate()
print(
    "Exiting @ tick %i because %s" % (m5.curTick(), event.getCause())
)

m5.stats.dump()
stats = os.path.join(m5.options.outdir, "stats.txt")
print("---- gem5 statistics (%s) ----" % stats)
with open(stats) as f:
    for line in f:
        if line.startswith(
            (
                "simTicks",
                "simSeconds",
                "system.cxl.",
                "system.monitor.readLatencyHist::mean",
                "system.monitor.readBandwidthHist::mean",
                "system.monitor.readLatencyHist::samples",
                "system.monitor.writeLatencyHist::mean",
                "system.tester.",
                "system.tgen.bytesRead",
                "system.tgen.bytesWritten",
                "system.tgen.avgReadLatency",
                "system.tgen.avgWriteLatency",
                "system.tgen.numPackets",
                "system.regtester.",
            )
        ):
            print(line.rstrip())
print("---- libcxlemu per-endpoint counters (cxlemu_sim_ep_stats) ----")
print(cc.report(), end="")
