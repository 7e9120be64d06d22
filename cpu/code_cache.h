// Decoded instructions, cached per guest-physical code page and CPU mode
// (DESIGN §2). A page's records are dropped as soon as anything writes to the
// page, which is how self-modifying code works: the CPU never installs a
// fast write entry for a page that holds decoded code, so such a write takes
// the slow path, which invalidates the page here.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "cpu/insn.h"

namespace vmsim::cpu {

struct CodePage {
  uint64_t frame = 0;  // host frame number (one-to-one with the guest frame)
  CpuMode mode = CpuMode::Long64;
  const uint8_t* host = nullptr;    // the page's bytes
  std::array<Insn*, 4096> slot{};   // decoded record per byte offset, or null

  Insn* alloc();

 private:
  static constexpr size_t kChunk = 64;
  std::vector<std::unique_ptr<Insn[]>> chunks_;
  size_t used_in_chunk_ = kChunk;
};

class CodeCache {
 public:
  // The page for (frame, mode), created empty on first use.
  CodePage* get(uint64_t frame, CpuMode mode, const uint8_t* host, bool& created);
  bool has_code(uint64_t frame) const { return pages_.count(frame) != 0; }
  // Drop every decoded record of the frame. The CodePage objects stay alive
  // until release_retired(), because the instruction that wrote the page may
  // still be executing from one of them.
  void invalidate(uint64_t frame);
  void invalidate_all();
  void release_retired() { retired_.clear(); }
  const std::vector<std::unique_ptr<CodePage>>& retired() const { return retired_; }

  uint64_t pages_created() const { return pages_created_; }
  uint64_t invalidations() const { return invalidations_; }

 private:
  std::unordered_map<uint64_t, std::array<std::unique_ptr<CodePage>, 3>> pages_;
  std::vector<std::unique_ptr<CodePage>> retired_;
  uint64_t pages_created_ = 0;
  uint64_t invalidations_ = 0;
};

}  // namespace vmsim::cpu
