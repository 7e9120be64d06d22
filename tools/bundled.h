// The guests built with vmsim (workloads/): the bare-metal demo, and the
// workloads, which boot the guest kernel with the initrd and a command line
// naming the workload (workloads/workloads.json describes them).
#pragma once
#include <string>
#include <vector>

namespace vmsim {

struct GuestArg {
  std::string name;
  std::string help;
  std::string default_value;
  bool flag = false;
};

struct BundledGuest {
  std::string name;
  std::string description;
  std::string image;   // path of the ELF64 image
  std::string initrd;  // path of the initrd, empty for a bare-metal guest
  std::vector<GuestArg> args;
  bool workload() const { return !initrd.empty(); }
  // The guest command line for 'args' (a workload's name comes first).
  std::string cmdline(const std::vector<std::string>& args) const;
};

// Every bundled guest; an unreadable workloads.json is a one-line error.
const std::vector<BundledGuest>& bundled_guests();
const BundledGuest* find_bundled(const std::string& name);
std::string bundled_names();  // "a, b, c"

}  // namespace vmsim
