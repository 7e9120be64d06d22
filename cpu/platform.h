// What the CPU needs from the machine around it: port I/O and the other
// instructions a hypervisor would intercept. vmm/ implements it; tests use a
// small mock. Memory is not here: it goes through the TLB and the core Mmu.
#pragma once
#include <cstdint>

namespace vmsim::cpu {

class Platform {
 public:
  virtual ~Platform() = default;
  // Port I/O of 'size' bytes (1, 2, 4). Unclaimed ports read as all ones.
  virtual uint32_t io_in(uint16_t port, uint8_t size) = 0;
  virtual void io_out(uint16_t port, uint8_t size, uint32_t value) = 0;
};

// A platform with no devices: reads return all ones, writes vanish.
class NullPlatform : public Platform {
 public:
  uint32_t io_in(uint16_t, uint8_t) override { return 0xFFFFFFFF; }
  void io_out(uint16_t, uint8_t, uint32_t) override {}
};

}  // namespace vmsim::cpu
