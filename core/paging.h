// x86-64 4-level paging: the entry format and a software walker usable by
// every backend (DESIGN §2). The walker reads entries through a TableMemory
// policy, which is where backends differ: native reads guest RAM directly,
// EPT translates each guest table address through the EPT first, the shadow
// hypervisor walks the guest's tables in software.
#pragma once
#include <cstdint>

#include "core/types.h"

namespace vmsim::paging {

// Entry bits (SDM Vol. 3A, 4.5, Tables 4-14 to 4-20).
inline constexpr uint64_t kP = 1ull << 0;
inline constexpr uint64_t kRW = 1ull << 1;
inline constexpr uint64_t kUS = 1ull << 2;
inline constexpr uint64_t kPWT = 1ull << 3;
inline constexpr uint64_t kPCD = 1ull << 4;
inline constexpr uint64_t kA = 1ull << 5;
inline constexpr uint64_t kD = 1ull << 6;
inline constexpr uint64_t kPS = 1ull << 7;
inline constexpr uint64_t kG = 1ull << 8;
inline constexpr uint64_t kNX = 1ull << 63;

// MAXPHYADDR (CPUID.80000008H:EAX[7:0]); must agree with cpu/cpuid.h.
inline constexpr unsigned kMaxPhysBits = 39;
inline constexpr uint64_t kAddrMask = ((1ull << kMaxPhysBits) - 1) & ~0xFFFull;
// Bits 51:MAXPHYADDR of any present entry are reserved.
inline constexpr uint64_t kRsvdHighAddr = ((1ull << 52) - 1) & ~((1ull << kMaxPhysBits) - 1);

// #PF error code (SDM Vol. 3A, 4.7).
inline constexpr uint32_t kPfPresent = 1u << 0;
inline constexpr uint32_t kPfWrite = 1u << 1;
inline constexpr uint32_t kPfUser = 1u << 2;
inline constexpr uint32_t kPfRsvd = 1u << 3;
inline constexpr uint32_t kPfFetch = 1u << 4;

// Control-register state that shapes a walk.
struct WalkControl {
  Access kind = Access::Read;
  bool user = false;  // CPL 3 access
  bool wp = true;     // CR0.WP
  bool nxe = true;    // EFER.NXE
};

struct WalkOutcome {
  bool ok = false;
  bool aborted = false;   // the TableMemory stopped the walk (e.g. an EPT violation)
  uint32_t error = 0;     // #PF error code when !ok && !aborted
  uint64_t pbase = 0;     // physical base of the page (aligned to its size)
  PageSize size = PageSize::k4K;
  bool writable = false;  // effective rights, combined over all levels (SDM 4.6)
  bool user = false;
  bool nx = false;
  bool global = false;
  bool dirty = false;     // D is set in the leaf (after any update the walk made)
  unsigned refs = 0;      // paging-structure entries read
  // For paging-structure caches: the table each level pointed to, and the
  // rights combined down to it. next_table[l] is the table the level-l entry
  // names (valid for the non-leaf levels the walk went through).
  uint64_t next_table[5] = {};
  uint8_t rights_at[5] = {};  // kRightW | kRightU | kRightNx after level l
  unsigned leaf_level = 0;
};

// Combined rights carried down a walk (and cached with a table pointer).
inline constexpr uint8_t kRightW = 1, kRightU = 2, kRightNx = 4;

// Where a walk begins: at the top (CR3), or lower down from a cached
// paging-structure entry, with the rights combined above it.
struct WalkStart {
  unsigned level = 4;
  uint64_t table = 0;
  uint8_t rights = kRightW | kRightU;
};

// Level 4 = PML4 ... level 1 = PT.
inline unsigned index_at(uint64_t va, unsigned level) { return (va >> (12 + 9 * (level - 1))) & 511; }

// Reserved bits of a present entry at 'level' (SDM 4.5). 1 GiB pages are
// supported (CPUID.80000001H:EDX.Page1GB).
inline uint64_t reserved_bits(uint64_t e, unsigned level, bool nxe) {
  uint64_t r = kRsvdHighAddr;
  if (!nxe) r |= kNX;
  if (level == 4) r |= kPS;
  if (level == 3 && (e & kPS)) r |= 0x3FFFE000ull;  // bits 29:13 of a 1 GiB page entry
  if (level == 2 && (e & kPS)) r |= 0x1FE000ull;    // bits 20:13 of a 2 MiB page entry
  return e & r;
}

// The hardware walk. TableMemory provides:
//   uint64_t* entry(uint64_t entry_pa, unsigned level)
// returning a host pointer to the 8-byte entry, or nullptr to abort the walk
// (the policy records why). Each call is one paging-structure reference.
//
// Accessed and dirty flags are written only when the translation succeeds
// and permits the access, as KVM's software walker does; the SDM leaves open
// whether a faulting walk sets them, and vmsim must set them identically in
// every mode. Writing them back is not a reference of its own (DESIGN §5).
template <class TableMemory>
WalkOutcome walk(TableMemory& mem, uint64_t cr3, uint64_t va, const WalkControl& wc,
                 const WalkStart* start = nullptr) {
  WalkOutcome out;
  const uint32_t access_bits = (wc.kind == Access::Write ? kPfWrite : 0) | (wc.user ? kPfUser : 0) |
                               (wc.kind == Access::Fetch && wc.nxe ? kPfFetch : 0);
  uint64_t* used[4] = {};
  unsigned level = start ? start->level : 4;
  const unsigned first = level;
  uint64_t table = start ? start->table : cr3 & kAddrMask;
  bool writable = start ? (start->rights & kRightW) != 0 : true;
  bool user = start ? (start->rights & kRightU) != 0 : true;
  bool nx = start ? (start->rights & kRightNx) != 0 : false;
  uint64_t e = 0;
  for (;; --level) {
    uint64_t* p = mem.entry(table + 8ull * index_at(va, level), level);
    ++out.refs;
    if (!p) {
      out.aborted = true;
      return out;
    }
    e = *p;
    used[first - level] = p;
    if (!(e & kP)) {
      out.error = access_bits;
      return out;
    }
    if (reserved_bits(e, level, wc.nxe)) {
      out.error = access_bits | kPfPresent | kPfRsvd;
      return out;
    }
    writable = writable && (e & kRW);
    user = user && (e & kUS);
    nx = nx || (wc.nxe && (e & kNX));
    if (level == 1 || ((level == 3 || level == 2) && (e & kPS))) break;
    table = e & kAddrMask;
    out.next_table[level] = table;
    out.rights_at[level] = (writable ? kRightW : 0) | (user ? kRightU : 0) | (nx ? kRightNx : 0);
  }
  out.leaf_level = level;
  const PageSize size = level == 1 ? PageSize::k4K : level == 2 ? PageSize::k2M : PageSize::k1G;
  // Access rights (SDM 4.6): user accesses need U/S at every level; writes
  // need R/W at every level, except supervisor writes with CR0.WP=0;
  // fetches need XD clear at every level when EFER.NXE=1.
  bool ok = !wc.user || user;
  if (wc.kind == Access::Write) ok = ok && (writable || (!wc.user && !wc.wp));
  if (wc.kind == Access::Fetch) ok = ok && !nx;
  if (!ok) {
    out.error = access_bits | kPfPresent;
    return out;
  }
  for (unsigned i = 0; i <= first - level; ++i)
    if (!(*used[i] & kA)) *used[i] |= kA;
  uint64_t* leaf = used[first - level];
  if (wc.kind == Access::Write && !(*leaf & kD)) *leaf |= kD;
  out.ok = true;
  out.size = size;
  out.pbase = (*leaf & kAddrMask) & ~(page_bytes(size) - 1);
  out.writable = writable;
  out.user = user;
  out.nx = nx;
  out.global = (*leaf & kG) != 0;
  out.dirty = (*leaf & kD) != 0;
  return out;
}

}  // namespace vmsim::paging
