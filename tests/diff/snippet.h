// Access to assembly snippets (see snippet.inc) and to random machine states.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "tests/diff/lockstep.h"

#define DIFF_SNIPPET(name) extern "C" const uint8_t name##_start[], name##_end[];
#define SNIPPET_BYTES(name) ::std::vector<uint8_t>(name##_start, name##_end)

namespace vmsim::difftest {

// A value drawn from a mix of edge cases (0, 1, -1, sign boundaries, small
// numbers, one-bit patterns) and uniform random 64-bit numbers.
uint64_t interesting_value(std::mt19937_64& rng);

// Random GPRs, flags (CF PF AF ZF SF OF; DF clear), XMM registers and
// MXCSR-free state, with r14/r15/rsp set as snippet.inc describes.
MachineState random_state(std::mt19937_64& rng);

// Random bytes for the data region.
std::vector<uint8_t> random_data(std::mt19937_64& rng);

// Run 'code' in lock step from 'states' random states (and random data);
// returns an empty string or the first mismatch, prefixed with the seed.
std::string check_snippet(const std::vector<uint8_t>& code, int states, uint64_t seed,
                          uint64_t max_instructions = 10000);

}  // namespace vmsim::difftest
