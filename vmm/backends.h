// The MMU backends vmsim offers (DESIGN §1), by their --mmu name.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/guest_ram.h"
#include "core/host_memory.h"
#include "core/mmu.h"
#include "core/vmx.h"

namespace vmsim {

struct BackendContext {
  const Config& config;
  GuestRam& ram;
  HostMemory& host;
  Vmx* vmx;  // null for native: there is no hypervisor
};

// Names in the order `vmsim run --help` lists them.
const std::vector<std::string>& backend_names();
bool backend_has_hypervisor(const std::string& name);
// The backing granule of guest RAM the backend needs (large EPT mappings
// need host-contiguous backing).
PageSize backend_ram_granule(const std::string& name, const Config& config);
// Null for an unknown name.
std::unique_ptr<Mmu> make_backend(const std::string& name, const BackendContext& ctx);

}  // namespace vmsim
