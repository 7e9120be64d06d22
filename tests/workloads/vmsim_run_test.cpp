// The bundled workloads run by vmsim itself: clean exit with code 0 under
// --mmu native and the checksum the host-side reimplementation computes;
// usage and exit code 1 on a bad argument.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "reimpl.h"

namespace vmsim::workloads {
namespace {

struct RunResult {
  int status = -1;
  std::string out;
};

RunResult run(const std::string& args) {
  const std::string cmd = std::string(VMSIM_BIN) + " " + args + " 2>/dev/null";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool bundled(const std::string& workload) {
  static const std::string list = run("list").out;
  return list.find("  " + workload + ": ") != std::string::npos;
}

struct Case {
  const char* workload;
  std::vector<std::string> args;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.workload;
  for (const std::string& a : c.args) *os << ' ' << a;
}

class VmsimRun : public ::testing::TestWithParam<Case> {};

TEST_P(VmsimRun, NativeRunEndsCleanlyWithTheExpectedChecksum) {
  const Case& c = GetParam();
  ASSERT_TRUE(bundled(c.workload)) << "vmsim list does not show '" << c.workload << "'";
  const std::string json = (std::filesystem::temp_directory_path() /
                            ("vmsim-wl-" + std::to_string(::getpid()) + "-" + c.workload + ".json"))
                               .string();
  std::string args;
  for (const std::string& a : c.args) args += " " + a;
  const RunResult r = run("run --mmu native -o " + json + " " + c.workload + (args.empty() ? "" : " --" + args));
  std::filesystem::remove(json);
  EXPECT_EQ(r.status, 0) << r.out;
  const auto expected = expected_checksum(c.workload, parse_guest_args(c.args));
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(console_checksum(r.out), expected) << r.out;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.workload;
  for (const std::string& a : info.param.args)
    for (char ch : a)
      if (std::isalnum(static_cast<unsigned char>(ch))) n += ch;
  return n;
}

INSTANTIATE_TEST_SUITE_P(Workloads, VmsimRun,
                         ::testing::Values(Case{"compute", {}}, Case{"seqscan", {}}, Case{"ptrchase", {}},
                                           Case{"ptrchase", {"--huge"}}, Case{"pagefault", {}}, Case{"forkexec", {}},
                                           Case{"cow", {}}, Case{"ctxswitch", {}}, Case{"mmapchurn", {}},
                                           Case{"mix", {}},
                                           Case{"compute", {"--procs", "3", "--iters", "300000"}},
                                           Case{"ptrchase", {"--mib", "4", "--steps", "10000", "--seed", "3"}}),
                         case_name);

TEST(VmsimRunUsage, BadArgumentPrintsUsageAndExits1) {
  for (const char* w : {"compute", "seqscan", "ptrchase", "pagefault", "forkexec", "cow", "ctxswitch", "mmapchurn",
                        "mix"}) {
    ASSERT_TRUE(bundled(w)) << "vmsim list does not show '" << w << "'";
    const std::string json = (std::filesystem::temp_directory_path() /
                              ("vmsim-wl-" + std::to_string(::getpid()) + "-usage.json"))
                                 .string();
    const RunResult r = run("run --mmu native -o " + json + " " + w + " -- --no-such-option");
    std::filesystem::remove(json);
    EXPECT_EQ(r.status, 1) << w << "\n" << r.out;
    EXPECT_NE(r.out.find(std::string("usage: ") + w), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace vmsim::workloads
