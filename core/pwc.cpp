#include "core/pwc.h"

namespace vmsim {

namespace {
// The cache for entries at 'level' (2, 3, 4) and the address bits it tags.
constexpr unsigned shift_of(unsigned level) { return 12 + 9 * (level - 1); }
}  // namespace

Pwc::Pwc(const PwcGeometry& g) {
  caches_[0].resize(g.pde);
  caches_[1].resize(g.pdpte);
  caches_[2].resize(g.pml4e);
}

bool Pwc::lookup(uint16_t vpid, uint16_t pcid, uint64_t va, paging::WalkStart& out) {
  // The deepest hit wins: a PDE hit leaves only the PTE to read.
  for (unsigned level = 2; level <= 4; ++level) {
    const uint64_t tag = (va & ((1ull << 48) - 1)) >> shift_of(level);
    for (Entry& e : caches_[level - 2]) {
      if (e.tag == tag && e.vpid == vpid && e.pcid == pcid) {
        e.stamp = ++clock_;
        out.level = level - 1;
        out.table = e.table;
        out.rights = e.rights;
        return true;
      }
    }
  }
  return false;
}

void Pwc::fill(uint16_t vpid, uint16_t pcid, uint64_t va, const paging::WalkOutcome& w, unsigned first_level) {
  for (unsigned level = first_level; level > w.leaf_level && level >= 2; --level) {
    std::vector<Entry>& c = caches_[level - 2];
    if (c.empty()) continue;
    const uint64_t tag = (va & ((1ull << 48) - 1)) >> shift_of(level);
    Entry *match = nullptr, *invalid = nullptr, *lru = &c[0];
    for (Entry& e : c) {
      if (e.tag == tag && e.vpid == vpid && e.pcid == pcid) {
        match = &e;
        break;
      }
      if (e.tag == ~0ull && !invalid) invalid = &e;
      if (e.stamp < lru->stamp) lru = &e;
    }
    Entry* slot = match ? match : invalid ? invalid : lru;
    *slot = Entry{tag, w.next_table[level], ++clock_, vpid, pcid, w.rights_at[level]};
  }
}

void Pwc::flush_pcid(uint16_t vpid, uint16_t pcid) {
  for (auto& c : caches_)
    for (Entry& e : c)
      if (e.vpid == vpid && e.pcid == pcid) e.tag = ~0ull;
}

void Pwc::flush_vpid(uint16_t vpid) {
  for (auto& c : caches_)
    for (Entry& e : c)
      if (e.vpid == vpid) e.tag = ~0ull;
}

void Pwc::flush_all() {
  for (auto& c : caches_)
    for (Entry& e : c) e.tag = ~0ull;
}

}  // namespace vmsim
