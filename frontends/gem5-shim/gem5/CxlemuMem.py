# SPDX-License-Identifier: MIT
#
# CxlemuMemory: a CXL machine of libcxlemu (host bridges, switches, type-3
# devices, HDM decoders, mailboxes) behind two gem5 response ports:
#   port - the CXL fixed memory windows (the programmed regions), atomic,
#          timing (response after libcxlemu's modelled latency) and
#          functional accesses;
#   pio  - the register windows (host bridge, switch upstream port and
#          endpoint component registers, endpoint mailboxes).
# Everything goes through the simulator ABI of include/cxlemu/sim.h.  The
# machine's CEDT goes to `cedt_file` in the output directory and to Python
# (cedt()).  CxlemuPci.py puts its endpoints on gem5's PCI bus.

from m5.objects.AbstractMemory import AbstractMemory
from m5.params import *
from m5.SimObject import PyBindMethod

# The built-in default of the `cxlemu` command line tool: two host bridges
# interleaved 2 ways at 256 B in one 4 GiB window; a switch with two type-3
# devices below the first host bridge, one type-3 device below the second.
DEFAULT_TOPOLOGY = "\n".join(
    [
        "-M q35,cxl=on -m 4G,maxmem=8G,slots=8",
        "-object memory-backend-ram,id=vmem0,size=512M",
        "-object memory-backend-ram,id=vmem1,size=512M",
        "-object memory-backend-ram,id=vmem2,size=1G",
        "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
        "-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2",
        "-device cxl-rp,port=0,bus=cxl.1,id=root_port0,chassis=0,slot=0",
        "-device cxl-rp,port=0,bus=cxl.2,id=root_port1,chassis=0,slot=1",
        "-device cxl-upstream,bus=root_port0,id=us0",
        "-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4",
        "-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5",
        "-device cxl-type3,bus=swport0,volatile-memdev=vmem0,id=cxl-mem0,"
        "sn=0x1",
        "-device cxl-type3,bus=swport1,volatile-memdev=vmem1,id=cxl-mem1,"
        "sn=0x2",
        "-device cxl-type3,bus=root_port1,volatile-memdev=vmem2,id=cxl-mem2,"
        "sn=0x3",
        "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,"
        "cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=256",
    ]
)

# One 2-way region across both host bridges (cxl-mem0 below the switch of
# the first, cxl-mem2 below the second).
DEFAULT_REGIONS = [
    "window=0,ways=2,gran=256,size=1G,devices=cxl-mem0:cxl-mem2",
]


class CxlemuMemory(AbstractMemory):
    """An AbstractMemory so that gem5 counts the CXL memory as memory
    (System.isMemAddr(), which PyTrafficGen checks).  It keeps no data
    itself (null), and its range is replaced at construction by the hull of
    what `port` exposes: the regions' (or windows') addresses are known only
    once libcxlemu has placed them."""

    type = "CxlemuMemory"
    cxx_header = "cxlemu_mem.hh"
    cxx_class = "gem5::CxlemuMemory"

    range = AddrRange(0, size=0x1000)  # placeholder, set from the machine
    null = True
    conf_table_reported = False
    kvm_map = False
    collect_stats = False

    port = ResponsePort("CXL memory windows (the programmed regions)")
    pio = ResponsePort("CXL register windows (component registers, mailbox)")

    topology = Param.String(
        DEFAULT_TOPOLOGY,
        "QEMU 10 style options (-device, -object, -M, -m), as "
        "cxlemu_topo_from_qemu_string() reads them",
    )
    regions = VectorParam.String(
        DEFAULT_REGIONS,
        "regions to program at start-up, as `cxlemu --region`: "
        "window=N,ways=N,gran=BYTES,size=BYTES,devices=A:B:...[,pmem][,lock]",
    )
    expose_windows = Param.Bool(
        False,
        "claim the whole fixed memory windows on `port` (accesses outside "
        "a programmed region get an error response) instead of only the "
        "regions",
    )
    ep_reg_base = Param.Addr(
        0,
        "where the endpoints' register windows start (0: after the host "
        "bridges' register blocks)",
    )
    mbox_payload = Param.UInt32(0, "mailbox payload size (0: 4096)")

    # Latency model (struct cxlemu_sim_latency); -1 keeps the library's
    # default for that field.
    host_bridge_ns = Param.Int(-1, "host bridge traversal, ns")
    switch_ns = Param.Int(-1, "per switch level, ns")
    link_ns = Param.Int(-1, "per link, ns")
    media_read_ns = Param.Int(-1, "device media read, ns")
    media_write_ns = Param.Int(-1, "device media write, ns")
    ps_per_byte = Param.Int(-1, "link serialisation, ps per byte")

    reg_latency = Param.Latency("20ns", "latency of a register access")
    cedt_file = Param.String(
        "cedt.dat",
        "file in the output directory that receives the machine's CEDT "
        "(cxlemu_sim_cedt()) at init; empty: none",
    )

    cxx_exports = [
        PyBindMethod("numRegions"),
        PyBindMethod("regionBase"),
        PyBindMethod("regionSize"),
        PyBindMethod("numRegWindows"),
        PyBindMethod("regWindowBase"),
        PyBindMethod("regWindowSize"),
        PyBindMethod("regWindowKind"),
        PyBindMethod("numEndpoints"),
        PyBindMethod("report"),
        PyBindMethod("cedt"),
        PyBindMethod("lastPollTick"),
        PyBindMethod("pollTicks"),
    ]
