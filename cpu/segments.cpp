// Segment descriptors, the checks of segment loads and far transfers, and
// the CPU's implicit supervisor-mode accesses (SDM Vol. 3A, chapters 3 and 5;
// Vol. 2A/2B: MOV, POP, JMP, CALL, RET, IRET). See cpu/system.h for what the
// segmentation model leaves out.
#include <algorithm>
#include <cstdio>

#include "cpu/system.h"

namespace vmsim::cpu {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// --- Implicit supervisor-mode accesses --------------------------------------
// The access is made at 'cpl' by setting s.cpl for its duration: translate()
// and the fast TLB read the privilege from there. The CPL proper is never
// changed this way (set_cpl does that); the old value is back before anything
// else can observe it.
namespace {
struct AccessAs {
  CpuState& s;
  uint8_t saved;
  AccessAs(CpuState& st, uint8_t cpl) : s(st), saved(st.cpl) { s.cpl = cpl; }
  ~AccessAs() { s.cpl = saved; }
  AccessAs(const AccessAs&) = delete;
  AccessAs& operator=(const AccessAs&) = delete;
};
}  // namespace

void Cpu::read_sys(uint64_t la, void* out, size_t n, uint8_t cpl) {
  AccessAs as(s, cpl);
  copy_from_guest(la, out, n);
}

void Cpu::write_sys(uint64_t la, const void* in, size_t n, uint8_t cpl) {
  AccessAs as(s, cpl);
  // Translate every page first (faults before any byte changes), then write.
  const auto* src = static_cast<const uint8_t*>(in);
  probe_write(la, n);
  while (n) {
    const size_t chunk = std::min<size_t>(n, kPageSize);
    WriteSpan spans[2];
    const unsigned count = write_spans(la, chunk, spans);
    write_to_spans(spans, count, src);
    la += chunk;
    src += chunk;
    n -= chunk;
  }
}

void Cpu::probe_sys(uint64_t la, size_t n, uint8_t cpl) {
  AccessAs as(s, cpl);
  probe_write(la, n);
}

// --- Descriptors -------------------------------------------------------------

Descriptor read_descriptor(Cpu& c, uint16_t sel, uint32_t ext) {
  const bool ldt = sel & 4;
  uint64_t base = c.s.gdtr.base;
  uint32_t limit = c.s.gdtr.limit;
  if (ldt) {
    if (sel_null(c.s.ldtr.selector)) {
      c.note("selector " + hex(sel) + " names the LDT, and no LDT is loaded");
      raise(kGP, sel_index(sel) | ext);
    }
    base = c.s.ldtr.base;
    limit = c.s.ldtr.limit;
  }
  const uint32_t off = sel & 0xFFF8;
  if (off + 7u > limit) {
    c.note("selector " + hex(sel) + " is beyond the " + (ldt ? "LDT" : "GDT") + " limit " + hex(limit));
    raise(kGP, sel_index(sel) | ext);
  }
  Descriptor d;
  d.addr = base + off;
  c.read_sys(d.addr, &d.raw, 8);
  return d;
}

uint64_t read_system_base_hi(Cpu& c, const Descriptor& d, uint16_t sel) {
  if (!ia32e(c)) return 0;
  if ((sel & 0xFFF8) + 15u > c.s.gdtr.limit) {
    c.note("the 16-byte system descriptor " + hex(sel) + " crosses the GDT limit");
    raise(kGP, sel_index(sel));
  }
  uint64_t hi;
  c.read_sys(d.addr + 8, &hi, 8);
  if ((hi >> 40) & 0x1F) {
    c.note("the upper half of system descriptor " + hex(sel) + " has a nonzero type");
    raise(kGP, sel_index(sel));
  }
  return hi & 0xFFFFFFFF;
}

void set_accessed(Cpu& c, Descriptor& d) {
  if (d.raw & (1ull << 40)) return;
  d.raw |= 1ull << 40;
  const uint8_t b = static_cast<uint8_t>(d.raw >> 40);
  c.write_sys(d.addr + 5, &b, 1);
}

Segment to_segment(uint16_t sel, const Descriptor& d) {
  return Segment{sel, d.base(), d.limit(), d.attr()};
}

namespace {

[[noreturn]] void fail(Cpu& c, uint8_t vector, uint32_t error, std::string why) {
  c.note(std::move(why));
  raise(vector, error);
}

// A null selector in a data-segment register: the register is unusable.
// Intel processors clear the base as well (Linux's X86_BUG_NULL_SEG names the
// AMD processors that keep it).
Segment null_segment(uint16_t sel) { return Segment{sel, 0, 0, 0}; }

// The code segments vmsim can run: 64-bit code in IA-32e mode, 32-bit code
// otherwise (no 16-bit code segments). L and D both set is reserved.
void check_code_kind(Cpu& c, const Descriptor& d, uint16_t sel, uint32_t ext) {
  if (ia32e(c) && d.l()) {
    if (d.db()) fail(c, kGP, sel_index(sel) | ext, "code segment " + hex(sel) + " has both L and D set");
    return;
  }
  if (!d.db())
    fail(c, kGP, sel_index(sel) | ext, "code segment " + hex(sel) + " is a 16-bit segment (not supported)");
}

}  // namespace

Segment check_data_segment(Cpu& c, uint16_t sel) {
  if (sel_null(sel)) return null_segment(sel);
  Descriptor d = read_descriptor(c, sel);
  const uint32_t err = sel_index(sel);
  // SDM Vol. 2A, MOV: a data segment or a readable code segment.
  if (!d.s() || (d.code() && !(d.type() & 2)))
    fail(c, kGP, err, "selector " + hex(sel) + " is not a data or readable code segment");
  if (!d.conforming() && (sel_rpl(sel) > d.dpl() || c.s.cpl > d.dpl()))
    fail(c, kGP, err, "segment " + hex(sel) + " has DPL " + std::to_string(d.dpl()) + " below RPL or CPL");
  if (!d.present()) fail(c, kNP, err, "segment " + hex(sel) + " is not present");
  set_accessed(c, d);
  return to_segment(sel, d);
}

Segment check_stack_segment(Cpu& c, uint16_t sel) {
  if (sel_null(sel)) {
    // SDM Vol. 2A, MOV: in 64-bit mode SS may be null below CPL 3 when its
    // RPL is the CPL.
    if (c.s.mode == CpuMode::Long64 && c.s.cpl != 3 && sel_rpl(sel) == c.s.cpl)
      return Segment{sel, 0, 0, static_cast<uint16_t>(c.s.cpl << seg_attr::kDplShift)};
    fail(c, kGP, 0, "null stack segment selector");
  }
  Descriptor d = read_descriptor(c, sel);
  const uint32_t err = sel_index(sel);
  if (sel_rpl(sel) != c.s.cpl || !d.data() || !(d.type() & 2) || d.dpl() != c.s.cpl)
    fail(c, kGP, err, "selector " + hex(sel) + " is not a writable data segment at the CPL");
  if (!d.present()) fail(c, kSS, err, "stack segment " + hex(sel) + " is not present");
  set_accessed(c, d);
  return to_segment(sel, d);
}

Segment check_far_target(Cpu& c, uint16_t sel) {
  if (sel_null(sel)) fail(c, kGP, 0, "far transfer to the null selector");
  Descriptor d = read_descriptor(c, sel);
  const uint32_t err = sel_index(sel);
  if (!d.s()) fail(c, kGP, err, "far transfer through a gate or TSS " + hex(sel) + " (not supported)");
  if (!d.code()) fail(c, kGP, err, "far transfer to " + hex(sel) + ", which is not a code segment");
  // SDM Vol. 2A, JMP: conforming: DPL <= CPL; non-conforming: RPL <= CPL
  // and DPL = CPL.
  if (d.conforming() ? d.dpl() > c.s.cpl : (sel_rpl(sel) > c.s.cpl || d.dpl() != c.s.cpl))
    fail(c, kGP, err, "far transfer to code segment " + hex(sel) + " at another privilege level");
  if (!d.present()) fail(c, kNP, err, "code segment " + hex(sel) + " is not present");
  check_code_kind(c, d, sel, 0);
  set_accessed(c, d);
  return to_segment(static_cast<uint16_t>((sel & ~3u) | c.s.cpl), d);
}

Segment check_return_code(Cpu& c, uint16_t sel) {
  if (sel_null(sel)) fail(c, kGP, 0, "return to the null selector");
  Descriptor d = read_descriptor(c, sel);
  const uint32_t err = sel_index(sel);
  if (!d.code()) fail(c, kGP, err, "return to " + hex(sel) + ", which is not a code segment");
  // SDM Vol. 2A, RET and IRET: RPL >= CPL; conforming: DPL <= RPL;
  // non-conforming: DPL = RPL.
  if (sel_rpl(sel) < c.s.cpl) fail(c, kGP, err, "return to the more privileged " + hex(sel));
  if (d.conforming() ? d.dpl() > sel_rpl(sel) : d.dpl() != sel_rpl(sel))
    fail(c, kGP, err, "return to code segment " + hex(sel) + " whose DPL does not match its RPL");
  if (!d.present()) fail(c, kNP, err, "code segment " + hex(sel) + " is not present");
  check_code_kind(c, d, sel, 0);
  set_accessed(c, d);
  return to_segment(sel, d);
}

Segment check_return_stack(Cpu& c, uint16_t sel, unsigned new_cpl, bool to_64bit, uint8_t not_present) {
  if (sel_null(sel)) {
    // SDM Vol. 2A, IRET: a null SS is allowed on a return to 64-bit code
    // below CPL 3.
    if (to_64bit && new_cpl != 3) return Segment{sel, 0, 0, static_cast<uint16_t>(new_cpl << seg_attr::kDplShift)};
    fail(c, kGP, 0, "return with a null stack segment selector");
  }
  Descriptor d = read_descriptor(c, sel);
  const uint32_t err = sel_index(sel);
  if (sel_rpl(sel) != new_cpl || !d.data() || !(d.type() & 2) || d.dpl() != new_cpl)
    fail(c, kGP, err, "return stack segment " + hex(sel) + " is not a writable data segment at the new CPL");
  if (!d.present()) fail(c, not_present, err, "stack segment " + hex(sel) + " is not present");
  set_accessed(c, d);
  return to_segment(sel, d);
}

Segment check_handler_code(Cpu& c, uint16_t sel, uint32_t ext) {
  if (sel_null(sel)) fail(c, kGP, ext, "the gate's code segment selector is null");
  Descriptor d = read_descriptor(c, sel, ext);
  const uint32_t err = sel_index(sel) | ext;
  if (!d.code() || d.dpl() > c.s.cpl)
    fail(c, kGP, err, "the gate's selector " + hex(sel) + " is not a code segment with DPL <= CPL");
  if (!d.present()) fail(c, kNP, err, "the handler's code segment " + hex(sel) + " is not present");
  if (ia32e(c) && (!d.l() || d.db()))
    fail(c, kGP, err, "the handler's code segment " + hex(sel) + " is not a 64-bit code segment");
  check_code_kind(c, d, sel, ext);
  set_accessed(c, d);
  return to_segment(sel, d);
}

uint64_t check_far_rip(Cpu& c, const Segment& cs, uint64_t rip) {
  if (is_64bit_code(c, cs)) {
    if (!is_canonical(rip)) fail(c, kGP, 0, "far transfer to the non-canonical " + hex(rip));
    return rip;
  }
  rip = static_cast<uint32_t>(rip);
  if (rip > cs.limit) fail(c, kGP, 0, "far transfer beyond the code segment limit");
  return rip;
}

void commit_cs(Cpu& c, const Segment& cs, uint64_t rip) {
  c.s.seg[CS] = cs;
  c.s.rip() = rip;
  const uint8_t cpl = sel_rpl(cs.selector);
  if (cpl != c.s.cpl) c.set_cpl(cpl);
  c.mode_changed();
}

void commit_segment(Cpu& c, Seg seg, const Segment& cache) {
  c.s.seg[seg] = cache;
  c.s.refresh_seg_bases();
}

void null_inaccessible_segments(Cpu& c) {
  for (Seg r : {ES, DS, FS, GS}) {
    Segment& g = c.s.seg[r];
    if (sel_null(g.selector)) continue;
    const bool data_or_nc = !(g.attr & seg_attr::kCode) || !(g.attr & seg_attr::kConforming);
    const unsigned dpl = (g.attr & seg_attr::kDpl) >> seg_attr::kDplShift;
    if (data_or_nc && dpl < c.s.cpl) {
      g.selector = 0;  // the hidden part stays (SDM Vol. 2A, IRET)
      g.attr = 0;
    }
  }
  c.s.refresh_seg_bases();
}

uint64_t merge_rflags(const Cpu& c, uint64_t v, uint64_t size_mask, bool iret) {
  // Always: CF PF AF ZF SF TF DF OF NT AC ID (and RF for iret). IF when
  // CPL <= IOPL; IOPL at CPL 0; VIF and VIP by iret at CPL 0. VM is never
  // set: virtual-8086 mode does not exist in IA-32e mode and is not modelled
  // in legacy mode.
  uint64_t mask = fl::CF | fl::PF | fl::AF | fl::ZF | fl::SF | fl::TF | fl::DF | fl::OF | fl::NT |
                  fl::AC | fl::ID;
  const unsigned iopl = (c.s.rflags & fl::IOPL) >> 12;
  if (c.s.cpl <= iopl) mask |= fl::IF;
  if (c.s.cpl == 0) mask |= fl::IOPL | (iret ? fl::VIF | fl::VIP : 0);
  if (iret) mask |= fl::RF;
  mask &= size_mask;
  uint64_t f = (c.s.rflags & ~mask) | (v & mask);
  if (!iret && (size_mask & fl::RF)) f &= ~fl::RF;  // the 32- and 64-bit popf clear RF
  return f | fl::Reserved1;
}

}  // namespace vmsim::cpu
