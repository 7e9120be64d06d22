// vmsim compare: results (files, suite directories, baselines) into one
// report, REPORT.md and a self-contained REPORT.html with gnuplot charts.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "tools/commands.h"
#include "tools/report.h"

namespace vmsim {

namespace fs = std::filesystem;

namespace {

// Per-1,000-instruction rate of a counter.
double per_k(const Matrix& m, const std::string& w, const std::string& l, const std::string& ptr) {
  const double insns = m.get(w, l, "/instructions");
  return insns > 0 ? 1000.0 * m.get(w, l, ptr) / insns : 0;
}

double overhead(const Matrix& m, const std::string& w, const std::string& l) {
  const double base = m.get(w, "native", "/model_cycles/total");
  return base > 0 ? 100.0 * (m.get(w, l, "/model_cycles/total") / base - 1) : 0;
}

std::vector<std::string> hypervisor_labels(const Matrix& m) {
  std::vector<std::string> out;
  for (const std::string& l : m.labels())
    if (l.rfind("native", 0) != 0) out.push_back(l);
  return out;
}

// Names under 'obj' (an object pointer such as /vmexits/by_reason) that are
// non-zero in some result.
std::vector<std::string> nonzero_keys(const Matrix& m, const std::string& obj) {
  std::set<std::string> keys;
  for (const std::string& w : m.workloads())
    for (const std::string& l : m.labels())
      if (const nlohmann::json* c = m.at(w, l)) {
        const nlohmann::json::json_pointer p(obj);
        if (!c->contains(p)) continue;
        for (auto it = (*c)[p].begin(); it != (*c)[p].end(); ++it)
          if (it.value().is_number() && it.value().get<double>() != 0) keys.insert(it.key());
      }
  return {keys.begin(), keys.end()};
}

void add_chart(Doc& d, const Chart& c, const std::string& dir, bool plot) {
  if (!plot) return;
  const std::string png = draw_chart(c, dir);
  if (png.empty()) d.para("(The chart '" + c.title + "' could not be drawn: gnuplot failed.)");
  else d.image(c.title, png);
}

void overhead_section(Doc& d, const Matrix& m, const std::string& dir, bool plot) {
  d.heading("Modeled overhead vs native (cost-model estimate)");
  if (!m.has("native")) {
    d.para("No native results: overheads need the native baseline.");
    return;
  }
  d.para("Cycles estimated by the cost model (DESIGN §7, the cost.* keys) from the counters; overhead is relative to "
         "native for the same workload. An estimate for comparing modes, not a measured time.");
  Table t{{"workload", "native cycles"}, {}};
  const std::vector<std::string> others = hypervisor_labels(m);
  for (const std::string& l : others) t.head.push_back(l);
  Chart c{"overhead", "Modeled overhead vs native, % (cost-model estimate)", "overhead %", {}, others, {}, false};
  for (const std::string& w : m.workloads()) {
    std::vector<std::string> row = {w, m.at(w, "native") ? fmt_int(m.get(w, "native", "/model_cycles/total")) : "-"};
    std::vector<double> vals;
    for (const std::string& l : others) {
      const bool ok = m.at(w, l) && m.at(w, "native");
      row.push_back(ok ? fmt_pct(overhead(m, w, l)) : "-");
      vals.push_back(ok ? overhead(m, w, l) : 0);
    }
    t.rows.push_back(row);
    c.categories.push_back(w);
    c.values.push_back(vals);
  }
  d.table(t);
  if (!others.empty()) add_chart(d, c, dir, plot);
}

// A stacked breakdown (exit reasons, trap kinds) per workload and mode.
void breakdown_section(Doc& d, const Matrix& m, const std::string& dir, bool plot, const std::string& title,
                       const std::string& obj, const std::string& total_ptr, const std::string& chart) {
  d.heading(title);
  const std::vector<std::string> keys = nonzero_keys(m, obj);
  const std::vector<std::string> labels = hypervisor_labels(m);
  if (keys.empty() || labels.empty()) {
    d.para(labels.empty() ? "No mode with a hypervisor among these results (native has none)."
                          : "None in these results.");
    return;
  }
  Table t{{"workload", "mode"}, {}};
  if (!total_ptr.empty()) t.head.push_back("total");
  for (const std::string& k : keys) t.head.push_back(k);
  Chart c{chart, title, "count", {}, keys, {}, true};
  for (const std::string& w : m.workloads())
    for (const std::string& l : labels) {
      if (!m.at(w, l)) continue;
      std::vector<std::string> row = {w, l};
      if (!total_ptr.empty()) row.push_back(fmt_int(m.get(w, l, total_ptr)));
      std::vector<double> vals;
      for (const std::string& k : keys) {
        row.push_back(fmt_int(m.get(w, l, obj + "/" + k)));
        vals.push_back(m.get(w, l, obj + "/" + k));
      }
      t.rows.push_back(row);
      c.categories.push_back(w + " " + l);
      c.values.push_back(vals);
    }
  d.table(t);
  add_chart(d, c, dir, plot);
}

void tlb_section(Doc& d, const Matrix& m, const std::string& dir, bool plot) {
  d.heading("TLB misses and walk references per 1,000 instructions");
  Table t{{"workload"}, {}};
  for (const std::string& l : m.labels()) t.head.insert(t.head.end(), {l + " misses", l + " refs"});
  Chart misses{"tlb_misses", "TLB misses per 1,000 instructions", "misses / 1k instructions", {}, m.labels(), {}, false};
  Chart refs{"walk_refs", "Page-walk memory references per 1,000 instructions", "references / 1k instructions",
             {},          m.labels(),
             {},          false};
  for (const std::string& w : m.workloads()) {
    std::vector<std::string> row = {w};
    std::vector<double> mv, rv;
    for (const std::string& l : m.labels()) {
      mv.push_back(per_k(m, w, l, "/tlb/misses"));
      rv.push_back(per_k(m, w, l, "/walks/mem_refs"));
      row.push_back(m.at(w, l) ? fmt_num(mv.back(), 2) : "-");
      row.push_back(m.at(w, l) ? fmt_num(rv.back(), 2) : "-");
    }
    t.rows.push_back(row);
    misses.categories.push_back(w);
    misses.values.push_back(mv);
    refs.categories.push_back(w);
    refs.values.push_back(rv);
  }
  d.table(t);
  add_chart(d, misses, dir, plot);
  add_chart(d, refs, dir, plot);
}

void memory_section(Doc& d, const Matrix& m, const std::string& dir, bool plot) {
  d.heading("Shadow vs EPT page-table memory");
  std::vector<std::pair<std::string, std::string>> series;  // label, counter
  for (const std::string& l : m.labels()) {
    if (l.rfind("shadow", 0) == 0) series.push_back({l, "shadow_pages_peak"});
    if (l.rfind("ept", 0) == 0) series.push_back({l, "ept_pages_peak"});
  }
  if (series.empty()) {
    d.para("No shadow or EPT results: native keeps no tables of its own.");
    return;
  }
  d.para("Peak host memory held by the hypervisor's own tables (shadow page tables, EPT tables), in KiB (4 KiB per "
         "table page).");
  Table t{{"workload"}, {}};
  Chart c{"pt_memory", "Hypervisor page-table memory at peak, KiB", "KiB", {}, {}, {}, false};
  for (const auto& [l, k] : series) {
    t.head.push_back(l + " (" + (k == "shadow_pages_peak" ? "shadow" : "EPT") + ")");
    c.series.push_back(t.head.back());
  }
  for (const std::string& w : m.workloads()) {
    std::vector<std::string> row = {w};
    std::vector<double> vals;
    for (const auto& [l, k] : series) {
      vals.push_back(4 * m.get(w, l, "/memory/" + k));
      row.push_back(m.at(w, l) ? fmt_int(vals.back()) : "-");
    }
    t.rows.push_back(row);
    c.categories.push_back(w);
    c.values.push_back(vals);
  }
  d.table(t);
  add_chart(d, c, dir, plot);
}

// A few sentences on the largest differences, with their figures.
void findings(Doc& d, const Matrix& m) {
  std::vector<std::string> out;
  if (m.has("native")) {
    for (const std::string& l : hypervisor_labels(m)) {
      std::string best;
      double worst = -1e300;
      for (const std::string& w : m.workloads())
        if (m.at(w, l) && m.at(w, "native") && overhead(m, w, l) > worst) worst = overhead(m, w, l), best = w;
      if (best.empty()) continue;
      out.push_back("Under " + l + ", " + best + " has the largest modeled overhead: " + fmt_pct(worst) +
                    " over native (" + fmt_int(m.get(best, l, "/model_cycles/total")) + " vs " +
                    fmt_int(m.get(best, "native", "/model_cycles/total")) + " estimated cycles).");
    }
  }
  for (const std::string& l : hypervisor_labels(m)) {
    double exits = 0;
    std::map<std::string, double> by_reason;
    for (const std::string& w : m.workloads()) {
      exits += m.get(w, l, "/vmexits/total");
      if (const nlohmann::json* c = m.at(w, l))
        for (auto it = (*c)["vmexits"]["by_reason"].begin(); it != (*c)["vmexits"]["by_reason"].end(); ++it)
          by_reason[it.key()] += it.value().get<double>();
    }
    if (exits <= 0) continue;
    auto top = std::max_element(by_reason.begin(), by_reason.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
    out.push_back(l + " takes " + fmt_int(exits) + " VM exits over " + std::to_string(m.workloads().size()) +
                  " workloads, " + fmt_num(100 * top->second / exits, 1) + "% of them " + top->first + ".");
  }
  // The largest walk-reference rate against native's.
  if (m.has("native")) {
    double best = 0;
    std::string bw, bl;
    for (const std::string& w : m.workloads())
      for (const std::string& l : hypervisor_labels(m)) {
        const double r = per_k(m, w, l, "/walks/mem_refs");
        if (r > best) best = r, bw = w, bl = l;
      }
    if (!bw.empty())
      out.push_back("The most page-walk references per 1,000 instructions: " + bw + " under " + bl + ", " +
                    fmt_num(best, 2) + " (native: " + fmt_num(per_k(m, bw, "native", "/walks/mem_refs"), 2) + ").");
  }
  if (out.empty()) out.push_back("With only one mode there is nothing to compare yet: run the suite with more modes.");
  for (const std::string& s : out) d.para(s);
}

}  // namespace

int cmd_compare(const CompareArgs& a) {
  const std::vector<LoadedResult> rs = load_results(a.inputs);
  std::string base = a.output;
  if (fs::path(base).extension() == ".md" || fs::path(base).extension() == ".html")
    base = fs::path(base).replace_extension().string();
  const fs::path parent = fs::path(base).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  const std::string chart_dir = base + "_charts";
  const bool plot = gnuplot_available();
  if (plot) {
    fs::remove_all(chart_dir, ec);
    fs::create_directories(chart_dir, ec);
    if (ec) throw InputError("cannot create '" + chart_dir + "'");
  }

  const Matrix m(rs);
  Doc d;
  d.heading("vmsim report");
  std::string labels;
  for (const std::string& l : m.labels()) labels.append(labels.empty() ? "" : ", ").append(l);
  d.para(std::to_string(rs.size()) + " results: " + std::to_string(m.workloads().size()) + " workloads under " +
         labels + ". Counters are those of the region of interest where the workload marked one" +
         (m.uses_roi ? "" : " (none did here)") +
         ", else of the whole run. Cycles and overheads are cost-model estimates (DESIGN §7), never measured times.");
  if (!plot) d.para("Charts: gnuplot was not found (Debian package gnuplot-nox), so this report has none.");
  d.heading("Largest differences");
  findings(d, m);
  overhead_section(d, m, chart_dir, plot);
  breakdown_section(d, m, chart_dir, plot, "VM exits by reason", "/vmexits/by_reason", "/vmexits/total", "vmexits");
  breakdown_section(d, m, chart_dir, plot, "Traps by kind", "/traps", "", "traps");
  tlb_section(d, m, chart_dir, plot);
  memory_section(d, m, chart_dir, plot);
  claims_section(d, m);

  const std::string md = base + ".md", html = base + ".html";
  std::ofstream(md) << to_markdown(d, fs::path(chart_dir).filename().string() + "/");
  std::ofstream(html) << to_html(d, "vmsim report");
  if (!std::ifstream(md) || !std::ifstream(html)) throw InputError("cannot write the report '" + md + "'");
  std::fprintf(stderr, "vmsim compare: %zu results; report in %s and %s%s\n", rs.size(), md.c_str(), html.c_str(),
               plot ? "" : " (no charts: gnuplot not found)");
  return 0;
}

}  // namespace vmsim
