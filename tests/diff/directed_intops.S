# Directed snippets for the groups muldiv, shift and bits.
#include "snippet.inc"

# --- muldiv ---------------------------------------------------------------------
# One-operand mul and imul, every size, register (incl. AH and REX bytes) and
# memory; the accumulator is refreshed from unmodified registers so products
# do not collapse to 0.
SNIPPET md_mul
        .irp src, bl, ah, dil, r9b, al, "byte ptr [r15]", bx, r10w, ax, "word ptr [r15+2]", ecx, r11d, edx, "dword ptr [r15+4]", rbx, r12, rax, rdx, "qword ptr [r15+8]"
        mov rax, r13
        mov rdx, rsi
        mul \src
        mov rax, r13
        mov rdx, rsi
        imul \src
        xor r13, rbp
        rol rsi, 7
        .endr
END md_mul

# Products that just fit, just overflow, are zero or negative.
SNIPPET md_mul_edges
        .irp a, 0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff, 0x8000000000000000
        .irp b, 0, 1, -1, 2, 0x80, 0x8000
        mov rax, \a
        mov rcx, \b
        mul cl
        mov rax, \a
        imul cl
        mov rax, \a
        mul cx
        mov rax, \a
        imul cx
        mov rax, \a
        mul ecx
        mov rax, \a
        imul ecx
        mov rax, \a
        mul rcx
        mov rax, \a
        imul rcx
        mov rbx, \a
        imul bx, cx
        imul ebx, ecx
        mov rbx, \a
        imul rbx, rcx
        .endr
        .endr
END md_mul_edges

# Two- and three-operand imul: every size, register and memory sources,
# imm8, imm16 and imm32 immediates.
SNIPPET md_imul
        imul ax, bx
        imul r9w, word ptr [r15]
        imul ecx, edx
        imul r10d, dword ptr [r15+4]
        imul rsi, rdi
        imul r11, qword ptr [r15+8]
        imul rdx, rdx
        imul ax, bx, 7
        imul cx, dx, -3
        imul si, word ptr [r15+2], 0x1234
        imul di, r8w, -0x8000
        imul eax, ebx, 0x12345678
        imul ecx, edx, -100
        imul r8d, dword ptr [r15+4], 0x7f
        imul r9d, r9d, -0x80
        imul rax, rbx, -0x80000000
        imul rcx, qword ptr [r15+8], 3
        imul r12, r13, 0x7fffffff
        imul rdx, rdx, 5
        imul rbp, qword ptr [r14+0x10], -1
        imul r10d, dword ptr [r15+4], 0x12345
        imul rbx, qword ptr [r15+8], -300
        imul r11w, word ptr [r15+2], -2
END md_imul

# Unsigned division that never faults: the upper half of the dividend is
# below the divisor, or the dividend is q * divisor with q small.
SNIPPET md_div
        or bl, 1
        mov ah, bl
        shr ah, 1
        div bl
        or ch, 1
        mov ah, ch
        shr ah, 1
        div ch
        or r9b, 1
        movzx edx, r9b
        shr edx, 2
        mov ah, dl
        div r9b
        or byte ptr [r15], 1
        mov dl, byte ptr [r15]
        shr dl, 1
        mov ah, dl
        div byte ptr [r15]
        or cx, 1
        mov dx, cx
        shr dx, 1
        div cx
        or word ptr [r15+2], 1
        mov dx, word ptr [r15+2]
        shr dx, 3
        div word ptr [r15+2]
        or ecx, 1
        mov edx, ecx
        shr edx, 1
        div ecx
        or r10d, 1
        mov edx, r10d
        shr edx, 5
        div r10d
        or dword ptr [r15+4], 1
        mov edx, dword ptr [r15+4]
        shr edx, 1
        div dword ptr [r15+4]
        or rcx, 1
        mov rdx, rcx
        shr rdx, 1
        div rcx
        or r11, 1
        xor edx, edx
        div r11
        or qword ptr [r15+8], 1
        mov rdx, qword ptr [r15+8]
        shr rdx, 7
        div qword ptr [r15+8]
        # dividend = q * divisor + 1
        movzx eax, sil
        or bl, 3
        mul bl
        add ax, 1
        div bl
        movzx eax, sil
        or bx, 3
        mul bx
        add ax, 1
        adc dx, 0
        div bx
        movzx eax, sil
        or ebx, 3
        mul ebx
        add eax, 1
        adc edx, 0
        div ebx
        movzx eax, sil
        or rbx, 3
        mul rbx
        add rax, 1
        adc rdx, 0
        div rbx
END md_div

# Signed division that never faults: divisors are odd with bit 1 clear (never
# 0 or -1) and dividends either sign-extended or q * divisor (+ 1) with q
# small.
SNIPPET md_idiv
        or bl, 1
        and bl, -3
        cbw
        idiv bl
        or ch, 1
        and ch, -3
        movsx ax, r8b
        idiv ch
        or byte ptr [r15], 1
        and byte ptr [r15], -3
        movsx ax, sil
        idiv byte ptr [r15]
        or cx, 1
        and cx, -3
        cwd
        idiv cx
        or word ptr [r15+2], 1
        and word ptr [r15+2], -3
        mov ax, di
        cwd
        idiv word ptr [r15+2]
        or ecx, 1
        and ecx, -3
        cdq
        idiv ecx
        or dword ptr [r15+4], 1
        and dword ptr [r15+4], -3
        mov eax, r9d
        cdq
        idiv dword ptr [r15+4]
        or r10, 1
        and r10, -3
        mov rax, r12
        cqo
        idiv r10
        or qword ptr [r15+8], 1
        and qword ptr [r15+8], -3
        mov rax, r13
        cqo
        idiv qword ptr [r15+8]
        # dividend = q * divisor (+ 1): a wide dividend with a small quotient
        .irp extra, 0, 1
        movsx eax, sil
        or bl, 1
        and bl, -3
        imul bl
        add ax, \extra
        idiv bl
        movsx eax, sil
        or bx, 1
        and bx, -3
        imul bx
        add ax, \extra
        adc dx, 0
        idiv bx
        movsx eax, sil
        or ebx, 1
        and ebx, -3
        imul ebx
        add eax, \extra
        adc edx, 0
        idiv ebx
        movsx rax, sil
        or rbx, 1
        and rbx, -3
        imul rbx
        add rax, \extra
        adc rdx, 0
        idiv rbx
        movsx rax, sil
        or rcx, 1
        and rcx, -3
        imul rcx
        add rax, \extra
        adc rdx, 0
        idiv qword ptr [r15+8]
        neg rsi
        .endr
END md_idiv

# Quotients at the edge of the destination that still fit.
SNIPPET md_div_edges
        mov eax, 0x80
        mov cl, -1
        idiv cl                 # -(+128) = -128 fits
        mov eax, 0x7f80         # 32640 / 128 = 255
        mov cl, 0x80
        div cl
        mov eax, 0x8000
        xor edx, edx
        mov cx, -1
        idiv cx                 # 32768 / -1 = -32768
        mov eax, 0x80000000
        xor edx, edx
        mov ecx, -1
        idiv ecx
        mov rax, 0x8000000000000000
        xor edx, edx
        mov rcx, -1
        idiv rcx                # 2^63 / -1 = INT64_MIN
        mov rax, -1
        mov rdx, 0x7ffffffffffffffe
        mov rcx, 0x7fffffffffffffff
        div rcx                 # largest unsigned quotient that fits
        mov rax, -1
        mov rdx, -1
        mov rcx, 3
        idiv rcx                # -1 / 3 = 0 rem -1
        mov rax, -7
        cqo
        mov rcx, 2
        idiv rcx                # truncates toward zero: -3 rem -1
        mov eax, -7
        cdq
        mov ecx, -2
        idiv ecx
        mov ax, -7
        cwd
        mov cx, 2
        idiv cx
        mov ax, -7
        mov cl, 2
        idiv cl
END md_div_edges

SNIPPET md_convert
        .irp v, 0, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000, -1, 0x123456789abcdef0
        mov rax, \v
        mov rdx, rbx
        cbw
        cwd
        mov rax, \v
        cwde
        cdq
        mov rax, \v
        mov rdx, rbx
        cdqe
        cqo
        .endr
        mov rax, rsi
        cbw
        mov rax, rsi
        cwde
        mov rax, rsi
        cdqe
        mov rax, rdi
        cwd
        cdq
        cqo
END md_convert

# #DE: divide by zero and quotient overflow, every size. Each snippet ends
# with the faulting instruction. (Unicorn 2.0.1 computes the 32-bit idiv
# quotient in a host int64_t: EDX:EAX = INT64_MIN divided by -1 kills the
# test process with SIGFPE, so de_idiv32_ovf uses another dividend and
# IntopsUnit.SignedDivideEdges checks that case in vmsim alone.)
SNIPPET de_div8_zero
        xor ecx, ecx
        div cl
END de_div8_zero
SNIPPET de_div8_ovf
        mov eax, 0x100
        mov cl, 1
        div cl
END de_div8_ovf
SNIPPET de_div16_zero
        xor ecx, ecx
        div cx
END de_div16_zero
SNIPPET de_div16_ovf
        mov dx, 1
        mov cx, 1
        div cx
END de_div16_ovf
SNIPPET de_div32_zero
        mov rcx, 0x100000000
        div ecx
END de_div32_zero
SNIPPET de_div32_ovf
        mov edx, 7
        mov ecx, 7
        div ecx
END de_div32_ovf
SNIPPET de_div64_zero
        mov qword ptr [r15], 0
        div qword ptr [r15]
END de_div64_zero
SNIPPET de_div64_ovf
        mov rdx, -1
        mov rcx, -1
        div rcx
END de_div64_ovf
SNIPPET de_idiv8_zero
        mov byte ptr [r15], 0
        idiv byte ptr [r15]
END de_idiv8_zero
SNIPPET de_idiv8_ovf
        mov ax, -128
        mov bh, -1
        idiv bh
END de_idiv8_ovf
SNIPPET de_idiv16_min
        xor eax, eax
        mov dx, 0x8000
        mov cx, -1
        idiv cx                 # DX:AX = INT32_MIN / -1
END de_idiv16_min
SNIPPET de_idiv16_zero
        xor ecx, ecx
        idiv cx
END de_idiv16_zero
SNIPPET de_idiv16_ovf
        mov ax, 0x8000
        mov dx, -1
        mov cx, -1
        idiv cx
END de_idiv16_ovf
SNIPPET de_idiv32_zero
        xor r9d, r9d
        idiv r9d
END de_idiv32_zero
SNIPPET de_idiv32_ovf
        mov eax, 0x80000000
        mov edx, -1
        mov ecx, -1
        idiv ecx
END de_idiv32_ovf
SNIPPET de_idiv64_zero
        xor ecx, ecx
        idiv rcx
END de_idiv64_zero
SNIPPET de_idiv64_ovf
        mov rax, 0x8000000000000000
        cqo
        mov rcx, -1
        idiv rcx
END de_idiv64_ovf
SNIPPET de_idiv64_ovf_pos
        mov edx, 1
        xor eax, eax
        mov ecx, 1
        idiv rcx
END de_idiv64_ovf_pos

# --- shift ----------------------------------------------------------------------
# Every operation, size and form with a random CL.
SNIPPET sh_cl
        .irp op, shl, shr, sar, rol, ror, rcl, rcr
        \op al, cl
        \op ah, cl
        \op sil, cl
        \op bx, cl
        \op edx, cl
        \op r9d, cl
        \op rdi, cl
        \op r10, cl
        \op byte ptr [r15], cl
        \op word ptr [r15+2], cl
        \op dword ptr [r15+4], cl
        \op qword ptr [r15+8], cl
        ror rcx, 5
        .endr
END sh_cl

# Every operation and size with the counts that matter: 0, 1, size - 1,
# size, size + 1, and counts the mask reduces (32, 33, 64, 65, 255), by CL
# and by immediate. Registers are refreshed from unmodified ones (with
# random upper halves, so a 32-bit count-0 shift shows its zero-extension).
SNIPPET sh_counts
        .irp n, 0, 1, 2, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 255
        mov ecx, \n
        .irp op, shl, shr, sar, rol, ror, rcl, rcr
        mov rax, r11
        mov rbx, r12
        mov rdx, r13
        mov rdi, r11
        \op al, cl
        \op bh, cl
        \op bx, cl
        \op edx, cl
        \op rdi, cl
        mov rax, r12
        mov rbx, r13
        mov rdx, r11
        mov rdi, r12
        \op al, \n
        \op bh, \n
        \op bx, \n
        \op edx, \n
        \op rdi, \n
        \op byte ptr [r15+1], \n
        \op word ptr [r15+2], \n
        \op dword ptr [r15+4], cl
        \op qword ptr [r15+8], \n
        .endr
        .endr
END sh_counts

# The shift-by-1 opcodes (D0/D1) and the imm8 form with an immediate of 1
# (C0/C1 ib), which compute the same thing; and the /6 alias of shl.
SNIPPET sh_one
        .irp op, shl, shr, sar, rol, ror, rcl, rcr
        \op al, 1
        \op ah, 1
        \op cx, 1
        \op edx, 1
        \op rsi, 1
        \op r9, 1
        \op byte ptr [r15], 1
        \op word ptr [r15+2], 1
        \op dword ptr [r15+4], 1
        \op qword ptr [r15+8], 1
        .endr
        .byte 0xc0, 0xe0, 0x01              # shl al, 1 (C0 /4 ib)
        .byte 0xc1, 0xe8, 0x01              # shr eax, 1 (C1 /5 ib)
        .byte 0x48, 0xc1, 0xf8, 0x01        # sar rax, 1 (REX.W C1 /7 ib)
        .byte 0x66, 0xc1, 0xc3, 0x01        # rol bx, 1
        .byte 0x66, 0xc1, 0xd3, 0x01        # rcl bx, 1
        .byte 0xd1, 0xf2                    # sal edx, 1 (D1 /6)
        .byte 0x48, 0xd3, 0xf6              # sal rsi, cl (D3 /6)
        .byte 0x41, 0xc0, 0x37, 0x03        # sal byte ptr [r15], 3 (C0 /6 ib)
END sh_one

# Double-precision shifts: every size, register and memory destinations,
# immediate and CL counts, including 16-bit counts above 16.
SNIPPET sh_double
        .irp n, 0, 1, 2, 8, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 255
        mov ecx, \n
        mov rax, r11
        mov rbx, r12
        mov rsi, r13
        mov rdi, r11
        shld ax, bx, cl
        shld si, di, \n
        shrd bx, si, cl
        shrd di, ax, \n
        shld edx, esi, \n
        shld r9d, r10d, cl
        shrd eax, ebx, cl
        shrd esi, edi, \n
        shld rax, rbx, cl
        shld rdi, r11, \n
        shrd rsi, r12, cl
        shrd r8, r13, \n
        shld word ptr [r15], bx, \n
        shld word ptr [r15+2], bx, cl
        shrd word ptr [r15+4], si, \n
        shrd word ptr [r15+6], di, cl
        shld dword ptr [r15+8], edx, cl
        shrd dword ptr [r15+12], eax, \n
        shld qword ptr [r15+16], rsi, \n
        shrd qword ptr [r15+24], rdx, cl
        .endr
END sh_double

SNIPPET sh_double_random
        shld ax, bx, cl
        shrd si, di, cl
        shld edx, esi, cl
        shrd r9d, r10d, cl
        shld rax, rbx, cl
        shrd rsi, r12, cl
        ror rcx, 3
        shld word ptr [r15], bx, cl
        shrd dword ptr [r15+4], eax, cl
        shld qword ptr [r15+8], rdx, cl
        shrd qword ptr [r15+16], rdx, cl
END sh_double_random

# --- bits -----------------------------------------------------------------------
SNIPPET bt_reg
        .irp op, bt, bts, btr, btc
        \op ax, bx
        \op r9w, cx
        \op edx, esi
        \op r10d, edi
        \op rax, rbx
        \op r11, r12
        \op ax, 3
        \op cx, 15
        \op dx, 35
        \op esi, 0
        \op edi, 31
        \op r8d, 200
        \op rbx, 1
        \op r9, 63
        \op r12, 100
        .endr
END bt_reg

SNIPPET bt_mem_imm
        .irp op, bt, bts, btr, btc
        \op word ptr [r15], 3
        \op word ptr [r15+2], 17
        \op dword ptr [r15+4], 31
        \op dword ptr [r15+8], 33
        \op qword ptr [r15+16], 63
        \op qword ptr [r15+24], 64
        \op qword ptr [r14-8], 0
        .endr
        lock bts word ptr [r15], 9
        lock btr dword ptr [r15+4], 20
        lock btc qword ptr [r15+8], 50
END bt_mem_imm

# Memory bit base with a register bit offset: signed, and it can address
# memory anywhere within +-4 KiB of r15 here (r15 >= data + 4 KiB).
# Only flag-neutral instructions (mov, movzx, movsx, lea) and rotates set the
# offsets up: after bt/bts/btr/btc, Unicorn's undefined OF SF AF PF depend
# on its lazy flag state (an add, sub, logic, shift... just before turns
# them into garbage, which the next instruction's comparison would see),
# while vmsim leaves them unchanged.
SNIPPET bt_mem_reg
        .irp op, bt, bts, btr, btc
        \op word ptr [r15], bx
        movsx ecx, cx
        \op dword ptr [r15+4], ecx
        movsx rdx, dx
        \op qword ptr [r15+8], rdx
        movzx esi, sil
        movzx r8d, r8b
        lea r8, [r8*8]
        \op qword ptr [r15+r8*1], rsi
        mov edi, -1
        \op dword ptr [r15], edi
        mov rdi, -64
        \op qword ptr [r15], rdi
        mov rdi, -65
        \op qword ptr [r15], rdi
        mov rdi, 64
        \op qword ptr [r15], rdi
        mov edi, 33
        \op word ptr [r15], di
        mov edi, -17
        \op word ptr [r15], di
        ror rbx, 9
        .endr
        movsx rax, ax
        lock bts qword ptr [r15], rax
        movsx eax, bx
        lock btr dword ptr [r15+4], eax
        lock btc word ptr [r15+2], cx
        # 32-bit addressing: the bit displacement is added before the address
        # is truncated to 32 bits
        movsx ecx, cx
        bts dword ptr [r15d+4], ecx
        movsx rdx, dx
        btr qword ptr [r15d+r8d*1], rdx
END bt_mem_reg


# A register bit offset that leaves the mapped data: both engines fault.
SNIPPET bt_mem_far
        mov rax, 0x7fffffff
        bt dword ptr [r15], eax
END bt_mem_far
SNIPPET bt_mem_far_neg
        mov rax, -0x1000000000  # 2^33 bytes below r15: canonical, unmapped
        bts qword ptr [r15], rax
END bt_mem_far_neg

# (popcnt is not here: Unicorn 2.0.1 raises #UD for it with every CPU model,
# unicorn-engine/unicorn#1880. IntopsUnit.Popcnt checks it in vmsim alone.)
SNIPPET bit_scan
        .irp op, bsf, bsr, tzcnt, lzcnt
        mov rax, r12
        mov rbx, r13
        mov rdx, r11
        \op ax, cx
        \op bx, word ptr [r15]
        \op edx, esi
        \op eax, dword ptr [r15+4]
        \op rbx, rdi
        \op r9, qword ptr [r15+8]
        \op r10, r10
        # zero sources: the destination keeps its value (bsf/bsr) or gets
        # the operand size (tzcnt/lzcnt)
        xor r8d, r8d
        mov rax, r12
        mov rbx, r13
        mov rdx, r11
        \op ax, r8w
        \op ebx, r8d
        \op rdx, r8
        mov qword ptr [r14+16], 0
        \op eax, dword ptr [r14+16]
        \op cx, word ptr [r14+16]
        \op rsi, qword ptr [r14+16]
        .irp v, 1, 0x8000, 0x80000000, 0x8000000000000000, -1, 0x10
        mov r8, \v
        \op ax, r8w
        \op ebx, r8d
        \op rdx, r8
        .endr
        .endr
END bit_scan

SNIPPET bmi1
        # Unicorn gets blsi's CF wrong (reconciled in lockstep.cpp, not written
        # back), so every blsi is followed by an instruction that sets all flags.
        .irp op, blsi, blsmsk, blsr
        mov r8, 0x8000000000000000
        \op eax, ebx
        \op r9d, dword ptr [r15+4]
        \op rcx, rdx
        \op r10, qword ptr [r15+8]
        \op rsi, rsi
        \op eax, r8d              # zero source
        \op rcx, r8
        xor r11d, r11d
        \op rdx, r11              # zero source
        cmp rax, rcx
        .endr
        andn eax, ebx, ecx
        andn r9d, r10d, dword ptr [r15+4]
        andn rax, rbx, rcx
        andn r11, r12, qword ptr [r15+8]
        andn rdx, rdx, rdx
        andn rsi, rdi, rsi
        # Unicorn drops the top bit when START = 0 and LEN >= the size
        # (reconciled in lockstep.cpp, flags not written back), so every
        # bextr is followed by an instruction that sets all flags.
        bextr eax, ebx, ecx
        test eax, eax
        bextr r9d, dword ptr [r15+4], r10d
        test r9d, r9d
        bextr rax, rbx, rcx
        test rax, rax
        bextr r11, qword ptr [r15+8], r12
        test r11, r11
        .irp ctl, 0, 0x0800, 0x0801, 0x1000, 0x1f01, 0x2000, 0x2100, 0x1f00, 0x0120, 0x0140, 0x3f00, 0x3f01, 0x4000, 0x403f, 0x0840, 0xff00, 0x00ff, 0xffff, 0x10010
        mov r8, \ctl
        mov rax, r12
        bextr eax, r13d, r8d
        test eax, eax
        bextr rdx, r13, r8
        test rdx, rdx
        bextr esi, dword ptr [r15+4], r8d
        test esi, esi
        bextr rdi, qword ptr [r15+8], r8
        test rdi, rdi
        .endr
END bmi1

# No executable stack for the test binary (the snippets are data).
        .section .note.GNU-stack, "", @progbits
