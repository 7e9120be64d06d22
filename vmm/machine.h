// The machine: guest RAM and its memory map, the vCPU, the MMU backend, the
// port devices, the boot protocol and the run loop that turns what the guest
// does into an outcome and counters.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/counters.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "core/vmx.h"
#include "cpu/cpu.h"
#include "vmm/apic.h"
#include "vmm/devices.h"
#include "vmm/image.h"

namespace vmsim {

enum class GuestEnd { Clean, Crash, Limit };
const char* guest_end_name(GuestEnd e);

struct RunOutcome {
  GuestEnd end = GuestEnd::Clean;
  uint32_t exit_code = 0;
  std::string message;  // why a crash or a limit ended the run
  double wall_seconds = 0;
};

struct MachineOptions {
  std::string mmu = "native";   // the backend (vmm/backends.h)
  std::FILE* console = stdout;  // where guest console output goes; nullptr: quiet
  bool progress = false;        // show progress on stderr during long runs
  EventObserver* observer = nullptr;  // optional: a trace of the run's events
};

// Guest-physical layout of the loader's own data (DESIGN §3: below 1 MiB).
namespace loader_layout {
inline constexpr uint64_t kPml4 = 0x1000;
inline constexpr uint64_t kPdpt = 0x2000;
inline constexpr uint64_t kPd = 0x3000;  // four page directories: 4 GiB of 2 MiB pages
inline constexpr uint64_t kGdt = 0x7000;
inline constexpr uint64_t kBootInfo = 0x8000;
inline constexpr uint64_t kMemoryMap = 0x8100;
inline constexpr uint64_t kCmdline = 0x9000;
inline constexpr uint64_t kCmdlineMax = 0x1000;
inline constexpr uint64_t kStackTop = 0x80000;  // 64 KiB loader stack below it
inline constexpr uint64_t kLoaderEnd = 0x100000;
}  // namespace loader_layout

class Machine final : private cpu::Platform {
 public:
  Machine(const Config& config, MachineOptions options = {});
  ~Machine() override;

  // Boot by the image's protocol (DESIGN §3): direct ELF64 with the
  // boot-info block, or Multiboot v1 with the initrd as its one module.
  // Throws ImageError when the image or the initrd does not fit.
  void boot(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd = nullptr);
  RunOutcome run(uint64_t max_instructions);  // 0: no limit

  const Config& config() const { return config_; }
  const char* mmu_name() const { return mmu_->name(); }
  std::string console_sha256() const { return devices_.serial().sha256(); }
  Counters total() const;
  const Counters& roi() const { return roi_; }
  cpu::Cpu& cpu() { return *cpu_; }
  GuestRam& ram() { return ram_; }

 private:
  uint32_t io_in(uint16_t port, uint8_t size) override { return devices_.in(port, size); }
  void io_out(uint16_t port, uint8_t size, uint32_t value) override {
    devices_.out(port, size, value);
  }
  uint64_t mmio_read(uint64_t la, uint64_t pa, unsigned size) override;
  void mmio_write(uint64_t la, uint64_t pa, unsigned size, uint64_t value) override;
  void intercept(cpu::Intercept what, uint64_t detail) override;
  bool rdmsr(uint32_t msr, uint64_t& value) override;
  bool wrmsr(uint32_t msr, uint64_t value) override;
  int pending_interrupt() override;
  void acknowledge_interrupt(uint8_t vector) override;
  uint64_t next_event() override { return apic_.next_event(); }
  void advance(uint64_t t) override { apic_.advance(t); }
  // Device time: retired instructions plus the ticks spent halted.
  uint64_t now() const { return cpu_->now(); }
  void sync_tpr_to_apic();
  void sync_tpr_from_apic();
  void write_phys(uint64_t gpa, const void* data, uint64_t n);
  uint64_t place_image(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd);
  void boot_elf64(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd);
  void boot_multiboot(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd);
  void build_loader_page_tables();
  void on_roi_begin();
  void on_roi_end();

  Config config_;
  MachineOptions options_;
  HostMemory host_;
  GuestRam ram_;
  std::unique_ptr<Vmx> vmx_;  // the hypervisor, when the backend has one
  std::unique_ptr<Mmu> mmu_;
  std::unique_ptr<cpu::Cpu> cpu_;
  PortDevices devices_;
  LocalApic apic_;
  bool exit_requested_ = false;
  uint32_t exit_code_ = 0;
  bool in_roi_ = false;
  Counters roi_start_;
  Counters roi_;
};

}  // namespace vmsim
