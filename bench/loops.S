# Guest loops of vmsim_bench. Each is data in the benchmark binary (never run
# on the host); the benchmark copies it to guest memory and runs it in vmsim
# and in Unicorn. Conventions (bench/loops.cpp sets them up):
#   rcx  iterations (passes for loadstore), counted down to zero
#   r15  base of the 64 KiB data buffer
# Each loop is entered at its first byte and ends at a final ud2 that neither
# engine retires: vmsim stops there with #UD (the instruction count excludes
# a faulting instruction), Unicorn by its 'until' address, before the ud2.
        .intel_syntax noprefix
        .section .rodata.bench_loops, "a"

        .macro LOOP name
        .globl bench_\name\()_start
        .globl bench_\name\()_end
bench_\name\()_start:
        .endm

        .macro END name
bench_\name\()_end:
        .endm

# ALU: a dependency chain of register add/xor, 6 instructions per iteration.
LOOP alu
1:      add rax, rdx
        xor rdx, rax
        add rsi, rax
        xor rdi, rsi
        dec rcx
        jnz 1b
        ud2
END alu

# LCG: x = 45 * x + c (mod 2^64), folded into a checksum; 7 instructions per
# iteration. The multiply is two LEAs (x*5, then *9): a = 45 satisfies the
# Hull-Dobell conditions with an odd c, and the loop stays within the core
# instruction groups (alu, move, control).
LOOP lcg
1:      lea rax, [rax + rax * 4]
        lea rax, [rax + rax * 8]
        add rax, rsi
        mov rdx, rax
        xor rbx, rdx
        dec rcx
        jnz 1b
        ud2
END lcg

# Load/add/store over the 64 KiB buffer at r15: 8192 qwords per pass, 6
# instructions per qword, 4 per pass around the inner loop.
LOOP loadstore
1:      mov rsi, r15
        mov edx, 8192
2:      mov rax, [rsi]
        add rax, rdi
        mov [rsi], rax
        add rsi, 8
        dec edx
        jnz 2b
        dec rcx
        jnz 1b
        ud2
END loadstore

        .section .note.GNU-stack, "", @progbits
