// Guest RAM: which guest-physical frames are RAM, and the host frame behind
// each, allocated on first touch (a host page fault, as for a VMM process
// whose guest memory is backed lazily). The backing granule may be larger
// than 4 KiB so that a backend can map guest RAM with large pages.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/host_memory.h"
#include "core/types.h"

namespace vmsim {

// The host frame pool ran out: the run ends as a 'limit' (DESIGN §4).
class HostMemoryExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GuestRam {
 public:
  static constexpr uint32_t kUnbacked = ~0u;

  // 'bytes' of RAM at guest-physical 0, except the holes in 'mmio_holes'
  // (GPA ranges [first, last], page aligned) which are left to devices.
  GuestRam(HostMemory& host, uint64_t bytes, PageSize granule = PageSize::k4K);

  void add_hole(Gpa first, uint64_t bytes);
  uint64_t bytes() const { return bytes_; }
  PageSize granule() const { return granule_; }
  bool is_ram(Gfn g) const {
    return g.value < frames_ && !is_hole(g);
  }
  bool is_backed(Gfn g) const { return g.value < frames_ && hfn_[g.value] != kUnbacked; }

  // The host frame behind a RAM frame, backing its whole granule on first
  // touch. Returns false when the frame is not RAM; throws
  // HostMemoryExhausted when the host pool is full.
  bool back(Gfn g, Hfn& out);
  // Host pointer for a guest-physical address, backing it if needed;
  // nullptr when it is not RAM.
  uint8_t* host_ptr(Gpa a);
  HostMemory& host() { return host_; }
  uint64_t host_faults() const { return host_faults_; }  // granules backed so far

 private:
  bool is_hole(Gfn g) const;
  HostMemory& host_;
  uint64_t bytes_;
  uint64_t frames_;
  PageSize granule_;
  std::vector<uint32_t> hfn_;  // per gfn: host frame, or kUnbacked
  std::vector<std::pair<uint64_t, uint64_t>> holes_;  // [first gfn, end gfn)
  uint64_t host_faults_ = 0;
};

}  // namespace vmsim
