/* Boot: the Multiboot v1 header and 32-bit entry, the direct ELF64 entry,
 * and the boot page tables both share. Everything here is linked at its
 * physical address (section .boot); the rest of the kernel runs in the
 * higher half.
 *
 * Multiboot (kernel32.elf, e_entry = _start32 = 0x100040): protected mode,
 *   paging off, EAX = 0x2BADB002, EBX = multiboot info. We enable PAE and
 *   long mode with the boot page tables and far-jump to 64-bit code.
 * Direct ELF64 (kernel.elf, e_entry = _start64): long mode, RDI = boot-info
 *   block. We load our own GDT and the boot page tables.
 * Both then jump to kmain(proto, info_phys, magic) on the boot stack.
 *
 * The boot page tables identity-map the first 4 GiB (for the switch), map
 * the same 4 GiB at the direct map 0xffff800000000000, and map phys
 * 0..1 GiB at 0xffffffff80000000, all with 2 MiB pages and no global bit.
 * kmain replaces them with the real kernel tables at once. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory info */

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .section .boot.text, "ax"
        .code32
        .balign 64
        .globl  _start32
_start32:
        cli
        mov     %eax, %edi
        mov     %ebx, %esi
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
        and     $~0x4, %eax             /* EM off */
        or      $0x80010023, %eax       /* PG | WP | NE | MP | PE */
        mov     %eax, %cr0
        lgdt    boot_gdtr
        ljmp    $0x08, $long_entry32

        .code64
long_entry32:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %edi, %edx              /* magic (zero-extends) */
        mov     %esi, %esi              /* multiboot info */
        mov     $1, %edi                /* proto 1: Multiboot */
        jmp     common64

        .globl  _start64
_start64:
        cli
        mov     %rdi, %rsi              /* boot-info block */
        mov     $2, %edi                /* proto 2: direct ELF64 */
        xor     %edx, %edx
        lgdt    boot_gdtr
        pushq   $0x08
        lea     1f(%rip), %rax
        pushq   %rax
        lretq
1:      mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $boot_pml4, %eax
        mov     %rax, %cr3
common64:
        movabs  $higher_half, %rax
        jmp     *%rax

        .section .boot.data, "aw"
        .balign 8
boot_gdt:
        .quad   0
        .quad   0x00AF9A000000FFFF      /* 0x08: 64-bit code */
        .quad   0x00CF92000000FFFF      /* 0x10: data */
boot_gdt_end:
        .balign 8
boot_gdtr:
        .word   boot_gdt_end - boot_gdt - 1
        .quad   boot_gdt

        .balign 4096
        .globl  boot_pml4
boot_pml4:
        .quad   boot_pdpt_lo + 3
        .fill   255, 8, 0
        .quad   boot_pdpt_lo + 3        /* 256: direct map */
        .fill   254, 8, 0
        .quad   boot_pdpt_hi + 3        /* 511: kernel */
boot_pdpt_lo:
        .quad   boot_pd + 0x0000 + 3
        .quad   boot_pd + 0x1000 + 3
        .quad   boot_pd + 0x2000 + 3
        .quad   boot_pd + 0x3000 + 3
        .fill   508, 8, 0
boot_pdpt_hi:
        .fill   510, 8, 0
        .quad   boot_pd + 3             /* 510: 0xffffffff80000000 */
        .quad   0
boot_pd:
        .set    i, 0
        .rept   2048
        .quad   (i << 21) | 0x83        /* P | RW | PS */
        .set    i, i + 1
        .endr

        .text
higher_half:
        mov     $boot_stack_top, %rsp
        xor     %ebp, %ebp
        call    kmain
2:      hlt
        jmp     2b

        .bss
        .balign 16
boot_stack:
        .skip   16384
        .globl  boot_stack_top
boot_stack_top:
        .section .note.GNU-stack, "", @progbits
