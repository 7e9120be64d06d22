#include "vmm/devices.h"

namespace vmsim {

void Serial::write_thr(uint8_t byte) {
  hash_.update(&byte, 1);
  ++bytes_;
  if (echo_) {
    std::fputc(byte, echo_);
    if (byte == '\n') std::fflush(echo_);
  }
}

uint8_t Serial::read(uint16_t port) const {
  // LSR: THR empty (bit 5) and transmitter empty (bit 6); nothing to receive.
  return port == kCom1Lsr ? 0x60 : 0x00;
}

std::string Serial::sha256() const {
  Sha256 copy = hash_;  // the running hash stays open for more output
  return copy.hex_digest();
}

void Serial::flush() {
  if (echo_) std::fflush(echo_);
}

uint32_t PortDevices::in(uint16_t port, uint8_t size) {
  if (port >= kCom1 && port < kCom1 + 8) return serial_.read(port);
  (void)size;
  return 0xFFFFFFFF;
}

void PortDevices::out(uint16_t port, uint8_t, uint32_t value) {
  if (port == kCom1) {
    serial_.write_thr(static_cast<uint8_t>(value));
  } else if (port == kDebugExitPort) {
    if (events_.debug_exit) events_.debug_exit(value);
  } else if (port == kSimControlPort) {
    if (value == kSimRoiBegin && events_.roi_begin) events_.roi_begin();
    if (value == kSimRoiEnd && events_.roi_end) events_.roi_end();
  }
  // COM1's other registers, the PIC (0x20/0x21/0xA0/0xA1) and unclaimed
  // ports: writes are accepted and ignored.
}

}  // namespace vmsim
