#include "tools/bundled.h"

namespace vmsim {

const std::vector<BundledGuest>& bundled_guests() {
  static const std::vector<BundledGuest> guests = {
      {"demo", "demo.elf",
       "a freestanding ring-0 program: prints, computes checksums (sieve, CRC-32, "
       "string and division work), exits with code 0; args: [N] sieve size (default 100000)"},
  };
  return guests;
}

const BundledGuest* find_bundled(const std::string& name) {
  for (const BundledGuest& g : bundled_guests())
    if (name == g.name) return &g;
  return nullptr;
}

std::string bundled_image_path(const BundledGuest& g) { return std::string(VMSIM_GUEST_DIR) + "/" + g.image; }

std::string bundled_names() {
  std::string s;
  for (const BundledGuest& g : bundled_guests()) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

}  // namespace vmsim
