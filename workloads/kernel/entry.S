/* Kernel entry and exit: the 256 interrupt stubs, the syscall entry, the
 * context switch, and the user SSE state save/restore.
 *
 * Both entries build the same struct trapframe (kernel.h) on the current
 * process's kernel stack. A syscall frame returns with sysretq, an
 * interrupt frame with iretq. The kernel runs with interrupts off (SFMASK
 * clears IF; all gates are interrupt gates), so only user code is
 * preempted. One vCPU: the syscall stack pointer is a global (no swapgs). */
        .altmacro

        .macro  push_regs
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        .endm

        .macro  pop_regs
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        .endm

        .macro  isr_stub n
        .balign 16
isr_\n:
        .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
        .else
        pushq   $0
        .endif
        pushq   $\n
        jmp     isr_common
        .pushsection .rodata
        .quad   isr_\n
        .popsection
        .endm

        .text
        .pushsection .rodata
        .balign 8
        .globl  isr_table
isr_table:
        .popsection
        .set    vec, 0
        .rept   256
        isr_stub %vec
        .set    vec, vec + 1
        .endr

isr_common:
        push_regs
        cld
        mov     %rsp, %rdi
        call    trap_handler
        .globl  trap_return
trap_return:
        pop_regs
        add     $16, %rsp               /* vector, error code */
        iretq

        .globl  syscall_entry
syscall_entry:
        mov     %rsp, g_user_rsp(%rip)
        mov     g_syscall_rsp(%rip), %rsp
        pushq   $0x23                   /* ss */
        pushq   g_user_rsp(%rip)        /* rsp */
        push    %r11                    /* rflags */
        pushq   $0x2b                   /* cs */
        push    %rcx                    /* rip */
        pushq   $0                      /* error */
        pushq   $256                    /* vector: VEC_SYSCALL */
        push_regs
        mov     %rsp, %rdi
        call    syscall_handler
        .globl  syscall_return
syscall_return:
        pop_regs
        add     $16, %rsp
        mov     0(%rsp), %rcx           /* rip */
        mov     16(%rsp), %r11          /* rflags */
        mov     24(%rsp), %rsp          /* user rsp */
        sysretq

/* void swtch(uint64_t *save_rsp, uint64_t new_rsp) */
        .globl  swtch
swtch:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, (%rdi)
        mov     %rsi, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

/* void fpu_save(void *area): xmm0-15 at 0..255, MXCSR at 256. No
 * fxsave/xsave: vmsim does not implement them. */
        .globl  fpu_save
fpu_save:
        movdqu  %xmm0, 0(%rdi)
        movdqu  %xmm1, 16(%rdi)
        movdqu  %xmm2, 32(%rdi)
        movdqu  %xmm3, 48(%rdi)
        movdqu  %xmm4, 64(%rdi)
        movdqu  %xmm5, 80(%rdi)
        movdqu  %xmm6, 96(%rdi)
        movdqu  %xmm7, 112(%rdi)
        movdqu  %xmm8, 128(%rdi)
        movdqu  %xmm9, 144(%rdi)
        movdqu  %xmm10, 160(%rdi)
        movdqu  %xmm11, 176(%rdi)
        movdqu  %xmm12, 192(%rdi)
        movdqu  %xmm13, 208(%rdi)
        movdqu  %xmm14, 224(%rdi)
        movdqu  %xmm15, 240(%rdi)
        stmxcsr 256(%rdi)
        ret

        .globl  fpu_restore
fpu_restore:
        movdqu  0(%rdi), %xmm0
        movdqu  16(%rdi), %xmm1
        movdqu  32(%rdi), %xmm2
        movdqu  48(%rdi), %xmm3
        movdqu  64(%rdi), %xmm4
        movdqu  80(%rdi), %xmm5
        movdqu  96(%rdi), %xmm6
        movdqu  112(%rdi), %xmm7
        movdqu  128(%rdi), %xmm8
        movdqu  144(%rdi), %xmm9
        movdqu  160(%rdi), %xmm10
        movdqu  176(%rdi), %xmm11
        movdqu  192(%rdi), %xmm12
        movdqu  208(%rdi), %xmm13
        movdqu  224(%rdi), %xmm14
        movdqu  240(%rdi), %xmm15
        ldmxcsr 256(%rdi)
        ret

        .bss
        .balign 8
g_user_rsp:
        .quad   0
        .section .note.GNU-stack, "", @progbits
