#include "vmm/backends.h"

#include "core/native_mmu.h"

namespace vmsim {

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names = {"native"};
  return names;
}

bool backend_has_hypervisor(const std::string& name) { return name != "native"; }

PageSize backend_ram_granule(const std::string& name, const Config& config) {
  if (name != "ept") return PageSize::k4K;
  const std::string& s = config.get_choice("ept.page_size");
  return s == "1g" ? PageSize::k1G : s == "2m" ? PageSize::k2M : PageSize::k4K;
}

std::unique_ptr<Mmu> make_backend(const std::string& name, const BackendContext& ctx) {
  if (name == "native")
    return std::make_unique<NativeMmu>(ctx.ram, ctx.config.get_bool("walk.pwc"), pwc_geometry(ctx.config));
  return nullptr;
}

}  // namespace vmsim
