// Paging-structure caches (SDM Vol. 3A, 4.10.3): a PML4E cache, a PDPTE
// cache and a PDE cache, each a small fully associative LRU array that maps
// the upper bits of a linear address (with VPID and PCID) to the table the
// cached entry points to and the access rights combined down to it. A walk
// that hits one starts lower down and makes fewer references (DESIGN §6
// `walk.pwc`).
#pragma once
#include <cstdint>
#include <vector>

#include "core/paging.h"

namespace vmsim {

struct PwcGeometry {
  // Intel does not publish these sizes. Measurements on Skylake-era cores by
  // van Schaik et al. ("Reverse Engineering Hardware Page Table Caches Using
  // Side-Channel Attacks on the MMU", VU Amsterdam 2017) report a few PML4E
  // and PDPTE entries and a PDE cache of about 32; these defaults follow that
  // order of magnitude.
  uint32_t pml4e = 2;
  uint32_t pdpte = 4;
  uint32_t pde = 32;
};

class Pwc {
 public:
  explicit Pwc(const PwcGeometry& g = {});
  // The lowest cached starting point for 'va', if any.
  bool lookup(uint16_t vpid, uint16_t pcid, uint64_t va, paging::WalkStart& out);
  // Remember the non-leaf entries a successful walk went through.
  void fill(uint16_t vpid, uint16_t pcid, uint64_t va, const paging::WalkOutcome& w, unsigned first_level);
  void flush_pcid(uint16_t vpid, uint16_t pcid);
  void flush_vpid(uint16_t vpid);
  void flush_all();

 private:
  struct Entry {
    uint64_t tag = ~0ull;  // va >> shift; ~0: invalid
    uint64_t table = 0;
    uint64_t stamp = 0;
    uint16_t vpid = 0, pcid = 0;
    uint8_t rights = 0;
  };
  // caches_[0]: PDE (level 2 entries), [1]: PDPTE (level 3), [2]: PML4E (level 4).
  std::vector<Entry> caches_[3];
  uint64_t clock_ = 0;
};

}  // namespace vmsim
