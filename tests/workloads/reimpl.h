// Host-side reimplementations of the guest workloads' arithmetic
// (workloads/programs/*.c): each returns the value the workload prints on
// its final line, "checksum: 0x%016llx". Arguments are the workload's
// options by name ("mib" -> 32); a missing one takes the workload's default.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::workloads {

using Args = std::map<std::string, uint64_t>;

// The checksum of `workload` run with `args`; nullopt for an unknown name.
std::optional<uint64_t> expected_checksum(const std::string& workload, const Args& args = {});
// The default of each option, per workload (what `vmsim list` shows).
Args default_args(const std::string& workload);
// Parse "--name N" / "--name=N" / "--flag" guest arguments into Args.
Args parse_guest_args(const std::vector<std::string>& argv);
// The checksum on a console's "checksum: 0x..." line, if any (the last one).
std::optional<uint64_t> console_checksum(const std::string& console);

}  // namespace vmsim::workloads
