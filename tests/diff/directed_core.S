# Directed snippets for the groups alu, move, control and misc.
#include "snippet.inc"

# --- alu: every operation, size and form -----------------------------------
SNIPPET alu_rr
        .irp op, add, or, adc, sbb, and, sub, xor, cmp, test
        \op al, bl
        \op ah, cl
        \op dil, sil
        \op r8b, r9b
        \op cx, dx
        \op r10w, r11w
        \op eax, ebx
        \op r12d, r13d
        \op rcx, rdx
        \op rsi, rdi
        \op rax, rax
        .endr
END alu_rr

SNIPPET alu_ri
        .irp op, add, or, adc, sbb, and, sub, xor, cmp, test
        \op al, 0x7f
        \op bh, 0x80
        \op cx, 0x1234
        \op dx, -3
        \op esi, 0x80000000
        \op edi, -1
        \op rax, 0x7fffffff
        \op rbx, -0x80000000
        \op r9, 1
        .endr
        .irp op, add, or, adc, sbb, and, sub, xor, cmp
        \op bx, 5
        \op ecx, -7
        \op r10, 0x7f
        .endr
END alu_ri

SNIPPET alu_mem
        .irp op, add, or, adc, sbb, and, sub, xor, cmp, test
        \op byte ptr [r15], al
        \op word ptr [r15+2], bx
        \op dword ptr [r15+4], ecx
        \op qword ptr [r15+8], rdx
        \op qword ptr [r15+0x11], rsi
        \op byte ptr [r15+1], 0x81
        \op word ptr [r15+2], 0x1234
        \op dword ptr [r15+4], -5
        \op qword ptr [r14-8], 0x7fffffff
        .endr
        .irp op, add, or, adc, sbb, and, sub, xor, cmp
        \op al, byte ptr [r15+3]
        \op bx, word ptr [r15+6]
        \op ecx, dword ptr [r15+0xa]
        \op rdx, qword ptr [r14+0x10]
        movzx r13d, r13b
        \op r9, qword ptr [r15+r13*8+0x18]
        .endr
        lock add qword ptr [r15], rax
        lock xor dword ptr [r15+4], 7
END alu_mem

SNIPPET alu_unary
        .irp op, inc, dec, not, neg
        \op al
        \op ah
        \op bx
        \op ecx
        \op rdx
        \op r11
        \op byte ptr [r15]
        \op word ptr [r15+2]
        \op dword ptr [r15+4]
        \op qword ptr [r15+8]
        .endr
END alu_unary

# --- move ---------------------------------------------------------------------
SNIPPET mov_forms
        mov al, bl
        mov ah, dl
        mov sil, r9b
        mov cx, dx
        mov ecx, edx
        mov rcx, rdx
        mov r8d, 0x12345678
        mov r9, 0x123456789abcdef0
        mov rax, -1
        mov bl, 0x80
        mov byte ptr [r15], cl
        mov word ptr [r15+2], dx
        mov dword ptr [r15+4], esi
        mov qword ptr [r15+8], rdi
        mov qword ptr [r15+16], -2
        mov dword ptr [r15+24], 0x80000000
        mov al, byte ptr [r15+1]
        mov bx, word ptr [r15+3]
        mov ecx, dword ptr [r15+5]
        mov rdx, qword ptr [r14+0x20]
        mov rsi, qword ptr [rip+mov_forms_data]
        movzx r13d, r13b
        mov qword ptr [r15+r13*4+0x40], rsi
        movabs al, [0x100010]
        movabs rax, [0x100018]
        movabs [0x100028], rax
        jmp 1f
mov_forms_data:
        .quad 0x1122334455667788
1:
END mov_forms

SNIPPET mov_extend
        movzx eax, bl
        movzx ecx, bh
        movzx rdx, sil
        movzx r8d, r9w
        movzx r10, word ptr [r15]
        movzx ax, cl
        movzx bx, byte ptr [r15+3]
        movsx eax, bl
        movsx ecx, bh
        movsx edx, r9w
        movsx r10, word ptr [r15+2]
        movsx ax, cl
        movsx rbx, byte ptr [r15+5]
        movsxd rsi, edi
        movsxd r11, dword ptr [r15+8]
END mov_extend

SNIPPET mov_lea_xchg
        lea rax, [rbx+rcx*4+0x10]
        lea eax, [rbx+rcx*8-3]
        lea ax, [rsi+rdi]
        lea rdx, [rip+0x100]
        lea r9, [r10*2]
        lea rsi, [0x1234]
        lea ecx, [ebx+edx]
        xchg rax, rbx
        xchg ecx, edx
        xchg si, di
        xchg al, ah
        xchg r9b, r10b
        xchg qword ptr [r15], rcx
        xchg dword ptr [r15+8], esi
        xchg word ptr [r15+12], bx
        xchg byte ptr [r15+14], dl
        xchg eax, r11d
        bswap eax
        bswap rbx
        bswap r9d
        bswap r12
END mov_lea_xchg

SNIPPET mov_atomic
        cmpxchg rbx, rcx
        cmpxchg ebx, ecx
        cmpxchg bx, cx
        cmpxchg bl, cl
        mov rax, qword ptr [r15]
        cmpxchg qword ptr [r15], rdx
        cmpxchg qword ptr [r15], rdx
        lock cmpxchg dword ptr [r15+8], esi
        cmpxchg word ptr [r15+12], di
        cmpxchg byte ptr [r15+14], dl
        mov rax, rbx
        cmpxchg rbx, rcx
        xadd rax, rbx
        xadd ecx, edx
        xadd si, di
        xadd al, ah
        lock xadd qword ptr [r15+16], r9
        xadd dword ptr [r15+24], r10d
        xadd byte ptr [r15+28], r11b
        cmpxchg8b qword ptr [r15+32]
        mov eax, dword ptr [r15+32]
        mov edx, dword ptr [r15+36]
        cmpxchg8b qword ptr [r15+32]
        cmpxchg16b xmmword ptr [r14]
        mov rax, qword ptr [r14]
        mov rdx, qword ptr [r14+8]
        lock cmpxchg16b xmmword ptr [r14]
END mov_atomic

SNIPPET mov_stack
        push rax
        push r9
        push word ptr [r15]
        push qword ptr [r15+8]
        push 0x12
        push -0x1000
        pushw 0x1234
        pop rbx
        pop r10
        pop qword ptr [r15+16]
        popw cx
        pop qword ptr [rsp]
        pop qword ptr [rsp+8]
        push rsp
        pop rsp
        pushw ax
        pop word ptr [r15+2]
END mov_stack

SNIPPET mov_cc
        .irp cc, o, no, b, nb, z, nz, be, nbe, s, ns, p, np, l, nl, le, nle
        cmov\cc rax, rbx
        cmov\cc ecx, edx
        cmov\cc si, di
        cmov\cc r9, qword ptr [r15]
        cmov\cc r10d, dword ptr [r15+4]
        set\cc al
        set\cc ah
        set\cc r11b
        set\cc byte ptr [r15+\@]
        .endr
        add rax, rbx
        .irp cc, o, b, z, be, s, p, l, le
        set\cc cl
        cmov\cc edx, esi
        .endr
END mov_cc

# --- control ------------------------------------------------------------------
SNIPPET ctl_branches
        mov ecx, 10
1:      add rax, rcx
        dec ecx
        jnz 1b
        cmp rax, rbx
        .irp cc, o, no, b, nb, z, nz, be, nbe, s, ns, p, np, l, nl, le, nle
        j\cc 2f
        inc rdx
2:      add rsi, rdi
        .endr
        call 3f
        jmp 4f
3:      add rax, 1
        ret
4:      lea r9, [rip+5f]
        call r9
        jmp 6f
5:      ret 0
6:      lea r10, [rip+7f]
        mov qword ptr [r15], r10
        jmp qword ptr [r15]
        int3
7:      lea r10, [rip+8f]
        jmp r10
        int3
8:      mov qword ptr [r15+8], r10
        lea r10, [rip+9f]
        mov qword ptr [r15+8], r10
        call qword ptr [r15+8]
        jmp 10f
9:      ret 16
10:     sub rsp, 16
        nop
END ctl_branches

SNIPPET ctl_loops
        mov ecx, 5
1:      inc rax
        loop 1b
        mov ecx, 7
        xor edx, edx
2:      inc edx
        cmp edx, 3
        loopne 2b
        mov ecx, 9
3:      cmp edx, edx
        loope 3b
        xor ecx, ecx
        jrcxz 4f
        inc rbx
4:      mov rcx, 0x100000000
        jecxz 5f
        inc rbx
5:      mov ecx, 3
        addr32 loop 5b
        jrcxz 6f
6:      nop
END ctl_loops

SNIPPET ctl_frames
        push rbp
        mov rbp, rsp
        enter 0x20, 0
        mov qword ptr [rbp-8], rax
        leave
        enter 0x10, 1
        leave
        enter 8, 1
        leave
        leave
END ctl_frames

# 66h enter and leave in 64-bit mode: the frame pointer and the stack pointer
# are RBP and RSP, all 64 bits, whatever the operand size (SDM Vol. 2A,
# ENTER: "IF 64-bit mode THEN RBP <- FrameTemp"; LEAVE: "IF StackAddressSize
# = 64 THEN RSP <- RBP"). Only the saved and restored frame pointer is 16-bit.
# Found by the random test. RBP starts in the data region, so its upper bits
# differ from RSP's.
SNIPPET ctl_frames16
        mov rbp, r14
        .byte 0x66, 0xc8, 0x10, 0x00, 0x00      # enter 0x10, 0   (16-bit)
        .byte 0x66, 0xc8, 0x08, 0x00, 0x01      # enter 8, 1      (16-bit)
        mov rax, rbp
        .byte 0x66, 0xc9                        # leave           (16-bit)
        .byte 0x66, 0xc9
        mov rbx, rsp
        mov rbp, r15                            # leave with RBP in the data region:
        .byte 0x66, 0xc9                        # RSP <- RBP, then BP <- pop
        mov rcx, rsp
        mov rsp, rbx
END ctl_frames16

# --- misc ---------------------------------------------------------------------
SNIPPET misc_nops
        nop
        xchg eax, eax
        .byte 0x66, 0x90
        nop dword ptr [rax]
        nop word ptr [rax+rax*1+0]
        .byte 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00
        endbr64
        pause
        fwait
        fstcw word ptr [r15]
        fldcw word ptr [r15]
        .byte 0x0f, 0x1f, 0x40, 0x00
END misc_nops

SNIPPET misc_ud2
        add rax, rbx
        ud2
END misc_ud2

SNIPPET misc_int3
        add rax, rbx
        int3
        add rax, rbx
END misc_int3

SNIPPET misc_bad_memory
        mov rax, qword ptr [r15]
        mov rbx, 0x500000
        mov rcx, qword ptr [rbx]
END misc_bad_memory
