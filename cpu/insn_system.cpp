// System instructions: control registers, descriptor-table registers, MSRs,
// interrupt flag and halt, fast system calls, TLB and cache control
// (SDM Vol. 2A/2B; Vol. 3A chapters 2, 4, 5). See insn_system.h.
//
// Undefined flags: none. Flags are only moved (syscall, sysret), never
// computed.
//
// Privilege: every instruction that the SDM reserves for CPL 0 checks it
// first and raises #GP(0). The intercept a VMX hypervisor would take is
// reported after that check (SDM Vol. 3C, 25.1.1: CPL faults have priority
// over VM exits) and before the instruction's other checks, whose faults a
// hypervisor would inject after emulating.
#include "cpu/insn_system.h"

#include "cpu/exec.h"
#include "cpu/system.h"

namespace vmsim::cpu {

namespace {

void require_cpl0(Cpu& c, const char* what) {
  if (c.s.cpl != 0) {
    c.note(std::string(what) + " at CPL " + std::to_string(c.s.cpl));
    raise(kGP, 0);
  }
}

[[noreturn]] void gp0(Cpu& c, std::string why) {
  c.note(std::move(why));
  raise(kGP, 0);
}

// --- Control registers (SDM Vol. 2A, MOV—Move to/from Control Registers) ----

void write_cr0(Cpu& c, uint64_t v) {
  using namespace cr0_bit;
  if (v >> 32) gp0(c, "mov cr0: reserved bits 63:32 set");
  v |= ET;  // hardwired to 1 (SDM Vol. 3A, 2.5)
  if ((v & PG) && !(v & PE)) gp0(c, "mov cr0: PG without PE");
  if ((v & NW) && !(v & CD)) gp0(c, "mov cr0: NW without CD");
  if (!(v & PE)) gp0(c, "mov cr0: clearing PE (real mode is not supported)");
  const uint64_t old = c.s.cr0;
  uint64_t efer = c.s.efer;
  if ((old & PG) && !(v & PG)) {
    // SDM Vol. 3A, 9.8.5.4: IA-32e mode is left from compatibility mode.
    if (c.s.mode == CpuMode::Long64) gp0(c, "mov cr0: clearing PG in 64-bit mode");
    if (c.s.cr4 & cr4_bit::PCIDE) gp0(c, "mov cr0: clearing PG with CR4.PCIDE set");
    efer &= ~efer_bit::LMA;
  }
  if (!(old & PG) && (v & PG) && (efer & efer_bit::LME)) {
    // SDM Vol. 3A, 9.8.5: enabling paging with LME activates IA-32e mode
    // (LMA = 1); it needs PAE paging, and CS.L must be 0.
    if (!(c.s.cr4 & cr4_bit::PAE)) gp0(c, "mov cr0: enabling IA-32e mode without CR4.PAE");
    if (c.s.seg[CS].attr & seg_attr::kL) gp0(c, "mov cr0: enabling IA-32e mode with CS.L set");
    efer |= efer_bit::LMA;
  }
  c.set_cr0(v);
  if (efer != c.s.efer) c.set_efer(efer);
  if ((old ^ v) & (PE | PG)) c.mode_changed();
}

// CR4 bits vmsim implements: those whose feature CPUID advertises, and
// those no CPUID bit gates (TSD with the TSC, PCE, OSFXSR, OSXMMEXCPT).
uint64_t cr4_allowed(const Cpu& c) {
  using namespace cr4_bit;
  const CpuFeatures& f = c.features;
  return TSD | PCE | OSFXSR | OSXMMEXCPT | (f.pae ? PAE : 0) | (f.pge ? PGE : 0) | (f.pcid ? PCIDE : 0) |
         (f.smep ? SMEP : 0) | (f.smap ? SMAP : 0);
}

void write_cr4(Cpu& c, uint64_t v) {
  using namespace cr4_bit;
  if (v & ~cr4_allowed(c)) gp0(c, "mov cr4: reserved or unsupported bits " + hex(v & ~cr4_allowed(c)));
  if (ia32e(c) && !(v & PAE)) gp0(c, "mov cr4: clearing PAE in IA-32e mode");
  if ((v & PCIDE) && !(c.s.cr4 & PCIDE)) {
    if (!ia32e(c)) gp0(c, "mov cr4: setting PCIDE outside IA-32e mode");
    if (c.s.cr3 & 0xFFF) gp0(c, "mov cr4: setting PCIDE with CR3[11:0] nonzero");
  }
  c.set_cr4(v);
}

void write_cr3(Cpu& c, uint64_t v) {
  if (ia32e(c)) {
    // Bits 62:MAXPHYADDR are reserved; bit 63 is the no-flush hint with
    // CR4.PCIDE and reserved without (SDM Vol. 3A, 4.5.1, 4.10.4.1).
    uint64_t reserved = ~((uint64_t{1} << kPhysAddrBits) - 1);
    if (c.s.cr4 & cr4_bit::PCIDE) reserved &= ~(uint64_t{1} << 63);
    if (v & reserved) gp0(c, "mov cr3: reserved bits " + hex(v & reserved));
  }
  c.set_cr3(v);
}

template <int S> struct MovCr {
  static void read(Cpu& c, const Insn& d) {
    require_cpl0(c, "mov from a control register");
    c.platform().intercept(Intercept::CrRead, d.aux);
    uint64_t v = 0;
    switch (d.aux) {
      case 0: v = c.s.cr0; break;
      case 2: v = c.s.cr2; break;
      case 3: v = c.s.cr3; break;
      case 4: v = c.s.cr4; break;
      default: v = c.s.cr8; break;
    }
    set<S>(c, d.dst, static_cast<U<S>>(v));
  }
  static void write(Cpu& c, const Insn& d) {
    require_cpl0(c, "mov to a control register");
    c.platform().intercept(Intercept::CrWrite, d.aux);
    const uint64_t v = get<S>(c, d.src);  // 32-bit modes: zero-extended
    switch (d.aux) {
      case 0: write_cr0(c, v); break;
      case 2: c.s.cr2 = v; break;
      case 3: write_cr3(c, v); break;
      case 4: write_cr4(c, v); break;
      default:  // CR8, the task-priority register (SDM Vol. 3A, 10.8.6.1)
        if (v >> 4) gp0(c, "mov cr8: reserved bits 63:4 set");
        c.s.cr8 = v;
        c.platform_changed();  // a lower TPR may unmask an interrupt
        break;
    }
  }
};

// lmsw: PE, MP, EM and TS from the source; PE can be set, not cleared.
template <bool Mem> void lmsw(Cpu& c, const Insn& d) {
  require_cpl0(c, "lmsw");
  const uint16_t v = Mem ? load<2>(c, ea(c, d)) : get<2>(c, d.dst);
  c.platform().intercept(Intercept::CrWrite, 0);
  write_cr0(c, (c.s.cr0 & ~uint64_t{0xE}) | (v & 0xF) | (c.s.cr0 & cr0_bit::PE));
}

// smsw: CR0 bits 15:0 to memory; a register gets CR0 at the operand size,
// as Intel processors do. Not privileged (CPUID does not advertise UMIP).
template <int S> void smsw_r(Cpu& c, const Insn& d) { set<S>(c, d.dst, static_cast<U<S>>(c.s.cr0)); }
void smsw_m(Cpu& c, const Insn& d) { store<2>(c, ea(c, d), static_cast<uint16_t>(c.s.cr0)); }

void clts(Cpu& c, const Insn&) {
  require_cpl0(c, "clts");
  c.platform().intercept(Intercept::CrWrite, 0);
  c.set_cr0(c.s.cr0 & ~cr0_bit::TS);
}

// --- Descriptor-table registers ---------------------------------------------

// lgdt/lidt m16&32 or m16&64 (SDM Vol. 2A, LGDT/LIDT): with a 16-bit
// operand size outside 64-bit mode only 24 bits of the base are used.
template <bool Idt> void lgdt(Cpu& c, const Insn& d) {
  require_cpl0(c, Idt ? "lidt" : "lgdt");
  const uint64_t la = ea(c, d);
  const uint16_t limit = load<2>(c, la);
  uint64_t base;
  if (c.s.mode == CpuMode::Long64) {
    base = load<8>(c, la + 2);
    if (!is_canonical(base)) gp0(c, std::string(Idt ? "lidt" : "lgdt") + ": non-canonical base " + hex(base));
  } else {
    base = load<4>(c, la + 2);
    if (d.osize == 2) base &= 0xFFFFFF;
  }
  (Idt ? c.s.idtr : c.s.gdtr) = DescriptorTable{base, limit};
}

// sgdt/sidt: limit, then the base (8 bytes in 64-bit mode, 4 otherwise).
template <bool Idt> void sgdt(Cpu& c, const Insn& d) {
  const uint64_t la = ea(c, d);
  const DescriptorTable& t = Idt ? c.s.idtr : c.s.gdtr;
  const unsigned n = c.s.mode == CpuMode::Long64 ? 8 : 4;
  c.probe_write(la, 2 + n);
  store<2>(c, la, t.limit);
  if (n == 8) store<8>(c, la + 2, t.base);
  else store<4>(c, la + 2, static_cast<uint32_t>(t.base));
}

// ltr/lldt: a system descriptor in the GDT (SDM Vol. 2A, LTR, LLDT). TR
// takes an available TSS (32-bit, or 64-bit in IA-32e mode) and marks it
// busy; LDTR takes an LDT descriptor or the null selector.
template <bool Tr> void load_system_segment(Cpu& c, uint16_t sel) {
  if (sel_null(sel)) {
    if (Tr) gp0(c, "ltr with the null selector");
    c.s.ldtr = Segment{sel, 0, 0, 0};
    return;
  }
  if (sel & 4) {
    c.note(std::string(Tr ? "ltr" : "lldt") + ": selector " + hex(sel) + " names the LDT");
    raise(kGP, sel_index(sel));
  }
  Descriptor d = read_descriptor(c, sel);
  const unsigned want = Tr ? 9 : 2;  // available 32/64-bit TSS; LDT
  if (d.s() || d.type() != want) {
    c.note(std::string(Tr ? "ltr" : "lldt") + ": " + hex(sel) + " is not " +
           (Tr ? "an available TSS" : "an LDT") + " descriptor");
    raise(kGP, sel_index(sel));
  }
  if (!d.present()) {
    c.note(hex(sel) + " is not present");
    raise(kNP, sel_index(sel));
  }
  const uint64_t base = d.base() | (read_system_base_hi(c, d, sel) << 32);
  if (Tr) {
    d.raw |= uint64_t{2} << 40;  // busy
    const uint8_t b = static_cast<uint8_t>(d.raw >> 40);
    c.write_sys(d.addr + 5, &b, 1);
    c.s.tr = Segment{sel, base, d.limit(), d.attr()};
  } else {
    c.s.ldtr = Segment{sel, base, d.limit(), d.attr()};
  }
}
template <bool Tr, bool Mem> void ltr(Cpu& c, const Insn& d) {
  require_cpl0(c, Tr ? "ltr" : "lldt");
  load_system_segment<Tr>(c, Mem ? load<2>(c, ea(c, d)) : get<2>(c, d.dst));
}

// str/sldt: the selector; a register destination is zero-extended.
template <bool Tr, int S> void str_r(Cpu& c, const Insn& d) {
  set<S>(c, d.dst, static_cast<U<S>>(Tr ? c.s.tr.selector : c.s.ldtr.selector));
}
template <bool Tr> void str_m(Cpu& c, const Insn& d) {
  store<2>(c, ea(c, d), Tr ? c.s.tr.selector : c.s.ldtr.selector);
}

// --- Interrupt flag, halt ----------------------------------------------------

// SDM Vol. 2A, CLI / Vol. 2B, STI: allowed when CPL <= IOPL (no VME/PVI:
// CR4.VME and CR4.PVI are not supported), #GP(0) otherwise.
void check_iopl(Cpu& c, const char* what) {
  const unsigned iopl = (c.s.rflags & fl::IOPL) >> 12;
  if (c.s.cpl > iopl) {
    c.note(std::string(what) + " at CPL " + std::to_string(c.s.cpl) + " > IOPL " + std::to_string(iopl));
    raise(kGP, 0);
  }
}
void cli(Cpu& c, const Insn&) {
  check_iopl(c, "cli");
  c.s.rflags &= ~fl::IF;
}
// sti sets IF; when IF was 0, interrupts stay blocked until the next
// instruction has run (the "sti; hlt" and "sti; ret" idioms).
void sti(Cpu& c, const Insn&) {
  check_iopl(c, "sti");
  if (c.s.rflags & fl::IF) return;
  c.s.rflags |= fl::IF;
  c.inhibit_interrupts();
}
void hlt(Cpu& c, const Insn&) {
  require_cpl0(c, "hlt");
  c.platform().intercept(Intercept::Hlt);
  c.halt();
}

// --- MSRs, TSC, swapgs --------------------------------------------------------

void rdmsr(Cpu& c, const Insn&) {
  require_cpl0(c, "rdmsr");
  const uint32_t m = static_cast<uint32_t>(c.s.r[RCX]);
  c.platform().intercept(Intercept::Rdmsr, m);
  uint64_t v = 0;
  if (!c.read_msr(m, v)) gp0(c, "rdmsr of the unknown MSR " + hex(m));
  c.s.r[RAX] = static_cast<uint32_t>(v);
  c.s.r[RDX] = v >> 32;
}
void wrmsr(Cpu& c, const Insn&) {
  require_cpl0(c, "wrmsr");
  const uint32_t m = static_cast<uint32_t>(c.s.r[RCX]);
  c.platform().intercept(Intercept::Wrmsr, m);
  const uint64_t v = (c.s.r[RDX] << 32) | static_cast<uint32_t>(c.s.r[RAX]);
  if (!c.write_msr(m, v)) gp0(c, "wrmsr of " + hex(v) + " to MSR " + hex(m) + " (unknown MSR or invalid value)");
}

// rdtscp: EDX:EAX = TSC, ECX = TSC_AUX. CR4.TSD makes it CPL 0 only.
void rdtscp(Cpu& c, const Insn&) {
  if (!c.features.rdtscp) raise(kUD);
  if ((c.s.cr4 & cr4_bit::TSD) && c.s.cpl != 0) gp0(c, "rdtscp with CR4.TSD above CPL 0");
  c.platform().intercept(Intercept::Rdtsc);
  const uint64_t t = c.tsc();
  c.s.r[RAX] = static_cast<uint32_t>(t);
  c.s.r[RDX] = t >> 32;
  c.s.r[RCX] = static_cast<uint32_t>(c.s.tsc_aux);
}

// swapgs (SDM Vol. 2B): 64-bit mode only, CPL 0.
void swapgs(Cpu& c, const Insn&) {
  if (c.s.mode != CpuMode::Long64) raise(kUD);
  require_cpl0(c, "swapgs");
  const uint64_t gs = c.s.seg[GS].base;
  c.s.seg[GS].base = c.s.kernel_gs_base;
  c.s.kernel_gs_base = gs;
  c.s.refresh_seg_bases();
}

// --- syscall / sysret (SDM Vol. 2B) ------------------------------------------
// Neither reads the GDT: CS and SS get fixed flat descriptors.

constexpr uint16_t kDpl3 = 3u << seg_attr::kDplShift;

void syscall(Cpu& c, const Insn&) {
  if (c.s.mode != CpuMode::Long64 || !(c.s.efer & efer_bit::SCE)) raise(kUD);
  const uint16_t sel = static_cast<uint16_t>(c.s.star >> 32);
  c.s.r[RCX] = c.s.rip();
  c.s.r[R11] = c.s.rflags;
  c.s.rflags = (c.s.rflags & ~(c.s.sfmask | fl::RF)) | fl::Reserved1;
  c.s.seg[SS] = Segment{static_cast<uint16_t>(sel + 8), 0, 0xFFFFFFFF, seg_attr::kData};
  commit_cs(c, Segment{static_cast<uint16_t>(sel & 0xFFFC), 0, 0xFFFFFFFF, seg_attr::kCode64}, c.s.lstar);
}

// sysret with REX.W returns to 64-bit mode at RCX (which must be
// canonical), without it to compatibility mode at ECX.
template <bool To64> void sysret(Cpu& c, const Insn&) {
  if (c.s.mode != CpuMode::Long64 || !(c.s.efer & efer_bit::SCE)) raise(kUD);
  require_cpl0(c, "sysret");
  const uint64_t rcx = c.s.r[RCX];
  if (To64 && !is_canonical(rcx)) gp0(c, "sysret to the non-canonical " + hex(rcx));
  const uint16_t sel = static_cast<uint16_t>(c.s.star >> 48);
  c.s.rflags = (c.s.r[R11] & 0x3C7FD7) | fl::Reserved1;
  c.s.seg[SS] = Segment{static_cast<uint16_t>((sel + 8) | 3), 0, 0xFFFFFFFF, seg_attr::kData | kDpl3};
  const Segment cs = To64 ? Segment{static_cast<uint16_t>((sel + 16) | 3), 0, 0xFFFFFFFF, seg_attr::kCode64 | kDpl3}
                          : Segment{static_cast<uint16_t>(sel | 3), 0, 0xFFFFFFFF, 0xC09B | kDpl3};
  commit_cs(c, cs, To64 ? rcx : static_cast<uint32_t>(rcx));
  c.platform_changed();  // IF may be set now
}

// --- TLB and cache control -----------------------------------------------------

// invlpg m (SDM Vol. 2A): a non-canonical address makes it a no-op.
void invlpg(Cpu& c, const Insn& d) {
  require_cpl0(c, "invlpg");
  c.platform().intercept(Intercept::Invlpg);
  const uint64_t la = ea(c, d);
  if (c.s.mode == CpuMode::Long64 && !is_canonical(la)) return;
  c.invlpg(la);
}

// invpcid r, m128 (SDM Vol. 2A): the descriptor is PCID (bits 11:0, 63:12
// reserved) and a linear address; types 0..3.
template <int S> void invpcid(Cpu& c, const Insn& d) {
  if (!c.features.invpcid) raise(kUD);
  require_cpl0(c, "invpcid");
  c.platform().intercept(Intercept::Invpcid);
  const uint64_t type = get<S>(c, d.dst);
  if (type > 3) gp0(c, "invpcid type " + hex(type));
  const uint64_t la = ea(c, d);
  const uint64_t desc_lo = load<8>(c, la);
  const uint64_t desc_la = load<8>(c, la + 8);
  if (desc_lo >> 12) gp0(c, "invpcid: reserved descriptor bits set");
  const uint16_t pcid = desc_lo & 0xFFF;
  if (type == 0 && !is_canonical(desc_la)) gp0(c, "invpcid: non-canonical address " + hex(desc_la));
  if (type <= 1 && pcid != 0 && !(c.s.cr4 & cr4_bit::PCIDE)) gp0(c, "invpcid: nonzero PCID with CR4.PCIDE clear");
  c.invpcid(static_cast<unsigned>(type), pcid, desc_la);
}

// wbinvd, invd: CPL 0, no effect (no caches are modelled).
void privileged_nop(Cpu& c, const Insn&) { require_cpl0(c, "wbinvd/invd"); }
// clflush, prefetch*: no effect, no access, no fault.
void nop_hint(Cpu&, const Insn&) {}
void invalid(Cpu&, const Insn&) { raise(kUD); }

// vmcall: reported to the platform (a vmexit under a hypervisor); no
// hypercalls are defined, so the guest then sees #UD, as outside VMX
// operation.
void vmcall(Cpu& c, const Insn&) {
  c.platform().intercept(Intercept::Vmcall);
  raise(kUD);
}

bool bind(Insn& d, Handler h) {
  d.fn = h;
  return true;
}

}  // namespace

// Control registers (segment registers are in insn_system_seg.cpp).
bool bind_mov_cr(const DecodeCtx& z, Insn& d) {
  const bool to_cr = z.is_reg(0) && ZydisRegisterGetClass(z.op[0].reg.value) == ZYDIS_REGCLASS_CONTROL;
  const int cr = ZydisRegisterGetId(z.op[to_cr ? 0 : 1].reg.value);
  if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && !(cr == 8 && z.mode == CpuMode::Long64)) return bind(d, invalid);
  d.aux = static_cast<uint8_t>(cr);
  const bool w64 = z.mode == CpuMode::Long64;
  if (to_cr) d.fn = w64 ? MovCr<8>::write : MovCr<4>::write;
  else d.fn = w64 ? MovCr<8>::read : MovCr<4>::read;
  return true;
}

bool bind_lgdt(const DecodeCtx& z, Insn& d) {
  if (!z.is_mem(0)) return false;
  return bind(d, z.zi.mnemonic == ZYDIS_MNEMONIC_LIDT ? lgdt<true> : lgdt<false>);
}
bool bind_sgdt(const DecodeCtx& z, Insn& d) {
  if (!z.is_mem(0)) return false;
  return bind(d, z.zi.mnemonic == ZYDIS_MNEMONIC_SIDT ? sgdt<true> : sgdt<false>);
}
bool bind_ltr(const DecodeCtx& z, Insn& d) {
  return bind(d, z.is_mem(0) ? ltr<true, true> : ltr<true, false>);
}
bool bind_lldt(const DecodeCtx& z, Insn& d) {
  return bind(d, z.is_mem(0) ? ltr<false, true> : ltr<false, false>);
}
bool bind_str(const DecodeCtx& z, Insn& d) {
  const bool tr = z.zi.mnemonic == ZYDIS_MNEMONIC_STR;
  if (z.is_mem(0)) return bind(d, tr ? str_m<true> : str_m<false>);
  switch (z.bytes(0)) {
    case 2: return bind(d, tr ? str_r<true, 2> : str_r<false, 2>);
    case 4: return bind(d, tr ? str_r<true, 4> : str_r<false, 4>);
    case 8: return bind(d, tr ? str_r<true, 8> : str_r<false, 8>);
    default: return false;
  }
}
bool bind_lmsw(const DecodeCtx& z, Insn& d) { return bind(d, z.is_mem(0) ? lmsw<true> : lmsw<false>); }
bool bind_smsw(const DecodeCtx& z, Insn& d) {
  if (z.is_mem(0)) return bind(d, smsw_m);
  switch (z.bytes(0)) {
    case 2: return bind(d, smsw_r<2>);
    case 4: return bind(d, smsw_r<4>);
    case 8: return bind(d, smsw_r<8>);
    default: return false;
  }
}
bool bind_clts(const DecodeCtx&, Insn& d) { return bind(d, clts); }
bool bind_cli(const DecodeCtx&, Insn& d) { return bind(d, cli); }
bool bind_sti(const DecodeCtx&, Insn& d) { return bind(d, sti); }
bool bind_hlt(const DecodeCtx&, Insn& d) { return bind(d, hlt); }
bool bind_rdmsr(const DecodeCtx&, Insn& d) { return bind(d, rdmsr); }
bool bind_wrmsr(const DecodeCtx&, Insn& d) { return bind(d, wrmsr); }
bool bind_rdtscp(const DecodeCtx&, Insn& d) { return bind(d, rdtscp); }
bool bind_swapgs(const DecodeCtx&, Insn& d) { return bind(d, swapgs); }
bool bind_syscall(const DecodeCtx&, Insn& d) { return bind(d, syscall); }
bool bind_sysret(const DecodeCtx& z, Insn& d) { return bind(d, z.zi.operand_width == 64 ? sysret<true> : sysret<false>); }
bool bind_invlpg(const DecodeCtx& z, Insn& d) {
  if (!z.is_mem(0)) return false;
  return bind(d, invlpg);
}
bool bind_invpcid(const DecodeCtx& z, Insn& d) {
  if (!z.is_gpr(0) || !z.is_mem(1)) return false;
  return bind(d, z.bytes(0) == 8 ? invpcid<8> : invpcid<4>);
}
bool bind_privileged_nop(const DecodeCtx&, Insn& d) { return bind(d, privileged_nop); }
bool bind_nop_hint(const DecodeCtx&, Insn& d) { return bind(d, nop_hint); }
bool bind_xcr(const DecodeCtx&, Insn& d) { return bind(d, invalid); }  // CR4.OSXSAVE is never set
bool bind_vmcall(const DecodeCtx&, Insn& d) { return bind(d, vmcall); }

}  // namespace vmsim::cpu
