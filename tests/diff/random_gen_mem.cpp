// The random stream generator: memory operands that land where the
// generator wants them (or, for a deliberate fault, where it must fault).
#include "tests/diff/random_gen_internal.h"

#include <algorithm>

namespace vmsim::difftest::rgen {

// --- Memory ---------------------------------------------------------------------------

bool Gen::stack_room(int64_t down, int64_t up) const {
  return rsp >= kStackBase + static_cast<uint64_t>(down) + 0x800 && rsp + static_cast<uint64_t>(up) <= ceiling;
}

bool Gen::access_ok(uint64_t lin, uint64_t len, bool write) const {
  if (lin + len < lin) return false;
  const uint64_t end = lin + len;
  if (lin >= kDataBase && end <= kDataBase + kDataSize) return true;
  // Live stack data (return addresses, saved frame pointers) is at or above RSP.
  if (lin >= kStackBase && end <= kStackBase + kStackSize) return !write || end <= rsp;
  if (lin >= kCodeBase && end <= kCodeBase + kCodeSize) return !write;
  return false;
}

uint64_t Gen::data_address(uint64_t len, int align) {
  uint64_t a = kDataBase + below(kDataSize - len - 16);
  if (chance(0.15)) {  // straddle a page boundary
    const uint64_t page = (kDataBase + 0x1000 * (1 + below(kDataSize / 0x1000 - 2)));
    a = page - below(len ? len : 1);
  }
  if (align > 1) a &= ~static_cast<uint64_t>(align - 1);
  return a;
}

namespace {

enum Shape { kBase, kBaseD8, kBaseD32, kBaseIdx, kBaseIdxD8, kBaseIdxD32, kIdx, kRip, kAbs, kNumShapes };
constexpr int kShapeWeight[kNumShapes] = {12, 18, 14, 10, 12, 10, 8, 10, 6};
bool has_base(Shape s) { return s <= kBaseIdxD32; }
bool has_index(Shape s) { return s >= kBaseIdx && s <= kIdx; }

}  // namespace

bool Gen::mem(const MemSpec& s, MemOp& out) {
  const int enc = s.enc_size ? s.enc_size : s.size;
  if (!s.access) {
    // lea, nop: no access, any registers and displacement.
    MemOp m;
    m.size = static_cast<uint16_t>(enc);
    m.a32 = !s.no_a32 && chance(0.15);
    const int asz = m.a32 ? 4 : 8;
    const int shape = static_cast<int>(below(5));
    if (shape == 4 && !s.no_rip) {
      m.rip = true;
      m.rip_ea = u64();  // any: lea computes it, nop ignores it
    } else {
      if (shape != 3) m.base = gpr(static_cast<int>(below(kNumGpr)), asz);
      if (shape >= 2 && !s.no_index) {
        int ix = static_cast<int>(below(kNumGpr));
        if (ix == RSP) ix = RBP;
        m.index = gpr(ix, asz);
        m.scale = static_cast<uint8_t>(1 << below(4));
      }
      if (m.base == ZYDIS_REGISTER_NONE && m.index == ZYDIS_REGISTER_NONE) m.base = gpr(RBX, asz);
      switch (below(4)) {
        case 0: m.disp = 0; break;
        case 1: m.disp = between(-128, 127); break;
        case 2: m.disp = static_cast<int32_t>(interesting()); break;
        default: m.disp = static_cast<int32_t>(u64()); break;
      }
    }
    if (!s.no_seg && chance(0.08)) m.seg = chance(0.5) ? ZYDIS_ATTRIB_HAS_SEGMENT_FS : ZYDIS_ATTRIB_HAS_SEGMENT_GS;
    out = m;
    return true;
  }

  const bool fault = s.fault != kNoFault;
  for (int attempt = 0; attempt < 24; ++attempt) {
    // Shape, address size, segment.
    int total = 0;
    for (int k = 0; k < kNumShapes; ++k) total += kShapeWeight[k];
    Shape sh = kBase;
    for (int w = static_cast<int>(below(total)); sh < kNumShapes; sh = static_cast<Shape>(sh + 1)) {
      if (w < kShapeWeight[sh]) break;
      w -= kShapeWeight[sh];
    }
    if (s.no_index && has_index(sh)) continue;
    if (s.no_rip && sh == kRip) continue;
    if (s.fault == kFaultNonCanonical && !has_base(sh)) continue;
    MemOp m;
    m.size = static_cast<uint16_t>(enc);
    m.a32 = !s.no_a32 && s.fault != kFaultNonCanonical && chance(0.12);
    const uint64_t amask = m.a32 ? 0xFFFFFFFFull : ~0ull;
    const int asz = m.a32 ? 4 : 8;
    uint64_t segbase = 0;
    if (!s.no_seg && s.fault != kFaultNonCanonical && chance(0.12)) {
      const bool fs = chance(0.5);
      m.seg = fs ? ZYDIS_ATTRIB_HAS_SEGMENT_FS : ZYDIS_ATTRIB_HAS_SEGMENT_GS;
      segbase = fs ? fs_base : gs_base;
    }
    uint32_t avoid = s.avoid;
    if (s.fault == kFaultNonCanonical) avoid |= (1u << RSP) | (1u << RBP);  // those would be #SS

    // Index: a register with a known small value, or one set up now.
    int ix = -1, ifix = 0;
    uint64_t ilo = 0, ihi = 0;
    const int scale = has_index(sh) ? 1 << below(4) : 0;
    if (has_index(sh)) {
      if (chance(0.5)) {
        int cands[kNumGpr], n = 0;
        for (int r = 0; r < kNumGpr; ++r) {
          if (r == RSP || (avoid & (1u << r)) || !know[r].known) continue;
          if ((know[r].hi - know[r].lo) * scale > 0x1000) continue;
          if (fault && !know[r].exact()) continue;
          if (m.a32 && !know[r].exact() && know[r].hi > 0xFFFFFFFF) continue;
          cands[n++] = r;
        }
        if (n) {
          ix = cands[below(n)];
          ilo = know[ix].lo;
          ihi = know[ix].hi;
        }
      }
      if (ix < 0) {
        ix = pick_reg(kWrite | kFixup, avoid | (1u << RSP));
        if (ix < 0) continue;
        ifix = fault ? 1 + static_cast<int>(below(2)) : 1 + static_cast<int>(below(4));
        switch (ifix) {
          case 1: ilo = ihi = below(0x400); break;
          case 2: ilo = ihi = static_cast<uint64_t>(-static_cast<int64_t>(1 + below(0x100))); break;
          case 3: ilo = 0, ihi = 0xFF; break;  // and/movzx: set_range decides, at most 0xFF
          default: ilo = 0, ihi = 0xFF; break;
        }
      }
      if (m.a32) ilo &= amask, ihi &= amask;
      if (ihi < ilo) continue;
    }
    const uint64_t width = (ihi - ilo) * scale;
    const uint64_t ixlo = ilo * scale;
    if (s.align > 1 && width) continue;

    // Where the access goes (linear address of its first byte at the lowest index).
    const uint64_t len = width + s.size + s.span_hi - s.span_lo;
    uint64_t lin;
    switch (s.fault) {
      case kFaultUnmapped: {
        static const uint64_t kHoles[] = {kDataBase + kDataSize, kStackBase + kStackSize, 0x400000,
                                          0x1000, kCodeBase + kCodeSize, kDataBase - 0x100};
        lin = pick(kHoles) + below(0x100);
        if (chance(0.4) && s.size > 1) lin = kDataBase + kDataSize - 1 - below(s.size - 1);  // straddle
        lin -= s.span_lo;
        break;
      }
      case kFaultNonCanonical: {
        static const uint64_t kBad[] = {0x0000800000000000ull, 0xFFFF7FFFFFFF0000ull, 0x8000000000000000ull,
                                        0x1234567812345678ull};
        lin = pick(kBad) + below(0x1000);
        break;
      }
      case kFaultMisaligned:
        lin = data_address(s.size, 16) + 1 + below(15);
        break;
      default: {
        // Data region mostly; the stack and (read-only) the code sometimes.
        const int region = static_cast<int>(below(100));
        if (region >= 95 && !s.write) {
          lin = kCodeBase + below(0x2000);
        } else if (region >= 82 && rsp - kStackBase > len + 0x100) {
          const uint64_t top = s.write ? rsp : kStackBase + kStackSize;
          lin = kStackBase + 0x80 + below(top - kStackBase - 0x80 - len);
        } else {
          lin = data_address(len, s.align);
        }
        if (s.align > 1) lin &= ~static_cast<uint64_t>(s.align - 1);
        lin -= s.span_lo;
        break;
      }
    }
    if (!fault && !access_ok(lin + s.span_lo, len, s.write)) continue;
    const uint64_t ea = lin - segbase;  // effective address at the lowest index
    // With 67h the whole access, bit-offset span included, must not wrap at
    // 4 GiB: both engines truncate the span's address too.
    auto fits32 = [&](uint64_t e) {
      return e <= 0xFFFFFFFF && static_cast<int64_t>(e) + s.span_lo >= 0 &&
             e + width + s.size + s.span_hi <= 0x100000000ull;
    };
    if (m.a32 && !fits32(ea)) continue;

    // Base and displacement.
    int b = -1;
    bool bnew = false;
    uint64_t bval = 0;
    int64_t disp = 0;
    if (sh == kAbs) {
      if (!m.a32 && !fits_i32(static_cast<int64_t>(ea))) continue;
      disp = m.a32 ? static_cast<int32_t>(ea) : static_cast<int64_t>(ea);
    } else if (sh == kIdx) {
      const uint64_t d = (ea - ixlo) & amask;
      if (!m.a32 && !fits_i32(static_cast<int64_t>(d))) continue;
      disp = m.a32 ? static_cast<int32_t>(d) : static_cast<int64_t>(d);
    } else if (sh == kRip) {
      if (m.a32 ? ea > 0xFFFFFFFF : !fits_i32(static_cast<int64_t>(ea - here()) / 2)) continue;
      m.rip = true;
      m.rip_ea = ea;
    } else {
      const bool d8 = sh == kBaseD8 || sh == kBaseIdxD8;
      const bool d32 = sh == kBaseD32 || sh == kBaseIdxD32;
      // A register that already holds a usable address?
      if (!fault && chance(0.6)) {
        int cands[kNumGpr], n = 0;
        for (int r = 0; r < kNumGpr; ++r) {
          if (!know[r].exact() || r == ix || (avoid & (1u << r)) || (s.no_rsp && r == RSP)) continue;
          cands[n++] = r;
        }
        for (int k = n - 1; k > 0; --k) std::swap(cands[k], cands[below(k + 1)]);
        for (int k = 0; k < n && b < 0; ++k) {
          const uint64_t v = (know[cands[k]].lo + (cands[k] == RSP ? s.rsp_adjust : 0)) & amask;
          const uint64_t need = (ea - v - ixlo) & amask;  // displacement for the chosen target
          const int64_t sneed = m.a32 ? static_cast<int32_t>(need) : static_cast<int64_t>(need);
          int64_t dd;
          if (!d8 && !d32) {
            dd = 0;
          } else if (d8) {
            dd = fits_i8(sneed) ? sneed : between(-128, 127);
          } else {
            if (!m.a32 && !fits_i32(sneed)) continue;
            dd = sneed;
          }
          const uint64_t e = (v + ixlo + static_cast<uint64_t>(dd)) & amask;
          if (m.a32 && !fits32(e)) continue;
          const uint64_t l = segbase + e;
          if (!access_ok(l + s.span_lo, len, s.write)) continue;
          if (s.align > 1 && (l & (s.align - 1))) continue;
          b = cands[k];
          disp = dd;
          lin = l;
        }
      }
      if (b < 0) {
        b = pick_reg(kWrite | kFixup, avoid | (1u << RSP) | (ix >= 0 ? 1u << ix : 0u));
        if (b < 0) continue;
        bnew = true;
        if (d8) disp = between(-128, 127);
        else if (d32) disp = chance(0.2) ? static_cast<int32_t>(u64()) : between(-0x2000, 0x2000);
        bval = (ea - ixlo - static_cast<uint64_t>(disp)) & amask;
        if (m.a32 && chance(0.4)) bval |= u64() << 32;  // 67h ignores the upper half
      }
    }

    // Commit: set up the registers, then describe the operand.
    if (ifix) {
      bool ok;
      if (ifix <= 2) {
        ok = set_exact(ix, ilo | (m.a32 && ifix == 2 ? u64() << 32 : 0));
        if (ok && m.a32) know[ix] = Know::of(know[ix].lo);
      } else {
        ok = set_range(ix);
        // set_range may pick a smaller mask than planned: the range shrinks.
      }
      if (!ok) return false;
    }
    if (bnew && !set_exact(b, bval, true)) return false;
    if (ix >= 0) {
      use(ix);
      lock(ix);
      m.index = gpr(ix, asz);
      m.scale = static_cast<uint8_t>(scale);
    }
    if (b >= 0) {
      use(b);
      lock(b);
      m.base = gpr(b, asz);
    }
    m.disp = disp;
    m.linear = lin;
    out = m;
    return true;
  }
  return false;
}

}  // namespace vmsim::difftest::rgen
