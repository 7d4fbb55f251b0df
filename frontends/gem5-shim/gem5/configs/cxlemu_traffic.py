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
# port.  A second generator reads the first host bridge's component
# registers through the register port.  At the end the script prints the
# gem5 statistics of the CXL memory and the generators, and libcxlemu's own
# per-endpoint counters.

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
    "--no-regs",
    action="store_true",
    help="do not read the register windows",
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

system.tgen = PyTrafficGen()
system.monitor = CommMonitor()
system.tgen.port = system.monitor.cpu_side_port
system.monitor.mem_side_port = system.membus.cpu_side_ports

if not args.no_regs:
    system.rgen = PyTrafficGen()
    system.rgen.port = system.membus.cpu_side_ports

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


def reg_traffic(tg):
    # The first host bridge's component registers (CXL.cachemem capability
    # array and HDM decoders start at 4 KiB), 8-byte reads.
    rbase = cc.regWindowBase(0)
    yield tg.createLinear(
        phase,
        rbase + 0x1000,
        rbase + 0x1000 + 0x100 - 1,
        8,
        100 * ns,
        100 * ns,
        100,
        0,
    )
    yield tg.createIdle(2 * phase + 1)


system.tgen.start(mem_traffic(system.tgen))
if not args.no_regs:
    system.rgen.start(reg_traffic(system.rgen))

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
                "system.tgen.bytesRead",
                "system.tgen.bytesWritten",
                "system.tgen.avgReadLatency",
                "system.tgen.avgWriteLatency",
                "system.tgen.numPackets",
                "system.rgen.numPackets",
            )
        ):
            print(line.rstrip())
print("---- libcxlemu per-endpoint counters (cxlemu_sim_ep_stats) ----")
print(cc.report(), end="")
