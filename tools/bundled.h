// The guests built with vmsim (workloads/), found by name.
#pragma once
#include <string>
#include <vector>

namespace vmsim {

struct BundledGuest {
  const char* name;
  const char* image;        // file name in the build's workloads directory
  const char* description;  // one line, with the arguments it takes
};

const std::vector<BundledGuest>& bundled_guests();
const BundledGuest* find_bundled(const std::string& name);
std::string bundled_image_path(const BundledGuest& g);
std::string bundled_names();  // "a, b, c"

}  // namespace vmsim
