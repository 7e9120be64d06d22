#include <string>

#include "tests/diff/snippet.h"

namespace vmsim::difftest {

uint64_t interesting_value(std::mt19937_64& rng) {
  static const uint64_t kEdges[] = {0,
                                    1,
                                    2,
                                    ~0ull,
                                    0x7F,
                                    0x80,
                                    0xFF,
                                    0x7FFF,
                                    0x8000,
                                    0xFFFF,
                                    0x7FFFFFFF,
                                    0x80000000,
                                    0xFFFFFFFF,
                                    0x100000000ull,
                                    0x7FFFFFFFFFFFFFFFull,
                                    0x8000000000000000ull,
                                    0xFFFFFFFF80000000ull,
                                    0xFFFFFFFFFFFFFF80ull};
  switch (rng() % 6) {
    case 0: return kEdges[rng() % (sizeof kEdges / sizeof kEdges[0])];
    case 1: return rng() % 64;
    case 2: return 1ull << (rng() % 64);
    case 3: return static_cast<uint64_t>(-static_cast<int64_t>(rng() % 64));
    default: return rng();
  }
}

MachineState random_state(std::mt19937_64& rng) {
  MachineState s;
  for (auto& g : s.gpr) g = interesting_value(rng);
  s.gpr[4] = kStackTop;                                  // rsp
  s.gpr[15] = kDataBase + 0x1000 + (rng() % 0x100) * 8;  // r15
  s.gpr[14] = kDataBase + 0x8000;                        // r14
  s.rflags = 0x2 | (rng() & 0x8D5);                      // random CF PF AF ZF SF OF
  for (auto& x : s.xmm)
    for (int i = 0; i < 16; i += 8) {
      uint64_t v = interesting_value(rng);
      for (int b = 0; b < 8; ++b) x[i + b] = static_cast<uint8_t>(v >> (8 * b));
    }
  return s;
}

std::vector<uint8_t> random_data(std::mt19937_64& rng) {
  std::vector<uint8_t> d(kDataSize);
  for (size_t i = 0; i < d.size(); i += 8) {
    uint64_t v = interesting_value(rng);
    for (int b = 0; b < 8; ++b) d[i + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return d;
}

std::string check_snippet(const std::vector<uint8_t>& code, int states, uint64_t seed,
                          uint64_t max_instructions) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < states; ++i) {
    Program p;
    p.code = code;
    p.init = random_state(rng);
    p.data = random_data(rng);
    Options o;
    o.max_instructions = max_instructions;
    Outcome out = run_lockstep(p, o);
    const std::string where = "seed " + std::to_string(seed) + ", state " + std::to_string(i) + ": ";
    if (!out.ok) return where + out.mismatch;
    // A directed snippet must run to its end: an exception both engines
    // agree on would otherwise hide everything after it.
    if (out.exception >= 0)
      return where + "both engines raised exception " + std::to_string(out.exception) + " after " +
             std::to_string(out.executed) + " instructions; the snippet should run to its end";
  }
  return {};
}

}  // namespace vmsim::difftest
