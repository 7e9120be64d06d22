// Shadow pages: the tables the CPU really walks under shadow paging. Each
// one is a 512-entry table in a host frame that mirrors one guest table (or,
// when direct, one guest large page split into 4 KiB entries), found by the
// guest frame and a role (the design of KVM's shadow MMU,
// Documentation/virt/kvm/x86/mmu.rst).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/paging.h"
#include "core/types.h"

namespace vmsim::shadow {

// Shadow entry (spte) bits: the hardware format of core/paging.h. A leaf
// spte for device memory is kept not present, marked with a software bit and
// holding the guest-physical address, so that a walk finds it without the
// hypervisor (the model of KVM's MMIO sptes).
inline constexpr uint64_t kSpteMmio = 1ull << 52;
inline constexpr uint64_t kSpteLink = paging::kP | paging::kRW | paging::kUS;  // non-leaf: all rights

// What a shadow page's entries mean beyond the guest frame they mirror.
// Two walks that reach the same guest table with different rights above it,
// or under different paging controls, get different shadow pages.
struct Role {
  uint8_t level = 4;          // 4 = PML4 ... 1 = PT
  uint8_t access = paging::kRightW | paging::kRightU;  // rights combined above (paging::kRight*)
  bool direct = false;        // a guest large page split into smaller shadow entries
  bool wp = true;             // CR0.WP
  bool nxe = true;            // EFER.NXE
  bool smep = false;          // CR4.SMEP
  uint32_t bits() const {
    return level | access << 3 | direct << 6 | wp << 7 | nxe << 8 | smep << 9;
  }
  bool operator==(const Role& o) const { return bits() == o.bits(); }
};

struct ShadowPage;

// One shadow entry: the table and the index in it.
struct SptePtr {
  ShadowPage* sp = nullptr;
  uint16_t index = 0;
  bool operator==(const SptePtr& o) const { return sp == o.sp && index == o.index; }
};

struct ShadowPage {
  uint64_t gfn = 0;      // guest table mirrored; direct: first guest frame covered
  Role role;
  Hfn hfn;               // host frame holding the 512 sptes
  uint64_t* spt = nullptr;
  // The guest entries as the sptes were built from them (non-direct pages):
  // a write to the guest table zaps only the entries it changed, a resync
  // compares against them.
  std::array<uint64_t, 512> gpte{};
  std::array<ShadowPage*, 512> child{};  // non-leaf entries: the shadow page linked
  std::vector<SptePtr> parents;          // non-leaf sptes that link this page
  unsigned root_pins = 0;                // held as a cached root
  unsigned flood = 0;                    // emulated writes since the last use
  bool unsync = false;                   // guest table writable, sptes may be stale
  bool dead = false;                     // zapped; freed once the exit is handled
  uint64_t key() const { return gfn << 10 | role.bits(); }
};

inline uint64_t page_key(uint64_t gfn, const Role& r) { return gfn << 10 | r.bits(); }

// The rights a guest entry adds to those combined above it (SDM 4.6).
inline uint8_t combine(uint8_t above, uint64_t gpte, bool nxe) {
  uint8_t r = above;
  if (!(gpte & paging::kRW)) r &= ~paging::kRightW;
  if (!(gpte & paging::kUS)) r &= ~paging::kRightU;
  if (nxe && (gpte & paging::kNX)) r |= paging::kRightNx;
  return r;
}

// A leaf spte mapping host frame 'hpa' with 'rights'.
inline uint64_t make_leaf(uint64_t hpa, uint8_t rights, bool writable, bool global) {
  uint64_t e = hpa | paging::kP;
  if (writable && (rights & paging::kRightW)) e |= paging::kRW;
  if (rights & paging::kRightU) e |= paging::kUS;
  if (rights & paging::kRightNx) e |= paging::kNX;
  if (global) e |= paging::kG;
  return e;
}

// A device-memory spte: not present, the rights kept for the permission check.
inline uint64_t make_mmio(uint64_t gpa, uint8_t rights, bool writable, bool global) {
  return (make_leaf(gpa, rights, writable, global) & ~paging::kP) | kSpteMmio;
}

}  // namespace vmsim::shadow
