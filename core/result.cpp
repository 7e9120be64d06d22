#include "core/result.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace vmsim {

nlohmann::json make_result(const RunRecord& r) {
  nlohmann::json guest = {{"name", r.workload},
                          {"image", r.image},
                          {"args", r.args},
                          {"end", r.end},
                          {"exit_code", r.exit_code},
                          {"console_sha256", r.console_sha256}};
  if (!r.message.empty()) guest["message"] = r.message;
  const double mips = r.wall_seconds > 0 ? r.total.instructions / r.wall_seconds / 1e6 : 0.0;
  return {{"schema", kResultSchema},
          {"mmu", r.mmu},
          {"label", r.label.empty() ? r.mmu : r.label},
          {"config", r.config},
          {"guest", guest},
          {"total", to_json(r.total, r.cost)},
          {"roi", to_json(r.roi, r.cost)},
          {"host", {{"wall_seconds", r.wall_seconds}, {"mips", mips}}},
          {"cpu", r.cpu}};
}

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  const std::string text = j.dump(2) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                  ::fsync(::fileno(f)) == 0;
  const int err = errno;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : err;
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(e));
  }
}

}  // namespace vmsim
