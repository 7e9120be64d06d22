#include "cpu/insn_misc.h"

#include "cpu/exec.h"

namespace vmsim::cpu {

namespace {

void nop(Cpu&, const Insn&) {}
void ud2(Cpu&, const Insn&) { raise(kUD); }
// int3: a software interrupt through the IDT (cpu/interrupts.cpp); with
// stop_on_exception, a #BP trap that ends the run.
void int3(Cpu& c, const Insn&) { c.software_interrupt(kBP); }

void do_cpuid(Cpu& c, const Insn&) {
  c.platform().intercept(Intercept::Cpuid);
  const CpuidResult r = cpuid(c.features, static_cast<uint32_t>(c.s.r[RAX]),
                              static_cast<uint32_t>(c.s.r[RCX]), 0);
  c.s.r[RAX] = r.eax;
  c.s.r[RBX] = r.ebx;
  c.s.r[RCX] = r.ecx;
  c.s.r[RDX] = r.edx;
}

// rdtsc: CR4.TSD makes it CPL 0 only (SDM Vol. 2B, RDTSC).
void rdtsc(Cpu& c, const Insn&) {
  if ((c.s.cr4 & cr4_bit::TSD) && c.s.cpl != 0) raise(kGP, 0);
  c.platform().intercept(Intercept::Rdtsc);
  const uint64_t t = c.tsc();
  c.s.r[RAX] = static_cast<uint32_t>(t);
  c.s.r[RDX] = t >> 32;
}

}  // namespace

bool bind_nop(const DecodeCtx&, Insn& d) {
  d.fn = nop;  // multi-byte nops may name a memory operand; it is never accessed
  return true;
}
bool bind_ud2(const DecodeCtx&, Insn& d) {
  d.fn = ud2;
  return true;
}
bool bind_int3(const DecodeCtx&, Insn& d) {
  d.fn = int3;
  return true;
}
bool bind_cpuid(const DecodeCtx&, Insn& d) {
  d.fn = do_cpuid;
  return true;
}
bool bind_rdtsc(const DecodeCtx&, Insn& d) {
  d.fn = rdtsc;
  return true;
}

}  // namespace vmsim::cpu
