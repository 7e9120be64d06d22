// The one table from Zydis mnemonic to binder (STYLE habit 5). Each
// instruction group lists its instructions in an X-macro in its own header
// (VMSIM_INSNS_<GROUP>); adding an instruction is one line there plus its
// binder and handler in the group's .cpp file.
#pragma once
#include <Zydis/Zydis.h>

#include "cpu/decode_ctx.h"

namespace vmsim::cpu {

// The binder for a mnemonic, or nullptr when vmsim does not implement it.
Binder binder_for(ZydisMnemonic m);
// Mnemonics that have a binder (for documentation and tests).
int implemented_mnemonic_count();

}  // namespace vmsim::cpu
