// `vmsim run` on the directed test guests, through both boot protocols:
// the guest's checks pass (exit status 0) and the result JSON is whole and
// carries the counters of DESIGN §5.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

int run(const std::string& args, std::string& out) {
  const std::string cmd = std::string(VMSIM_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(VmsimRun, TestGuestsThroughBothProtocolsWriteValidResults) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("vmsim-guest-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* image : {"pfmatrix.elf", "pfmatrix32.elf", "rings.elf", "rings32.elf"}) {
    const std::string result = (dir / (std::string(image) + ".json")).string();
    std::string out;
    const int status = run("run -q --set memory.guest_mib=128 -o " + result + " " + VMSIM_TEST_GUEST_DIR + "/" + image, out);
    EXPECT_EQ(status, 0) << image << ": " << out;
    std::ifstream in(result);
    const nlohmann::json j = nlohmann::json::parse(in);
    EXPECT_EQ(j["schema"], "vmsim-result/1");
    EXPECT_EQ(j["guest"]["end"], "clean");
    EXPECT_EQ(j["guest"]["exit_code"], 0);
    EXPECT_GT(j["total"]["instructions"].get<uint64_t>(), 1000u);
    const bool matrix = std::string(image).rfind("pfmatrix", 0) == 0;
    EXPECT_GT(j["total"]["guest_exceptions"][matrix ? "page_fault" : "general_protection"].get<uint64_t>(), 0u);
    EXPECT_TRUE(j["total"]["walks"]["refs_histogram"].is_object());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
