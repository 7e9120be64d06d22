// The report of `vmsim compare`: a small document model rendered as
// Markdown and as a self-contained HTML page, with charts drawn by gnuplot.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/results_io.h"

namespace vmsim {

struct Table {
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
};

// A bar chart: values[category][series]; stacked or clustered.
struct Chart {
  std::string name;  // file stem
  std::string title;
  std::string ylabel;
  std::vector<std::string> categories;
  std::vector<std::string> series;
  std::vector<std::vector<double>> values;
  bool stacked = false;
};

struct Block {
  enum Kind { Heading, Para, Tab, Image } kind;
  std::string text;  // heading or paragraph text; the image's caption
  Table table;
  std::string image;  // path of a PNG
};

struct Doc {
  std::vector<Block> blocks;
  void heading(const std::string& s) { blocks.push_back({Block::Heading, s, {}, {}}); }
  void para(const std::string& s) { blocks.push_back({Block::Para, s, {}, {}}); }
  void table(Table t) { blocks.push_back({Block::Tab, "", std::move(t), {}}); }
  void image(const std::string& caption, const std::string& png) { blocks.push_back({Block::Image, caption, {}, png}); }
};

std::string to_markdown(const Doc& d, const std::string& image_prefix);
std::string to_html(const Doc& d, const std::string& title);

// Draws 'c' into dir/NAME.png; returns the path, or "" when gnuplot failed.
std::string draw_chart(const Chart& c, const std::string& dir);
bool gnuplot_available();

// The results as a matrix: the counters a report uses (the ROI's when the
// workload marked one, else the whole run's), by workload and label.
class Matrix {
 public:
  explicit Matrix(const std::vector<LoadedResult>& rs);
  const nlohmann::json* at(const std::string& workload, const std::string& label) const;
  // A counter by JSON pointer ("/model_cycles/total"); 0 when absent.
  double get(const std::string& workload, const std::string& label, const std::string& ptr) const;
  bool has(const std::string& label) const;
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<std::string>& workloads() const { return workloads_; }
  // The whole run's counters (cold-start effects live outside the ROI).
  const nlohmann::json* total(const std::string& workload, const std::string& label) const;
  const nlohmann::json& config(const std::string& workload, const std::string& label) const;
  bool uses_roi = false;

 private:
  std::map<std::string, const nlohmann::json*> counters_, results_;
  std::vector<std::string> labels_, workloads_;
};

// Formatting for tables and sentences.
std::string fmt_int(double v);           // 12,345
std::string fmt_pct(double v);           // +12.3%
std::string fmt_num(double v, int prec); // 1.23

// "The seeds' claims, checked" (tools/claims.cpp).
void claims_section(Doc& d, const Matrix& m);

}  // namespace vmsim
