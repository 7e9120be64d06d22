#include "cpu/insn_muldiv.h"

#include "cpu/exec.h"
