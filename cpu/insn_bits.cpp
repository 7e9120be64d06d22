#include "cpu/insn_bits.h"

#include "cpu/exec.h"
