// vmsim: the command line (DESIGN §4).
//
// Exit status of `vmsim run`: 0 the guest ended cleanly with exit code 0,
// 1 cleanly with another code, 2 bad usage or bad input (one line, nothing
// written), 3 the guest crashed, 4 a limit stopped it.
#include <unistd.h>

#include <Zydis/Zydis.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "core/trace.h"
#include "cpu/insn_table.h"
#include "tools/bundled.h"
#include "tools/commands.h"
#include "tools/results_io.h"
#include "vmm/backends.h"
#include "vmm/machine.h"

namespace {

using namespace vmsim;

constexpr int kExitUsage = 2;

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "vmsim: %s\n", msg.c_str());
  return kExitUsage;
}

struct RunArgs {
  std::string mmu = "native";
  std::vector<std::string> sets;
  std::string config_file;
  std::string output;
  std::string label;
  std::string trace;
  uint64_t trace_limit = 100000;
  std::string initrd;
  uint64_t max_instructions = 0;
  bool quiet = false;
  std::string guest;
  std::vector<std::string> guest_args;
};

nlohmann::json cpu_stats_json(cpu::Cpu& c) {
  nlohmann::json unimpl = nlohmann::json::object();
  for (const auto& [op, n] : c.stats().unimplemented)
    unimpl[ZydisMnemonicGetString(static_cast<ZydisMnemonic>(op))] = n;
  return {{"decoded", c.stats().decoded}, {"unimplemented", unimpl}};
}

int cmd_run(const RunArgs& a) {
  Config config;
  try {
    if (!a.config_file.empty()) config.load_file(a.config_file);
    for (const std::string& s : a.sets) config.set_assignment(s);
  } catch (const ConfigError& e) {
    return usage_error(e.what());
  }
  {
    std::string names;
    bool known = false;
    for (const std::string& n : backend_names()) {
      names += (names.empty() ? "" : ", ") + n;
      known |= n == a.mmu;
    }
    if (!known) return usage_error("unknown --mmu '" + a.mmu + "' (this build has: " + names + ")");
  }

  // GUEST is a bundled guest's name or a path to an image.
  std::string image_path = a.guest;
  std::string name = a.guest;
  std::string cmdline;
  std::vector<uint8_t> initrd;
  const BundledGuest* bundled = nullptr;
  try {
    bundled = find_bundled(a.guest);
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  if (bundled) {
    image_path = bundled->image;
    cmdline = bundled->cmdline(a.guest_args);
    if (bundled->workload()) {
      std::ifstream in(bundled->initrd, std::ios::binary);
      if (!in) return usage_error("cannot read the initrd '" + bundled->initrd + "' (is the build complete?)");
      initrd.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  } else if (a.guest.find('/') == std::string::npos && !std::filesystem::exists(a.guest)) {
    return usage_error("unknown guest '" + a.guest + "': not a file, and not a bundled guest (" + bundled_names() +
                       ")");
  } else {
    name = std::filesystem::path(a.guest).stem().string();
    for (const std::string& arg : a.guest_args) cmdline += (cmdline.empty() ? "" : " ") + arg;
  }
  if (!a.initrd.empty()) {
    std::ifstream in(a.initrd, std::ios::binary);
    if (!in) return usage_error("cannot read the initrd '" + a.initrd + "'");
    initrd.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Refuse an unwritable result path before anything runs.
  const std::string path = a.output.empty() ? name + "-" + a.mmu + ".json" : a.output;
  {
    const std::string probe = path + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(probe.c_str(), "w");
    if (!f) return usage_error("cannot write the result to '" + path + "'");
    std::fclose(f);
    std::remove(probe.c_str());
  }

  if (!a.trace.empty()) {
    const std::string probe = a.trace + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(probe.c_str(), "w");
    if (!f) return usage_error("cannot write the trace to '" + a.trace + "'");
    std::fclose(f);
    std::remove(probe.c_str());
  }
  if (a.trace_limit == 0 && !a.trace.empty()) return usage_error("--trace-limit must be at least 1");

  std::unique_ptr<Machine> m;
  std::unique_ptr<TraceWriter> trace;
  try {
    Image image = read_image(image_path);
    MachineOptions mo;
    mo.mmu = a.mmu;
    mo.console = a.quiet ? nullptr : stdout;
    mo.progress = ::isatty(2);
    if (!a.trace.empty()) {
      // Time is retired instructions: the machine exists before the first event.
      trace = std::make_unique<TraceWriter>([&m] { return m ? m->cpu().instructions() : 0; }, a.trace_limit);
      mo.observer = trace.get();
    }
    m = std::make_unique<Machine>(config, mo);
    m->boot(image, cmdline, initrd.empty() ? nullptr : &initrd);
  } catch (const ImageError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }

  const RunOutcome out = m->run(a.max_instructions);

  RunRecord rec;
  rec.mmu = m->mmu_name();
  rec.label = a.label;
  rec.workload = name;
  rec.cost = CostModel::from_config(config);
  rec.config = config.to_json();
  rec.image = image_path;
  rec.args = a.guest_args;
  rec.end = guest_end_name(out.end);
  rec.exit_code = out.exit_code;
  rec.console_sha256 = m->console_sha256();
  rec.message = out.message;
  rec.total = m->total();
  rec.roi = m->roi();
  rec.wall_seconds = out.wall_seconds;
  rec.cpu = cpu_stats_json(m->cpu());
  try {
    write_json_atomic(path, make_result(rec));
    if (trace)
      write_json_atomic(a.trace, trace->to_json({{"workload", name}, {"mmu", rec.mmu},
                                                 {"label", rec.label.empty() ? rec.mmu : rec.label}}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmsim: %s\n", e.what());
    return 3;
  }

  const double mips = out.wall_seconds > 0 ? rec.total.instructions / out.wall_seconds / 1e6 : 0;
  std::fprintf(stderr, "[vmsim] %s: %s", name.c_str(), rec.end.c_str());
  if (out.end == GuestEnd::Clean) std::fprintf(stderr, ", exit code %u", out.exit_code);
  else std::fprintf(stderr, ": %s", out.message.c_str());
  std::fprintf(stderr, "; %llu instructions in %.3f s (%.1f MIPS); result in %s\n",
               static_cast<unsigned long long>(rec.total.instructions), out.wall_seconds, mips,
               path.c_str());
  switch (out.end) {
    case GuestEnd::Clean: return out.exit_code == 0 ? 0 : 1;
    case GuestEnd::Crash: return 3;
    case GuestEnd::Limit: return 4;
  }
  return 3;
}

int cmd_list(bool keys, bool names) try {
  if (names) {
    for (const BundledGuest& b : bundled_guests())
      if (b.workload()) std::printf("%s\n", b.name.c_str());
    return 0;
  }
  if (keys) {
    for (const KeySpec& k : config_keys()) std::printf("%-34s default %-8s %s\n", k.name, k.default_value, k.doc);
    return 0;
  }
  std::printf("Bundled guests (vmsim run NAME [-- ARGS...]):\n");
  for (const BundledGuest& b : bundled_guests()) {
    std::printf("\n  %s: %s\n", b.name.c_str(), b.description.c_str());
    for (const GuestArg& arg : b.args) {
      const std::string opt = b.workload() ? "--" + arg.name + (arg.flag ? "" : " N") : arg.name;
      std::printf("      %-14s %s%s\n", opt.c_str(), arg.help.c_str(),
                  arg.flag || arg.default_value.empty() ? "" : (" (default " + arg.default_value + ")").c_str());
    }
  }
  std::printf("\nInterpreter: %d x86-64 mnemonics implemented.\n", cpu::implemented_mnemonic_count());
  return 0;
} catch (const std::exception& e) {
  return usage_error(e.what());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vmsim: an x86-64 system emulator that measures the cost of memory virtualization"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vmsim 0.1");

  RunArgs ra;
  CLI::App* run = app.add_subcommand("run", "boot a guest and write its result JSON");
  run->add_option("--mmu", ra.mmu, "MMU backend: native (no hypervisor), shadow (write-protect shadow paging with lazy fill), ept (two-dimensional EPT paging with lazy population)")
      ->capture_default_str();
  run->add_option("--set", ra.sets, "set a configuration key, KEY=VALUE (repeatable; vmsim list --keys)");
  run->add_option("--config", ra.config_file, "JSON file of configuration keys (a result's `config` works)");
  run->add_option("-o,--output", ra.output, "result JSON path (default: GUEST-MMU.json)");
  run->add_option("--label", ra.label, "the run's name in results and reports (default: the --mmu name)");
  run->add_option("--trace", ra.trace,
                  "write the run's events (vmexits, TLB flushes, guest exceptions, ROI) as Chrome trace-event JSON "
                  "(Perfetto, chrome://tracing); time is retired instructions");
  run->add_option("--trace-limit", ra.trace_limit, "at most N trace events; later ones are dropped and counted")
      ->capture_default_str();
  run->add_option("--initrd", ra.initrd,
                  "initrd for an image given by path (boot-info block, or the Multiboot module)");
  run->add_option("--max-instructions", ra.max_instructions,
                  "stop after N instructions (exit status 4); 0 = no limit")
      ->capture_default_str();
  run->add_flag("-q,--quiet", ra.quiet, "do not echo the guest console");
  run->add_option("guest", ra.guest, "a bundled guest's name (vmsim list) or a path to an ELF64 image")->required();
  run->add_option("guest_args", ra.guest_args, "arguments for the guest, after --; a workload's leading timer=N (APIC timer period in instructions, 0 = no preemption) and verbose=1 go to the guest kernel");

  bool list_keys = false, list_names = false;
  CLI::App* list = app.add_subcommand("list", "list the bundled guests (or, with --keys, the configuration keys)");
  list->add_flag("--keys", list_keys, "list the configuration keys with their defaults");
  list->add_flag("--names", list_names, "print only the workloads' names, one per line (for scripts)");

  SuiteArgs sa;
  CLI::App* suite = app.add_subcommand("suite", "run every workload under every mode, in parallel (DESIGN §4)");
  suite->add_option("--mmu", sa.modes,
                    "comma-separated modes (default: native,shadow,ept,ept-2m,ept-nopwc,ept-novpid, those built); a mode is a backend "
                    "with optional suffixes -2m/-1g (ept.page_size), -novpid, -nopwc");
  suite->add_option("--workloads", sa.workloads, "comma-separated workloads (default: all; vmsim list --names)");
  suite->add_option("-j,--jobs", sa.jobs, "runs at once (default: the number of CPUs)");
  suite->add_option("-o,--output", sa.out_dir, "directory for the results, logs and summary.json")->capture_default_str();
  suite->add_option("--set", sa.sets, "a configuration key for every run, KEY=VALUE (repeatable)");
  suite->add_option("--like", sa.like, "run the workloads and modes of this baseline (or results directory)");
  suite->add_flag("--list-commands", sa.list_commands,
                  "print one independent `vmsim run` command per run and exit (for GNU parallel, Slurm)");

  CompareArgs ca;
  CLI::App* compare = app.add_subcommand("compare", "write a report (Markdown and HTML with charts) from results");
  compare->add_option("results", ca.inputs, "result files, suite directories or baselines")->required();
  compare->add_option("-o,--output", ca.output, "report path without extension: writes REPORT.md, REPORT.html and "
                                                "REPORT_charts/")->capture_default_str();

  CheckArgs ka;
  CLI::App* check = app.add_subcommand("check", "compare results with a baseline, counter by counter");
  check->add_option("--baseline", ka.baseline, "baseline file (results/baseline.json), result file or directory")
      ->required();
  check->add_option("--tolerance", ka.tolerance, "allowed relative difference of numeric counters (default 0: exact)");
  check->add_flag("--write", ka.write, "write the baseline from the results instead of checking them");
  check->add_option("results", ka.inputs, "result files or suite directories")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (*run) return cmd_run(ra);
    if (*list) return cmd_list(list_keys, list_names);
    if (*suite) return cmd_suite(sa);
    if (*compare) return cmd_compare(ca);
    if (*check) return cmd_check(ka);
  } catch (const InputError& e) {
    return usage_error(e.what());
  } catch (const ConfigError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    // Never an abort: a bug in vmsim still ends with one clear line.
    std::fprintf(stderr, "vmsim: internal error: %s\n", e.what());
    return 3;
  }
  return kExitUsage;
}
