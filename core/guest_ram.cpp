#include "core/guest_ram.h"

namespace vmsim {

GuestRam::GuestRam(HostMemory& host, uint64_t bytes, PageSize granule)
    : host_(host), bytes_(bytes), frames_(bytes >> kPageShift), granule_(granule),
      hfn_(frames_, kUnbacked) {}

void GuestRam::add_hole(Gpa first, uint64_t bytes) {
  holes_.emplace_back(first.frame(), first.frame() + ((bytes + kPageMask) >> kPageShift));
}

bool GuestRam::is_hole(Gfn g) const {
  for (const auto& [lo, hi] : holes_)
    if (g.value >= lo && g.value < hi) return true;
  return false;
}

bool GuestRam::back(Gfn g, Hfn& out) {
  if (!is_ram(g)) return false;
  uint32_t h = hfn_[g.value];
  if (h != kUnbacked) {
    out = Hfn(h);
    return true;
  }
  // Back the whole granule that holds g with one aligned host run; when the
  // granule is not all RAM (a small guest, a device hole), the largest
  // smaller large-page run that is, so that a backend can still map it with
  // large pages; else the one frame.
  for (PageSize size = granule_; size != PageSize::k4K;
       size = size == PageSize::k1G ? PageSize::k2M : PageSize::k4K) {
    const uint64_t per = page_bytes(size) >> kPageShift;
    const uint64_t first = g.value & ~(per - 1);
    bool whole = first + per <= frames_;
    for (uint64_t i = 0; whole && i < per; ++i)
      if (is_hole(Gfn(first + i)) || hfn_[first + i] != kUnbacked) whole = false;
    if (!whole) continue;
    auto run = host_.alloc_contiguous(per);
    if (!run) throw HostMemoryExhausted("the host frame pool is exhausted");
    for (uint64_t i = 0; i < per; ++i) hfn_[first + i] = static_cast<uint32_t>(run->value + i);
    ++host_faults_;
    out = Hfn(hfn_[g.value]);
    return true;
  }
  auto f = host_.alloc_frame();
  if (!f) throw HostMemoryExhausted("the host frame pool is exhausted");
  hfn_[g.value] = static_cast<uint32_t>(f->value);
  ++host_faults_;
  out = Hfn(hfn_[g.value]);
  return true;
}

uint8_t* GuestRam::host_ptr(Gpa a) {
  Hfn h;
  if (!back(Gfn(a.frame()), h)) return nullptr;
  return host_.frame_ptr(h) + a.offset();
}

}  // namespace vmsim
