// vmsim check: the regression check on counters (DESIGN §4, §8). Exact by
// default, since a run is a pure function of its inputs; --tolerance allows a
// relative difference for numeric counters.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/result.h"
#include "tools/commands.h"
#include "tools/results_io.h"

namespace vmsim {

namespace {

std::string show(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool same(const nlohmann::json& a, const nlohmann::json& b, double tol) {
  if (a == b) return true;
  if (tol <= 0 || !a.is_number() || !b.is_number()) return false;
  const double x = a.get<double>(), y = b.get<double>();
  return std::fabs(x - y) <= tol * std::max(std::fabs(x), std::fabs(y));
}

int write_baseline(const CheckArgs& a) {
  std::vector<LoadedResult> rs = load_results(a.inputs);
  nlohmann::json runs = nlohmann::json::array();
  for (LoadedResult& r : rs) {
    r.j.erase("host");  // wall time is not part of a baseline
    // Paths of this checkout mean nothing in another one.
    const std::string image = r.j["guest"].value("image", "");
    r.j["guest"]["image"] = image.substr(image.rfind('/') + 1);
    runs.push_back(std::move(r.j));
  }
  std::sort(runs.begin(), runs.end(), [](const nlohmann::json& x, const nlohmann::json& y) {
    return std::make_pair(x["guest"].value("name", ""), x.value("label", "")) <
           std::make_pair(y["guest"].value("name", ""), y.value("label", ""));
  });
  write_json_atomic(a.baseline, {{"schema", kBaselineSchema}, {"results", runs}});
  std::fprintf(stderr, "vmsim check: wrote %zu results to %s\n", runs.size(), a.baseline.c_str());
  return 0;
}

}  // namespace

int cmd_check(const CheckArgs& a) {
  if (a.tolerance < 0) throw InputError("--tolerance must not be negative");
  if (a.write) return write_baseline(a);
  const std::vector<LoadedResult> base = load_results({a.baseline});
  const std::vector<LoadedResult> now = load_results(a.inputs);
  std::map<std::string, const LoadedResult*> by_key;
  for (const LoadedResult& b : base) by_key[b.key()] = &b;

  unsigned diffs = 0, compared = 0;
  std::set<std::string> checked;
  for (const LoadedResult& r : now) {
    auto it = by_key.find(r.key());
    if (it == by_key.end()) {
      std::printf("%s %s: not in the baseline %s\n", r.workload().c_str(), r.label().c_str(), a.baseline.c_str());
      ++diffs;
      continue;
    }
    checked.insert(r.key());
    const auto old_v = deterministic_values(it->second->j);
    const auto new_v = deterministic_values(r.j);
    for (const auto& [k, v] : old_v) {
      ++compared;
      auto n = new_v.find(k);
      if (n == new_v.end()) {
        std::printf("%s %s %s: %s -> (absent)\n", r.workload().c_str(), r.label().c_str(), k.c_str(), show(v).c_str());
        ++diffs;
      } else if (!same(v, n->second, a.tolerance)) {
        std::printf("%s %s %s: %s -> %s", r.workload().c_str(), r.label().c_str(), k.c_str(), show(v).c_str(),
                    show(n->second).c_str());
        if (v.is_number() && n->second.is_number() && v.get<double>() != 0)
          std::printf(" (%+.3g%%)", 100.0 * (n->second.get<double>() - v.get<double>()) / v.get<double>());
        std::printf("\n");
        ++diffs;
      }
    }
    for (const auto& [k, v] : new_v)
      if (!old_v.count(k)) {
        std::printf("%s %s %s: (absent) -> %s\n", r.workload().c_str(), r.label().c_str(), k.c_str(), show(v).c_str());
        ++diffs;
      }
  }
  for (const LoadedResult& b : base)
    if (!checked.count(b.key()) && !std::any_of(now.begin(), now.end(), [&](const LoadedResult& r) {
          return r.key() == b.key();
        })) {
      std::printf("%s %s: in the baseline but not among the results\n", b.workload().c_str(), b.label().c_str());
      ++diffs;
    }
  if (diffs) {
    std::fprintf(stderr, "vmsim check: %u difference%s from %s (%zu results, %u values compared)\n", diffs,
                 diffs == 1 ? "" : "s", a.baseline.c_str(), now.size(), compared);
    return 1;
  }
  std::fprintf(stderr, "vmsim check: %zu results match %s (%u values compared%s)\n", now.size(), a.baseline.c_str(),
               compared, a.tolerance > 0 ? ", with tolerance" : ", exactly");
  return 0;
}

}  // namespace vmsim
