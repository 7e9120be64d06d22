// Replays the fuzzing corpus (fuzz/corpus/) and every crash reproducer
// (fuzz/regressions/) through the fuzz target's sandbox in a normal build:
// each input must terminate within the sandbox's budget without throwing.
// The fuzzer itself (scripts/fuzz.sh) needs clang and minutes; this is the
// CI-sized check that what it once found stays fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/sandbox.h"

namespace vmsim::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const char* sub) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(VMSIM_SOURCE_DIR) / "fuzz" / sub;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void replay(const char* sub) {
  const auto files = inputs_in(sub);
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.string());
    const std::vector<uint8_t> bytes = read_file(p);
    SandboxResult r;
    ASSERT_NO_THROW(r = run_sandbox(bytes.data(), bytes.size()));
    EXPECT_LE(r.instructions, kBudget);
    EXPECT_LE(r.exceptions, kMaxExceptions);
  }
}

TEST(FuzzCorpus, SeedsTerminate) {
  ASSERT_FALSE(inputs_in("corpus").empty()) << "no seed corpus under fuzz/corpus";
  replay("corpus");
}

TEST(FuzzCorpus, RegressionsTerminate) { replay("regressions"); }

// The sandbox itself: a tight loop is stopped by the budget, exactly.
TEST(FuzzCorpus, BudgetBoundsAnEndlessLoop) {
  const uint8_t jmp_self[] = {0x00, 0x00, 0xEB, 0xFE};  // jmp $
  const SandboxResult r = run_sandbox(jmp_self, sizeof jmp_self);
  EXPECT_EQ(r.instructions, kBudget);
  EXPECT_EQ(r.exceptions, 0);
}

// After a fault the sandbox resumes on the next byte: ud2; ud2 stops twice.
TEST(FuzzCorpus, ResumesAfterExceptions) {
  const uint8_t two_ud2[] = {0x00, 0x00, 0x0F, 0x0B, 0x0F, 0x0B, 0x90};
  const SandboxResult r = run_sandbox(two_ud2, sizeof two_ud2);
  EXPECT_GE(r.exceptions, 2);
  EXPECT_LE(r.instructions, kBudget);
}

}  // namespace
}  // namespace vmsim::fuzz
