// The random differential test (CI): random instruction streams from random
// register, flag, XMM and memory states, in lock step with Unicorn, until at
// least 200,000 instructions have been compared, with zero mismatches. The
// 10-million-instruction run is diff_random_long (target diff-random-10m).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tests/diff/random_gen_internal.h"
#include "tests/diff/random_runner.h"

namespace vmsim::difftest {
namespace {

constexpr uint64_t kDefaultSeed = 0x5EED2024;

// VMSIM_RANDOM_SEED overrides the seed (to explore; CI keeps the default).
uint64_t seed() {
  const char* e = std::getenv("VMSIM_RANDOM_SEED");
  return e ? std::strtoull(e, nullptr, 0) : kDefaultSeed;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

TEST(DiffRandom, TwoHundredThousandInstructionsAgree) {
  const RandomGenerator gen;
  if (!gen.skipped().empty())
    std::cout << "Not generated (no vmsim binder yet): " << join(gen.skipped()) << "\n";
  RandomRunConfig cfg;
  cfg.seed = seed();
  cfg.min_instructions = 200000;
  cfg.max_failures = 1;
  const RandomRunStats st = run_random(gen, cfg);
  std::vector<std::string> never;
  std::cout << coverage_report(st, gen, &never);
  ASSERT_TRUE(st.failures.empty()) << st.failures.front();
  EXPECT_GE(st.tested(), cfg.min_instructions);
  EXPECT_TRUE(never.empty()) << "mnemonics with a binder that never executed: " << join(never);
  for (int f = 0; f < kNumFeatures; ++f)
    EXPECT_GT(st.features[f], 0u) << "feature never exercised: " << feature_name(f);
}

// Streams that end on a deliberate fault: both engines raise the vector the
// generator intended (#PF, #GP, #UD, #BP, #DE...).
TEST(DiffRandom, DeliberateFaultsRaiseTheExpectedVector) {
  GenOptions o;
  o.min_insns = 5;
  o.max_insns = 20;
  o.fault_fraction = 1.0;
  const RandomGenerator gen(o);
  RandomRunConfig cfg;
  cfg.seed = seed() + 1;
  cfg.min_instructions = UINT64_MAX;
  cfg.max_streams = 300;
  const RandomRunStats st = run_random(gen, cfg);
  ASSERT_TRUE(st.failures.empty()) << st.failures.front();
  uint64_t faults = 0;
  for (const auto& [v, n] : st.vectors) faults += n;
  EXPECT_GE(faults, 280u);  // a few streams may not find a fault template that fits
  EXPECT_GT(st.vectors.count(14), 0u);
  EXPECT_GT(st.vectors.count(13), 0u);
  EXPECT_GT(st.vectors.count(6), 0u);
}

// The same (seed, index) always gives the same stream.
TEST(DiffRandom, GenerationIsDeterministic) {
  const RandomGenerator gen;
  for (uint64_t i : {0ull, 7ull, 123456ull}) {
    const Stream a = gen.generate(42, i), b = gen.generate(42, i);
    EXPECT_EQ(a.program.code, b.program.code);
    EXPECT_EQ(a.program.data, b.program.data);
    EXPECT_EQ(0, std::memcmp(&a.program.init, &b.program.init, sizeof a.program.init));
    EXPECT_NE(a.program.code, gen.generate(43, i).program.code);
  }
}

// Every template, including those for instructions vmsim does not implement
// yet, produces streams that run in Unicorn alone without an unintended
// fault: the generator's address bookkeeping holds for all of them.
TEST(DiffRandom, AllTemplatesRunCleanlyInUnicorn) {
  GenOptions o;
  o.only_implemented = false;
  o.record_knowledge = true;  // and its beliefs about register values hold
  const RandomGenerator gen(o);
  RandomRunConfig cfg;
  cfg.seed = seed() + 2;
  cfg.min_instructions = 60000;
  cfg.unicorn_only = true;
  const RandomRunStats st = run_random(gen, cfg);
  ASSERT_TRUE(st.failures.empty()) << st.failures.front();
  std::vector<std::string> never;
  coverage_report(st, gen, &never);
  EXPECT_TRUE(never.empty()) << "templates never executed: " << join(never);
}

}  // namespace
}  // namespace vmsim::difftest
