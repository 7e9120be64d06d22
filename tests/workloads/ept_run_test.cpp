// Every bundled workload under --mmu ept (issue 5, DESIGN §1): the same
// console (console_sha256) and exit code as under native, with 4 KiB and
// 2 MiB EPT leaves; and no exit for a guest page fault (page faults equal
// native's count, no EXCEPTION_NMI exits).
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
                            ("vmsim-ept-" + std::to_string(::getpid()) + ".json"))
                               .string();
  const std::string cmd = std::string(VMSIM_BIN) + " run -q " + options + " -o " + json + " " + workload +
                          " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) == -1) return {};
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(json);
  return j;
}

class EptWorkload : public ::testing::TestWithParam<std::string> {};

TEST_P(EptWorkload, ConsoleAndExitCodeEqualNative) {
  const std::string& p = GetParam();
  const auto space = p.find(' ');
  const std::string target = space == std::string::npos ? p : p.substr(0, space) + " -- " + p.substr(space + 1);
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

std::string name(const ::testing::TestParamInfo<std::string>& i) {
  std::string n;
  for (char c : i.param)
    if (std::isalnum(static_cast<unsigned char>(c))) n += c;
  return n;
}

INSTANTIATE_TEST_SUITE_P(Workloads, EptWorkload,
                         ::testing::Values("compute", "seqscan", "ptrchase", "ptrchase --huge", "pagefault",
                                           "forkexec", "cow", "ctxswitch", "mmapchurn", "mix"),
                         name);

}  // namespace
}  // namespace vmsim::workloads
