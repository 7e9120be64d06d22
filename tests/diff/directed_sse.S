# Directed snippets for the SSE group (cpu/insn_sse_*.cpp).
# r14 is 16-byte aligned (kDataBase + 0x8000); r15 is 8-byte aligned only.
#include "snippet.inc"

# --- 128-bit moves ----------------------------------------------------------
SNIPPET sse_mov128
        .irp op, movdqu, movups
        \op xmm0, xmm1
        {store} \op xmm2, xmm3
        \op xmm8, xmm15
        \op xmm4, [r15+1]
        \op xmm9, [r14+0x13]
        \op [r15+0x21], xmm5
        \op [r14+0x47], xmm10
        \op xmm6, [r14+0xff8]            # crosses a page boundary
        \op [r14+0x1ffc], xmm7
        \op xmm11, [r14]
        .endr
        .irp op, movdqa, movaps, movapd
        \op xmm0, xmm1
        {store} \op xmm2, xmm3
        \op xmm12, xmm4
        \op xmm5, [r14+0x10]
        \op xmm13, [r14+0x100]
        \op [r14+0x20], xmm6
        \op [r14+0x30], xmm14
        movzx eax, al
        and eax, 0xf0
        \op xmm7, [r14+rax+0x200]
        \op [r14+rax*2+0x400], xmm8
        .endr
END sse_mov128

SNIPPET sse_movq_movd
        movq xmm0, xmm1                  # F3 0F 7E
        {store} movq xmm2, xmm3          # 66 0F D6
        movq xmm8, xmm12
        movq xmm4, [r15+3]
        movq xmm13, [r14+0x18]
        movq [r15+5], xmm5
        movq [r14+0x28], xmm14
        movq xmm6, rax
        movq xmm15, r9
        movq rbx, xmm7
        movq r10, xmm11
        movq xmm1, [r14+0xffc]           # crosses a page boundary
        movd xmm0, eax
        movd xmm9, r11d
        movd xmm2, [r15+7]
        movd xmm10, [r14+0x34]
        movd [r15+9], xmm3
        movd [r14+0x3c], xmm12
        movd ecx, xmm4
        movd r12d, xmm13
        movd edx, xmm5
        .byte 0x66, 0x48, 0x0f, 0x6e, 0xc6    # movq xmm0, rsi
        .byte 0x66, 0x4c, 0x0f, 0x7e, 0xc7    # movq rdi, xmm8
END sse_movq_movd

SNIPPET sse_movhl
        .irp op, movhps, movhpd, movlps, movlpd
        \op xmm0, [r15+1]
        \op xmm9, [r14+0x48]
        \op [r15+0x11], xmm1
        \op [r14+0x58], xmm10
        \op xmm2, [r14+0xffc]            # crosses a page boundary
        .endr
END sse_movhl

# movsd (SSE2) is bound through the string group's MOVSD entry.
SNIPPET sse_movsd
        movsd xmm0, xmm1
        {store} movsd xmm2, xmm3
        movsd xmm8, xmm13
        movsd xmm4, [r15+3]
        movsd xmm14, [r14+0x60]
        movsd [r15+0x13], xmm5
        movsd [r14+0x68], xmm15
        movsd xmm6, [r14+0xffc]
END sse_movsd

# --- Bitwise and integer ----------------------------------------------------
SNIPPET sse_logic
        .irp op, pxor, por, pand, pandn, andpd, xorps
        \op xmm0, xmm1
        \op xmm2, xmm2
        \op xmm8, xmm3
        \op xmm4, xmm12
        \op xmm5, [r14+0x10]
        \op xmm13, [r14+0x80]
        .endr
END sse_logic

SNIPPET sse_int
        # equal lanes: a copy, then a copy with a few bytes changed
        movdqa xmm8, xmm0
        movdqa xmm9, xmm1
        pxor xmm10, xmm10
        movd xmm11, ecx
        pxor xmm9, xmm11
        .irp op, pcmpeqb, pcmpeqw, pcmpeqd, pminub, psubb
        movdqa xmm2, xmm0
        \op xmm2, xmm8
        movdqa xmm3, xmm1
        \op xmm3, xmm9
        \op xmm4, xmm5
        \op xmm10, xmm6
        \op xmm12, xmm12
        \op xmm6, [r14+0x20]
        movdqa [r14+0x90], xmm7
        \op xmm7, [r14+0x90]
        .endr
        .irp op, punpcklbw, punpcklwd, punpckldq, punpcklqdq
        movdqa xmm2, xmm0
        \op xmm2, xmm1
        \op xmm13, xmm3
        \op xmm4, xmm4
        \op xmm5, [r14+0x30]
        .endr
        .irp imm, 0x00, 0x1b, 0x4e, 0xe4, 0xff, 0x39
        pshufd xmm2, xmm1, \imm
        pshufd xmm14, xmm6, \imm
        pshufd xmm3, [r14+0x40], \imm
        .endr
        pmovmskb eax, xmm0
        pmovmskb r9d, xmm12
        pmovmskb ecx, xmm2
        pmovmskb edx, xmm10
        .byte 0x66, 0x48, 0x0f, 0xd7, 0xd9    # pmovmskb rbx, xmm1
        .irp n, 0, 1, 3, 7, 8, 9, 15, 16, 17, 128, 255
        movdqa xmm2, xmm0
        pslldq xmm2, \n
        movdqa xmm11, xmm1
        psrldq xmm11, \n
        .endr
END sse_int

# --- Control registers --------------------------------------------------------
SNIPPET sse_ctl
        stmxcsr [r15]
        .irp v, 0x1f80, 0x1fbf, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0xffff, 0x0000, 0x1f80
        mov dword ptr [r15+4], \v
        ldmxcsr [r15+4]
        stmxcsr [r15+8]
        .endr
        fnstcw [r15+0x10]
        .irp v, 0x037f, 0x027f, 0x0f7f, 0x1f7f, 0x0040, 0x0c7f, 0x037f
        mov word ptr [r15+0x12], \v
        fldcw [r15+0x12]
        fnstcw [r15+0x14]
        .endr
END sse_ctl

# --- Floating point ----------------------------------------------------------
# Tables the snippets build in the data region before they loop over them:
#   [r14+0x300] MXCSR values (rounding modes, DAZ, FTZ), kModes of them
#   [r14+0x400] interesting doubles, kDoubles of them
#   [r14+0x600] interesting 64-bit integers, kInts of them
        .set kModes, 7
        .set kDoubles, 20
        .set kInts, 16

        .macro TABLE base, values:vararg
        .set off, \base
        .irp v, \values
        mov rax, \v
        mov [r14+off], rax
        .set off, off+8
        .endr
        .endm

        .macro MODES
        .set off, 0x300
        .irp v, 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0xffc0
        mov dword ptr [r14+off], \v
        .set off, off+4
        .endr
        .endm

        .macro DOUBLES
        TABLE 0x400, \
          0x0000000000000000, /* +0 */ \
          0x8000000000000000, /* -0 */ \
          0x0000000000000001, /* smallest denormal */ \
          0x800fffffffffffff, /* -largest denormal */ \
          0x0010000000000000, /* smallest normal */ \
          0x7fefffffffffffff, /* largest finite */ \
          0x7ff0000000000000, /* +inf */ \
          0xfff0000000000000, /* -inf */ \
          0x7ff8000000000123, /* QNaN with payload */ \
          0xfff0000000000456, /* -SNaN */ \
          0x7ff4000000000001, /* SNaN */ \
          0x3ff8000000000000, /* 1.5 */ \
          0xbff0000000000001, /* -(1 + ulp) */ \
          0x3fd5555555555555, /* ~1/3 */ \
          0x4008000000000000, /* 3 */ \
          0x3ca0000000000000, /* 2^-53: 1 + it is a tie */ \
          0x0018000000000000, /* 1.5 * smallest normal */ \
          0x3fe0000000000000, /* 0.5 */ \
          0x7e37e43c8800759c, /* 1e300 */ \
          0x01a56e1fc2f8f359  /* 1e-300 */
        .endm

        .macro INTS
        TABLE 0x600, \
          0, 1, -1, 0x7fffffff, 0xffffffff80000000, 0x80000000, \
          0x20000000000001, /* 2^53 + 1: rounds */ \
          0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffd, \
          0x123456789abcdef1, 0xfedcba9876543211, 0x7ffffffffffffdff, \
          0x0000000100000001, 0xffffffff00000003, 0x40000000000000c0
        .endm

# The loops below: rbp walks the modes (ldmxcsr), rsi the first operand, rdi
# the second.
SNIPPET sse_fp_arith
        MODES
        DOUBLES
        xor ebp, ebp
1:      ldmxcsr [r14+0x300+rbp*4]
        xor esi, esi
2:      xor edi, edi
3:      movq xmm0, [r14+0x400+rsi*8]
        movq xmm1, [r14+0x400+rdi*8]
        movdqa xmm2, xmm0
        addsd xmm2, xmm1
        movdqa xmm3, xmm0
        subsd xmm3, [r14+0x400+rdi*8]
        movdqa xmm12, xmm0
        mulsd xmm12, xmm1
        movdqa xmm13, xmm0
        divsd xmm13, [r14+0x400+rdi*8]
        inc edi
        cmp edi, kDoubles
        jne 3b
        movdqa xmm4, xmm15
        sqrtsd xmm4, xmm0
        sqrtsd xmm9, [r14+0x400+rsi*8]
        inc esi
        cmp esi, kDoubles
        jne 2b
        inc ebp
        cmp ebp, kModes
        jne 1b
END sse_fp_arith

# Two modes: round to nearest, and DAZ (compares see denormals as zeros).
        .macro COMPARE_LOOP body:vararg
        MODES
        DOUBLES
        xor ebp, ebp
1:      ldmxcsr [r14+0x300+rbp*4]
        xor esi, esi
2:      xor edi, edi
3:      movq xmm0, [r14+0x400+rsi*8]
        movq xmm1, [r14+0x400+rdi*8]
        \body
        inc edi
        cmp edi, kDoubles
        jne 3b
        inc esi
        cmp esi, kDoubles
        jne 2b
        add ebp, 4
        cmp ebp, 8
        jne 1b
        .endm

        .macro COMISD_BODY
        comisd xmm0, xmm1
        ucomisd xmm0, xmm1
        comisd xmm0, [r14+0x400+rdi*8]
        ucomisd xmm0, [r14+0x400+rdi*8]
        .endm

        .macro CMPSD_BODY
        .irp p, 0, 1, 2, 3, 4, 5, 6, 7
        movdqa xmm2, xmm0
        cmpsd xmm2, xmm1, \p
        .endr
        movdqa xmm3, xmm0
        cmpsd xmm3, [r14+0x400+rdi*8], 1
        .endm

SNIPPET sse_fp_compare
        COMPARE_LOOP COMISD_BODY
END sse_fp_compare

# cmpsd is bound through the string group's CMPSD entry.
SNIPPET sse_fp_cmpsd
        COMPARE_LOOP CMPSD_BODY
END sse_fp_cmpsd

SNIPPET sse_fp_convert
        MODES
        DOUBLES
        INTS
        mov rax, 0x41e0000000000000             # 2^31
        mov [r14+0x500], rax
        mov rax, 0xc1e0000000000000             # -2^31
        mov [r14+0x508], rax
        mov rax, 0x41dfffffffe00000             # 2^31 - 0.5
        mov [r14+0x510], rax
        mov rax, 0xc1e0000000200000             # -2^31 - 1
        mov [r14+0x518], rax
        mov rax, 0x43e0000000000000             # 2^63
        mov [r14+0x520], rax
        mov rax, 0xc3e0000000000000             # -2^63
        mov [r14+0x528], rax
        mov rax, 0x43e0000000000001             # just above 2^63
        mov [r14+0x530], rax
        mov rax, 0xbff8000000000000             # -1.5
        mov [r14+0x538], rax
        mov rax, 0x3fefffffffffffff             # 0.999...
        mov [r14+0x540], rax
        mov rax, 0x41efffffffe00000             # 2^32 - 1
        mov [r14+0x548], rax
        mov rax, 0xc3dfffffffffffff             # -2^62 - ...
        mov [r14+0x550], rax
        mov rax, 0x43dfffffffffffff             # 2^63 - 1024
        mov [r14+0x558], rax
        xor ebp, ebp
1:      ldmxcsr [r14+0x300+rbp*4]
        xor esi, esi
2:      mov rax, [r14+0x600+rsi*8]
        cvtsi2sd xmm2, rax
        cvtsi2sd xmm3, eax
        cvtsi2sd xmm12, qword ptr [r14+0x600+rsi*8]
        cvtsi2sd xmm13, dword ptr [r14+0x600+rsi*8]
        inc esi
        cmp esi, kInts
        jne 2b
        xor esi, esi                            # 20 doubles, then the 12 above
2:      movq xmm0, [r14+0x400+rsi*8]
        cvttsd2si eax, xmm0
        cvttsd2si rbx, xmm0
        cvttsd2si ecx, qword ptr [r14+0x400+rsi*8]
        cvttsd2si r9, qword ptr [r14+0x400+rsi*8]
        cvttsd2si r10d, xmm0
        inc esi
        cmp esi, 32
        jne 2b
        inc ebp
        cmp ebp, kModes
        jne 1b
END sse_fp_convert

# Random operands from the random XMM state and data, register and memory
# forms, in the default mode and with every mode bit that matters set.
SNIPPET sse_fp_random
        .irp mx, 0x1f80, 0xffc0
        mov dword ptr [r15], \mx
        ldmxcsr [r15]
        .irp op, addsd, subsd, mulsd, divsd, sqrtsd
        \op xmm0, xmm1
        \op xmm2, xmm3
        \op xmm8, xmm14
        \op xmm4, [r15+8]
        \op xmm11, [r14+0x18]
        .endr
        comisd xmm6, xmm7
        ucomisd xmm9, xmm10
        comisd xmm7, [r15+0x20]
        ucomisd xmm13, [r14+0x28]
        cvtsi2sd xmm1, rdx
        cvtsi2sd xmm15, r8d
        cvtsi2sd xmm3, qword ptr [r15+0x30]
        cvtsi2sd xmm3, dword ptr [r15+0x38]
        cvttsd2si eax, xmm2
        cvttsd2si r11, xmm9
        cvttsd2si esi, qword ptr [r15+0x40]
        cvttsd2si rdi, qword ptr [r14+0x48]
        .endr
END sse_fp_random

SNIPPET sse_fp_random_cmpsd
        .irp mx, 0x1f80, 0xffc0
        mov dword ptr [r15], \mx
        ldmxcsr [r15]
        .irp p, 0, 1, 2, 3, 4, 5, 6, 7
        cmpsd xmm5, xmm6, \p
        cmpsd xmm12, [r15+0x10], \p
        .endr
        .endr
END sse_fp_random_cmpsd

# --- Exceptions -------------------------------------------------------------
# Each snippet ends with the instruction that must fault. Unicorn 2.0.1
# raises neither of these (see reconcile_exception() in lockstep.cpp).

# #GP(0): a misaligned m128 operand of an instruction that requires 16-byte
# alignment ([r14+8] is 8 bytes off).
        .macro FAULT name, insn:vararg
SNIPPET \name
        \insn
END \name
        .endm

        FAULT gp_movdqa_load, movdqa xmm0, [r14+8]
        FAULT gp_movdqa_store, movdqa [r14+8], xmm1
        FAULT gp_movaps_load, movaps xmm2, [r14+4]
        FAULT gp_movaps_store, movaps [r14+1], xmm3
        FAULT gp_movapd_load, movapd xmm4, [r14+0xc]
        FAULT gp_movapd_store, movapd [r14+0x18], xmm5
        FAULT gp_pxor, pxor xmm6, [r14+8]
        FAULT gp_por, por xmm7, [r14+8]
        FAULT gp_pand, pand xmm8, [r14+8]
        FAULT gp_pandn, pandn xmm9, [r14+8]
        FAULT gp_andpd, andpd xmm10, [r14+8]
        FAULT gp_xorps, xorps xmm11, [r14+8]
        FAULT gp_pcmpeqb, pcmpeqb xmm12, [r14+8]
        FAULT gp_pcmpeqw, pcmpeqw xmm13, [r14+8]
        FAULT gp_pcmpeqd, pcmpeqd xmm14, [r14+8]
        FAULT gp_pminub, pminub xmm15, [r14+8]
        FAULT gp_psubb, psubb xmm0, [r14+8]
        FAULT gp_punpcklbw, punpcklbw xmm1, [r14+8]
        FAULT gp_punpcklwd, punpcklwd xmm2, [r14+8]
        FAULT gp_punpckldq, punpckldq xmm3, [r14+8]
        FAULT gp_punpcklqdq, punpcklqdq xmm4, [r14+8]
        FAULT gp_pshufd, pshufd xmm5, [r14+8], 0x1b

# #PF: a 16-byte access whose second half is beyond the data region
# (kDataBase + 0x10000 is not mapped) faults before writing anything.
        FAULT pf_movdqu_store, movdqu [r14+0x7ff8], xmm0
        FAULT pf_movdqa_load, movdqa xmm1, [r14+0x8000]
        FAULT pf_movq_load, movq xmm2, [r14+0x7ffc]

SNIPPET gp_ldmxcsr
        mov dword ptr [r15], 0x1f80
        ldmxcsr [r15]
        mov dword ptr [r15], 0x11f80
        ldmxcsr [r15]
END gp_ldmxcsr

# #XM: an unmasked SIMD floating-point exception. MXCSR masks: IM 0x80,
# DM 0x100, ZM 0x200, OM 0x400, UM 0x800, PM 0x1000.
        .macro XM name, mxcsr, a, b, insn:vararg
SNIPPET \name
        mov dword ptr [r15], \mxcsr
        ldmxcsr [r15]
        mov rax, \a
        movq xmm0, rax
        mov rax, \b
        movq xmm1, rax
        \insn
END \name
        .endm

        XM xm_divsd_zero, 0x1d80, 0x3ff0000000000000, 0, divsd xmm0, xmm1
        XM xm_addsd_inexact, 0x0f80, 0x3ff0000000000000, 0x3c30000000000000, addsd xmm0, xmm1
        XM xm_sqrtsd_invalid, 0x1f00, 0, 0xbff0000000000000, sqrtsd xmm0, xmm1
        XM xm_mulsd_overflow, 0x1b80, 0x7fefffffffffffff, 0x4000000000000000, mulsd xmm0, xmm1
        XM xm_mulsd_underflow, 0x1780, 0x0010000000000001, 0x3fd0000000000000, mulsd xmm0, xmm1
        XM xm_mulsd_exact_tiny, 0x1780, 0x0010000000000000, 0x3fe0000000000000, mulsd xmm0, xmm1
        XM xm_subsd_denormal, 0x1e80, 0x0000000000000001, 0x3ff0000000000000, subsd xmm0, xmm1
        XM xm_comisd_qnan, 0x1f00, 0x7ff8000000000000, 0, comisd xmm0, xmm1
        XM xm_cvttsd2si_nan, 0x1f00, 0x7ff8000000000000, 0, cvttsd2si eax, xmm0
        XM xm_cvttsd2si_range, 0x1f00, 0x43e0000000000000, 0, cvttsd2si rax, xmm0
        XM xm_cvtsi2sd_inexact, 0x0f80, 0, 0x0020000000000001, cvtsi2sd xmm1, rax

# Only a newly detected condition faults: a pending unmasked flag (loaded by
# ldmxcsr) does not, nor does ucomisd or cmpeqsd on a quiet NaN; ucomisd on a
# signalling NaN and cmpltsd on a quiet NaN do.
SNIPPET xm_ucomisd_snan
        mov dword ptr [r15], 0x0fa0             # PE set and unmasked
        ldmxcsr [r15]
        mov rax, 0x3ff0000000000000
        movq xmm0, rax
        addsd xmm0, xmm0                        # exact: no fault
        mov rax, 0x7ff8000000000000
        movq xmm1, rax
        mov dword ptr [r15], 0x1f00
        ldmxcsr [r15]
        ucomisd xmm0, xmm1                      # quiet NaN: no fault
        mov rax, 0x7ff0000000000001
        movq xmm1, rax
        ucomisd xmm0, xmm1                      # signalling NaN: #XM
END xm_ucomisd_snan

SNIPPET xm_cmpltsd_qnan
        mov dword ptr [r15], 0x1f00
        ldmxcsr [r15]
        mov rax, 0x7ff8000000000000
        movq xmm1, rax
        cmpsd xmm0, xmm1, 0                     # cmpeqsd: no fault
        cmpsd xmm0, xmm1, 4                     # cmpneqsd: no fault
        cmpsd xmm0, xmm1, 1                     # cmpltsd signals on any NaN
END xm_cmpltsd_qnan
