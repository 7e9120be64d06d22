#include "tests/guests/runner.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "vmm/backends.h"
#include "vmm/image.h"

namespace vmsim::guests {

std::string GuestRun::describe() const {
  std::ostringstream s;
  s << "end " << guest_end_name(outcome.end) << ", exit code " << outcome.exit_code;
  if (!outcome.message.empty()) s << " (" << outcome.message << ")";
  s << "\nconsole:\n" << console;
  return s.str();
}

uint64_t GuestRun::report(const std::string& name) const {
  const auto it = reports.find(name);
  if (it == reports.end()) throw std::runtime_error("the guest did not report '" + name + "'");
  return it->second;
}

static std::map<std::string, uint64_t> parse_reports(const std::string& console) {
  std::map<std::string, uint64_t> r;
  std::istringstream in(console);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("= ", 0) != 0) continue;
    std::istringstream l(line.substr(2));
    std::string name;
    uint64_t v = 0;
    if (l >> name >> v) r[name] = v;
  }
  return r;
}

GuestRun run_guest(const std::string& name, const GuestOptions& o) {
  Config config;
  config.set("memory.guest_mib", "128");
  for (const std::string& s : o.sets) config.set_assignment(s);
  const std::string path = std::string(VMSIM_TEST_GUEST_DIR) + "/" + name +
                           (o.protocol == Protocol::Multiboot ? "32.elf" : ".elf");
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* console = open_memstream(&buf, &len);
  GuestRun run;
  {
    MachineOptions mo;
    mo.mmu = o.mmu;
    mo.console = console;
    Machine m(config, mo);
    m.boot(read_image(path), name);
    run.outcome = m.run(o.max_instructions);
    run.total = m.total();
    run.roi = m.roi();
  }
  std::fclose(console);
  run.console.assign(buf, len);
  std::free(buf);
  run.reports = parse_reports(run.console);
  run.total_json = to_json(run.total);
  run.roi_json = to_json(run.roi);
  return run;
}

GuestRun run_guest(const std::string& name, const std::string& mmu, std::vector<std::string> sets) {
  GuestOptions o;
  o.mmu = mmu;
  o.sets = std::move(sets);
  return run_guest(name, o);
}

std::vector<std::string> modes() { return backend_names(); }

}  // namespace vmsim::guests
