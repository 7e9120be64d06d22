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

// A segment register: the selector and the descriptor cache loaded with it
// (SDM Vol. 3A, 3.4.3). TR and LDTR use the same record.
struct Segment {
  uint16_t selector = 0;
  uint64_t base = 0;
  uint32_t limit = 0xFFFFFFFF;  // in bytes (granularity applied)
  uint16_t attr = 0;  // descriptor bits 40..55 (type, S, DPL, P, AVL, L, D/B, G)
};

// Segment::attr bits: descriptor bits 40..47 in 7..0, bits 52..55 in 15..12.
namespace seg_attr {
inline constexpr uint16_t kType = 0x000F;
inline constexpr uint16_t kAccessed = 0x0001;   // code and data
inline constexpr uint16_t kWritable = 0x0002;   // data
inline constexpr uint16_t kReadable = 0x0002;   // code
inline constexpr uint16_t kConforming = 0x0004; // code
inline constexpr uint16_t kCode = 0x0008;       // with S: a code segment
inline constexpr uint16_t kS = 0x0010;          // code or data (not system)
inline constexpr unsigned kDplShift = 5;
inline constexpr uint16_t kDpl = 0x0060;
inline constexpr uint16_t kP = 0x0080;
inline constexpr uint16_t kL = 0x2000;          // 64-bit code
inline constexpr uint16_t kDB = 0x4000;         // default operation size 32 / big
inline constexpr uint16_t kG = 0x8000;
inline constexpr uint16_t kCode64 = 0xA09B;     // G, L, P, DPL 0, code, readable, accessed
inline constexpr uint16_t kData = 0xC093;       // G, B, P, DPL 0, data, writable, accessed
}  // namespace seg_attr

// Control-register and EFER bits the CPU itself interprets (SDM Vol. 3A, 2.5,
// 2.2.1).
namespace cr0_bit {
inline constexpr uint64_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4,
                          NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29,
                          CD = 1u << 30, PG = 1u << 31;
}
namespace cr4_bit {
inline constexpr uint64_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3,
                          PSE = 1u << 4, PAE = 1u << 5, MCE = 1u << 6, PGE = 1u << 7,
                          PCE = 1u << 8, OSFXSR = 1u << 9, OSXMMEXCPT = 1u << 10,
                          UMIP = 1u << 11, LA57 = 1u << 12, VMXE = 1u << 13, SMXE = 1u << 14,
                          FSGSBASE = 1u << 16, PCIDE = 1u << 17, OSXSAVE = 1u << 18,
                          SMEP = 1u << 20, SMAP = 1u << 21, PKE = 1u << 22;
}
namespace efer_bit {
inline constexpr uint64_t SCE = 1u << 0, LME = 1u << 8, LMA = 1u << 10, NXE = 1u << 11;
}

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
  // Flat ring-0 64-bit segments until something loads others.
  Segment seg[6] = {{0, 0, 0xFFFFFFFF, seg_attr::kData}, {0, 0, 0xFFFFFFFF, seg_attr::kCode64},
                    {0, 0, 0xFFFFFFFF, seg_attr::kData}, {0, 0, 0xFFFFFFFF, seg_attr::kData},
                    {0, 0, 0xFFFFFFFF, seg_attr::kData}, {0, 0, 0xFFFFFFFF, seg_attr::kData}};
  // Effective base per segment slot for address computation: in 64-bit mode
  // ES, CS, SS and DS bases are treated as zero (SDM Vol. 1, 3.4.2.1).
  uint64_t seg_base[kNumSegSlots] = {};
  CpuMode mode = CpuMode::Long64;
  uint8_t cpl = 0;

  // System state. Control registers and EFER change only through the Cpu's
  // set_cr0/set_cr3/set_cr4/set_efer (the TLBs depend on them).
  uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0, efer = 0;
  DescriptorTable gdtr, idtr;
  Segment ldtr{0, 0, 0, 0};  // null: no LDT
  Segment tr{0, 0, 0, 0};    // null until ltr
  // MSRs the CPU owns (SDM Vol. 4, table 2-2). FS_BASE and GS_BASE are
  // seg[FS].base and seg[GS].base; the TSC is the Cpu's clock plus
  // Cpu::tsc_offset.
  uint64_t star = 0, lstar = 0, cstar = 0, sfmask = 0, kernel_gs_base = 0, tsc_aux = 0;
  uint64_t pat = 0x0007040600070406ull;  // SDM Vol. 3A, 12.12.4: power-up value
  // HLT executed and no interrupt has woken the CPU yet.
  bool halted = false;

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
