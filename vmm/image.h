// Guest images: reading and validating an ELF file before anything runs.
// A bad image is one clear line (ImageError) and exit status 2 (DESIGN §4).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmsim {

class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadSegment {
  uint64_t paddr = 0;
  uint64_t vaddr = 0;
  uint64_t file_offset = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

enum class BootProtocol : uint8_t {
  DirectElf64,  // ELF64: direct 64-bit entry with the boot-info block
  Multiboot1,   // ELF32 with a Multiboot v1 header: 32-bit protected-mode entry
};

struct Image {
  std::string path;
  BootProtocol protocol = BootProtocol::DirectElf64;
  uint32_t multiboot_flags = 0;
  std::vector<uint8_t> bytes;
  uint64_t entry = 0;
  std::vector<LoadSegment> segments;
  uint64_t phys_start = 0;  // lowest paddr of any segment
  uint64_t phys_end = 0;    // one past the highest byte
};

// Read and validate an ELF64 x86-64 executable, or an ELF32 i386
// executable with a Multiboot v1 header in its first 8 KiB.
Image read_image(const std::string& path);
// Validate bytes already in memory ('path' names them in messages).
Image parse_image(std::vector<uint8_t> bytes, const std::string& path);

}  // namespace vmsim
