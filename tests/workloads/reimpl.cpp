#include "reimpl.h"

#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace vmsim::workloads {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

constexpr uint64_t kLcgMul = 6364136223846793005ull;
constexpr uint64_t kLcgAdd = 1442695040888963407ull;

uint64_t arg(const Args& a, const char* name, uint64_t dflt) {
  auto it = a.find(name);
  return it == a.end() ? dflt : it->second;
}

// compute: LCG, 64-bit division and doubles (IEEE: +, *, /, sqrt are
// correctly rounded, so the host's SSE2 gives the guest's bits).
uint64_t compute(const Args& a) {
  const uint64_t iters = arg(a, "iters", 1000000);
  uint64_t x = arg(a, "seed", 1), h = 0;
  double acc = 1.0;
  for (uint64_t i = 0; i < iters; ++i) {
    x = x * kLcgMul + kLcgAdd;
    const uint64_t hi = x >> 33;
    const uint64_t d = (x ^ (x >> 17)) / (hi % 1000003u + 1);
    acc = acc * 1.0000001 + static_cast<double>(static_cast<int64_t>(hi & 0xffff)) / 65536.0;
    if (acc > 1.0e6) acc = std::sqrt(acc);
    h = mix64(h, d + static_cast<uint64_t>(static_cast<int64_t>(acc)));
  }
  uint64_t bits;
  std::memcpy(&bits, &acc, 8);
  const uint64_t result = mix64(h, bits);
  uint64_t sum = result;  // with --procs N, N-1 children report the same result
  for (uint64_t c = 1; c < arg(a, "procs", 1); ++c) sum = mix64(sum, result);
  return sum;
}

// seqscan: read-modify-write passes over a zeroed buffer of 64-bit words.
uint64_t seqscan(const Args& a) {
  const uint64_t words = (arg(a, "mib", 16) << 20) / 8, passes = arg(a, "passes", 3);
  std::vector<uint64_t> buf(words, 0);
  uint64_t h = 0;
  for (uint64_t p = 0; p < passes; ++p) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < words; ++i) {
      sum += buf[i];
      buf[i] = buf[i] * 0x100000001b3ull + i + p;
    }
    h = mix64(h, sum);
  }
  return h;
}

// ptrchase: Sattolo's cycle over 64-byte objects, then the walk from 0.
uint64_t ptrchase(const Args& a) {
  const uint64_t n = (arg(a, "mib", 32) << 20) / 64, steps = arg(a, "steps", 2000000);
  uint64_t state = arg(a, "seed", 1);
  std::vector<uint32_t> next(n);
  std::iota(next.begin(), next.end(), 0u);
  for (uint64_t i = n - 1; i > 0; --i) std::swap(next[i], next[splitmix64(state) % i]);
  uint64_t at = 0, acc = 0;
  for (uint64_t s = 0; s < steps; ++s) {
    acc = acc * 31 + at;  // the object's id is its index
    at = next[at];
  }
  return mix64(mix64(0, acc), at);
}

// pagefault: one word written per fresh page, then read with its neighbour
// (zero unless it is the word written).
uint64_t pagefault(const Args& a) {
  const uint64_t pages = (arg(a, "mib", 32) << 20) / 4096, rounds = arg(a, "rounds", 4);
  uint64_t h = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    uint64_t s = 0;
    for (uint64_t k = 0; k < pages; ++k) {
      const uint64_t written = k * (r + 1) + 7;
      s = s * 3 + written + ((k + 1) % 512 == k % 512 ? written : 0);
    }
    h = mix64(h, s);
  }
  return h;
}

// forkexec: the exit status of "child i" for each i.
uint64_t child_status(uint64_t n) {
  uint64_t x = n * 2654435761ull + 1;
  for (int k = 0; k < 100; ++k) x = x * kLcgMul + kLcgAdd;
  return (x >> 56) & 0xff;
}

uint64_t forkexec(const Args& a) {
  uint64_t h = 0;
  for (uint64_t i = 0, n = arg(a, "iters", 200); i < n; ++i) h = mix64(h, child_status(i));
  return h;
}

// cow: the child's view after its writes, and the parent's untouched view.
uint64_t cow(const Args& a) {
  const uint64_t pages = (arg(a, "mib", 16) << 20) / 4096, rounds = arg(a, "rounds", 4);
  auto initial = [](uint64_t word) { return word * 0x9e3779b97f4a7c15ull; };
  uint64_t h = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    const uint64_t off = r % 512;
    uint64_t child = 0, parent = 0;
    for (uint64_t k = 0; k < pages; ++k) {
      const uint64_t v = initial(k * 512 + off);
      child = child * 5 + v + r + k;
      parent = parent * 5 + v;
    }
    h = mix64(mix64(h, child), parent);
  }
  return h;
}

// ctxswitch: the token after each trip around the ring.
uint64_t ctxswitch(const Args& a) {
  const uint64_t procs = arg(a, "procs", 4), rounds = arg(a, "rounds", 4000);
  uint64_t token = 0x1234567, h = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    for (uint64_t id = 0; id < procs; ++id) token = token * kLcgMul + id + 1;
    h = mix64(h, token);
  }
  return h;
}

// mmapchurn: per cycle, one word per fresh page read with its (zero) neighbour.
uint64_t mmapchurn(const Args& a) {
  const uint64_t iters = arg(a, "iters", 2000), pages = arg(a, "pages", 16);
  uint64_t h = 0;
  for (uint64_t it = 0; it < iters; ++it) {
    uint64_t s = 0;
    for (uint64_t k = 0; k < pages; ++k) s = s * 7 + it * k + 1;
    h = mix64(h, s);
  }
  return h;
}

// mix: job j fills KiB of 32-bit words from splitmix64(seed j), then folds
// a running sum and a histogram of the top byte; results in job order.
uint64_t mixjob(uint64_t id, uint64_t kib) {
  const uint64_t n = kib * 1024 / 4;
  uint64_t state = id, sum = 0;
  uint64_t hist[256] = {};
  for (uint64_t i = 0; i < n; ++i) {
    const auto v = static_cast<uint32_t>(splitmix64(state));
    ++hist[v >> 24];
    sum = sum * 3 + (v ^ static_cast<uint32_t>(i));
  }
  uint64_t h = mix64(0, sum);
  for (uint64_t c : hist) h = mix64(h, c);
  return h;
}

uint64_t mix(const Args& a) {
  const uint64_t jobs = arg(a, "jobs", 32), kib = arg(a, "kib", 256);
  uint64_t h = 0;
  for (uint64_t j = 0; j < jobs; ++j) h = mix64(h, mixjob(j, kib));
  return h;
}

struct Entry {
  const char* name;
  uint64_t (*fn)(const Args&);
  Args defaults;
};

const std::vector<Entry>& table() {
  static const std::vector<Entry> t = {
      {"compute", compute, {{"iters", 1000000}, {"seed", 1}, {"procs", 1}}},
      {"seqscan", seqscan, {{"mib", 16}, {"passes", 3}}},
      {"ptrchase", ptrchase, {{"mib", 32}, {"steps", 2000000}, {"seed", 1}, {"huge", 0}}},
      {"pagefault", pagefault, {{"mib", 32}, {"rounds", 4}}},
      {"forkexec", forkexec, {{"iters", 200}}},
      {"cow", cow, {{"mib", 16}, {"rounds", 4}}},
      {"ctxswitch", ctxswitch, {{"procs", 4}, {"rounds", 4000}}},
      {"mmapchurn", mmapchurn, {{"iters", 2000}, {"pages", 16}}},
      {"mix", mix, {{"jobs", 32}, {"parallel", 4}, {"kib", 256}}},
  };
  return t;
}

}  // namespace

std::optional<uint64_t> expected_checksum(const std::string& workload, const Args& args) {
  for (const Entry& e : table())
    if (workload == e.name) return e.fn(args);
  return std::nullopt;
}

Args default_args(const std::string& workload) {
  for (const Entry& e : table())
    if (workload == e.name) return e.defaults;
  return {};
}

Args parse_guest_args(const std::vector<std::string>& argv) {
  Args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s.rfind("--", 0) != 0) throw std::invalid_argument("not an option: " + s);
    const size_t eq = s.find('=');
    if (eq != std::string::npos) {
      out[s.substr(2, eq - 2)] = std::stoull(s.substr(eq + 1), nullptr, 0);
    } else if (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
      out[s.substr(2)] = std::stoull(argv[++i], nullptr, 0);
    } else {
      out[s.substr(2)] = 1;  // a flag
    }
  }
  return out;
}

std::optional<uint64_t> console_checksum(const std::string& console) {
  const std::string key = "checksum: 0x";
  const size_t at = console.rfind(key);
  if (at == std::string::npos) return std::nullopt;
  const size_t start = at + key.size();
  size_t end = start;
  while (end < console.size() && std::isxdigit(static_cast<unsigned char>(console[end]))) ++end;
  if (end - start != 16) return std::nullopt;
  return std::stoull(console.substr(start, 16), nullptr, 16);
}

}  // namespace vmsim::workloads
