// "The seeds' claims, checked": each claim of the domain notes
// (../shared/seeds/, REFERENCES.md) beside vmsim's own measurement from the
// results at hand, marked reproduced, not reproduced, or not measured when
// the mode it needs is absent.
#include <string>

#include "tools/report.h"

namespace vmsim {

namespace {

struct Claim {
  std::string text;
  std::string source;
  std::string measured;
  std::string verdict;
};

const char* kReproduced = "reproduced";
const char* kNotReproduced = "not reproduced";
const char* kNotMeasured = "not measured";

double sum(const Matrix& m, const std::string& l, const std::string& ptr) {
  double s = 0;
  for (const std::string& w : m.workloads()) s += m.get(w, l, ptr);
  return s;
}

// Cold walks are only seen whole with the walk caches off (an -nopwc mode:
// walk.pwc=false, walk.nested_tlb=false) over 4 KiB EPT leaves; with the
// caches on, the report says how short they made the walks.
Claim cold_walk(const Matrix& m) {
  Claim c{"A cold two-dimensional walk (4-level guest over 4-level EPT) makes n·m+n+m = 24 memory references.",
          "seeds 000, 002; Bhargava et al., ASPLOS 2008", "", kNotMeasured};
  unsigned longest = 0, longest_cached = 0;
  double at_24 = 0, walks = 0;
  std::string label;
  for (const std::string& l : m.labels()) {
    if (l.rfind("ept", 0) != 0) continue;
    for (const std::string& w : m.workloads()) {
      const nlohmann::json* t = m.total(w, l);
      if (!t) continue;
      const nlohmann::json& cfg = m.config(w, l);
      const bool uncached = !cfg.value("/walk/pwc"_json_pointer, true) && !cfg.value("/walk/nested_tlb"_json_pointer, true) &&
                            cfg.value("/ept/page_size"_json_pointer, std::string("4k")) == "4k";
      for (auto it = (*t)["walks"]["refs_histogram"].begin(); it != (*t)["walks"]["refs_histogram"].end(); ++it) {
        const unsigned refs = std::stoul(it.key());
        if (!uncached) {
          longest_cached = std::max(longest_cached, refs);
          continue;
        }
        label = l;
        longest = std::max(longest, refs);
        if (refs == 24) at_24 += it.value().get<double>();
      }
      if (uncached) walks += (*t)["walks"].value("count", 0.0);
    }
  }
  if (label.empty()) {
    c.measured = longest_cached ? "needs an ept-nopwc run (walk caches off); with the caches on the longest walk made " +
                                      std::to_string(longest_cached) + " references"
                                : "needs an ept run";
    return c;
  }
  c.measured = "under " + label + " (walk caches off) the longest walk made " + std::to_string(longest) +
               " references, and " + fmt_int(at_24) + " of " + fmt_int(walks) + " walks made 24";
  if (longest_cached) c.measured += "; with the caches on, at most " + std::to_string(longest_cached);
  c.verdict = longest == 24 && at_24 > 0 ? kReproduced : kNotReproduced;
  return c;
}

Claim tracing_share(const Matrix& m) {
  Claim c{"Page-table tracking (write-protected guest page tables) causes most VM exits under shadow paging, up to 90%.",
          "seed 000", "", kNotMeasured};
  if (!m.has("shadow")) return c.measured = "needs a shadow run", c;
  const double exits = sum(m, "shadow", "/vmexits/total");
  const double tracing = sum(m, "shadow", "/traps/shadow_pt_write") + sum(m, "shadow", "/traps/shadow_unshadow") +
                         sum(m, "shadow", "/traps/shadow_resync");
  // Keeping the shadow tables in step with the guest's: every shadow trap
  // but a true guest fault (which the guest would take natively too).
  double mmu = 0;
  for (const char* k : {"shadow_pt_write", "shadow_hidden_fault", "shadow_dirty", "shadow_cr3_switch",
                        "shadow_invlpg", "shadow_resync", "shadow_unshadow"})
    mmu += sum(m, "shadow", std::string("/traps/") + k);
  if (exits <= 0) return c.measured = "shadow made no exits", c.verdict = kNotReproduced, c;
  c.measured = "keeping shadow tables in step (every shadow trap but true guest faults): " +
               fmt_num(100 * mmu / exits, 1) + "% of " + fmt_int(exits) +
               " exits; of which write tracking proper (pt_write, unshadow, resync): " +
               fmt_num(100 * tracing / exits, 1) + "%";
  c.verdict = mmu / exits > 0.5 ? kReproduced : kNotReproduced;
  return c;
}

Claim ept_removes_exits(const Matrix& m) {
  Claim c{"EPT removes most VM exits, about 80% of those of shadow paging.", "seed 002", "", kNotMeasured};
  if (!m.has("shadow") || !m.has("ept")) return c.measured = "needs shadow and ept runs", c;
  const double s = sum(m, "shadow", "/vmexits/total"), e = sum(m, "ept", "/vmexits/total");
  if (s <= 0) return c.measured = "shadow made no exits", c.verdict = kNotReproduced, c;
  c.measured = "ept: " + fmt_int(e) + " exits against shadow's " + fmt_int(s) + ", " +
               fmt_num(100 * (1 - e / s), 1) + "% fewer";
  c.verdict = e / s < 0.5 ? kReproduced : kNotReproduced;
  return c;
}

Claim ptrchase_slower(const Matrix& m) {
  Claim c{"Pointer chasing is slower under EPT than under shadow paging and native (17% on early Intel designs).",
          "seed 002", "", kNotMeasured};
  const std::string w = "ptrchase";
  if (!m.at(w, "native") || !m.at(w, "shadow") || !m.at(w, "ept"))
    return c.measured = "needs ptrchase under native, shadow and ept", c;
  const double n = m.get(w, "native", "/model_cycles/total"), s = m.get(w, "shadow", "/model_cycles/total"),
               e = m.get(w, "ept", "/model_cycles/total");
  c.measured = "ptrchase modeled cycles: ept " + fmt_int(e) + ", shadow " + fmt_int(s) + ", native " + fmt_int(n) +
               " (ept vs shadow " + fmt_pct(100 * (e / s - 1)) + ", vs native " + fmt_pct(100 * (e / n - 1)) +
               "); walk references per 1k instructions: ept " +
               fmt_num(1000 * m.get(w, "ept", "/walks/mem_refs") / m.get(w, "ept", "/instructions"), 1) + ", shadow " +
               fmt_num(1000 * m.get(w, "shadow", "/walks/mem_refs") / m.get(w, "shadow", "/instructions"), 1);
  c.verdict = e > s && e > n ? kReproduced : kNotReproduced;
  return c;
}

Claim large_pages(const Matrix& m) {
  Claim c{"2 MiB EPT pages narrow the pointer-chasing gap to native.", "seed 002 (large pages); REFERENCES.md", "",
          kNotMeasured};
  const std::string w = "ptrchase";
  if (!m.at(w, "native") || !m.at(w, "ept") || !m.at(w, "ept-2m"))
    return c.measured = "needs ptrchase under native, ept and ept-2m", c;
  const double n = m.get(w, "native", "/model_cycles/total"), e = m.get(w, "ept", "/model_cycles/total"),
               e2 = m.get(w, "ept-2m", "/model_cycles/total");
  c.measured = "ptrchase overhead vs native: ept " + fmt_pct(100 * (e / n - 1)) + ", ept-2m " +
               fmt_pct(100 * (e2 / n - 1)) + " (model); walk references: ept " +
               fmt_int(m.get(w, "ept", "/walks/mem_refs")) + ", ept-2m " + fmt_int(m.get(w, "ept-2m", "/walks/mem_refs"));
  c.verdict = e2 < e ? kReproduced : kNotReproduced;
  return c;
}

Claim vpid(const Matrix& m) {
  Claim c{"VPID avoids the TLB flushes of VM entry and exit.", "seed 001 (VPID); SDM Vol. 3C, 28.3.3.3", "",
          kNotMeasured};
  double exits_with = 0, flushes_with = 0, exits_without = 0, flushes_without = 0;
  for (const std::string& l : m.labels()) {
    if (l.rfind("native", 0) == 0) continue;
    for (const std::string& w : m.workloads()) {
      if (!m.at(w, l)) continue;
      const bool on = m.config(w, l).value("/vmx/vpid"_json_pointer, true);
      const double ex = m.get(w, l, "/vmexits/total");
      const double fl = m.get(w, l, "/tlb/flushes/by_cause/vm_entry") + m.get(w, l, "/tlb/flushes/by_cause/vm_exit");
      (on ? exits_with : exits_without) += ex;
      (on ? flushes_with : flushes_without) += fl;
    }
  }
  if (exits_with <= 0) return c.measured = "needs a run with a hypervisor and vmx.vpid=true that exits", c;
  c.measured = "with VPID: " + fmt_int(flushes_with) + " entry/exit flushes over " + fmt_int(exits_with) + " exits";
  if (exits_without > 0)
    c.measured += "; without VPID (a -novpid mode): " + fmt_int(flushes_without) + " over " + fmt_int(exits_without) +
                  " exits";
  else
    c.measured += " (no -novpid run to contrast)";
  c.verdict = flushes_with == 0 && (exits_without == 0 || flushes_without > 0) ? kReproduced : kNotReproduced;
  return c;
}

}  // namespace

void claims_section(Doc& d, const Matrix& m) {
  d.heading("The seeds' claims, checked");
  d.para("Each claim from the domain notes the project started from, beside vmsim's own measurement from these "
         "results. Cycle figures are cost-model estimates; counts are exact. A claim whose mode is absent is "
         "marked not measured.");
  Table t{{"claim", "source", "vmsim measured", "verdict"}, {}};
  unsigned reproduced = 0, total = 0;
  for (const Claim& c : {cold_walk(m), tracing_share(m), ept_removes_exits(m), ptrchase_slower(m), large_pages(m),
                         vpid(m)}) {
    t.rows.push_back({c.text, c.source, c.measured, c.verdict});
    reproduced += c.verdict == kReproduced;
    total += c.verdict != kNotMeasured;
  }
  d.table(t);
  d.para(std::to_string(reproduced) + " of " + std::to_string(total) + " measured claims reproduced.");
}

}  // namespace vmsim
