// Zydis front end: bytes to the project's Insn record.
#pragma once
#include <Zydis/Zydis.h>

#include <string>

#include "cpu/insn.h"

namespace vmsim::cpu {

class Decoder {
 public:
  Decoder();
  // Decode one instruction from 'avail' bytes. Returns false only when the
  // bytes end before the instruction does (the caller fetches more);
  // undecodable or unimplemented instructions decode to #UD handlers.
  bool decode(const uint8_t* bytes, size_t avail, CpuMode mode, Insn& out) const;

 private:
  ZydisDecoder dec_[3];  // by CpuMode
};

// Human-readable disassembly for diagnostics (tests, crash messages).
std::string disassemble(const uint8_t* bytes, size_t avail, CpuMode mode, uint64_t rip);

}  // namespace vmsim::cpu
