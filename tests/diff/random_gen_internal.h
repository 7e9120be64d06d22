// The random stream generator's engine, shared by random_gen.cpp (state,
// encoding, memory operands, branches) and random_families.cpp (the
// instruction templates). See random_gen.h for the scheme.
#pragma once
#include <Zydis/Zydis.h>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/diff/random_gen.h"

namespace vmsim::difftest::rgen {

enum Gpr : int { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
inline constexpr int kNumGpr = 16;
inline constexpr int kDfBit = 16;  // bit of DF in the freeze masks

// The 64-bit register of a size (1, 2, 4, 8); 'high' picks AH..BH (idx 0..3).
ZydisRegister gpr(int idx, int size, bool high = false);
ZydisRegister xmm(int idx);
// 0..15 for a general register of any size (AH is 0), or -1.
int gpr_index(ZydisRegister r);

// Decodes one 64-bit-mode instruction.
bool decode(const uint8_t* bytes, size_t n, ZydisDecodedInstruction& zi, ZydisDecodedOperand* ops);
inline bool fits_i32(int64_t v) { return v == static_cast<int32_t>(v); }
inline bool fits_i8(int64_t v) { return v == static_cast<int8_t>(v); }

// What the generator knows about a general register.
struct Know {
  bool known = false;
  uint64_t lo = 0, hi = 0;  // the value lies in [lo, hi]; exact when lo == hi
  bool ptr = false;         // holds an address the generator set up: keep it
  bool exact() const { return known && lo == hi; }
  static Know of(uint64_t v, bool ptr = false) { return Know{true, v, v, ptr}; }
  static Know range(uint64_t lo, uint64_t hi) { return Know{true, lo, hi, false}; }
};

// A memory operand, ready for the encoder.
struct MemOp {
  ZydisRegister base = ZYDIS_REGISTER_NONE;
  ZydisRegister index = ZYDIS_REGISTER_NONE;
  uint8_t scale = 0;
  int64_t disp = 0;
  uint16_t size = 0;           // the encoder's operand size
  ZydisInstructionAttributes seg = 0;  // ZYDIS_ATTRIB_HAS_SEGMENT_FS / _GS, or 0
  bool rip = false;            // RIP- (or EIP-) relative to rip_ea
  uint64_t rip_ea = 0;         // wanted effective address (before the segment base)
  bool a32 = false;
  uint64_t linear = 0;         // the access's linear address (lowest index value)
  // The same operand 'delta' bytes further.
  MemOp at(int64_t delta) const;
};

enum FaultKind : int { kNoFault, kFaultUnmapped, kFaultNonCanonical, kFaultMisaligned };

struct MemSpec {
  int size = 8;                 // bytes accessed at the effective address
  int enc_size = 0;             // encoder operand size if it differs from 'size'
  int align = 1;                // required alignment (16 for legacy SSE m128)
  bool write = false;
  bool access = true;           // false: lea or nop, any address will do
  int64_t span_lo = 0, span_hi = 0;  // accessed bytes: [EA+span_lo, EA+size+span_hi)
  bool no_rip = false, no_seg = false, no_a32 = false, no_index = false;
  bool no_rsp = false;          // no RSP base
  int64_t rsp_adjust = 0;       // RSP as a base is this much higher (pop m: SDM Vol. 2B, POP)
  uint32_t avoid = 0;           // registers not to use as base or index
  FaultKind fault = kNoFault;   // want an address that faults this way
};

// A request to the Zydis encoder plus what the generator needs to finish it.
struct Req {
  explicit Req(ZydisMnemonic m);
  Req& r(ZydisRegister reg);
  Req& i(int64_t v);
  Req& m(const MemOp& mem);
  Req& pfx(ZydisInstructionAttributes attributes);
  Req& branch(ZydisBranchWidth w);  // relative branch: target set by EmitOpt::label
  Req& osize(ZydisOperandSizeHint h);
  Req& asize(ZydisAddressSizeHint h);
  ZydisEncoderRequest z;
  std::optional<MemOp> mem;
};

enum RefKind : uint8_t { kRefNone, kRefBranch, kRefRipDisp, kRefImm32 };

struct EmitOpt {
  bool fixup = false;
  bool redundant = true;       // a redundant prefix may be added
  bool rsp_known = false;      // required when the instruction writes RSP
  uint64_t rsp_after = 0;
  int label = -1;              // patch the branch/disp/imm with this label
  RefKind ref = kRefNone;
  bool unknown_state = false;  // record no register knowledge (it runs out of order)
};

// A reference to a code label that is patched once the label is bound.
struct Ref {
  uint32_t at;       // offset of the field
  uint8_t bytes;     // 1 or 4
  uint32_t end;      // offset of the end of the instruction (relative refs)
  int label;
  RefKind kind;
};

struct Pending {   // a forward branch waiting for its target
  int label;
  std::array<Know, kNumGpr> snap;
  int df;
  uint32_t rel8_end;  // end of a rel8 branch (range limit), or UINT32_MAX
};

class Gen;
using Family = bool (*)(Gen&, ZydisMnemonic);

struct Entry {
  ZydisMnemonic m;
  Family fn;
  double weight;
  unsigned flags;
};
enum EntryFlag : unsigned {
  kOpensScope = 1,  // loops, calls, enter: not inside a loop body beyond depth
  kLoop = 2,        // a backward loop: never inside another loop
  kChangesRsp = 4,  // changes RSP: not while a forward branch is pending
  kSse = 8,         // the SSE reading of a mnemonic that is also a string one (movsd)
};

// Entries for every template (random_families.cpp).
const std::vector<Entry>& all_entries();
// Deliberate faults that end a stream (random_families.cpp).
bool emit_fault(Gen& g);

class Gen {
 public:
  Gen(const RandomGenerator& owner, uint64_t seed, uint64_t index);
  Stream run();

  // --- Randomness --------------------------------------------------------------
  std::mt19937_64 rng;
  uint64_t u64() { return rng(); }
  uint64_t below(uint64_t n) { return n ? rng() % n : 0; }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(hi - lo + 1)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  template <class T, size_t N> const T& pick(const T (&a)[N]) { return a[below(N)]; }
  uint64_t interesting();
  int64_t imm(int bytes);         // an immediate that fits 'bytes' signed bytes
  uint64_t fp_value();            // a double's bits, with the special values
  int pick_size(unsigned mask = 0xF);  // 1, 2, 4, 8 (bit 0 = 1 byte...)

  bool enabled(ZydisMnemonic m, bool sse = false) const { return owner_.enabled(m, sse); }

  // --- Registers ----------------------------------------------------------------
  std::array<Know, kNumGpr> know;
  int df = 0;                     // DF: 0, 1, or -1 (unknown)
  uint64_t rsp = 0;               // always known exactly
  // RSP never rises above this: the stack above holds live data (a return
  // address, a saved frame pointer) that a pop and a push would overwrite.
  uint64_t ceiling = kStackBase + kStackSize - 0x100;
  uint64_t fs_base = 0, gs_base = 0;

  enum PickFlag : unsigned { kWrite = 1, kFixup = 2, kNoRspSrc = 4 };
  // A general register index for an operand that is written (kWrite), or
  // only read; 'exclude' is a mask of indices not to use.
  int pick_reg(unsigned flags, uint32_t exclude = 0);
  // An 8-bit register, AH..BH included.
  ZydisRegister pick_reg8(unsigned flags, uint32_t exclude = 0);
  ZydisRegister pick_gpr(int size, unsigned flags, uint32_t exclude = 0);
  bool writable(int r, bool fixup) const;
  void use(int r);                // the group relies on r's known value
  void use_df();
  void lock(int r) { locked_ |= 1u << r; }
  // Establish a register value with a fixup instruction.
  bool set_exact(int r, uint64_t v, bool ptr = false);
  bool set_range(int r);          // r = small unsigned value (and / movzx)
  bool set_rsp(uint64_t v);       // move RSP to v (known) with a fixup

  // --- Memory operands ----------------------------------------------------------
  bool mem(const MemSpec& s, MemOp& out);
  bool stack_room(int64_t down, int64_t up = 0) const;  // RSP may move this far
  bool access_ok(uint64_t lin, uint64_t len, bool write) const;
  uint64_t data_address(uint64_t len, int align = 1);  // a random data address

  // --- Emission -------------------------------------------------------------------
  bool emit(Req& q, const EmitOpt& o = {});
  bool emit_raw(std::vector<uint8_t> bytes, const EmitOpt& o = {});
  bool fix(Req& q) {
    EmitOpt o;
    o.fixup = true;
    o.redundant = false;
    return emit(q, o);
  }
  uint32_t offset() const { return static_cast<uint32_t>(code_.size()); }
  uint64_t here() const { return kCodeBase + code_.size(); }

  // --- Labels, branches, scopes ---------------------------------------------------
  int new_label();
  bool bind(int label);
  bool bound(int label) const { return labels_[label] >= 0; }
  // A forward branch just emitted (ref to 'label'): land it later.
  void add_pending(int label, bool rel8);
  bool has_pending() const { return !scopes_.back().empty(); }
  bool land_all();
  void open_scope() { scopes_.emplace_back(); }
  bool close_scope();
  // Run 'n' groups as the body of a loop, call or frame.
  bool body(int n);
  // A loop body: 'counter' must not change, and holds 'inside' during the
  // body (it counts down from one iteration to the next); registers the body
  // relies on from the head are frozen as the body uses them.
  uint32_t begin_loop(int counter, Know inside) {
    const uint32_t saved = frozen;
    frozen |= 1u << counter;
    know[counter] = inside;
    in_loop = true;
    lazy_ = written_ = 0;
    loop_first_record_ = records_.size();
    return saved;
  }
  void end_loop(uint32_t saved) {
    // On later iterations the registers the body writes hold other values
    // (the body never relies on them from the head: those are frozen).
    for (size_t k = loop_first_record_; k < records_.size(); ++k)
      records_[k].known &= static_cast<uint16_t>(~written_);
    frozen = saved;
    in_loop = false;
    lazy_ = written_ = 0;
  }
  bool in_loop = false;
  int depth = 0;                  // nesting of bodies
  uint32_t frozen = 0;            // registers (and DF) that must not change

  // --- Stream -------------------------------------------------------------------
  MachineState& init() { return init_; }
  int expected_vector = -1;
  std::string fault_kind;
  const RandomGenerator& owner() const { return owner_; }

 private:
  struct Snapshot {
    size_t code, marks, refs, labels;
    std::array<Know, kNumGpr> know;
    int df;
    uint64_t rsp, ceiling;
    std::vector<std::vector<Pending>> scopes;
    uint32_t frozen, lazy, written, locked;
    int count;
    bool in_loop;
    int depth;
    std::vector<int64_t> label_values;
  };
  Snapshot save() const;
  void restore(const Snapshot& s);
  bool group();                   // one random group, retried until one fits
  bool try_entry(const Entry& e);
  void boundary();                // land pending branches here, maybe
  bool commit(std::vector<uint8_t> bytes, const EmitOpt& o, bool redundant);
  bool redefine_flags();          // a fixup that sets CF PF AF ZF SF OF
  void wrote(int r);
  std::vector<uint8_t> add_redundant(const std::vector<uint8_t>& in, int kind);
  bool encode(Req& q, std::vector<uint8_t>& out);
  void init_state();

  const RandomGenerator& owner_;
  uint64_t seed_, index_;
  MachineState init_;
  std::vector<uint8_t> data_;
  std::vector<uint8_t> code_;
  std::vector<InsnMark> marks_;
  std::vector<KnowledgeRecord> records_;
  std::vector<Ref> refs_;
  std::vector<int64_t> labels_;
  std::vector<std::vector<Pending>> scopes_;
  uint32_t lazy_ = 0;      // loop body: registers relied on from the head
  uint32_t written_ = 0;   // loop body: registers written so far
  uint32_t locked_ = 0;    // registers this group's fixups set up
  bool conflict_ = false;  // a write to a frozen register
  KnowledgeRecord record_before_;
  size_t loop_first_record_ = 0;
  int count_ = 0;          // instructions emitted
  std::vector<const Entry*> entries_;
  std::discrete_distribution<size_t> pick_entry_;
};

}  // namespace vmsim::difftest::rgen
