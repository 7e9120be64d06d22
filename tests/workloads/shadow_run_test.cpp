// Every bundled workload under --mmu shadow (issue 6, DESIGN §1 and §8):
// the same console (console_sha256) and exit code as under native, with
// unsync off and on; and a clean run with shadow.audit=true, which checks
// the shadow invariants after every exit.
#include "tests/workloads/mode_run.h"

namespace vmsim::workloads {
namespace {

class ShadowWorkload : public ::testing::TestWithParam<std::string> {};

TEST_P(ShadowWorkload, ConsoleAndExitCodeEqualNative) {
  const std::string target = target_of(GetParam());
  const nlohmann::json n = run_json(target, "--mmu native");
  ASSERT_TRUE(n.is_object()) << "no native result";
  ASSERT_EQ(n["guest"]["end"], "clean");
  for (const char* unsync : {"false", "true"}) {
    const nlohmann::json s = run_json(target, std::string("--mmu shadow --set shadow.unsync=") + unsync);
    ASSERT_TRUE(s.is_object()) << "no shadow result";
    EXPECT_EQ(s["guest"]["end"], "clean") << unsync;
    EXPECT_EQ(s["guest"]["exit_code"], n["guest"]["exit_code"]) << unsync;
    EXPECT_EQ(s["guest"]["console_sha256"], n["guest"]["console_sha256"]) << unsync;
    EXPECT_GT(s["total"]["vmexits"]["total"].get<uint64_t>(), 0u);
  }
}

TEST_P(ShadowWorkload, AuditHolds) {
  const std::string target = target_of(GetParam());
  const nlohmann::json s = run_json(target, "--mmu shadow --set shadow.audit=true");
  ASSERT_TRUE(s.is_object()) << "no result";
  EXPECT_EQ(s["guest"]["end"], "clean");
  EXPECT_EQ(s["guest"]["exit_code"], 0);
}

INSTANTIATE_TEST_SUITE_P(Workloads, ShadowWorkload, all_workloads(), param_name);

}  // namespace
}  // namespace vmsim::workloads
