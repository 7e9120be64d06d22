// The measurement subcommands of vmsim (DESIGN §4): suite, compare, check.
// Each returns the process exit status: 0 success, 1 a failed run or a
// mismatch, 2 bad usage or bad input (one line on stderr).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vmsim {

struct SuiteArgs {
  std::string modes;      // comma-separated labels; empty: the default modes that are built
  std::string workloads;  // comma-separated; empty: every bundled workload
  unsigned jobs = 0;      // 0: the number of host CPUs
  std::string out_dir = "out";
  bool list_commands = false;
  std::string like;  // a baseline (or results): run exactly its workloads x labels
  std::vector<std::string> sets;  // --set passed to every run
};
int cmd_suite(const SuiteArgs& a);

struct CompareArgs {
  std::vector<std::string> inputs;
  std::string output = "report";
};
int cmd_compare(const CompareArgs& a);

struct CheckArgs {
  std::string baseline;
  std::vector<std::string> inputs;
  double tolerance = 0;
  bool write = false;
};
int cmd_check(const CheckArgs& a);

// The path of the running vmsim binary (children of the suite run it).
std::string self_path();

}  // namespace vmsim
