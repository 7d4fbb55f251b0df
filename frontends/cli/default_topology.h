/* SPDX-License-Identifier: MIT */
/*
 * The built-in default topology of the `cxlemu` tool (what `cxlemu show`
 * and `cxlemu trace` use without -t or --): two host bridges interleaved 2
 * ways at 256 B; cxl-mem0 and cxl-mem1 behind a switch under the first,
 * cxl-mem2 under the second.  Window 0 lands at 0x490000000.  The
 * simulator tests and benchmark use it too.
 */
#ifndef CXLEMU_CLI_DEFAULT_TOPOLOGY_H
#define CXLEMU_CLI_DEFAULT_TOPOLOGY_H

#define CXLEMU_CLI_DEFAULT_TOPOLOGY \
	"-M q35,cxl=on -m 4G,maxmem=8G,slots=8\n" \
	"-object memory-backend-ram,id=vmem0,size=512M\n" \
	"-object memory-backend-ram,id=vmem1,size=512M\n" \
	"-object memory-backend-ram,id=vmem2,size=1G\n" \
	"-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1\n" \
	"-device pxb-cxl,bus_nr=222,bus=pcie.0,id=cxl.2\n" \
	"-device cxl-rp,port=0,bus=cxl.1,id=root_port0,chassis=0,slot=0\n" \
	"-device cxl-rp,port=0,bus=cxl.2,id=root_port1,chassis=0,slot=1\n" \
	"-device cxl-upstream,bus=root_port0,id=us0\n" \
	"-device cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4\n" \
	"-device cxl-downstream,port=1,bus=us0,id=swport1,chassis=0,slot=5\n" \
	"-device cxl-type3,bus=swport0,volatile-memdev=vmem0,id=cxl-mem0,sn=0x1\n" \
	"-device cxl-type3,bus=swport1,volatile-memdev=vmem1,id=cxl-mem1,sn=0x2\n" \
	"-device cxl-type3,bus=root_port1,volatile-memdev=vmem2,id=cxl-mem2,sn=0x3\n" \
	"-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.0.size=4G," \
	"cxl-fmw.0.interleave-granularity=256\n"

#endif
