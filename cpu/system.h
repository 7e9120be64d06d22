// Shared pieces of the system-level CPU: segment descriptors and the checks
// that load them (cpu/segments.cpp), used by the instruction handlers
// (insn_system*.cpp) and IDT delivery (cpu/interrupts.cpp).
//
// Segmentation model (docs/ARCHITECTURE.md): descriptors are read, checked
// and cached as the SDM says, but in 32-bit modes addresses are not checked
// against segment limits, and the legacy-mode features nobody's long-mode
// bring-up uses are absent: 16-bit code segments, call gates, task gates and
// task switches, virtual-8086 mode, real mode. A transfer that would need one
// of them raises #GP with a note saying so.
#pragma once
#include <cstdint>
#include <string>

#include "cpu/cpu.h"

namespace vmsim::cpu {

inline bool is_canonical(uint64_t la) {
  return static_cast<uint64_t>((static_cast<int64_t>(la) << 16) >> 16) == la;
}

// IA-32e mode (64-bit or compatibility mode): EFER.LMA as the decoder sees it.
inline bool ia32e(const Cpu& c) { return c.s.mode != CpuMode::Prot32; }

std::string hex(uint64_t v);

// A segment descriptor as stored in the GDT or LDT (SDM Vol. 3A, 3.4.5).
struct Descriptor {
  uint64_t raw = 0;
  uint64_t addr = 0;  // linear address of the descriptor (for the accessed bit)

  uint32_t base() const {
    return static_cast<uint32_t>(((raw >> 16) & 0xFFFFFF) | ((raw >> 32) & 0xFF000000));
  }
  // In bytes, with the granularity applied.
  uint32_t limit() const {
    const uint32_t l = static_cast<uint32_t>((raw & 0xFFFF) | ((raw >> 32) & 0xF0000));
    return (raw >> 55) & 1 ? (l << 12) | 0xFFF : l;
  }
  uint16_t attr() const {
    return static_cast<uint16_t>(((raw >> 40) & 0xFF) | ((raw >> 40) & 0xF000));
  }
  unsigned type() const { return (raw >> 40) & 0xF; }
  bool s() const { return (raw >> 44) & 1; }
  unsigned dpl() const { return (raw >> 45) & 3; }
  bool present() const { return (raw >> 47) & 1; }
  bool code() const { return s() && (type() & 8); }
  bool data() const { return s() && !(type() & 8); }
  bool conforming() const { return code() && (type() & 4); }
  bool l() const { return (raw >> 53) & 1; }
  bool db() const { return (raw >> 54) & 1; }
};

inline uint16_t sel_index(uint16_t sel) { return sel & 0xFFFC; }  // the selector as an error code
inline unsigned sel_rpl(uint16_t sel) { return sel & 3; }
inline bool sel_null(uint16_t sel) { return (sel & 0xFFFC) == 0; }

// Reads the descriptor 'sel' names in the GDT or LDT. Beyond the table's
// limit (or an LDT selector with no LDT): #GP(selector | ext).
Descriptor read_descriptor(Cpu& c, uint16_t sel, uint32_t ext = 0);
// A system descriptor in IA-32e mode is 16 bytes: the second half holds base
// 63:32 and must have type 0 in its high dword (SDM Vol. 3A, 7.2.3).
uint64_t read_system_base_hi(Cpu& c, const Descriptor& d, uint16_t sel);
// Sets the accessed bit in memory if it is clear (SDM Vol. 3A, 3.4.5.1).
void set_accessed(Cpu& c, Descriptor& d);
Segment to_segment(uint16_t sel, const Descriptor& d);

// The checks of the segment loads. Each returns the new cache contents and
// changes nothing: the caller commits them once nothing else can fault.
Segment check_data_segment(Cpu& c, uint16_t sel);   // DS, ES, FS, GS (mov, pop)
Segment check_stack_segment(Cpu& c, uint16_t sel);  // SS (mov, pop)
// jmp far / call far to a code segment: the cache, with RPL = CPL.
Segment check_far_target(Cpu& c, uint16_t sel);
// retf / iret: the code segment returned to (its RPL is the new CPL).
Segment check_return_code(Cpu& c, uint16_t sel);
// retf / iret to an outer level (or iret in 64-bit mode): the stack segment.
// A stack segment that is not present is #NP(selector) for iret (SDM Vol.
// 2A, IRET, exceptions) and #SS(selector) for retf (Vol. 2B, RET, Operation).
Segment check_return_stack(Cpu& c, uint16_t sel, unsigned new_cpl, bool to_64bit, uint8_t not_present);
// The code segment of an interrupt or exception handler (IDT delivery).
Segment check_handler_code(Cpu& c, uint16_t sel, uint32_t ext);

// True when the cached code segment runs 64-bit code (in IA-32e mode).
inline bool is_64bit_code(const Cpu& c, const Segment& cs) {
  return ia32e(c) && (cs.attr & seg_attr::kL);
}
// The instruction pointer a far transfer to 'cs' may load: canonical for
// 64-bit code, within the limit otherwise (#GP(0)).
uint64_t check_far_rip(Cpu& c, const Segment& cs, uint64_t rip);
// Loads CS (and CPL) after a far transfer and updates the mode.
void commit_cs(Cpu& c, const Segment& cs, uint64_t rip);
void commit_segment(Cpu& c, Seg seg, const Segment& cache);
// After a return to an outer privilege level: ES, DS, FS and GS that the new
// CPL may not use become null (SDM Vol. 2A, IRET / RET, "RETURN-TO-OUTER-
// PRIVILEGE-LEVEL").
void null_inaccessible_segments(Cpu& c);

// RFLAGS after popf or iret loads 'v' (only the bits in 'size_mask' for the
// narrower forms): which bits change depends on the CPL and IOPL (SDM Vol.
// 2A, IRET; Vol. 2B, POPF). RF is loaded by iret and cleared by popf.
uint64_t merge_rflags(const Cpu& c, uint64_t v, uint64_t size_mask, bool iret);

}  // namespace vmsim::cpu
