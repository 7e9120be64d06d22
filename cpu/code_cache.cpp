#include "cpu/code_cache.h"

namespace vmsim::cpu {

Insn* CodePage::alloc() {
  if (used_in_chunk_ == kChunk) {
    chunks_.push_back(std::make_unique<Insn[]>(kChunk));
    used_in_chunk_ = 0;
  }
  return &chunks_.back()[used_in_chunk_++];
}

CodePage* CodeCache::get(uint64_t frame, CpuMode mode, const uint8_t* host, bool& created) {
  auto& modes = pages_[frame];
  auto& p = modes[static_cast<int>(mode)];
  created = !p;
  if (!p) {
    p = std::make_unique<CodePage>();
    p->frame = frame;
    p->mode = mode;
    p->host = host;
    ++pages_created_;
  }
  return p.get();
}

void CodeCache::invalidate(uint64_t frame) {
  auto it = pages_.find(frame);
  if (it == pages_.end()) return;
  for (auto& p : it->second)
    if (p) retired_.push_back(std::move(p));
  pages_.erase(it);
  ++invalidations_;
}

void CodeCache::invalidate_all() {
  for (auto& [gfn, modes] : pages_)
    for (auto& p : modes)
      if (p) retired_.push_back(std::move(p));
  pages_.clear();
}

}  // namespace vmsim::cpu
