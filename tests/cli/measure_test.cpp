// The measurement commands end to end: vmsim suite, compare, check and
// run --trace, with real runs (native, the mode every build has) and
// hand-made results for the modes a test cannot count on.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CmdResult {
  int status = -1;
  std::string out;  // stdout + stderr
};

CmdResult vmsim(const std::string& args) {
  const std::string cmd = std::string(VMSIM_BIN) + " " + args + " 2>&1";
  CmdResult r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

class Measure : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vmsim-measure-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  json read(const std::string& name) const {
    std::ifstream in(path(name));
    return json::parse(in);
  }
  void write(const std::string& name, const json& j) const { std::ofstream(path(name)) << j.dump(1); }
  std::string text(const std::string& name) const {
    std::ifstream in(path(name));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // One native suite of two small workloads, shared by the tests that need results.
  void small_suite(const std::string& out) {
    CmdResult r = vmsim("suite --mmu native --workloads compute,cow -j2 -o " + path(out));
    ASSERT_EQ(r.status, 0) << r.out;
  }
  fs::path dir_;
};

void expect_usage_error(const CmdResult& r, const std::string& what) {
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_TRUE(contains(r.out, what)) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(Measure, SuiteWritesOneResultPerRunAndASummary) {
  small_suite("s");
  const json summary = read("s/summary.json");
  EXPECT_EQ(summary["schema"], "vmsim-suite/1");
  ASSERT_EQ(summary["runs"].size(), 2u);
  EXPECT_EQ(summary["failed"], 0);
  for (const char* w : {"compute", "cow"}) {
    const json r = read(std::string("s/") + w + "-native.json");
    EXPECT_EQ(r["label"], "native");
    EXPECT_EQ(r["guest"]["name"], w);
    EXPECT_EQ(r["guest"]["end"], "clean");
    // model_cycles: the total is the sum of its parts; instructions cost cost.instruction each.
    for (const char* part : {"total", "roi"}) {
      const json& mc = r[part]["model_cycles"];
      uint64_t sum = 0;
      for (auto it = mc.begin(); it != mc.end(); ++it)
        if (it.key() != "total") sum += it.value().get<uint64_t>();
      EXPECT_EQ(mc["total"].get<uint64_t>(), sum) << w << " " << part;
      EXPECT_EQ(mc["instructions"].get<uint64_t>(), r[part]["instructions"].get<uint64_t>());
      EXPECT_EQ(mc["walks"].get<uint64_t>(), 20 * r[part]["walks"]["mem_refs"].get<uint64_t>());
      EXPECT_EQ(mc["vmexits"], 0);
    }
  }
}

TEST_F(Measure, CostKeysChangeTheModel) {
  CmdResult r = vmsim("run -q --set cost.walk_ref=100 --set cost.instruction=0.5 -o " + path("r.json") + " cow");
  ASSERT_EQ(r.status, 0) << r.out;
  const json j = read("r.json");
  EXPECT_EQ(j["config"]["cost"]["walk_ref"], 100.0);
  EXPECT_EQ(j["total"]["model_cycles"]["walks"].get<uint64_t>(), 100 * j["total"]["walks"]["mem_refs"].get<uint64_t>());
  EXPECT_EQ(j["total"]["model_cycles"]["instructions"].get<uint64_t>(),
            (j["total"]["instructions"].get<uint64_t>() + 1) / 2);
  expect_usage_error(vmsim("run -q --set cost.vmexit=-3 -o " + path("x.json") + " cow"), "cost.vmexit");
}

TEST_F(Measure, ListCommandsPrintsOneRunPerLine) {
  CmdResult r = vmsim("suite --list-commands --mmu native,native-nopwc --workloads compute,cow,seqscan -o " + path("l"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    EXPECT_TRUE(contains(line, " run --quiet --mmu native --label native")) << line;
    EXPECT_TRUE(contains(line, "-o " + path("l") + "/")) << line;
  }
  EXPECT_EQ(n, 6);
  EXPECT_TRUE(contains(r.out, "--label native-nopwc --set walk.pwc=false --set walk.nested_tlb=false -o " + path("l") + "/seqscan-native-nopwc.json seqscan"));
}

TEST_F(Measure, SuiteBadInput) {
  expect_usage_error(vmsim("suite --mmu warp -o " + path("x")), "unknown mode 'warp'");
  expect_usage_error(vmsim("suite --mmu native-3m -o " + path("x")), "unknown mode 'native-3m'");
  expect_usage_error(vmsim("suite --workloads compute,nope -o " + path("x")), "unknown workload 'nope'");
  // A mode whose backend this build lacks is named as such.
  for (const char* mode : {"shadow", "ept"})
    if (vmsim(std::string("suite --list-commands --workloads compute --mmu ") + mode + " -o " + path("x")).status != 0)
      expect_usage_error(vmsim(std::string("suite --mmu ") + mode + " -o " + path("x")), "does not have");
  EXPECT_FALSE(fs::exists(path("x/summary.json")));
}

TEST_F(Measure, CheckPassesUnchangedAndFailsWithADiff) {
  small_suite("s");
  CmdResult r = vmsim("check --write --baseline " + path("base.json") + " " + path("s"));
  ASSERT_EQ(r.status, 0) << r.out;
  const json base = read("base.json");
  EXPECT_EQ(base["schema"], "vmsim-baseline/1");
  ASSERT_EQ(base["results"].size(), 2u);
  EXPECT_FALSE(base["results"][0].contains("host"));

  r = vmsim("check --baseline " + path("base.json") + " " + path("s"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "2 results match")) << r.out;

  // One counter changed by one: exit 1 and the diff line says where.
  json cow = read("s/cow-native.json");
  const uint64_t misses = cow["roi"]["tlb"]["misses"];
  cow["roi"]["tlb"]["misses"] = misses + 1;
  cow["host"]["wall_seconds"] = 1234.5;  // host time never counts
  write("s/cow-native.json", cow);
  r = vmsim("check --baseline " + path("base.json") + " " + path("s"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "cow native roi.tlb.misses: " + std::to_string(misses) + " -> " +
                                  std::to_string(misses + 1)))
      << r.out;
  EXPECT_FALSE(contains(r.out, "wall_seconds")) << r.out;
  EXPECT_FALSE(contains(r.out, "compute native roi")) << r.out;
  // Within a relative tolerance it passes.
  EXPECT_EQ(vmsim("check --tolerance 0.01 --baseline " + path("base.json") + " " + path("s")).status, 0);
  // A run missing from the results is a difference too.
  fs::remove(path("s/compute-native.json"));
  r = vmsim("check --baseline " + path("base.json") + " " + path("s"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.out, "compute native: in the baseline but not among the results")) << r.out;
}

TEST_F(Measure, BadResultFilesAreUsageErrors) {
  small_suite("s");
  std::ofstream(path("broken.json")) << "{\"schema\": \"vmsim-result/1\", ";
  expect_usage_error(vmsim("compare " + path("broken.json") + " -o " + path("rep")), "is not valid JSON");
  expect_usage_error(vmsim("check --baseline " + path("nothere.json") + " " + path("s")), "cannot read");
  json other = read("s/cow-native.json");
  other["schema"] = "vmsim-result/2";
  write("v2.json", other);
  expect_usage_error(vmsim("compare " + path("s") + " " + path("v2.json") + " -o " + path("rep")),
                     "cannot be mixed");
  write("nocounters.json", json{{"schema", "vmsim-result/1"}, {"mmu", "native"}});
  expect_usage_error(vmsim("check --baseline " + path("s") + " " + path("nocounters.json")), "malformed");
  fs::copy_file(path("s/cow-native.json"), path("dup.json"));
  expect_usage_error(vmsim("compare " + path("s") + " " + path("dup.json") + " -o " + path("rep")),
                     "two results for cow under native");
  EXPECT_EQ(vmsim("check " + path("s")).status, 2);  // --baseline is required
  EXPECT_FALSE(fs::exists(path("rep.md")));
}

// Hand-made shadow/ept results beside real native ones: the report's
// overheads and the seeds' claims come from the figures given.
TEST_F(Measure, CompareReportsOverheadsAndTheSeedsClaims) {
  CmdResult r = vmsim("suite --mmu native --workloads ptrchase,cow -j2 -o " + path("s"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = vmsim("compare " + path("s") + " -o " + path("native-only"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(text("native-only.md"), "| needs shadow and ept runs | not measured |"));
  EXPECT_TRUE(contains(text("native-only.md"), "0 of 0 measured claims reproduced"));

  fs::create_directories(path("f"));
  for (const char* w : {"ptrchase", "cow"}) {
    const json native = read(std::string("s/") + w + "-native.json");
    struct Mode {
      const char* label;
      const char* mmu;
      uint64_t exits, pt_writes;
      double cycles_factor;
      uint64_t ept_pages;
    };
    for (const Mode& m : {Mode{"shadow", "shadow", 1000, 900, 1.5, 0}, Mode{"ept", "ept", 100, 0, 2.0, 40},
                          Mode{"ept-2m", "ept", 50, 0, 1.25, 6}}) {
      json j = native;
      j["label"] = m.label;
      j["mmu"] = m.mmu;
      if (std::string(m.label) == "ept") {  // walk caches off: whole cold walks
        j["config"]["walk"]["pwc"] = false;
        j["config"]["walk"]["nested_tlb"] = false;
      }
      for (const char* part : {"total", "roi"}) {
        json& c = j[part];
        c["vmexits"]["total"] = m.exits;
        c["vmexits"]["by_reason"][std::string(m.mmu) == "ept" ? "EPT_VIOLATION" : "EXCEPTION_NMI"] = m.exits;
        c["traps"]["shadow_pt_write"] = m.pt_writes;
        c["memory"]["ept_pages_peak"] = m.ept_pages;
        c["model_cycles"]["total"] = static_cast<uint64_t>(c["model_cycles"]["total"].get<double>() * m.cycles_factor);
        if (std::string(m.label) == "ept") c["walks"]["refs_histogram"] = json{{"24", 3}, {"6", 10}};
      }
      write(std::string("f/") + w + "-" + m.label + ".json", j);
    }
  }
  r = vmsim("compare " + path("s") + " " + path("f") + " -o " + path("rep"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string md = text("rep.md");
  EXPECT_TRUE(contains(md, "| ptrchase | ")) << md;
  EXPECT_TRUE(contains(md, "| +50.0% | +100.0% | +25.0% |")) << md;  // shadow, ept, ept-2m vs native
  EXPECT_TRUE(contains(md, "cost-model estimate")) << md;
  EXPECT_TRUE(contains(md, "Under ept, cow has the largest modeled overhead: +100.0%") ||
              contains(md, "Under ept, ptrchase has the largest modeled overhead: +100.0%"))
      << md;
  EXPECT_TRUE(contains(md, "ept: 200 exits against shadow's 2,000, 90.0% fewer | reproduced")) << md;
  EXPECT_TRUE(contains(md, "true guest faults): 90.0% of 2,000 exits; of which write tracking proper (pt_write, "
                           "unshadow, resync): 90.0%")) << md;
  EXPECT_TRUE(contains(md, "under ept (walk caches off) the longest walk made 24 references, and 6 of")) << md;
  EXPECT_TRUE(contains(md, "6 of 6 measured claims reproduced")) << md;
  const std::string html = text("rep.html");
  EXPECT_TRUE(contains(html, "<table>")) << html.substr(0, 500);
  if (std::system("gnuplot --version >/dev/null 2>&1") == 0) {
    EXPECT_TRUE(contains(html, "src=\"data:image/png;base64,iVBORw0KGgo")) << "charts are embedded PNGs";
    EXPECT_TRUE(fs::exists(path("rep_charts/overhead.png")));
    EXPECT_TRUE(fs::exists(path("rep_charts/vmexits.png")));
    EXPECT_TRUE(contains(md, "](rep_charts/pt_memory.png)"));
  } else {
    EXPECT_TRUE(contains(md, "gnuplot was not found"));
  }
}

TEST_F(Measure, WithoutGnuplotTheReportSaysSoAndHasNoCharts) {
  small_suite("s");
  // vmsim itself is given by path; gnuplot cannot be found on this PATH.
  const std::string cmd = "PATH=/nonexistent " + std::string(VMSIM_BIN) + " compare " + path("s") + " -o " +
                          path("rep") + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[1024];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << out;
  EXPECT_TRUE(contains(out, "no charts: gnuplot not found")) << out;
  EXPECT_TRUE(contains(text("rep.md"), "gnuplot was not found (Debian package gnuplot-nox)"));
  EXPECT_FALSE(contains(text("rep.md"), "!["));
  EXPECT_FALSE(contains(text("rep.html"), "<img"));
  EXPECT_TRUE(contains(text("rep.md"), "| cow | "));
}

TEST_F(Measure, TraceIsBoundedChromeJsonAndChangesNoCounter) {
  CmdResult r = vmsim("run -q --trace " + path("t.json") + " --trace-limit 40 -o " + path("traced.json") + " pagefault");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(vmsim("run -q -o " + path("plain.json") + " pagefault").status, 0);
  EXPECT_EQ(read("traced.json")["total"], read("plain.json")["total"]);

  const json t = read("t.json");
  const json& meta = t["otherData"];
  EXPECT_EQ(meta["limit"], 40);
  EXPECT_GT(meta["dropped_events"].get<uint64_t>(), 0u);
  int instants = 0, faults = 0, roi = 0;
  uint64_t last = 0;
  for (const json& e : t["traceEvents"]) {
    if (e["ph"] == "M") continue;
    EXPECT_GE(e["ts"].get<uint64_t>(), last);
    last = e["ts"];
    if (e["ph"] == "i") ++instants;
    if (e["name"] == "page_fault") {
      ++faults;
      EXPECT_TRUE(e["args"].contains("cr2"));
    }
    if (e["cat"] == "roi") ++roi;
  }
  EXPECT_EQ(instants, 40);
  EXPECT_GT(faults, 0);
  EXPECT_EQ(roi + instants, meta["recorded_events"].get<int>());
  // The whole trace of a small run drops nothing and matches the counters.
  ASSERT_EQ(vmsim("run -q --trace " + path("full.json") + " -o " + path("r.json") + " cow").status, 0);
  const json full = read("full.json");
  EXPECT_EQ(full["otherData"]["dropped_events"], 0);
  uint64_t faults_traced = 0;
  for (const json& e : full["traceEvents"]) faults_traced += e.value("name", "") == "page_fault";
  EXPECT_EQ(faults_traced, read("r.json")["total"]["guest_exceptions"]["page_fault"].get<uint64_t>());
  expect_usage_error(vmsim("run -q --trace /nonexistent/dir/t.json -o " + path("x.json") + " cow"), "cannot write the trace");
}

}  // namespace
