// The result JSON of DESIGN §5 (schema "vmsim-result/1"), and writing it
// atomically: a result file is complete or absent, never half-written.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/cost_model.h"
#include "core/counters.h"

namespace vmsim {

inline constexpr const char* kResultSchema = "vmsim-result/1";

struct RunRecord {
  std::string mmu;
  std::string label;     // the run's name in a suite ("ept-2m"); the mmu when not given
  std::string workload;  // the bundled workload's name, or the image's stem
  CostModel cost;
  nlohmann::json config;  // the effective configuration, every knob
  std::string image;
  std::vector<std::string> args;
  std::string end;  // "clean", "crash", "limit"
  uint32_t exit_code = 0;
  std::string console_sha256;
  std::string message;  // why a run crashed or hit a limit ("" when clean)
  Counters total;
  Counters roi;
  double wall_seconds = 0;
  nlohmann::json cpu;  // interpreter statistics (decoded, unimplemented by mnemonic, ...)
};

nlohmann::json make_result(const RunRecord& r);

// Write to a temporary file beside 'path', then rename over it. Throws
// std::runtime_error with a one-line message on failure.
void write_json_atomic(const std::string& path, const nlohmann::json& j);

}  // namespace vmsim
