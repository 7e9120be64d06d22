#include "cpu/insn_table.h"

#include <array>

#include "cpu/insn_alu.h"
#include "cpu/insn_bits.h"
#include "cpu/insn_control.h"
#include "cpu/insn_flags.h"
#include "cpu/insn_io.h"
#include "cpu/insn_misc.h"
#include "cpu/insn_move.h"
#include "cpu/insn_muldiv.h"
#include "cpu/insn_shift.h"
#include "cpu/insn_sse.h"
#include "cpu/insn_string.h"
#include "cpu/insn_system.h"

namespace vmsim::cpu {

namespace {

#define VMSIM_ALL_INSNS(X) \
  VMSIM_INSNS_MOVE(X)      \
  VMSIM_INSNS_ALU(X)       \
  VMSIM_INSNS_MULDIV(X)    \
  VMSIM_INSNS_SHIFT(X)     \
  VMSIM_INSNS_BITS(X)      \
  VMSIM_INSNS_CONTROL(X)   \
  VMSIM_INSNS_STRING(X)    \
  VMSIM_INSNS_FLAGS(X)     \
  VMSIM_INSNS_MISC(X)      \
  VMSIM_INSNS_IO(X)        \
  VMSIM_INSNS_SSE(X)       \
  VMSIM_INSNS_SYSTEM(X)

using Table = std::array<Binder, ZYDIS_MNEMONIC_MAX_VALUE + 1>;

const Table& table() {
  static const Table t = [] {
    Table tt{};
#define VMSIM_BIND(mnemonic, binder) tt[ZYDIS_MNEMONIC_##mnemonic] = binder;
    VMSIM_ALL_INSNS(VMSIM_BIND)
#undef VMSIM_BIND
    return tt;
  }();
  return t;
}

}  // namespace

Binder binder_for(ZydisMnemonic m) {
  return static_cast<size_t>(m) < table().size() ? table()[m] : nullptr;
}

int implemented_mnemonic_count() {
  int n = 0;
  for (Binder b : table()) n += b != nullptr;
  return n;
}

}  // namespace vmsim::cpu
