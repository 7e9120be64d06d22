// libFuzzer target: the input bytes run as guest code in the sandbox of
// fuzz/sandbox.h. vmsim must never crash, hang, leak or hit undefined
// behaviour, whatever the bytes (DESIGN §8). Build and run: scripts/fuzz.sh.
#include <cstdint>
#include <cstdlib>

#include "fuzz/sandbox.h"

// UBSan reports are findings: stop at the first one so libFuzzer saves the
// input (the build uses the recoverable UBSan mode).
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const vmsim::fuzz::SandboxResult r = vmsim::fuzz::run_sandbox(data, size);
  // The budget is a hard bound: running past it would be a CPU bug.
  if (r.instructions > vmsim::fuzz::kBudget) std::abort();
  return 0;
}
