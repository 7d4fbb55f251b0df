# SPDX-License-Identifier: MIT
#
# The PCI side of the shim:
#   CxlemuPciDevice  - one type-3 endpoint of a CxlemuMemory machine as a
#                      PCI function (CXL memory device, class 05 02 10):
#                      DVSECs in configuration space, component registers
#                      and the memory device registers (mailbox) in
#                      BAR0/1; interrupts as INTx pulses;
#   CxlemuPlatform   - a Platform for NULL-ISA systems: PCI INTx lines
#                      drive its `intx` pins;
#   CxlemuMboxDriver - a driver as a SimObject: discovers the device
#                      through configuration space and runs background
#                      mailbox operations (Sanitize, Scan Media) to their
#                      interrupts.

from m5.objects.IntPin import (
    IntSinkPin,
    VectorIntSourcePin,
)
from m5.objects.PciDevice import (
    PciDevice,
    PciMemBar,
    PciMemUpperBar,
)
from m5.objects.Platform import Platform
from m5.params import *
from m5.proxy import *
from m5.SimObject import (
    PyBindMethod,
    SimObject,
)


class CxlemuPciDevice(PciDevice):
    """A libcxlemu type-3 endpoint as a CXL memory device on gem5's PCI
    bus.  Extended configuration space (the DVSECs at 0x100 and up) needs
    an ECAM host: GenericPciHost(conf_device_bits=12)."""

    type = "CxlemuPciDevice"
    cxx_header = "cxlemu_pci.hh"
    cxx_class = "gem5::CxlemuPciDevice"

    machine = Param.CxlemuMemory(Parent.any, "the libcxlemu machine")
    endpoint = Param.UInt32(0, "type-3 endpoint index in the machine")
    deliver_intx = Param.Bool(
        True,
        "deliver mailbox and event interrupts as INTx pulses (they are "
        "counted either way)",
    )

    # What QEMU's cxl-type3 reports; drivers bind by the class code.
    VendorID = 0x8086
    DeviceID = 0x0D93
    ClassCode = 0x05
    SubClassCode = 0x02
    ProgIF = 0x10
    Revision = 0x01
    HeaderType = 0x00
    Status = 0x0010  # capabilities list
    CapabilityPtr = 0x40  # PCI Express capability
    InterruptPin = 0x01  # INTA#
    InterruptLine = 0x00

    # One 64-bit BAR: 64 KiB of component registers, then the memory
    # device registers with the mailbox (0x800 + 0x20 + payload bytes).
    BAR0 = PciMemBar(size="128KiB")
    BAR1 = PciMemUpperBar()


class CxlemuPlatform(Platform):
    """A platform for NULL-ISA systems: every PCI INTx line drives the
    `intx` pins (one shared wire); console interrupts go nowhere."""

    type = "CxlemuPlatform"
    cxx_header = "cxlemu_platform.hh"
    cxx_class = "gem5::CxlemuPlatform"

    intx = VectorIntSourcePin("PCI INTx, any line (level)")


class CxlemuMboxDriver(SimObject):
    """Discovers a CXL memory device through ECAM configuration space and
    its BAR, then runs Sanitize and Scan Media to completion, waiting for
    their interrupts on `irq` (Scan Media: also the event interrupt of the
    poison it finds).  Exits the simulation when done."""

    type = "CxlemuMboxDriver"
    cxx_header = "cxlemu_mbox_driver.hh"
    cxx_class = "gem5::CxlemuMboxDriver"

    system = Param.System(Parent.any, "system (requestor ID, memory mode)")
    port = RequestPort("to configuration space, the BAR and memory")
    irq = IntSinkPin("the device's interrupt (CxlemuPlatform.intx)")

    conf_base = Param.Addr("ECAM base of the PCI host (conf_device_bits=12)")
    pci_bus = Param.UInt32(0, "PCI bus of the device")
    pci_dev = Param.UInt32(0, "PCI device number")
    pci_func = Param.UInt32(0, "PCI function")
    bar_base = Param.Addr("address to assign to BAR0/1 (aligned to its size)")
    int_line = Param.UInt32(11, "interrupt line to program")
    mem_probe = Param.Addr(
        0,
        "an address of the device's memory (through a committed region) "
        "to check before, during and after sanitize; 0: none",
    )
    progress_delay = Param.Latency(
        "10ms", "when to read the progress, after the doorbell"
    )
    timeout = Param.Latency("1s", "give up after this much simulated time")

    cxx_exports = [
        PyBindMethod("report"),
        PyBindMethod("passed"),
        PyBindMethod("doorbellTick"),
        PyBindMethod("irqTick"),
        PyBindMethod("scanDoorbellTick"),
        PyBindMethod("scanIrqTick"),
    ]
