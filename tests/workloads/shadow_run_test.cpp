// Every bundled workload under --mmu shadow (issue 6, DESIGN §1 and §8):
// the same console (console_sha256) and exit code as under native, with
// unsync off and on; and a clean run with shadow.audit=true, which checks
// the shadow invariants after every exit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace vmsim::workloads {
namespace {

nlohmann::json run_json(const std::string& workload, const std::string& options) {
  const std::string json = (std::filesystem::temp_directory_path() /
                            ("vmsim-shadow-" + std::to_string(::getpid()) + ".json"))
                               .string();
  const std::string cmd = std::string(VMSIM_BIN) + " run -q " + options + " -o " + json + " " + workload +
                          " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) == -1) return {};
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(json);
  return j;
}

class ShadowWorkload : public ::testing::TestWithParam<std::string> {};

TEST_P(ShadowWorkload, ConsoleAndExitCodeEqualNative) {
  const auto [workload, extra] = [&] {
    const std::string& p = GetParam();
    const auto space = p.find(' ');
    return std::pair{p.substr(0, space), space == std::string::npos ? std::string() : " -- " + p.substr(space + 1)};
  }();
  const nlohmann::json n = run_json(workload + extra, "--mmu native");
  ASSERT_TRUE(n.is_object()) << "no native result";
  ASSERT_EQ(n["guest"]["end"], "clean");
  for (const char* unsync : {"false", "true"}) {
    const nlohmann::json s = run_json(workload + extra, std::string("--mmu shadow --set shadow.unsync=") + unsync);
    ASSERT_TRUE(s.is_object()) << "no shadow result";
    EXPECT_EQ(s["guest"]["end"], "clean") << unsync;
    EXPECT_EQ(s["guest"]["exit_code"], n["guest"]["exit_code"]) << unsync;
    EXPECT_EQ(s["guest"]["console_sha256"], n["guest"]["console_sha256"]) << unsync;
    EXPECT_GT(s["total"]["vmexits"]["total"].get<uint64_t>(), 0u);
  }
}

TEST_P(ShadowWorkload, AuditHolds) {
  const std::string& p = GetParam();
  const auto space = p.find(' ');
  const std::string target = space == std::string::npos ? p : p.substr(0, space) + " -- " + p.substr(space + 1);
  const nlohmann::json s = run_json(target, "--mmu shadow --set shadow.audit=true");
  ASSERT_TRUE(s.is_object()) << "no result";
  EXPECT_EQ(s["guest"]["end"], "clean");
  EXPECT_EQ(s["guest"]["exit_code"], 0);
}

std::string name(const ::testing::TestParamInfo<std::string>& i) {
  std::string n;
  for (char c : i.param)
    if (std::isalnum(static_cast<unsigned char>(c))) n += c;
  return n;
}

INSTANTIATE_TEST_SUITE_P(Workloads, ShadowWorkload,
                         ::testing::Values("compute", "seqscan", "ptrchase", "ptrchase --huge", "pagefault",
                                           "forkexec", "cow", "ctxswitch", "mmapchurn", "mix"),
                         name);

}  // namespace
}  // namespace vmsim::workloads
