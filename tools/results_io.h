// Reading result files for suite, compare and check: single results
// (schema vmsim-result/1), directories of them, and baselines (a collection
// of results). Bad input is an InputError with a one-line message.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vmsim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kSuiteSchema = "vmsim-suite/1";
inline constexpr const char* kBaselineSchema = "vmsim-baseline/1";

struct LoadedResult {
  std::string source;  // the file it came from
  nlohmann::json j;
  std::string workload() const { return j["guest"].value("name", std::string("?")); }
  std::string label() const { return j.value("label", j.value("mmu", std::string("?"))); }
  std::string key() const { return workload() + " " + label(); }
};

// Files and directories (every *.json directly inside, except suite
// summaries); baselines expand to their results. Throws InputError on an
// unreadable or malformed file, a foreign schema version, two results for
// the same workload and label, or no result at all.
std::vector<LoadedResult> load_results(const std::vector<std::string>& paths);

// The deterministic values of a result, by dotted path: every leaf of total
// and roi, and the guest's end, exit code and console digest. Never host.*.
std::map<std::string, nlohmann::json> deterministic_values(const nlohmann::json& result);

// Mode labels in report order: native, shadow, ept, ept-2m, then the others.
std::vector<std::string> ordered_labels(const std::vector<LoadedResult>& rs);
std::vector<std::string> ordered_workloads(const std::vector<LoadedResult>& rs);

}  // namespace vmsim
