# SPDX-License-Identifier: MIT
#
# A background mailbox operation through gem5's PCI bus (NULL ISA gem5):
#
#   build/NULL/gem5.opt <libcxlemu>/frontends/gem5-shim/gem5/configs/cxlemu_mbox.py
#
# One endpoint of a CxlemuMemory machine (the `cxlemu` tool's default
# topology) sits on a GenericPciHost (ECAM) as a CxlemuPciDevice.  A
# CxlemuMboxDriver finds it through configuration space (class code,
# BAR0/1 sizing and assignment, DSN, the PCIe DVSEC for CXL Devices and
# the Register Locator DVSEC), walks its register blocks, sends Identify
# Memory Device, then Sanitize with the background completion interrupt
# enabled, and waits for the interrupt, which reaches it as an INTx pulse
# through the PCI host and the CxlemuPlatform.  Nothing reads the device's
# registers near the end of the operation, so it can only complete from the
# shim's poll event (libcxlemu's schedule() -> gem5 event ->
# cxlemu_sim_poll()).  The script checks that: the interrupt tick is the
# tick of a poll event, and the poll count is non-zero.
#
# Then the driver injects poison, asks for event interrupts of the failure
# log and runs Scan Media over the first 64 KiB: its end brings the
# General Media event (an event interrupt) and the background completion,
# both from a poll event again, and the driver checks the Event Status,
# the scan results and the failure log.
#
# It also checks the machine's CEDT (cxlemu_sim_cedt()), which the shim
# writes to the output directory (cedt.dat) and gives to Python (cedt()):
# signature, length, checksum, and the host bridges (CHBS) and windows
# (CFMWS) in it.
#
# Exit status 0 when every check held.

import argparse
import os
import struct
import sys

import m5
from m5.objects import *

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument(
    "--mem-mode", choices=["timing", "atomic"], default="timing"
)
parser.add_argument(
    "--endpoint",
    type=int,
    default=0,
    help="endpoint index to put on the PCI bus (default: cxl-mem0)",
)
parser.add_argument(
    "--mem-probe",
    type=lambda s: int(s, 0),
    default=0x490000000,
    help="an HPA of the endpoint's memory (default: the first granule "
    "of the default region, which is on cxl-mem0); 0: no memory checks",
)
parser.add_argument(
    "--progress-ms",
    type=float,
    default=10.0,
    help="read the progress this long after the doorbell",
)
args = parser.parse_args()

CONF_BASE = 0x30000000  # ECAM, 256 buses
BAR_BASE = 0x40000000
PCI_DEV = 3
INT_LINE = 11

system = System(membus=IOXBar(width=64))
system.clk_domain = SrcClockDomain(
    clock="2GHz", voltage_domain=VoltageDomain(voltage="1V")
)

system.cxl = CxlemuMemory()
system.cxl.port = system.membus.mem_side_ports
system.cxl.pio = system.membus.mem_side_ports

system.platform = CxlemuPlatform()
system.pcihost = GenericPciHost(
    platform=system.platform,
    conf_base=CONF_BASE,
    conf_size="256MiB",
    conf_device_bits=12,
)
system.pcihost.pio = system.membus.mem_side_ports

system.cxlpci = CxlemuPciDevice(
    machine=system.cxl,
    endpoint=args.endpoint,
    host=system.pcihost,
    pci_bus=0,
    pci_dev=PCI_DEV,
    pci_func=0,
)
system.cxlpci.pio = system.membus.mem_side_ports
system.cxlpci.dma = system.membus.cpu_side_ports

system.driver = CxlemuMboxDriver(
    conf_base=CONF_BASE,
    pci_bus=0,
    pci_dev=PCI_DEV,
    pci_func=0,
    bar_base=BAR_BASE,
    int_line=INT_LINE,
    mem_probe=args.mem_probe,
    progress_delay="%fms" % args.progress_ms,
)
system.driver.port = system.membus.cpu_side_ports
system.platform.intx = system.driver.irq

system.system_port = system.membus.cpu_side_ports

root = Root(full_system=False, system=system)
root.system.mem_mode = args.mem_mode

m5.instantiate()

cc = system.cxl.getCCObject()
failed = []


def check(cond, what):
    print("%s %s" % ("ok:  " if cond else "FAIL:", what))
    if not cond:
        failed.append(what)


# ---- CEDT ----
cedt = bytes(cc.cedt())
path = os.path.join(m5.options.outdir, "cedt.dat")
with open(path, "rb") as f:
    check(f.read() == cedt, "%s holds the %d CEDT bytes" % (path, len(cedt)))
check(
    len(cedt) >= 36
    and cedt[:4] == b"CEDT"
    and struct.unpack_from("<I", cedt, 4)[0] == len(cedt)
    and sum(cedt) % 256 == 0,
    "CEDT: signature, length %d, checksum" % len(cedt),
)
off = 36
while off + 4 <= len(cedt):
    typ, rlen = cedt[off], struct.unpack_from("<H", cedt, off + 2)[0]
    if rlen < 4 or off + rlen > len(cedt):
        check(False, "CEDT structure at %d has a bad length %d" % (off, rlen))
        break
    if typ == 0:
        uid, ver, base, size = struct.unpack_from("<IIxxxxQQ", cedt, off + 4)
        print(
            "cedt: CHBS uid %d version %d registers at %#x, %#x bytes"
            % (uid, ver, base, size)
        )
    elif typ == 1:
        base, size, eniw, arith, hbig = struct.unpack_from(
            "<QQBBxxI", cedt, off + 8
        )
        ways = (rlen - 36) // 4
        targets = struct.unpack_from("<%dI" % ways, cedt, off + 36)
        print(
            "cedt: CFMWS at %#x, %d GiB, %d-way (ENIW %d) at %d B, "
            "host bridges %s"
            % (
                base,
                size >> 30,
                ways,
                eniw,
                256 << hbig,
                list(targets),
            )
        )
    else:
        print("cedt: structure type %d, %d bytes" % (typ, rlen))
    off += rlen

# ---- the machine ----
if args.mem_probe:
    r = [
        i
        for i in range(cc.numRegions())
        if cc.regionBase(i)
        <= args.mem_probe
        < cc.regionBase(i) + cc.regionSize(i)
    ]
    if not r:
        m5.fatal("--mem-probe %#x is in no region" % args.mem_probe)

event = m5.simulate()
print("Exiting @ tick %i because %s" % (m5.curTick(), event.getCause()))

drv = system.driver.getCCObject()
print("---- CxlemuMboxDriver ----")
print(drv.report(), end="")
check(drv.passed(), "the driver's checks")
poll_ticks = list(cc.pollTicks())
print("poll events at ticks %s" % poll_ticks)
for what, bell, irq in (
    ("sanitize", drv.doorbellTick(), drv.irqTick()),
    ("scan media", drv.scanDoorbellTick(), drv.scanIrqTick()),
):
    check(
        irq != 0 and irq in poll_ticks,
        "%s: the completion interrupt (tick %d) came at a poll event"
        % (what, irq),
    )
    if irq:
        print(
            "%s: doorbell write at tick %d, completion interrupt at tick "
            "%d: %.3f us of simulated time"
            % (what, bell, irq, (irq - bell) / 1e6)
        )

m5.stats.dump()
stats = os.path.join(m5.options.outdir, "stats.txt")
print("---- gem5 statistics (%s) ----" % stats)
polls = None
with open(stats) as f:
    for line in f:
        if line.startswith(
            (
                "simTicks",
                "system.cxl.regReads",
                "system.cxl.regWrites",
                "system.cxl.errors",
                "system.cxl.readReqs",
                "system.cxl.writeReqs",
                "system.cxl.polls",
                "system.cxl.mboxIrqs",
                "system.cxl.eventIrqs",
                "system.cxlpci.",
                "system.platform.",
            )
        ) and "power_state" not in line:
            print(line.rstrip())
        if line.startswith("system.cxl.polls "):
            polls = int(line.split()[1])
check(
    polls is not None and polls > 0 and polls == len(poll_ticks),
    "poll events ran (%s)" % polls,
)

if failed:
    print("cxlemu_mbox: %d check(s) failed" % len(failed))
    sys.exit(1)
print("cxlemu_mbox: all checks passed")
