// The random stream generator's engine: machine-state setup, register
// knowledge and fixups, labels, branch scopes and groups, the stream; and
// the public API. Memory operands are in random_gen_mem.cpp, encoding and
// emission in random_gen_emit.cpp, the templates in random_families_*.cpp.
#include "tests/diff/random_gen.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cpu/decoder.h"
#include "cpu/insn_table.h"
#include "tests/diff/random_gen_internal.h"
#include "tests/diff/snippet.h"

namespace vmsim::difftest {

namespace rgen {

namespace {

// Knowledge at a join point: what holds on both paths.
Know meet(const Know& a, const Know& b) {
  if (!a.known || !b.known) return Know{};
  Know k = Know::range(std::min(a.lo, b.lo), std::max(a.hi, b.hi));
  if (k.hi - k.lo > 0x1000) return Know{};
  k.ptr = a.ptr && b.ptr && k.lo == k.hi;
  return k;
}
}  // namespace

ZydisRegister gpr(int idx, int size, bool high) {
  static const ZydisRegister k8[16] = {
      ZYDIS_REGISTER_AL,  ZYDIS_REGISTER_CL,  ZYDIS_REGISTER_DL,   ZYDIS_REGISTER_BL,
      ZYDIS_REGISTER_SPL, ZYDIS_REGISTER_BPL, ZYDIS_REGISTER_SIL,  ZYDIS_REGISTER_DIL,
      ZYDIS_REGISTER_R8B, ZYDIS_REGISTER_R9B, ZYDIS_REGISTER_R10B, ZYDIS_REGISTER_R11B,
      ZYDIS_REGISTER_R12B, ZYDIS_REGISTER_R13B, ZYDIS_REGISTER_R14B, ZYDIS_REGISTER_R15B};
  static const ZydisRegister kHigh[4] = {ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH, ZYDIS_REGISTER_DH,
                                         ZYDIS_REGISTER_BH};
  switch (size) {
    case 1: return high ? kHigh[idx & 3] : k8[idx];
    case 2: return static_cast<ZydisRegister>(ZYDIS_REGISTER_AX + idx);
    case 4: return static_cast<ZydisRegister>(ZYDIS_REGISTER_EAX + idx);
    default: return static_cast<ZydisRegister>(ZYDIS_REGISTER_RAX + idx);
  }
}

ZydisRegister xmm(int idx) { return static_cast<ZydisRegister>(ZYDIS_REGISTER_XMM0 + idx); }

int gpr_index(ZydisRegister r) {
  switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR8:
    case ZYDIS_REGCLASS_GPR16:
    case ZYDIS_REGCLASS_GPR32:
    case ZYDIS_REGCLASS_GPR64:
      return ZydisRegisterGetId(ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r));
    default:
      return -1;
  }
}

MemOp MemOp::at(int64_t delta) const {
  MemOp m = *this;
  if (rip) m.rip_ea += delta;
  else m.disp += delta;
  m.linear += delta;
  return m;
}

// --- Gen: state -------------------------------------------------------------------

Gen::Gen(const RandomGenerator& owner, uint64_t seed, uint64_t index)
    : owner_(owner), seed_(seed), index_(index) {
  // Streams are independent: each has its own generator state.
  uint64_t x = seed * 0x9E3779B97F4A7C15ull ^ (index + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  rng.seed(x);
  std::vector<double> weights;
  for (const Entry& e : all_entries()) {
    if (!owner_.enabled(e.m, e.flags & kSse)) continue;
    entries_.push_back(&e);
    weights.push_back(e.weight);
  }
  pick_entry_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
}

uint64_t Gen::interesting() { return interesting_value(rng); }

int64_t Gen::imm(int bytes) {
  static const int64_t kEdges[] = {0, 1, -1, 2, 0x7F, -0x80, 0x80, 0xFF, 0x7FFF, -0x8000, 0xFFFF,
                                   0x7FFFFFFF, -0x7FFFFFFF - 1, 0x10, 0x40, 0x1F, 0x20, 0x3F};
  int64_t v;
  switch (below(4)) {
    case 0: v = pick(kEdges); break;
    case 1: v = between(-16, 16); break;
    default: v = static_cast<int64_t>(u64()); break;
  }
  switch (bytes) {
    case 1: return static_cast<int8_t>(v);
    case 2: return static_cast<int16_t>(v);
    case 4: return static_cast<int32_t>(v);
    default: return v;
  }
}

uint64_t Gen::fp_value() {
  static const uint64_t kSpecial[] = {
      0x0000000000000000ull,  // +0
      0x8000000000000000ull,  // -0
      0x3FF0000000000000ull,  // 1
      0xBFF0000000000000ull,  // -1
      0x3FF8000000000000ull,  // 1.5
      0x4000000000000000ull,  // 2
      0x0000000000000001ull,  // smallest denormal
      0x000FFFFFFFFFFFFFull,  // largest denormal
      0x0010000000000000ull,  // DBL_MIN
      0x7FEFFFFFFFFFFFFFull,  // DBL_MAX
      0x7FF0000000000000ull,  // +inf
      0xFFF0000000000000ull,  // -inf
      0x7FF8000000000000ull,  // qNaN
      0xFFF8000000000000ull,  // -qNaN (the indefinite)
      0x7FF0000000000001ull,  // sNaN
      0x7FF4000000000000ull,  // sNaN
      0x43E0000000000000ull,  // 2^63
      0xC3E0000000000000ull,  // -2^63
      0x41E0000000000000ull,  // 2^31
      0xC1E0000000200000ull,  // -2^31 - 1
      0x41DFFFFFFFC00000ull,  // 2^31 - 1
      0x3FE0000000000000ull,  // 0.5
      0xBFE0000000000000ull,  // -0.5
      0x4004000000000000ull,  // 2.5
  };
  switch (below(3)) {
    case 0: return pick(kSpecial);
    case 1: {  // a finite value of moderate magnitude
      const uint64_t exp = 1023 - 40 + below(100);
      return (u64() & 0x800FFFFFFFFFFFFFull) | (exp << 52);
    }
    default: return u64();
  }
}

int Gen::pick_size(unsigned mask) {
  for (;;) {
    const int k = static_cast<int>(below(4));
    if (mask & (1u << k)) return 1 << k;
  }
}

void Gen::init_state() {
  MachineState& s = init_;
  for (int r = 0; r < kNumGpr; ++r) s.gpr[r] = interesting();
  rsp = kStackTop - 8 * below(64);
  if (chance(0.05)) rsp -= 1 + below(7);
  s.gpr[RSP] = rsp;
  s.rflags = 0x2 | (u64() & 0x8D5) | (chance(0.25) ? 0x400 : 0);
  df = (s.rflags & 0x400) ? 1 : 0;
  for (auto& x : s.xmm) {
    for (int half = 0; half < 2; ++half) {
      const uint64_t v = chance(0.5) ? fp_value() : interesting();
      std::memcpy(x + 8 * half, &v, 8);
    }
  }
  if (chance(0.3)) {
    // Exceptions stay masked (Unicorn never raises #XM); rounding, FTZ, DAZ
    // and the sticky flags vary.
    s.mxcsr = 0x1F80 | (below(4) << 13) | (chance(0.3) ? 0x8000u : 0u) | (chance(0.3) ? 0x40u : 0u) |
              static_cast<uint32_t>(u64() & 0x3F);
  }
  if (chance(0.2)) s.fpu_cw = static_cast<uint16_t>(0x7F | (below(4) << 8) | (below(4) << 10));
  auto seg_base = [&]() -> uint64_t {
    switch (below(6)) {
      case 0: return 0;
      case 1: return kStackBase + below(kStackSize);
      case 2: return 0x7FFF00000000ull + below(0x10000) * 16;
      case 3: return ~0ull - 0xFFFF + below(0x100);  // negative: wraps onto the regions
      default: return kDataBase + below(kDataSize);
    }
  };
  s.fs_base = fs_base = seg_base();
  s.gs_base = gs_base = seg_base();
  for (int r = 0; r < kNumGpr; ++r) know[r] = Know::of(s.gpr[r]);
  // A few registers start as data pointers.
  for (int n = static_cast<int>(1 + below(3)); n > 0; --n) {
    const int r = static_cast<int>(below(kNumGpr));
    if (r == RSP) continue;
    s.gpr[r] = kDataBase + below(kDataSize);
    know[r] = Know::of(s.gpr[r], true);
  }
  know[RSP] = Know::of(rsp, true);
  data_ = random_data(rng);
  for (int n = 0; n < 64; ++n) {  // doubles for the SSE arithmetic
    const uint64_t v = fp_value();
    std::memcpy(data_.data() + 8 * below(kDataSize / 8), &v, 8);
  }
}

// --- Registers ----------------------------------------------------------------------

bool Gen::writable(int r, bool fixup) const {
  if (r < 0 || r == RSP) return false;
  const uint32_t bit = 1u << r;
  if ((frozen | lazy_) & bit) return false;
  if (fixup && (locked_ & bit)) return false;
  return true;
}

void Gen::use(int r) {
  if (r < 0) return;
  if (in_loop && !(written_ & (1u << r))) lazy_ |= 1u << r;
}

void Gen::use_df() { use(kDfBit); }

void Gen::wrote(int r) {
  const uint32_t bit = 1u << r;
  if ((frozen | lazy_) & bit) conflict_ = true;
  if (in_loop) written_ |= bit;
  if (r < kNumGpr) know[r] = Know{};
}

int Gen::pick_reg(unsigned flags, uint32_t exclude) {
  for (int tries = 0; tries < 64; ++tries) {
    const int r = static_cast<int>(below(kNumGpr));
    if (exclude & (1u << r)) continue;
    if ((flags & kNoRspSrc) && r == RSP) continue;
    if (flags & kWrite) {
      if (!writable(r, flags & kFixup)) continue;
      if (know[r].ptr && chance(0.8)) continue;
    }
    return r;
  }
  return -1;
}

ZydisRegister Gen::pick_reg8(unsigned flags, uint32_t exclude) {
  if (chance(0.25)) {
    for (int tries = 0; tries < 8; ++tries) {
      const int r = static_cast<int>(below(4));
      if (exclude & (1u << r)) continue;
      if ((flags & kWrite) && !writable(r, flags & kFixup)) continue;
      return gpr(r, 1, true);
    }
  }
  const int r = pick_reg(flags, exclude);
  return r < 0 ? ZYDIS_REGISTER_NONE : gpr(r, 1);
}

ZydisRegister Gen::pick_gpr(int size, unsigned flags, uint32_t exclude) {
  if (size == 1) return pick_reg8(flags, exclude);
  const int r = pick_reg(flags, exclude);
  return r < 0 ? ZYDIS_REGISTER_NONE : gpr(r, size);
}

bool Gen::set_exact(int r, uint64_t v, bool ptr) {
  if (!writable(r, true)) return false;
  bool ok = false;
  const int form = static_cast<int>(below(6));
  if (form == 0 && v == 0) {
    Req q(ZYDIS_MNEMONIC_XOR);
    q.r(gpr(r, 4)).r(gpr(r, 4));
    ok = fix(q);
  } else if (form == 1 && v <= 0xFFFFFFFF) {
    Req q(ZYDIS_MNEMONIC_MOV);
    q.r(gpr(r, 4)).i(static_cast<int64_t>(v));
    ok = fix(q);
  } else if (form == 2 && fits_i32(static_cast<int64_t>(v - here() - 16))) {
    MemOp m;
    m.rip = true;
    m.rip_ea = v;
    m.size = 8;
    Req q(ZYDIS_MNEMONIC_LEA);
    q.r(gpr(r, 8)).m(m);
    ok = fix(q);
  } else if (form == 3) {
    // From another known register: lea r, [p + d].
    for (int p = 0; p < kNumGpr && !ok; ++p) {
      if (!know[p].exact() || !know[p].ptr) continue;
      const int64_t d = static_cast<int64_t>(v - know[p].lo);
      if (!fits_i32(d)) continue;
      MemOp m;
      m.base = gpr(p, 8);
      m.disp = d;
      m.size = 8;
      Req q(ZYDIS_MNEMONIC_LEA);
      q.r(gpr(r, 8)).m(m);
      use(p);
      ok = fix(q);
    }
  }
  if (!ok) {
    Req q(ZYDIS_MNEMONIC_MOV);
    if (v <= 0xFFFFFFFF && chance(0.5)) q.r(gpr(r, 4)).i(static_cast<int64_t>(v));
    else q.r(gpr(r, 8)).i(static_cast<int64_t>(v));
    if (!fix(q)) return false;
  }
  know[r] = Know::of(v, ptr);
  lock(r);
  return true;
}

bool Gen::set_range(int r) {
  if (!writable(r, true)) return false;
  if (chance(0.5)) {
    static const uint32_t kMasks[] = {0x7, 0xF, 0x1F, 0x3F, 0x7F, 0xFF};
    const uint32_t mask = pick(kMasks);
    Req q(ZYDIS_MNEMONIC_AND);
    q.r(gpr(r, 4)).i(mask);
    if (!fix(q)) return false;
    know[r] = Know::range(0, mask);
  } else {
    const ZydisRegister src = pick_reg8(0);  // AH..BH with a REX register fails to encode: retried
    Req q(ZYDIS_MNEMONIC_MOVZX);
    q.r(gpr(r, 4)).r(src);
    if (!fix(q)) return false;
    know[r] = Know::range(0, 0xFF);
  }
  lock(r);
  return true;
}

bool Gen::set_rsp(uint64_t v) {
  const int64_t d = static_cast<int64_t>(v - rsp);
  if (d == 0) return true;
  EmitOpt o;
  o.fixup = true;
  o.redundant = false;
  o.rsp_known = true;
  o.rsp_after = v;
  const int form = static_cast<int>(below(4));
  if (form == 0 && d == 8) {
    const int r = pick_reg(kWrite | kFixup);
    if (r >= 0) {
      Req q(ZYDIS_MNEMONIC_POP);
      q.r(gpr(r, 8));
      return emit(q, o);
    }
  }
  if (form == 1 && v < 0x80000000) {
    Req q(ZYDIS_MNEMONIC_MOV);
    q.r(ZYDIS_REGISTER_RSP).i(static_cast<int64_t>(v));
    return emit(q, o);
  }
  if (form == 2) {
    MemOp m;
    m.base = ZYDIS_REGISTER_RSP;
    m.disp = d;
    m.size = 8;
    Req q(ZYDIS_MNEMONIC_LEA);
    q.r(ZYDIS_REGISTER_RSP).m(m);
    return emit(q, o);
  }
  Req q(d > 0 ? ZYDIS_MNEMONIC_ADD : ZYDIS_MNEMONIC_SUB);
  q.r(ZYDIS_REGISTER_RSP).i(d > 0 ? d : -d);
  return emit(q, o);
}

// --- Labels and scopes ------------------------------------------------------------------

int Gen::new_label() {
  labels_.push_back(-1);
  return static_cast<int>(labels_.size() - 1);
}

bool Gen::bind(int label) {
  labels_[label] = offset();
  for (const Ref& r : refs_) {
    if (r.label != label) continue;
    int64_t v;
    if (r.kind == kRefImm32) v = static_cast<int64_t>(kCodeBase + labels_[label]);
    else v = labels_[label] - static_cast<int64_t>(r.end);
    if (r.bytes == 1 ? !fits_i8(v) : !fits_i32(v)) return false;
    for (int k = 0; k < r.bytes; ++k) code_[r.at + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return true;
}

void Gen::add_pending(int label, bool rel8) {
  Pending p;
  p.label = label;
  p.snap = know;
  p.df = df;
  p.rel8_end = rel8 ? offset() : UINT32_MAX;
  scopes_.back().push_back(p);
}

bool Gen::land_all() {
  auto& ps = scopes_.back();
  for (const Pending& p : ps) {
    if (!bind(p.label)) return false;
    for (int r = 0; r < kNumGpr; ++r) know[r] = meet(know[r], p.snap[r]);
    if (df != p.df) df = -1;
  }
  ps.clear();
  return true;
}

bool Gen::close_scope() {
  if (!land_all()) return false;
  scopes_.pop_back();
  return true;
}

void Gen::boundary() {
  auto& ps = scopes_.back();
  for (size_t k = 0; k < ps.size();) {
    const Pending& p = ps[k];
    const bool force = p.rel8_end != UINT32_MAX && offset() - p.rel8_end > 40;
    if (force || chance(0.3)) {
      if (!bind(p.label)) throw std::logic_error("random_gen: a pending branch went out of range");
      for (int r = 0; r < kNumGpr; ++r) know[r] = meet(know[r], p.snap[r]);
      if (df != p.df) df = -1;
      ps.erase(ps.begin() + static_cast<long>(k));
    } else {
      ++k;
    }
  }
}

Gen::Snapshot Gen::save() const {
  return Snapshot{code_.size(), marks_.size(), refs_.size(), labels_.size(), know, df, rsp, ceiling, scopes_,
                  frozen, lazy_, written_, locked_, count_, in_loop, depth, labels_};
}

void Gen::restore(const Snapshot& s) {
  code_.resize(s.code);
  marks_.resize(s.marks);
  if (records_.size() > s.marks) records_.resize(s.marks);
  refs_.resize(s.refs);
  labels_ = s.label_values;
  know = s.know;
  df = s.df;
  rsp = s.rsp;
  ceiling = s.ceiling;
  scopes_ = s.scopes;
  frozen = s.frozen;
  lazy_ = s.lazy;
  written_ = s.written;
  locked_ = s.locked;
  count_ = s.count;
  in_loop = s.in_loop;
  depth = s.depth;
}

bool Gen::try_entry(const Entry& e) {
  const Snapshot s = save();
  locked_ = 0;
  const uint64_t rsp0 = rsp;
  bool ok = e.fn(*this, e.m);
  // A pending branch's target must see the same RSP as its source.
  if (ok && has_pending() && rsp != rsp0) ok = false;
  if (ok) {
    for (const Pending& p : scopes_.back())
      if (p.rel8_end != UINT32_MAX && offset() - p.rel8_end > 127) ok = false;
  }
  if (!ok) restore(s);
  locked_ = s.locked;
  return ok;
}

bool Gen::group() {
  boundary();
  for (int attempt = 0; attempt < 64; ++attempt) {
    const Entry& e = *entries_[pick_entry_(rng)];
    if ((e.flags & kOpensScope) && depth >= 2) continue;
    if ((e.flags & kLoop) && in_loop) continue;
    if ((e.flags & kChangesRsp) && has_pending()) continue;
    if (try_entry(e)) return true;
  }
  return false;
}

bool Gen::body(int n) {
  ++depth;
  bool ok = true;
  for (int k = 0; k < n && ok; ++k) ok = group();
  --depth;
  return ok;
}

Stream Gen::run() {
  init_state();
  scopes_.emplace_back();
  const GenOptions& go = owner_.options();
  const int target = static_cast<int>(between(go.min_insns, go.max_insns));
  const bool want_fault = chance(go.fault_fraction);
  int failures = 0;
  while (count_ < target && failures < 20) {
    if (!group()) ++failures;
  }
  if (!land_all()) throw std::logic_error("random_gen: could not land the pending branches");
  if (want_fault) {
    for (int attempt = 0; attempt < 32; ++attempt) {
      const Snapshot s = save();
      if (emit_fault(*this)) break;
      restore(s);
      expected_vector = -1;
      fault_kind.clear();
    }
  }
  for (size_t l = 0; l < labels_.size(); ++l)
    if (labels_[l] < 0) {
      for (const Ref& r : refs_)
        if (r.label == static_cast<int>(l)) throw std::logic_error("random_gen: unbound label");
    }
  Stream st;
  st.seed = seed_;
  st.index = index_;
  st.program.code = code_;
  st.program.data = data_;
  st.program.init = init_;
  st.marks = marks_;
  st.knowledge = records_;
  st.expected_vector = expected_vector;
  st.fault_kind = fault_kind;
  return st;
}

}  // namespace rgen

// --- Public API ---------------------------------------------------------------------------

const char* feature_name(int bit) {
  static const char* const kNames[kNumFeatures] = {
      "lock",          "rep",          "repe",        "repne",       "addr32 (67h)", "fs:",
      "gs:",           "rip-relative", "absolute",    "index only",  "base+index",   "base only",
      "disp8",         "disp32",       "scale 1",     "scale 2",     "scale 4",      "scale 8",
      "operand 8",     "operand 16",   "operand 32",  "operand 64",  "ah/bh/ch/dh",  "spl..r15b",
      "66h",           "redundant prefix", "imm8",    "imm16",       "imm32",        "imm64",
      "memory",        "backward branch"};
  return kNames[bit];
}

const InsnMark* Stream::mark_at(uint64_t rip) const {
  const uint64_t off = rip - kCodeBase;
  auto it = std::lower_bound(marks.begin(), marks.end(), off,
                             [](const InsnMark& m, uint64_t o) { return m.offset < o; });
  if (it == marks.end() || it->offset != off) return nullptr;
  return &*it;
}

std::string Stream::listing(uint64_t rip, int context) const {
  std::string out;
  const auto& code = program.code;
  size_t at = 0;
  if (rip) {
    const uint64_t off = rip - kCodeBase;
    while (at < marks.size() && marks[at].offset < off) ++at;
  }
  const size_t from = rip ? (at > static_cast<size_t>(context) ? at - context : 0) : 0;
  const size_t to = rip ? std::min(marks.size(), at + context + 1) : marks.size();
  ZydisDecoder dec;
  ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisFormatter fmt;
  ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
  for (size_t k = from; k < to; ++k) {
    const InsnMark& m = marks[k];
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    char text[256] = "(bad)";
    const size_t avail = code.size() - m.offset;
    size_t len = 1;
    if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code.data() + m.offset, avail, &zi, ops))) {
      ZydisFormatterFormatInstruction(&fmt, &zi, ops, zi.operand_count_visible, text, sizeof text,
                                      kCodeBase + m.offset, nullptr);
      len = zi.length;
    }
    char line[512], hex[64] = "";
    for (size_t i = 0; i < len && i < 15; ++i) std::snprintf(hex + 3 * i, 4, "%02x ", code[m.offset + i]);
    std::snprintf(line, sizeof line, "%s %06llx: %-45s %s%s\n",
                  rip && kCodeBase + m.offset == rip ? "=>" : "  ",
                  static_cast<unsigned long long>(kCodeBase + m.offset), hex, text, m.fixup ? "   (fixup)" : "");
    out += line;
  }
  return out;
}

namespace {

// Whether vmsim implements the instruction 'bytes' encodes (movsd and cmpsd
// name both a string and an SSE instruction; one binder may serve only one).
bool vmsim_implements(std::initializer_list<uint8_t> bytes) {
  static const cpu::Decoder dec;
  uint8_t buf[16] = {};
  std::copy(bytes.begin(), bytes.end(), buf);
  cpu::Insn d;
  dec.decode(buf, sizeof buf, cpu::CpuMode::Long64, d);
  return d.fn != nullptr && d.fn != cpu::op_unimplemented && d.fn != cpu::op_invalid;
}

bool implemented(ZydisMnemonic m, bool sse) {
  if (m == ZYDIS_MNEMONIC_MOVSD) return sse ? vmsim_implements({0xF2, 0x0F, 0x10, 0xC1}) : vmsim_implements({0xA5});
  if (m == ZYDIS_MNEMONIC_CMPSD) return !sse && vmsim_implements({0xA7});
  return cpu::binder_for(m) != nullptr;
}

}  // namespace

const std::vector<ListedMnemonic>& listed_mnemonics() {
  static const std::vector<ListedMnemonic> v = [] {
    std::vector<ListedMnemonic> out;
    for (const rgen::Entry& e : rgen::all_entries()) {
      const bool sse = (e.flags & rgen::kSse) != 0;
      bool dup = false;
      for (const ListedMnemonic& l : out) dup = dup || (l.mnemonic == e.m && l.sse == sse);
      if (dup) continue;
      static std::vector<std::string> names;  // stable storage for the SSE names
      const char* name = ZydisMnemonicGetString(e.m);
      if (sse) {
        names.reserve(8);
        names.push_back(std::string(name) + " (sse)");
        name = names.back().c_str();
      }
      out.push_back(ListedMnemonic{e.m, sse, name});
    }
    return out;
  }();
  return v;
}

RandomGenerator::RandomGenerator(GenOptions o) : opt_(o), enabled_(ZYDIS_MNEMONIC_MAX_VALUE + 1, 0) {
  auto enable = [&](ZydisMnemonic m, bool sse) {
    if (implemented(m, sse) || !opt_.only_implemented) enabled_[m] |= sse ? 2 : 1;
  };
  for (const rgen::Entry& e : rgen::all_entries()) enable(e.m, (e.flags & rgen::kSse) != 0);
  enable(ZYDIS_MNEMONIC_UD2, false);  // deliberate stream terminators
  enable(ZYDIS_MNEMONIC_INT3, false);
  for (const ListedMnemonic& l : listed_mnemonics())
    if (!enabled(l.mnemonic, l.sse)) skipped_.push_back(l.name);
}

bool RandomGenerator::enabled(ZydisMnemonic m, bool sse) const {
  return static_cast<size_t>(m) < enabled_.size() && (enabled_[m] & (sse ? 2 : 1));
}

Stream RandomGenerator::generate(uint64_t seed, uint64_t index) const {
  rgen::Gen g(*this, seed, index);
  return g.run();
}

}  // namespace vmsim::difftest
