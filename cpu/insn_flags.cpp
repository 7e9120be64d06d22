#include "cpu/insn_flags.h"

#include "cpu/exec.h"
