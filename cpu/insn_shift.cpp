#include "cpu/insn_shift.h"

#include "cpu/exec.h"
