/* SPDX-License-Identifier: MIT */
/**
 * @file cxlemu.h
 * @brief Umbrella header: includes every public header of libcxlemu.
 */
#ifndef CXLEMU_CXLEMU_H
#define CXLEMU_CXLEMU_H

#include <cxlemu/common.h>
#include <cxlemu/decode.h>
#include <cxlemu/route.h>
#include <cxlemu/hdm.h>
#include <cxlemu/topology.h>
#include <cxlemu/acpi.h>
#include <cxlemu/memdev.h>
#include <cxlemu/mailbox.h>
#include <cxlemu/sim.h>
#include <cxlemu/mctp.h>
#include <cxlemu/fmsock.h>
#include <cxlemu/vcs.h>
#include <cxlemu/fabric.h>

#endif /* CXLEMU_CXLEMU_H */
