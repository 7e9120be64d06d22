// Random stream templates: the SSE2 subset, ldmxcsr/fldcw; the table of
// every template with its weight; the deliberate faults that end a stream.
#include "tests/diff/random_families.h"

namespace vmsim::difftest::rgen {

namespace {

// --- SSE -------------------------------------------------------------------------------------------------

enum SseOperand : uint8_t { X, XM128A, XM128, M128A, M128, XM64, M64, M32, R32, R64, RM32, RM64, I8 };

struct SseForm {
  ZydisMnemonic m;
  SseOperand ops[3];
  int n;
};

const SseForm kSseForms[] = {
    {ZYDIS_MNEMONIC_MOVDQU, {X, XM128}, 2},     {ZYDIS_MNEMONIC_MOVDQU, {M128, X}, 2},
    {ZYDIS_MNEMONIC_MOVUPS, {X, XM128}, 2},     {ZYDIS_MNEMONIC_MOVUPS, {M128, X}, 2},
    {ZYDIS_MNEMONIC_MOVDQA, {X, XM128A}, 2},    {ZYDIS_MNEMONIC_MOVDQA, {M128A, X}, 2},
    {ZYDIS_MNEMONIC_MOVAPS, {X, XM128A}, 2},    {ZYDIS_MNEMONIC_MOVAPS, {M128A, X}, 2},
    {ZYDIS_MNEMONIC_MOVAPD, {X, XM128A}, 2},    {ZYDIS_MNEMONIC_MOVAPD, {M128A, X}, 2},
    {ZYDIS_MNEMONIC_MOVQ, {X, XM64}, 2},        {ZYDIS_MNEMONIC_MOVQ, {M64, X}, 2},
    {ZYDIS_MNEMONIC_MOVQ, {X, R64}, 2},         {ZYDIS_MNEMONIC_MOVQ, {R64, X}, 2},
    {ZYDIS_MNEMONIC_MOVD, {X, RM32}, 2},        {ZYDIS_MNEMONIC_MOVD, {RM32, X}, 2},
    {ZYDIS_MNEMONIC_MOVHPS, {X, M64}, 2},       {ZYDIS_MNEMONIC_MOVHPS, {M64, X}, 2},
    {ZYDIS_MNEMONIC_MOVHPD, {X, M64}, 2},       {ZYDIS_MNEMONIC_MOVHPD, {M64, X}, 2},
    {ZYDIS_MNEMONIC_MOVLPS, {X, M64}, 2},       {ZYDIS_MNEMONIC_MOVLPS, {M64, X}, 2},
    {ZYDIS_MNEMONIC_MOVLPD, {X, M64}, 2},       {ZYDIS_MNEMONIC_MOVLPD, {M64, X}, 2},
    {ZYDIS_MNEMONIC_PXOR, {X, XM128A}, 2},      {ZYDIS_MNEMONIC_POR, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PAND, {X, XM128A}, 2},      {ZYDIS_MNEMONIC_PANDN, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PCMPEQB, {X, XM128A}, 2},   {ZYDIS_MNEMONIC_PCMPEQW, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PCMPEQD, {X, XM128A}, 2},   {ZYDIS_MNEMONIC_PMINUB, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PSUBB, {X, XM128A}, 2},     {ZYDIS_MNEMONIC_PUNPCKLBW, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PUNPCKLWD, {X, XM128A}, 2}, {ZYDIS_MNEMONIC_PUNPCKLDQ, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_PUNPCKLQDQ, {X, XM128A}, 2}, {ZYDIS_MNEMONIC_ANDPD, {X, XM128A}, 2},
    {ZYDIS_MNEMONIC_XORPS, {X, XM128A}, 2},     {ZYDIS_MNEMONIC_PMOVMSKB, {R32, X}, 2},
    {ZYDIS_MNEMONIC_PSHUFD, {X, XM128A, I8}, 3}, {ZYDIS_MNEMONIC_PSLLDQ, {X, I8}, 2},
    {ZYDIS_MNEMONIC_PSRLDQ, {X, I8}, 2},        {ZYDIS_MNEMONIC_MOVSD, {X, XM64}, 2},
    {ZYDIS_MNEMONIC_MOVSD, {M64, X}, 2},        {ZYDIS_MNEMONIC_ADDSD, {X, XM64}, 2},
    {ZYDIS_MNEMONIC_SUBSD, {X, XM64}, 2},       {ZYDIS_MNEMONIC_MULSD, {X, XM64}, 2},
    {ZYDIS_MNEMONIC_DIVSD, {X, XM64}, 2},       {ZYDIS_MNEMONIC_SQRTSD, {X, XM64}, 2},
    {ZYDIS_MNEMONIC_COMISD, {X, XM64}, 2},      {ZYDIS_MNEMONIC_UCOMISD, {X, XM64}, 2},
    {ZYDIS_MNEMONIC_CVTSI2SD, {X, RM32}, 2},    {ZYDIS_MNEMONIC_CVTSI2SD, {X, RM64}, 2},
    {ZYDIS_MNEMONIC_CVTTSD2SI, {R32, XM64}, 2}, {ZYDIS_MNEMONIC_CVTTSD2SI, {R64, XM64}, 2},
    {ZYDIS_MNEMONIC_STMXCSR, {M32}, 1},         {ZYDIS_MNEMONIC_FNSTCW, {M32}, 1},
};

bool is_fp(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_ADDSD: case ZYDIS_MNEMONIC_SUBSD: case ZYDIS_MNEMONIC_MULSD:
    case ZYDIS_MNEMONIC_DIVSD: case ZYDIS_MNEMONIC_SQRTSD: case ZYDIS_MNEMONIC_COMISD:
    case ZYDIS_MNEMONIC_UCOMISD: case ZYDIS_MNEMONIC_CVTTSD2SI: case ZYDIS_MNEMONIC_MOVSD:
      return true;
    default:
      return false;
  }
}

// One SSE instruction of form 'f'; 'misalign' makes its aligned m128 operand
// misaligned (a deliberate #GP).
bool sse_form(Gen& g, const SseForm& f, bool misalign) {
  Req q(f.m);
  bool have_mem = false;
  for (int k = 0; k < f.n; ++k) {
    const SseOperand o = f.ops[k];
    const bool dst = k == 0;
    const bool want_mem = o == M128A || o == M128 || o == M64 || o == M32 ||
                          ((o == XM128A || o == XM128 || o == XM64 || o == RM32 || o == RM64) &&
                           (misalign || g.chance(0.4)));
    if (o == I8) {
      static const int kImm[] = {0, 1, 7, 8, 15, 16, 17, 0x1B, 0x4E, 0xE4, 0xFF, 0x80};
      q.i(g.chance(0.5) ? g.pick(kImm) : static_cast<int>(g.below(256)));
    } else if (want_mem && !have_mem) {
      MemSpec sp;
      sp.size = (o == M128A || o == M128 || o == XM128A || o == XM128) ? 16
                : (o == M64 || o == XM64 || o == RM64) ? 8
                : (f.m == ZYDIS_MNEMONIC_FNSTCW) ? 2 : 4;
      sp.write = dst;
      sp.align = (o == M128A || o == XM128A) ? 16 : 1;
      if (misalign) {
        if (sp.align != 16) return false;
        sp.fault = kFaultMisaligned;
      }
      MemOp m;
      if (!g.mem(sp, m)) return false;
      q.m(m);
      have_mem = true;
    } else if (o == R32 || o == R64 || o == RM32 || o == RM64) {
      const ZydisRegister r = g.pick_gpr((o == R64 || o == RM64) ? 8 : 4, dst ? W : 0);
      if (!r) return false;
      q.r(r);
    } else if (o == X || o == XM128A || o == XM128 || o == XM64) {
      q.r(xmm(static_cast<int>(g.below(16))));
    } else {
      return false;
    }
  }
  if (misalign && !have_mem) return false;
  if (is_fp(f.m) && g.enabled(ZYDIS_MNEMONIC_MOVQ) && g.chance(0.15)) {
    // Put a special value (NaN, denormal, infinity...) in the source register.
    const ZydisEncoderOperand& src = q.z.operands[f.n > 1 ? 1 : 0];
    if (src.type == ZYDIS_OPERAND_TYPE_REGISTER && ZydisRegisterGetClass(src.reg.value) == ZYDIS_REGCLASS_XMM) {
      const int r = g.pick_reg(W | Gen::kFixup);
      if (r < 0 || !g.set_exact(r, g.fp_value())) return false;
      Req m(ZYDIS_MNEMONIC_MOVQ);
      m.r(src.reg.value).r(gpr(r, 8));
      if (!g.fix(m)) return false;
    }
  }
  return g.emit(q);
}

bool sse(Gen& g, ZydisMnemonic mn) {
  const SseForm* forms[4];
  int n = 0;
  for (const SseForm& f : kSseForms)
    if (f.m == mn && n < 4) forms[n++] = &f;
  if (!n) return false;
  return sse_form(g, *forms[g.below(n)], false);
}

// ldmxcsr / fldcw from a valid value stored just before.
bool load_control(Gen& g, ZydisMnemonic mn) {
  const bool mx = mn == ZYDIS_MNEMONIC_LDMXCSR;
  MemOp m;
  MemSpec sp;
  sp.size = mx ? 4 : 2;
  sp.write = true;
  if (!g.mem(sp, m)) return false;
  uint64_t v;
  if (mx) {
    // All exceptions masked: Unicorn never raises #XM.
    v = 0x1F80 | (g.below(4) << 13) | (g.chance(0.3) ? 0x8000 : 0) | (g.chance(0.3) ? 0x40 : 0) | (g.u64() & 0x3F);
  } else {
    v = 0x7F | (g.below(4) << 8) | (g.below(4) << 10);
  }
  Req f(ZYDIS_MNEMONIC_MOV);
  f.m(m).i(mx ? static_cast<int64_t>(v) : static_cast<int16_t>(v));
  if (!g.fix(f)) return false;
  Req q(mn);
  q.m(m);
  return g.emit(q);
}

// --- The table ------------------------------------------------------------------------------------------

#define E(m, fn, w, fl) Entry{ZYDIS_MNEMONIC_##m, fn, w, fl}

std::vector<Entry> make_entries() {
  std::vector<Entry> v = {
      E(ADD, alu2, 1, 0), E(OR, alu2, 1, 0), E(ADC, alu2, 1, 0), E(SBB, alu2, 1, 0),
      E(AND, alu2, 1, 0), E(SUB, alu2, 1, 0), E(XOR, alu2, 1, 0), E(CMP, alu2, 1, 0),
      E(TEST, alu2, 1, 0), E(NOT, unary, 1, 0), E(NEG, unary, 1, 0), E(INC, unary, 1, 0),
      E(DEC, unary, 1, 0),
      E(MOV, mov, 2, 0), E(MOVZX, movx, 1, 0), E(MOVSX, movx, 1, 0), E(MOVSXD, movx, 1, 0),
      E(LEA, lea, 1, 0), E(XCHG, xchg, 1, 0), E(CMPXCHG, cmpxchg, 1, 0),
      E(CMPXCHG8B, cmpxchg_pair, 1, 0), E(CMPXCHG16B, cmpxchg_pair, 1, 0), E(XADD, xadd, 1, 0),
      E(BSWAP, bswap, 1, 0), E(PUSH, push, 1, kChangesRsp), E(POP, pop, 1, kChangesRsp),
      E(CBW, convert, 0.5, 0), E(CWDE, convert, 0.5, 0), E(CDQE, convert, 0.5, 0),
      E(CWD, convert, 0.5, 0), E(CDQ, convert, 0.5, 0), E(CQO, convert, 0.5, 0),
      E(MUL, mul, 1, 0), E(IMUL, mul, 1.5, 0), E(DIV, div, 1, 0), E(IDIV, div, 1, 0),
      E(SHL, shift, 1, 0), E(SHR, shift, 1, 0), E(SAR, shift, 1, 0), E(ROL, shift, 1, 0),
      E(ROR, shift, 1, 0), E(RCL, shift, 1, 0), E(RCR, shift, 1, 0), E(SHLD, shiftd, 1, 0),
      E(SHRD, shiftd, 1, 0),
      E(BT, bittest, 1, 0), E(BTS, bittest, 1, 0), E(BTR, bittest, 1, 0), E(BTC, bittest, 1, 0),
      E(BSF, bitscan, 1, 0), E(BSR, bitscan, 1, 0), E(TZCNT, bitscan, 1, 0), E(LZCNT, bitscan, 1, 0),
      E(POPCNT, bitscan, 1, 0), E(ANDN, bmi1, 1, 0), E(BEXTR, bmi1, 1, 0), E(BLSI, bmi1, 1, 0),
      E(BLSMSK, bmi1, 1, 0), E(BLSR, bmi1, 1, 0),
      E(JMP, jmp, 1, 0), E(CALL, call, 0.8, kOpensScope), E(RET, call, 0.5, kOpensScope),
      E(JRCXZ, jrcxz, 0.6, 0), E(JECXZ, jrcxz, 0.4, 0), E(LOOP, loop, 0.6, kOpensScope | kLoop),
      E(LOOPE, loop, 0.5, kOpensScope | kLoop), E(LOOPNE, loop, 0.5, kOpensScope | kLoop),
      E(JNZ, back_loop, 0.5, kOpensScope | kLoop), E(ENTER, enter, 0.7, kOpensScope),
      E(LEAVE, leave, 0.5, kChangesRsp),
      E(CLC, flag_op, 0.5, 0), E(STC, flag_op, 0.5, 0), E(CMC, flag_op, 0.5, 0),
      E(CLD, flag_op, 0.5, 0), E(STD, flag_op, 0.5, 0), E(LAHF, flag_op, 0.5, 0),
      E(SAHF, flag_op, 0.5, 0), E(PUSHFQ, pushf, 0.5, kChangesRsp), E(PUSHF, pushf, 0.3, kChangesRsp),
      E(POPFQ, popf, 0.5, 0), E(POPF, popf, 0.3, 0),
      E(NOP, nop, 1, 0), E(ENDBR64, nop, 0.3, 0), E(PAUSE, nop, 0.3, 0),
      E(LDMXCSR, load_control, 0.6, 0), E(FLDCW, load_control, 0.6, 0),
  };
  static const ZydisMnemonic kJcc[] = {
      ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JNB,
      ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
      ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
      ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE};
  static const ZydisMnemonic kCmov[] = {
      ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB, ZYDIS_MNEMONIC_CMOVNB,
      ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
      ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP, ZYDIS_MNEMONIC_CMOVNP,
      ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE};
  static const ZydisMnemonic kSet[] = {
      ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB, ZYDIS_MNEMONIC_SETNB,
      ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
      ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETNP,
      ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE};
  for (ZydisMnemonic m : kJcc) v.push_back(Entry{m, jcc, 0.5, 0});
  for (ZydisMnemonic m : kCmov) v.push_back(Entry{m, cmovcc, 0.4, 0});
  for (ZydisMnemonic m : kSet) v.push_back(Entry{m, setcc, 0.4, 0});
  static const ZydisMnemonic kStrings[] = {
      ZYDIS_MNEMONIC_MOVSB, ZYDIS_MNEMONIC_MOVSW, ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_MOVSQ,
      ZYDIS_MNEMONIC_STOSB, ZYDIS_MNEMONIC_STOSW, ZYDIS_MNEMONIC_STOSD, ZYDIS_MNEMONIC_STOSQ,
      ZYDIS_MNEMONIC_LODSB, ZYDIS_MNEMONIC_LODSW, ZYDIS_MNEMONIC_LODSD, ZYDIS_MNEMONIC_LODSQ,
      ZYDIS_MNEMONIC_CMPSB, ZYDIS_MNEMONIC_CMPSW, ZYDIS_MNEMONIC_CMPSD, ZYDIS_MNEMONIC_CMPSQ,
      ZYDIS_MNEMONIC_SCASB, ZYDIS_MNEMONIC_SCASW, ZYDIS_MNEMONIC_SCASD, ZYDIS_MNEMONIC_SCASQ};
  for (ZydisMnemonic m : kStrings) v.push_back(Entry{m, string_op, 0.6, 0});
  ZydisMnemonic last = ZYDIS_MNEMONIC_INVALID;
  for (const SseForm& f : kSseForms) {
    if (f.m == last) continue;
    last = f.m;
    v.push_back(Entry{f.m, sse, 0.8, f.m == ZYDIS_MNEMONIC_MOVSD ? kSse : 0u});
  }
  return v;
}

#undef E

}  // namespace

const std::vector<Entry>& all_entries() {
  static const std::vector<Entry> v = make_entries();
  return v;
}

// --- Deliberate faults ---------------------------------------------------------------------------------

bool emit_fault(Gen& g) {
  enum { kUnmapped, kNonCanonical, kUd2, kInt3, kDivide, kMisaligned, kCx16, kJmpBad, kLockReg, kPushEdge, kN };
  const int k = static_cast<int>(g.below(kN));
  switch (k) {
    case kUnmapped: case kNonCanonical: {
      const int size = g.pick_size();
      MemOp m;
      MemSpec sp;
      sp.size = size;
      sp.write = g.chance(0.5);
      sp.fault = k == kUnmapped ? kFaultUnmapped : kFaultNonCanonical;
      if (!g.mem(sp, m)) return false;
      const ZydisRegister r = g.pick_gpr(size, sp.write ? 0 : W);
      if (!r) return false;
      Req q(g.chance(0.5) ? ZYDIS_MNEMONIC_MOV : ZYDIS_MNEMONIC_ADD);
      if (sp.write) q.m(m).r(r);
      else q.r(r).m(m);
      if (!g.emit(q)) return false;
      g.expected_vector = k == kUnmapped ? 14 : 13;
      g.fault_kind = k == kUnmapped ? "unmapped address" : "non-canonical address";
      return true;
    }
    case kUd2: case kInt3:
      if (!g.enabled(k == kUd2 ? ZYDIS_MNEMONIC_UD2 : ZYDIS_MNEMONIC_INT3)) return false;
      if (!g.emit_raw(k == kUd2 ? std::vector<uint8_t>{0x0F, 0x0B} : std::vector<uint8_t>{0xCC})) return false;
      g.expected_vector = k == kUd2 ? 6 : 3;
      g.fault_kind = k == kUd2 ? "ud2" : "int3";
      return true;
    case kDivide: {
      const ZydisMnemonic m = g.chance(0.5) ? ZYDIS_MNEMONIC_DIV : ZYDIS_MNEMONIC_IDIV;
      if (!g.enabled(m) || !divide(g, m, true)) return false;
      g.expected_vector = 0;
      g.fault_kind = "divide error";
      return true;
    }
    case kMisaligned: {
      static const ZydisMnemonic kAligned[] = {ZYDIS_MNEMONIC_MOVDQA, ZYDIS_MNEMONIC_MOVAPS,
                                               ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_PXOR,
                                               ZYDIS_MNEMONIC_PSHUFD, ZYDIS_MNEMONIC_XORPS};
      const ZydisMnemonic m = g.pick(kAligned);
      if (!g.enabled(m)) return false;
      for (const SseForm& f : kSseForms) {
        if (f.m != m || !(f.ops[0] == XM128A || f.ops[1] == XM128A || f.ops[0] == M128A)) continue;
        if (!sse_form(g, f, true)) return false;
        g.expected_vector = 13;
        g.fault_kind = "misaligned SSE operand";
        return true;
      }
      return false;
    }
    case kCx16: {
      if (!g.enabled(ZYDIS_MNEMONIC_CMPXCHG16B)) return false;
      MemOp m;
      MemSpec sp;
      sp.size = 16;
      sp.write = true;
      sp.fault = kFaultMisaligned;
      if (!g.mem(sp, m)) return false;
      Req q(ZYDIS_MNEMONIC_CMPXCHG16B);
      q.m(m);
      if (!g.emit(q)) return false;
      g.expected_vector = 13;
      g.fault_kind = "misaligned cmpxchg16b";
      return true;
    }
    case kJmpBad: {
      const int r = g.pick_reg(W | Gen::kFixup);
      if (r < 0 || !g.set_exact(r, 0x0000800000000000ull + g.below(0x1000))) return false;
      Req q(g.chance(0.5) ? ZYDIS_MNEMONIC_JMP : ZYDIS_MNEMONIC_CALL);
      q.r(gpr(r, 8));
      EmitOpt o;
      o.rsp_known = true;  // a faulting call pushes nothing
      o.rsp_after = g.rsp;
      if (!g.emit(q, o)) return false;
      g.expected_vector = 13;
      g.fault_kind = "branch to a non-canonical address";
      return true;
    }
    case kLockReg: {
      static const ZydisMnemonic kOps[] = {ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_INC,
                                           ZYDIS_MNEMONIC_NEG};
      const ZydisMnemonic m = g.pick(kOps);
      const int size = g.pick_size();
      const ZydisRegister d = g.pick_gpr(size, W), s = g.pick_gpr(size, 0);
      if (!d || !s) return false;
      // The encoder refuses LOCK on a register form: prefix it by hand.
      Req q(m);
      q.r(d);
      if (m == ZYDIS_MNEMONIC_ADD || m == ZYDIS_MNEMONIC_XOR) q.r(s);
      std::vector<uint8_t> b = encode(q);
      if (b.empty()) return false;
      b.insert(b.begin(), 0xF0);
      if (!g.emit_raw(b)) return false;
      g.expected_vector = 6;
      g.fault_kind = "lock on a register operand";
      return true;
    }
    default: {  // a push that runs off the bottom of the stack region
      if (!g.set_rsp(kStackBase + g.below(8))) return false;
      Req q(ZYDIS_MNEMONIC_PUSH);
      q.r(gpr(static_cast<int>(g.below(kNumGpr)), 8));
      EmitOpt o;
      o.rsp_known = true;
      o.rsp_after = g.rsp;
      if (!g.emit(q, o)) return false;
      g.expected_vector = 14;
      g.fault_kind = "push below the stack region";
      return true;
    }
  }
}

}  // namespace vmsim::difftest::rgen
