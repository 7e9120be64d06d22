// The host side of the directed test guests (tests/guests/README.md): boot
// one in-process under a chosen MMU and configuration, capture its console,
// and hand back the outcome, the console's "= NAME VALUE" reports and the
// counters of the whole run and of its ROI.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/counters.h"
#include "vmm/machine.h"

namespace vmsim::guests {

enum class Protocol { Elf64, Multiboot };

struct GuestRun {
  RunOutcome outcome;
  std::string console;
  std::map<std::string, uint64_t> reports;  // "= NAME VALUE" lines
  Counters total, roi;
  nlohmann::json total_json, roi_json;      // DESIGN §5 COUNTERS
  // Clean exit with code 0 (every in-guest check passed).
  bool passed() const { return outcome.end == GuestEnd::Clean && outcome.exit_code == 0; }
  // For gtest messages: the end, the exit code and the console.
  std::string describe() const;
  uint64_t report(const std::string& name) const;  // throws when absent
};

struct GuestOptions {
  std::string mmu = "native";
  std::vector<std::string> sets;  // KEY=VALUE
  Protocol protocol = Protocol::Elf64;
  uint64_t max_instructions = 200'000'000;
};

// 'name' is a test guest target (tests/guests/CMakeLists.txt).
GuestRun run_guest(const std::string& name, const GuestOptions& options = {});
// The same under 'mmu' with configuration 'sets', by the direct ELF64 protocol.
GuestRun run_guest(const std::string& name, const std::string& mmu, std::vector<std::string> sets = {});

// The backends this build has, for tests parameterized over modes.
std::vector<std::string> modes();

}  // namespace vmsim::guests
