#include "tools/report.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vmsim {

namespace fs = std::filesystem;

namespace {

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    o += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    o += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    o += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return o;
}

std::string md_cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

// Gnuplot strings in single quotes: a quote is doubled.
std::string gp_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
  return o + "'";
}

// Figures align right, words left.
bool numeric_column(const Table& t, size_t col) {
  bool any = false;
  for (const auto& row : t.rows) {
    if (col >= row.size() || row[col] == "-") continue;
    const char c = row[col].empty() ? 'x' : row[col][0];
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-')) return false;
    any = true;
  }
  return any;
}

}  // namespace

std::string to_markdown(const Doc& d, const std::string& image_prefix) {
  std::ostringstream o;
  for (const Block& b : d.blocks) {
    switch (b.kind) {
      case Block::Heading: o << (&b == &d.blocks.front() ? "# " : "## ") << b.text << "\n\n"; break;
      case Block::Para: o << b.text << "\n\n"; break;
      case Block::Tab: {
        o << "|";
        for (const std::string& h : b.table.head) o << " " << md_cell(h) << " |";
        o << "\n|";
        for (size_t i = 0; i < b.table.head.size(); ++i) o << (numeric_column(b.table, i) ? " ---: |" : " --- |");
        o << "\n";
        for (const auto& row : b.table.rows) {
          o << "|";
          for (const std::string& c : row) o << " " << md_cell(c) << " |";
          o << "\n";
        }
        o << "\n";
        break;
      }
      case Block::Image:
        o << "![" << b.text << "](" << image_prefix << fs::path(b.image).filename().string() << ")\n\n";
        break;
    }
  }
  return o.str();
}

std::string to_html(const Doc& d, const std::string& title) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << html_escape(title) << "</title>\n"
    << "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.4}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
       "td:first-child,th:first-child{text-align:left}th{background:#eee}img{max-width:100%}</style>\n"
       "</head><body>\n";
  for (const Block& b : d.blocks) {
    switch (b.kind) {
      case Block::Heading: {
        const char* h = &b == &d.blocks.front() ? "h1" : "h2";
        o << "<" << h << ">" << html_escape(b.text) << "</" << h << ">\n";
        break;
      }
      case Block::Para: o << "<p>" << html_escape(b.text) << "</p>\n"; break;
      case Block::Tab:
        o << "<table><tr>";
        for (const std::string& h : b.table.head) o << "<th>" << html_escape(h) << "</th>";
        o << "</tr>\n";
        for (const auto& row : b.table.rows) {
          o << "<tr>";
          for (size_t i = 0; i < row.size(); ++i)
            o << (numeric_column(b.table, i) ? "<td>" : "<td style=\"text-align:left\">") << html_escape(row[i])
              << "</td>";
          o << "</tr>\n";
        }
        o << "</table>\n";
        break;
      case Block::Image: {
        std::ifstream in(b.image, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        o << "<figure><img alt=\"" << html_escape(b.text) << "\" src=\"data:image/png;base64," << base64(bytes)
          << "\"><figcaption>" << html_escape(b.text) << "</figcaption></figure>\n";
        break;
      }
    }
  }
  o << "</body></html>\n";
  return o.str();
}

bool gnuplot_available() {
  static const bool ok = std::system("gnuplot --version >/dev/null 2>&1") == 0;
  return ok;
}

std::string draw_chart(const Chart& c, const std::string& dir) {
  if (c.series.empty() || c.categories.empty()) return "";
  const fs::path data = fs::path(dir) / (c.name + ".dat");
  const fs::path script = fs::path(dir) / (c.name + ".gp");
  const fs::path png = fs::path(dir) / (c.name + ".png");
  {
    std::ofstream out(data);
    out << "category";
    for (const std::string& s : c.series) out << "\t\"" << s << "\"";
    out << "\n";
    for (size_t i = 0; i < c.categories.size(); ++i) {
      out << "\"" << c.categories[i] << "\"";
      for (double v : c.values[i]) out << "\t" << v;
      out << "\n";
    }
  }
  {
    std::ofstream gp(script);
    gp << "set terminal pngcairo noenhanced size 960,460 font ',10'\n"
       << "set output " << gp_quote(png.string()) << "\n"
       << "set title " << gp_quote(c.title) << "\n"
       << "set ylabel " << gp_quote(c.ylabel) << "\n"
       << "set style data histograms\n"
       << (c.stacked ? "set style histogram rowstacked\n" : "set style histogram clustered gap 1\n")
       << "set style fill solid 0.85 border -1\nset boxwidth 0.8\n"
       << "set key outside right top\nset grid ytics\nset xtics rotate by -35\n"
       << (c.stacked ? "set yrange [0:*]\n" : "")
       << "set datafile separator '\\t'\n"
       << "plot for [i=2:" << c.series.size() + 1 << "] " << gp_quote(data.string())
       << " using i:xtic(1) title columnheader(i)\n";
  }
  const std::string cmd = "gnuplot " + script.string() + " >/dev/null 2>&1";
  const bool ok = std::system(cmd.c_str()) == 0 && fs::exists(png);
  fs::remove(data);
  fs::remove(script);
  return ok ? png.string() : "";
}

Matrix::Matrix(const std::vector<LoadedResult>& rs) {
  labels_ = ordered_labels(rs);
  workloads_ = ordered_workloads(rs);
  for (const LoadedResult& r : rs) {
    const bool roi = r.j["roi"].value("instructions", 0.0) > 0;
    uses_roi |= roi;
    counters_[r.key()] = &r.j[roi ? "roi" : "total"];
    results_[r.key()] = &r.j;
  }
}

const nlohmann::json* Matrix::at(const std::string& w, const std::string& l) const {
  auto it = counters_.find(w + " " + l);
  return it == counters_.end() ? nullptr : it->second;
}

double Matrix::get(const std::string& w, const std::string& l, const std::string& ptr) const {
  const nlohmann::json* c = at(w, l);
  if (!c) return 0;
  const nlohmann::json::json_pointer p(ptr);
  return c->contains(p) && (*c)[p].is_number() ? (*c)[p].get<double>() : 0;
}

bool Matrix::has(const std::string& label) const {
  return std::find(labels_.begin(), labels_.end(), label) != labels_.end();
}

const nlohmann::json* Matrix::total(const std::string& w, const std::string& l) const {
  auto it = results_.find(w + " " + l);
  return it == results_.end() ? nullptr : &(*it->second)["total"];
}

const nlohmann::json& Matrix::config(const std::string& w, const std::string& l) const {
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = results_.find(w + " " + l);
  return it == results_.end() || !it->second->contains("config") ? empty : (*it->second)["config"];
}

std::string fmt_int(double v) {
  const long long x = std::llround(v);
  const std::string digits = std::to_string(x < 0 ? -x : x);
  std::string s;
  if (x < 0) s.push_back('-');
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

std::string fmt_pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", v);
  return b;
}

std::string fmt_num(double v, int prec) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

}  // namespace vmsim
