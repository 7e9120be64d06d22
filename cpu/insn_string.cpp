#include "cpu/insn_string.h"

#include "cpu/exec.h"
