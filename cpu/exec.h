// The toolkit of instruction handlers: sized register access, effective
// addresses, flag computation, the stack, branches. Every instruction-group
// file (insn_*.cpp) includes this and nothing of the decoder but its binder
// context.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cpu/cpu.h"
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {

// --- Sizes -----------------------------------------------------------------
template <int S> struct SizeT;
template <> struct SizeT<1> { using u = uint8_t; using s = int8_t; };
template <> struct SizeT<2> { using u = uint16_t; using s = int16_t; };
template <> struct SizeT<4> { using u = uint32_t; using s = int32_t; };
template <> struct SizeT<8> { using u = uint64_t; using s = int64_t; };
template <int S> using U = typename SizeT<S>::u;
template <int S> using I = typename SizeT<S>::s;
template <int S> inline constexpr int kBits = S * 8;
template <int S> inline constexpr U<S> kSignBit = U<S>(U<S>(1) << (S * 8 - 1));

// --- Registers (operands are byte offsets into CpuState::r) ------------------
// The byte offset is used as is (never turned back into an index): one host
// load or store, with no shift and mask.
template <int S> inline U<S> get(const Cpu& c, uint8_t off) {
  U<S> v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(c.s.r) + off, S);
  return v;
}
// Writes of 32 bits zero-extend to 64 (SDM Vol. 1, 3.4.1.1); 8 and 16 merge.
template <int S> inline void set(Cpu& c, uint8_t off, U<S> v) {
  if constexpr (S == 4) {
    const uint64_t w = v;
    std::memcpy(reinterpret_cast<uint8_t*>(c.s.r) + off, &w, 8);
  } else {
    std::memcpy(reinterpret_cast<uint8_t*>(c.s.r) + off, &v, S);
  }
}
inline uint64_t& reg64(Cpu& c, Reg r) { return c.s.r[r]; }
inline constexpr uint8_t off_of(Reg r) { return static_cast<uint8_t>(r * 8); }

// --- Memory operands --------------------------------------------------------
// Linear address of the instruction's memory operand. RIP already points at
// the next instruction while a handler runs, as RIP-relative addressing needs.
inline uint64_t ea(const Cpu& c, const Insn& d) {
  uint64_t a = static_cast<uint64_t>(d.disp) + c.s.r[d.base] + (c.s.r[d.index] << d.scale);
  a = (a << d.ashift) >> d.ashift;
  return a + c.s.seg_base[d.seg];
}
template <int S> inline U<S> load(Cpu& c, uint64_t la) { return c.load<U<S>>(la); }
template <int S> inline void store(Cpu& c, uint64_t la, U<S> v) { c.store<U<S>>(la, v); }

// --- Flags ------------------------------------------------------------------
// Two implementations compute the same bits. The portable one derives each
// flag from the operands and the result. On an x86-64 host the host ALU does
// the operation itself and its flags are the guest's (the same instruction
// with the same operands): LAHF copies SF ZF AF PF CF (RFLAGS bits 7 6 4 2 0)
// into AH and SETO gives OF, a handful of host instructions instead of about
// thirty. tests/unit/flags_test.cpp checks that both agree.
// 'carry' and 'borrow' are 0 or 1.
namespace portable_flags {
inline uint64_t pf_of(uint64_t r) { return __builtin_parity(static_cast<uint8_t>(r)) ? 0 : fl::PF; }
template <int S> inline uint64_t szp(U<S> r) {
  return (r == 0 ? fl::ZF : 0) | ((r & kSignBit<S>) ? fl::SF : 0) | pf_of(r);
}
// r = a + b + carry; returns r and puts CF OF SF ZF AF PF in 'f'.
template <int S> inline U<S> add(U<S> a, U<S> b, unsigned carry, uint64_t& f) {
  const U<S> r = static_cast<U<S>>(a + b + carry);
  const bool cfo = carry ? (r <= a) : (r < a);
  const bool of = ((a ^ r) & (b ^ r)) & kSignBit<S>;
  f = (cfo ? fl::CF : 0) | (of ? fl::OF : 0) | ((a ^ b ^ r) & fl::AF) | szp<S>(r);
  return r;
}
// r = a - b - borrow, flags as SUB/SBB set them.
template <int S> inline U<S> sub(U<S> a, U<S> b, unsigned borrow, uint64_t& f) {
  const U<S> r = static_cast<U<S>>(a - b - borrow);
  const bool cfo = borrow ? (a <= b) : (a < b);
  const bool of = ((a ^ b) & (a ^ r)) & kSignBit<S>;
  f = (cfo ? fl::CF : 0) | (of ? fl::OF : 0) | ((a ^ b ^ r) & fl::AF) | szp<S>(r);
  return r;
}
}  // namespace portable_flags

#if defined(__x86_64__) && !defined(VMSIM_PORTABLE_FLAGS)
#define VMSIM_HOST_FLAGS 1
namespace host_flags {
inline constexpr uint64_t kLahfArith = fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF;
template <int S> inline uint64_t szp(U<S> r) {
  uint32_t ax;
  asm("test %[r], %[r]\n\tlahf" : "=a"(ax) : [r] "r"(r) : "cc");
  return (ax >> 8) & (fl::SF | fl::ZF | fl::PF);
}
template <int S> inline U<S> add(U<S> a, U<S> b, unsigned carry, uint64_t& f) {
  uint32_t ax;
  uint8_t of;
  asm("btl $0, %k[cy]\n\tadc %[b], %[r]\n\tlahf\n\tseto %[of]"
      : [r] "+r"(a), "=a"(ax), [of] "=r"(of)
      : [b] "r"(b), [cy] "r"(carry)
      : "cc");
  f = ((ax >> 8) & kLahfArith) | (uint64_t{of} << 11);
  return a;
}
template <int S> inline U<S> sub(U<S> a, U<S> b, unsigned borrow, uint64_t& f) {
  uint32_t ax;
  uint8_t of;
  asm("btl $0, %k[cy]\n\tsbb %[b], %[r]\n\tlahf\n\tseto %[of]"
      : [r] "+r"(a), "=a"(ax), [of] "=r"(of)
      : [b] "r"(b), [cy] "r"(borrow)
      : "cc");
  f = ((ax >> 8) & kLahfArith) | (uint64_t{of} << 11);
  return a;
}
}  // namespace host_flags
namespace flag_impl = host_flags;
#else
namespace flag_impl = portable_flags;
#endif

inline uint64_t pf_of(uint64_t r) { return portable_flags::pf_of(r); }
template <int S> inline uint64_t szp(U<S> r) { return flag_impl::szp<S>(r); }
// Replace the bits in 'mask' of RFLAGS with those of 'f'.
inline void set_flags(Cpu& c, uint64_t mask, uint64_t f) { c.s.rflags = (c.s.rflags & ~mask) | f; }
inline bool cf(const Cpu& c) { return c.s.rflags & fl::CF; }

// a + b + carry, with CF OF SF ZF AF PF as ADD/ADC set them.
template <int S> inline U<S> add_flags(Cpu& c, U<S> a, U<S> b, unsigned carry) {
  uint64_t f;
  const U<S> r = flag_impl::add<S>(a, b, carry, f);
  set_flags(c, fl::kArith, f);
  return r;
}
// a - b - borrow, with flags as SUB/SBB/CMP/NEG set them.
template <int S> inline U<S> sub_flags(Cpu& c, U<S> a, U<S> b, unsigned borrow) {
  uint64_t f;
  const U<S> r = flag_impl::sub<S>(a, b, borrow, f);
  set_flags(c, fl::kArith, f);
  return r;
}
// AND/OR/XOR/TEST: CF = OF = 0, SF ZF PF from the result. AF is undefined
// (SDM); vmsim clears it, as QEMU and Unicorn do.
template <int S> inline U<S> logic_flags(Cpu& c, U<S> r) {
  set_flags(c, fl::kArith, szp<S>(r));
  return r;
}

// Condition codes in encoding order (SDM Vol. 1, Appendix B).
inline bool cond(uint64_t f, unsigned cc) {
  bool r;
  switch (cc >> 1) {
    case 0: r = f & fl::OF; break;                                     // O
    case 1: r = f & fl::CF; break;                                     // B
    case 2: r = f & fl::ZF; break;                                     // E
    case 3: r = f & (fl::CF | fl::ZF); break;                          // BE
    case 4: r = f & fl::SF; break;                                     // S
    case 5: r = f & fl::PF; break;                                     // P
    case 6: r = !(f & fl::SF) != !(f & fl::OF); break;                 // L
    default: r = (f & fl::ZF) || (!(f & fl::SF) != !(f & fl::OF)); break;  // LE
  }
  return r != (cc & 1);
}

// --- Stack ------------------------------------------------------------------
// Stack width is 8 in 64-bit mode (operand size 2 with 66h). In 32-bit modes
// the stack pointer is ESP (a flat SS is assumed; see docs/ARCHITECTURE.md).
template <int S> inline void push(Cpu& c, U<S> v) {
  const uint64_t rsp = c.s.r[RSP] - S;
  if (c.s.mode == CpuMode::Long64) {
    c.store<U<S>>(rsp + c.s.seg_base[SS], v);
    c.s.r[RSP] = rsp;
  } else {
    c.store<U<S>>(static_cast<uint32_t>(rsp) + c.s.seg_base[SS], v);
    c.s.r[RSP] = static_cast<uint32_t>(rsp) | (c.s.r[RSP] & ~0xFFFFFFFFull);
  }
}
template <int S> inline U<S> peek(Cpu& c, uint64_t offset = 0) {
  uint64_t a = c.s.r[RSP] + offset;
  if (c.s.mode != CpuMode::Long64) a = static_cast<uint32_t>(a);
  return c.load<U<S>>(a + c.s.seg_base[SS]);
}
inline void adjust_sp(Cpu& c, int64_t delta) {
  if (c.s.mode == CpuMode::Long64) {
    c.s.r[RSP] += delta;
  } else {
    c.s.r[RSP] = static_cast<uint32_t>(c.s.r[RSP] + delta) | (c.s.r[RSP] & ~0xFFFFFFFFull);
  }
}
template <int S> inline U<S> pop(Cpu& c) {
  const U<S> v = peek<S>(c);
  adjust_sp(c, S);
  return v;
}
// Stack operand size: 8 by default in 64-bit mode, 2 with the 66h prefix.
inline int stack_size(const DecodeCtx& z, const Insn& d) {
  if (z.mode == CpuMode::Long64) return d.osize == 2 ? 2 : 8;
  return d.osize == 2 ? 2 : 4;
}

// --- Branches ---------------------------------------------------------------
// A branch to a non-canonical address faults on the branch itself
// (SDM Vol. 1, 3.3.7.1), leaving RIP at the branch.
inline void jump_to(Cpu& c, uint64_t target) {
  if (c.s.mode == CpuMode::Long64) {
    if (static_cast<uint64_t>((static_cast<int64_t>(target) << 16) >> 16) != target) raise(kGP, 0);
  } else {
    target = static_cast<uint32_t>(target);
  }
  c.s.r[kRip] = target;
}

}  // namespace vmsim::cpu
