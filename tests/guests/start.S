/* Entry, descriptor tables, trap stubs, fault probes and the ring-3 trip
 * for vmsim's directed test guests (tests/guests/README.md).
 *
 * Multiboot (NAME32.elf, entry _start32): protected mode, paging off; we
 * turn on PAE, long mode and paging with the boot tables and far-jump to
 * 64-bit code. Direct ELF64 (NAME.elf, entry _start64): long mode already;
 * we switch to the same GDT and boot tables, so both protocols reach
 * guest_main in the same state: CPL 0, identity map of 0..4 GiB with
 * 2 MiB user-accessible pages, no global bit, CR4.PAE only. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .section .text.start32, "ax"
        .code32
        .globl  _start32
_start32:
        cli
        mov     %cr4, %eax
        or      $0x20, %eax             /* PAE */
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx       /* EFER: LME | NXE | SCE */
        rdmsr
        or      $0x901, %eax
        wrmsr
        mov     %cr0, %eax
        and     $~0x4, %eax
        or      $0x80010023, %eax       /* PG | WP | NE | MP | PE */
        mov     %eax, %cr0
        lgdt    gdtr
        ljmp    $0x08, $entry_mb64
        .code64
entry_mb64:
        mov     $1, %edi                /* proto 1: Multiboot */
        jmp     common64

        .section .text.start, "ax"
        .globl  _start64
_start64:
        cli
        mov     $2, %edi                /* proto 2: direct ELF64 */
        mov     $0x20, %eax             /* CR4 = PAE only, as after _start32 */
        mov     %rax, %cr4
        mov     $boot_pml4, %eax
        mov     %rax, %cr3
        mov     $0xC0000080, %ecx
        rdmsr
        or      $0x901, %eax
        wrmsr
common64:
        lea     stack_top(%rip), %rsp   /* Multiboot gives no stack */
        lgdt    gdtr
        pushq   $0x08
        lea     1f(%rip), %rax
        pushq   %rax
        lretq
1:      mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        lea     stack_top(%rip), %rsp
        and     $-16, %rsp
        xor     %ebp, %ebp
        call    guest_start             /* never returns */
2:      hlt
        jmp     2b

/* ---- Trap stubs: every vector pushes (error code or 0) and its number. */
        .macro  stub vec, has_error
        .balign 16
        .if \has_error == 0
        pushq   $0
        .endif
        pushq   $\vec
        jmp     trap_common
        .endm

        .balign 16
        .globl  trap_stubs
trap_stubs:
        .set    v, 0
        .rept   256
        .if (v == 8) || (v >= 10 && v <= 14) || (v == 17) || (v == 21)
        stub    v, 1
        .else
        stub    v, 0
        .endif
        .set    v, v + 1
        .endr

/* Saves the general registers into a struct trap_frame (guest.h) and calls
 * trap_dispatch(frame); the handler may change the frame (RIP, RAX, RSP). */
trap_common:
        push    %r15
        push    %r14
        push    %r13
        push    %r12
        push    %r11
        push    %r10
        push    %r9
        push    %r8
        push    %rbp
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rbx
        push    %rax
        mov     %rsp, %rdi
        mov     %rsp, %rbx
        and     $-16, %rsp
        call    trap_dispatch
        mov     %rbx, %rsp
        pop     %rax
        pop     %rbx
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        pop     %rbp
        pop     %r8
        pop     %r9
        pop     %r10
        pop     %r11
        pop     %r12
        pop     %r13
        pop     %r14
        pop     %r15
        add     $16, %rsp               /* vector, error code */
        iretq

/* ---- Fault probes. Each returns 0, or 1 + the vector of the exception
 * its one access raised (trap_dispatch resumes at the fixup through the
 * .extable pairs; g_last_fault has the error code and CR2). */
        .macro  extable insn, fixup
        .pushsection .extable, "a"
        .quad   \insn, \fixup
        .popsection
        .endm

        .text
        .globl  probe_read
probe_read:                             /* int probe_read(uint64_t va, uint64_t *out) */
        xor     %eax, %eax
1:      mov     (%rdi), %rcx
        mov     %rcx, (%rsi)
2:      ret
        extable 1b, 2b

        .globl  probe_write
probe_write:                            /* int probe_write(uint64_t va, uint64_t value) */
        xor     %eax, %eax
1:      mov     %rsi, (%rdi)
2:      ret
        extable 1b, 2b

        .globl  probe_write8
probe_write8:                           /* int probe_write8(uint64_t va, uint8_t value) */
        xor     %eax, %eax
1:      mov     %sil, (%rdi)
2:      ret
        extable 1b, 2b

/* int probe_exec(uint64_t va): calls va (which must hold code ending in
 * ret, e.g. 0xC3); a fault on the fetch of va itself resumes after the
 * call with the return address popped (trap_dispatch knows g_exec_target). */
        .globl  probe_exec
probe_exec:
        mov     %rdi, g_exec_target(%rip)
        xor     %eax, %eax
        call    *%rdi
        .globl  probe_exec_return
probe_exec_return:
        movq    $0, g_exec_target(%rip)
        ret

/* ---- A trip to ring 3. uint64_t user_call(void (*fn)(uint64_t), uint64_t arg,
 * uint64_t user_rsp): runs fn(arg) at CPL 3 on user_rsp; fn must end with
 * user_exit(value) (a syscall with RAX = USER_EXIT), which returns value
 * here. Other syscalls go to guest_syscall(nr, a0, a1) and return to ring 3. */
        .globl  user_call
user_call:
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, g_kernel_rsp(%rip)
        mov     %rdi, %rcx              /* user RIP */
        mov     %rsi, %rdi              /* argument */
        mov     %rdx, %rsp              /* the user stack: iretq frame built below it */
        pushq   $0x23                   /* user data, RPL 3 */
        pushq   %rdx
        pushq   $0x202                  /* IF on */
        pushq   $0x2B                   /* user 64-bit code, RPL 3 */
        pushq   %rcx
        iretq

        .globl  syscall_entry
syscall_entry:                          /* RCX = user RIP, R11 = user RFLAGS */
        cmp     $0x5E5E, %rax           /* USER_EXIT */
        je      3f
        mov     %rsp, g_user_rsp(%rip)
        mov     g_syscall_stack(%rip), %rsp
        push    %rcx                    /* what C may clobber, but not the caller */
        push    %r11
        push    %rdi
        push    %rsi
        push    %rdx
        push    %r8
        push    %r9
        push    %r10
        mov     %rsi, %rdx              /* a1 */
        mov     %rdi, %rsi              /* a0 */
        mov     %rax, %rdi              /* number */
        call    guest_syscall
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rdx
        pop     %rsi
        pop     %rdi
        pop     %r11
        pop     %rcx
        mov     g_user_rsp(%rip), %rsp
        sysretq
3:      mov     %rdi, %rax              /* the value */
        mov     g_kernel_rsp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret

        .data
        .balign 8
        .globl  g_exec_target
g_exec_target:  .quad 0
g_kernel_rsp:   .quad 0
g_user_rsp:     .quad 0
        .globl  g_syscall_stack
g_syscall_stack: .quad 0

/* GDT: null, 0x08 kernel code, 0x10 kernel data, 0x18 user code 32 (for
 * sysret's layout), 0x20 user data, 0x28 user code 64, 0x30 TSS (16 bytes).
 * STAR[47:32] = 0x08 (syscall: CS 0x08, SS 0x10); STAR[63:48] = 0x18
 * (sysret to 64-bit code: CS 0x18+16 = 0x28, SS 0x18+8 = 0x20, RPL 3). */
        .balign 16
        .globl  gdt
gdt:
        .quad   0
        .quad   0x00AF9A000000FFFF      /* 0x08 kernel code 64 */
        .quad   0x00CF92000000FFFF      /* 0x10 kernel data */
        .quad   0x00CFFA000000FFFF      /* 0x18 user code 32 (unused) */
        .quad   0x00CFF2000000FFFF      /* 0x20 user data */
        .quad   0x00AFFA000000FFFF      /* 0x28 user code 64 */
        .globl  gdt_tss
gdt_tss:
        .quad   0, 0                    /* 0x30 TSS: filled by guest_start */
gdt_end:
        .balign 8
gdtr:
        .word   gdt_end - gdt - 1
        .quad   gdt

/* Boot tables: 0..4 GiB identity, 2 MiB pages, P|RW|US|PS. */
        .section .data.pagetables, "aw"
        .balign 4096
        .globl  boot_pml4
boot_pml4:
        .quad   boot_pdpt + 7
        .fill   511, 8, 0
        .globl  boot_pdpt
boot_pdpt:
        .quad   boot_pd + 0x0000 + 7
        .quad   boot_pd + 0x1000 + 7
        .quad   boot_pd + 0x2000 + 7
        .quad   boot_pd + 0x3000 + 7
        .fill   508, 8, 0
        .globl  boot_pd
boot_pd:
        .set    i, 0
        .rept   2048
        .quad   (i << 21) | 0x87
        .set    i, i + 1
        .endr

        .bss
        .balign 16
        .skip   65536
stack_top:
        .section .note.GNU-stack, "", @progbits
