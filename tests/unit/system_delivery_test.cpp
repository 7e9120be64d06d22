// Exception and interrupt delivery through the 64-bit IDT (SDM Vol. 3A,
// chapter 6): stack frames, RSP0 and IST stack switches, gate checks, the
// double-fault and triple-fault rules, external interrupts with IF and the
// interrupt shadow, and hlt.
#include "tests/unit/system_fixture.h"

SYS_SNIPPET(sti_shadow)
SYS_SNIPPET(movss_shadow)
SYS_SNIPPET(sti_hlt)
SYS_SNIPPET(count_iretq)
SYS_SNIPPET(busy_loop)

namespace vmsim::cpu::systest {
namespace {

const std::vector<uint8_t> kUd2 = {0x0F, 0x0B};

// --- Frames and stacks -----------------------------------------------------------

TEST(Delivery, ExceptionAtCpl0PushesFrameOnAlignedStack) {
  SysMachine m;
  m.code(kKernelCode, kUd2);
  m.c.s.r[RSP] = 0x8EF8;  // not 16-byte aligned
  m.c.s.rflags = fl::Reserved1 | fl::CF | fl::TF | fl::NT;
  ASSERT_EQ(m.run_to_handler(), kUD) << m.last.message;
  EXPECT_EQ(m.c.s.r[RSP], 0x8EF0u - 40);  // aligned down, five 8-byte slots
  EXPECT_EQ(m.stack(0), kKernelCode);     // a fault: RIP of the instruction
  EXPECT_EQ(m.stack(1), kKernelCs);
  EXPECT_EQ(m.stack(2), fl::Reserved1 | fl::CF | fl::TF | fl::NT);
  EXPECT_EQ(m.stack(3), 0x8EF8u);
  EXPECT_EQ(m.stack(4), kKernelDs);
  // TF and NT cleared; an interrupt gate clears IF.
  EXPECT_EQ(m.c.s.rflags & (fl::TF | fl::NT | fl::IF), 0u);
  EXPECT_EQ(m.c.s.rflags & fl::CF, fl::CF);
  EXPECT_EQ(m.c.s.cpl, 0);
  EXPECT_EQ(m.c.stats().exceptions[kUD], 1u);
}

TEST(Delivery, ErrorCodeIsPushedLast) {
  SysMachine m;
  // mov ax, 0x60; mov ds, ax: a not-present segment, #NP(0x60).
  m.code(kKernelCode, {0x66, 0xB8, 0x60, 0x00, 0x8E, 0xD8});
  m.c.s.r[RSP] = 0x8F00;
  ASSERT_EQ(m.run_to_handler(), kNP) << m.last.message;
  EXPECT_EQ(m.c.s.r[RSP], 0x8F00u - 48);
  EXPECT_EQ(m.stack(0), 0x60u);               // error code
  EXPECT_EQ(m.stack(1), kKernelCode + 4);     // the mov ds
  EXPECT_EQ(m.stack(2), kKernelCs);
  EXPECT_EQ(m.stack(4), 0x8F00u);
}

TEST(Delivery, PageFaultSetsCr2AndPushesItsErrorCode) {
  SysMachine m;
  // mov byte ptr [rax], 1 with rax beyond RAM: a not-present write.
  m.code(kKernelCode, {0xC6, 0x00, 0x01});
  m.c.s.r[RAX] = 0x7000000;
  ASSERT_EQ(m.run_to_handler(), kPF) << m.last.message;
  EXPECT_EQ(m.c.s.cr2, 0x7000000u);
  EXPECT_EQ(m.stack(0), 2u);  // W/R = 1, P = 0, U/S = 0
  EXPECT_EQ(m.stack(1), kKernelCode);
}

TEST(Delivery, FromCpl3SwitchesToRsp0WithNullSs) {
  SysMachine m;
  m.code(kUserCode, kUd2);
  m.enter_user(kUserCode, 0x2FFF8);
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  ASSERT_EQ(m.run_to_handler(), kUD) << m.last.message;
  EXPECT_EQ(m.c.s.cpl, 0);
  EXPECT_EQ(m.c.s.mode, CpuMode::Long64);
  EXPECT_EQ(m.c.s.r[RSP], kRsp0 - 40);
  EXPECT_EQ(m.stack(0), kUserCode);
  EXPECT_EQ(m.stack(1), kUserCs);
  EXPECT_EQ(m.stack(2), fl::Reserved1 | fl::IF);
  EXPECT_EQ(m.stack(3), 0x2FFF8u);
  EXPECT_EQ(m.stack(4), kUserDs);
  EXPECT_EQ(m.c.s.seg[SS].selector, 0u);  // null, RPL = new CPL 0
  EXPECT_EQ(m.c.s.seg[CS].selector, kKernelCs);
  EXPECT_EQ(m.c.s.rflags & fl::IF, 0u);
}

TEST(Delivery, RspNOfTheHandlersPrivilegeLevel) {
  SysMachine m;
  // A DPL 1 code segment for the handler: RSP1 comes from the TSS. (The
  // handler spins: hlt would fault at CPL 1.)
  m.set_gdt(kKernelDs2, seg_desc(0, 0xFFFFF, 0xA0BB));
  m.set_gate(kUD, 0x11000, kKernelDs2 | 1, 0xE, 0);
  m.code(0x11000, {0xEB, 0xFE});  // jmp $
  m.code(kUserCode, kUd2);
  m.enter_user(kUserCode);
  EXPECT_EQ(m.run(10).reason, StopReason::Budget);
  EXPECT_EQ(m.c.s.rip(), 0x11000u);
  EXPECT_EQ(m.c.s.cpl, 1);
  EXPECT_EQ(m.c.s.r[RSP], 0x7000u - 40);
  EXPECT_EQ(m.c.s.seg[SS].selector, 1u);
  EXPECT_EQ(m.c.s.seg[CS].selector, kKernelDs2 | 1);
}

TEST(Delivery, IstSwitchesStacksEvenWithoutPrivilegeChange) {
  SysMachine m;
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xE, 0, /*ist=*/2);
  m.code(kKernelCode, kUd2);
  m.c.s.r[RSP] = 0x8800;
  ASSERT_EQ(m.run_to_handler(), kUD) << m.last.message;
  EXPECT_EQ(m.c.s.r[RSP], kIst2 - 40);
  EXPECT_EQ(m.stack(3), 0x8800u);
  EXPECT_EQ(m.stack(4), kKernelDs);  // same privilege: SS unchanged
  EXPECT_EQ(m.c.s.seg[SS].selector, kKernelDs);
}

TEST(Delivery, IstAtCpl3TakesTheIstNotRsp0) {
  SysMachine m;
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xE, 0, /*ist=*/1);
  m.code(kUserCode, kUd2);
  m.enter_user(kUserCode);
  ASSERT_EQ(m.run_to_handler(), kUD) << m.last.message;
  EXPECT_EQ(m.c.s.r[RSP], kIst1 - 40);
  EXPECT_EQ(m.c.s.seg[SS].selector, 0u);
}

TEST(Delivery, TrapGateKeepsIfAndInt3ReturnsAfterTheInstruction) {
  SysMachine m;
  m.set_gate(kBP, kStubs + 8 * kBP, kKernelCs, 0xF, 3);
  m.code(kKernelCode, {0x90, 0xCC});  // nop; int3
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  ASSERT_EQ(m.run_to_handler(), kBP) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode + 2);  // a trap: after int3
  EXPECT_EQ(m.c.s.rflags & fl::IF, fl::IF);
  EXPECT_EQ(m.c.instructions(), 3u);  // nop, int3, the stub's hlt
}

// --- Gate checks --------------------------------------------------------------

TEST(Delivery, SoftwareInterruptChecksGateDpl) {
  SysMachine m;
  m.code(kUserCode, {0xCD, 0x80});  // int 0x80 at CPL 3 through a DPL 0 gate
  m.enter_user(kUserCode);
  ASSERT_EQ(m.run_to_handler(), kGP) << m.last.message;
  EXPECT_EQ(m.stack(0), 0x80u * 8 + 2);  // IDT, EXT = 0
  EXPECT_EQ(m.stack(1), kUserCode);      // the fault points at int 0x80
  EXPECT_EQ(m.c.instructions(), 1u);     // int 0x80 did not retire; the stub's hlt did
}

TEST(Delivery, Int3ChecksGateDplButExceptionsDoNot) {
  SysMachine m;
  m.code(kUserCode, {0xCC});
  m.enter_user(kUserCode);
  ASSERT_EQ(m.run_to_handler(), kGP) << m.last.message;
  EXPECT_EQ(m.stack(0), 3u * 8 + 2);
  // The same DPL 0 gates deliver a hardware exception raised at CPL 3.
  SysMachine n;
  n.code(kUserCode, kUd2);
  n.enter_user(kUserCode);
  EXPECT_EQ(n.run_to_handler(), kUD) << n.last.message;
}

TEST(Delivery, SoftwareInterruptThroughDpl3Gate) {
  SysMachine m;
  m.set_gate(0x80, kStubs + 8 * 0x80, kKernelCs, 0xE, 3);
  m.code(kUserCode, {0xCD, 0x80});
  m.enter_user(kUserCode);
  ASSERT_EQ(m.run_to_handler(), 0x80) << m.last.message;
  EXPECT_EQ(m.stack(0), kUserCode + 2);
  EXPECT_EQ(m.c.stats().software_interrupts, 1u);
}

TEST(Delivery, NotPresentGateIsNpWithIdtAndExtBits) {
  SysMachine m;
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xE, 0, 0, /*present=*/false);
  m.code(kKernelCode, kUd2);
  ASSERT_EQ(m.run_to_handler(), kNP) << m.last.message;
  EXPECT_EQ(m.stack(0), uint64_t{kUD} * 8 + 3);  // IDT | EXT: benign then contributory is serial
  EXPECT_EQ(m.stack(1), kKernelCode);
}

TEST(Delivery, WrongGateTypeAndBadTargetSegment) {
  SysMachine m;
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xC, 0);  // a call gate
  m.code(kKernelCode, kUd2);
  ASSERT_EQ(m.run_to_handler(), kGP) << m.last.message;
  EXPECT_EQ(m.stack(0), uint64_t{kUD} * 8 + 3);
  SysMachine n;
  n.set_gate(kUD, kStubs + 8 * kUD, kKernelCs32, 0xE, 0);  // not a 64-bit code segment
  n.code(kKernelCode, kUd2);
  ASSERT_EQ(n.run_to_handler(), kGP) << n.last.message;
  EXPECT_EQ(n.stack(0), kKernelCs32 | 1u);  // selector | EXT
  SysMachine o;
  o.set_gate(kUD, kStubs + 8 * kUD, kKernelDs, 0xE, 0);  // a data segment
  o.code(kKernelCode, kUd2);
  ASSERT_EQ(o.run_to_handler(), kGP) << o.last.message;
  EXPECT_EQ(o.stack(0), kKernelDs | 1u);
}

TEST(Delivery, MissingTssStackIsInvalidTss) {
  SysMachine m;
  m.c.s.tr.limit = 0x20;  // too short for IST2 at 0x2C
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xE, 0, 2);
  m.set_gate(kTS, kStubs + 8 * kTS, kKernelCs, 0xE, 0, 0);
  m.code(kKernelCode, kUd2);
  ASSERT_EQ(m.run_to_handler(), kTS) << m.last.message;
  EXPECT_EQ(m.stack(0), kTssSel | 1u);
}

// --- Double and triple faults --------------------------------------------------

TEST(Delivery, ContributoryDuringContributoryIsDoubleFault) {
  SysMachine m;
  m.set_gate(kGP, kStubs + 8 * kGP, kKernelCs, 0xE, 0, 0, false);  // #GP gate absent: #NP
  m.set_gate(kDF, kStubs + 8 * kDF, kKernelCs, 0xE, 0, 1);
  m.code(kKernelCode, {0x66, 0xB8, 0x00, 0x10, 0x8E, 0xD8});  // mov ds, 0x1000: beyond the GDT: #GP
  ASSERT_EQ(m.run_to_handler(), kDF) << m.last.message;
  EXPECT_EQ(m.stack(0), 0u);  // #DF's error code is 0
  EXPECT_EQ(m.c.s.r[RSP], kIst1 - 48);
  EXPECT_EQ(m.c.stats().exceptions[kGP], 1u);
  EXPECT_EQ(m.c.stats().exceptions[kNP], 0u);  // became the #DF: never delivered
  EXPECT_EQ(m.c.stats().exceptions[kDF], 1u);
}

TEST(Delivery, PageFaultWhileDeliveringPageFaultIsDoubleFault) {
  SysMachine m;
  // RSP0 points outside RAM: delivering the user's #PF faults on the stack.
  m.put<uint64_t>(kTss + 4, 0x7001000);
  m.set_gate(kDF, kStubs + 8 * kDF, kKernelCs, 0xE, 0, 1);
  m.code(kUserCode, {0xC6, 0x00, 0x01});  // mov byte ptr [rax], 1
  m.enter_user(kUserCode);
  m.c.s.r[RAX] = 0x7000000;
  ASSERT_EQ(m.run_to_handler(), kDF) << m.last.message;
  EXPECT_EQ(m.c.s.cr2, 0x7001000u - 48);  // the second #PF: the frame's lowest address
  EXPECT_EQ(m.stack(1), kUserCode);  // #DF's frame: the faulting user instruction
  EXPECT_EQ(m.stack(2), kUserCs);
}

TEST(Delivery, BenignThenContributoryIsSerial) {
  SysMachine m;
  m.set_gate(kUD, kStubs + 8 * kUD, kKernelCs, 0xE, 0, 0, false);
  m.code(kKernelCode, kUd2);
  EXPECT_EQ(m.run_to_handler(), kNP) << m.last.message;
}

TEST(Delivery, NoIdtIsATripleFault) {
  SysMachine m;
  m.c.s.idtr = DescriptorTable{0, 0};
  m.code(kKernelCode, kUd2);
  const RunResult r = m.run();
  ASSERT_EQ(r.reason, StopReason::TripleFault);
  EXPECT_EQ(r.exception.vector, kUD);  // the first exception
  EXPECT_EQ(m.c.s.rip(), kKernelCode);
  EXPECT_NE(r.message.find("#UD at rip 0x10000"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("beyond the IDT limit"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("double fault"), std::string::npos) << r.message;
}

TEST(Delivery, TripleFaultMessageSaysWhyTheFirstFaultHappened) {
  SysMachine m;
  m.c.s.idtr = DescriptorTable{0, 0};
  m.c.s.r[RAX] = 1ull << 40;
  m.code(kKernelCode, {0x0F, 0x22, 0xC0});  // mov cr0, rax: reserved bits
  const RunResult r = m.run();
  ASSERT_EQ(r.reason, StopReason::TripleFault);
  EXPECT_NE(r.message.find("#GP (error 0) at rip 0x10000 (CPL 0, 64-bit mode: mov cr0: reserved bits 63:32 set)"),
            std::string::npos)
      << r.message;
  // A later, successful delivery does not inherit an old explanation.
  SysMachine n;
  n.code(kKernelCode, {0x0F, 0x22, 0xC0});
  n.c.s.r[RAX] = 1ull << 40;
  ASSERT_EQ(n.run_to_handler(), kGP);
  n.c.s.idtr = DescriptorTable{0, 0};
  n.code(kKernelCode + 0x100, {0x0F, 0x0B});
  n.c.s.rip() = kKernelCode + 0x100;
  n.c.s.halted = false;
  const RunResult r2 = n.run();
  ASSERT_EQ(r2.reason, StopReason::TripleFault);
  EXPECT_EQ(r2.message.find("mov cr0"), std::string::npos) << r2.message;
}

TEST(Delivery, FaultDeliveringDoubleFaultIsATripleFault) {
  SysMachine m;
  m.set_gate(kGP, kStubs + 8 * kGP, kKernelCs, 0xE, 0, 0, false);
  m.set_gate(kDF, kStubs + 8 * kDF, kKernelCs, 0xE, 0, 0, false);
  m.code(kKernelCode, {0x66, 0xB8, 0x00, 0x10, 0x8E, 0xD8});
  const RunResult r = m.run();
  ASSERT_EQ(r.reason, StopReason::TripleFault);
  EXPECT_EQ(r.exception.vector, kGP);
  EXPECT_EQ(r.exception.error, 0x1000u);
  EXPECT_NE(r.message.find("#DF"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("not present"), std::string::npos) << r.message;
}

TEST(Delivery, StopOnExceptionStillStops) {
  SysMachine m;
  m.c.set_stop_on_exception(true);
  m.code(kKernelCode, {0xCD, 0x80});
  RunResult r = m.run();
  EXPECT_EQ(r.reason, StopReason::Exception);
  EXPECT_EQ(r.exception.vector, 0x80);
  EXPECT_TRUE(r.exception.trap);
  EXPECT_EQ(m.c.s.rip(), kKernelCode + 2);
  m.code(kKernelCode, kUd2);
  m.c.s.rip() = kKernelCode;
  r = m.run();
  EXPECT_EQ(r.reason, StopReason::Exception);
  EXPECT_EQ(r.exception.vector, kUD);
}

// --- External interrupts, IF, the interrupt shadow, hlt ------------------------

TEST(Interrupts, PendingInterruptIsDeliveredWhenIfIsSet) {
  SysMachine m;
  m.code(kKernelCode, {0x90, 0x90, 0x90});
  m.plat.pending.push_back(0x30);
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  ASSERT_EQ(m.run_to_handler(), 0x30) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode);  // before the first instruction
  EXPECT_EQ(m.stack(2), fl::Reserved1 | fl::IF);
  EXPECT_EQ(m.plat.acknowledged, std::vector<uint8_t>{0x30});
  EXPECT_EQ(m.c.stats().interrupts, 1u);
}

TEST(Interrupts, ClearIfBlocksThem) {
  SysMachine m;
  m.code(kKernelCode, {0x90, 0x90, 0xF4});
  m.plat.pending.push_back(0x30);
  const RunResult r = m.run();
  EXPECT_EQ(r.reason, StopReason::Halted);
  EXPECT_EQ(m.c.s.rip(), kKernelCode + 3);
  EXPECT_NE(r.message.find("interrupts disabled"), std::string::npos) << r.message;
  EXPECT_TRUE(m.plat.acknowledged.empty());
}

TEST(Interrupts, StiShadowDelaysDeliveryByOneInstruction) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(sti_shadow));
  m.plat.pending.push_back(0x41);
  ASSERT_EQ(m.run_to_handler(), 0x41) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode + 2);  // after sti and the nop in its shadow
  EXPECT_EQ(m.c.instructions(), 3u);       // sti, nop, the stub's hlt
}

TEST(Interrupts, MovSsShadowDelaysDeliveryByOneInstruction) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(movss_shadow));
  m.plat.pending.push_back(0x41);
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  // Delivered before the mov ax, then (after iretq...) here: stop at the
  // first delivery, which happens before any instruction.
  ASSERT_EQ(m.run_to_handler(), 0x41);
  EXPECT_EQ(m.stack(0), kKernelCode);
  // Now with the interrupt raised by a device event right after mov ax.
  SysMachine n;
  n.code(kKernelCode, SNIPPET_CODE(movss_shadow));
  n.c.s.rflags = fl::Reserved1 | fl::IF;
  n.plat.schedule.emplace(2, 0x42);  // pending from device time 2 (after mov ss)
  ASSERT_EQ(n.run_to_handler(), 0x42) << n.last.message;
  EXPECT_EQ(n.stack(0), kKernelCode + 4 + 2 + 1);  // after mov ax, mov ss, nop
}

TEST(Interrupts, StiWhenIfIsAlreadySetHasNoShadow) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(sti_shadow));
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  m.plat.schedule.emplace(1, 0x41);  // raised after the sti
  ASSERT_EQ(m.run_to_handler(), 0x41) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode + 1);
}

TEST(Interrupts, HltWakesOnTheTimerAtItsDeviceTime) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(sti_hlt));
  m.code(0x11000, SNIPPET_CODE(count_iretq));
  m.set_gate(0x20, 0x11000, kKernelCs, 0xE, 0);
  m.plat.schedule.emplace(1000, 0x20);
  const RunResult r = m.run();
  // sti, hlt (sleeps from device time 2 to 1000), handler: inc rcx, iretq,
  // then inc rbx, hlt: halted with no further event.
  EXPECT_EQ(r.reason, StopReason::Halted);
  EXPECT_NE(r.message.find("no pending event"), std::string::npos) << r.message;
  EXPECT_EQ(m.c.s.r[RCX], 1u);
  EXPECT_EQ(m.c.s.r[RBX], 1u);
  EXPECT_EQ(m.c.instructions(), 6u);
  EXPECT_EQ(m.c.halted_ticks(), 998u);
  EXPECT_EQ(m.c.now(), 1004u);
  EXPECT_EQ(m.plat.advances, std::vector<uint64_t>{1000});
  EXPECT_EQ(m.c.s.rip(), kKernelCode + 6);
}

TEST(Interrupts, TscRunsWhileHalted) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(sti_hlt));
  m.code(0x11000, {0x0F, 0x31, 0x48, 0xCF});  // rdtsc; iretq
  m.set_gate(0x20, 0x11000, kKernelCs, 0xE, 0);
  m.plat.schedule.emplace(500, 0x20);
  m.run();
  EXPECT_EQ(m.c.s.r[RAX], 500u);  // read at device time 500: the first handler instruction
}

TEST(Interrupts, DeviceEventsFallDueExactly) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(busy_loop));
  for (uint64_t t : {7, 100, 101, 5000}) m.plat.schedule.emplace(t, 0x30);  // IF = 0: stays pending
  const RunResult r = m.run(6000);
  EXPECT_EQ(r.reason, StopReason::Budget);
  EXPECT_EQ(m.plat.advances, (std::vector<uint64_t>{7, 100, 101, 5000}));
  EXPECT_EQ(m.c.instructions(), 6000u);
}

TEST(Interrupts, ADeviceStoppingAtItsEventStopsBeforeTheNextInstruction) {
  SysMachine m;
  m.code(kKernelCode, SNIPPET_CODE(busy_loop));
  m.plat.schedule.emplace(5, 0x30);
  m.plat.on_advance = [&](uint64_t) { m.c.request_stop(); };  // say, the debug-exit port's timer
  const RunResult r = m.run(100);
  EXPECT_EQ(r.reason, StopReason::Requested);
  EXPECT_EQ(m.c.instructions(), 5u);
}

TEST(Interrupts, PortIoMakesTheCpuLookAtThePlatformAgain) {
  // A device raises an interrupt when written (as a self-IPI would): it is
  // delivered right after the out instruction, without a device event.
  SysMachine m;
  m.code(kKernelCode, {0xE6, 0x80, 0x90, 0x90, 0xF4});  // out 0x80, al; nop; nop; hlt
  m.c.s.rflags = fl::Reserved1 | fl::IF;
  m.plat.on_out = [&](uint16_t, uint32_t) { m.plat.pending.push_back(0x33); };
  ASSERT_EQ(m.run_to_handler(), 0x33) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode + 2);
}

TEST(Interrupts, PopfSettingIfTakesAPendingInterruptAtOnce) {
  // No shadow after popf: the interrupt comes right after it.
  SysMachine m;
  // push 2; or byte ptr [rsp+1], 2 (IF); popfq; nop; hlt
  m.code(kKernelCode, {0x6A, 0x02, 0x80, 0x4C, 0x24, 0x01, 0x02, 0x9D, 0x90, 0xF4});
  m.plat.pending.push_back(0x34);
  ASSERT_EQ(m.run_to_handler(), 0x34) << m.last.message;
  EXPECT_EQ(m.stack(0), kKernelCode + 8);  // after popfq
}

TEST(Interrupts, HaltWithNothingToWakeIt) {
  SysMachine m;
  m.code(kKernelCode, {0xFB, 0xF4});  // sti; hlt
  const RunResult r = m.run();
  EXPECT_EQ(r.reason, StopReason::Halted);
  EXPECT_NE(r.message.find("no pending event"), std::string::npos) << r.message;
  EXPECT_TRUE(m.c.s.halted);
}

TEST(Interrupts, LongIdleIsBoundedPerRun) {
  SysMachine m;
  m.code(kKernelCode, {0xFB, 0xF4});  // sti; hlt
  m.plat.schedule.emplace(1000000, 0x20);
  RunResult r = m.run(100);
  EXPECT_EQ(r.reason, StopReason::Budget);
  EXPECT_TRUE(m.c.s.halted);
  EXPECT_EQ(m.c.now(), 2u + 100);  // two instructions, then 100 ticks of idle budget
  while (r.reason == StopReason::Budget) r = m.c.run(1u << 20);
  // Woken at 1000000 into the vector 0x20 stub, which halts with IF = 0.
  EXPECT_EQ(r.reason, StopReason::Halted);
  EXPECT_EQ(m.c.s.rip(), kStubs + 8 * 0x20 + 1);
  EXPECT_EQ(m.c.now(), 1000001u);
  EXPECT_EQ(m.plat.advances, std::vector<uint64_t>{1000000});
}

}  // namespace
}  // namespace vmsim::cpu::systest
