// String instructions (SDM Vol. 2B: MOVS, STOS, LODS, CMPS, SCAS, and
// REP/REPE/REPZ/REPNE/REPNZ).
//
// Undefined flags: none. cmps and scas set CF OF SF ZF AF PF as CMP does
// (source operand minus destination operand); movs, stos and lods leave
// RFLAGS alone.
//
// Registers. The address size selects RSI/ESI/SI, RDI/EDI/DI and RCX/ECX/CX.
// Every update is a register write at that size, so with a 32-bit address
// size (addr32 in 64-bit mode) it zero-extends into bits 63:32, like any
// 32-bit register write (SDM Vol. 1, 3.4.1.1), and a 16-bit one merges.
// Unicorn (QEMU) does the same. A register is written only when an
// iteration completed: REP with a zero count changes nothing at all.
//
// Segments. The source is DS:rSI unless a segment prefix overrides it (in
// 64-bit mode only FS and GS have a base); the destination is always ES:rDI
// and cannot be overridden (SDM Vol. 2B, MOVS), and ES has base 0 in 64-bit
// mode (SDM Vol. 1, 3.4.2.1).
//
// REP. Each iteration reads (the source first), writes, then advances rSI and
// rDI by the element size (backwards when DF=1) and decrements rCX; cmps and
// scas then stop early on ZF (REPE: while equal, REPNE: while not equal).
// A fault stops the loop with rSI, rDI and rCX describing the remaining work
// and RIP on the instruction (the run loop puts it back), so the instruction
// resumes where it stopped, as on hardware (SDM Vol. 2B, REP: an exception
// or interrupt may suspend a repeated string operation, and the registers
// then let it resume). A REP instruction retires as one instruction however
// many iterations it runs.
// F2 (REPNE) on movs, stos and lods repeats like F3, as on hardware and QEMU.
//
// Fast path. rep movs and rep stos with DF=0 (guest memcpy and memset) move
// runs of whole elements that lie within one page on both sides as
// power-of-two blocks, one TLB lookup per block. move_run and
// block_copy_exact explain why the result equals the per-element loop,
// which stays the reference.
#include "cpu/insn_string.h"

#include <algorithm>
#include <array>
#include <bit>
#include <utility>

#include "cpu/exec.h"
#include "cpu/insn_sse.h"  // movsd and cmpsd share mnemonics with SSE2

namespace vmsim::cpu {

namespace {

// --- Blocks through the CPU's memory API -------------------------------------
// A power-of-two block of bytes within one page moves with one load or store
// of a block-sized type: one TLB lookup and one fault check for the block.
template <size_t N> struct Block {
  uint8_t b[N];
};

template <size_t N> void read_pow2(Cpu& c, uint64_t la, uint8_t* out) {
  const Block<N> v = c.load<Block<N>>(la);
  std::memcpy(out, v.b, N);
}
template <size_t N> void write_pow2(Cpu& c, uint64_t la, const uint8_t* in) {
  Block<N> v;
  std::memcpy(v.b, in, N);
  c.store<Block<N>>(la, v);
}

using BlockRead = void (*)(Cpu&, uint64_t, uint8_t*);
using BlockWrite = void (*)(Cpu&, uint64_t, const uint8_t*);
template <size_t... L> constexpr auto read_table(std::index_sequence<L...>) {
  return std::array<BlockRead, sizeof...(L)>{read_pow2<size_t{1} << L>...};
}
template <size_t... L> constexpr auto write_table(std::index_sequence<L...>) {
  return std::array<BlockWrite, sizeof...(L)>{write_pow2<size_t{1} << L>...};
}
constexpr auto kRead = read_table(std::make_index_sequence<kPageShift + 1>{});
constexpr auto kWrite = write_table(std::make_index_sequence<kPageShift + 1>{});

// 'm' is a power of two, and [la, la + m) lies within one page.
void read_block(Cpu& c, uint64_t la, uint8_t* out, uint64_t m) {
  kRead[std::countr_zero(m)](c, la, out);
}
void write_block(Cpu& c, uint64_t la, const uint8_t* in, uint64_t m) {
  kWrite[std::countr_zero(m)](c, la, in);
}
// Any length within one page.
void read_bytes(Cpu& c, uint64_t la, uint8_t* out, uint64_t len) {
  while (len) {
    const uint64_t m = std::bit_floor(len);
    read_block(c, la, out, m);
    la += m;
    out += m;
    len -= m;
  }
}

inline uint64_t page_room(uint64_t la) { return kPageSize - (la & kPageMask); }

// Bytes before the A-byte register value 'r' wraps around (64-bit: never
// within a page, since a page never crosses 2^64).
template <int A> inline uint64_t wrap_room(U<A> r) {
  if constexpr (A == 8) return ~uint64_t{0};
  else return (uint64_t{1} << (8 * A)) - r;
}

// The movs block copy (read the whole source block, then write the whole
// destination block) equals the per-element loop unless the destination
// overlaps the source from above: host(dst) = host(src) + gap, 0 < gap < m.
// Both blocks lie within one 4 KiB page each, and pages map whole 4 KiB
// frames, so that needs both pages to be the same frame: the same linear
// page, or two aliases of one frame that linear addresses cannot reveal.
// Were they the same frame, dst[j] and src[j + gap] would be the same byte:
//  - if one differs, the frames differ and the block copy is exact;
//  - if the source block is gap-periodic (src[j] == src[j + gap]), each
//    per-element write stores what the byte already holds, the source never
//    changes under the per-element loop, and the block copy is exact too;
//  - otherwise the caller runs the per-element loop (the replicating
//    pattern of an overlapping forward copy).
// The destination is checked for writing first, as the first element's
// store would, so a fault carries the write error code.
bool block_copy_exact(Cpu& c, uint64_t dst, const uint8_t* src, uint64_t m, uint64_t gap) {
  c.rmw<uint8_t>(dst, [](uint8_t v) { return v; });
  if (c.load<uint8_t>(dst) != src[gap]) return true;  // the usual way out: one byte
  alignas(16) uint8_t old[kPageSize];
  read_bytes(c, dst, old, m - gap);
  if (std::memcmp(old, src + gap, m - gap) != 0) return true;
  return std::memcmp(src, src + gap, m - gap) == 0;
}

// --- The string registers during a REP -------------------------------------
// Kept in locals while the loop runs and written back when it ends or a
// fault unwinds it. Only the registers the instruction uses are written.
template <int A, bool kSi, bool kDi> struct Cursor {
  Cpu& c;
  U<A> si, di, cx;
  const U<A> cx0;
  explicit Cursor(Cpu& cpu)
      : c(cpu), si(get<A>(cpu, off_of(RSI))), di(get<A>(cpu, off_of(RDI))),
        cx(get<A>(cpu, off_of(RCX))), cx0(cx) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cx == cx0) return;  // no iteration completed
    if constexpr (kSi) set<A>(c, off_of(RSI), si);
    if constexpr (kDi) set<A>(c, off_of(RDI), di);
    set<A>(c, off_of(RCX), cx);
  }
  uint64_t src(const Insn& d) const { return c.s.seg_base[d.seg] + si; }
  uint64_t dst() const { return c.s.seg_base[ES] + di; }
};

template <int S, int A> struct Str {
  using V = U<S>;
  static U<A> step(const Cpu& c) { return (c.s.rflags & fl::DF) ? static_cast<U<A>>(-S) : U<A>(S); }
  static uint64_t src_la(const Cpu& c, const Insn& d) {
    return c.s.seg_base[d.seg] + get<A>(c, off_of(RSI));
  }
  static uint64_t dst_la(const Cpu& c) { return c.s.seg_base[ES] + get<A>(c, off_of(RDI)); }
  static void advance(Cpu& c, Reg r, U<A> by) {
    set<A>(c, off_of(r), static_cast<U<A>>(get<A>(c, off_of(r)) + by));
  }
  static V acc(const Cpu& c) { return get<S>(c, off_of(RAX)); }

  // --- Single iterations ---
  static void movs(Cpu& c, const Insn& d) {
    const V v = load<S>(c, src_la(c, d));
    store<S>(c, dst_la(c), v);
    const U<A> st = step(c);
    advance(c, RSI, st);
    advance(c, RDI, st);
  }
  static void stos(Cpu& c, const Insn&) {
    store<S>(c, dst_la(c), acc(c));
    advance(c, RDI, step(c));
  }
  static void lods(Cpu& c, const Insn& d) {
    set<S>(c, off_of(RAX), load<S>(c, src_la(c, d)));
    advance(c, RSI, step(c));
  }
  static void cmps(Cpu& c, const Insn& d) {
    const V a = load<S>(c, src_la(c, d));
    const V b = load<S>(c, dst_la(c));
    sub_flags<S>(c, a, b, 0);
    const U<A> st = step(c);
    advance(c, RSI, st);
    advance(c, RDI, st);
  }
  static void scas(Cpu& c, const Insn&) {
    const V b = load<S>(c, dst_la(c));
    sub_flags<S>(c, acc(c), b, 0);
    advance(c, RDI, step(c));
  }

  // --- REP loops (per element: the reference) ---
  using Both = Cursor<A, true, true>;
  using DiOnly = Cursor<A, false, true>;
  using SiOnly = Cursor<A, true, false>;

  static void movs_one(Cpu& c, const Insn& d, Both& k, U<A> st) {
    const V v = load<S>(c, k.src(d));
    store<S>(c, k.dst(), v);
    k.si += st;
    k.di += st;
    --k.cx;
  }
  static void stos_one(Cpu& c, DiOnly& k, V v, U<A> st) {
    store<S>(c, k.dst(), v);
    k.di += st;
    --k.cx;
  }

  static void rep_movs(Cpu& c, const Insn& d) {
    Both k(c);
    if (!(c.s.rflags & fl::DF)) return movs_forward(c, d, k);
    const U<A> st = step(c);
    while (k.cx) movs_one(c, d, k, st);
  }
  static void rep_stos(Cpu& c, const Insn&) {
    DiOnly k(c);
    if (!(c.s.rflags & fl::DF)) return stos_forward(c, k);
    const U<A> st = step(c);
    const V v = acc(c);
    while (k.cx) stos_one(c, k, v, st);
  }
  static void rep_lods(Cpu& c, const Insn& d) {
    SiOnly k(c);
    const U<A> st = step(c);
    while (k.cx) {
      set<S>(c, off_of(RAX), load<S>(c, k.src(d)));
      k.si += st;
      --k.cx;
    }
  }
  // REPE (kWhileEqual) repeats while ZF=1, REPNE while ZF=0.
  template <bool kWhileEqual> static void rep_cmps(Cpu& c, const Insn& d) {
    Both k(c);
    const U<A> st = step(c);
    while (k.cx) {
      const V a = load<S>(c, k.src(d));
      const V b = load<S>(c, k.dst());
      sub_flags<S>(c, a, b, 0);
      k.si += st;
      k.di += st;
      --k.cx;
      if ((a == b) != kWhileEqual) break;
    }
  }
  template <bool kWhileEqual> static void rep_scas(Cpu& c, const Insn&) {
    DiOnly k(c);
    const U<A> st = step(c);
    const V a = acc(c);
    while (k.cx) {
      const V b = load<S>(c, k.dst());
      sub_flags<S>(c, a, b, 0);
      k.di += st;
      --k.cx;
      if ((a == b) != kWhileEqual) break;
    }
  }

  // --- Fast paths (DF=0) ---
  // Elements from the cursor that lie within one page and before an
  // address-size wrap on both sides; 0 when the next element straddles.
  static uint64_t run_elements(uint64_t bytes, U<A> cx) {
    return std::min<uint64_t>(cx, bytes / S);
  }

  static void movs_forward(Cpu& c, const Insn& d, Both& k) {
    while (k.cx) {
      const uint64_t src = k.src(d), dst = k.dst();
      const uint64_t n = run_elements(
          std::min({page_room(src), page_room(dst), wrap_room<A>(k.si), wrap_room<A>(k.di)}), k.cx);
      if (n == 0) {
        movs_one(c, d, k, S);
        continue;
      }
      move_run(c, d, k, n * S);
    }
  }

  // Moves 'bytes' (whole elements, within one page on each side) as blocks
  // of decreasing power-of-two sizes, each a whole number of elements since
  // S is a power of two dividing 'bytes'. The cursor advances per block, so
  // a fault leaves it exact. The source block is read before the
  // destination is touched, so a fault on both is the source's, as with the
  // per-element loop. Within the run the gap between the two page offsets
  // is constant: block_copy_exact decides each block.
  static void move_run(Cpu& c, const Insn& d, Both& k, uint64_t bytes) {
    const uint64_t gap = (k.dst() - k.src(d)) & kPageMask;  // dst offset - src offset, mod page
    const bool above = (k.dst() & kPageMask) > (k.src(d) & kPageMask);
    alignas(16) uint8_t buf[kPageSize];
    while (bytes) {
      const uint64_t m = std::bit_floor(bytes);
      const uint64_t dst = k.dst();
      read_block(c, k.src(d), buf, m);
      if (above && gap < m && !block_copy_exact(c, dst, buf, m, gap)) {
        for (uint64_t i = 0; i < m / S; ++i) movs_one(c, d, k, S);
      } else {
        write_block(c, dst, buf, m);
        k.si += static_cast<U<A>>(m);
        k.di += static_cast<U<A>>(m);
        k.cx -= static_cast<U<A>>(m / S);
      }
      bytes -= m;
    }
  }

  static void stos_forward(Cpu& c, DiOnly& k) {
    const V v = acc(c);
    alignas(16) uint8_t pattern[kPageSize];
    const uint64_t fill = k.cx >= kPageSize / S ? kPageSize : uint64_t{k.cx} * S;
    if constexpr (S == 1) {
      std::memset(pattern, v, fill);
    } else {
      for (uint64_t i = 0; i < fill; i += S) std::memcpy(pattern + i, &v, S);
    }
    while (k.cx) {
      const uint64_t n = run_elements(std::min(page_room(k.dst()), wrap_room<A>(k.di)), k.cx);
      if (n == 0) {
        stos_one(c, k, v, S);
        continue;
      }
      for (uint64_t bytes = n * S; bytes;) {
        const uint64_t m = std::bit_floor(bytes);
        write_block(c, k.dst(), pattern, m);
        k.di += static_cast<U<A>>(m);
        k.cx -= static_cast<U<A>>(m / S);
        bytes -= m;
      }
    }
  }
};

enum class Kind : uint8_t {
  Movs, RepMovs, Stos, RepStos, Lods, RepLods,
  Cmps, RepeCmps, RepneCmps, Scas, RepeScas, RepneScas,
};

template <int S, int A> Handler handler(Kind k) {
  using H = Str<S, A>;
  switch (k) {
    case Kind::Movs: return H::movs;
    case Kind::RepMovs: return H::rep_movs;
    case Kind::Stos: return H::stos;
    case Kind::RepStos: return H::rep_stos;
    case Kind::Lods: return H::lods;
    case Kind::RepLods: return H::rep_lods;
    case Kind::Cmps: return H::cmps;
    case Kind::RepeCmps: return H::template rep_cmps<true>;
    case Kind::RepneCmps: return H::template rep_cmps<false>;
    case Kind::Scas: return H::scas;
    case Kind::RepeScas: return H::template rep_scas<true>;
    case Kind::RepneScas: return H::template rep_scas<false>;
  }
  return nullptr;
}

template <int S> Handler handler_at(int address_bytes, Kind k) {
  switch (address_bytes) {
    case 2: return handler<S, 2>(k);
    case 4: return handler<S, 4>(k);
    case 8: return handler<S, 8>(k);
    default: return nullptr;
  }
}

uint8_t seg_index(ZydisRegister r) {
  switch (r) {
    case ZYDIS_REGISTER_ES: return ES;
    case ZYDIS_REGISTER_CS: return CS;
    case ZYDIS_REGISTER_SS: return SS;
    case ZYDIS_REGISTER_FS: return FS;
    case ZYDIS_REGISTER_GS: return GS;
    default: return DS;
  }
}

bool is_source_base(ZydisRegister r) {
  return r == ZYDIS_REGISTER_RSI || r == ZYDIS_REGISTER_ESI || r == ZYDIS_REGISTER_SI;
}

// once: without a repeat prefix; rep: F3 (REP/REPE); repne: F2.
bool bind_string(const DecodeCtx& z, Insn& d, Kind once, Kind rep, Kind repne) {
  if (z.zi.meta.category != ZYDIS_CATEGORY_STRINGOP) return false;
  // The source segment (DS or the override) comes with the rSI-based operand.
  d.seg = DS;
  for (int i = 0; i < z.zi.operand_count; ++i)
    if (z.op[i].type == ZYDIS_OPERAND_TYPE_MEMORY && is_source_base(z.op[i].mem.base))
      d.seg = seg_index(z.op[i].mem.segment);
  const Kind k = (d.flags & insn_flag::kRepne) ? repne : (d.flags & insn_flag::kRep) ? rep : once;
  const int a = z.zi.address_width / 8;
  switch (z.zi.operand_width / 8) {
    case 1: d.fn = handler_at<1>(a, k); break;
    case 2: d.fn = handler_at<2>(a, k); break;
    case 4: d.fn = handler_at<4>(a, k); break;
    case 8: d.fn = handler_at<8>(a, k); break;
    default: return false;
  }
  return d.fn != nullptr;
}

}  // namespace

bool bind_movs(const DecodeCtx& z, Insn& d) {
  return bind_string(z, d, Kind::Movs, Kind::RepMovs, Kind::RepMovs);
}
bool bind_stos(const DecodeCtx& z, Insn& d) {
  return bind_string(z, d, Kind::Stos, Kind::RepStos, Kind::RepStos);
}
bool bind_lods(const DecodeCtx& z, Insn& d) {
  return bind_string(z, d, Kind::Lods, Kind::RepLods, Kind::RepLods);
}
bool bind_cmps(const DecodeCtx& z, Insn& d) {
  return bind_string(z, d, Kind::Cmps, Kind::RepeCmps, Kind::RepneCmps);
}
bool bind_scas(const DecodeCtx& z, Insn& d) {
  return bind_string(z, d, Kind::Scas, Kind::RepeScas, Kind::RepneScas);
}

// Zydis names the string form (A5) and the SSE2 scalar move (F2 0F 10/11)
// both MOVSD, and the string compare (A7) and SSE2 CMPSD (F2 0F C2) both
// CMPSD; the category tells them apart.
bool bind_movsd(const DecodeCtx& z, Insn& d) {
  if (z.zi.meta.category != ZYDIS_CATEGORY_STRINGOP) return bind_sse_movsd(z, d);
  return bind_movs(z, d);
}
bool bind_cmpsd(const DecodeCtx& z, Insn& d) {
  if (z.zi.meta.category != ZYDIS_CATEGORY_STRINGOP) return bind_sse_cmpsd(z, d);
  return bind_cmps(z, d);
}

}  // namespace vmsim::cpu
