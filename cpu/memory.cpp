// The CPU's memory slow path: the TLB model, the Mmu on a miss, the fast TLB
// that mirrors the model's L1, and coherence of decoded code with writes.
#include <algorithm>

#include "cpu/cpu.h"

namespace vmsim::cpu {

namespace {

bool canonical(uint64_t la) {
  return static_cast<uint64_t>((static_cast<int64_t>(la) << 16) >> 16) == la;
}

// Whether a cached entry lets this access proceed without a walk. A write
// through an entry whose D flag is clear needs the walk that sets D
// (SDM 4.8), so it does not count as permitted here. SMEP and SMAP are not
// advertised, so supervisor accesses to user pages are allowed.
bool permits(const TlbEntry& e, Access kind, bool user, bool wp) {
  if (user && !e.user) return false;
  if (kind == Access::Write) return e.dirty && (e.writable || (!user && !wp));
  if (kind == Access::Fetch) return !e.nx;
  return true;
}

// The code cache and SMC detection key frames by their host frame number,
// which is one-to-one with the guest-physical frame for RAM in every mode.
uint64_t frame_key(const uint8_t* host) { return reinterpret_cast<uintptr_t>(host) >> kPageShift; }

}  // namespace

void Cpu::flush_fast_tlb() {
  for (auto& t : fast_) {
    for (auto& e : t.read) e.tag = kInvalidTag;
    for (auto& e : t.write) e.tag = kInvalidTag;
    for (auto& e : t.fetch) e.tag = kInvalidTag;
  }
  events_ |= kEventRefetch;
}

void Cpu::tlb_flushed() { flush_fast_tlb(); }

void Cpu::tlb_evicted(TlbSide side, const TlbEntry& e) {
  const uint64_t bytes = page_bytes(e.size);
  auto covered = [&](uint64_t tag) { return tag != kInvalidTag && tag - e.vbase < bytes; };
  if (side == TlbSide::Instr) {
    for (auto& t : fast_)
      for (auto& f : t.fetch)
        if (covered(f.tag)) f.tag = kInvalidTag;
    events_ |= kEventRefetch;
    return;
  }
  if (e.size == PageSize::k4K) {
    const unsigned i = (e.vbase >> kPageShift) & kFastMask;
    for (auto& t : fast_) {
      if (t.read[i].tag == e.vbase) t.read[i].tag = kInvalidTag;
      if (t.write[i].tag == e.vbase) t.write[i].tag = kInvalidTag;
    }
    return;
  }
  for (auto& t : fast_)
    for (unsigned i = 0; i <= kFastMask; ++i) {
      if (covered(t.read[i].tag)) t.read[i].tag = kInvalidTag;
      if (covered(t.write[i].tag)) t.write[i].tag = kInvalidTag;
    }
}

uint8_t* Cpu::translate(uint64_t la, Access kind, WriteSpan* span) {
  if (s.mode == CpuMode::Long64) {
    if (!canonical(la)) raise(kGP, 0);
  } else {
    la = static_cast<uint32_t>(la);  // linear addresses wrap at 4 GiB outside long mode
  }
  const PagingState ps = paging_state();
  const bool user = s.cpl == 3;
  const TlbSide side = kind == Access::Fetch ? TlbSide::Instr : TlbSide::Data;
  const uint16_t vpid = mmu_.vpid();
  const uint16_t pcid = ps.pcid();
  const uint64_t clock = side == TlbSide::Data ? stats_.data_lookups : stats_.fetch_lookups;

  TlbEntry* e = tlb_.lookup(side, la, vpid, pcid, clock);
  uint8_t* frame;
  bool watch = false;
  if (e && permits(*e, kind, user, ps.wp())) {
    frame = mmu_.host_of(e->pbase + ((la - e->vbase) & ~kPageMask));
  } else {
    Translation t;
    PageFault pf;
    if (!mmu_.translate(ps, AccessRequest{Gva(la), kind, user}, t, pf)) {
      tlb_.drop_address(vpid, la);  // a page fault invalidates the address (SDM 4.10.4.1)
      raise_pf(pf.address.value, pf.error_code);
    }
    TlbEntry fresh;
    fresh.vbase = t.page_va.value;
    fresh.pbase = t.pbase;
    fresh.vpid = vpid;
    fresh.pcid = pcid;
    fresh.size = t.size;
    fresh.writable = t.writable;
    fresh.user = t.user;
    fresh.nx = t.nx;
    fresh.global = t.global;
    fresh.dirty = t.dirty;
    e = tlb_.fill(side, fresh, la, clock);
    frame = t.host;
    watch = t.watch_writes;
  }
  if (span) {
    span->pa = e ? e->pbase + (la - e->vbase) : la;
    span->watch = watch;
  }
  if (!frame || !e) return frame ? frame + (la & kPageMask) : nullptr;

  const uint64_t page = la & ~kPageMask;
  const uintptr_t addend = reinterpret_cast<uintptr_t>(frame) - page;
  FastTlb& f = fast();
  const unsigned i = (la >> kPageShift) & kFastMask;
  if (kind == Access::Write) {
    const uint64_t key = frame_key(frame);
    if (code_.has_code(key)) on_code_write(key);
    if (!watch && permits(*e, Access::Write, user, ps.wp())) f.write[i] = FastEntry{page, addend, &e->stamp};
  }
  if (kind != Access::Fetch && permits(*e, Access::Read, user, ps.wp()))
    f.read[i] = FastEntry{page, addend, &e->stamp};
  if (kind == Access::Fetch) fetch_stamp_ = &e->stamp;
  return frame + (la & kPageMask);
}

void Cpu::on_code_write(uint64_t key) {
  code_.invalidate(key);
  for (auto& t : fast_)
    for (auto& e : t.fetch)
      if (e.tag != kInvalidTag && e.page->frame == key) e.tag = kInvalidTag;
  events_ |= kEventRefetch;
}

void Cpu::notify_phys_write(Gpa gpa) {
  if (uint8_t* host = ram_.host_ptr(gpa)) {
    const uint64_t key = frame_key(host - gpa.offset());
    if (code_.has_code(key)) on_code_write(key);
  }
}

void Cpu::copy_from_guest(uint64_t la, void* out, size_t n) {
  auto* dst = static_cast<uint8_t*>(out);
  while (n) {
    const size_t chunk = std::min<uint64_t>(n, kPageSize - (la & kPageMask));
    WriteSpan where;
    const uint8_t* src = translate(la, Access::Read, &where);
    if (src) std::memcpy(dst, src, chunk);
    else mmio_copy_in(la, where.pa, dst, chunk);
    dst += chunk;
    la += chunk;
    n -= chunk;
  }
}

// Device memory in pieces of at most 8 bytes, each naturally sized.
void Cpu::mmio_copy_in(uint64_t la, uint64_t pa, uint8_t* dst, size_t n) {
  while (n) {
    const unsigned size = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
    const uint64_t v = platform_.mmio_read(la, pa, size);
    std::memcpy(dst, &v, size);
    la += size;
    pa += size;
    dst += size;
    n -= size;
  }
}

void Cpu::mmio_copy_out(uint64_t la, uint64_t pa, const uint8_t* src, size_t n) {
  while (n) {
    const unsigned size = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
    uint64_t v = 0;
    std::memcpy(&v, src, size);
    platform_.mmio_write(la, pa, size, v);
    la += size;
    pa += size;
    src += size;
    n -= size;
  }
}

unsigned Cpu::write_spans(uint64_t la, size_t n, WriteSpan out[2]) {
  unsigned count = 0;
  while (n) {
    const size_t chunk = std::min<uint64_t>(n, kPageSize - (la & kPageMask));
    WriteSpan& sp = out[count++];
    sp.host = translate(la, Access::Write, &sp);
    sp.la = la;
    sp.len = static_cast<uint32_t>(chunk);
    la += chunk;
    n -= chunk;
  }
  return count;
}

void Cpu::write_to_spans(const WriteSpan* spans, unsigned count, const void* in) {
  const auto* src = static_cast<const uint8_t*>(in);
  for (unsigned i = 0; i < count; ++i) {
    if (spans[i].host) std::memcpy(spans[i].host, src, spans[i].len);
    else mmio_copy_out(spans[i].la, spans[i].pa, src, spans[i].len);
    src += spans[i].len;
  }
  for (unsigned i = 0; i < count; ++i)
    if (spans[i].watch) mmu_.on_watched_write(spans[i].pa, spans[i].len);
}

void Cpu::read_from_spans(const WriteSpan* spans, unsigned count, void* out) {
  auto* dst = static_cast<uint8_t*>(out);
  for (unsigned i = 0; i < count; ++i) {
    if (spans[i].host) std::memcpy(dst, spans[i].host, spans[i].len);
    else mmio_copy_in(spans[i].la, spans[i].pa, dst, spans[i].len);
    dst += spans[i].len;
  }
}

void Cpu::probe_write(uint64_t la, uint64_t len) {
  // Every page the access touches must be writable before any byte changes.
  // A fault on a later page reports that page's first byte in CR2, as a
  // load that crosses the boundary does.
  translate(la, Access::Write);
  for (uint64_t page = (la & ~kPageMask) + kPageSize; page < la + len; page += kPageSize)
    translate(page, Access::Write);
}

CodePage* Cpu::fetch_page(uint64_t rip) {
  ++stats_.fetch_lookups;
  FetchEntry& e = fast().fetch[(rip >> kPageShift) & kFastMask];
  const uint64_t page = rip & ~kPageMask;
  if (e.tag == page) {
    *e.stamp = stats_.fetch_lookups;
    return e.page;
  }
  uint8_t* at = translate(rip, Access::Fetch);
  if (!at) raise(kUD);  // executing where there is no memory: the bus's all-ones bytes do not decode
  uint8_t* host = at - (rip & kPageMask);
  bool created = false;
  CodePage* cp = code_.get(frame_key(host), s.mode, host, created);
  if (created) {
    // Decoded code and fast write entries never coexist for a frame.
    for (auto& ft : fast_)
      for (auto& w : ft.write)
        if (w.tag != kInvalidTag && w.tag + w.addend == reinterpret_cast<uintptr_t>(host))
          w.tag = kInvalidTag;
  }
  e = FetchEntry{page, cp, fetch_stamp_};
  return cp;
}

}  // namespace vmsim::cpu
