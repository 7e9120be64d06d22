/* directboot shim (development aid, QEMU only): a Multiboot image that plays
 * vmsim's direct ELF64 loader, so the kernel's direct boot path can be
 * tested under QEMU. Module 0 is kernel.elf, module 1 the initrd. This
 * file: the Multiboot header and the switch to long mode (identity map of
 * 4 GiB in 2 MiB pages), then shim_main(mbi). */
        .section .multiboot, "a"
        .balign 4
        .long   0x1BADB002
        .long   0x00000003
        .long   -(0x1BADB002 + 0x00000003)

        .text
        .code32
        .globl  _start32
_start32:
        cli
        mov     %ebx, %esi
        mov     $stack_top, %esp
        mov     %cr4, %eax
        or      $0x20, %eax
        mov     %eax, %cr4
        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx
        rdmsr
        or      $0x901, %eax
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax
        mov     %eax, %cr0
        lgdt    gdtr
        ljmp    $0x08, $1f
        .code64
1:      mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %esi, %edi
        call    shim_main
2:      hlt
        jmp     2b

        .data
        .balign 8
gdt:    .quad   0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
gdtr:   .word   23
        .quad   gdt
        .balign 4096
pml4:   .quad   pdpt + 3
        .fill   511, 8, 0
pdpt:   .quad   pd + 0x0003, pd + 0x1003, pd + 0x2003, pd + 0x3003
        .fill   508, 8, 0
pd:     .set    i, 0
        .rept   2048
        .quad   (i << 21) | 0x83
        .set    i, i + 1
        .endr
        .bss
        .balign 16
        .skip   16384
stack_top:
        .section .note.GNU-stack, "", @progbits
