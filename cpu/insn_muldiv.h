#pragma once
#include "cpu/decode_ctx.h"

#define VMSIM_INSNS_MULDIV(X)
