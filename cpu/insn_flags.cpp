// RFLAGS instructions (SDM Vol. 2A: CLC, CLD, CMC, LAHF; Vol. 2B: POPF,
// PUSHF, SAHF, STC, STD). cli and sti are in the system group.
//
// Undefined flags: none. Every flag these instructions touch is defined.
//
// RFLAGS as software sees it: bit 1 always reads 1; bits 3, 5, 15 and 22..63
// are reserved and read 0 (SDM Vol. 1, 3.4.3). POPF never sets them.
//
// Not modelled: TF set by popf does not single-step (#DB), and AC set by
// popf does not enable alignment checking.
#include "cpu/insn_flags.h"

#include "cpu/exec.h"
#include "cpu/system.h"

namespace vmsim::cpu {

namespace {

constexpr uint64_t kReadAsZero = (1u << 3) | (1u << 5) | (1u << 15) | ~uint64_t{0x3FFFFF};

// The RFLAGS bits POPF may change (SDM Vol. 2B, POPF/POPFD/POPFQ, Operation,
// protected and 64-bit mode), applied by merge_rflags (cpu/segments.cpp):
//  - at every CPL: CF PF AF ZF SF TF DF OF NT AC ID;
//  - IF only when CPL <= IOPL, IOPL only at CPL 0 (otherwise unchanged,
//    without a fault);
//  - VM, VIF, VIP and the reserved bits never; RF is cleared by the 32- and
//    64-bit forms.

// The flags LAHF and SAHF move between AH and RFLAGS (bits 7, 6, 4, 2, 0).
constexpr uint64_t kAhFlags = fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF;
constexpr uint8_t kAh = 1;  // byte offset of AH in CpuState::r

void clc(Cpu& c, const Insn&) { c.s.rflags &= ~fl::CF; }
void stc(Cpu& c, const Insn&) { c.s.rflags |= fl::CF; }
void cmc(Cpu& c, const Insn&) { c.s.rflags ^= fl::CF; }
void cld(Cpu& c, const Insn&) { c.s.rflags &= ~fl::DF; }
void std_(Cpu& c, const Insn&) { c.s.rflags |= fl::DF; }

// lahf: AH = SF:ZF:0:AF:0:PF:1:CF. Valid in 64-bit mode because CPUID
// advertises LAHF-SAHF (leaf 80000001h, ECX bit 0).
void lahf(Cpu& c, const Insn&) {
  set<1>(c, kAh, static_cast<uint8_t>((c.s.rflags & kAhFlags) | fl::Reserved1));
}
// sahf: SF ZF AF PF CF from AH; AH bits 1, 3 and 5 are ignored.
void sahf(Cpu& c, const Insn&) { set_flags(c, kAhFlags, get<1>(c, kAh) & kAhFlags); }

// pushf stores RFLAGS with VM and RF cleared (SDM Vol. 2B, PUSHF: "the VM and
// RF flags (bits 16 and 17) are not copied; instead, the values for these
// flags are cleared in the RFLAGS image"); the 16-bit form stores bits 15:0.
template <int S> struct Pushf {
  static void fn(Cpu& c, const Insn&) {
    const uint64_t image = (c.s.rflags & ~(fl::RF | fl::VM | kReadAsZero)) | fl::Reserved1;
    push<S>(c, static_cast<U<S>>(image));
  }
};

// popf: the 16-bit form changes bits 15:0 only. Setting IF may make a
// pending interrupt deliverable after this instruction.
template <int S> struct Popf {
  static void fn(Cpu& c, const Insn&) {
    const uint64_t v = pop<S>(c);
    const uint64_t f = merge_rflags(c, v, S == 2 ? 0xFFFF : ~uint64_t{0}, false);
    if (f & ~c.s.rflags & fl::IF) c.platform_changed();
    c.s.rflags = f;
  }
};

bool bind(Insn& d, Handler h) {
  d.fn = h;
  return true;
}

}  // namespace

bool bind_clc(const DecodeCtx&, Insn& d) { return bind(d, clc); }
bool bind_stc(const DecodeCtx&, Insn& d) { return bind(d, stc); }
bool bind_cmc(const DecodeCtx&, Insn& d) { return bind(d, cmc); }
bool bind_cld(const DecodeCtx&, Insn& d) { return bind(d, cld); }
bool bind_std(const DecodeCtx&, Insn& d) { return bind(d, std_); }
bool bind_lahf(const DecodeCtx&, Insn& d) { return bind(d, lahf); }
bool bind_sahf(const DecodeCtx&, Insn& d) { return bind(d, sahf); }

bool bind_pushf(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  return bind(d, s == 8 ? Pushf<8>::fn : s == 4 ? Pushf<4>::fn : Pushf<2>::fn);
}
bool bind_popf(const DecodeCtx& z, Insn& d) {
  const int s = stack_size(z, d);
  return bind(d, s == 8 ? Popf<8>::fn : s == 4 ? Popf<4>::fn : Popf<2>::fn);
}

}  // namespace vmsim::cpu
