# Guest code for the system-level CPU's unit tests (system_*_test.cpp).
# Each snippet is copied to the address its test names (kKernelCode,
# kUserCode...); absolute addresses are written as BASE + (label - start).
#include "../diff/snippet.inc"

        .set KCODE, 0x10000
        .set UCODE, 0x20000

# --- interrupts and exceptions ------------------------------------------------

# sti; then the instruction in the shadow; then two more.
SNIPPET sti_shadow
        sti
        nop
        nop
        nop
        hlt
END sti_shadow

# mov ss blocks interrupts for the next instruction as well.
SNIPPET movss_shadow
        mov ax, 0x10
        mov ss, ax
        nop
        nop
        hlt
END movss_shadow

# sti; hlt: the classic idle loop. Wakes, runs the handler (iretq), then
# counts in rbx and halts again.
SNIPPET sti_hlt
        sti
        hlt
        inc rbx
        hlt
END sti_hlt

# A handler that counts in rcx and returns.
SNIPPET count_iretq
        inc rcx
        iretq
END count_iretq

# A loop that counts forever (interrupts off): the timer must still be seen.
SNIPPET busy_loop
1:      inc rax
        jmp 1b
END busy_loop

# --- privilege: ring 3 and back ---------------------------------------------

# Kernel: build an iretq frame to user code at UCODE with IF set, return to it.
SNIPPET kernel_to_user
        push 0x23               # SS
        push 0x30000            # RSP
        push 0x202              # RFLAGS: IF
        push 0x2b               # CS
        push UCODE              # RIP
        iretq
END kernel_to_user

# User: int 0x80 twice (the handler returns with iretq), then a privileged hlt.
SNIPPET user_int80
        mov eax, 1
        int 0x80
        add eax, 1
        int 0x80
        hlt
END user_int80

# User: syscall with some flags set; the kernel returns with sysretq.
SNIPPET user_syscall
        mov r12, rsp
        pushfq
        or qword ptr [rsp], 0xC01   # CF, DF, OF
        popfq
        syscall
        mov r13, rcx
        hlt
END user_syscall

SNIPPET kernel_sysretq
        mov r9, rcx
        mov r10, r11
        pushfq
        pop r8
        sysretq
END kernel_sysretq

SNIPPET kernel_sysretl
        .byte 0x0f, 0x07     # sysret (32-bit operand size: to compatibility mode)
END kernel_sysretl

# --- modes: the Multiboot entry's way into long mode -------------------------
# Entered in 32-bit protected mode, paging off, CS = 0x30 (32-bit code).
# Builds nothing (the flat MMU maps identity): turns on PAE, loads CR3, sets
# EFER.LME, enables paging (compatibility mode), then jumps far to 64-bit code.
SNIPPET mb_to_long
mb_start:
        .code32
        mov eax, cr4
        or eax, 0x20
        mov cr4, eax
        mov eax, 0x100000
        mov cr3, eax
        mov ecx, 0xC0000080
        rdmsr
        or eax, 0x100
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ljmp 0x08, KCODE + (mb_long - mb_start)
mb_long:
        .code64
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rax, 0x123456789
        hlt
END mb_to_long

# 64-bit -> compatibility mode with retfq, a far call and far return there,
# and back to 64-bit with a far jump through memory.
SNIPPET mode_roundtrip
rt_start:
        .code64
        push 0x30
        lea rax, [rip + rt_compat]
        push rax
        rex.w retf
rt_compat:
        .code32
        lcall 0x30, KCODE + (rt_sub - rt_start)
        mov dword ptr [0x40000], KCODE + (rt_back - rt_start)
        mov word ptr [0x40004], 0x08
        ljmp [0x40000]
rt_sub:
        mov esi, 0x5151
        retf
rt_back:
        .code64
        mov rdi, 0x6464
        hlt
END mode_roundtrip

# In 32-bit protected mode: push and pop segment registers, iretd to self.
SNIPPET prot32_segments
p32_start:
        .code32
        push ds
        pop es
        push 0x10
        pop fs
        pushfd
        push cs
        push KCODE + (p32_after - p32_start)
        iretd
p32_after:
        mov eax, 0x3232
        hlt
        .code64
END prot32_segments
