// Runs random streams (random_gen.h) in lock step against Unicorn until
// enough instructions have been compared, and gathers coverage: how often
// each listed mnemonic and each addressing/prefix feature executed. Shared
// by diff_random_test (CI, 200,000 instructions) and diff_random_long
// (10 million, with a command line for reproducing a failure).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/diff/random_gen.h"

namespace vmsim::difftest {

struct RandomRunConfig {
  uint64_t seed = 1;
  uint64_t min_instructions = 200000;  // stop once this many (not counting fixups) were compared
  uint64_t first_stream = 0;
  uint64_t max_streams = UINT64_MAX;
  int jobs = 1;                        // worker threads (streams are independent)
  bool progress = false;               // print a progress line now and then
  bool unicorn_only = false;           // run streams in Unicorn alone (generator self-check)
  size_t max_failures = 1;             // stop after this many failing streams
};

struct RandomRunStats {
  uint64_t streams = 0;
  uint64_t compared = 0;               // instructions both engines executed and agreed on
  uint64_t fixups = 0;                 // of which were address/value set-up instructions
  uint64_t tested() const { return compared - fixups; }
  std::vector<uint64_t> by_key;        // executions by mnemonic * 2 + sse
  uint64_t features[kNumFeatures] = {};
  std::map<int, uint64_t> vectors;     // exceptions that ended streams
  std::vector<std::string> failures;   // one message per failing stream
  double seconds = 0;

  uint64_t count(ZydisMnemonic m, bool sse) const {
    const size_t k = static_cast<size_t>(m) * 2 + (sse ? 1 : 0);
    return k < by_key.size() ? by_key[k] : 0;
  }
  void merge(const RandomRunStats& o);
};

// Generate and check one stream; returns "" or a failure message with the
// seed, the stream index, the mismatch and a listing around it.
std::string check_stream(const Stream& s, bool unicorn_only, RandomRunStats& stats);

RandomRunStats run_random(const RandomGenerator& gen, const RandomRunConfig& cfg);

// The coverage table. 'missing' receives the listed mnemonics the generator
// emits (vmsim has a binder) that never executed.
std::string coverage_report(const RandomRunStats& st, const RandomGenerator& gen,
                            std::vector<std::string>* missing = nullptr);

}  // namespace vmsim::difftest
