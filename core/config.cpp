#include "core/config.h"

#include "core/pwc.h"
#include "core/tlb.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vmsim {

const std::vector<KeySpec>& config_keys() {
  static const std::vector<KeySpec> keys = {
      {"memory.guest_mib", KeyType::Int, "256",
       "guest RAM in MiB, at guest-physical 0 (the local APIC page at 0xFEE00000 is a hole)", 2,
       1 << 20},
      {"memory.host_mib", KeyType::Int, "4096",
       "host frame pool in MiB: guest RAM backing plus shadow and EPT tables, backed lazily; "
       "a run that exhausts it stops as 'limit'",
       4, 1 << 22},
      // TLB geometry: a Skylake client core (Intel optimization manual, TLB
      // parameters; REFERENCES.md). entries must be a multiple of ways.
      {"tlb.l1d.4k.entries", KeyType::Int, "64", "L1 data TLB, 4 KiB pages: entries", 1, 1 << 20},
      {"tlb.l1d.4k.ways", KeyType::Int, "4", "L1 data TLB, 4 KiB pages: associativity", 1, 1 << 20},
      {"tlb.l1d.2m.entries", KeyType::Int, "32", "L1 data TLB, 2 MiB pages: entries (0: splinter into 4 KiB)", 0, 1 << 20},
      {"tlb.l1d.2m.ways", KeyType::Int, "4", "L1 data TLB, 2 MiB pages: associativity", 1, 1 << 20},
      {"tlb.l1d.1g.entries", KeyType::Int, "4", "L1 data TLB, 1 GiB pages: entries (0: splinter into 2 MiB)", 0, 1 << 20},
      {"tlb.l1d.1g.ways", KeyType::Int, "4", "L1 data TLB, 1 GiB pages: associativity", 1, 1 << 20},
      {"tlb.l1i.4k.entries", KeyType::Int, "128", "L1 instruction TLB, 4 KiB pages: entries", 1, 1 << 20},
      {"tlb.l1i.4k.ways", KeyType::Int, "8", "L1 instruction TLB, 4 KiB pages: associativity", 1, 1 << 20},
      {"tlb.l1i.2m.entries", KeyType::Int, "8", "L1 instruction TLB, 2 MiB pages: entries", 0, 1 << 20},
      {"tlb.l1i.2m.ways", KeyType::Int, "8", "L1 instruction TLB, 2 MiB pages: associativity", 1, 1 << 20},
      {"tlb.l1i.1g.entries", KeyType::Int, "0", "L1 instruction TLB, 1 GiB pages: entries (Skylake has none)", 0, 1 << 20},
      {"tlb.l1i.1g.ways", KeyType::Int, "1", "L1 instruction TLB, 1 GiB pages: associativity", 1, 1 << 20},
      {"tlb.stlb.entries", KeyType::Int, "1536", "second-level TLB for 4 KiB and 2 MiB pages: entries (0: none)", 0, 1 << 24},
      {"tlb.stlb.ways", KeyType::Int, "12", "second-level TLB: associativity", 1, 1 << 20},
      {"tlb.stlb.1g.entries", KeyType::Int, "16", "second-level TLB, 1 GiB pages: entries", 0, 1 << 20},
      {"tlb.stlb.1g.ways", KeyType::Int, "4", "second-level TLB, 1 GiB pages: associativity", 1, 1 << 20},
      {"walk.pwc", KeyType::Bool, "true",
       "paging-structure caches (PML4E, PDPTE, PDE) shorten page walks (SDM Vol. 3A, 4.10.3)"},
      {"walk.pwc_pml4e", KeyType::Int, "2",
       "PML4E cache entries (Intel publishes no sizes; van Schaik et al. 2017 measured a few)", 0, 4096},
      {"walk.pwc_pdpte", KeyType::Int, "4", "PDPTE cache entries (ibid.)", 0, 4096},
      {"walk.pwc_pde", KeyType::Int, "32", "PDE cache entries (ibid.: about 32 on Skylake-era cores)", 0, 4096},
      {"vcpus", KeyType::Int, "1", "virtual CPUs (vmsim models one)", 1, 1},
      {"vmx.vpid", KeyType::Bool, "true",
       "VPID: TLB entries are tagged and survive VM exits and entries; false flushes the whole TLB "
       "at every exit and entry (SDM Vol. 3C, 28.3.3.3)"},
      {"ept.page_size", KeyType::Choice, "4k",
       "the largest EPT mapping used where the RAM backing allows (4k, 2m, 1g)", 0, 0, {"4k", "2m", "1g"}},
      {"ept.ad_bits", KeyType::Bool, "true", "EPT accessed and dirty flags (SDM Vol. 3C, 29.3.5)"},
      {"walk.nested_tlb", KeyType::Bool, "true",
       "a nested TLB caching guest-physical to host-physical translations of guest page-table pages "
       "during two-dimensional walks (Bhargava et al., ASPLOS 2008)"},
      {"shadow.unsync", KeyType::Bool, "false",
       "leaf guest page tables may be written without traps and are resynced at INVLPG and CR3 writes "
       "(KVM's unsync shadow pages)"},
      {"shadow.prefetch", KeyType::Int, "8",
       "neighbouring sptes filled per hidden fault when their guest entries have A=1 (KVM: 8)", 0, 511},
      {"shadow.flood_threshold", KeyType::Int, "3",
       "emulated writes to a shadowed non-leaf page without an intervening use that unshadow it "
       "(KVM: 3); 0 never unshadows", 0, 1 << 20},
      {"shadow.cached_roots", KeyType::Int, "4",
       "shadow roots kept for reuse across CR3 switches (KVM: the current root and 3 previous)", 1, 4096},
      // The cost model (DESIGN §7, core/cost_model.h): cycles per event. An
      // estimate for comparing modes, never a measured time.
      {"cost.instruction", KeyType::Double, "1",
       "cycles per retired instruction (a nominal IPC of 1; every mode retires the same instructions, "
       "so this term is common to all modes)"},
      {"cost.walk_ref", KeyType::Double, "20",
       "cycles per page-walk memory reference: an estimate between an L1 and a last-level cache hit, since "
       "walk references mostly hit the data caches ('Every Walk's a Hit', ASPLOS 2022)"},
      {"cost.pwc_hit", KeyType::Double, "2",
       "cycles per walk shortened by a paging-structure cache hit (the reference it saves is counted "
       "by its absence from walk_ref; SDM Vol. 3A, 4.10.3; Bhargava et al., ASPLOS 2008)"},
      {"cost.vmexit", KeyType::Double, "2000",
       "cycles per VM exit and entry round trip, direct cost (about 2,000 on KVM with EPT and VPID: "
       "SplitX, WIOV 2011; AMD KVM_RUN round trip about 2,530, LKML 2020)"},
      {"cost.handler.shadow_pt_write", KeyType::Double, "1500",
       "hypervisor work per shadow_pt_write trap beyond the exit: decode and emulate the write, update the "
       "spte (estimate; KVM mmu.rst design; SplitX puts indirect costs at up to 10x the direct exit cost)"},
      {"cost.handler.shadow_hidden_fault", KeyType::Double, "1000",
       "per shadow_hidden_fault: software walk of the guest table and spte fill (estimate, ibid.)"},
      {"cost.handler.shadow_guest_fault", KeyType::Double, "500",
       "per shadow_guest_fault: software walk that finds the guest fault (estimate, ibid.)"},
      {"cost.handler.shadow_dirty", KeyType::Double, "500",
       "per shadow_dirty: set the guest D bit, make the spte writable (estimate, ibid.)"},
      {"cost.handler.shadow_cr3_switch", KeyType::Double, "1000",
       "per shadow_cr3_switch: find or build the shadow root (KVM caches 4 roots; estimate, ibid.)"},
      {"cost.handler.shadow_invlpg", KeyType::Double, "500",
       "per shadow_invlpg: drop or resync the spte (estimate, ibid.)"},
      {"cost.handler.shadow_resync", KeyType::Double, "3000",
       "per shadow_resync: resynchronise an unsynced page table, 512 entries (estimate, ibid.)"},
      {"cost.handler.shadow_unshadow", KeyType::Double, "3000",
       "per shadow_unshadow: zap a flooded shadow page and its children (estimate, ibid.)"},
      {"cost.handler.ept_fill", KeyType::Double, "1000",
       "per ept_fill: allocate the host frame and install the EPT entry (estimate; KVM's TDP fault path)"},
      {"cost.handler.mmio", KeyType::Double, "2500",
       "per mmio trap: fetch, decode and emulate the access, walk the guest table (estimate, ibid.)"},
      {"cost.injected_event", KeyType::Double, "200",
       "cycles per event injected at VM entry (guest #PF under shadow, external interrupts; SDM Vol. 3C, 27.6; "
       "estimate)"},
      {"cost.tlb_flush", KeyType::Double, "0",
       "cycles per TLB flush operation itself (0: the refills it causes are already counted as walks)"},
      {"shadow.audit", KeyType::Bool, "false",
       "check the shadow invariants (DESIGN §8) after every exit; the first violation ends the run as a crash"},
  };
  return keys;
}

Config::Config() {
  for (const KeySpec& k : config_keys()) values_[k.name] = k.default_value;
  // In the nested JSON form a key cannot also be the prefix of another key.
  for (const KeySpec& a : config_keys())
    for (const KeySpec& b : config_keys())
      if (std::string(b.name).rfind(std::string(a.name) + ".", 0) == 0)
        throw std::logic_error(std::string("configuration key ") + a.name + " is a prefix of " + b.name);
}

const KeySpec& Config::spec(const std::string& key) const {
  for (const KeySpec& k : config_keys())
    if (key == k.name) return k;
  throw ConfigError("unknown configuration key '" + key + "' (vmsim list --keys shows them all)");
}

namespace {

bool parse_int(const std::string& v, int64_t& out) {
  if (v.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 0);
  if (errno || *end) return false;
  out = x;
  return true;
}

bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "on" || v == "yes") return out = true, true;
  if (v == "false" || v == "0" || v == "off" || v == "no") return out = false, true;
  return false;
}

bool parse_double(const std::string& v, double& out) {
  if (v.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(v.c_str(), &end);
  return !errno && !*end;
}

}  // namespace

void Config::set(const std::string& key, const std::string& value) {
  const KeySpec& k = spec(key);
  auto bad = [&](const std::string& want) {
    throw ConfigError("configuration key '" + key + "': '" + value + "' is not " + want);
  };
  switch (k.type) {
    case KeyType::Int: {
      int64_t x;
      if (!parse_int(value, x)) bad("an integer");
      if (x < k.min || x > k.max)
        bad("in range " + std::to_string(k.min) + ".." + std::to_string(k.max));
      values_[key] = std::to_string(x);
      break;
    }
    case KeyType::Bool: {
      bool b;
      if (!parse_bool(value, b)) bad("a boolean (true or false)");
      values_[key] = b ? "true" : "false";
      break;
    }
    case KeyType::Double: {
      double d;
      if (!parse_double(value, d) || d < 0) bad("a non-negative number");
      std::ostringstream o;
      o << d;
      values_[key] = o.str();
      break;
    }
    case KeyType::Choice: {
      std::string list;
      for (const char* c : k.choices) {
        if (value == c) {
          values_[key] = value;
          return;
        }
        list += list.empty() ? c : std::string(", ") + c;
      }
      bad("one of " + list);
    }
  }
}

void Config::set_assignment(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set expects KEY=VALUE, got '" + assignment + "'");
  set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

void Config::load_json(const nlohmann::json& j, const std::string& prefix) {
  if (!j.is_object()) throw ConfigError("configuration must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    const nlohmann::json& v = it.value();
    if (v.is_object()) {
      load_json(v, key);
    } else if (v.is_string()) {
      set(key, v.get<std::string>());
    } else if (v.is_boolean()) {
      set(key, v.get<bool>() ? "true" : "false");
    } else if (v.is_number_integer() || v.is_number_unsigned()) {
      set(key, v.dump());
    } else if (v.is_number_float()) {
      std::ostringstream o;
      o << v.get<double>();
      set(key, o.str());
    } else {
      throw ConfigError("configuration key '" + key + "' has a value of the wrong type");
    }
  }
}

void Config::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read configuration file '" + path + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("configuration file '" + path + "' is not valid JSON: " + e.what());
  }
  load_json(j);
}

int64_t Config::get_int(const std::string& key) const {
  spec(key);
  return std::stoll(values_.at(key));
}

bool Config::get_bool(const std::string& key) const {
  spec(key);
  return values_.at(key) == "true";
}

double Config::get_double(const std::string& key) const {
  spec(key);
  return std::stod(values_.at(key));
}

const std::string& Config::get_choice(const std::string& key) const {
  spec(key);
  return values_.at(key);
}

nlohmann::json Config::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const KeySpec& k : config_keys()) {
    nlohmann::json* node = &out;
    std::string name = k.name;
    size_t pos;
    while ((pos = name.find('.')) != std::string::npos) {
      node = &(*node)[name.substr(0, pos)];
      name = name.substr(pos + 1);
    }
    const std::string& v = values_.at(k.name);
    switch (k.type) {
      case KeyType::Int: (*node)[name] = std::stoll(v); break;
      case KeyType::Bool: (*node)[name] = v == "true"; break;
      case KeyType::Double: (*node)[name] = std::stod(v); break;
      case KeyType::Choice: (*node)[name] = v; break;
    }
  }
  return out;
}

TlbGeometry tlb_geometry(const Config& c) {
  auto array = [&](const std::string& prefix) {
    const int64_t entries = c.get_int(prefix + ".entries");
    const int64_t ways = c.get_int(prefix + ".ways");
    if (entries % ways != 0)
      throw ConfigError("configuration key '" + prefix + ".entries': " + std::to_string(entries) +
                        " is not a multiple of " + prefix + ".ways (" + std::to_string(ways) + ")");
    return TlbArrayGeometry{static_cast<uint32_t>(entries), static_cast<uint32_t>(ways)};
  };
  TlbGeometry g;
  const char* sizes[3] = {"4k", "2m", "1g"};
  for (int i = 0; i < 3; ++i) {
    g.l1d[i] = array(std::string("tlb.l1d.") + sizes[i]);
    g.l1i[i] = array(std::string("tlb.l1i.") + sizes[i]);
  }
  g.stlb = array("tlb.stlb");
  g.stlb_1g = array("tlb.stlb.1g");
  return g;
}

PwcGeometry pwc_geometry(const Config& c) {
  return PwcGeometry{static_cast<uint32_t>(c.get_int("walk.pwc_pml4e")),
                     static_cast<uint32_t>(c.get_int("walk.pwc_pdpte")),
                     static_cast<uint32_t>(c.get_int("walk.pwc_pde"))};
}

}  // namespace vmsim
