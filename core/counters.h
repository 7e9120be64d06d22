// The counters of DESIGN §5, per run and per region of interest. A counter
// exists here only once the code that measures it exists.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace vmsim {

struct Counters {
  uint64_t instructions = 0;
  uint64_t guest_exceptions[32] = {};  // by vector

  Counters& operator+=(const Counters& o);
  Counters operator-(const Counters& o) const;
};

// JSON names of exception vectors ("page_fault", ...).
const char* exception_name(unsigned vector);
nlohmann::json to_json(const Counters& c);

}  // namespace vmsim
