// Every bundled workload under --mmu ept (issue 5, DESIGN §1): the same
// console (console_sha256) and exit code as under native, with 4 KiB and
// 2 MiB EPT leaves; and no exit for a guest page fault (page faults equal
// native's count, no EXCEPTION_NMI exits).
#include "tests/workloads/mode_run.h"

namespace vmsim::workloads {
namespace {

class EptWorkload : public ::testing::TestWithParam<std::string> {};

TEST_P(EptWorkload, ConsoleAndExitCodeEqualNative) {
  const std::string target = target_of(GetParam());
  const nlohmann::json n = run_json(target, "--mmu native");
  ASSERT_TRUE(n.is_object()) << "no native result";
  ASSERT_EQ(n["guest"]["end"], "clean");
  for (const char* size : {"4k", "2m"}) {
    const nlohmann::json e = run_json(target, std::string("--mmu ept --set ept.page_size=") + size);
    ASSERT_TRUE(e.is_object()) << "no ept result";
    EXPECT_EQ(e["guest"]["end"], "clean") << size;
    EXPECT_EQ(e["guest"]["exit_code"], n["guest"]["exit_code"]) << size;
    EXPECT_EQ(e["guest"]["console_sha256"], n["guest"]["console_sha256"]) << size;
    const nlohmann::json& t = e["total"];
    EXPECT_GT(t["traps"]["ept_fill"].get<uint64_t>(), 0u) << size;
    EXPECT_EQ(t["vmexits"]["by_reason"]["EXCEPTION_NMI"].get<uint64_t>(), 0u) << size;
    EXPECT_EQ(t["guest_exceptions"]["page_fault"], n["total"]["guest_exceptions"]["page_fault"]) << size;
    EXPECT_GT(t["walks"]["ept_refs"].get<uint64_t>(), 0u) << size;
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, EptWorkload, all_workloads(), param_name);

}  // namespace
}  // namespace vmsim::workloads
