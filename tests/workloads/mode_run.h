// Shared by the per-mode workload tests (shadow_run_test, ept_run_test): run
// one bundled workload through `vmsim run` and read back its result.
#pragma once
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include <gtest/gtest.h>

namespace vmsim::workloads {

// The result of `vmsim run -q OPTIONS TARGET`, or null when none was written.
inline nlohmann::json run_json(const std::string& target, const std::string& options) {
  const std::string json =
      (std::filesystem::temp_directory_path() / ("vmsim-mode-" + std::to_string(::getpid()) + ".json")).string();
  const std::string cmd =
      std::string(VMSIM_BIN) + " run -q " + options + " -o " + json + " " + target + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) == -1) return {};
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(json);
  return j;
}

// A test parameter "WORKLOAD [ARGS]" as a `vmsim run` target: "WORKLOAD [-- ARGS]".
inline std::string target_of(const std::string& p) {
  const auto space = p.find(' ');
  return space == std::string::npos ? p : p.substr(0, space) + " -- " + p.substr(space + 1);
}

// Every bundled workload, and ptrchase on 2 MiB pages.
inline auto all_workloads() {
  return ::testing::Values("compute", "seqscan", "ptrchase", "ptrchase --huge", "pagefault", "forkexec", "cow",
                           "ctxswitch", "mmapchurn", "mix");
}

inline std::string param_name(const ::testing::TestParamInfo<std::string>& i) {
  std::string n;
  for (char c : i.param)
    if (std::isalnum(static_cast<unsigned char>(c))) n += c;
  return n;
}

}  // namespace vmsim::workloads
