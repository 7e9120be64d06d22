// diff_random_long: the long random differential run (10 million
// instructions by default; `ninja diff-random-10m`), and the tool for
// reproducing a failure of diff_random_test: --seed and --stream regenerate
// one stream and print its listing and the result.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "tests/diff/random_runner.h"

using namespace vmsim::difftest;

int main(int argc, char** argv) {
  CLI::App app{"Random lock-step differential test of vmsim's interpreter against Unicorn"};
  uint64_t seed = 0x5EED2024, instructions = 10000000, first = 0;
  int64_t stream = -1;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool unicorn_only = false, all_templates = false, list = false;
  double fault_fraction = 0.03;
  app.add_option("--seed", seed, "Seed of the stream generator");
  app.add_option("--instructions", instructions, "Compare at least this many instructions");
  app.add_option("--first-stream", first, "Index of the first stream");
  app.add_option("--stream", stream, "Run only this stream and print its listing");
  app.add_option("-j,--jobs", jobs, "Worker threads");
  app.add_option("--fault-fraction", fault_fraction, "Fraction of streams ending on a deliberate fault");
  app.add_flag("--unicorn-only", unicorn_only, "Run the streams in Unicorn alone (checks the generator)");
  app.add_flag("--all-templates", all_templates, "Generate every template, implemented by vmsim or not");
  app.add_flag("--list", list, "With --stream: print the whole stream");
  CLI11_PARSE(app, argc, argv);

  GenOptions go;
  go.only_implemented = !all_templates;
  go.fault_fraction = fault_fraction;
  go.record_knowledge = unicorn_only;  // check the generator's register bookkeeping too
  const RandomGenerator gen(go);

  if (stream >= 0) {
    const Stream s = gen.generate(seed, static_cast<uint64_t>(stream));
    if (list) std::cout << s.listing();
    RandomRunStats st;
    const std::string f = check_stream(s, unicorn_only, st);
    std::cout << "seed " << seed << ", stream " << stream << ": " << s.marks.size() << " instructions generated, "
              << st.compared << " compared" << (s.expected_vector >= 0 ? ", ends on " + s.fault_kind : "") << "\n";
    if (!f.empty()) {
      std::cout << f;
      return 1;
    }
    std::cout << "OK\n";
    return 0;
  }

  if (!gen.skipped().empty()) {
    std::cout << "Not generated (no vmsim binder yet):";
    for (const std::string& s : gen.skipped()) std::cout << " " << s;
    std::cout << "\n";
  }
  std::printf("seed %#llx, at least %llu instructions, %d jobs%s\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(instructions), jobs, unicorn_only ? ", Unicorn only" : "");
  RandomRunConfig cfg;
  cfg.seed = seed;
  cfg.min_instructions = instructions;
  cfg.first_stream = first;
  cfg.jobs = jobs;
  cfg.progress = true;
  cfg.unicorn_only = unicorn_only;
  cfg.max_failures = 5;
  const RandomRunStats st = run_random(gen, cfg);
  std::vector<std::string> never;
  std::cout << "\n" << coverage_report(st, gen, &never);
  for (const std::string& f : st.failures) std::cout << "\nFAILURE: " << f;
  const bool ok = st.failures.empty() && never.empty() && st.tested() >= instructions;
  std::cout << (ok ? "\nPASSED\n" : "\nFAILED\n");
  return ok ? 0 : 1;
}
