#include "vmm/backends.h"

#include "core/native_mmu.h"
#include "mmu_ept/ept_mmu.h"
#include "mmu_shadow/shadow_mmu.h"

namespace vmsim {

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names = {"native", "shadow", "ept"};
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
  if (name == "shadow") {
    ShadowOptions o;
    o.unsync = ctx.config.get_bool("shadow.unsync");
    o.prefetch = static_cast<unsigned>(ctx.config.get_int("shadow.prefetch"));
    o.flood_threshold = static_cast<unsigned>(ctx.config.get_int("shadow.flood_threshold"));
    o.cached_roots = static_cast<unsigned>(ctx.config.get_int("shadow.cached_roots"));
    o.audit = ctx.config.get_bool("shadow.audit");
    o.pwc = ctx.config.get_bool("walk.pwc");
    o.pwc_geometry = pwc_geometry(ctx.config);
    return std::make_unique<ShadowMmu>(*ctx.vmx, ctx.ram, ctx.host, o);
  }
  if (name == "ept") {
    EptOptions o;
    o.page_size = backend_ram_granule(name, ctx.config);
    o.ad_bits = ctx.config.get_bool("ept.ad_bits");
    o.pwc = ctx.config.get_bool("walk.pwc");
    o.nested_tlb = ctx.config.get_bool("walk.nested_tlb");
    o.geometry = pwc_geometry(ctx.config);
    return std::make_unique<EptMmu>(*ctx.vmx, ctx.ram, ctx.host, o);
  }
  return nullptr;
}

}  // namespace vmsim
