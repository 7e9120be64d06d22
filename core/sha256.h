// SHA-256 (FIPS 180-4), for `guest.console_sha256`: a short, exact
// fingerprint of everything a guest printed, so runs in different modes can
// be compared without storing their output.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vmsim {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::array<uint8_t, 32> digest();  // finishes the hash
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

}  // namespace vmsim
