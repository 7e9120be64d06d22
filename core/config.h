// Configuration keys (DESIGN §6): one registry of typed, documented keys
// with defaults, set from `--set KEY=VALUE` and `--config FILE`, and echoed
// whole under `config` in every result. An unknown key or a value of the
// wrong type is a usage error that names the key.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vmsim {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class KeyType { Int, Bool, Double, Choice };

struct KeySpec {
  const char* name;
  KeyType type;
  const char* default_value;
  const char* doc;  // what it does, and for defaults taken from published figures, the source
  int64_t min = 0;  // Int only
  int64_t max = 0;
  std::vector<const char*> choices = {};  // Choice only
};

// Every key vmsim knows, in one place.
const std::vector<KeySpec>& config_keys();

class Config {
 public:
  Config();  // every key at its default

  // Parse and set one key; throws ConfigError naming the key on any problem.
  void set(const std::string& key, const std::string& value);
  // "KEY=VALUE" as given to --set.
  void set_assignment(const std::string& assignment);
  // A JSON object of keys, dotted ("memory.guest_mib": 512) or nested
  // ({"memory": {"guest_mib": 512}}); a result's `config` object is valid input.
  void load_file(const std::string& path);
  void load_json(const nlohmann::json& j, const std::string& prefix = "");

  int64_t get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  double get_double(const std::string& key) const;
  const std::string& get_choice(const std::string& key) const;

  // Effective configuration, nested by the dots of the key names.
  nlohmann::json to_json() const;

 private:
  const KeySpec& spec(const std::string& key) const;
  std::map<std::string, std::string> values_;  // canonical text of each value
};

struct TlbGeometry;
struct PwcGeometry;
// The TLB and paging-structure-cache geometry the keys describe; throws
// ConfigError naming the key when entries are not a multiple of ways.
TlbGeometry tlb_geometry(const Config& c);
PwcGeometry pwc_geometry(const Config& c);

}  // namespace vmsim
