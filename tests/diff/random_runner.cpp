#include "tests/diff/random_runner.h"

#include <unicorn/unicorn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

namespace vmsim::difftest {

namespace {

const int kUcRegs[16] = {UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
                         UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
                         UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
                         UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};

bool canonical(uint64_t a) { return static_cast<uint64_t>((static_cast<int64_t>(a) << 16) >> 16) == a; }

// Run a stream in Unicorn alone: which instructions ran and how it ended
// (the vector, with a non-canonical access counted as #GP, as in lockstep).
struct UcOnly {
  std::vector<uint64_t> retired;
  int vector = -1;
  std::string error;
  uint64_t error_rip = 0;
};

struct UcOnlyCtx {
  UcOnly* out;
  uint64_t code_end;
  uint64_t limit;
  const Stream* stream = nullptr;
  bool trace = false;  // VMSIM_RANDOM_TRACE: print each instruction and the registers it changed
  uint64_t regs[16] = {};
  uint64_t last_address = 0;
  bool unmapped = false;
  uint64_t unmapped_address = 0;
  int intno = -1;
};

void uc_only_code(uc_engine* uc, uint64_t address, uint32_t, void* user) {
  auto* c = static_cast<UcOnlyCtx*>(user);
  if (address >= c->code_end || c->out->retired.size() >= c->limit) {
    uc_emu_stop(uc);
    return;
  }
  c->out->retired.push_back(address);
  const InsnMark* m = c->stream->mark_at(address);
  const bool check = !c->stream->knowledge.empty();
  if (!c->trace && !check) {
    if (m && m->mnemonic == ZYDIS_MNEMONIC_POPCNT) step_over_unsupported(uc, address);
    return;
  }
  static const char* const kNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                         "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  std::string changed;
  for (int i = 0; i < 16; ++i) {
    uint64_t v;
    uc_reg_read(uc, kUcRegs[i], &v);
    if (v != c->regs[i] && c->trace) {
      char b[48];
      std::snprintf(b, sizeof b, " %s=%" PRIx64, kNames[i], v);
      changed += b;
    }
    c->regs[i] = v;
  }
  if (c->trace) {
    std::string line = c->stream->listing(address, 0);
    if (!line.empty()) line.pop_back();
    std::printf("%s\n        before:%s\n", line.c_str(), changed.c_str());
  }
  const bool repeat = address == c->last_address;  // another rep iteration
  c->last_address = address;
  if (m && m->mnemonic == ZYDIS_MNEMONIC_POPCNT) step_over_unsupported(uc, address);
  if (!m || repeat || !check) return;
  // The generator's beliefs about the registers must hold.
  const KnowledgeRecord& k = c->stream->knowledge[m - c->stream->marks.data()];
  for (int i = 0; i < 16; ++i) {
    if (!(k.known & (1u << i)) || (c->regs[i] >= k.lo[i] && c->regs[i] <= k.hi[i])) continue;
    char b[160];
    std::snprintf(b, sizeof b, "the generator believed %s in [%" PRIx64 ", %" PRIx64 "] at %" PRIx64 ", it is %" PRIx64,
                  kNames[i], k.lo[i], k.hi[i], address, c->regs[i]);
    if (c->trace) std::printf("        !!! %s\n", b);
    if (c->out->error.empty()) {
      c->out->error = b;
      c->out->error_rip = address;
    }
    if (!c->trace) uc_emu_stop(uc);
  }
}

bool uc_only_unmapped(uc_engine*, uc_mem_type, uint64_t address, int, int64_t, void* user) {
  auto* c = static_cast<UcOnlyCtx*>(user);
  c->unmapped = true;
  c->unmapped_address = address;
  return false;
}
void uc_only_intr(uc_engine* uc, uint32_t intno, void* user) {
  static_cast<UcOnlyCtx*>(user)->intno = static_cast<int>(intno);
  uc_emu_stop(uc);
}

UcOnly run_unicorn_only(const Stream& s) {
  UcOnly out;
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) {
    out.error = "uc_open failed";
    return out;
  }
  uc_ctl_set_cpu_model(uc, UC_CPU_X86_HASWELL);
  uc_mem_map(uc, kCodeBase, kCodeSize, UC_PROT_ALL);
  uc_mem_map(uc, kDataBase, kDataSize, UC_PROT_ALL);
  uc_mem_map(uc, kStackBase, kStackSize, UC_PROT_ALL);
  uc_mem_write(uc, kCodeBase, s.program.code.data(), s.program.code.size());
  std::vector<uint8_t> data = s.program.data;
  data.resize(kDataSize);
  uc_mem_write(uc, kDataBase, data.data(), data.size());
  const MachineState& m = s.program.init;
  for (int i = 0; i < 16; ++i) uc_reg_write(uc, kUcRegs[i], &m.gpr[i]);
  uc_reg_write(uc, UC_X86_REG_RFLAGS, &m.rflags);
  for (int i = 0; i < 16; ++i) uc_reg_write(uc, UC_X86_REG_XMM0 + i, m.xmm[i]);
  uc_reg_write(uc, UC_X86_REG_MXCSR, &m.mxcsr);
  uc_reg_write(uc, UC_X86_REG_FPCW, &m.fpu_cw);
  uc_reg_write(uc, UC_X86_REG_FS_BASE, &m.fs_base);
  uc_reg_write(uc, UC_X86_REG_GS_BASE, &m.gs_base);
  UcOnlyCtx ctx{&out, kCodeBase + s.program.code.size(), 200000};
  ctx.stream = &s;
  ctx.trace = std::getenv("VMSIM_RANDOM_TRACE") != nullptr;
  uc_hook h1, h2, h3;
  uc_hook_add(uc, &h1, UC_HOOK_CODE, reinterpret_cast<void*>(&uc_only_code), &ctx, 1, 0);
  uc_hook_add(uc, &h2, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&uc_only_unmapped), &ctx, 1, 0);
  uc_hook_add(uc, &h3, UC_HOOK_INTR, reinterpret_cast<void*>(&uc_only_intr), &ctx, 1, 0);
  const uc_err err = uc_emu_start(uc, m.rip, kCodeBase + kCodeSize, 0, 0);
  if (!out.error.empty()) {
    // a knowledge violation stopped the run
  } else if (ctx.intno >= 0) {
    out.vector = ctx.intno;
  } else if (err == UC_ERR_READ_UNMAPPED || err == UC_ERR_WRITE_UNMAPPED || err == UC_ERR_FETCH_UNMAPPED) {
    out.vector = ctx.unmapped && !canonical(ctx.unmapped_address) ? 13 : 14;
  } else if (err == UC_ERR_INSN_INVALID) {
    out.vector = 6;
  } else if (err != UC_ERR_OK) {
    out.error = uc_strerror(err);
  }
  if (out.retired.size() >= ctx.limit) out.error = "did not terminate";
  // Unicorn calls the code hook once per iteration of a rep string
  // instruction: count it once.
  out.retired.erase(std::unique(out.retired.begin(), out.retired.end()), out.retired.end());
  uc_close(uc);
  return out;
}

std::string vector_label(int v) {
  static const char* const kNames[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                         "#DF", "?9",  "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
                                         "#MF", "#AC", "#MC", "#XM"};
  if (v < 0) return "none";
  if (v < 32 && kNames[v]) return kNames[v];
  return "vector " + std::to_string(v);
}

}  // namespace

void RandomRunStats::merge(const RandomRunStats& o) {
  streams += o.streams;
  compared += o.compared;
  fixups += o.fixups;
  if (by_key.size() < o.by_key.size()) by_key.resize(o.by_key.size());
  for (size_t k = 0; k < o.by_key.size(); ++k) by_key[k] += o.by_key[k];
  for (int f = 0; f < kNumFeatures; ++f) features[f] += o.features[f];
  for (const auto& [v, n] : o.vectors) vectors[v] += n;
  failures.insert(failures.end(), o.failures.begin(), o.failures.end());
}

std::string check_stream(const Stream& s, bool unicorn_only, RandomRunStats& stats) {
  std::vector<uint64_t> retired;
  retired.reserve(512);
  std::string problem, detail;
  int vector = -1;
  uint64_t at = 0;
  if (unicorn_only) {
    UcOnly u = run_unicorn_only(s);
    retired = std::move(u.retired);
    vector = u.vector;
    if (!u.error.empty()) problem = "Unicorn: " + u.error;
    at = u.error_rip ? u.error_rip : retired.empty() ? 0 : retired.back();
  } else {
    Options o;
    o.max_instructions = 200000;
    o.retired = &retired;
    const Outcome out = run_lockstep(s.program, o);
    vector = out.exception;
    at = out.rip;
    if (!out.ok) {
      problem = "vmsim and Unicorn disagree";
      detail = out.mismatch;
    }
  }
  // Unicorn raises no #GP for a misaligned legacy SSE operand (unicorn#1783;
  // lockstep.cpp forgives vmsim's #GP there): alone, it runs on.
  if (unicorn_only && vector < 0 && s.fault_kind == "misaligned SSE operand") vector = s.expected_vector;
  if (problem.empty() && vector != s.expected_vector) {
    problem = "the stream ended with " + vector_label(vector) + ", expected " + vector_label(s.expected_vector) +
              (s.fault_kind.empty() ? "" : " (" + s.fault_kind + ")");
  }
  ++stats.streams;
  stats.compared += retired.size();
  if (vector >= 0) ++stats.vectors[vector];
  if (stats.by_key.empty()) stats.by_key.assign((ZYDIS_MNEMONIC_MAX_VALUE + 1) * 2, 0);
  for (uint64_t rip : retired) {
    const InsnMark* m = s.mark_at(rip);
    if (!m) continue;
    ++stats.by_key[static_cast<size_t>(m->mnemonic) * 2 + (m->sse ? 1 : 0)];
    if (m->fixup) ++stats.fixups;
    for (int f = 0; f < kNumFeatures; ++f)
      if (m->features & (1u << f)) ++stats.features[f];
  }
  if (problem.empty()) return {};
  std::ostringstream msg;
  msg << "seed " << s.seed << ", stream " << s.index << ": " << problem << "\n";
  if (!detail.empty()) msg << detail;
  msg << "stream listing around " << std::hex << at << std::dec << ":\n" << s.listing(at, 14);
  msg << "reproduce: diff_random_long --seed " << s.seed << " --stream " << s.index
      << (unicorn_only ? " --unicorn-only --all-templates" : "") << "\n";
  return msg.str();
}

RandomRunStats run_random(const RandomGenerator& gen, const RandomRunConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  RandomRunStats total;
  std::mutex mu;
  std::atomic<uint64_t> next{cfg.first_stream};
  std::atomic<uint64_t> compared{0};
  std::atomic<bool> stop{false};
  const uint64_t last = cfg.max_streams == UINT64_MAX ? UINT64_MAX : cfg.first_stream + cfg.max_streams;
  uint64_t next_report = cfg.min_instructions / 20;

  auto worker = [&]() {
    RandomRunStats mine;
    while (!stop.load()) {
      const uint64_t i = next.fetch_add(1);
      if (i >= last) break;
      const Stream s = gen.generate(cfg.seed, i);
      const uint64_t before = mine.tested();
      std::string f = check_stream(s, cfg.unicorn_only, mine);
      const uint64_t now = compared.fetch_add(mine.tested() - before) + (mine.tested() - before);
      if (!f.empty()) {
        std::lock_guard<std::mutex> lock(mu);
        total.failures.push_back(std::move(f));
        if (total.failures.size() >= cfg.max_failures) stop = true;
      }
      if (now >= cfg.min_instructions) stop = true;
      if (cfg.progress) {
        std::lock_guard<std::mutex> lock(mu);
        if (now >= next_report) {
          const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          std::printf("  %12" PRIu64 " instructions tested (%5.1f%%), stream %" PRIu64 ", %.0f s, %.0f insn/s\n", now,
                      100.0 * static_cast<double>(now) / static_cast<double>(cfg.min_instructions), i, dt,
                      static_cast<double>(now) / dt);
          std::fflush(stdout);
          next_report += cfg.min_instructions / 20;
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    total.merge(mine);  // failures went to 'total' as they happened
  };
  const int jobs = std::max(1, cfg.jobs);
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return total;
}

std::string coverage_report(const RandomRunStats& st, const RandomGenerator& gen, std::vector<std::string>* missing) {
  std::ostringstream o;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "Random differential test: %" PRIu64 " streams, %" PRIu64
                " instructions compared in lock step: %" PRIu64 " tested + %" PRIu64
                " set-up fixups, in %.1f s (%.0f instructions/s)\n",
                st.streams, st.compared, st.tested(), st.fixups, st.seconds,
                st.seconds > 0 ? static_cast<double>(st.compared) / st.seconds : 0.0);
  o << buf << "Streams ended by an exception:";
  for (const auto& [v, n] : st.vectors) o << " " << vector_label(v) << " " << n;
  o << "\n\nInstructions executed per listed mnemonic:\n";
  int col = 0;
  std::vector<std::string> never;
  for (const ListedMnemonic& l : listed_mnemonics()) {
    if (!gen.enabled(l.mnemonic, l.sse)) continue;
    const uint64_t n = st.count(l.mnemonic, l.sse);
    if (n == 0) never.push_back(l.name);
    std::snprintf(buf, sizeof buf, "  %-14s %8" PRIu64, l.name, n);
    o << buf << (++col % 5 == 0 ? "\n" : "");
  }
  if (col % 5) o << "\n";
  o << "\nInstructions executed per feature:\n";
  col = 0;
  for (int f = 0; f < kNumFeatures; ++f) {
    std::snprintf(buf, sizeof buf, "  %-17s %8" PRIu64, feature_name(f), st.features[f]);
    o << buf << (++col % 4 == 0 ? "\n" : "");
  }
  if (col % 4) o << "\n";
  if (!gen.skipped().empty()) {
    o << "\nListed mnemonics not generated (vmsim has no binder yet):";
    for (const std::string& s : gen.skipped()) o << " " << s;
    o << "\n";
  }
  o << "\nListed mnemonics with a binder that never executed:";
  if (never.empty()) o << " none";
  for (const std::string& s : never) o << " " << s;
  o << "\n";
  if (missing) *missing = never;
  return o.str();
}

}  // namespace vmsim::difftest
