// Random instruction streams for the lock-step differential test.
//
// A stream is a Program (code, data, initial machine state) of 50 to 200
// instructions drawn from templates for every instruction the interpreter is
// meant to implement, in every operand size and addressing form. Every memory
// operand lands inside a mapped region; every branch target lies inside the
// stream, so every stream terminates. A small fraction of streams end on a
// deliberate fault (unmapped or non-canonical address, misaligned SSE operand,
// #DE, ud2, int3...), and the stream records the vector both engines must
// raise. Generation is a pure function of (seed, stream index).
//
// How addresses stay valid: the generator tracks what it knows about every
// general register (an exact value, a small range, or nothing). The initial
// state is known exactly; an instruction that writes a register makes it
// unknown (Zydis says which registers an instruction writes). Before a memory
// instruction the generator picks a base and an index whose values it knows
// and a displacement that puts the access where it wants it, or emits a
// "fixup" (mov r, imm / lea / and r, mask / movzx) that establishes one. At a
// forward branch target the knowledge of both paths is merged; in a backward
// loop body the registers the body relies on are frozen.
#pragma once
#include <Zydis/Zydis.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/diff/lockstep.h"

namespace vmsim::difftest {

// Properties of one generated instruction, for the coverage report.
enum Feature : uint32_t {
  kFeatLock = 1u << 0,
  kFeatRep = 1u << 1,        // F3 on movs/stos/lods
  kFeatRepe = 1u << 2,       // F3 on cmps/scas
  kFeatRepne = 1u << 3,
  kFeatAddr32 = 1u << 4,     // 67h on an instruction that addresses memory
  kFeatSegFs = 1u << 5,
  kFeatSegGs = 1u << 6,
  kFeatRipRel = 1u << 7,
  kFeatAbsolute = 1u << 8,   // [disp32] or moffs: no base, no index
  kFeatIndexOnly = 1u << 9,  // [index*scale+disp32]
  kFeatBaseIndex = 1u << 10,
  kFeatBaseOnly = 1u << 11,
  kFeatDisp8 = 1u << 12,
  kFeatDisp32 = 1u << 13,
  kFeatScale1 = 1u << 14,
  kFeatScale2 = 1u << 15,
  kFeatScale4 = 1u << 16,
  kFeatScale8 = 1u << 17,
  kFeatOsize8 = 1u << 18,
  kFeatOsize16 = 1u << 19,
  kFeatOsize32 = 1u << 20,
  kFeatOsize64 = 1u << 21,
  kFeatHighByte = 1u << 22,  // AH, CH, DH or BH
  kFeatRexByte = 1u << 23,   // SPL, BPL, SIL, DIL or R8B..R15B
  kFeatOpsize66 = 1u << 24,
  kFeatRedundant = 1u << 25,  // an ignored segment prefix or an empty REX
  kFeatImm8 = 1u << 26,
  kFeatImm16 = 1u << 27,
  kFeatImm32 = 1u << 28,
  kFeatImm64 = 1u << 29,
  kFeatMemory = 1u << 30,
  kFeatBackward = 1u << 31,  // a backward branch
};
inline constexpr int kNumFeatures = 32;
const char* feature_name(int bit);

// One instruction of a stream.
struct InsnMark {
  uint32_t offset = 0;       // from kCodeBase
  uint16_t mnemonic = 0;     // ZydisMnemonic
  bool sse = false;          // movsd/cmpsd: the SSE instruction, not the string one
  bool fixup = false;        // emitted to establish an address or value
  uint32_t features = 0;
};

// What the generator believed about the registers before an instruction
// (GenOptions::record_knowledge; for checking the generator itself).
struct KnowledgeRecord {
  uint16_t known = 0;  // bit r: register r lies in [lo[r], hi[r]]
  uint64_t lo[16] = {}, hi[16] = {};
  uint64_t rsp = 0;
};

struct Stream {
  uint64_t seed = 0, index = 0;
  Program program;
  std::vector<InsnMark> marks;    // in code order
  std::vector<KnowledgeRecord> knowledge;  // parallel to marks, when recorded
  int expected_vector = -1;       // the deliberate fault that ends the stream
  std::string fault_kind;         // what that fault is, for messages

  // The mark of the instruction at 'rip', or nullptr.
  const InsnMark* mark_at(uint64_t rip) const;
  // Disassembly of the instructions around 'rip' (all of them if rip == 0),
  // the one at 'rip' marked with "=>".
  std::string listing(uint64_t rip = 0, int context = 12) const;
};

struct GenOptions {
  int min_insns = 50;
  int max_insns = 200;
  double fault_fraction = 0.03;   // streams that end on a deliberate fault
  // Generate only mnemonics for which vmsim has a binder. Off: every template
  // (for checking the generator against Unicorn alone).
  bool only_implemented = true;
  bool record_knowledge = false;  // fill Stream::knowledge
};

// A mnemonic of the list (coverage keys).
struct ListedMnemonic {
  ZydisMnemonic mnemonic;
  bool sse;             // the SSE reading of movsd
  const char* name;
};
const std::vector<ListedMnemonic>& listed_mnemonics();

class RandomGenerator {
 public:
  explicit RandomGenerator(GenOptions o = {});
  Stream generate(uint64_t seed, uint64_t index) const;
  const GenOptions& options() const { return opt_; }
  // Listed mnemonics the generator leaves out because vmsim has no binder.
  const std::vector<std::string>& skipped() const { return skipped_; }
  // Whether the generator emits this mnemonic (it has a binder, or
  // only_implemented is off); 'sse' asks about the SSE movsd.
  bool enabled(ZydisMnemonic m, bool sse = false) const;

 private:
  GenOptions opt_;
  std::vector<std::string> skipped_;
  std::vector<uint8_t> enabled_;  // by ZydisMnemonic: bit 0 plain, bit 1 the SSE movsd
};

}  // namespace vmsim::difftest
