#include "core/config.h"

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
  };
  return keys;
}

Config::Config() {
  for (const KeySpec& k : config_keys()) values_[k.name] = k.default_value;
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

}  // namespace vmsim
