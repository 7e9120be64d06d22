// The hypervisor's side of VMX that the shadow and EPT backends share: exits
// counted by basic exit reason (DESIGN §5), the MMU work counted by trap
// kind, and what an exit costs the TLB. Under `native` there is no
// hypervisor and none of this is used.
#pragma once
#include <cstdint>

namespace vmsim {

class Tlb;
class EventObserver;

// VMX basic exit reasons (SDM Vol. 3D, Appendix C); the numbering is the
// SDM's, the names are DESIGN §5's JSON keys.
enum class ExitReason : uint8_t {
  ExceptionNmi = 0,
  ExternalInterrupt = 1,
  TripleFault = 2,
  Cpuid = 10,
  Hlt = 12,
  Invlpg = 14,
  Rdtsc = 16,
  Vmcall = 18,
  CrAccess = 28,
  IoInstruction = 30,
  MsrRead = 31,
  MsrWrite = 32,
  EptViolation = 48,
  EptMisconfig = 49,
  ApicAccess = 44,
  Invpcid = 58,
  kMax = 64,
};
const char* exit_reason_name(ExitReason r);  // "EXCEPTION_NMI", ...

// The hypervisor's MMU work, by cause (DESIGN §5 `traps`).
enum class TrapKind : uint8_t {
  ShadowPtWrite,
  ShadowHiddenFault,
  ShadowGuestFault,
  ShadowDirty,
  ShadowCr3Switch,
  ShadowInvlpg,
  ShadowResync,
  ShadowUnshadow,
  EptFill,
  Mmio,
  kCount
};
const char* trap_kind_name(TrapKind k);  // "shadow_pt_write", ...

struct VmxStats {
  uint64_t exits = 0;
  uint64_t by_reason[static_cast<int>(ExitReason::kMax)] = {};
  uint64_t traps[static_cast<int>(TrapKind::kCount)] = {};
  // The hypervisor's own software walks of guest tables (shadow fills, MMIO
  // emulation): counted apart, never as hardware walk references.
  uint64_t soft_walks = 0;
  uint64_t soft_walk_refs = 0;
};

class Vmx {
 public:
  // vpid: TLB entries carry VPID 1 and survive exits and entries; without
  // it every VM exit and VM entry flushes the whole TLB (SDM Vol. 3C, 28.3.3.3).
  explicit Vmx(bool vpid) : vpid_(vpid) {}
  void attach_tlb(Tlb* tlb) { tlb_ = tlb; }
  bool vpid_enabled() const { return vpid_; }
  uint16_t guest_vpid() const { return vpid_ ? 1 : 0; }

  // One VM exit and the VM entry that resumes the guest, with the TLB
  // flushes they imply without VPID.
  void exit(ExitReason reason) { exit(reason, TrapKind::kCount); }
  // An exit for MMU work of the given kind (counted under both).
  void trap(TrapKind kind, ExitReason reason) {
    ++stats_.traps[static_cast<int>(kind)];
    exit(reason, kind);
  }
  void set_observer(EventObserver* o) { observer_ = o; }
  void soft_walk(unsigned refs) {
    ++stats_.soft_walks;
    stats_.soft_walk_refs += refs;
  }
  const VmxStats& stats() const { return stats_; }

 private:
  void exit(ExitReason reason, TrapKind trap);
  bool vpid_;
  Tlb* tlb_ = nullptr;
  EventObserver* observer_ = nullptr;
  VmxStats stats_;
};

}  // namespace vmsim
