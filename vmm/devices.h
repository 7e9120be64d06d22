// Port devices of DESIGN §3: COM1 (a 16550 subset), isa-debug-exit,
// simulator control (ROI markers) and the legacy PIC (writes ignored).
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "core/sha256.h"

namespace vmsim {

inline constexpr uint16_t kCom1 = 0x3F8;
inline constexpr uint16_t kCom1Lsr = 0x3FD;
inline constexpr uint16_t kDebugExitPort = 0xF4;
inline constexpr uint16_t kSimControlPort = 0x0D10;
inline constexpr uint32_t kSimRoiBegin = 1;
inline constexpr uint32_t kSimRoiEnd = 2;

// COM1: a byte written to THR goes to the console (stdout, unless quiet) and
// into the console fingerprint. LSR always reports the transmitter empty.
class Serial {
 public:
  explicit Serial(std::FILE* echo) : echo_(echo) {}
  void write_thr(uint8_t byte);
  uint8_t read(uint16_t port) const;
  std::string sha256() const;
  uint64_t bytes() const { return bytes_; }
  void flush();

 private:
  std::FILE* echo_;  // nullptr: quiet
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

// Callbacks the port devices raise in the machine.
struct DeviceEvents {
  std::function<void(uint32_t)> debug_exit;  // guest exit code
  std::function<void()> roi_begin;
  std::function<void()> roi_end;
};

class PortDevices {
 public:
  PortDevices(std::FILE* console_echo, DeviceEvents events)
      : serial_(console_echo), events_(std::move(events)) {}
  // Unclaimed ports read as all ones and ignore writes, as on a PC.
  uint32_t in(uint16_t port, uint8_t size);
  void out(uint16_t port, uint8_t size, uint32_t value);
  Serial& serial() { return serial_; }
  const Serial& serial() const { return serial_; }

 private:
  Serial serial_;
  DeviceEvents events_;
};

}  // namespace vmsim
