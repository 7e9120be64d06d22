#include "cpu/insn_sse.h"

#include "cpu/exec.h"
