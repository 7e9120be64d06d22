#include "tools/results_io.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/result.h"

namespace vmsim {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot read '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    throw InputError("'" + path + "' is not valid JSON");
  }
}

void check_result(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string())
    throw InputError(where + " is not a vmsim result (no schema)");
  const std::string schema = j["schema"];
  if (schema != kResultSchema)
    throw InputError(where + " has schema '" + schema + "', this vmsim reads " + kResultSchema +
                     " (results of different schema versions cannot be mixed)");
  for (const char* k : {"mmu", "guest", "total", "roi"})
    if (!j.contains(k)) throw InputError(where + " is a malformed result: no '" + k + "'");
  if (!j["guest"].is_object() || !j["total"].is_object() || !j["roi"].is_object())
    throw InputError(where + " is a malformed result");
}

void add_file(const std::string& path, bool from_dir, std::vector<LoadedResult>& out) {
  nlohmann::json j = read_json(path);
  const std::string schema = j.is_object() ? j.value("schema", std::string()) : std::string();
  if (schema == kSuiteSchema) {
    if (from_dir) return;  // a suite's summary beside its results
    throw InputError("'" + path + "' is a suite summary: give its directory instead");
  }
  if (schema == kBaselineSchema) {
    if (!j.contains("results") || !j["results"].is_array())
      throw InputError("'" + path + "' is a malformed baseline: no 'results' array");
    size_t i = 0;
    for (nlohmann::json& r : j["results"]) {
      check_result(r, "'" + path + "' result " + std::to_string(i++));
      out.push_back({path, std::move(r)});
    }
    return;
  }
  check_result(j, "'" + path + "'");
  out.push_back({path, std::move(j)});
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, nlohmann::json>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), prefix + "." + it.key(), out);
  } else {
    out[prefix] = j;
  }
}

}  // namespace

std::vector<LoadedResult> load_results(const std::vector<std::string>& paths) {
  std::vector<LoadedResult> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.path().extension() == ".json") files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      const size_t before = out.size();
      for (const std::string& f : files) add_file(f, true, out);
      if (out.size() == before) throw InputError("no results in directory '" + p + "'");
    } else if (fs::exists(p, ec)) {
      add_file(p, false, out);
    } else {
      throw InputError("cannot read '" + p + "': no such file or directory");
    }
  }
  if (out.empty()) throw InputError("no results given");
  std::map<std::string, std::string> seen;
  for (const LoadedResult& r : out) {
    auto [it, fresh] = seen.emplace(r.key(), r.source);
    if (!fresh)
      throw InputError("two results for " + r.workload() + " under " + r.label() + ": '" + it->second + "' and '" +
                       r.source + "'");
  }
  return out;
}

std::map<std::string, nlohmann::json> deterministic_values(const nlohmann::json& result) {
  std::map<std::string, nlohmann::json> out;
  flatten(result["total"], "total", out);
  flatten(result["roi"], "roi", out);
  for (const char* k : {"end", "exit_code", "console_sha256"})
    if (result["guest"].contains(k)) out[std::string("guest.") + k] = result["guest"][k];
  return out;
}

std::vector<std::string> ordered_labels(const std::vector<LoadedResult>& rs) {
  static const std::vector<std::string> first = {"native", "shadow", "ept", "ept-2m", "ept-1g"};
  std::set<std::string> all;
  for (const LoadedResult& r : rs) all.insert(r.label());
  std::vector<std::string> out;
  for (const std::string& l : first)
    if (all.erase(l)) out.push_back(l);
  out.insert(out.end(), all.begin(), all.end());
  return out;
}

std::vector<std::string> ordered_workloads(const std::vector<LoadedResult>& rs) {
  std::vector<std::string> out;
  for (const LoadedResult& r : rs)
    if (std::find(out.begin(), out.end(), r.workload()) == out.end()) out.push_back(r.workload());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vmsim
