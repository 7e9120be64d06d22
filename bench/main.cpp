// vmsim_bench: the interpreter's speed against Unicorn on three guest loops
// (alu, lcg, loadstore), in the same process, with the same iteration counts.
// MIPS = retired instructions / wall seconds of the run alone, best of
// --repeat runs per engine. Every run is checked: vmsim must retire exactly
// the count the loop structure gives and stop on the final ud2, and both
// engines must end with the same registers and buffer.
//
// Unicorn 2.0.1 takes its slow store path (notdirty_write) on every guest
// store, so its loadstore figure is far below its register-only loops
// (unicorn-engine/unicorn#1970, fixed in later releases).
//
//   vmsim_bench                  table
//   vmsim_bench --json           {"alu": {"vmsim_mips": X, "unicorn_mips": Y, ...}, "lcg": ..., "loadstore": ...}
//   vmsim_bench --scale 0.01     shorter runs (smoke test)
//   vmsim_bench --engine vmsim --loop alu    one engine, one loop (profiling)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "bench/engines.h"
#include "bench/loops.h"

namespace vmsim::bench {
namespace {

struct Options {
  bool json = false;
  int repeat = 3;
  double scale = 1.0;
  MmuKind mmu = MmuKind::Flat;
  bool both_mmus = false;  // flat and native, alternating, in the same run
  std::string engine = "both";
  std::vector<std::string> only;  // loop names; empty = all
};

struct LoopResult {
  const Loop* loop = nullptr;
  uint64_t iterations = 0;
  uint64_t instructions = 0;
  std::optional<double> vmsim_seconds, unicorn_seconds;  // best of the repeats
  std::optional<double> native_seconds;                  // vmsim with native paging (--mmu both)
};

double mips(uint64_t insns, double seconds) { return seconds > 0 ? insns / seconds / 1e6 : 0; }

// Runs one loop under every selected engine; returns an error or "".
std::string measure(const Loop& loop, const Options& o, LoopResult& res) {
  res.loop = &loop;
  res.iterations = std::max<uint64_t>(1, std::llround(loop.iterations * o.scale));
  const GuestSetup g = loop.setup(res.iterations);
  res.instructions = g.instructions;
  const bool want_vm = o.engine != "unicorn", want_uc = o.engine != "vmsim";

  // The instruction count attributed to Unicorn comes from the loop
  // structure; check that structure once against Unicorn's own count on a
  // short run (a counting hook would slow the timed runs).
  if (want_uc) {
    const GuestSetup small = loop.setup(2);
    std::string err;
    const int64_t counted = count_unicorn(small, err);
    if (counted < 0) return "unicorn count check: " + err;
    if (static_cast<uint64_t>(counted) != small.instructions)
      return "unicorn executed " + std::to_string(counted) + " instructions on a 2-iteration run, the loop " +
             "structure says " + std::to_string(small.instructions);
  }

  for (int r = 0; r < o.repeat; ++r) {
    std::optional<RunOutcome> vm, uc;
    if (want_vm) {
      vm = run_vmsim(g, o.mmu);
      if (!vm->error.empty()) return vm->error;
      res.vmsim_seconds = std::min(res.vmsim_seconds.value_or(1e300), vm->seconds);
      if (o.both_mmus) {
        const RunOutcome paged = run_vmsim(g, MmuKind::Native);
        if (!paged.error.empty()) return "native: " + paged.error;
        const std::string diff = compare_states(vm->state, paged.state);
        if (!diff.empty()) return "flat and native final states differ: " + diff;
        res.native_seconds = std::min(res.native_seconds.value_or(1e300), paged.seconds);
      }
    }
    if (want_uc) {
      uc = run_unicorn(g);
      if (!uc->error.empty()) return uc->error;
      res.unicorn_seconds = std::min(res.unicorn_seconds.value_or(1e300), uc->seconds);
    }
    if (vm && uc) {
      const std::string diff = compare_states(vm->state, uc->state);
      if (!diff.empty()) return "final states differ: " + diff;
    }
  }
  return "";
}

nlohmann::json to_json(const std::vector<LoopResult>& results, const Options& o) {
  nlohmann::json j = nlohmann::json::object();
  auto opt_mips = [](const LoopResult& r, const std::optional<double>& s) -> nlohmann::json {
    if (!s) return nullptr;
    return mips(r.instructions, *s);
  };
  for (const LoopResult& r : results) {
    nlohmann::json l;
    l["vmsim_mips"] = opt_mips(r, r.vmsim_seconds);
    l["unicorn_mips"] = opt_mips(r, r.unicorn_seconds);
    l["instructions"] = r.instructions;
    l["iterations"] = r.iterations;
    l["vmsim_seconds"] = r.vmsim_seconds ? nlohmann::json(*r.vmsim_seconds) : nlohmann::json(nullptr);
    l["unicorn_seconds"] = r.unicorn_seconds ? nlohmann::json(*r.unicorn_seconds) : nlohmann::json(nullptr);
    l["mmu"] = mmu_name(o.mmu);
    if (r.native_seconds) {
      l["vmsim_native_mips"] = mips(r.instructions, *r.native_seconds);
      l["native_vs_flat"] = *r.vmsim_seconds / *r.native_seconds;
    }
    l["repeat"] = o.repeat;
    j[r.loop->name] = l;
  }
  return j;
}

void print_table(const std::vector<LoopResult>& results, const Options& o) {
  std::printf("vmsim_bench: best of %d, mmu %s, scale %g\n\n", o.repeat, o.both_mmus ? "flat and native" : mmu_name(o.mmu),
              o.scale);
  std::printf("%-10s %12s %14s %8s %14s", "loop", "vmsim MIPS", "unicorn MIPS", "ratio", "instructions");
  if (o.both_mmus) std::printf(" %12s %8s", "native MIPS", "native/flat");
  std::printf("\n");
  for (const LoopResult& r : results) {
    char vm[32] = "-", uc[32] = "-", ratio[32] = "-";
    if (r.vmsim_seconds) std::snprintf(vm, sizeof vm, "%.1f", mips(r.instructions, *r.vmsim_seconds));
    if (r.unicorn_seconds) std::snprintf(uc, sizeof uc, "%.1f", mips(r.instructions, *r.unicorn_seconds));
    if (r.vmsim_seconds && r.unicorn_seconds)
      std::snprintf(ratio, sizeof ratio, "%.3f", *r.unicorn_seconds / *r.vmsim_seconds);
    std::printf("%-10s %12s %14s %8s %14llu", r.loop->name, vm, uc, ratio,
                static_cast<unsigned long long>(r.instructions));
    if (r.native_seconds)
      std::printf(" %12.1f %8.3f", mips(r.instructions, *r.native_seconds), *r.vmsim_seconds / *r.native_seconds);
    std::printf("\n");
  }
  std::printf("\nratio = vmsim MIPS / unicorn MIPS");
  if (o.both_mmus) std::printf("; native = 4-level paging with 4 KiB pages, TLB hits once warm");
  std::printf("\n");
}

}  // namespace
}  // namespace vmsim::bench

int main(int argc, char** argv) {
  using namespace vmsim::bench;
  Options o;
  CLI::App app{"vmsim interpreter benchmark: guest loops in vmsim and in Unicorn"};
  app.add_flag("--json", o.json, "print one JSON object instead of a table");
  app.add_option("--repeat", o.repeat, "runs per loop and engine; the best is reported")
      ->check(CLI::Range(1, 100));
  app.add_option("--scale", o.scale, "multiply every iteration count (e.g. 0.001 for a smoke test)")
      ->check(CLI::Range(1e-9, 1e3));
  const std::map<std::string, MmuKind> mmus{{"flat", MmuKind::Flat}, {"native", MmuKind::Native}};
  std::string mmu = "flat";
  app.add_option("--mmu", mmu,
                 "vmsim's MMU configuration: flat (identity, no paging), native (4-level paging, 4 KiB pages), "
                 "or both (flat and native alternately, with their ratio)")
      ->check(CLI::IsMember({"flat", "native", "both"}));
  app.add_option("--engine", o.engine, "which engines to run")->check(CLI::IsMember({"both", "vmsim", "unicorn"}));
  std::vector<std::string> names;
  for (const Loop& l : loops()) names.push_back(l.name);
  app.add_option("--loop", o.only, "run only these loops")->check(CLI::IsMember(names));
  CLI11_PARSE(app, argc, argv);
  o.both_mmus = mmu == "both";
  o.mmu = o.both_mmus ? MmuKind::Flat : mmus.at(mmu);

  std::vector<LoopResult> results;
  for (const Loop& l : loops()) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), l.name) == o.only.end()) continue;
    LoopResult r;
    const std::string err = measure(l, o, r);
    if (!err.empty()) {
      std::fprintf(stderr, "vmsim_bench: %s: %s\n", l.name, err.c_str());
      return 1;
    }
    results.push_back(r);
  }
  if (o.json) std::cout << to_json(results, o).dump() << "\n";
  else print_table(results, o);
  return 0;
}
