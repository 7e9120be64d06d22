#include "vmm/machine.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "vmm/backends.h"
#include "vmm/boot_info.h"

namespace vmsim {

namespace ll = loader_layout;

namespace {
constexpr uint64_t kApicBase = 0xFEE00000;
constexpr uint64_t kMiB = 1ull << 20;

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

const char* guest_end_name(GuestEnd e) {
  switch (e) {
    case GuestEnd::Clean: return "clean";
    case GuestEnd::Crash: return "crash";
    case GuestEnd::Limit: return "limit";
  }
  return "?";
}

Machine::Machine(const Config& config, MachineOptions options)
    : config_(config),
      options_(options),
      host_(static_cast<uint64_t>(config.get_int("memory.host_mib")) * kMiB),
      ram_(host_, static_cast<uint64_t>(config.get_int("memory.guest_mib")) * kMiB,
           backend_ram_granule(options.mmu, config)),
      devices_(options.console, DeviceEvents{[this](uint32_t code) {
                                               exit_requested_ = true;
                                               exit_code_ = code;
                                               cpu_->request_stop();
                                             },
                                             [this] { on_roi_begin(); },
                                             [this] { on_roi_end(); }}) {
  if (ram_.bytes() > kApicBase) ram_.add_hole(Gpa(kApicBase), kPageSize);
  const TlbGeometry tlb = tlb_geometry(config);  // validates before anything runs
  if (backend_has_hypervisor(options.mmu)) vmx_ = std::make_unique<Vmx>(config.get_bool("vmx.vpid"));
  mmu_ = make_backend(options.mmu, BackendContext{config_, ram_, host_, vmx_.get()});
  if (!mmu_) throw std::invalid_argument("unknown MMU backend '" + options.mmu + "'");
  cpu_ = std::make_unique<cpu::Cpu>(*mmu_, ram_, static_cast<cpu::Platform&>(*this), tlb);
  if (vmx_) vmx_->attach_tlb(&cpu_->tlb());
  if (options_.observer) {
    cpu_->set_observer(options_.observer);
    if (vmx_) vmx_->set_observer(options_.observer);
  }
}

Machine::~Machine() = default;

void Machine::write_phys(uint64_t gpa, const void* data, uint64_t n) {
  const auto* src = static_cast<const uint8_t*>(data);
  while (n) {
    const uint64_t chunk = std::min<uint64_t>(n, kPageSize - (gpa & kPageMask));
    uint8_t* dst = ram_.host_ptr(Gpa(gpa));
    if (!dst) throw ImageError("guest-physical " + hex(gpa) + " is not RAM");
    if (src) std::memcpy(dst, src, chunk);
    else std::memset(dst, 0, chunk);
    cpu_->notify_phys_write(Gpa(gpa));
    gpa += chunk;
    n -= chunk;
    if (src) src += chunk;
  }
}

void Machine::build_loader_page_tables() {
  // 4 GiB identity map with 2 MiB pages: P | RW | PS (DESIGN §3).
  const uint64_t pml4e = ll::kPdpt | 0x3;
  write_phys(ll::kPml4, &pml4e, 8);
  for (uint64_t i = 0; i < 4; ++i) {
    const uint64_t pdpte = (ll::kPd + i * kPageSize) | 0x3;
    write_phys(ll::kPdpt + i * 8, &pdpte, 8);
    uint64_t pd[512];
    for (uint64_t j = 0; j < 512; ++j) pd[j] = ((i << 30) + (j << 21)) | 0x83;
    write_phys(ll::kPd + i * kPageSize, pd, sizeof pd);
  }
}

namespace {

// Multiboot v1 information (spec 0.6.96, 3.3).
struct MultibootInfo {
  uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
  uint32_t rest[9];
};
struct MultibootModule {
  uint32_t mod_start, mod_end, string, reserved;
};
#pragma pack(push, 1)
struct MultibootMmapEntry {
  uint32_t size;
  uint64_t base, length;
  uint32_t type;
};
#pragma pack(pop)
static_assert(sizeof(MultibootMmapEntry) == 24);

}  // namespace

uint64_t Machine::place_image(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd) {
  const uint64_t ram = ram_.bytes();
  const std::string who = "image '" + image.path + "'";
  const uint64_t image_bytes = image.phys_end - image.phys_start;
  if (image_bytes > ram)
    throw ImageError(who + " (" + std::to_string(image_bytes >> 10) + " KiB) is larger than guest RAM (memory.guest_mib=" +
                     std::to_string(ram / kMiB) + ")");
  for (const LoadSegment& s : image.segments) {
    const std::string seg = who + ": segment at " + hex(s.paddr) + " (" + hex(s.memsz) + " bytes)";
    if (s.paddr < ll::kLoaderEnd) throw ImageError(seg + " overlaps the loader area below 1 MiB");
    if (s.paddr + s.memsz > ram)
      throw ImageError(seg + " lies outside guest RAM (memory.guest_mib=" + std::to_string(ram / kMiB) + ")");
    if (s.paddr < kApicBase + kPageSize && s.paddr + s.memsz > kApicBase)
      throw ImageError(seg + " overlaps the local APIC page at 0xfee00000");
  }
  if (cmdline.size() >= ll::kCmdlineMax)
    throw ImageError("guest command line is too long (" + std::to_string(cmdline.size()) + " bytes, at most " +
                     std::to_string(ll::kCmdlineMax - 1) + ")");
  // The initrd goes on the first page boundary after the image.
  uint64_t initrd_base = 0;
  if (initrd && !initrd->empty()) {
    initrd_base = (image.phys_end + kPageMask) & ~kPageMask;
    const uint64_t end = initrd_base + initrd->size();
    if (end > std::min(ram, kApicBase))
      throw ImageError("the initrd (" + std::to_string(initrd->size() >> 10) + " KiB) does not fit in guest RAM "
                       "after the image (memory.guest_mib=" + std::to_string(ram / kMiB) + ")");
  }
  for (const LoadSegment& s : image.segments) {
    write_phys(s.paddr, image.bytes.data() + s.file_offset, s.filesz);
    if (s.memsz > s.filesz) write_phys(s.paddr + s.filesz, nullptr, s.memsz - s.filesz);
  }
  if (initrd_base) write_phys(initrd_base, initrd->data(), initrd->size());
  write_phys(ll::kCmdline, cmdline.c_str(), cmdline.size() + 1);
  return initrd_base;
}

void Machine::boot(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd) {
  if (image.protocol == BootProtocol::Multiboot1) boot_multiboot(image, cmdline, initrd);
  else boot_elf64(image, cmdline, initrd);
}

void Machine::boot_elf64(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd) {
  const uint64_t ram = ram_.bytes();
  const uint64_t initrd_base = place_image(image, cmdline, initrd);
  build_loader_page_tables();

  // Flat GDT: null, 64-bit code at 0x08, data at 0x10.
  const uint64_t gdt[3] = {0, 0x00AF9A000000FFFFull, 0x00CF92000000FFFFull};
  write_phys(ll::kGdt, gdt, sizeof gdt);

  vmsim_mmap_entry map[4] = {};
  uint32_t n = 0;
  map[n++] = {0, ll::kLoaderEnd, VMSIM_MEM_RESERVED, 0};
  map[n++] = {ll::kLoaderEnd, std::min(ram, kApicBase) - ll::kLoaderEnd, VMSIM_MEM_AVAILABLE, 0};
  if (ram > kApicBase) {
    map[n++] = {kApicBase, kPageSize, VMSIM_MEM_RESERVED, 0};
    if (ram > kApicBase + kPageSize) map[n++] = {kApicBase + kPageSize, ram - kApicBase - kPageSize, VMSIM_MEM_AVAILABLE, 0};
  }
  write_phys(ll::kMemoryMap, map, sizeof(vmsim_mmap_entry) * n);
  vmsim_boot_info bi{};
  bi.magic = VMSIM_BOOT_MAGIC;
  bi.version = VMSIM_BOOT_VERSION;
  bi.vcpus = 1;
  bi.cmdline = ll::kCmdline;
  bi.initrd_base = initrd_base;
  bi.initrd_size = initrd_base ? initrd->size() : 0;
  bi.image_start = image.phys_start;
  bi.image_end = image.phys_end;
  bi.mmap = ll::kMemoryMap;
  bi.mmap_count = n;
  write_phys(ll::kBootInfo, &bi, sizeof bi);

  // Architectural state at entry (DESIGN §3).
  cpu::CpuState& s = cpu_->s;
  s.cr0 = 0x80010033;  // PE | MP | ET | NE | WP | PG
  s.cr4 = 0xA0;        // PAE | PGE
  s.efer = 0xD01;      // SCE | LME | LMA | NXE
  s.cr3 = ll::kPml4;
  s.gdtr = {ll::kGdt, sizeof gdt - 1};
  s.idtr = {0, 0};
  s.seg[cpu::CS] = {0x08, 0, 0xFFFFFFFF, 0xAF9B};  // descriptor bits 40..55: G, L, P, S, code
  for (int i : {cpu::ES, cpu::SS, cpu::DS, cpu::FS, cpu::GS}) s.seg[i] = {0x10, 0, 0xFFFFFFFF, 0xCF93};
  s.rflags = cpu::fl::Reserved1;
  s.r[cpu::RSP] = ll::kStackTop;
  s.r[cpu::RDI] = ll::kBootInfo;
  s.rip() = image.entry;
  cpu_->set_cpl(0);
  cpu_->mode_changed();
  cpu_->flush_fast_tlb();
}

void Machine::boot_multiboot(const Image& image, const std::string& cmdline, const std::vector<uint8_t>* initrd) {
  const uint64_t ram = ram_.bytes();
  const uint64_t initrd_base = place_image(image, cmdline, initrd);
  // The Multiboot memory map (type 1 = available, 2 = reserved); below
  // 640 KiB is conventional memory, the loader's data sits in it.
  MultibootMmapEntry map[5];
  uint32_t n = 0;
  map[n++] = {20, 0, 0x9F000, 1};
  map[n++] = {20, 0x9F000, ll::kLoaderEnd - 0x9F000, 2};
  map[n++] = {20, ll::kLoaderEnd, std::min(ram, kApicBase) - ll::kLoaderEnd, 1};
  if (ram > kApicBase) {
    map[n++] = {20, kApicBase, kPageSize, 2};
    if (ram > kApicBase + kPageSize) map[n++] = {20, kApicBase + kPageSize, ram - kApicBase - kPageSize, 1};
  }
  write_phys(ll::kMemoryMap, map, sizeof(MultibootMmapEntry) * n);
  MultibootInfo mbi{};
  mbi.flags = (1u << 0) | (1u << 2) | (1u << 6);  // mem_*, cmdline, mmap
  mbi.mem_lower = 0x9F000 / 1024;
  mbi.mem_upper = static_cast<uint32_t>((std::min(ram, kApicBase) - ll::kLoaderEnd) / 1024);
  mbi.cmdline = static_cast<uint32_t>(ll::kCmdline);
  mbi.mmap_length = static_cast<uint32_t>(sizeof(MultibootMmapEntry) * n);
  mbi.mmap_addr = static_cast<uint32_t>(ll::kMemoryMap);
  if (initrd_base) {
    const MultibootModule mod{static_cast<uint32_t>(initrd_base), static_cast<uint32_t>(initrd_base + initrd->size()),
                              static_cast<uint32_t>(ll::kCmdline + cmdline.size()), 0};  // an empty string
    write_phys(ll::kBootInfo + sizeof mbi, &mod, sizeof mod);
    mbi.flags |= 1u << 3;
    mbi.mods_count = 1;
    mbi.mods_addr = static_cast<uint32_t>(ll::kBootInfo + sizeof mbi);
  }
  write_phys(ll::kBootInfo, &mbi, sizeof mbi);

  // Machine state at entry (Multiboot 0.6.96, 3.2): 32-bit protected mode,
  // paging off, flat 4 GiB segments, interrupts off, EAX = 0x2BADB002,
  // EBX = the information structure. GDTR is the loader's; the OS loads its own.
  const uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  write_phys(ll::kGdt, gdt, sizeof gdt);
  cpu::CpuState& s = cpu_->s;
  s.cr0 = 0x11;  // PE | ET
  s.cr4 = 0;
  s.efer = 0;
  s.cr3 = 0;
  s.gdtr = {ll::kGdt, sizeof gdt - 1};
  s.idtr = {0, 0};
  s.seg[cpu::CS] = {0x08, 0, 0xFFFFFFFF, 0xCF9B};  // descriptor bits 40..55: G, D, P, S, code
  for (int i : {cpu::ES, cpu::SS, cpu::DS, cpu::FS, cpu::GS}) s.seg[i] = {0x10, 0, 0xFFFFFFFF, 0xCF93};
  s.rflags = cpu::fl::Reserved1;
  s.r[cpu::RAX] = 0x2BADB002;
  s.r[cpu::RBX] = ll::kBootInfo;
  s.rip() = image.entry;
  cpu_->set_cpl(0);
  cpu_->mode_changed();
  cpu_->flush_fast_tlb();
}

// Device memory: only the local APIC page exists; other holes read as all
// ones. The APIC's registers are 32 bits wide at 16-byte strides.
uint64_t Machine::mmio_read(uint64_t la, uint64_t pa, unsigned size) {
  mmu_->on_mmio_access(cpu_->paging_state(), la, pa);
  if (pa >= kApicBase && pa < kApicBase + kPageSize && size == 4) {
    sync_tpr_to_apic();
    return apic_.mmio_read(pa - kApicBase, now());
  }
  return ~0ull >> (64 - 8 * size);
}

void Machine::mmio_write(uint64_t la, uint64_t pa, unsigned size, uint64_t value) {
  mmu_->on_mmio_access(cpu_->paging_state(), la, pa);
  if (pa >= kApicBase && pa < kApicBase + kPageSize && size == 4) {
    sync_tpr_to_apic();
    apic_.mmio_write(pa - kApicBase, static_cast<uint32_t>(value), now());
    sync_tpr_from_apic();
    cpu_->platform_changed();  // an EOI or a self IPI may make an interrupt deliverable
  }
}

void Machine::acknowledge_interrupt(uint8_t vector) {
  // Under a hypervisor an interrupt for the guest arrives by an exit (the
  // emulated APIC's timer fires on the host) and is injected at entry.
  if (vmx_) vmx_->exit(ExitReason::ExternalInterrupt);
  apic_.acknowledge(vector);
}

namespace {
// MSRs a KVM-style hypervisor passes through with its MSR bitmap; every
// other rdmsr/wrmsr exits.
bool msr_passthrough(uint64_t msr) {
  return msr == 0xC0000100 || msr == 0xC0000101 || msr == 0xC0000102 || msr == 0xC0000103;  // FS/GS/KERNEL_GS_BASE, TSC_AUX
}
}  // namespace

// Which intercepted instructions exit under a hypervisor (documented in
// docs/ARCHITECTURE.md). CR3 writes, INVLPG and page faults are the MMU
// backend's to count (as traps), never here.
void Machine::intercept(cpu::Intercept what, uint64_t detail) {
  if (!vmx_) return;
  using cpu::Intercept;
  const bool shadow = options_.mmu == "shadow";
  switch (what) {
    case Intercept::Cpuid: vmx_->exit(ExitReason::Cpuid); break;
    case Intercept::Hlt: vmx_->exit(ExitReason::Hlt); break;
    case Intercept::Vmcall: vmx_->exit(ExitReason::Vmcall); break;
    case Intercept::IoIn:
    case Intercept::IoOut:
      if (detail != kSimControlPort) vmx_->exit(ExitReason::IoInstruction);  // simulator control is outside the model
      break;
    case Intercept::Rdmsr:
      if (!msr_passthrough(detail)) vmx_->exit(ExitReason::MsrRead);
      break;
    case Intercept::Wrmsr:
      if (!msr_passthrough(detail)) vmx_->exit(ExitReason::MsrWrite);
      break;
    case Intercept::CrWrite:
      if (detail == 0 || detail == 4) vmx_->exit(ExitReason::CrAccess);  // CR0/CR4 guest/host masks
      break;
    case Intercept::CrRead:
      if (shadow && detail == 3) vmx_->exit(ExitReason::CrAccess);  // CR3-store exiting
      break;
    case Intercept::Invpcid:
      if (shadow) vmx_->exit(ExitReason::Invpcid);
      break;
    case Intercept::Invlpg:
    case Intercept::Rdtsc:  // TSC offsetting, no RDTSC exiting
      break;
  }
}

bool Machine::rdmsr(uint32_t msr, uint64_t& value) {
  sync_tpr_to_apic();
  return apic_.rdmsr(msr, value, now());
}

bool Machine::wrmsr(uint32_t msr, uint64_t value) {
  sync_tpr_to_apic();
  const bool ok = apic_.wrmsr(msr, value, now());
  sync_tpr_from_apic();
  return ok;
}

int Machine::pending_interrupt() {
  sync_tpr_to_apic();
  return apic_.pending();
}

// CR8 is the task-priority register's class (SDM Vol. 3A, 10.8.6.1): the
// CPU keeps it in CR8, the APIC model in TPR; these keep the two one value.
void Machine::sync_tpr_to_apic() {
  const uint32_t tpr = apic_.tpr();
  if ((tpr >> 4) != cpu_->s.cr8) apic_.set_tpr(static_cast<uint32_t>(cpu_->s.cr8 << 4));
}

void Machine::sync_tpr_from_apic() { cpu_->s.cr8 = apic_.tpr() >> 4; }

Counters Machine::total() const {
  Counters c;
  const cpu::CpuStats& st = cpu_->stats();
  c.instructions = cpu_->instructions();
  for (int i = 0; i < 32; ++i) c.guest_exceptions[i] = st.exceptions[i];
  c.external_interrupts = st.interrupts;
  c.software_interrupts = st.software_interrupts;
  const TlbStats& t = cpu_->tlb().stats();
  c.tlb_lookups = st.data_lookups + st.fetch_lookups;
  c.tlb_l1_misses = t.l1_misses;
  c.tlb_stlb_hits = t.stlb_hits;
  c.tlb_misses = t.misses;
  c.tlb_flushes = t.flushes;
  c.tlb_flushes_full = t.flushes_full;
  c.tlb_flushes_single = t.flushes_single;
  for (int i = 0; i < static_cast<int>(FlushCause::kCount); ++i) c.tlb_flushes_by_cause[i] = t.by_cause[i];
  c.walks = mmu_->walks();
  c.host_frames_peak = host_.frames_peak();
  c.shadow_pages_peak = mmu_->shadow_pages_peak();
  c.shadow_pages_live = mmu_->shadow_pages_live();
  c.ept_pages_peak = mmu_->ept_pages_peak();
  if (vmx_) c.vmx = vmx_->stats();
  return c;
}

void Machine::on_roi_begin() {
  if (in_roi_) return;
  in_roi_ = true;
  roi_start_ = total();
  if (options_.observer) options_.observer->on_roi(true);
}

void Machine::on_roi_end() {
  if (!in_roi_) return;
  in_roi_ = false;
  roi_ += total() - roi_start_;
  if (options_.observer) options_.observer->on_roi(false);
}

RunOutcome Machine::run(uint64_t max_instructions) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last_progress = t0;
  bool progress_shown = false;
  RunOutcome out;
  const uint64_t kSlice = 1ull << 22;
  for (;;) {
    const uint64_t done = cpu_->instructions();
    if (max_instructions && done >= max_instructions) {
      out.end = GuestEnd::Limit;
      out.message = "stopped at --max-instructions " + std::to_string(max_instructions);
      break;
    }
    const uint64_t slice = max_instructions ? std::min(kSlice, max_instructions - done) : kSlice;
    cpu::RunResult r;
    try {
      r = cpu_->run(slice);
    } catch (const HostMemoryExhausted&) {
      out.end = GuestEnd::Limit;
      out.message = "the host frame pool is exhausted (memory.host_mib=" +
                    std::to_string(config_.get_int("memory.host_mib")) + ")";
      break;
    } catch (const MmuFatal& e) {
      out.end = GuestEnd::Crash;
      out.message = e.what();
      break;
    }
    if (r.reason == cpu::StopReason::Requested && exit_requested_) {
      out.end = GuestEnd::Clean;
      out.exit_code = exit_code_;
      break;
    }
    if (r.reason == cpu::StopReason::TripleFault || r.reason == cpu::StopReason::Halted) {
      out.end = GuestEnd::Crash;
      out.message = r.message.empty() ? "the CPU stopped" : r.message;
      break;
    }
    if (options_.progress) {
      const auto now = clock::now();
      if (now - last_progress > std::chrono::seconds(1)) {
        const double secs = std::chrono::duration<double>(now - t0).count();
        std::fprintf(stderr, "\r[vmsim] %.1f M instructions, %.1f MIPS ", cpu_->instructions() / 1e6,
                     cpu_->instructions() / 1e6 / secs);
        last_progress = now;
        progress_shown = true;
      }
    }
  }
  if (progress_shown) std::fputc('\n', stderr);
  if (in_roi_) on_roi_end();  // an unterminated ROI ends with the run
  devices_.serial().flush();
  out.wall_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return out;
}

}  // namespace vmsim
