#include "tools/bundled.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace vmsim {

namespace {

std::vector<BundledGuest> load() {
  const std::string dir = VMSIM_GUEST_DIR;
  std::vector<BundledGuest> out;
  out.push_back({"demo",
                 "a bare-metal ring-0 program: prints, computes checksums (sieve, CRC-32, division), exits 0",
                 dir + "/demo.elf",
                 "",
                 {{"N", "sieve size (2..4000000)", "100000", false}}});
  std::ifstream in(dir + "/workloads.json");
  if (!in) return out;  // a build without the kernel
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("cannot read " + dir + "/workloads.json: " + e.what());
  }
  const std::string kernel = dir + "/" + j["kernel"]["direct_elf64"].get<std::string>();
  const std::string initrd = dir + "/" + j["kernel"]["initrd"].get<std::string>();
  for (const auto& w : j["workloads"]) {
    BundledGuest g{w["name"], w["description"], kernel, initrd, {}};
    for (const auto& a : w["args"]) {
      GuestArg arg{a["name"], a.value("help", ""), a.contains("default") ? a["default"].dump() : "", a.value("flag", false)};
      g.args.push_back(arg);
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

// The kernel reads "[timer=N] [verbose=1] WORKLOAD [ARGS...]"
// (workloads.json): leading kernel options among the guest arguments go
// before the workload's name, so `vmsim run W -- timer=0 --mib 8` works.
std::string BundledGuest::cmdline(const std::vector<std::string>& a) const {
  std::string s;
  auto add = [&s](const std::string& x) { s += (s.empty() ? "" : " ") + x; };
  size_t i = 0;
  if (workload()) {
    for (; i < a.size() && (a[i].rfind("timer=", 0) == 0 || a[i].rfind("verbose=", 0) == 0); ++i) add(a[i]);
    add(name);
  }
  for (; i < a.size(); ++i) add(a[i]);
  return s;
}

const std::vector<BundledGuest>& bundled_guests() {
  static const std::vector<BundledGuest> guests = load();
  return guests;
}

const BundledGuest* find_bundled(const std::string& name) {
  for (const BundledGuest& g : bundled_guests())
    if (name == g.name) return &g;
  return nullptr;
}

std::string bundled_names() {
  std::string s;
  for (const BundledGuest& g : bundled_guests()) s += (s.empty() ? "" : ", ") + g.name;
  return s;
}

}  // namespace vmsim
