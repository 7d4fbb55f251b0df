/* SPDX-License-Identifier: MIT */
/* `cxlemu fabric` (a switch served on an FM socket) and `cxlemu fm` (a
 * fabric-manager client of that socket). */
#ifndef CXLEMU_CLI_FM_H
#define CXLEMU_CLI_FM_H

#include <stdbool.h>

/* The switch `cxlemu fabric` runs without --switch. */
#define FABRIC_DEFAULT_SWITCH                                                   \
	"port0=usp,port1=usp,port2=sld,port3=sld,port4=sld,port5=sld,port6=mld:4," \
	"port7=dsp,vcs0=0:4,vcs1=1:4"

/* Each returns the process exit status: 0, 1 (failed), 2 (usage). */
int cmd_fabric(int argc, char **argv, bool json);
int cmd_fm(int argc, char **argv, bool json);

#endif
