// Directed differential tests for the SSE group (cpu/insn_sse_*.cpp): every
// form, from random machine states, in lock step with Unicorn; floating point
// over tables of edge values in every rounding mode and with DAZ and FTZ;
// the #GP and #XM faults. What Unicorn cannot check (the MXCSR flags, the
// unmasked-exception rules) sse_host_test.cpp checks against the host CPU.
#include <gtest/gtest.h>

#include "cpu/insn_table.h"
#include "tests/diff/snippet.h"

DIFF_SNIPPET(sse_mov128)
DIFF_SNIPPET(sse_movq_movd)
DIFF_SNIPPET(sse_movhl)
DIFF_SNIPPET(sse_movsd)
DIFF_SNIPPET(sse_logic)
DIFF_SNIPPET(sse_int)
DIFF_SNIPPET(sse_ctl)
DIFF_SNIPPET(sse_fp_arith)
DIFF_SNIPPET(sse_fp_compare)
DIFF_SNIPPET(sse_fp_cmpsd)
DIFF_SNIPPET(sse_fp_convert)
DIFF_SNIPPET(sse_fp_random)
DIFF_SNIPPET(sse_fp_random_cmpsd)
DIFF_SNIPPET(gp_movdqa_load)
DIFF_SNIPPET(gp_movdqa_store)
DIFF_SNIPPET(gp_movaps_load)
DIFF_SNIPPET(gp_movaps_store)
DIFF_SNIPPET(gp_movapd_load)
DIFF_SNIPPET(gp_movapd_store)
DIFF_SNIPPET(gp_pxor)
DIFF_SNIPPET(gp_por)
DIFF_SNIPPET(gp_pand)
DIFF_SNIPPET(gp_pandn)
DIFF_SNIPPET(gp_andpd)
DIFF_SNIPPET(gp_xorps)
DIFF_SNIPPET(gp_pcmpeqb)
DIFF_SNIPPET(gp_pcmpeqw)
DIFF_SNIPPET(gp_pcmpeqd)
DIFF_SNIPPET(gp_pminub)
DIFF_SNIPPET(gp_psubb)
DIFF_SNIPPET(gp_punpcklbw)
DIFF_SNIPPET(gp_punpcklwd)
DIFF_SNIPPET(gp_punpckldq)
DIFF_SNIPPET(gp_punpcklqdq)
DIFF_SNIPPET(gp_pshufd)
DIFF_SNIPPET(gp_ldmxcsr)
DIFF_SNIPPET(pf_movdqu_store)
DIFF_SNIPPET(pf_movdqa_load)
DIFF_SNIPPET(pf_movq_load)
DIFF_SNIPPET(xm_divsd_zero)
DIFF_SNIPPET(xm_addsd_inexact)
DIFF_SNIPPET(xm_sqrtsd_invalid)
DIFF_SNIPPET(xm_mulsd_overflow)
DIFF_SNIPPET(xm_mulsd_underflow)
DIFF_SNIPPET(xm_mulsd_exact_tiny)
DIFF_SNIPPET(xm_subsd_denormal)
DIFF_SNIPPET(xm_comisd_qnan)
DIFF_SNIPPET(xm_cvttsd2si_nan)
DIFF_SNIPPET(xm_cvttsd2si_range)
DIFF_SNIPPET(xm_cvtsi2sd_inexact)
DIFF_SNIPPET(xm_ucomisd_snan)
DIFF_SNIPPET(xm_cmpltsd_qnan)

namespace vmsim::difftest {
namespace {

constexpr int kStates = 40;
constexpr int kFpStates = 3;  // the floating-point snippets loop over fixed tables
constexpr uint64_t kFpBudget = 100000;

// movsd and cmpsd are bound by the string group's MOVSD/CMPSD entries, which
// call bind_sse_movsd/bind_sse_cmpsd; on a branch without them the SSE forms
// are unimplemented and these tests cannot run.
bool have_sse_string_forms() {
  return cpu::binder_for(ZYDIS_MNEMONIC_MOVSD) && cpu::binder_for(ZYDIS_MNEMONIC_CMPSD);
}

#define DIRECTED(name, seed) \
  TEST(DiffSse, name) { EXPECT_EQ(check_snippet(SNIPPET_BYTES(name), kStates, seed), ""); }

DIRECTED(sse_mov128, 101)
DIRECTED(sse_movq_movd, 102)
DIRECTED(sse_movhl, 103)
DIRECTED(sse_logic, 105)
DIRECTED(sse_int, 106)
DIRECTED(sse_ctl, 107)

TEST(DiffSse, sse_movsd) {
  if (!have_sse_string_forms()) GTEST_SKIP() << "MOVSD is not bound (string group missing)";
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_movsd), kStates, 104), "");
}

TEST(DiffSse, sse_fp_arith) {
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_arith), kFpStates, 108, kFpBudget), "");
}

TEST(DiffSse, sse_fp_compare) {
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_compare), kFpStates, 109, kFpBudget), "");
}

TEST(DiffSse, sse_fp_cmpsd) {
  if (!have_sse_string_forms()) GTEST_SKIP() << "CMPSD is not bound (string group missing)";
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_cmpsd), kFpStates, 112, kFpBudget), "");
}

TEST(DiffSse, sse_fp_convert) {
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_convert), kFpStates, 110, kFpBudget), "");
}

TEST(DiffSse, sse_fp_random) {
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_random), kStates, 111), "");
}

TEST(DiffSse, sse_fp_random_cmpsd) {
  if (!have_sse_string_forms()) GTEST_SKIP() << "CMPSD is not bound (string group missing)";
  EXPECT_EQ(check_snippet(SNIPPET_BYTES(sse_fp_random_cmpsd), kStates, 113), "");
}

// The snippet must run 'before' instructions and then fault with 'vector' in
// both engines, from several random states.
void expect_fault(const std::vector<uint8_t>& code, uint64_t before, int vector) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 4; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.data = random_data(rng);
    const Outcome o = run_lockstep(p);
    ASSERT_TRUE(o.ok) << o.mismatch;
    EXPECT_EQ(o.exception, vector);
    EXPECT_EQ(o.executed, before);
  }
}

#define FAULTS(name, before, vector) \
  TEST(DiffSseFault, name) { expect_fault(SNIPPET_BYTES(name), before, vector); }

FAULTS(gp_movdqa_load, 0, 13)
FAULTS(gp_movdqa_store, 0, 13)
FAULTS(gp_movaps_load, 0, 13)
FAULTS(gp_movaps_store, 0, 13)
FAULTS(gp_movapd_load, 0, 13)
FAULTS(gp_movapd_store, 0, 13)
FAULTS(gp_pxor, 0, 13)
FAULTS(gp_por, 0, 13)
FAULTS(gp_pand, 0, 13)
FAULTS(gp_pandn, 0, 13)
FAULTS(gp_andpd, 0, 13)
FAULTS(gp_xorps, 0, 13)
FAULTS(gp_pcmpeqb, 0, 13)
FAULTS(gp_pcmpeqw, 0, 13)
FAULTS(gp_pcmpeqd, 0, 13)
FAULTS(gp_pminub, 0, 13)
FAULTS(gp_psubb, 0, 13)
FAULTS(gp_punpcklbw, 0, 13)
FAULTS(gp_punpcklwd, 0, 13)
FAULTS(gp_punpckldq, 0, 13)
FAULTS(gp_punpcklqdq, 0, 13)
FAULTS(gp_pshufd, 0, 13)
FAULTS(gp_ldmxcsr, 3, 13)
FAULTS(pf_movdqu_store, 0, 14)
FAULTS(pf_movdqa_load, 0, 14)
FAULTS(pf_movq_load, 0, 14)
FAULTS(xm_divsd_zero, 6, 19)
FAULTS(xm_addsd_inexact, 6, 19)
FAULTS(xm_sqrtsd_invalid, 6, 19)
FAULTS(xm_mulsd_overflow, 6, 19)
FAULTS(xm_mulsd_underflow, 6, 19)
FAULTS(xm_mulsd_exact_tiny, 6, 19)
FAULTS(xm_subsd_denormal, 6, 19)
FAULTS(xm_comisd_qnan, 6, 19)
FAULTS(xm_cvttsd2si_nan, 6, 19)
FAULTS(xm_cvttsd2si_range, 6, 19)
FAULTS(xm_cvtsi2sd_inexact, 6, 19)

FAULTS(xm_ucomisd_snan, 12, 19)

TEST(DiffSseFault, xm_cmpltsd_qnan) {
  if (!have_sse_string_forms()) GTEST_SKIP() << "CMPSD is not bound (string group missing)";
  expect_fault(SNIPPET_BYTES(xm_cmpltsd_qnan), 6, 19);
}

}  // namespace
}  // namespace vmsim::difftest
