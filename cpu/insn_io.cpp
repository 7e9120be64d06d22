#include "cpu/insn_io.h"

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

// SDM Vol. 1, 19.5.1: I/O is allowed when CPL <= IOPL. (The TSS I/O
// permission bitmap, consulted otherwise in protected mode, is not
// modelled: a ring-3 access with IOPL < 3 raises #GP(0).)
// An access that passes is reported as an intercept, and may change what the
// platform's devices report (a pending interrupt, the next timer event).
void check_io_privilege(Cpu& c, Intercept what, uint16_t port) {
  const unsigned iopl = (c.s.rflags & fl::IOPL) >> 12;
  if (c.s.cpl > iopl) raise(kGP, 0);
  c.platform().intercept(what, port);
  c.platform_changed();
}

template <int S> struct In {
  static void imm(Cpu& c, const Insn& d) {
    check_io_privilege(c, Intercept::IoIn, static_cast<uint8_t>(d.imm));
    set<S>(c, off_of(RAX), static_cast<U<S>>(c.platform().io_in(static_cast<uint8_t>(d.imm), S)));
  }
  static void dx(Cpu& c, const Insn&) {
    check_io_privilege(c, Intercept::IoIn, get<2>(c, off_of(RDX)));
    set<S>(c, off_of(RAX), static_cast<U<S>>(c.platform().io_in(get<2>(c, off_of(RDX)), S)));
  }
};

template <int S> struct Out {
  static void imm(Cpu& c, const Insn& d) {
    check_io_privilege(c, Intercept::IoOut, static_cast<uint8_t>(d.imm));
    c.platform().io_out(static_cast<uint8_t>(d.imm), S, get<S>(c, off_of(RAX)));
  }
  static void dx(Cpu& c, const Insn&) {
    check_io_privilege(c, Intercept::IoOut, get<2>(c, off_of(RDX)));
    c.platform().io_out(get<2>(c, off_of(RDX)), S, get<S>(c, off_of(RAX)));
  }
};

}  // namespace

// in al/ax/eax, imm8 | dx
bool bind_in(const DecodeCtx& z, Insn& d) {
  const int s = z.bytes(0);
  const bool imm = z.is_imm(1);
  switch (s) {
    case 1: d.fn = imm ? In<1>::imm : In<1>::dx; break;
    case 2: d.fn = imm ? In<2>::imm : In<2>::dx; break;
    case 4: d.fn = imm ? In<4>::imm : In<4>::dx; break;
    default: return false;
  }
  return true;
}

// out imm8 | dx, al/ax/eax
bool bind_out(const DecodeCtx& z, Insn& d) {
  const int s = z.bytes(1);
  const bool imm = z.is_imm(0);
  switch (s) {
    case 1: d.fn = imm ? Out<1>::imm : Out<1>::dx; break;
    case 2: d.fn = imm ? Out<2>::imm : Out<2>::dx; break;
    case 4: d.fn = imm ? Out<4>::imm : Out<4>::dx; break;
    default: return false;
  }
  return true;
}

}  // namespace vmsim::cpu
