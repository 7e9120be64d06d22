// The workloads' checksums: the host-side reimplementation (reimpl.cpp)
// against the values the guest printed. The table below records what the
// workloads printed when run under QEMU (workloads/run-qemu.sh); once vmsim
// runs the guest kernel, the same reimplementation checks vmsim's console.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "reimpl.h"

namespace vmsim::workloads {
namespace {

struct Observed {
  const char* workload;
  std::vector<std::string> args;
  uint64_t checksum;
};

// Observed under QEMU 7.2 (TCG, Multiboot): `workloads/run-qemu.sh W ARGS`.
const std::vector<Observed> kObservedUnderQemu = {
    {"compute", {}, 0xb1c2113392eaa1b7ull},
    {"seqscan", {}, 0x2ad166a44e926b6full},
    {"ptrchase", {}, 0x3c5bd10336a7c432ull},
    {"ptrchase", {"--huge"}, 0x3c5bd10336a7c432ull},
    {"pagefault", {}, 0xe0397c987850777bull},
    {"forkexec", {}, 0x51fb3691464ddc5aull},
    {"cow", {}, 0x8bf09b7fb9b309c8ull},
    {"ctxswitch", {}, 0xd3fd1b81b78054d0ull},
    {"mmapchurn", {}, 0x70b2f709b9a6cbfaull},
    {"mix", {}, 0xc9f1a17c954da723ull},
    {"compute", {"--iters", "5000", "--seed", "7"}, 0xd76cabd1683b115full},
    {"seqscan", {"--mib", "2", "--passes", "2"}, 0x4c1cc69505c4d26bull},
    {"ptrchase", {"--mib", "4", "--steps", "10000", "--seed", "3"}, 0x587eb0fc85c95ca6ull},
    {"ptrchase", {"--mib", "4", "--steps", "10000", "--seed", "3", "--huge"}, 0x587eb0fc85c95ca6ull},
    {"pagefault", {"--mib", "3", "--rounds", "3"}, 0xc3d69b93f688eaaeull},
    {"forkexec", {"--iters", "7"}, 0x8e4e9932d42b0753ull},
    {"cow", {"--mib", "1", "--rounds", "3"}, 0x84f0f5a9d05a0f80ull},
    {"ctxswitch", {"--procs", "3", "--rounds", "50"}, 0x712fd6856f78c352ull},
    {"mmapchurn", {"--iters", "37", "--pages", "5"}, 0x854b978d1899667bull},
    {"mix", {"--jobs", "5", "--parallel", "2", "--kib", "64"}, 0xc69d528e7b6beb84ull},
    // Preempted processes sharing the CPU (the second with the kernel option timer=5000).
    {"compute", {"--procs", "3", "--iters", "300000"}, 0x7d1482df68fbaed3ull},
    {"compute", {"--procs", "4", "--iters", "100000", "--seed", "9"}, 0xf4e3191f738ce339ull},
};

void PrintTo(const Observed& o, std::ostream* os) {
  *os << o.workload;
  for (const std::string& a : o.args) *os << ' ' << a;
}

class ObservedChecksum : public ::testing::TestWithParam<Observed> {};

TEST_P(ObservedChecksum, ReimplementationMatchesTheGuest) {
  const Observed& o = GetParam();
  const auto expected = expected_checksum(o.workload, parse_guest_args(o.args));
  ASSERT_TRUE(expected.has_value()) << o.workload;
  EXPECT_EQ(*expected, o.checksum) << std::hex << o.workload << ": reimplementation 0x" << *expected
                                   << ", guest printed 0x" << o.checksum;
}

std::string name_of(const ::testing::TestParamInfo<Observed>& info) {
  std::string n = info.param.workload;
  for (const std::string& a : info.param.args)
    for (char c : a)
      if (std::isalnum(static_cast<unsigned char>(c))) n += c;
  return n + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Qemu, ObservedChecksum, ::testing::ValuesIn(kObservedUnderQemu), name_of);

TEST(Workloads, EveryWorkloadHasDefaultsAndAnObservedDefaultRun) {
  for (const char* w : {"compute", "seqscan", "ptrchase", "pagefault", "forkexec", "cow", "ctxswitch", "mmapchurn",
                        "mix"}) {
    EXPECT_FALSE(default_args(w).empty()) << w;
    bool seen = false;
    for (const Observed& o : kObservedUnderQemu) seen |= o.workload == std::string(w) && o.args.empty();
    EXPECT_TRUE(seen) << w;
  }
  EXPECT_FALSE(expected_checksum("nosuch").has_value());
}

// workloads.json (what vmsim lists) and the reimplementation agree on the
// workloads and every default.
TEST(Workloads, JsonListMatchesTheReimplementation) {
  std::ifstream in(VMSIM_WORKLOADS_JSON);
  ASSERT_TRUE(in) << VMSIM_WORKLOADS_JSON;
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("schema"), "vmsim-workloads/1");
  size_t n = 0;
  for (const auto& w : j.at("workloads")) {
    const std::string name = w.at("name");
    ++n;
    EXPECT_TRUE(expected_checksum(name, {{"iters", 1}, {"mib", 1}, {"steps", 1}, {"rounds", 1}, {"jobs", 1}})) << name;
    EXPECT_FALSE(w.at("description").get<std::string>().empty()) << name;
    Args from_json;
    for (const auto& a : w.at("args")) from_json[a.at("name")] = a.at("default").get<uint64_t>();
    EXPECT_EQ(from_json, default_args(name)) << name;
  }
  EXPECT_EQ(n, 9u);
}

TEST(Workloads, DefaultsAreTheImplicitArguments) {
  for (const char* w : {"compute", "pagefault", "ctxswitch", "mmapchurn"})
    EXPECT_EQ(expected_checksum(w), expected_checksum(w, default_args(w))) << w;
}

TEST(Workloads, ChecksumDependsOnTheArguments) {
  EXPECT_NE(expected_checksum("compute", {{"iters", 100}}), expected_checksum("compute", {{"iters", 101}}));
  EXPECT_NE(expected_checksum("ptrchase", {{"mib", 1}, {"steps", 100}, {"seed", 1}}),
            expected_checksum("ptrchase", {{"mib", 1}, {"steps", 100}, {"seed", 2}}));
  EXPECT_NE(expected_checksum("ctxswitch", {{"procs", 2}, {"rounds", 5}}),
            expected_checksum("ctxswitch", {{"procs", 3}, {"rounds", 5}}));
}

TEST(Workloads, ConsoleChecksumParsing) {
  EXPECT_EQ(console_checksum("x: 1\nchecksum: 0x00000000000000ff\n"), 0xffu);
  EXPECT_EQ(console_checksum("checksum: 0x1\n"), std::nullopt);
  EXPECT_EQ(console_checksum("no line"), std::nullopt);
}

TEST(Workloads, GuestArgumentParsing) {
  const Args a = parse_guest_args({"--mib", "64", "--huge", "--steps=0x10"});
  EXPECT_EQ(a.at("mib"), 64u);
  EXPECT_EQ(a.at("huge"), 1u);
  EXPECT_EQ(a.at("steps"), 16u);
}

}  // namespace
}  // namespace vmsim::workloads
