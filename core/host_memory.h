// The host frame pool: the host-physical memory a VMM process would get from
// its OS. It is one reserved range of host address space, backed lazily by
// the host kernel, so a large sparse guest costs only the frames it touches.
// Guest RAM, shadow tables and EPT tables all take their frames from here.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/types.h"

namespace vmsim {

class HostMemory {
 public:
  explicit HostMemory(uint64_t bytes);
  ~HostMemory();
  HostMemory(const HostMemory&) = delete;
  HostMemory& operator=(const HostMemory&) = delete;

  uint8_t* ptr(Hpa a) const { return base_ + a.value; }
  uint8_t* frame_ptr(Hfn f) const { return base_ + (f.value << kPageShift); }
  bool contains(Hpa a) const { return a.value < frames_total_ * kPageSize; }

  // A zeroed frame, or nullopt when the pool is exhausted.
  std::optional<Hfn> alloc_frame();
  // 'count' contiguous zeroed frames aligned to 'count' (a power of two).
  std::optional<Hfn> alloc_contiguous(uint64_t count);
  void free_frame(Hfn f);

  uint64_t frames_total() const { return frames_total_; }
  uint64_t frames_in_use() const { return in_use_; }
  uint64_t frames_peak() const { return peak_; }

 private:
  void account(uint64_t n);
  uint8_t* base_ = nullptr;
  uint64_t frames_total_ = 0;
  uint64_t next_fresh_ = 0;      // frames below this were handed out at least once
  std::vector<uint64_t> free_;   // recycled frames, handed out again first
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
};

}  // namespace vmsim
