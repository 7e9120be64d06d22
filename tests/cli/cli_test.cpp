// The vmsim command line as a user meets it: exit statuses (DESIGN §4), one-
// line errors for bad input, result files written whole or not at all.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

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

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vmsim-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  nlohmann::json result(const std::string& name) const {
    std::ifstream in(path(name));
    return nlohmann::json::parse(in);
  }
  bool only_result_files(const std::string& expected) const {
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != expected && e.path().extension() == ".json") return false;
    return true;
  }
  fs::path dir_;
};

// A bad-input run: status 2, one line on stderr naming the problem, no result.
void expect_bad_input(const CmdResult& r, const std::string& what) {
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(what), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(Cli, MissingEmptyNonElfAndTruncatedImages) {
  expect_bad_input(vmsim("run -o " + path("r.json") + " " + path("missing.elf")), "cannot open image");
  write("empty.elf", "");
  expect_bad_input(vmsim("run -o " + path("r.json") + " " + path("empty.elf")), "is empty");
  write("text.elf", "#!/bin/sh\necho hello\n");
  expect_bad_input(vmsim("run -o " + path("r.json") + " " + path("text.elf")), "not an ELF file");
  std::ifstream demo(std::string(VMSIM_GUEST_DIR) + "/demo.elf", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(demo)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 300u);
  write("cut.elf", bytes.substr(0, 200));
  expect_bad_input(vmsim("run -o " + path("r.json") + " " + path("cut.elf")), "truncated");
  EXPECT_FALSE(fs::exists(path("r.json")));
}

TEST_F(Cli, BadUsage) {
  expect_bad_input(vmsim("run -o " + path("r.json") + " nosuchguest"), "unknown guest 'nosuchguest'");
  expect_bad_input(vmsim("run -o " + path("r.json") + " --set memory.guest_mb=4 demo"), "memory.guest_mb");
  expect_bad_input(vmsim("run -o " + path("r.json") + " --set memory.guest_mib=x demo"), "memory.guest_mib");
  expect_bad_input(vmsim("run -o " + path("r.json") + " --mmu warp demo"), "--mmu");
  expect_bad_input(vmsim("run -o /nonexistent/dir/r.json demo"), "cannot write the result");
  EXPECT_EQ(vmsim("run --no-such-option demo").status, 2);
  EXPECT_EQ(vmsim("").status, 2);
  EXPECT_FALSE(fs::exists(path("r.json")));
}

TEST_F(Cli, ImageThatDoesNotFitGuestRam) {
  expect_bad_input(vmsim("run -o " + path("r.json") + " --set memory.guest_mib=2 demo"), "larger than guest RAM");
  expect_bad_input(vmsim("run -o " + path("r.json") + " --set memory.guest_mib=4 demo"), "outside guest RAM");
}

TEST_F(Cli, InstructionLimitWritesTheResult) {
  CmdResult r = vmsim("run -q -o " + path("r.json") + " --max-instructions 1000 demo");
  EXPECT_EQ(r.status, 4) << r.out;
  nlohmann::json j = result("r.json");
  EXPECT_EQ(j["schema"], "vmsim-result/1");
  EXPECT_EQ(j["guest"]["end"], "limit");
  EXPECT_EQ(j["total"]["instructions"], 1000);
  EXPECT_TRUE(only_result_files("r.json"));
}

TEST_F(Cli, LeadingKernelOptionsReachTheGuestKernel) {
  // timer=0 turns preemption off: no timer interrupts at all.
  CmdResult r = vmsim("run -q -o " + path("r.json") + " compute -- timer=0 --iters 20000");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(result("r.json")["total"]["interrupts"]["external"], 0);
  EXPECT_EQ(result("r.json")["guest"]["args"], (nlohmann::json{"timer=0", "--iters", "20000"}));
  r = vmsim("run -q -o " + path("s.json") + " compute -- --iters 20000");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_GT(result("s.json")["total"]["interrupts"]["external"].get<uint64_t>(), 0u);
}

TEST_F(Cli, HelpAndList) {
  EXPECT_EQ(vmsim("--help").status, 0);
  CmdResult r = vmsim("run --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--max-instructions"), std::string::npos);
  r = vmsim("list");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("demo"), std::string::npos);
  r = vmsim("list --keys");
  EXPECT_NE(r.out.find("memory.guest_mib"), std::string::npos);
}

}  // namespace
