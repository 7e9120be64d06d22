// Architectural state of one x86-64 vCPU.
#pragma once
#include <cstdint>
#include <cstring>

namespace vmsim::cpu {

// General registers in encoding order. RIP and a constant zero follow them in
// the same array so that an effective address is computed without branches:
// an absent base or index names kZero, a RIP-relative base names kRip.
enum Reg : uint8_t {
  RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
  kRip = 16,
  kZero = 17,
  kNumRegSlots = 18,
};

// RFLAGS bits (SDM Vol. 1, 3.4.3).
namespace fl {
inline constexpr uint64_t CF = 1u << 0;
inline constexpr uint64_t Reserved1 = 1u << 1;  // always 1
inline constexpr uint64_t PF = 1u << 2;
inline constexpr uint64_t AF = 1u << 4;
inline constexpr uint64_t ZF = 1u << 6;
inline constexpr uint64_t SF = 1u << 7;
inline constexpr uint64_t TF = 1u << 8;
inline constexpr uint64_t IF = 1u << 9;
inline constexpr uint64_t DF = 1u << 10;
inline constexpr uint64_t OF = 1u << 11;
inline constexpr uint64_t IOPL = 3u << 12;
inline constexpr uint64_t NT = 1u << 14;
inline constexpr uint64_t RF = 1u << 16;
inline constexpr uint64_t VM = 1u << 17;
inline constexpr uint64_t AC = 1u << 18;
inline constexpr uint64_t VIF = 1u << 19;
inline constexpr uint64_t VIP = 1u << 20;
inline constexpr uint64_t ID = 1u << 21;
inline constexpr uint64_t kArith = CF | PF | AF | ZF | SF | OF;
}  // namespace fl

// Segment registers in encoding order; kSegNone is "no segment base" for
// effective addresses that must not be relocated.
enum Seg : uint8_t { ES, CS, SS, DS, FS, GS, kSegNone = 6, kNumSegSlots = 8 };

struct Segment {
  uint16_t selector = 0;
  uint64_t base = 0;
  uint32_t limit = 0xFFFFFFFF;
  uint16_t attr = 0;  // descriptor bits 40..55 (type, S, DPL, P, AVL, L, D/B, G)
};

struct alignas(16) Xmm {
  uint8_t b[16];
  template <class T> T get(int i) const {
    T v;
    std::memcpy(&v, b + i * sizeof(T), sizeof(T));
    return v;
  }
  template <class T> void set(int i, T v) { std::memcpy(b + i * sizeof(T), &v, sizeof(T)); }
  uint64_t lo() const { return get<uint64_t>(0); }
  uint64_t hi() const { return get<uint64_t>(1); }
};

enum class CpuMode : uint8_t { Prot32 = 0, Compat32 = 1, Long64 = 2 };

struct DescriptorTable {
  uint64_t base = 0;
  uint16_t limit = 0;
};

struct CpuState {
  uint64_t r[kNumRegSlots] = {};
  uint64_t rflags = fl::Reserved1;
  Xmm xmm[16] = {};
  uint32_t mxcsr = 0x1F80;   // SDM Vol. 1, 10.2.3.1: power-up value
  uint16_t fpu_cw = 0x037F;  // SDM Vol. 1, 8.1.5: FINIT value
  Segment seg[6] = {};
  // Effective base per segment slot for address computation: in 64-bit mode
  // ES, CS, SS and DS bases are treated as zero (SDM Vol. 1, 3.4.2.1).
  uint64_t seg_base[kNumSegSlots] = {};
  CpuMode mode = CpuMode::Long64;
  uint8_t cpl = 0;

  // System state (grown by the system-level CPU).
  uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0, efer = 0;
  DescriptorTable gdtr, idtr;

  uint64_t& rip() { return r[kRip]; }
  uint64_t rip() const { return r[kRip]; }
  void refresh_seg_bases() {
    for (int i = 0; i < 6; ++i)
      seg_base[i] = (mode == CpuMode::Long64 && i < FS) ? 0 : seg[i].base;
    seg_base[kSegNone] = 0;
    seg_base[7] = 0;
  }
};

}  // namespace vmsim::cpu
