#include "core/vmx.h"

#include "core/events.h"
#include "core/tlb.h"

namespace vmsim {

const char* exit_reason_name(ExitReason r) {
  switch (r) {
    case ExitReason::ExceptionNmi: return "EXCEPTION_NMI";
    case ExitReason::ExternalInterrupt: return "EXTERNAL_INTERRUPT";
    case ExitReason::TripleFault: return "TRIPLE_FAULT";
    case ExitReason::Cpuid: return "CPUID";
    case ExitReason::Hlt: return "HLT";
    case ExitReason::Invlpg: return "INVLPG";
    case ExitReason::Rdtsc: return "RDTSC";
    case ExitReason::Vmcall: return "VMCALL";
    case ExitReason::CrAccess: return "CR_ACCESS";
    case ExitReason::IoInstruction: return "IO_INSTRUCTION";
    case ExitReason::MsrRead: return "MSR_READ";
    case ExitReason::MsrWrite: return "MSR_WRITE";
    case ExitReason::EptViolation: return "EPT_VIOLATION";
    case ExitReason::EptMisconfig: return "EPT_MISCONFIG";
    case ExitReason::ApicAccess: return "APIC_ACCESS";
    case ExitReason::Invpcid: return "INVPCID";
    case ExitReason::kMax: break;
  }
  return nullptr;
}

const char* trap_kind_name(TrapKind k) {
  switch (k) {
    case TrapKind::ShadowPtWrite: return "shadow_pt_write";
    case TrapKind::ShadowHiddenFault: return "shadow_hidden_fault";
    case TrapKind::ShadowGuestFault: return "shadow_guest_fault";
    case TrapKind::ShadowDirty: return "shadow_dirty";
    case TrapKind::ShadowCr3Switch: return "shadow_cr3_switch";
    case TrapKind::ShadowInvlpg: return "shadow_invlpg";
    case TrapKind::ShadowResync: return "shadow_resync";
    case TrapKind::ShadowUnshadow: return "shadow_unshadow";
    case TrapKind::EptFill: return "ept_fill";
    case TrapKind::Mmio: return "mmio";
    case TrapKind::kCount: break;
  }
  return "?";
}

void Vmx::exit(ExitReason reason, TrapKind trap) {
  ++stats_.exits;
  if (observer_) observer_->on_vmexit(reason, trap);
  ++stats_.by_reason[static_cast<int>(reason)];
  if (!vpid_ && tlb_) {
    tlb_->flush_all(FlushCause::VmExit);
    tlb_->flush_all(FlushCause::VmEntry);
  }
}

}  // namespace vmsim
