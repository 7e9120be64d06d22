// vmsim suite: the matrix of workloads x modes (DESIGN §4). Each run is an
// independent child `vmsim run`, so a crash in one cannot take the others
// down, and --list-commands can hand the same lines to GNU parallel or a
// Slurm array instead.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "core/config.h"
#include "core/result.h"
#include "tools/bundled.h"
#include "tools/commands.h"
#include "tools/results_io.h"
#include "vmm/backends.h"

extern char** environ;

namespace vmsim {

namespace fs = std::filesystem;

namespace {

// A mode of the suite: a backend plus configuration, named by its label.
// Labels are a backend name with optional suffixes: -2m / -1g (ept.page_size),
// -novpid (vmx.vpid=false), -nopwc (walk.pwc=false, walk.nested_tlb=false):
// "ept-2m", "shadow-novpid".
struct Mode {
  std::string label;
  std::string mmu;
  std::vector<std::string> sets;
};

// The four modes, plus the two contrasts the seeds' claims need: the
// whole two-dimensional walk (caches off) and EPT without VPID.
const std::vector<std::string> kDefaultModes = {"native", "shadow", "ept", "ept-2m", "ept-nopwc", "ept-novpid"};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

bool built(const std::string& mmu) {
  for (const std::string& n : backend_names())
    if (n == mmu) return true;
  return false;
}

std::string built_list() {
  std::string s;
  for (const std::string& n : backend_names()) s.append(s.empty() ? "" : ", ").append(n);
  return s;
}

Mode parse_mode(const std::string& label) {
  Mode m{label, label.substr(0, label.find('-')), {}};
  size_t pos = label.find('-');
  while (pos != std::string::npos) {
    const size_t next = label.find('-', pos + 1);
    const std::string suffix = label.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if ((suffix == "2m" || suffix == "1g") && m.mmu == "ept") m.sets.push_back("ept.page_size=" + suffix);
    else if (suffix == "novpid" && m.mmu != "native") m.sets.push_back("vmx.vpid=false");
    else if (suffix == "nopwc") {  // no walk caches of either kind: every walk is a full walk
      m.sets.push_back("walk.pwc=false");
      m.sets.push_back("walk.nested_tlb=false");
    }
    else throw InputError("unknown mode '" + label + "' (a backend: " + built_list() +
                          "; with suffixes -2m/-1g for ept, -novpid, -nopwc)");
    pos = next;
  }
  if (m.mmu != "native" && m.mmu != "shadow" && m.mmu != "ept")
    throw InputError("unknown mode '" + label + "' (backends: native, shadow, ept; this build has: " + built_list() + ")");
  if (!built(m.mmu))
    throw InputError("mode '" + label + "' needs the " + m.mmu + " backend, which this build does not have (it has: " +
                     built_list() + ")");
  return m;
}

std::vector<Mode> suite_modes(const std::string& list) {
  std::vector<Mode> out;
  if (list.empty()) {
    std::string skipped;
    for (const std::string& l : kDefaultModes) {
      if (built(l.substr(0, l.find('-')))) out.push_back(parse_mode(l));
      else skipped.append(skipped.empty() ? "" : ", ").append(l);
    }
    if (!skipped.empty()) std::fprintf(stderr, "vmsim suite: skipping %s (backend not built)\n", skipped.c_str());
    return out;
  }
  for (const std::string& l : split(list)) out.push_back(parse_mode(l));
  if (out.empty()) throw InputError("--mmu: no modes given");
  return out;
}

std::vector<std::string> suite_workloads(const std::string& list) {
  std::vector<std::string> out;
  if (list.empty()) {
    for (const BundledGuest& b : bundled_guests())
      if (b.workload()) out.push_back(b.name);
    return out;
  }
  for (const std::string& w : split(list)) {
    const BundledGuest* b = find_bundled(w);
    if (!b || !b->workload()) throw InputError("unknown workload '" + w + "' (vmsim list --names shows them)");
    out.push_back(w);
  }
  if (out.empty()) throw InputError("--workloads: no workloads given");
  return out;
}

struct Job {
  std::string workload;
  Mode mode;
  std::string result;  // path of the result file
  std::string log;     // the child's console and messages
  std::vector<std::string> argv;
  int status = -1;     // vmsim run's exit status
  double seconds = 0;
};

std::string shell_quote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+") ==
      std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

pid_t spawn(const Job& j) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, j.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (const std::string& a : j.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

void show_progress(bool tty, size_t done, size_t total, const Job& j) {
  const bool ok = j.status == 0;
  if (!tty) {
    std::fprintf(stderr, "vmsim suite: [%zu/%zu] %s %s: %s (%.1f s)\n", done, total, j.workload.c_str(),
                 j.mode.label.c_str(), ok ? "ok" : ("exit status " + std::to_string(j.status)).c_str(), j.seconds);
    return;
  }
  if (!ok)
    std::fprintf(stderr, "\r\033[Kvmsim suite: %s %s failed (exit status %d), see %s\n", j.workload.c_str(),
                 j.mode.label.c_str(), j.status, j.log.c_str());
  const int width = 30;
  const int filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r\033[K[%s%s] %zu/%zu %s %s", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), done, total, j.workload.c_str(), j.mode.label.c_str());
  if (done == total) std::fputc('\n', stderr);
}

}  // namespace

std::string self_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("vmsim") : p.string();
}

int cmd_suite(const SuiteArgs& a) {
  {
    Config probe;  // a bad --set is one usage error, not a failure of every run
    for (const std::string& s : a.sets) probe.set_assignment(s);
  }
  std::string wl = a.workloads, ml = a.modes;
  if (!a.like.empty()) {
    // The matrix of an existing baseline, so that its check runs the same
    // modes in any build (DESIGN §8: the regression check on trap counts).
    if (!wl.empty() || !ml.empty()) throw InputError("--like replaces --mmu and --workloads: give one or the other");
    const std::vector<LoadedResult> rs = load_results({a.like});
    for (const std::string& w : ordered_workloads(rs)) wl.append(wl.empty() ? "" : ",").append(w);
    for (const std::string& l : ordered_labels(rs)) ml.append(ml.empty() ? "" : ",").append(l);
  }
  const std::vector<std::string> workloads = suite_workloads(wl);
  const std::vector<Mode> modes = suite_modes(ml);
  if (modes.empty()) throw InputError("no mode of the default suite is built");
  const std::string dir = a.out_dir;
  std::vector<Job> jobs;
  for (const std::string& w : workloads)
    for (const Mode& m : modes) {
      Job j{w, m, (fs::path(dir) / (w + "-" + m.label + ".json")).string(),
            (fs::path(dir) / (w + "-" + m.label + ".log")).string(), {}};
      j.argv = {self_path(), "run", "--quiet", "--mmu", m.mmu, "--label", m.label};
      for (const std::string& s : m.sets) j.argv.insert(j.argv.end(), {"--set", s});
      for (const std::string& s : a.sets) j.argv.insert(j.argv.end(), {"--set", s});
      j.argv.insert(j.argv.end(), {"-o", j.result, w});
      jobs.push_back(std::move(j));
    }
  if (a.list_commands) {
    std::error_code ec;
    fs::create_directories(dir, ec);  // so that the lines run as they are on this machine
    for (const Job& j : jobs) {
      std::string line;
      for (const std::string& s : j.argv) line.append(line.empty() ? "" : " ").append(shell_quote(s));
      std::printf("%s\n", line.c_str());
    }
    return 0;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw InputError("cannot create the output directory '" + dir + "'");

  const unsigned jobs_max = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  const bool tty = ::isatty(2);
  using clock = std::chrono::steady_clock;
  std::map<pid_t, std::pair<size_t, clock::time_point>> running;
  size_t next = 0, done = 0;
  while (done < jobs.size()) {
    while (running.size() < jobs_max && next < jobs.size()) {
      const pid_t pid = spawn(jobs[next]);
      if (pid < 0) {
        jobs[next].status = 127;
        show_progress(tty, ++done, jobs.size(), jobs[next]);
      } else {
        running[pid] = {next, clock::now()};
      }
      ++next;
    }
    if (running.empty()) continue;
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, 0);
    auto it = running.find(pid);
    if (it == running.end()) continue;
    Job& j = jobs[it->second.first];
    j.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    j.seconds = std::chrono::duration<double>(clock::now() - it->second.second).count();
    running.erase(it);
    show_progress(tty, ++done, jobs.size(), j);
  }

  nlohmann::json runs = nlohmann::json::array();
  unsigned failed = 0;
  for (const Job& j : jobs) {
    failed += j.status != 0;
    runs.push_back({{"workload", j.workload},
                    {"label", j.mode.label},
                    {"mmu", j.mode.mmu},
                    {"sets", j.mode.sets},
                    {"exit_status", j.status},
                    {"result", fs::path(j.result).filename().string()},
                    {"log", fs::path(j.log).filename().string()},
                    {"wall_seconds", j.seconds}});
  }
  const std::string summary = (fs::path(dir) / "summary.json").string();
  write_json_atomic(summary, {{"schema", kSuiteSchema}, {"runs", runs}, {"failed", failed}});
  std::fprintf(stderr, "vmsim suite: %zu runs (%zu workloads x %zu modes), %u failed; results in %s, summary %s\n",
               jobs.size(), workloads.size(), modes.size(), failed, dir.c_str(), summary.c_str());
  return failed ? 1 : 0;
}

}  // namespace vmsim
