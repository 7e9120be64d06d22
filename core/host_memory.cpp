#include "core/host_memory.h"

#include <sys/mman.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace vmsim {

HostMemory::HostMemory(uint64_t bytes) : frames_total_(bytes >> kPageShift) {
  if (frames_total_ == 0) throw std::invalid_argument("host memory pool is empty");
  // MAP_NORESERVE: reserve address space only; the host kernel backs a page on
  // first touch, which is exactly the lazily backed pool DESIGN §2 asks for.
  void* p = mmap(nullptr, frames_total_ << kPageShift, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error("cannot reserve " + std::to_string(bytes >> 20) +
                             " MiB of host address space for the frame pool");
  base_ = static_cast<uint8_t*>(p);
}

HostMemory::~HostMemory() {
  if (base_) munmap(base_, frames_total_ << kPageShift);
}

void HostMemory::account(uint64_t n) {
  in_use_ += n;
  if (in_use_ > peak_) peak_ = in_use_;
}

std::optional<Hfn> HostMemory::alloc_frame() {
  if (!free_.empty()) {
    uint64_t f = free_.back();
    free_.pop_back();
    std::memset(frame_ptr(Hfn(f)), 0, kPageSize);
    account(1);
    return Hfn(f);
  }
  if (next_fresh_ >= frames_total_) return std::nullopt;
  account(1);
  return Hfn(next_fresh_++);  // never touched: the host kernel gives zeroes
}

std::optional<Hfn> HostMemory::alloc_contiguous(uint64_t count) {
  // Large backings come only from fresh frames: aligned runs are easy to
  // guarantee there, and recycled 4 KiB frames stay available for tables.
  uint64_t start = (next_fresh_ + count - 1) & ~(count - 1);
  if (start + count > frames_total_) return std::nullopt;
  for (uint64_t f = next_fresh_; f < start; ++f) free_.push_back(f);
  next_fresh_ = start + count;
  account(count);
  return Hfn(start);
}

void HostMemory::free_frame(Hfn f) {
  free_.push_back(f.value);
  --in_use_;
}

}  // namespace vmsim
