// The system-level instructions (SDM Vol. 2, Vol. 3A):
//  insn_system.cpp: mov to/from CR0, CR2, CR3, CR4, CR8; lgdt, lidt, sgdt,
//    sidt, ltr, str, lldt, sldt, lmsw, smsw, clts; cli, sti, hlt; rdmsr,
//    wrmsr, rdtscp, swapgs; syscall, sysret; invlpg, invpcid; wbinvd, invd,
//    clflush, prefetch* (no-ops); xgetbv, xsetbv (#UD: no OSXSAVE); vmcall.
//  insn_system_seg.cpp: mov to/from segment registers, push/pop of segment
//    registers, far jmp/call/ret, iret/iretd/iretq, int n, int1, into.
// int3 is in the misc group; pushf/popf in the flags group.
//
// The mov, push, pop, jmp, call and ret mnemonics belong to other groups;
// their binders hand the system forms (segment and control registers, far
// transfers) to the binders declared here.
#pragma once
#include "cpu/decode_ctx.h"

namespace vmsim::cpu {
// Called by the move and control groups' binders for their system forms.
bool bind_mov_system(const DecodeCtx&, Insn&);   // an operand is a segment or control register
bool bind_push_sreg(const DecodeCtx&, Insn&);
bool bind_pop_sreg(const DecodeCtx&, Insn&);
bool bind_far_jmp(const DecodeCtx&, Insn&);
bool bind_far_call(const DecodeCtx&, Insn&);
bool bind_far_ret(const DecodeCtx&, Insn&);
bool bind_mov_cr(const DecodeCtx&, Insn&);       // insn_system.cpp, for bind_mov_system

bool bind_lgdt(const DecodeCtx&, Insn&);
bool bind_sgdt(const DecodeCtx&, Insn&);
bool bind_ltr(const DecodeCtx&, Insn&);
bool bind_lldt(const DecodeCtx&, Insn&);
bool bind_str(const DecodeCtx&, Insn&);
bool bind_lmsw(const DecodeCtx&, Insn&);
bool bind_smsw(const DecodeCtx&, Insn&);
bool bind_clts(const DecodeCtx&, Insn&);
bool bind_cli(const DecodeCtx&, Insn&);
bool bind_sti(const DecodeCtx&, Insn&);
bool bind_hlt(const DecodeCtx&, Insn&);
bool bind_rdmsr(const DecodeCtx&, Insn&);
bool bind_wrmsr(const DecodeCtx&, Insn&);
bool bind_rdtscp(const DecodeCtx&, Insn&);
bool bind_swapgs(const DecodeCtx&, Insn&);
bool bind_syscall(const DecodeCtx&, Insn&);
bool bind_sysret(const DecodeCtx&, Insn&);
bool bind_invlpg(const DecodeCtx&, Insn&);
bool bind_invpcid(const DecodeCtx&, Insn&);
bool bind_privileged_nop(const DecodeCtx&, Insn&);
bool bind_nop_hint(const DecodeCtx&, Insn&);
bool bind_xcr(const DecodeCtx&, Insn&);
bool bind_vmcall(const DecodeCtx&, Insn&);
bool bind_iret(const DecodeCtx&, Insn&);
bool bind_int(const DecodeCtx&, Insn&);
bool bind_int1(const DecodeCtx&, Insn&);
bool bind_into(const DecodeCtx&, Insn&);
}  // namespace vmsim::cpu

#define VMSIM_INSNS_SYSTEM(X)                                                        \
  X(LGDT, bind_lgdt) X(LIDT, bind_lgdt) X(SGDT, bind_sgdt) X(SIDT, bind_sgdt)        \
  X(LTR, bind_ltr) X(LLDT, bind_lldt) X(STR, bind_str) X(SLDT, bind_str)             \
  X(LMSW, bind_lmsw) X(SMSW, bind_smsw) X(CLTS, bind_clts)                           \
  X(CLI, bind_cli) X(STI, bind_sti) X(HLT, bind_hlt)                                 \
  X(RDMSR, bind_rdmsr) X(WRMSR, bind_wrmsr) X(RDTSCP, bind_rdtscp)                   \
  X(SWAPGS, bind_swapgs) X(SYSCALL, bind_syscall) X(SYSRET, bind_sysret)             \
  X(INVLPG, bind_invlpg) X(INVPCID, bind_invpcid)                                    \
  X(WBINVD, bind_privileged_nop) X(INVD, bind_privileged_nop)                        \
  X(CLFLUSH, bind_nop_hint) X(PREFETCH, bind_nop_hint) X(PREFETCHNTA, bind_nop_hint) \
  X(PREFETCHT0, bind_nop_hint) X(PREFETCHT1, bind_nop_hint)                          \
  X(PREFETCHT2, bind_nop_hint) X(PREFETCHW, bind_nop_hint)                           \
  X(XGETBV, bind_xcr) X(XSETBV, bind_xcr) X(VMCALL, bind_vmcall)                     \
  X(IRET, bind_iret) X(IRETD, bind_iret) X(IRETQ, bind_iret)                         \
  X(INT, bind_int) X(INT1, bind_int1) X(INTO, bind_into)
