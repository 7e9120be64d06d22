// Directed differential tests for the alu, move, control and misc groups.
#include <gtest/gtest.h>

#include "tests/diff/snippet.h"

DIFF_SNIPPET(alu_rr)
DIFF_SNIPPET(alu_ri)
DIFF_SNIPPET(alu_mem)
DIFF_SNIPPET(alu_unary)
DIFF_SNIPPET(mov_forms)
DIFF_SNIPPET(mov_extend)
DIFF_SNIPPET(mov_lea_xchg)
DIFF_SNIPPET(mov_atomic)
DIFF_SNIPPET(mov_stack)
DIFF_SNIPPET(mov_cc)
DIFF_SNIPPET(ctl_branches)
DIFF_SNIPPET(ctl_loops)
DIFF_SNIPPET(ctl_frames)
DIFF_SNIPPET(ctl_frames16)
DIFF_SNIPPET(misc_nops)
DIFF_SNIPPET(misc_ud2)
DIFF_SNIPPET(misc_int3)
DIFF_SNIPPET(misc_bad_memory)

namespace vmsim::difftest {
namespace {

constexpr int kStates = 40;

#define DIRECTED(name, seed) \
  TEST(DiffDirected, name) { EXPECT_EQ(check_snippet(SNIPPET_BYTES(name), kStates, seed), ""); }

DIRECTED(alu_rr, 1)
DIRECTED(alu_ri, 2)
DIRECTED(alu_mem, 3)
DIRECTED(alu_unary, 4)
DIRECTED(mov_forms, 5)
DIRECTED(mov_extend, 6)
DIRECTED(mov_lea_xchg, 7)
DIRECTED(mov_atomic, 8)
DIRECTED(mov_stack, 9)
DIRECTED(mov_cc, 10)
DIRECTED(ctl_branches, 11)
DIRECTED(ctl_loops, 12)
DIRECTED(ctl_frames, 13)
DIRECTED(ctl_frames16, 15)
DIRECTED(misc_nops, 14)

Outcome run_one(const std::vector<uint8_t>& code) {
  std::mt19937_64 rng(99);
  Program p;
  p.code = code;
  p.init = random_state(rng);
  return run_lockstep(p);
}

TEST(DiffDirected, Ud2RaisesInvalidOpcodeInBoth) {
  Outcome o = run_one(SNIPPET_BYTES(misc_ud2));
  EXPECT_TRUE(o.ok) << o.mismatch;
  EXPECT_EQ(o.exception, 6);
  EXPECT_EQ(o.executed, 1u);
}

TEST(DiffDirected, Int3RaisesBreakpointInBoth) {
  Outcome o = run_one(SNIPPET_BYTES(misc_int3));
  EXPECT_TRUE(o.ok) << o.mismatch;
  EXPECT_EQ(o.exception, 3);
}

TEST(DiffDirected, UnmappedMemoryFaultsInBoth) {
  Outcome o = run_one(SNIPPET_BYTES(misc_bad_memory));
  EXPECT_TRUE(o.ok) << o.mismatch;
  EXPECT_EQ(o.exception, 14);
  EXPECT_EQ(o.executed, 2u);
}

}  // namespace
}  // namespace vmsim::difftest
