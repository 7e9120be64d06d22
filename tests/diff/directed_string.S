# Directed snippets for the groups string and flags.
#
# The data region is [0x100000, 0x110000): r15 = 0x101000 + 8*x (x < 0x100),
# r14 = 0x108000. Every snippet sets rsi, rdi, rcx and DF itself; rax and the
# data are random (the fill value and what cmps/scas compare).
#include "snippet.inc"

# --- string: single iterations ------------------------------------------------
SNIPPET str_single
        .irp sz, b, w, d, q
        cld
        lea rsi, [r15+3]
        lea rdi, [r14+0x105]
        movs\sz
        movs\sz
        stos\sz
        lods\sz
        cmps\sz
        scas\sz
        std
        movs\sz
        movs\sz
        stos\sz
        lods\sz
        cmps\sz
        scas\sz
        cld
        # addr32: esi/edi are used, and the update clears bits 63:32
        mov rsi, 0xdead00000000
        add rsi, r15
        mov rdi, 0xbeef00000000
        add rdi, r14
        addr32 movs\sz
        mov rdi, 0xbeef00000000
        add rdi, r14
        addr32 stos\sz
        mov rsi, 0xdead00000000
        add rsi, r15
        addr32 lods\sz
        mov rsi, 0xdead00000000
        add rsi, r15
        mov rdi, 0xbeef00000000
        add rdi, r14
        std
        addr32 cmps\sz
        mov rdi, 0xbeef00000000
        add rdi, r14
        addr32 scas\sz
        cld
        .endr
END str_single

# --- string: every operation x size x prefix x direction x address size ----
# Short counts (5) over random data; the snippets below cover long runs.
SNIPPET str_matrix
        .irp df, cld, std
        .irp op, movs, stos, lods, cmps, scas
        .irp sz, b, w, d, q
        .irp pfx, no, 0xf3, 0xf2
        .irp a32, no, yes
        \df
        lea rsi, [r15+0x100]
        lea rdi, [r14+0x200]
        .ifc \a32, yes
        mov rdx, 0xdead00000000
        add rsi, rdx
        add rdi, rdx
        mov rcx, 0xabc00000005
        .byte 0x67
        .else
        mov ecx, 5
        .endif
        .ifnc \pfx, no
        .byte \pfx
        .endif
        \op\sz
        .endr
        .endr
        .endr
        .endr
        .endr
        cld
END str_matrix

# --- string: REP movs ---------------------------------------------------------
SNIPPET str_rep_movs
        .irp sz, b, w, d, q
        cld
        lea rsi, [r15+1]
        lea rdi, [r14+0x100]
        xor ecx, ecx
        rep movs\sz
        mov ecx, 1
        rep movs\sz
        mov ecx, 7
        rep movs\sz
        # across page boundaries, destination offset above / below the source's
        lea rsi, [r14-0x123]
        lea rdi, [r14+0x1000-0x77]
        mov ecx, 0x321
        rep movs\sz
        lea rsi, [r14+0x2000-0x10]
        lea rdi, [r14+0x3000-0x300]
        mov ecx, 0x333
        rep movs\sz
        # page aligned, several pages
        lea rsi, [r14-0x6000]
        lea rdi, [r14+0x4000]
        mov ecx, 0x600
        rep movs\sz
        # elements straddling page boundaries on both sides
        lea rsi, [r14-0x5001]
        lea rdi, [r14+0x1003]
        mov ecx, 0x500
        rep movs\sz
        # backwards
        std
        lea rsi, [r14+0x10]
        lea rdi, [r14+0x2013]
        mov ecx, 0x345
        rep movs\sz
        mov ecx, 1
        rep movs\sz
        xor ecx, ecx
        rep movs\sz
        cld
        # addr32: ecx counts, and rsi/rdi/rcx lose bits 63:32
        mov rsi, 0xdead00000000
        add rsi, r15
        mov rdi, 0xbeef00000000
        lea rdi, [rdi+r14+0x301]
        mov rcx, 0x1234500000020
        addr32 rep movs\sz
        # addr32 with ecx = 0: nothing changes, not even bits 63:32
        mov rsi, 0xdead00000000
        mov rcx, 0x100000000
        addr32 rep movs\sz
        std
        mov rsi, 0xdead00000000
        add rsi, r15
        mov rcx, 0x77700000111
        addr32 rep movs\sz
        cld
        # F2 on movs repeats like F3
        lea rsi, [r15+2]
        lea rdi, [r14+0x500]
        mov ecx, 9
        .byte 0xf2
        movs\sz
        .endr
END str_rep_movs

# Overlapping copies: forward with the destination above the source (the
# byte-by-byte result replicates a pattern), below it, and backwards; then
# the same over periodic data (a filled buffer) and across a page boundary.
SNIPPET str_movs_overlap
        .irp sz, b, w, d, q
        .irp k, 1, 2, 3, 5, 8, 13, 64, 100, 0x801
        cld
        lea rsi, [r14+0x10]
        lea rdi, [r14+0x10+\k]
        mov ecx, 0x130
        rep movs\sz
        lea rsi, [r14+0x3010]
        lea rdi, [r14+0x3010-\k]
        mov ecx, 0x130
        rep movs\sz
        lea rsi, [r14-0x1000-0x40]
        lea rdi, [r14-0x1000-0x40+\k]
        mov ecx, 0x50
        rep movs\sz
        std
        lea rsi, [r14+0x5010]
        lea rdi, [r14+0x5010-\k]
        mov ecx, 0x130
        rep movs\sz
        lea rsi, [r14+0x6010]
        lea rdi, [r14+0x6010+\k]
        mov ecx, 0x130
        rep movs\sz
        .endr
        .endr
        # periodic data: an overlapping forward copy of a filled area is a no-op
        cld
        lea rdi, [r14-0x4000]
        mov ecx, 0x2000
        rep stosb
        .irp k, 1, 3, 8, 0x101
        lea rsi, [r14-0x4000]
        lea rdi, [r14-0x4000+\k]
        mov ecx, 0x1800
        rep movsb
        lea rsi, [r14-0x4000]
        lea rdi, [r14-0x4000+\k]
        mov ecx, 0x300
        rep movsq
        .endr
        # a period-8 pattern: period 8 copies stay, others replicate
        lea rdi, [r14-0x2000]
        mov ecx, 0x200
        rep stosq
        .irp k, 4, 8, 12, 16
        lea rsi, [r14-0x2000]
        lea rdi, [r14-0x2000+\k]
        mov ecx, 0x700
        rep movsb
        .endr
END str_movs_overlap

# --- string: REP stos and lods ------------------------------------------------
SNIPPET str_rep_stos_lods
        .irp sz, b, w, d, q
        cld
        lea rdi, [r15+1]
        xor ecx, ecx
        rep stos\sz
        mov ecx, 1
        rep stos\sz
        mov ecx, 13
        rep stos\sz
        lea rdi, [r14-0x3003]
        mov ecx, 0x1111
        rep stos\sz
        lea rdi, [r14+0x2000]
        mov ecx, 0x400
        rep stos\sz
        std
        lea rdi, [r14+0x7007]
        mov ecx, 0x567
        rep stos\sz
        cld
        mov rdi, 0xbeef00000000
        lea rdi, [rdi+r14+0x1ff]
        mov rcx, 0x5500000123
        addr32 rep stos\sz
        mov rcx, 0x5500000000
        addr32 rep stos\sz
        lea rdi, [r15+0x40]
        mov ecx, 5
        .byte 0xf2
        stos\sz
        # lods: rax ends with the last element
        lea rsi, [r15+5]
        xor ecx, ecx
        rep lods\sz
        mov ecx, 1
        rep lods\sz
        mov ecx, 0x789
        rep lods\sz
        std
        lea rsi, [r14+0x1ff]
        mov ecx, 0x444
        rep lods\sz
        cld
        mov rsi, 0xdead00000000
        add rsi, r15
        mov rcx, 0xffff00000011
        addr32 rep lods\sz
        lea rsi, [r15+0x21]
        mov ecx, 3
        .byte 0xf2
        lods\sz
        .endr
END str_rep_stos_lods

# --- string: REPE/REPNE cmps and scas ----------------------------------------
# Random data stops REPE at once and REPNE late; copied and filled areas let
# REPE run to the count or stop at a planted difference, and REPNE stop at a
# planted match.
SNIPPET str_rep_cmps_scas
        .irp sz, b, w, d, q
        cld
        lea rsi, [r15]
        lea rdi, [r14]
        xor ecx, ecx
        repe cmps\sz
        repne cmps\sz
        repe scas\sz
        repne scas\sz
        mov ecx, 0x40
        repe cmps\sz
        mov ecx, 0x40
        repne cmps\sz
        mov ecx, 0x40
        repe scas\sz
        mov ecx, 0x40
        repne scas\sz
        # equal areas: REPE runs out the count
        lea rsi, [r14-0x2345]
        lea rdi, [r14+0x1234]
        mov ecx, 0x700
        rep movsb
        lea rsi, [r14-0x2345]
        lea rdi, [r14+0x1234]
        mov ecx, 0x100
        repe cmps\sz
        # plant a difference at byte 0x99: REPE stops there
        inc byte ptr [r14+0x1234+0x99]
        lea rsi, [r14-0x2345]
        lea rdi, [r14+0x1234]
        mov ecx, 0x100
        repe cmps\sz
        # backwards from the end of the equal area
        std
        lea rsi, [r14-0x2345+0x600]
        lea rdi, [r14+0x1234+0x600]
        mov ecx, 0x100
        repe cmps\sz
        cld
        # REPNE over areas filled with different bytes, with one match planted
        lea rdi, [r14-0x1000]
        mov eax, 0x11111111
        mov ecx, 0x800
        rep stosb
        lea rdi, [r14+0x3000]
        mov eax, 0x22222222
        mov ecx, 0x800
        rep stosb
        mov qword ptr [r14-0x1000+0x1f0], 0x55
        mov qword ptr [r14+0x3000+0x1f0], 0x55
        lea rsi, [r14-0x1000]
        lea rdi, [r14+0x3000]
        mov ecx, 0x300
        repne cmps\sz
        lea rsi, [r14-0x1000]
        lea rdi, [r14+0x3000]
        mov ecx, 0x10
        repne cmps\sz
        # scas: REPNE finds the planted 0x55, REPE stops at it
        mov eax, 0x55
        lea rdi, [r14+0x3000]
        mov ecx, 0x300
        repne scas\sz
        mov eax, 0x22222222
        .ifc \sz, q
        mov rax, 0x2222222222222222
        .endif
        lea rdi, [r14+0x3000]
        mov ecx, 0x300
        repe scas\sz
        std
        lea rdi, [r14+0x37f8]
        mov ecx, 0x3000
        repe scas\sz
        cld
        # addr32
        mov rsi, 0xdead00000000
        lea rsi, [rsi+r14-0x2345]
        mov rdi, 0xbeef00000000
        lea rdi, [rdi+r14+0x1234]
        mov rcx, 0xabc00000030
        addr32 repe cmps\sz
        mov rdi, 0xbeef00000000
        lea rdi, [rdi+r14+0x3000]
        mov rcx, 0xabc00000300
        addr32 repne scas\sz
        mov rcx, 0xabc00000000
        addr32 repne scas\sz
        .endr
END str_rep_cmps_scas

# --- string: segment overrides (fs_base = data + 0x100, gs_base = data + 0x3000)
# The source of movs, lods and cmps follows the prefix; ES:rDI never does.
SNIPPET str_segments
        cld
        mov esi, 0x123
        lea rdi, [r14+0x10]
        fs movsb
        gs movsq
        mov esi, 0x1000
        mov ecx, 0x234
        fs rep movsb
        mov esi, 0x1000
        mov ecx, 0x234
        gs rep movsd
        mov esi, 0x40
        fs lodsq
        gs lodsb
        mov ecx, 0x20
        fs rep lodsw
        mov esi, 0x200
        lea rdi, [r14+0x10]
        fs cmpsq
        mov esi, 0x100
        lea rdi, [r14+0x10]
        mov ecx, 0x30
        gs repne cmpsb
        # overrides that must not apply: the destination, and ES/DS/SS/CS in 64-bit mode
        lea rdi, [r14+0x777]
        .byte 0x64
        stosq
        .byte 0x65
        scasb
        lea rsi, [r15+0x10]
        .byte 0x26
        movsw
        .byte 0x2e
        lodsb
        .byte 0x36
        cmpsd
        .byte 0x3e
        movsb
        mov esi, 0x300
        addr32 fs movsd
        mov rsi, 0x9900000400
        mov rcx, 0x3300000011
        addr32 fs rep movsb
END str_segments

# --- string: REP into unmapped memory (each snippet ends with a #PF) ----------
SNIPPET fault_stos_forward
        cld
        lea rdi, [r14+0x123]
        mov rcx, 0x10000000000
        rep stosb
END fault_stos_forward

# The last element read straddles into the missing page. (A store that
# straddles is left to the unit tests: Unicorn commits the bytes before the
# page boundary of a faulting split store, even for a plain mov, where
# hardware and vmsim commit nothing.)
SNIPPET fault_straddle
        cld
        lea rsi, [r14+0x7000-3]
        lea rdi, [r14-0x7000]
        mov rcx, 0x10000000000
        rep movsq
END fault_straddle

SNIPPET fault_stos_backward
        std
        lea rdi, [r14-0x7000+1]
        mov rcx, 0x10000000000
        rep stosw
END fault_stos_backward

SNIPPET fault_movs_source
        cld
        lea rsi, [r14+0x7800]
        lea rdi, [r14-0x4000]
        mov rcx, 0x10000
        rep movsq
END fault_movs_source

SNIPPET fault_movs_destination
        cld
        lea rsi, [r14-0x6000]
        lea rdi, [r14+0x7ff0-0x400]
        mov ecx, 0x1000
        rep movsb
END fault_movs_destination

SNIPPET fault_movs_backward
        std
        lea rsi, [r14-0x7f00]
        lea rdi, [r14+0x10]
        mov ecx, 0x1000
        rep movsd
END fault_movs_backward

SNIPPET fault_lods
        cld
        lea rsi, [r14+0x7000]
        mov rcx, -1
        rep lodsd
END fault_lods

SNIPPET fault_cmps
        cld
        lea rsi, [r14+0x6000]
        mov rdi, rsi
        mov rcx, -1
        repe cmpsq
END fault_cmps

SNIPPET fault_scas
        cld
        lea rdi, [r14+0x7e00]
        mov ecx, 0x200
        rep stosb
        lea rdi, [r14+0x7e00]
        mov rcx, -1
        repe scasb
END fault_scas

SNIPPET fault_addr32
        cld
        mov rdi, 0xbeef00000000
        lea rdi, [rdi+r14+0x7f00]
        mov rcx, 0xffff0000ffff
        addr32 rep stosd
END fault_addr32

# The first element faults: nothing changes, not even bits 63:32 under addr32.
SNIPPET fault_first_element
        cld
        mov rsi, 0xdead00000000
        lea rsi, [rsi+r14+0x8000]
        mov rcx, 0xabc00000010
        lea rdi, [r14]
        addr32 rep movsb
END fault_first_element

# --- flags ------------------------------------------------------------------
SNIPPET flags_simple
        clc
        cmc
        cmc
        stc
        cmc
        stc
        std
        cld
        std
        cld
        lahf
        mov ah, 0xff
        sahf
        lahf
        mov ah, 0
        sahf
        lahf
        mov ah, 0xd5
        sahf
        lahf
        mov ah, 0x2a
        sahf
        lahf
        mov bh, 0x41
        mov ah, bh
        sahf
        lahf
        add al, bl
        lahf
        sub ecx, edx
        lahf
END flags_simple

# popf changes CF PF AF ZF SF DF OF NT AC ID; never VM, RF, VIF, VIP nor the
# reserved bits. TF, IF and IOPL stay 0 here: Unicorn runs at CPL 0 (where
# popf may change IF and IOPL) and single-steps on TF.
SNIPPET flags_stack
        pushfq
        pop rax
        pushfw
        pop bx
        .irp v, 0, 0x8d5, 0x400, 0x4000, 0x40000, 0x200000, 0x3c0000, 0x10000, 0x20000, 0x8028, 0xffffffffffffccff, 0x7ffeccd5
        mov rax, \v
        push rax
        popfq
        pushfq
        pop rbx
        pushfw
        pop cx
        mov rdx, 0xffffffffffffccff
        push rdx
        popfq
        mov ax, \v & 0xccff
        push ax
        popfw
        pushfq
        pop rsi
        .endr
        mov eax, 2
        push rax
        popfq
END flags_stack

        .section .note.GNU-stack, "", @progbits
