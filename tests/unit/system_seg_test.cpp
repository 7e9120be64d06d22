// Segments, descriptor tables, far transfers and mode switches: segment
// register loads with their null-selector and protection rules, FS/GS bases
// from descriptors, the LDT and TR, lgdt/lidt, far jmp/call/ret between
// 64-bit and compatibility mode, and the Multiboot-style path from 32-bit
// protected mode (paging off) into long mode.
#include "tests/unit/system_fixture.h"

SYS_SNIPPET(mb_to_long)
SYS_SNIPPET(mode_roundtrip)
SYS_SNIPPET(prot32_segments)

namespace vmsim::cpu::systest {
namespace {

using Bytes = std::vector<uint8_t>;

RunResult exec1(SysMachine& m, const Bytes& code, bool user = false) {
  m.c.set_stop_on_exception(true);
  const uint64_t at = user ? kUserCode : kKernelCode;
  m.code(at, code);
  if (user) m.enter_user(at);
  else m.c.s.rip() = at;
  return m.c.run(1);
}

#define EXPECT_FAULT(run, vec, err)                                                   \
  do {                                                                                 \
    const RunResult r_ = (run);                                                        \
    EXPECT_EQ(r_.reason, StopReason::Exception) << reason_name(r_.reason);             \
    EXPECT_EQ(int{r_.exception.vector}, int{vec});                                     \
    EXPECT_EQ(r_.exception.error, uint32_t{err});                                      \
  } while (0)
#define EXPECT_RETIRED(run)                                                            \
  do {                                                                                 \
    const RunResult r_ = (run);                                                        \
    EXPECT_EQ(r_.reason, StopReason::Budget) << "vector " << int{r_.exception.vector}; \
  } while (0)

// mov <seg>, ax with ax = sel. Encodings: 8E /r, reg field = segment.
RunResult mov_sreg(SysMachine& m, Seg seg, uint16_t sel, bool user = false) {
  m.c.s.r[RAX] = sel;
  return exec1(m, {0x8E, static_cast<uint8_t>(0xC0 | seg << 3)}, user);
}

// --- Data and stack segment loads ------------------------------------------------

TEST(SegmentLoads, NullSelectors) {
  SysMachine m;
  m.c.s.seg[FS].base = 0x1234000;
  EXPECT_RETIRED(mov_sreg(m, FS, 0));
  EXPECT_EQ(m.c.s.seg[FS].selector, 0u);
  EXPECT_EQ(m.c.s.seg[FS].base, 0u);  // Intel: a null selector clears the base
  EXPECT_EQ(m.c.s.seg_base[FS], 0u);
  EXPECT_RETIRED(mov_sreg(m, DS, 3));
  EXPECT_EQ(m.c.s.seg[DS].selector, 3u);
  // SS may be null in 64-bit mode below CPL 3, with RPL = CPL.
  EXPECT_RETIRED(mov_sreg(m, SS, 0));
  EXPECT_FAULT(mov_sreg(m, SS, 3), kGP, 0);
  SysMachine u;
  EXPECT_FAULT(mov_sreg(u, SS, 3, true), kGP, 0);
  EXPECT_FAULT(mov_sreg(u, SS, 0, true), kGP, 0);
  EXPECT_RETIRED(mov_sreg(u, DS, 0, true));
}

TEST(SegmentLoads, ProtectionChecks) {
  SysMachine m;
  EXPECT_FAULT(mov_sreg(m, DS, 0x1000), kGP, 0x1000);            // beyond the GDT limit
  EXPECT_FAULT(mov_sreg(m, DS, 0x1003), kGP, 0x1000);            // error code drops the RPL
  EXPECT_FAULT(mov_sreg(m, DS, kExecOnly), kGP, kExecOnly);      // execute-only code
  EXPECT_FAULT(mov_sreg(m, DS, kTssSel), kGP, kTssSel);          // a system descriptor
  EXPECT_FAULT(mov_sreg(m, DS, kKernelDs | 3), kGP, kKernelDs);  // RPL 3 > DPL 0
  EXPECT_FAULT(mov_sreg(m, DS, kAbsentDs), kNP, kAbsentDs);
  EXPECT_FAULT(mov_sreg(m, SS, kAbsentDs), kSS, kAbsentDs);
  EXPECT_FAULT(mov_sreg(m, SS, kUserDs), kGP, kUserDs & ~3);     // RPL 3 != CPL 0
  EXPECT_FAULT(mov_sreg(m, SS, kKernelCs), kGP, kKernelCs);      // not writable data
  EXPECT_EQ(m.c.s.seg[DS].selector, kKernelDs);                  // nothing changed
  EXPECT_RETIRED(mov_sreg(m, DS, kKernelCs));                    // readable code is fine
  EXPECT_RETIRED(mov_sreg(m, ES, kUserDs));                      // DPL 3 at CPL 0
  SysMachine u;
  EXPECT_FAULT(mov_sreg(u, DS, kKernelDs, true), kGP, kKernelDs);  // DPL 0 < CPL 3
  EXPECT_RETIRED(mov_sreg(u, DS, kUserDs, true));
  EXPECT_RETIRED(mov_sreg(u, SS, kUserDs, true));
  // Conforming code is readable at any CPL.
  u.set_gdt(kKernelDs2, seg_desc(0, 0xFFFFF, 0xC09F));
  EXPECT_RETIRED(mov_sreg(u, FS, kKernelDs2 | 3, true));
}

TEST(SegmentLoads, FsBaseFromTheDescriptorAndAccessedBit) {
  SysMachine m;
  EXPECT_EQ(m.get<uint8_t>(kGdt + kBasedDs + 5) & 1, 0);
  EXPECT_RETIRED(mov_sreg(m, FS, kBasedDs));
  EXPECT_EQ(m.c.s.seg[FS].base, kSegBase);
  EXPECT_EQ(m.c.s.seg[FS].limit, 0xFFFFu);
  EXPECT_EQ(m.get<uint8_t>(kGdt + kBasedDs + 5) & 1, 1);  // accessed
  m.put<uint64_t>(kSegBase + 8, 0xABCDEF);
  EXPECT_RETIRED(exec1(m, {0x64, 0x48, 0x8B, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00}));  // mov rax, fs:[8]
  EXPECT_EQ(m.c.s.r[RAX], 0xABCDEFu);
  // In 64-bit mode the base of DS is ignored.
  EXPECT_RETIRED(mov_sreg(m, DS, kBasedDs));
  EXPECT_EQ(m.c.s.seg[DS].base, kSegBase);
  EXPECT_EQ(m.c.s.seg_base[DS], 0u);
  // GS from memory.
  m.put<uint16_t>(kData, kBasedDs);
  m.c.s.r[RBX] = kData;
  EXPECT_RETIRED(exec1(m, {0x8E, 0x2B}));  // mov gs, word ptr [rbx]
  EXPECT_EQ(m.c.s.seg_base[GS], kSegBase);
}

TEST(SegmentLoads, StoresAndStackForms) {
  SysMachine m;
  m.c.s.r[RAX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x48, 0x8C, 0xE0}));  // mov rax, fs
  EXPECT_EQ(m.c.s.r[RAX], kKernelDs);
  m.c.s.r[RAX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x66, 0x8C, 0xD8}));  // mov ax, ds
  EXPECT_EQ(m.c.s.r[RAX], 0xFFFFFFFFFFFF0000ull | kKernelDs);
  m.put<uint32_t>(kData, 0xFFFFFFFF);
  m.c.s.r[RBX] = kData;
  EXPECT_RETIRED(exec1(m, {0x8C, 0x2B}));  // mov word ptr [rbx], gs
  EXPECT_EQ(m.get<uint32_t>(kData), 0xFFFF0000u | kKernelDs);
  EXPECT_FAULT(exec1(m, {0x8E, 0xC8}), kUD, 0);  // mov cs, ax
  // push fs (8 bytes, zero-extended), then pop gs.
  m.c.s.seg[FS].selector = kBasedDs;
  const uint64_t rsp = m.c.s.r[RSP];
  m.put<uint64_t>(rsp - 8, ~0ull);
  EXPECT_RETIRED(exec1(m, {0x0F, 0xA0}));
  EXPECT_EQ(m.c.s.r[RSP], rsp - 8);
  EXPECT_EQ(m.get<uint64_t>(rsp - 8), kBasedDs);
  EXPECT_RETIRED(exec1(m, {0x0F, 0xA9}));
  EXPECT_EQ(m.c.s.r[RSP], rsp);
  EXPECT_EQ(m.c.s.seg[GS].selector, kBasedDs);
  EXPECT_EQ(m.c.s.seg_base[GS], kSegBase);
  // A pop that faults leaves RSP alone.
  m.put<uint64_t>(rsp - 8, kAbsentDs);
  m.c.s.r[RSP] = rsp - 8;
  EXPECT_FAULT(exec1(m, {0x0F, 0xA9}), kNP, kAbsentDs);
  EXPECT_EQ(m.c.s.r[RSP], rsp - 8);
}

// --- LDT, TR, GDTR, IDTR ----------------------------------------------------------

TEST(DescriptorTables, LdtLoadsAndTiSelectors) {
  SysMachine m;
  const uint64_t ldt = kData + 0x800;
  m.put<uint64_t>(ldt + 8, seg_desc(static_cast<uint32_t>(kSegBase), 0xFFFF, 0x00F3));  // LDT entry 1, DPL 3
  m.set_gdt(kLdtSel, seg_desc(static_cast<uint32_t>(ldt), 0x17, 0x0082));
  m.set_gdt(kLdtSel + 8, 0);
  EXPECT_FAULT(mov_sreg(m, FS, 0x0F), kGP, 0x0C);  // no LDT yet
  m.c.s.r[RAX] = kLdtSel;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xD0}));  // lldt ax
  EXPECT_EQ(m.c.s.ldtr.base, ldt);
  EXPECT_EQ(m.c.s.ldtr.limit, 0x17u);
  EXPECT_RETIRED(mov_sreg(m, FS, 0x0F));  // index 1, TI, RPL 3
  EXPECT_EQ(m.c.s.seg_base[FS], kSegBase);
  EXPECT_FAULT(mov_sreg(m, FS, 0x1C), kGP, 0x1C);  // beyond the LDT limit
  m.c.s.r[RAX] = ~0ull;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xC0}));  // sldt eax
  EXPECT_EQ(m.c.s.r[RAX], kLdtSel);
  m.c.s.r[RAX] = kTssSel;
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD0}), kGP, kTssSel);  // not an LDT
  m.c.s.r[RAX] = 0;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xD0}));  // lldt 0: no LDT
  EXPECT_FAULT(mov_sreg(m, FS, 0x0F), kGP, 0x0C);
}

TEST(DescriptorTables, LtrMarksTheTssBusy) {
  SysMachine m;
  m.c.s.tr = Segment{0, 0, 0, 0};
  m.set_gdt(kTssSel + 8, 0x1);  // base 63:32 = 1
  m.c.s.r[RAX] = kTssSel;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x00, 0xD8}));  // ltr ax
  EXPECT_EQ(m.c.s.tr.selector, kTssSel);
  EXPECT_EQ(m.c.s.tr.base, 0x100000000ull | kTss);
  EXPECT_EQ(m.c.s.tr.limit, 0x67u);
  EXPECT_EQ(m.get<uint8_t>(kGdt + kTssSel + 5), 0x8B);  // busy
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD8}), kGP, kTssSel);  // already busy
  m.c.s.r[RAX] = 0;
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD8}), kGP, 0);
  m.c.s.r[RAX] = kTssSel | 4;
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD8}), kGP, kTssSel | 4);
  m.c.s.r[RAX] = kKernelDs;
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD8}), kGP, kKernelDs);
  // The upper half of a 16-byte system descriptor must have type 0.
  m.set_gdt(kTssSel, seg_desc(static_cast<uint32_t>(kTss), 0x67, 0x0089));
  m.set_gdt(kTssSel + 8, uint64_t{0x9} << 40);
  m.c.s.r[RAX] = kTssSel;
  EXPECT_FAULT(exec1(m, {0x0F, 0x00, 0xD8}), kGP, kTssSel);
}

TEST(DescriptorTables, LgdtLidt) {
  SysMachine m;
  m.put<uint16_t>(kData, 0x3FF);
  m.put<uint64_t>(kData + 2, 0xFFFF800000010000ull);
  m.c.s.r[RAX] = kData;
  EXPECT_RETIRED(exec1(m, {0x0F, 0x01, 0x18}));  // lidt [rax]
  EXPECT_EQ(m.c.s.idtr.base, 0xFFFF800000010000ull);
  EXPECT_EQ(m.c.s.idtr.limit, 0x3FFu);
  m.put<uint64_t>(kData + 2, 0x0000800000010000ull);
  EXPECT_FAULT(exec1(m, {0x0F, 0x01, 0x10}), kGP, 0);  // lgdt of a non-canonical base
  EXPECT_EQ(m.c.s.gdtr.base, kGdt);
}

// --- Far transfers ------------------------------------------------------------------

// jmp far [rax] (m16:32) or, with rex_w, m16:64.
RunResult jmp_far(SysMachine& m, uint16_t sel, uint64_t off, bool rex_w = false, bool user = false) {
  if (rex_w) {
    m.put<uint64_t>(kData, off);
    m.put<uint16_t>(kData + 8, sel);
  } else {
    m.put<uint32_t>(kData, static_cast<uint32_t>(off));
    m.put<uint16_t>(kData + 4, sel);
  }
  m.c.s.r[RAX] = kData;
  return exec1(m, rex_w ? Bytes{0x48, 0xFF, 0x28} : Bytes{0xFF, 0x28}, user);
}

TEST(FarTransfers, JumpChecks) {
  SysMachine m;
  EXPECT_FAULT(jmp_far(m, 0, 0x1000), kGP, 0);
  EXPECT_FAULT(jmp_far(m, kKernelDs, 0x1000), kGP, kKernelDs);
  EXPECT_FAULT(jmp_far(m, kTssSel, 0x1000), kGP, kTssSel);  // no task switches
  EXPECT_FAULT(jmp_far(m, kCode16, 0x1000), kGP, kCode16);  // no 16-bit code
  EXPECT_FAULT(jmp_far(m, kUserCs, 0x1000), kGP, kUserCs & ~3);  // DPL 3 != CPL 0
  m.set_gdt(kKernelDs2, seg_desc(0, 0xFFFFF, 0xA01B));  // 64-bit code, not present
  EXPECT_FAULT(jmp_far(m, kKernelDs2, 0x1000), kNP, kKernelDs2);
  m.set_gdt(kKernelDs2, seg_desc(0, 0xFFFFF, 0xE09B));  // L and D both set
  EXPECT_FAULT(jmp_far(m, kKernelDs2, 0x1000), kGP, kKernelDs2);
  EXPECT_FAULT(jmp_far(m, kKernelCs, 0x0000800000000000ull, true), kGP, 0);
  EXPECT_EQ(m.c.s.rip(), kKernelCode);
  EXPECT_RETIRED(jmp_far(m, kKernelCs, 0xFFFF800000001000ull, true));
  EXPECT_EQ(m.c.s.rip(), 0xFFFF800000001000ull);
}

TEST(FarTransfers, ConformingCodeKeepsTheCpl) {
  SysMachine m;
  EXPECT_RETIRED(jmp_far(m, kUserCsConforming, kUserCode + 0x100, false, true));
  EXPECT_EQ(m.c.s.cpl, 3);
  EXPECT_EQ(m.c.s.seg[CS].selector, kUserCsConforming | 3);
  EXPECT_EQ(m.c.s.rip(), kUserCode + 0x100);
}

TEST(FarTransfers, CallPushesCsAndReturnAddress) {
  SysMachine m;
  m.put<uint64_t>(kData, 0x12000);
  m.put<uint16_t>(kData + 8, kKernelCs);
  m.c.s.r[RAX] = kData;
  const uint64_t rsp = m.c.s.r[RSP];
  EXPECT_RETIRED(exec1(m, {0x48, 0xFF, 0x18}));  // call far [rax] (m16:64)
  EXPECT_EQ(m.c.s.rip(), 0x12000u);
  EXPECT_EQ(m.c.s.r[RSP], rsp - 16);
  EXPECT_EQ(m.get<uint64_t>(rsp - 8), kKernelCs);
  EXPECT_EQ(m.get<uint64_t>(rsp - 16), kKernelCode + 3);
  // retfq 8 back: pops both and 8 bytes of parameters.
  EXPECT_RETIRED(exec1(m, {0x48, 0xCA, 0x08, 0x00}));
  EXPECT_EQ(m.c.s.rip(), kKernelCode + 3);
  EXPECT_EQ(m.c.s.r[RSP], rsp + 8);
}

TEST(FarTransfers, RetfToAnOuterLevelPopsTheStack) {
  SysMachine m;
  const uint64_t sp = kRsp0 - 0x100;
  const uint64_t frame[4] = {kUserCode, kUserCs, 0x2FF00, kUserDs};
  m.write(sp, frame, sizeof frame);
  m.c.s.r[RSP] = sp;
  EXPECT_RETIRED(exec1(m, {0x48, 0xCB}));  // retfq
  EXPECT_EQ(m.c.s.cpl, 3);
  EXPECT_EQ(m.c.s.rip(), kUserCode);
  EXPECT_EQ(m.c.s.r[RSP], 0x2FF00u);
  EXPECT_EQ(m.c.s.seg[SS].selector, kUserDs);
  EXPECT_EQ(m.c.s.seg[DS].selector, 0u);  // DPL 0 data: nulled
  // And a retf to a more privileged level is #GP(selector).
  m.write(0x2FF00, frame, sizeof frame);
  const uint64_t back[2] = {kKernelCode, kKernelCs};
  m.write(0x2FF00, back, sizeof back);
  m.c.set_stop_on_exception(true);
  m.code(kUserCode, {0x48, 0xCB});
  EXPECT_FAULT(m.c.run(1), kGP, kKernelCs);
}

// --- Modes ---------------------------------------------------------------------------

// The state of a Multiboot entry (DESIGN §3): 32-bit protected mode, paging
// off, flat segments, no IDT.
void multiboot_entry(SysMachine& m) {
  CpuState& s = m.c.s;
  s.cr0 = cr0_bit::PE | cr0_bit::ET;
  s.cr4 = 0;
  s.efer = 0;
  s.cr3 = 0;
  s.idtr = DescriptorTable{0, 0};
  s.tr = Segment{0, 0, 0, 0};
  s.seg[CS] = Segment{kKernelCs32, 0, 0xFFFFFFFF, 0xC09B};
  for (int i : {ES, SS, DS, FS, GS}) s.seg[i] = Segment{kKernelDs, 0, 0xFFFFFFFF, 0xC093};
  m.c.mode_changed();
  s.r[RAX] = 0x2BADB002;
  s.r[RSP] = 0x8000;
  s.rip() = kKernelCode;
}

TEST(Modes, MultibootEntryToLongModeThroughCompatibilityMode) {
  SysMachine m;
  multiboot_entry(m);
  ASSERT_EQ(m.c.s.mode, CpuMode::Prot32);
  m.code(kKernelCode, SNIPPET_CODE(mb_to_long));
  EXPECT_EQ(m.c.run(11).reason, StopReason::Budget);  // up to and with the or eax, PG
  EXPECT_EQ(m.c.s.mode, CpuMode::Prot32);
  EXPECT_EQ(m.c.s.cr4, cr4_bit::PAE);
  EXPECT_EQ(m.c.s.cr3, 0x100000u);
  EXPECT_EQ(m.c.s.efer, efer_bit::LME);
  EXPECT_EQ(m.c.run(1).reason, StopReason::Budget);  // mov cr0, eax
  EXPECT_EQ(m.c.s.mode, CpuMode::Compat32);
  EXPECT_EQ(m.c.s.efer, efer_bit::LME | efer_bit::LMA);
  EXPECT_EQ(m.c.s.cr0 & cr0_bit::PG, cr0_bit::PG);
  EXPECT_EQ(m.c.run(1).reason, StopReason::Budget);  // ljmp 0x08
  EXPECT_EQ(m.c.s.mode, CpuMode::Long64);
  EXPECT_EQ(m.c.s.seg[CS].selector, kKernelCs);
  const RunResult r = m.c.run(100);
  EXPECT_EQ(r.reason, StopReason::Halted) << r.message;
  EXPECT_EQ(m.c.s.r[RAX], 0x123456789u);
  EXPECT_EQ(m.c.s.seg[SS].selector, kKernelDs);
  EXPECT_EQ(m.c.instructions(), 19u);
}

TEST(Modes, RoundTripThroughCompatibilityModeWithFarTransfers) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(mode_roundtrip));
  const uint64_t rsp = m.c.s.r[RSP];
  EXPECT_EQ(m.c.run(4).reason, StopReason::Budget);  // push, lea, push, retfq
  EXPECT_EQ(m.c.s.mode, CpuMode::Compat32);
  EXPECT_EQ(m.c.s.seg[CS].selector, kKernelCs32);
  EXPECT_EQ(m.c.s.r[RSP], rsp);
  EXPECT_EQ(m.c.run(1).reason, StopReason::Budget);  // lcall 0x30: pushes 4-byte CS and EIP
  EXPECT_EQ(m.c.s.r[RSP], rsp - 8);
  EXPECT_EQ(m.get<uint32_t>(rsp - 4), kKernelCs32);
  const RunResult r = m.c.run(100);
  EXPECT_EQ(r.reason, StopReason::Halted) << r.message;
  EXPECT_EQ(m.c.s.mode, CpuMode::Long64);
  EXPECT_EQ(m.c.s.r[RSI], 0x5151u);
  EXPECT_EQ(m.c.s.r[RDI], 0x6464u);
  EXPECT_EQ(m.c.s.r[RSP], rsp);
  EXPECT_EQ(m.c.instructions(), 12u);
}

TEST(Modes, ProtectedModeSegmentsAndIretd) {
  SysMachine m;
  multiboot_entry(m);
  m.c.s.seg[ES].selector = 0;
  m.c.s.seg[FS].selector = 0;
  m.code(kKernelCode, SNIPPET_CODE(prot32_segments));
  const RunResult r = m.c.run(100);
  EXPECT_EQ(r.reason, StopReason::Halted) << r.message;
  EXPECT_EQ(m.c.s.mode, CpuMode::Prot32);
  EXPECT_EQ(m.c.s.seg[ES].selector, kKernelDs);
  EXPECT_EQ(m.c.s.seg[FS].selector, kKernelDs);
  EXPECT_EQ(m.c.s.r[RAX], 0x3232u);
  EXPECT_EQ(m.c.s.r[RSP], 0x8000u);
}

TEST(Modes, ProtectedModeExceptionsUseThe32BitIdt) {
  SysMachine m;
  multiboot_entry(m);
  // A 32-bit interrupt gate for #UD to a stub, in an 8-byte-entry IDT.
  const uint64_t idt = kData;
  const uint64_t target = kStubs + 8 * kUD;
  const uint64_t gate = (target & 0xFFFF) | (uint64_t{kKernelCs32} << 16) | (uint64_t{0x8E} << 40) |
                        ((target >> 16) << 48);
  m.put<uint64_t>(idt + 8 * kUD, gate);
  m.c.s.idtr = DescriptorTable{idt, 0xFF};
  m.code(kKernelCode, {0x0F, 0x0B});
  ASSERT_EQ(m.run_to_handler(), kUD) << m.last.message;
  EXPECT_EQ(m.c.s.r[RSP], 0x8000u - 12);  // EIP, CS, EFLAGS as dwords
  EXPECT_EQ(m.get<uint32_t>(0x8000 - 12), kKernelCode);
  EXPECT_EQ(m.get<uint32_t>(0x8000 - 8), kKernelCs32);
}

TEST(Modes, IntoTrapsOnOverflowIn32BitCode) {
  SysMachine m;
  multiboot_entry(m);
  const uint64_t idt = kData;
  const uint64_t target = kStubs + 8 * kOF;
  m.put<uint64_t>(idt + 8 * kOF, (target & 0xFFFF) | (uint64_t{kKernelCs32} << 16) | (uint64_t{0x8F} << 40) |
                                     ((target >> 16) << 48));  // 32-bit trap gate
  m.c.s.idtr = DescriptorTable{idt, 0xFF};
  m.code(kKernelCode, {0xCE, 0x04, 0x7F, 0xCE, 0x90});  // into; add al, 0x7f; into; nop
  m.c.s.r[RAX] = 1;
  ASSERT_EQ(m.run_to_handler(), kOF) << m.last.message;
  EXPECT_EQ(m.get<uint32_t>(0x8000 - 12), kKernelCode + 4);  // a trap: after the second into
  EXPECT_EQ(m.c.instructions(), 4u);
}

TEST(Modes, Int1IsDeliveredWithoutTheDplCheck) {
  SysMachine m;
  m.code(kUserCode, {0xF1});
  m.enter_user(kUserCode);
  ASSERT_EQ(m.run_to_handler(), kDB) << m.last.message;
  EXPECT_EQ(m.stack(0), kUserCode + 1);
}

TEST(Modes, MultibootExceptionWithoutIdtIsATripleFault) {
  SysMachine m;
  multiboot_entry(m);
  m.code(kKernelCode, {0x0F, 0x0B});
  const RunResult r = m.c.run(10);
  EXPECT_EQ(r.reason, StopReason::TripleFault);
  EXPECT_NE(r.message.find("32-bit protected mode"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace vmsim::cpu::systest
